"""Read-only access to Windows registry hive files (REGF), for the analysers.

regipy's low-level structures parse the base block, key nodes (nk) and value records (vk); this
module walks subkey lists itself (lf/lh hints let a lookup skip non-matching keys, which matters
in 100 MB hives) and decodes value data from the raw bytes, because regipy's convenience layer
returns REG_BINARY as hex text, guesses string encodings and drops some value types.

Every structural problem is reported once through `ctx.error` and the walk goes on with what
could be read: a broken key is never taken as an empty one without saying so.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import TYPE_CHECKING, Any

from construct import ConstructError
from regipy.registry import Cell, NKRecord
from regipy.structs import REGF_HEADER, VALUE_KEY

from .model import Evidence

if TYPE_CHECKING:
    from .context import AuditContext

REG_NONE = 0
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4
REG_DWORD_BIG_ENDIAN = 5
REG_LINK = 6
REG_MULTI_SZ = 7
REG_QWORD = 11
REG_FILETIME = 16  # what some tools write for a FILETIME value
DEVPROP_FILETIME = 0xFFFF0010  # PnP property of DEVPROP_TYPE_FILETIME

_BASE = 4096  # cell offsets count from the end of the base block
_NO_CELL = 0xFFFFFFFF
_BIG_DATA_SEGMENT = 16344
_EPOCH_1601 = datetime(1601, 1, 1, tzinfo=UTC)
_ANALYSER = "registry"
# Errors a damaged hive can raise while being decoded.
_DECODE_ERRORS = (ConstructError, struct.error, ValueError, IndexError, OverflowError, KeyError)


class HiveError(Exception):
    """A structure of the hive file that cannot be decoded (message in Vietnamese)."""


# -- time decoders --------------------------------------------------------------------------
def filetime(b: bytes | int) -> datetime:
    """A Windows FILETIME (100 ns since 1601-01-01 UTC, 8 bytes little-endian or an int) as an
    aware UTC datetime. Raises ValueError when it does not fit a calendar date."""
    if isinstance(b, (bytes, bytearray, memoryview)):
        if len(b) < 8:
            raise ValueError(f"FILETIME cần 8 byte, có {len(b)}")
        b = struct.unpack_from("<Q", b)[0]
    try:
        return _EPOCH_1601 + timedelta(microseconds=b // 10)
    except OverflowError as exc:
        raise ValueError(f"FILETIME ngoài phạm vi: {b}") from exc


def systemtime(b: bytes) -> datetime:
    """A 16-byte SYSTEMTIME (year, month, weekday, day, hour, minute, second, ms) as a naive
    datetime in whatever zone it was written (NetworkList writes local time)."""
    if len(b) < 16:
        raise ValueError(f"SYSTEMTIME cần 16 byte, có {len(b)}")
    year, month, _weekday, day, hour, minute, second, ms = struct.unpack_from("<8H", b)
    try:
        return datetime(year, month, day, hour, minute, second, ms * 1000)
    except ValueError as exc:
        raise ValueError(f"SYSTEMTIME không hợp lệ: {bytes(b[:16]).hex()}") from exc


def lh_hash(name: str) -> int:
    """The hash an lh subkey list stores for a name (upper-cased characters, base 37)."""
    h = 0
    for ch in name.upper():
        h = (h * 37 + ord(ch)) & 0xFFFFFFFF
    return h


# -- values ---------------------------------------------------------------------------------
class Value:
    """One registry value: `data` decoded by type, `raw` the bytes as stored."""

    __slots__ = ("data", "name", "raw", "type")

    def __init__(self, name: str, type_: int, raw: bytes):
        self.name = name  # "" is the key's default value
        self.type = type_
        self.raw = raw
        self.data = decode_value(type_, raw)

    def __repr__(self) -> str:
        return f"Value({self.name!r}, type={self.type:#x}, data={self.data!r})"

    @property
    def text(self) -> str | None:
        """The value as a stripped string when it is one (REG_SZ/EXPAND_SZ/LINK)."""
        return self.data.strip() if isinstance(self.data, str) else None


def _utf16(raw: bytes) -> str:
    if len(raw) % 2:
        raw = raw[:-1]
    return raw.decode("utf-16-le", errors="replace")


def decode_value(type_: int, raw: bytes) -> str | int | list[str] | bytes:
    """str for strings (cut at the first NUL), int for DWORD/QWORD, list[str] for MULTI_SZ,
    bytes for binary and every other type (including data too short for its type)."""
    if type_ in (REG_SZ, REG_EXPAND_SZ, REG_LINK):
        return _utf16(raw).split("\0", 1)[0]
    if type_ == REG_MULTI_SZ:
        return [s for s in _utf16(raw).split("\0") if s]
    if type_ == REG_DWORD and len(raw) >= 4:
        return int.from_bytes(raw[:4], "little")
    if type_ == REG_DWORD_BIG_ENDIAN and len(raw) >= 4:
        return int.from_bytes(raw[:4], "big")
    if type_ == REG_QWORD and len(raw) >= 8:
        return int.from_bytes(raw[:8], "little")
    return bytes(raw)


def signed32(n: int) -> int:
    """A DWORD read back as the LONG Windows stored in it (e.g. a time-zone Bias of -420)."""
    return n - (1 << 32) if n & 0x80000000 else n


# -- keys -----------------------------------------------------------------------------------
class Key:
    """One key of a hive. `path` is relative to the hive root, backslash-separated, with the
    real control set (ControlSet001) where the caller asked for CurrentControlSet."""

    __slots__ = ("_nk", "_offset", "_values", "hive", "name", "path")

    def __init__(self, hive: Hive, offset: int, nk: NKRecord, path: str):
        self.hive = hive
        self._offset = offset
        self._nk = nk
        self.path = path
        self._values: dict[str, Value] | None = None
        raw_name = nk.header.key_name_string
        self.name = (
            raw_name.decode("latin-1")
            if nk.header.flags.KEY_COMP_NAME
            else raw_name.decode("utf-16-le", errors="replace")
        )

    def __repr__(self) -> str:
        return f"Key({self.hive.name}:{self.path!r})"

    @property
    def last_written(self) -> datetime:
        try:
            return filetime(self._nk.header.last_modified)
        except ValueError:
            return _EPOCH_1601

    def _child(self, offset: int) -> Key | None:
        """The subkey whose nk cell is at `offset`; None (reported) if it is damaged."""
        try:
            child = Key(self.hive, offset, self.hive._nk_at(offset), "")
        except (HiveError, *_DECODE_ERRORS) as exc:
            self.hive._corrupt(self.path, exc)
            return None
        child.path = f"{self.path}\\{child.name}" if self.path else child.name
        return child

    def _offsets(self) -> list[tuple[int, int | bytes | None]]:
        try:
            return self.hive._subkey_offsets(self._nk)
        except (HiveError, *_DECODE_ERRORS) as exc:
            self.hive._corrupt(self.path, exc)
            return []

    def subkeys(self) -> list[Key]:
        """The direct subkeys that can be read (damaged ones are reported and skipped)."""
        return [c for c in (self._child(off) for off, _ in self._offsets()) if c is not None]

    def subkey(self, name: str) -> Key | None:
        """The direct subkey called `name` (any case), or None."""
        want = name.upper()
        ascii_name = name.isascii()
        want_hash = lh_hash(name) if ascii_name else None
        want_hint = want[:4].encode("ascii") if ascii_name else None
        for off, hint in self._offsets():
            # lh stores a hash of the upper-cased name, lf its first four characters: a lookup
            # parses only the keys whose hint matches.
            if isinstance(hint, int) and want_hash is not None and hint != want_hash:
                continue
            if (
                isinstance(hint, bytes)
                and want_hint is not None
                and hint.strip(b"\0")
                and hint.rstrip(b"\0").upper() != want_hint
            ):
                continue
            child = self._child(off)
            if child is not None and child.name.upper() == want:
                return child
        return None

    def values(self) -> dict[str, Value]:
        """Values by their stored name ("" for the default value), in stored order."""
        if self._values is None:
            try:
                self._values = {v.name: v for v in self.hive._values(self._nk, self.path)}
            except (HiveError, *_DECODE_ERRORS) as exc:
                self.hive._corrupt(self.path, exc)
                self._values = {}
        return self._values

    def value(self, name: str | None) -> Value | None:
        """The value called `name` (any case); None, "" or "(default)" is the default value."""
        want = "" if name in (None, "(default)") else name.upper()
        return next((v for n, v in self.values().items() if n.upper() == want), None)


# -- hives ----------------------------------------------------------------------------------
class Hive:
    """One hive file of the artefact root (SYSTEM, SOFTWARE, SAM, SECURITY or an NTUSER.DAT)."""

    def __init__(self, ctx: AuditContext, rel: str, name: str, data: bytes):
        self.ctx = ctx
        self.rel = rel
        self.name = name
        self._data = data
        self._stream = BytesIO(data)
        self._reported: set[tuple[str, str]] = set()
        self.header = REGF_HEADER.parse(data[:512])
        self.minor_version = self.header.minor_version
        self.root = Key(
            self, self.header.root_key_offset, self._nk_at(self.header.root_key_offset), ""
        )
        self._control_set: str | None = None
        self._control_set_known = False

    def __repr__(self) -> str:
        return f"Hive({self.name}, {self.rel!r})"

    # -- lookup -------------------------------------------------------------------------------
    def key(self, path: str) -> Key | None:
        """The key at `path` (relative to the hive root, "\\"-separated, any case), or None.
        A first segment `CurrentControlSet` resolves through Select\\Current, as Windows does at
        boot: a hive file has no CurrentControlSet of its own."""
        parts = [p for p in path.replace("/", "\\").split("\\") if p]
        if parts and parts[0].upper() == "CURRENTCONTROLSET":
            cs = self.control_set()
            if cs is None:
                return None
            parts[0] = cs
        node: Key | None = self.root
        for part in parts:
            node = node.subkey(part) if node is not None else None
            if node is None:
                return None
        return node

    def control_set(self) -> str | None:
        """The control set in use ("ControlSet001"...), from Select\\Current (else
        Select\\Default, else the only one there is); None, reported, when it cannot be told."""
        if self._control_set_known:
            return self._control_set
        found: str | None = None
        select = self.root.subkey("Select")
        for name in ("Current", "Default"):
            v = select.value(name) if select is not None else None
            if v is not None and isinstance(v.data, int) and 0 < v.data < 1000:
                candidate = f"ControlSet{v.data:03d}"
                if self.root.subkey(candidate) is not None:
                    found = candidate
                    break
        if found is None:
            sets = [k.name for k in self.root.subkeys() if k.name.upper().startswith("CONTROLSET")]
            if len(sets) == 1:
                found = sets[0]
            else:
                self._report(
                    "Select",
                    "Không xác định được ControlSet đang dùng (thiếu "
                    "Select\\Current); các khóa CurrentControlSet không được đọc.",
                )
        self._control_set, self._control_set_known = found, True
        return found

    # -- evidence -----------------------------------------------------------------------------
    def evidence(self, key: Key, value: Value | str | None = None) -> Evidence:
        """Evidence of a fact read from `key` (and its value): hive file, key\\value, raw hex."""
        if value is None:
            return self.ctx.evidence(self.rel, key.path, "")
        if isinstance(value, str):
            return self.ctx.evidence(self.rel, f"{key.path}\\{value or '(default)'}", "")
        return self.ctx.evidence(self.rel, f"{key.path}\\{value.name or '(default)'}", value.raw)

    def read(self, key: Key, names: Mapping[str, str]) -> tuple[dict[str, Any], list[Evidence]]:
        """Facts from the values of `key` named in `names` (value name -> fact name): strings
        stripped, empty ones left out; one Evidence per value read."""
        values = {n.upper(): v for n, v in key.values().items()}
        facts: dict[str, Any] = {}
        evidence: list[Evidence] = []
        for value_name, fact in names.items():
            v = values.get(value_name.upper())
            if v is None:
                continue
            data = v.data.strip() if isinstance(v.data, str) else v.data
            if data in ("", []):
                continue
            facts[fact] = data
            evidence.append(self.evidence(key, v))
        return facts, evidence

    def time_of(self, key: Key, value: Value | None) -> datetime | None:
        """The FILETIME in a value (REG_QWORD, 8-byte REG_BINARY or a 0xFFFF0010 property);
        None when absent or zero (never set). A value that is not a valid FILETIME is reported
        and gives None."""
        if value is None:
            return None
        raw = value.raw
        if value.type not in (REG_QWORD, REG_BINARY, REG_FILETIME, DEVPROP_FILETIME, REG_NONE) or (
            len(raw) < 8
        ):
            self._report(
                f"{key.path}\\{value.name or '(default)'}",
                f"không phải thời điểm FILETIME (kiểu {value.type:#x}, {len(raw)} byte).",
            )
            return None
        n = struct.unpack_from("<Q", raw)[0]
        if n == 0:
            return None
        try:
            return filetime(n)
        except ValueError as exc:
            self._report(f"{key.path}\\{value.name or '(default)'}", str(exc))
            return None

    # -- problems -----------------------------------------------------------------------------
    def _report(self, where: str, message: str) -> None:
        if (where, message) not in self._reported:
            self._reported.add((where, message))
            self.ctx.error(_ANALYSER, self.rel, f"Hive {self.name}, {where}: {message}")

    def _corrupt(self, path: str, exc: BaseException) -> None:
        self._report(path or "(gốc)", f"cấu trúc hỏng, không đọc được phần này ({exc}).")

    # -- cells --------------------------------------------------------------------------------
    def _cell(self, offset: int, need: int) -> int:
        """File position of the payload of the cell at `offset`, checked to hold `need` bytes."""
        pos = _BASE + offset
        if offset == _NO_CELL or pos + 4 + need > len(self._data) or offset % 8:
            raise HiveError(f"ô dữ liệu ngoài tệp hoặc lệch (offset {offset:#x})")
        size = struct.unpack_from("<i", self._data, pos)[0]
        if size >= 0 or -size < need + 4:
            raise HiveError(f"ô dữ liệu không được cấp phát hoặc quá nhỏ (offset {offset:#x})")
        return pos + 4

    def _nk_at(self, offset: int) -> NKRecord:
        pos = self._cell(offset, 76)
        if self._data[pos : pos + 2] != b"nk":
            raise HiveError(f"không phải khóa (nk) tại offset {offset:#x}")
        name_size = struct.unpack_from("<H", self._data, pos + 72)[0]
        self._cell(offset, 76 + name_size)  # the name must fit in the cell
        return NKRecord(Cell(offset=pos + 2, cell_type="nk", size=0), self._stream)

    def _subkey_offsets(self, nk: NKRecord) -> list[tuple[int, int | bytes | None]]:
        """(nk offset, hint) of each subkey: an int hash (lh), 4 name bytes (lf) or None."""
        if not nk.header.subkey_count:
            return []
        out: list[tuple[int, int | bytes | None]] = []
        self._read_list(nk.header.subkeys_list_offset, out, allow_index_root=True)
        return out

    def _read_list(
        self, offset: int, out: list[tuple[int, int | bytes | None]], allow_index_root: bool
    ) -> None:
        pos = self._cell(offset, 4)
        sig = self._data[pos : pos + 2]
        count = struct.unpack_from("<H", self._data, pos + 2)[0]
        if sig in (b"lf", b"lh"):
            self._cell(offset, 4 + 8 * count)
            for i in range(count):
                off = struct.unpack_from("<I", self._data, pos + 4 + 8 * i)[0]
                hint_b = self._data[pos + 8 + 8 * i : pos + 12 + 8 * i]
                out.append((off, struct.unpack("<I", hint_b)[0] if sig == b"lh" else hint_b))
        elif sig == b"li":
            self._cell(offset, 4 + 4 * count)
            out.extend((off, None) for off in struct.unpack_from(f"<{count}I", self._data, pos + 4))
        elif sig == b"ri" and allow_index_root:
            self._cell(offset, 4 + 4 * count)
            for leaf in struct.unpack_from(f"<{count}I", self._data, pos + 4):
                self._read_list(leaf, out, allow_index_root=False)  # ri holds leaves only
        else:
            raise HiveError(f"danh sách khóa con không hợp lệ ({sig!r}) tại offset {offset:#x}")

    def _values(self, nk: NKRecord, path: str) -> Iterator[Value]:
        count = nk.header.values_count
        if not count:
            return
        pos = self._cell(nk.header.values_list_offset, 4 * count)
        for vk_off in struct.unpack_from(f"<{count}I", self._data, pos):
            try:
                vpos = self._cell(vk_off, 20)
                if self._data[vpos : vpos + 2] != b"vk":
                    raise HiveError(f"không phải giá trị (vk) tại offset {vk_off:#x}")
                self._stream.seek(vpos)
                vk = VALUE_KEY.parse_stream(self._stream)
                if vk.name_size == 0:
                    name = ""
                elif vk.flags.VALUE_COMP_NAME:
                    name = vk.name.decode("latin-1")
                else:
                    name = vk.name.decode("utf-16-le", errors="replace")
                data = self._value_data(vk.data_size, vk.data_offset)
            except (HiveError, *_DECODE_ERRORS) as exc:
                self._corrupt(path, exc)  # one damaged value; the others are still read
                continue
            yield Value(name, int(vk.data_type), data)

    def _value_data(self, size: int, offset: int) -> bytes:
        if size & 0x80000000:  # up to 4 bytes kept in the offset field itself
            return struct.pack("<I", offset)[: min(size & 0x7FFFFFFF, 4)]
        if size == 0:
            return b""
        if size > _BIG_DATA_SEGMENT and self.minor_version >= 4:
            pos = self._cell(offset, 8)
            if self._data[pos : pos + 2] == b"db":
                return self._big_data(pos, size)
        pos = self._cell(offset, size)
        return self._data[pos : pos + size]

    def _big_data(self, pos: int, size: int) -> bytes:
        segments, list_off = struct.unpack_from("<HI", self._data, pos + 2)
        lpos = self._cell(list_off, 4 * segments)
        chunks = []
        left = size
        for seg in struct.unpack_from(f"<{segments}I", self._data, lpos):
            if left <= 0:
                break
            take = min(left, _BIG_DATA_SEGMENT)
            spos = self._cell(seg, take)
            chunks.append(self._data[spos : spos + take])
            left -= take
        if left > 0:
            raise HiveError("giá trị lớn (db) thiếu phân đoạn")
        return b"".join(chunks)


def _checksum(block: bytes) -> int:
    x = 0
    for (dword,) in struct.iter_unpack("<I", block[:508]):
        x ^= dword
    return {0xFFFFFFFF: 0xFFFFFFFE, 0: 1}.get(x, x)


def open_hive(ctx: AuditContext, rel: str, name: str) -> Hive | None:
    """The hive file at `rel` of the artefact root, or None (with ctx.error) when it cannot be
    read as a hive. Integrity doubts (bad checksum, unsaved changes, truncation) are reported as
    errors too, but the hive is still returned: what it does hold remains evidence."""
    try:
        data = ctx.root.read_bytes(rel)
    except OSError as exc:
        ctx.error(_ANALYSER, rel, f"Không đọc được tệp hive {name}: {exc.strerror or exc}.")
        return None
    if len(data) < _BASE + 32 or data[:4] != b"regf" or data[_BASE : _BASE + 4] != b"hbin":
        ctx.error(
            _ANALYSER,
            rel,
            f"Tệp {name} không phải hive registry hợp lệ (thiếu chữ ký regf/hbin) hoặc bị cắt cụt.",
        )
        return None
    try:
        hive = Hive(ctx, rel, name, data)
    except (HiveError, *_DECODE_ERRORS) as exc:
        ctx.error(_ANALYSER, rel, f"Tệp hive {name} bị hỏng, không đọc được khóa gốc ({exc}).")
        return None
    h = hive.header
    if _checksum(data) != h.checksum:
        hive._report(
            "khối đầu",
            "tổng kiểm tra (checksum) của khối đầu không khớp; tệp có thể đã bị sửa hoặc hỏng.",
        )
    if h.primary_sequence_num != h.secondary_sequence_num:
        hive._report(
            "khối đầu",
            "hive chưa được ghi hoàn tất (số thứ tự khác nhau): các thay "
            "đổi trong tệp .LOG1/.LOG2 chưa được áp dụng, dữ liệu có thể "
            "thiếu.",
        )
    if _BASE + h.hive_bins_data_size > len(data):
        hive._report(
            "khối đầu", "tệp ngắn hơn kích thước khai báo (bị cắt cụt); phần cuối không đọc được."
        )
    return hive
