"""DOCX, XLSX and PPTX: zipfile + lxml iterparse over every text part (python-docx and
openpyxl are 8x and 4x slower, see dlp.md §5), with the layout hints that tell a stamp from a
sentence: part (header, text box, table, comment...), font, bold, colour, boxed, alone.

Safety: the zip's entry count, total uncompressed size and per-member ratio are checked before
anything is read; each XML part is read through a capped stream that refuses DOCTYPE/ENTITY
(billion laughs) before lxml sees it; the parser loads nothing from the network. The zip
helpers here are shared with the ODF extractor.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace

from lxml import etree

from bmnn import safexml
from bmnn.scan.extract import Context, register
from bmnn.scan.extract.text import ALONE_MAX, Run, Sink, color_hint
from bmnn.scan.model import Block, Document, LimitExceeded, Member, ScanError
from bmnn.scan.sniff import ZIP_ERRORS, sniff

_RATIO_FLOOR = 1024 * 1024  # below 1 MiB a member cannot be a bomb; XML often compresses 100x
_DTD_MARKS = tuple(
    s.encode(enc) for s in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be")
)


# ---------------------------------------------------------------- zip + XML, shared with odf.py


def _why(exc: BaseException) -> str:
    """The library's words for a read error, for the reason's parentheses: a member whose
    data ends early raises an EOFError with no words at all."""
    if isinstance(exc, EOFError) and not str(exc):
        return "dữ liệu nén kết thúc trước khi đọc đủ"
    return str(exc) or type(exc).__name__


def open_zip(data: bytes, ctx: Context, what: str) -> zipfile.ZipFile:
    """Open a zip container after checking its limits (zip bombs), without reading a member."""
    limits = ctx.limits
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except ZIP_ERRORS as exc:
        raise ScanError(f"Tệp {what} hỏng hoặc bị cắt cụt, không mở được ({_why(exc)}).") from exc
    if len(infos) > limits.max_members:
        raise LimitExceeded(
            f"Tệp {what} có {len(infos):,} thành phần, vượt giới hạn {limits.max_members:,}."
        )
    total = 0
    for info in infos:
        if not info.filename:  # a NUL first in the name: ZipInfo.is_dir() would raise
            raise ScanError(f"Tệp {what} hỏng: có thành phần không có tên.")
        total += info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise LimitExceeded(
                f"Thành phần {info.filename} của tệp {what} nén với tỉ lệ bất thường "
                f"(quá {limits.max_ratio} lần): nghi là bom nén."
            )
        if info.flag_bits & 0x1:
            raise ScanError(f"Tệp {what} có thành phần được mã hoá ({info.filename}).")
    if total > limits.max_unpacked_bytes:
        raise LimitExceeded(
            f"Tệp {what} giải nén ra {total:,} byte, vượt giới hạn {limits.max_unpacked_bytes:,}."
        )
    return z


class _CappedReader:
    """A member stream for lxml: stops at `cap` bytes and refuses DTDs before the parser sees
    them (lxml expands internal entities in attributes even with resolve_entities=False)."""

    def __init__(self, raw, cap: int, name: str) -> None:
        self.raw = raw
        self.cap = cap
        self.name = name
        self.total = 0
        self.tail = b""

    def read(self, n: int = -1) -> bytes:
        chunk = self.raw.read(n if n and n > 0 else 65536)
        self.total += len(chunk)
        if self.total > self.cap:
            raise LimitExceeded(f"Phần {self.name} lớn hơn giới hạn đọc ({self.cap:,} byte).")
        window = self.tail + chunk
        if any(mark in window for mark in _DTD_MARKS):
            raise ScanError(
                f"Phần {self.name} khai báo DOCTYPE/ENTITY, không được phép trong tài liệu "
                "văn phòng (nghi là tệp độc hại)."
            )
        self.tail = window[-24:]
        return chunk


def iterparse_member(
    z: zipfile.ZipFile,
    name: str,
    ctx: Context,
    events=("end",),
    tag=None,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream the XML member `name`; any breakage becomes ScanError with the part's name."""
    try:
        info = z.getinfo(name)
        raw = z.open(info)
    except ZIP_ERRORS as exc:
        raise ScanError(f"Không đọc được phần {name} ({_why(exc)}).") from exc
    reader = _CappedReader(raw, min(info.file_size, ctx.limits.max_unpacked_bytes), name)
    parser = etree.iterparse(
        reader,
        events=events,
        tag=tag,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    count = 0
    try:
        for item in parser:
            count += 1
            if count % 2048 == 0:
                ctx.check_time()
            yield item
    except etree.XMLSyntaxError as exc:
        raise ScanError(f"Phần {name} có XML hỏng, không đọc được ({_why(exc)}).") from exc
    except ZIP_ERRORS as exc:
        raise ScanError(f"Phần {name} bị hỏng hoặc cắt cụt ({_why(exc)}).") from exc
    finally:
        raw.close()


_TREE_PARSER = safexml.parser()


def parse_member(z: zipfile.ZipFile, name: str, ctx: Context) -> etree._Element:
    """A small XML member (styles, rels, workbook) as a whole tree."""
    try:
        info = z.getinfo(name)
        raw = z.open(info)
    except ZIP_ERRORS as exc:
        raise ScanError(f"Không đọc được phần {name} ({_why(exc)}).") from exc
    reader = _CappedReader(raw, min(info.file_size, ctx.limits.max_unpacked_bytes), name)
    try:
        with raw:
            return etree.parse(reader, _TREE_PARSER).getroot()
    except etree.XMLSyntaxError as exc:
        raise ScanError(f"Phần {name} có XML hỏng, không đọc được ({_why(exc)}).") from exc
    except ZIP_ERRORS as exc:
        raise ScanError(f"Phần {name} bị hỏng hoặc cắt cụt ({_why(exc)}).") from exc


def free(el: etree._Element) -> None:
    """Drop a processed element and its earlier siblings, so memory stays flat in big parts."""
    el.clear(keep_tail=True)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def embedded_members(z: zipfile.ZipFile, names, ctx: Context, what: str) -> list[Member]:
    """Embedded objects and pictures, for the engine to scan as container!member. Formats the
    sniffer cannot name (EMF/WMF drawings, video) carry no text we can read and are left out."""
    members = []
    for name in names:
        info = z.getinfo(name)
        if info.is_dir():
            continue
        if info.file_size > ctx.limits.max_file_bytes:
            raise LimitExceeded(
                f"Đối tượng nhúng {name} trong tệp {what} lớn hơn giới hạn "
                f"{ctx.limits.max_file_bytes:,} byte."
            )
        try:
            data = z.read(info)
        except ZIP_ERRORS as exc:
            raise ScanError(f"Đối tượng nhúng {name} bị hỏng ({_why(exc)}).") from exc
        if sniff(data, name) != "unknown":
            members.append(Member(name=name, data=data))
        ctx.check_time()
    return members


def _rels(z: zipfile.ZipFile, part: str, ctx: Context) -> dict[str, tuple[str, str]]:
    """Relationship id → (type tail, target member name) for `part`."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    out: dict[str, tuple[str, str]] = {}
    if rels_name not in z.NameToInfo:
        return out
    for el in parse_member(z, rels_name, ctx).iter():
        if local(el.tag) != "Relationship" or el.get("TargetMode") == "External":
            continue
        target = el.get("Target") or ""
        if target.startswith("/"):
            target = target.lstrip("/")
        else:
            target = posixpath.normpath(posixpath.join(folder, target))
        out[el.get("Id") or ""] = ((el.get("Type") or "").rpartition("/")[2], target)
    return out


def _main_part(z: zipfile.ZipFile, ctx: Context, default: str) -> str:
    for rtype, target in _rels(z, "", ctx).values():
        if rtype == "officeDocument" and target in z.NameToInfo:
            return target
    return default


_CORE_FIELDS = {
    "title": "tiêu đề",
    "subject": "chủ đề",
    "keywords": "từ khoá",
    "description": "mô tả",
    "category": "phân loại",
}


def _core_properties(z: zipfile.ZipFile, sink: Sink, ctx: Context) -> None:
    """docProps: title/subject/keywords, and custom properties (sensitivity labels live there)."""
    if "docProps/core.xml" in z.NameToInfo:
        for el in parse_member(z, "docProps/core.xml", ctx).iter():
            field = local(el.tag)
            if field in _CORE_FIELDS and el.text:
                sink.text(el.text, f"thuộc tính tài liệu: {_CORE_FIELDS[field]}", "metadata")
    if "docProps/custom.xml" in z.NameToInfo:
        for el in parse_member(z, "docProps/custom.xml", ctx).iter():
            if local(el.tag) == "property":
                value = " ".join(t.strip() for t in el.itertext() if t.strip())
                if value:
                    name = el.get("name") or ""
                    sink.text(value, f"thuộc tính tùy chỉnh: {name}", "metadata")


def _numbered(names, pattern: str) -> list[str]:
    rx = re.compile(pattern)
    found = [
        (int((m.group(1) if rx.groups else "") or 0), n) for n in names if (m := rx.fullmatch(n))
    ]
    return [n for _, n in sorted(found)]


def _truthy(el, attr: str) -> bool:
    if el is None:
        return False
    val = el.get(attr)
    return val is None or val.lower() not in ("0", "false", "off", "none")


# ------------------------------------------------------------------------------------- DOCX

_W_NS = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # Strict OOXML
)
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_V = "{urn:schemas-microsoft-com:vml}"
_M_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "http://purl.oclc.org/ooxml/officeDocument/math",
)

_DOCX_KIND: dict[str, str] = {}
for _ns in _W_NS:
    for _name, _kind in (
        ("p", "p"),
        ("tbl", "tbl"),
        ("tr", "tr"),
        ("tc", "tc"),
        ("txbxContent", "txbx"),
    ):
        _DOCX_KIND[f"{{{_ns}}}{_name}"] = _kind
_DOCX_KIND[_MC + "AlternateContent"] = "ac"
_DOCX_KIND[_MC + "Choice"] = "choice"
_DOCX_KIND[_MC + "Fallback"] = "fallback"
_DOCX_KIND[_V + "textpath"] = "textpath"
_DOCX_TAGS = tuple(_DOCX_KIND)

# run content → text; w:delText is deleted tracked-change text: a deleted "MẬT" still leaked
_W_TEXT: dict[str, str] = {}
for _ns in _W_NS:
    for _name, _kind in (
        ("t", "t"),
        ("delText", "t"),
        ("tab", "\t"),
        ("br", "\n"),
        ("cr", "\n"),
        ("noBreakHyphen", "-"),
    ):
        _W_TEXT[f"{{{_ns}}}{_name}"] = _kind
for _ns in _M_NS:
    _W_TEXT[f"{{{_ns}}}t"] = "t"
_W_TEXT_TAGS = tuple(_W_TEXT)


def _ns_of(el) -> str:
    tag = el.tag
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


@dataclass
class _Props:
    font: str | None = None
    bold: bool | None = None
    color: str | None = None
    boxed: bool | None = None
    style: str | None = None  # w:rStyle of a run

    def over(self, base: _Props) -> _Props:
        return _Props(
            self.font if self.font is not None else base.font,
            self.bold if self.bold is not None else base.bold,
            self.color if self.color is not None else base.color,
            self.boxed if self.boxed is not None else base.boxed,
        )


def _rpr_props(rpr, w: str) -> _Props:
    """Font, bold and colour set directly in a w:rPr (one pass over its children: lxml's
    find() goes through ElementPath and costs more than the whole loop)."""
    props = _Props()
    if rpr is None:
        return props
    for child in rpr:
        tag = child.tag
        if tag == w + "rFonts":
            # legacy fonts sit in ascii/hAnsi; theme fonts (asciiTheme) are modern Unicode fonts
            props.font = child.get(w + "ascii") or child.get(w + "hAnsi") or None
        elif tag == w + "b":
            props.bold = _truthy(child, w + "val")
        elif tag == w + "color":
            val = child.get(w + "val") or ""
            props.color = "" if val.lower() == "auto" else color_hint(val)
        elif tag == w + "rStyle":
            props.style = child.get(w + "val")
    return props


def _first_child(el, tag: str):
    # the schema puts w:pPr first in w:p and w:rPr first in w:r
    if el is not None and len(el) and el[0].tag == tag:
        return el[0]
    return None


class _WordStyles:
    """styles.xml: paragraph/character style → font, bold, colour, borders (with basedOn)."""

    def __init__(self, z: zipfile.ZipFile, ctx: Context, styles_part: str) -> None:
        self.raw: dict[str, tuple[_Props, str | None]] = {}
        self.default_para: str | None = None
        self.defaults = _Props()
        self.cache: dict[str | None, _Props] = {}
        if styles_part not in z.NameToInfo:
            return
        root = parse_member(z, styles_part, ctx)
        w = _ns_of(root)
        for el in root:
            if el.tag == w + "docDefaults":
                rpr = el.find(f"{w}rPrDefault/{w}rPr")
                self.defaults = _rpr_props(rpr, w)
            elif el.tag == w + "style":
                sid = el.get(w + "styleId") or ""
                props = _rpr_props(el.find(w + "rPr"), w)
                ppr = el.find(w + "pPr")
                if ppr is not None and (
                    ppr.find(w + "pBdr") is not None or ppr.find(w + "framePr") is not None
                ):
                    props.boxed = True
                based = el.find(w + "basedOn")
                self.raw[sid] = (props, based.get(w + "val") if based is not None else None)
                if el.get(w + "type") == "paragraph" and el.get(w + "default") in ("1", "true"):
                    self.default_para = sid

    def props(self, sid: str | None) -> _Props:
        if sid in self.cache:
            return self.cache[sid]
        chain: list[_Props] = []
        seen = set()
        cur = sid
        while cur and cur in self.raw and cur not in seen:
            seen.add(cur)
            props, cur = self.raw[cur]
            chain.append(props)
        out = _Props()
        for props in chain:  # nearest style first: what it sets wins over what it is based on
            out = out.over(props)
        self.cache[sid] = out
        return out


_STYLES_SEEN: dict[tuple[int, int], _WordStyles] = {}


def _word_styles(z: zipfile.ZipFile, ctx: Context, part: str) -> _WordStyles:
    """Styles of a file, shared by files made from the same template (same CRC and size):
    python-docx and agency templates carry the same 100-350 KB styles.xml in every file, and
    parsing it again would cost more than reading the document. Only layout hints come from
    it, never text."""
    info = z.NameToInfo.get(part)
    if info is None:
        return _WordStyles(z, ctx, part)
    key = (info.CRC, info.file_size)
    styles = _STYLES_SEEN.get(key)
    if styles is None:
        styles = _WordStyles(z, ctx, part)
        if len(_STYLES_SEEN) >= 64:
            _STYLES_SEEN.pop(next(iter(_STYLES_SEEN)))
        _STYLES_SEEN[key] = styles
    return styles


class _DocxPart:
    """One WordprocessingML part (body, header, footer, notes, comments) → blocks."""

    def __init__(self, name: str, base: str, styles: _WordStyles, sink: Sink) -> None:
        self.name = name
        self.base = base
        self.styles = styles
        self.sink = sink
        self.paragraphs = 0
        self.tables = 0
        self.textboxes = 0

    def run(self, z: zipfile.ZipFile, ctx: Context) -> None:
        sink = self.sink
        open_p = 0
        txbx = 0
        tables: list[list[int]] = []  # [first block index, rows, cells, row, cell, number]
        alternates: list[list] = []  # [blocks before Choice, Choice produced text]
        fallback_skips: list[bool] = []
        skip = 0
        for event, el in iterparse_member(z, self.name, ctx, ("start", "end"), _DOCX_TAGS):
            kind = _DOCX_KIND[el.tag]
            if event == "start":
                if kind == "p":
                    open_p += 1
                elif kind == "tbl":
                    self.tables += 1
                    tables.append([len(sink.blocks), 0, 0, 0, 0, self.tables])
                elif kind == "tr" and tables:
                    tables[-1][1] += 1
                    tables[-1][3] = tables[-1][1]
                    tables[-1][4] = 0
                elif kind == "tc" and tables:
                    tables[-1][2] += 1
                    tables[-1][4] += 1
                elif kind == "txbx":
                    txbx += 1
                    self.textboxes += 1
                elif kind == "ac":
                    alternates.append([len(sink.blocks), False])
                elif kind == "choice" and alternates:
                    alternates[-1][0] = len(sink.blocks)
                elif kind == "fallback":
                    # Word writes a text box twice (DrawingML and VML): read it once
                    dup = bool(alternates and alternates[-1][1])
                    fallback_skips.append(dup)
                    skip += dup
                continue
            if kind == "p":
                open_p -= 1
                if not skip:
                    self._paragraph(el, txbx, tables)
                if open_p == 0 and not tables and not txbx:
                    free(el)
                else:
                    el.clear(keep_tail=True)
            elif kind == "tbl":
                first, rows, cells = tables.pop()[:3]
                if rows == 1 and cells == 1:  # a one-cell table is a frame drawn round text
                    for i in range(first, len(sink.blocks)):
                        sink.blocks[i] = replace(sink.blocks[i], boxed=True)
                if not tables and open_p == 0:
                    free(el)
            elif kind == "txbx":
                txbx -= 1
            elif kind == "choice" and alternates:
                alternates[-1][1] = len(sink.blocks) > alternates[-1][0]
            elif kind == "fallback" and fallback_skips:
                skip -= fallback_skips.pop()
            elif kind == "ac" and alternates:
                alternates.pop()
            elif kind == "textpath" and not skip:
                self._wordart(el)

    def _where(self, txbx: int, tables: list) -> tuple[str, str]:
        if txbx:
            return ("textbox" if self.base == "body" else self.base), (
                f"{self.name} hộp văn bản {self.textboxes}"
            )
        if tables:
            t = tables[-1]
            return ("table" if self.base == "body" else self.base), (
                f"{self.name} bảng {t[5]}, hàng {t[3]}, ô {t[4]}"
            )
        return self.base, f"{self.name} đoạn {self.paragraphs}"

    def _paragraph(self, p, txbx: int, tables: list) -> None:
        self.paragraphs += 1
        w = _ns_of(p)
        styles = self.styles
        ppr = _first_child(p, w + "pPr")
        pstyle = None
        boxed = bool(txbx)
        if ppr is not None:
            for child in ppr:
                tag = child.tag
                if tag == w + "pStyle":
                    pstyle = child.get(w + "val")
                elif tag == w + "pBdr" or tag == w + "framePr":
                    boxed = True
        para = styles.props(pstyle or styles.default_para).over(styles.defaults)
        if para.boxed:
            boxed = True
        plain = Run("", para.font or "", bool(para.bold), para.color or "")
        rpr_tag = w + "rPr"
        runs: list[Run] = []
        deleted: list[Run] = []  # tracked deletions: read apart, so "thêm" + "MẬT" stay two
        run_cache: dict = {}
        for el in p.iter(*_W_TEXT_TAGS):
            kind = _W_TEXT[el.tag]
            text = el.text or "" if kind == "t" else kind
            if not text:
                continue
            r = el.getparent()
            run = run_cache.get(r)
            if run is None:
                rpr = _first_child(r, rpr_tag)
                if rpr is None:
                    run = plain
                else:
                    props = _rpr_props(rpr, w)
                    if props.style is not None:
                        props = props.over(styles.props(props.style))
                    props = props.over(para)
                    run = Run("", props.font or "", bool(props.bold), props.color or "")
                run_cache[r] = run
            target = deleted if el.tag[-8:] == "}delText" else runs
            if target and target[-1][1:] == run[1:]:  # same look as the run before: one run
                target[-1] = target[-1]._replace(text=target[-1].text + text)
            else:
                target.append(run._replace(text=text))
        if runs or deleted:
            part, location = self._where(txbx, tables)
            self.sink.runs(runs, location, part, boxed)
            self.sink.runs(deleted, f"{location} (phần đã xoá khi sửa)", part, boxed)

    def _wordart(self, el) -> None:
        """VML WordArt: how Word draws watermarks ("MẬT" across every page of a header)."""
        text = (el.get("string") or "").strip()
        if not text:
            return
        style = el.get("style") or ""
        m = re.search(r"font-family:\s*[\"']?([^\"';]+)", style)
        shape = el.getparent()
        color = color_hint(shape.get("fillcolor")) if shape is not None else ""
        self.sink.add(
            Block(
                text=text,
                location=f"{self.name} chữ nghệ thuật (WordArt)",
                part="textbox" if self.base == "body" else self.base,
                font=m.group(1).strip() if m else "",
                color=color,
                boxed=True,
                alone=len(text) <= ALONE_MAX,
            )
        )


_DOCX_PARTS = (
    (r"word/header\d*\.xml", "header"),
    (r"word/footer\d*\.xml", "footer"),
    (r"word/footnotes\.xml", "note"),
    (r"word/endnotes\.xml", "note"),
    (r"word/comments\.xml", "comment"),
)


@register("docx")
def extract_docx(data: bytes, ctx: Context) -> Document:
    z = open_zip(data, ctx, "DOCX")
    with z:
        names = z.namelist()
        main = _main_part(z, ctx, "word/document.xml")
        if main not in z.NameToInfo:
            raise ScanError("Tệp DOCX không có phần nội dung chính (word/document.xml).")
        folder = posixpath.dirname(main)
        styles = _word_styles(z, ctx, posixpath.join(folder, "styles.xml"))
        sink = Sink(ctx)
        _DocxPart(main, "body", styles, sink).run(z, ctx)
        for pattern, base in _DOCX_PARTS:
            for name in _numbered(names, pattern.replace(r"\d*", r"(\d*)")):
                _DocxPart(name, base, styles, sink).run(z, ctx)
        _core_properties(z, sink, ctx)
        # embedded objects, pictures, and altChunk parts (imported HTML/RTF/text content)
        embedded = [
            n
            for n in names
            if re.match(r"word/(embeddings|media)/", n)
            or re.fullmatch(r"word/[^/]+\.(htm|html|mht|mhtml|rtf|txt)", n, re.I)
        ]
        members = embedded_members(z, embedded, ctx, "DOCX")
    return Document(blocks=sink.blocks, members=members)


# ------------------------------------------------------------------------- DrawingML (pptx/xlsx)

_A_NS = (
    "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://purl.oclc.org/ooxml/drawingml/main",
)
_DML_KIND: dict[str, str] = {}
for _ns in _A_NS:
    for _name in ("p", "tbl", "tr", "tc"):
        _DML_KIND[f"{{{_ns}}}{_name}"] = _name
for _ns in (
    "http://schemas.openxmlformats.org/presentationml/2006/main",
    "http://purl.oclc.org/ooxml/presentationml/main",
):
    _DML_KIND[f"{{{_ns}}}sp"] = "sp"
    _DML_KIND[f"{{{_ns}}}ph"] = "ph"
    _DML_KIND[f"{{{_ns}}}text"] = "cmtext"  # legacy pptx comments: plain text
_DML_TAGS = tuple(_DML_KIND)
_PH_PART = {"title": "title", "ctrTitle": "title", "ftr": "footer", "hdr": "header"}


def _dml_part(
    z: zipfile.ZipFile, name: str, base: str, where: str, sink: Sink, ctx: Context
) -> None:
    """DrawingML text (a:p paragraphs of shapes, tables, charts, SmartArt) → blocks."""
    shapes: list[list] = []  # [part of the shape]
    tables: list[list[int]] = []  # [first block, rows, cells, row, cell]
    count = 0
    for event, el in iterparse_member(z, name, ctx, ("start", "end"), _DML_TAGS):
        kind = _DML_KIND[el.tag]
        if event == "start":
            if kind == "sp":
                shapes.append([base])
            elif kind == "tbl":
                tables.append([len(sink.blocks), 0, 0, 0, 0])
            elif kind == "tr" and tables:
                tables[-1][1] += 1
                tables[-1][3] = tables[-1][1]
                tables[-1][4] = 0
            elif kind == "tc" and tables:
                tables[-1][2] += 1
                tables[-1][4] += 1
            continue
        if kind == "ph" and shapes and base == "body":
            shapes[-1][0] = _PH_PART.get(el.get("type") or "", base)
        elif kind == "sp" and shapes:
            shapes.pop()
        elif kind == "p":
            count += 1
            runs = _dml_runs(el)
            if tables:
                t = tables[-1]
                part = "table" if base == "body" else base
                location = f"{where}, bảng, hàng {t[3]}, ô {t[4]}"
            else:
                part = shapes[-1][0] if shapes else base
                location = f"{where}, đoạn {count}"
            if runs:
                sink.runs(runs, location, part, False)
            el.clear(keep_tail=True)
        elif kind == "tbl":
            first, rows, cells = tables.pop()[:3]
            if rows == 1 and cells == 1:
                for i in range(first, len(sink.blocks)):
                    sink.blocks[i] = replace(sink.blocks[i], boxed=True)
        elif kind == "cmtext":
            sink.text(el.text or "", f"{where}, ghi chú", "comment")


def _dml_runs(p) -> list[Run]:
    a = _ns_of(p)
    runs: list[Run] = []
    for child in p:
        tag = child.tag
        if tag == a + "br":
            runs.append(Run("\n"))
        elif tag in (a + "r", a + "fld"):
            t = child.find(a + "t")
            if t is None or not t.text:
                continue
            rpr = child.find(a + "rPr")
            font = color = ""
            bold = False
            if rpr is not None:
                bold = rpr.get("b") in ("1", "true")
                latin = rpr.find(a + "latin")
                if latin is not None and not (latin.get("typeface") or "").startswith("+"):
                    font = latin.get("typeface") or ""
                fill = rpr.find(a + "solidFill")
                if fill is not None:
                    srgb = fill.find(a + "srgbClr")
                    prst = fill.find(a + "prstClr")
                    if srgb is not None:
                        color = color_hint(srgb.get("val"))
                    elif prst is not None:
                        color = color_hint(prst.get("val"))
            runs.append(Run(t.text, font, bold, color))
    return runs


# ------------------------------------------------------------------------------------- PPTX


@register("pptx")
def extract_pptx(data: bytes, ctx: Context) -> Document:
    z = open_zip(data, ctx, "PPTX")
    with z:
        names = z.namelist()
        main = _main_part(z, ctx, "ppt/presentation.xml")
        rels = _rels(z, main, ctx) if main in z.NameToInfo else {}
        order: list[str] = []
        if main in z.NameToInfo:
            root = parse_member(z, main, ctx)
            for el in root.iter():
                if local(el.tag) == "sldId":
                    rid = next(
                        (v for k, v in el.attrib.items() if local(k) == "id" and k != "id"), ""
                    )
                    target = rels.get(rid, ("", ""))[1]
                    if target in z.NameToInfo and target not in order:
                        order.append(target)
        for name in _numbered(names, r"ppt/slides/slide(\d+)\.xml"):
            if name not in order:  # slides the list forgot are still in the file
                order.append(name)
        if not order:
            raise ScanError("Tệp PPTX không có trang chiếu nào (ppt/slides).")
        if len(order) > ctx.limits.max_pages:
            raise LimitExceeded(
                f"Tệp PPTX có {len(order)} trang chiếu, vượt giới hạn {ctx.limits.max_pages}."
            )
        sink = Sink(ctx)
        done: set[str] = set()
        for number, slide in enumerate(order, 1):
            where = f"trang chiếu {number}"
            _dml_part(z, slide, "body", where, sink, ctx)
            done.add(slide)
            for rtype, target in _rels(z, slide, ctx).values():
                if target in done or target not in z.NameToInfo:
                    continue
                if rtype == "notesSlide":
                    _dml_part(z, target, "note", f"{where}, ghi chú người trình bày", sink, ctx)
                    done.add(target)
                elif rtype in ("comments", "diagramData", "chart"):
                    base = "comment" if rtype == "comments" else "body"
                    _dml_part(z, target, base, f"{where}, {target}", sink, ctx)
                    done.add(target)
        # every other text part: masters and layouts print on every slide, like a header
        for name in names:
            if name in done or not name.endswith(".xml") or "/_rels/" in name:
                continue
            if re.match(r"ppt/(slideMasters|slideLayouts|notesMasters|handoutMasters)/", name):
                _dml_part(z, name, "header", name, sink, ctx)
            elif re.match(r"ppt/(notesSlides|comments|diagrams/data|charts/chart)", name):
                base = "note" if "notes" in name else "comment" if "comments" in name else "body"
                _dml_part(z, name, base, name, sink, ctx)
        _core_properties(z, sink, ctx)
        embedded = [n for n in names if re.match(r"ppt/(embeddings|media)/", n)]
        members = embedded_members(z, embedded, ctx, "PPTX")
    return Document(blocks=sink.blocks, members=members, pages=len(order))


# ------------------------------------------------------------------------------------- XLSX

_S_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_INDEXED_RED = {"2", "10", "16"}  # default palette: FF0000, FF0000, 800000


def _cell_runs(el, s: str) -> tuple[str, list[Run] | None]:
    """A shared string item or inline string: its text, and rich-text runs if it has them."""
    runs: list[Run] = []
    plain = []
    for child in el:
        if child.tag == s + "t":
            plain.append(child.text or "")
        elif child.tag == s + "r":
            t = child.find(s + "t")
            if t is None or not t.text:
                continue
            rpr = child.find(s + "rPr")
            font, bold, color = _xlsx_font(rpr, s)
            runs.append(Run(t.text, font, bold, color))
        # s:rPh is the phonetic guide (ruby), not text of the cell
    if runs:
        return "".join(plain) + "".join(r.text for r in runs), ([Run(t) for t in plain if t] + runs)
    return "".join(plain), None


def _xlsx_font(font, s: str) -> tuple[str, bool, str]:
    if font is None:
        return "", False, ""
    name = font.find(s + "rFont")
    if name is None:
        name = font.find(s + "name")
    bold = font.find(s + "b")
    color = font.find(s + "color")
    hint = ""
    if color is not None:
        if color.get("rgb"):
            hint = color_hint(color.get("rgb"))
        elif color.get("indexed") in _INDEXED_RED:
            hint = "red"
    return (
        (name.get("val") or "") if name is not None else "",
        _truthy(bold, "val") if bold is not None else False,
        hint,
    )


def _xlsx_styles(z, ctx, name) -> list[tuple[str, bool, str]]:
    """Cell style index (c/@s) → (font name, bold, colour)."""
    if name not in z.NameToInfo:
        return []
    root = parse_member(z, name, ctx)
    s = _ns_of(root)
    fonts_el = root.find(s + "fonts")
    fonts = [_xlsx_font(f, s) for f in fonts_el] if fonts_el is not None else []
    xfs = root.find(s + "cellXfs")
    out = []
    for xf in xfs if xfs is not None else ():
        try:
            out.append(fonts[int(xf.get("fontId") or 0)])
        except (ValueError, IndexError):
            out.append(("", False, ""))
    return out


_HF_CODE = re.compile(r'&(?:"([^"]*)"|K([0-9A-Fa-f]{6})|K\d\d[+-]\d{3}|(\d{1,3})|([A-Za-z&]))')


def _header_footer(text: str) -> list[list[Run]]:
    """Excel header/footer codes (&L &C &R sections, &"Font,Bold", &KFF0000, &B, &P...)."""
    sections: list[list[Run]] = [[]]
    font, bold, color = "", False, ""
    pos = 0
    for m in _HF_CODE.finditer(text):
        if m.start() > pos:
            sections[-1].append(Run(text[pos : m.start()], font, bold, color))
        pos = m.end()
        if m.group(1) is not None:
            name, _, style = m.group(1).partition(",")
            font = "" if name == "-" else name
            bold = "bold" in style.lower()
        elif m.group(2):
            color = color_hint(m.group(2))
        elif m.group(4):
            code = m.group(4)
            if code in "LCR":
                sections.append([])
            elif code == "B":
                bold = not bold
            elif code == "&":
                sections[-1].append(Run("&", font, bold, color))
    if pos < len(text):
        sections[-1].append(Run(text[pos:], font, bold, color))
    return [s for s in sections if s]


def _col_row(ref: str) -> str:
    return ref if re.fullmatch(r"[A-Z]{1,3}\d{1,7}", ref or "") else ""


@register("xlsx")
def extract_xlsx(data: bytes, ctx: Context) -> Document:
    z = open_zip(data, ctx, "XLSX")
    with z:
        names = z.namelist()
        main = _main_part(z, ctx, "xl/workbook.xml")
        if main not in z.NameToInfo:
            raise ScanError("Tệp XLSX không có phần sổ tính (xl/workbook.xml).")
        folder = posixpath.dirname(main)
        rels = _rels(z, main, ctx)
        shared_name = styles_name = ""
        for rtype, target in rels.values():
            if rtype == "sharedStrings":
                shared_name = target
            elif rtype == "styles":
                styles_name = target
        shared_name = shared_name or posixpath.join(folder, "sharedStrings.xml")
        styles = _xlsx_styles(z, ctx, styles_name or posixpath.join(folder, "styles.xml"))
        shared: list[tuple[str, list[Run] | None]] = []
        if shared_name in z.NameToInfo:
            s_tags = [f"{{{ns}}}si" for ns in _S_NS]
            for _event, si in iterparse_member(z, shared_name, ctx, ("end",), s_tags):
                shared.append(_cell_runs(si, _ns_of(si)))
                si.clear(keep_tail=True)
        used = [False] * len(shared)
        sheets: list[tuple[str, str]] = []
        for el in parse_member(z, main, ctx).iter():
            if local(el.tag) == "sheet":
                rid = next((v for k, v in el.attrib.items() if local(k) == "id" and k != "id"), "")
                target = rels.get(rid, ("", ""))[1]
                if target in z.NameToInfo:
                    sheets.append((el.get("name") or target, target))
        listed = {t for _, t in sheets}
        for name in _numbered(names, r"xl/worksheets/sheet(\d+)\.xml"):
            if name not in listed:
                sheets.append((name, name))
        sink = Sink(ctx)
        done: set[str] = set()
        for sheet, part in sheets:
            _xlsx_sheet(z, part, sheet, shared, used, styles, sink, ctx)
            done.add(part)
            for rtype, target in _rels(z, part, ctx).values():
                if target in z.NameToInfo and target not in done:
                    if rtype == "comments":
                        _xlsx_comments(z, target, sheet, sink, ctx)
                        done.add(target)
                    elif rtype == "drawing":
                        _dml_part(z, target, "textbox", f"{sheet}, hình vẽ", sink, ctx)
                        done.add(target)
        for i, (text, runs) in enumerate(shared):
            if not used[i]:  # strings no cell points to any more are still in the file
                where = f"{shared_name} mục {i + 1}"
                sink.runs(runs or [Run(text)], where, "table", False)
        for name in names:
            if name in done or "/_rels/" in name or not name.endswith(".xml"):
                continue
            if re.match(r"xl/comments(\d*\.xml|/)", name):
                _xlsx_comments(z, name, name, sink, ctx)
            elif re.match(r"xl/threadedComments/", name):
                for _event, el in iterparse_member(z, name, ctx):
                    if local(el.tag) == "text":
                        sink.text(el.text or "", f"{name}, bình luận", "comment")
            elif re.match(r"xl/(drawings/drawing|charts/chart)", name):
                _dml_part(z, name, "textbox", name, sink, ctx)
        _core_properties(z, sink, ctx)
        embedded = [n for n in names if re.match(r"xl/(embeddings|media)/", n)]
        members = embedded_members(z, embedded, ctx, "XLSX")
    return Document(blocks=sink.blocks, members=members)


def _xlsx_sheet(z, part, sheet, shared, used, styles, sink: Sink, ctx: Context) -> None:
    tags = [f"{{{ns}}}{n}" for ns in _S_NS for n in ("c", "row", "headerFooter")]
    for _event, el in iterparse_member(z, part, ctx, ("end",), tags):
        name = local(el.tag)
        s = _ns_of(el)
        if name == "row":
            free(el)
            continue
        if name == "headerFooter":
            for hf in el:
                which = "footer" if "Footer" in local(hf.tag) else "header"
                for section in _header_footer(hf.text or ""):
                    sink.runs(section, f"{sheet}, {local(hf.tag)}", which, False)
            continue
        kind = el.get("t") or "n"
        ref = _col_row(el.get("r") or "")
        where = f"{sheet}!{ref}" if ref else f"{sheet}"
        text, runs = "", None
        if kind == "s":
            v = el.find(s + "v")
            try:
                index = int((v.text or "").strip()) if v is not None else -1
            except ValueError:
                index = -1
            if 0 <= index < len(shared):
                used[index] = True
                text, runs = shared[index]
        elif kind == "inlineStr":
            inline = el.find(s + "is")
            if inline is not None:
                text, runs = _cell_runs(inline, s)
        elif kind == "str":
            v = el.find(s + "v")
            text = (v.text or "") if v is not None else ""
        if text.strip():
            if runs is None:
                try:
                    font, bold, color = styles[int(el.get("s") or 0)]
                except (ValueError, IndexError):
                    font, bold, color = "", False, ""
                runs = [Run(text, font, bold, color)]
            sink.runs(runs, where, "table", False)


def _xlsx_comments(z, name, sheet, sink: Sink, ctx: Context) -> None:
    tags = [f"{{{ns}}}comment" for ns in _S_NS]
    for _event, el in iterparse_member(z, name, ctx, ("end",), tags):
        s = _ns_of(el)
        text_el = el.find(s + "text")
        if text_el is not None:
            text, runs = _cell_runs(text_el, s)
            ref = _col_row(el.get("ref") or "")
            sink.runs(runs or [Run(text)], f"{sheet}!{ref} (ghi chú)", "comment", False)
        el.clear(keep_tail=True)
