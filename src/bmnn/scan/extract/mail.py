"""E-mail: .eml (MIME, stdlib email) and Outlook .msg (OLE compound file, olefile).

A mail is a container. Its own blocks are the subject ("title"), sender and recipients
("metadata") and the text and HTML bodies, one Block per line. Every attachment, every inline
part that is not a body, and every attached message comes back as a Member for the engine to
scan recursively as "thu.eml!baocao.docx". Nothing is rendered: HTML is reduced to its text
by the html extractor (scripts and styles dropped, no link or image fetched).

Attached messages inside a .msg are storages, not files; they are written back out as .msg
files of their own (build_cfb, a small compound-file writer) so that the engine scans them,
and counts their depth, like any other member. OLE objects attached to a .msg (a Word
document embedded as a storage) come back the same way, as compound files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email
import email.header
import email.policy
import io
import mimetypes
import re
import struct

import olefile

from bmnn.scan.extract import Context, register
from bmnn.scan.extract.archive import MemberBudget
from bmnn.scan.extract.html import extract as extract_html
from bmnn.scan.model import Block, Document, LimitExceeded, ScanError

_MAX_MIME_DEPTH = 64  # multipart inside multipart; real mail has 3–5 levels
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_SURROGATES = re.compile("[\ud800-\udfff]")


# ---------------------------------------------------------------------------- text helpers


def _decode(raw: bytes, charset: str | None) -> str:
    """Bytes in a declared charset; a missing or unknown one falls back to UTF-8 and then
    to Windows-1258 (the Vietnamese Windows code page), never to dropping the text."""
    if charset:
        try:
            return raw.decode(charset, errors="replace")
        except (LookupError, ValueError):
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1258", errors="replace")


def _unescape(text: str) -> str:
    """Text the email package left as 8-bit bytes in surrogate escapes (a preamble, a header, a
    multipart whose boundary is broken) decoded like a body: left escaped, a mark in it would
    not match ("TUY\\udce1\\udcbb\\udc86T"), and a lone surrogate is no character at all."""
    if not _SURROGATES.search(text):
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte: drop what cannot be
        return text.encode("utf-8", "replace").decode("utf-8")
    return _decode(raw, None)


class _Text:
    """Blocks of one mail, within Limits.max_text_chars."""

    def __init__(self, doc: Document, ctx: Context) -> None:
        self.doc = doc
        self.ctx = ctx
        self.chars = 0

    def add(self, text: str, location: str, part: str = "body", alone: bool = False) -> None:
        text = _unescape(text).strip()
        if not text:
            return
        self.chars += len(text)
        if self.chars > self.ctx.limits.max_text_chars:
            raise LimitExceeded(
                f"Thư có quá nhiều chữ (giới hạn {self.ctx.limits.max_text_chars} ký tự)."
            )
        self.doc.blocks.append(Block(text, location=location, part=part, alone=alone))

    def html(self, html: str | bytes, where: str) -> None:
        """An HTML body through the html extractor, which keeps bold, colour and boxes.
        Text already decoded from the mail's charset goes in as UTF-8 with a BOM, which the
        extractor prefers to whatever <meta charset> the body still declares."""
        data = html if isinstance(html, bytes) else b"\xef\xbb\xbf" + _unescape(html).encode()
        for block in extract_html(data, self.ctx).blocks:
            text = block.text.lstrip("\ufeff")
            if text.strip():
                self.chars += len(text)
                if self.chars > self.ctx.limits.max_text_chars:
                    raise LimitExceeded(
                        f"Thư có quá nhiều chữ (giới hạn {self.ctx.limits.max_text_chars} ký tự)."
                    )
                where_block = f"{where} {block.location}"
                self.doc.blocks.append(dataclasses.replace(block, text=text, location=where_block))

    def lines(self, text: str, where: str) -> None:
        for n, line in enumerate(text.splitlines(), 1):
            if n % 4096 == 0:
                self.ctx.check_time()
            line = _SPACES.sub(" ", line).strip()
            if line:
                self.add(line, f"{where} dòng {n}", alone=True)


# ---------------------------------------------------------------------------------- .eml


def _header(msg, compat, name: str) -> str:
    """A header decoded (RFC 2047); a header the modern parser chokes on is read raw."""
    try:
        value = msg.get(name)
        return "" if value is None else str(value)
    except Exception:  # header parsers raise many kinds on hostile input: read it raw
        raw = compat().get(name)
    if raw is None:
        return ""
    try:
        return str(email.header.make_header(email.header.decode_header(raw)))
    except Exception:
        return str(raw)


def _filename(part) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name and "=?" in name:
        # RFC 2047 inside a quoted parameter: not the standard, but what many clients send
        with contextlib.suppress(Exception):
            name = str(email.header.make_header(email.header.decode_header(name)))
    if not name:
        return None
    # old clients send "C:\Users\...\file.docx"; the member name is the file's own name
    name = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip()
    return name or None


class _EmlReader:
    def __init__(self, data: bytes, ctx: Context) -> None:
        self.data = data
        self.ctx = ctx
        self.doc = Document()
        self.text = _Text(self.doc, ctx)
        self.budget = MemberBudget(ctx.limits, ctx.name or "Thư")
        self.parts = 0
        self._compat = None

    def compat(self):
        if self._compat is None:
            self._compat = email.message_from_bytes(self.data, policy=email.policy.compat32)
        return self._compat

    def read(self) -> Document:
        msg = email.message_from_bytes(self.data, policy=email.policy.default)
        subject = _header(msg, self.compat, "Subject")
        self.text.add(subject, "tiêu đề thư", part="title", alone=True)
        for name, label in (("From", "người gửi"), ("To", "người nhận"), ("Cc", "đồng gửi")):
            self.text.add(_header(msg, self.compat, name), label, part="metadata")
        self.walk(msg, 0)
        return self.doc

    def member(self, name: str, data: bytes) -> None:
        self.ctx.check_time()
        self.budget.add(self.doc.members, name, data)

    def walk(self, part, depth: int) -> None:
        if depth > _MAX_MIME_DEPTH:
            raise LimitExceeded("Thư lồng quá nhiều phần MIME vào nhau.")
        self.parts += 1
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if inner is None:
                raw = part.get_payload(decode=True) or b""
            else:
                raw = inner.as_bytes(policy=email.policy.compat32)
            name = _filename(part) or f"thu-{self.parts}.eml"
            if not name.lower().endswith(".eml"):
                name += ".eml"
            self.member(name, raw)
            return
        if part.is_multipart():
            # text outside the parts is shown by no client but travels with the mail
            self.text.lines(part.preamble or "", f"phần mở đầu MIME {self.parts}")
            payload = part.get_payload()
            for sub in payload if isinstance(payload, list) else ():
                self.walk(sub, depth + 1)
            self.text.lines(part.epilogue or "", f"phần kết MIME {self.parts}")
            return
        name = _filename(part)
        raw = part.get_payload(decode=True)
        if raw is None:
            raw = str(part.get_payload()).encode("utf-8", errors="replace")
        attached = part.get_content_disposition() == "attachment"
        if name is None and not attached and ctype in ("text/plain", "text/html"):
            text = _decode(raw, part.get_content_charset())
            if ctype == "text/html":
                self.text.html(text, f"nội dung HTML phần {self.parts}")
            else:
                self.text.lines(text, f"nội dung thư phần {self.parts}")
            return
        if name is None:
            name = f"phan-{self.parts}{mimetypes.guess_extension(ctype) or '.bin'}"
        self.member(name, raw)


@register("eml")
def extract_eml(data: bytes, ctx: Context) -> Document:
    try:
        return _EmlReader(data, ctx).read()
    except ScanError:
        raise
    except RecursionError as exc:
        raise LimitExceeded("Thư lồng quá nhiều phần vào nhau.") from exc
    except Exception as exc:  # the email package raises many kinds on hostile input
        raise ScanError(f"Không đọc được thư: {exc.__class__.__name__}: {exc}.") from exc


# ---------------------------------------------------------------------------------- .msg
# MS-OXMSG: each property is a stream "__substg1.0_IIIITTTT" (id, type: 001F UTF-16LE,
# 001E 8-bit in the message code page, 0102 binary); fixed-size properties (code page,
# attachment method) are 16-byte records in "__properties_version1.0" after a header of
# 32 bytes (the message), 24 (an attached message) or 8 (an attachment, a recipient).

_SUBJECT = "0037"
_BODY = "1000"
_HTML = "1013"
_RTF = "1009"
_SENDER = ("0C1A", "5D01", "0C1F", "0042", "0065")
_DISPLAY = (("0E04", "người nhận"), ("0E03", "đồng gửi"), ("0E02", "gửi ẩn"))
_CODEPAGE_TAGS = (0x3FDE0003, 0x3FFD0003)  # PR_INTERNET_CPID, PR_MESSAGE_CODEPAGE
_ATTACH_METHOD = 0x37050003
_EMBEDDED = "__substg1.0_3701000D"
_PROPS = "__properties_version1.0"


class _MsgReader:
    def __init__(self, data: bytes, ctx: Context) -> None:
        self.ctx = ctx
        self.size = len(data)
        # DEFECT_INCORRECT: a damaged FAT or directory raises instead of reading as empty
        self.ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
        self.entries = [
            [p.lower() for p in path] for path in self.ole.listdir(streams=True, storages=True)
        ]
        self.doc = Document()
        self.text = _Text(self.doc, ctx)
        self.budget = MemberBudget(ctx.limits, ctx.name or "Thư")

    def close(self) -> None:
        self.ole.close()

    def stream(self, path: list[str]) -> bytes | None:
        if not self.ole.exists(path) or self.ole.get_type(path) != olefile.STGTY_STREAM:
            return None
        size = self.ole.get_size(path)
        # a stream cannot hold more than the file unless its sector chain loops
        if size > self.size:
            raise ScanError(f"Tệp thư hỏng: luồng {'/'.join(path)} lớn hơn cả tệp.")
        self.budget.check_size("/".join(path), size)
        with self.ole.openstream(path) as f:
            out = f.read()
        if len(out) != size:
            raise ScanError(f"Tệp thư hỏng hoặc bị cắt cụt: luồng {'/'.join(path)} không trọn vẹn.")
        return out

    def fixed_props(self, prefix: list[str], header: int) -> dict[int, int]:
        raw = self.stream([*prefix, _PROPS]) or b""
        props = {}
        for off in range(header, len(raw) - 15, 16):
            tag, value = struct.unpack("<I4xQ", raw[off : off + 16])
            props[tag] = value
        return props

    def codepage(self, prefix: list[str], header: int) -> str | None:
        props = self.fixed_props(prefix, header)
        for tag in _CODEPAGE_TAGS:
            cp = props.get(tag, 0) & 0xFFFFFFFF
            if cp:
                return "utf-8" if cp == 65001 else f"cp{cp}"
        return None

    def prop_text(self, prefix: list[str], prop: str, codepage: str | None) -> str | None:
        raw = self.stream([*prefix, f"__substg1.0_{prop}001F"])
        if raw is not None:
            return raw.decode("utf-16-le", errors="replace").rstrip("\x00")
        raw = self.stream([*prefix, f"__substg1.0_{prop}001E"])
        if raw is not None:
            return _decode(raw.rstrip(b"\x00"), codepage)
        return None

    def read(self) -> Document:
        cp = self.codepage([], 32)
        self.text.add(self.prop_text([], _SUBJECT, cp) or "", "tiêu đề thư", "title", True)
        for prop in _SENDER:
            sender = self.prop_text([], prop, cp)
            if sender:
                self.text.add(sender, "người gửi", part="metadata")
                break
        for prop, label in _DISPLAY:
            self.text.add(self.prop_text([], prop, cp) or "", label, part="metadata")
        for path in self.children([], "__recip_version1.0_#"):
            for prop in ("3001", "39FE", "3003"):
                self.text.add(self.prop_text(path, prop, cp) or "", "người nhận", "metadata")
        self.bodies(cp)
        for n, path in enumerate(self.children([], "__attach_version1.0_#"), 1):
            self.ctx.check_time()
            self.attachment(path, n, cp)
        return self.doc

    def children(self, prefix: list[str], start: str) -> list[list[str]]:
        depth = len(prefix)
        low = [p.lower() for p in prefix]
        found = {
            tuple(e[: depth + 1])
            for e in self.entries
            if len(e) > depth and e[:depth] == low and e[depth].startswith(start)
        }
        paths = sorted(found)
        self.budget.check_count(len(paths))
        return [list(p) for p in paths]

    def bodies(self, cp: str | None) -> None:
        body = self.prop_text([], _BODY, cp)
        if body:
            self.text.lines(body, "nội dung thư")
        html: str | bytes | None = self.stream([f"__substg1.0_{_HTML}0102"])
        if html is not None and cp:
            html = _decode(html, cp)
        elif html is None:
            html = self.prop_text([], _HTML, cp)
        if html and html.strip():
            self.text.html(html, "nội dung HTML")
        if body or (html and html.strip()):
            return
        # Outlook may keep the body only as compressed RTF: it is scanned as an RTF member
        # (which keeps its red/bold layout hints) rather than dropped.
        rtf = self.stream([f"__substg1.0_{_RTF}0102"])
        if rtf:
            limit = min(self.ctx.limits.max_file_bytes, self.budget.left)
            self.budget.add(self.doc.members, "noi-dung-thu.rtf", decompress_rtf(rtf, limit))

    def attachment(self, path: list[str], n: int, cp: str | None) -> None:
        name = None
        for prop in ("3707", "3704", "3001"):
            name = self.prop_text(path, prop, cp)
            if name and name.strip():
                break
        name = (name or "").replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip() or None
        data = self.stream([*path, "__substg1.0_37010102"])
        if data is not None:
            self.budget.add(self.doc.members, name or f"phan-{n}.bin", data)
            return
        embedded = [*path, _EMBEDDED.lower()]
        if self.ole.exists(embedded) and self.ole.get_type(embedded) == olefile.STGTY_STORAGE:
            streams = self.subtree(embedded)
            is_msg = any(k.lower().startswith("__substg1.0_") for k in streams if "/" not in k)
            if is_msg:
                for key in streams:
                    if key.lower() == _PROPS.lower():
                        # an attached message's header is 24 bytes, a message file's 32
                        streams[key] = streams[key][:24] + b"\x00" * 8 + streams[key][24:]
                sub = self.prop_text(embedded, _SUBJECT, cp)
                name = name or (sub.strip()[:80] if sub and sub.strip() else f"thu-{n}")
                if not name.lower().endswith(".msg"):
                    name += ".msg"
            else:
                name = name or f"doi-tuong-{n}.bin"
            self.budget.add(self.doc.members, name, build_cfb(streams))
            return
        method = self.fixed_props(path, 8).get(_ATTACH_METHOD, 0) & 0xFFFFFFFF
        if method == 1 or method == 0:
            raise ScanError(
                f"Tệp thư hỏng: tệp đính kèm {name or n!r} không có dữ liệu để kiểm tra."
            )
        # attached by reference (a path or a link): there are no bytes in the mail to scan
        self.text.add(f"Tệp đính kèm dạng liên kết: {name or n}", "tệp đính kèm", "metadata")

    def subtree(self, base: list[str]) -> dict[str, bytes]:
        low = [p.lower() for p in base]
        out: dict[str, bytes] = {}
        total = 0
        for path in self.ole.listdir(streams=True, storages=False):
            lowered = [p.lower() for p in path]
            if len(path) > len(base) and lowered[: len(base)] == low:
                data = self.stream(path) or b""
                total += len(data)
                self.budget.check_size("/".join(path), total)
                # names keep their case: the sniffer looks for "WordDocument" and the like
                out["/".join(path[len(base) :])] = data
        return out


@register("msg")
def extract_msg(data: bytes, ctx: Context) -> Document:
    try:
        reader = _MsgReader(data, ctx)
    except ScanError:
        raise
    except Exception as exc:  # olefile raises OSError, ValueError, struct.error, … on junk
        raise ScanError(f"Không đọc được tệp thư Outlook: {exc}.") from exc
    try:
        return reader.read()
    except ScanError:
        raise
    except Exception as exc:
        raise ScanError(f"Tệp thư Outlook hỏng: {exc.__class__.__name__}: {exc}.") from exc
    finally:
        reader.close()


# ------------------------------------------------------------------ compressed RTF (LZFu)
# MS-OXRTFCP: a 16-byte header (sizes, "LZFu" or "MELA" for uncompressed, CRC), then LZ77
# over a 4 KiB ring that starts with this dictionary.

_RTF_DICT = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
    b"\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
    b"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
_LZFU = 0x75465A4C
_MELA = 0x414C454D


def decompress_rtf(data: bytes, limit: int) -> bytes:
    """PR_RTF_COMPRESSED → RTF bytes, never more than `limit` (LimitExceeded past it)."""
    if len(data) < 16:
        raise ScanError("Tệp thư hỏng: nội dung RTF nén quá ngắn.")
    comp_size, raw_size, kind, _crc = struct.unpack("<IIII", data[:16])
    if raw_size > limit:
        raise LimitExceeded(f"Nội dung RTF của thư quá lớn ({raw_size} byte).")
    body = data[16 : 4 + comp_size]
    if kind == _MELA:
        return body[:raw_size]
    if kind != _LZFU:
        raise ScanError("Tệp thư hỏng: nội dung RTF nén không đúng định dạng.")
    ring = bytearray(4096)
    ring[: len(_RTF_DICT)] = _RTF_DICT
    wp = len(_RTF_DICT)
    out = bytearray()
    pos, end = 0, len(body)
    while pos < end:
        control = body[pos]
        pos += 1
        for bit in range(8):
            if pos >= end:
                break
            if not control & (1 << bit):
                b = body[pos]
                pos += 1
                out.append(b)
                ring[wp] = b
                wp = (wp + 1) & 0xFFF
                continue
            if pos + 1 >= end:
                raise ScanError("Tệp thư hỏng: nội dung RTF nén bị cắt cụt.")
            token = (body[pos] << 8) | body[pos + 1]
            pos += 2
            offset, length = token >> 4, (token & 0xF) + 2
            if offset == wp:
                return bytes(out)
            for i in range(length):
                b = ring[(offset + i) & 0xFFF]
                out.append(b)
                ring[wp] = b
                wp = (wp + 1) & 0xFFF
            if len(out) > limit:
                raise LimitExceeded("Nội dung RTF của thư giải nén ra quá lớn.")
    return bytes(out)


# ------------------------------------------------------------------ compound file writer

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096


class _Entry:
    def __init__(self, name: str, data: bytes | None = None) -> None:
        if len(name) > 31:
            raise ValueError(f"compound file name too long: {name!r}")
        self.name = name
        self.data = data  # None: a storage
        self.kids: dict[str, _Entry] = {}
        self.sid = 0
        self.left = self.right = self.child = _NOSTREAM
        self.start = _END
        self.size = 0


def build_cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file (MS-CFB) holding `streams`, keyed "storage/sub/stream";
    storages are implied by the paths. Streams under 4 KiB go to the mini stream, as Office
    writes them. olefile reads it back; it is what lets an attached message or OLE object
    be scanned as a file of its own."""
    root = _Entry("Root Entry")
    for path, data in streams.items():
        node = root
        *dirs, leaf = path.split("/")
        for d in dirs:
            node = node.kids.setdefault(d.upper(), _Entry(d))
        node.kids[leaf.upper()] = _Entry(leaf, bytes(data))
    order: list[_Entry] = []

    def number(node: _Entry) -> None:
        node.sid = len(order)
        order.append(node)
        for kid in node.kids.values():
            number(kid)

    number(root)

    def tree(nodes: list[_Entry]) -> int:
        # a balanced binary search tree in the order MS-CFB compares names
        if not nodes:
            return _NOSTREAM
        mid = len(nodes) // 2
        nodes[mid].left = tree(nodes[:mid])
        nodes[mid].right = tree(nodes[mid + 1 :])
        return nodes[mid].sid

    for node in order:
        if node.data is None:
            node.child = tree(
                sorted(node.kids.values(), key=lambda e: (len(e.name), e.name.upper()))
            )

    mini = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for node in order:
        if node.data is None or not node.data:
            continue
        node.size = len(node.data)
        if node.size < _CUTOFF:
            first = len(minifat)
            count = -(-node.size // _MINI)
            minifat.extend(range(first + 1, first + count))
            minifat.append(_END)
            node.start = first
            mini += node.data + b"\x00" * (count * _MINI - node.size)
        else:
            big.append(node)

    def sectors(n: int) -> int:
        return -(-n // _SECTOR)

    n_dir = sectors(len(order) * 128)
    n_minifat = sectors(len(minifat) * 4)
    n_mini = sectors(len(mini))
    n_big = sum(sectors(e.size) for e in big)
    rest = n_dir + n_minifat + n_mini + n_big
    n_fat = 1
    while n_fat * 128 < n_fat + rest:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for a header-only FAT")
    fat = [_FATSECT] * n_fat
    body = bytearray()

    def chain(payload: bytes, count: int) -> int:
        if count == 0:
            return _END
        first = len(fat)
        fat.extend(range(first + 1, first + count))
        fat.append(_END)
        body.extend(payload + b"\x00" * (count * _SECTOR - len(payload)))
        return first

    dir_start_pos = len(body)
    first_dir = chain(b"\x00" * (n_dir * _SECTOR), n_dir)  # filled in below
    first_minifat = chain(b"".join(struct.pack("<I", v) for v in minifat), n_minifat)
    root.start = chain(bytes(mini), n_mini)
    root.size = len(mini)
    for node in big:
        node.start = chain(node.data or b"", sectors(node.size))

    entries = bytearray()
    for node in order:
        name = node.name.encode("utf-16-le")
        kind = 5 if node is root else (1 if node.data is None else 2)
        entries += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name) + 2,
            kind,
            1,
            node.left,
            node.right,
            node.child,
            b"\x00" * 16,
            0,
            0,
            0,
            node.start if kind != 1 else 0,
            node.size,
        )
    empty = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, *([_NOSTREAM] * 3), b"", 0, 0, 0, 0, 0)
    while len(entries) % _SECTOR:
        entries += empty
    body[dir_start_pos : dir_start_pos + len(entries)] = entries

    fat.extend([_FREE] * (n_fat * 128 - len(fat)))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _CFB_MAGIC,
        b"\x00" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,
        n_fat,
        first_dir,
        0,
        _CUTOFF,
        first_minifat if minifat else _END,
        n_minifat,
        _END,
        0,
    )
    difat = list(range(n_fat)) + [_FREE] * (109 - n_fat)
    header += struct.pack("<109I", *difat)
    return header + fat_bytes + bytes(body)
