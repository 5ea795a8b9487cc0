"""Zip archives: members come back as Document.members for the engine to scan as
"archive.zip!dir/file.docx". Nothing is written to disk.

A zip is hostile until proven otherwise, so every limit is checked from the archive's own
records BEFORE any member is decompressed (member count, each declared size, declared ratio,
the declared total), and then each member is decompressed through a bounded reader that does
not trust those records: output beyond the declared size, or beyond the budget, stops it.

Nesting depth is the engine's: it passes the budget left for this archive as
ctx.limits.max_unpacked_bytes (dataclasses.replace), and this module keeps the sum of the
members it returns within it.

OOXML and ODF zips never come here: sniff() routes them to their own extractors.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import struct
import unicodedata
import zipfile
import zlib

from bmnn.scan.extract import Context, register
from bmnn.scan.limits import Limits
from bmnn.scan.model import Block, Document, LimitExceeded, Member, ScanError

# Below this size a high ratio is normal (a page of spaces, an empty sheet) and harmless: the
# total budget bounds it. Above it, a ratio over max_ratio is a bomb's signature.
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 1024 * 1024

_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


class MemberBudget:
    """The limits a container keeps over the members it returns: how many, each one's size,
    and their total. Shared by the archive and mail extractors. Names are made unique
    ("a.docx", "a (2).docx") so that each member gets its own report line."""

    def __init__(self, limits: Limits, container: str) -> None:
        self.limits = limits
        self.container = container
        self.count = 0
        self.total = 0
        self._names: set[str] = set()

    @property
    def left(self) -> int:
        """Unpacked bytes this container may still return."""
        return self.limits.max_unpacked_bytes - self.total

    def check_count(self, count: int) -> None:
        if count > self.limits.max_members:
            raise LimitExceeded(
                f"{self.container} có quá nhiều tệp thành phần ({count}, "
                f"giới hạn {self.limits.max_members})."
            )

    def check_size(self, name: str, size: int) -> None:
        """A member's size, declared or real, against the per-file limit and the budget."""
        if size > self.limits.max_file_bytes:
            raise LimitExceeded(
                f"Tệp thành phần {name!r} của {self.container} quá lớn ({_mb(size)}, "
                f"giới hạn {_mb(self.limits.max_file_bytes)})."
            )
        if size > self.left:
            raise LimitExceeded(
                f"{self.container} giải nén ra quá nhiều dữ liệu (vượt "
                f"{_mb(self.limits.max_unpacked_bytes)} tại {name!r}): nghi bom nén."
            )

    def unique(self, name: str) -> str:
        if name not in self._names:
            self._names.add(name)
            return name
        stem, dot, ext = name.rpartition(".")
        if not dot or "/" in ext:
            stem, ext = name, ""
        n = 2
        while True:
            candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
            if candidate not in self._names:
                self._names.add(candidate)
                return candidate
            n += 1

    def add(self, members: list[Member], name: str, data: bytes) -> None:
        self.check_count(self.count + 1)
        self.check_size(name, len(data))
        self.count += 1
        self.total += len(data)
        # NFC: cp1258 and macOS write names decomposed; the report shows them composed
        members.append(Member(name=self.unique(unicodedata.normalize("NFC", name)), data=data))


def count_central_records(data: bytes, limit: int) -> int:
    """Count the central directory's records by walking them, stopping past `limit`.

    zipfile builds one ZipInfo per record before we could look at them; a 200 MB central
    directory of tiny records would take gigabytes. The end record's count can lie, so the
    records themselves are walked (each is 46 bytes plus its three variable fields)."""
    end = data.rfind(_EOCD, max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or len(data) - end < 22:
        raise ScanError("Tệp nén hỏng hoặc bị cắt cụt: không thấy thư mục trung tâm.")
    declared, cd_size = struct.unpack("<H4xI", data[end + 10 : end + 20])
    cd_end = end
    z64 = end - 20 - 56
    if z64 >= 0 and data[end - 20 : end - 16] == _EOCD64_LOCATOR and data[z64 : z64 + 4] == _EOCD64:
        declared, cd_size = struct.unpack("<QQ", data[z64 + 32 : z64 + 48])
        cd_end = z64
    if declared > limit:
        return declared
    pos = cd_end - cd_size
    if pos < 0:
        raise ScanError("Tệp nén hỏng: thư mục trung tâm nằm ngoài tệp.")
    count = 0
    while pos + 46 <= cd_end and data[pos : pos + 4] == _CENTRAL:
        count += 1
        if count > limit:
            break
        n, m, k = struct.unpack("<HHH", data[pos + 28 : pos + 34])
        pos += 46 + n + m + k
    return max(count, declared)


def _decode_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:
        # Without the UTF-8 flag zipfile reads cp437; most tools that omit the flag
        # (7-Zip, macOS, Linux) still wrote UTF-8, which is what Vietnamese names need.
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("utf-8")
    return name.replace("\\", "/")


def _decode_comment(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1258", errors="replace")


def _local_data_start(data: bytes, info: zipfile.ZipInfo, name: str) -> int:
    off = info.header_offset
    if off < 0 or data[off : off + 4] != _LOCAL:
        raise ScanError(f"Tệp nén hỏng: không thấy phần đầu của {name!r}.")
    n, m = struct.unpack("<HH", data[off + 26 : off + 30])
    return off + 30 + n + m


def _inflate(raw: memoryview, declared: int, allowed: int, name: str, ctx: Context) -> bytes:
    """Deflate output, never more than declared + 1 bytes and never more than `allowed`.

    The output grows in a BytesIO, whose getvalue() hands over its buffer without a copy: a
    bytearray turned into bytes at the end would hold the member twice, and every member of
    an archive is held at once until the engine scans them."""
    out = io.BytesIO()
    d = zlib.decompressobj(-15)
    cap = min(declared, allowed)
    pos = 0
    pending = b""
    while True:
        ctx.check_time()
        if not pending:
            if pos >= len(raw):
                break
            pending = raw[pos : pos + _CHUNK]
            pos += len(pending)
        try:
            # max_length is never 0 here (0 would mean "no limit" to zlib)
            piece = d.decompress(pending, cap + 1 - out.tell())
        except zlib.error as exc:
            raise ScanError(f"Tệp nén hỏng: không giải nén được {name!r} ({exc}).") from exc
        pending = d.unconsumed_tail
        out.write(piece)
        del piece
        if out.tell() > cap:
            _over(name, declared, allowed, ctx)
        if d.eof:
            break
    if not d.eof:
        raise ScanError(f"Tệp nén hỏng hoặc bị cắt cụt: dữ liệu của {name!r} không trọn vẹn.")
    return out.getvalue()


def _over(name: str, declared: int, allowed: int, ctx: Context) -> None:
    if declared <= allowed:
        raise LimitExceeded(
            f"Tệp thành phần {name!r} giải nén ra nhiều hơn kích thước khai báo "
            f"({declared} byte): tệp nén khai sai, nghi bom nén."
        )
    raise LimitExceeded(
        f"{ctx.name or 'Tệp nén'} giải nén ra quá nhiều dữ liệu (vượt giới hạn tại {name!r}): "
        "nghi bom nén."
    )


def _read_member(
    z: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo, name: str, allowed: int, ctx: Context
) -> bytes:
    declared = info.file_size
    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        start = _local_data_start(data, info, name)
        # A view, not a slice: slicing bytes copies them.
        raw = memoryview(data)[start : start + info.compress_size]
        if len(raw) < info.compress_size:
            raise ScanError(f"Tệp nén bị cắt cụt: thiếu dữ liệu của {name!r}.")
        if info.compress_type == zipfile.ZIP_STORED:
            if len(raw) > min(declared, allowed):
                _over(name, declared, allowed, ctx)
            out = bytes(raw)
        else:
            out = _inflate(raw, declared, allowed, name, ctx)
        if len(out) != declared:
            raise ScanError(
                f"Tệp nén hỏng: {name!r} khai {declared} byte nhưng chứa {len(out)} byte."
            )
        if zlib.crc32(out) != info.CRC:
            raise ScanError(f"Tệp nén hỏng: sai mã kiểm tra (CRC) của {name!r}.")
        return out
    # bzip2 / lzma: rare in practice; zipfile's reader never returns more than the declared
    # size and checks the CRC, the loop below bounds it by the budget as well.
    out = bytearray()
    try:
        with z.open(info) as f:
            while chunk := f.read(_CHUNK):
                ctx.check_time()
                out += chunk
                if len(out) > min(declared, allowed):
                    _over(name, declared, allowed, ctx)
    except NotImplementedError as exc:
        raise ScanError(
            f"Không đọc được {name!r}: kiểu nén không được hỗ trợ ({info.compress_type})."
        ) from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise ScanError(f"Tệp nén hỏng: không giải nén được {name!r} ({exc}).") from exc
    return bytes(out)


def _check_no_overlap(data: bytes, todo: list[tuple[zipfile.ZipInfo, str]]) -> None:
    """Refuse members whose records share bytes: no tool writes that, and it is how a small
    zip makes many members out of one compressed kernel (the overlapping-files zip bomb)."""
    spans = []
    for info, name in todo:
        start = _local_data_start(data, info, name)
        spans.append((info.header_offset, start + info.compress_size, name))
    spans.sort()
    for (_, end, first), (begin, _, second) in itertools.pairwise(spans):
        if begin < end:
            raise LimitExceeded(
                f"Tệp nén có tệp thành phần chồng lên nhau ({first!r} và {second!r}): "
                "cấu trúc của bom nén, không đọc."
            )


@register("zip")
def extract(data: bytes, ctx: Context) -> Document:
    limits = ctx.limits
    where = ctx.name or "Tệp nén"
    budget = MemberBudget(limits, where)
    budget.check_count(count_central_records(data, limits.max_members))
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except LimitExceeded:
        raise
    except Exception as exc:  # zipfile raises many kinds on hostile input; all mean unreadable
        raise ScanError(f"Không đọc được tệp nén: {exc}.") from exc
    with z:
        infos = z.infolist()
        budget.check_count(len(infos))
        todo: list[tuple[zipfile.ZipInfo, str]] = []
        declared_total = 0
        # Every check that needs no decompression, before any decompression.
        for info in infos:
            if not info.filename:  # a NUL first in the name: ZipInfo.is_dir() would raise
                raise ScanError("Tệp nén hỏng: có tệp thành phần không có tên.")
            name = _decode_name(info)
            if info.is_dir() and info.file_size == 0:
                continue
            if info.flag_bits & 0x41:
                raise ScanError(f"Tệp thành phần {name!r} bị mã hóa bằng mật khẩu: không đọc được.")
            # The ratio first: it is the bomb's own signature, the sizes only its effect.
            if info.file_size > _RATIO_FLOOR and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise LimitExceeded(
                    f"Tệp thành phần {name!r} có tỉ lệ nén bất thường "
                    f"({info.file_size // max(info.compress_size, 1)}:1, giới hạn "
                    f"{limits.max_ratio}:1): nghi bom nén."
                )
            budget.check_size(name, info.file_size)
            declared_total += info.file_size
            if declared_total > limits.max_unpacked_bytes:
                raise LimitExceeded(
                    f"{where} khai giải nén ra {_mb(declared_total)}, vượt giới hạn "
                    f"{_mb(limits.max_unpacked_bytes)}: nghi bom nén."
                )
            todo.append((info, name.rstrip("/") or name))
        _check_no_overlap(data, todo)
        doc = Document()
        if z.comment:
            doc.blocks.append(
                Block(_decode_comment(z.comment), location="chú thích tệp nén", part="metadata")
            )
        for info, name in todo:
            ctx.check_time()
            if info.comment:
                doc.blocks.append(
                    Block(
                        _decode_comment(info.comment),
                        location=f"chú thích của {name}",
                        part="metadata",
                    )
                )
            out = _read_member(z, data, info, name, budget.left, ctx)
            budget.add(doc.members, name, out)
    return doc
