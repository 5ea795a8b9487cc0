"""ODT, ODS and ODP (OpenDocument): content.xml (body, tables, text boxes, notes, comments,
tracked deletions), styles.xml (page headers and footers, master slides) and meta.xml, with the
same hints as OOXML: font (through the font-face declarations, so .VnTime is known), bold,
colour (fo:color), boxed (frames, borders, one-cell tables), alone.

The zip and XML safety (limits before reading, capped stream, no DTD) is ooxml's.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bmnn.scan.extract import Context, register
from bmnn.scan.extract.ooxml import (
    embedded_members,
    iterparse_member,
    local,
    open_zip,
    parse_member,
)
from bmnn.scan.extract.text import Run, Sink, color_hint
from bmnn.scan.model import Document, LimitExceeded, ScanError

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
_SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_PRES = "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}"

_KIND = {
    _TEXT + "p": "p",
    _TEXT + "h": "p",
    _TABLE + "table": "table",
    _TABLE + "table-row": "row",
    _TABLE + "table-cell": "cell",
    _TABLE + "covered-table-cell": "cell",
    _DRAW + "frame": "frame",
    _DRAW + "text-box": "textbox",
    _DRAW + "page": "page",
    _TEXT + "note-body": "note",
    _OFFICE + "annotation": "comment",
    _PRES + "notes": "notes",
    _STYLE + "header": "header",
    _STYLE + "header-left": "header",
    _STYLE + "header-first": "header",
    _STYLE + "footer": "footer",
    _STYLE + "footer-left": "footer",
    _STYLE + "footer-first": "footer",
    _STYLE + "master-page": "master",
    _OFFICE + "font-face-decls": "fonts",
    _OFFICE + "automatic-styles": "styles",
    _OFFICE + "styles": "styles",
    _TEXT + "tracked-changes": "changes",
}
_TAGS = tuple(_KIND)
# inline elements whose own content is read elsewhere (their paragraphs come as events)
_SKIP_INLINE = {
    _TEXT + "note",
    _OFFICE + "annotation",
    _OFFICE + "annotation-end",
    _DRAW + "frame",
    _DRAW + "a",
    _DRAW + "custom-shape",
    _DRAW + "rect",
    _DRAW + "ellipse",
    _DRAW + "line",
    _DRAW + "g",
    _TEXT + "p",
    _TEXT + "h",
}


class _Styles:
    """Style name → (font, bold, colour, boxed), resolved through parents and font faces."""

    def __init__(self) -> None:
        self.faces: dict[str, str] = {}
        self.raw: dict[str, tuple[dict, str | None]] = {}
        self.cache: dict[str, dict] = {}

    def read_faces(self, el) -> None:
        for face in el:
            name = face.get(_STYLE + "name")
            family = face.get(_SVG + "font-family") or name or ""
            if name:
                self.faces[name] = family.split(",")[0].strip().strip("'\"")

    def read_styles(self, el) -> None:
        for st in el:
            if local(st.tag) not in ("style", "default-style"):
                continue
            props: dict = {}
            for child in st:
                name = local(child.tag)
                if name == "text-properties":
                    font = child.get(_STYLE + "font-name") or child.get(_FO + "font-family")
                    if font:
                        props["font"] = self.faces.get(font, font.strip("'\""))
                    weight = child.get(_FO + "font-weight")
                    if weight:
                        props["bold"] = weight == "bold" or (
                            weight.isdigit() and int(weight) >= 600
                        )
                    if child.get(_FO + "color"):
                        props["color"] = color_hint(child.get(_FO + "color"))
                elif name in ("paragraph-properties", "graphic-properties"):
                    for attr in ("border", "border-top", "border-bottom", "border-left"):
                        value = child.get(_FO + attr)
                        if value and value != "none":
                            props["boxed"] = True
            sname = st.get(_STYLE + "name") or f"default:{st.get(_STYLE + 'family')}"
            self.raw[sname] = (props, st.get(_STYLE + "parent-style-name"))
            self.cache.clear()

    def props(self, name: str | None) -> dict:
        if not name:
            return {}
        if name in self.cache:
            return self.cache[name]
        out: dict = {}
        seen = set()
        cur: str | None = name
        while cur and cur in self.raw and cur not in seen:
            seen.add(cur)
            props, cur = self.raw[cur]
            for key, value in props.items():
                out.setdefault(key, value)
        self.cache[name] = out
        return out


def _col_name(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _repeat(el, attr: str) -> int:
    try:
        return max(1, min(int(el.get(attr) or 1), 1_048_576))
    except ValueError:
        return 1


class _OdfPart:
    def __init__(self, kind: str, name: str, styles: _Styles, sink: Sink, base: str) -> None:
        self.kind = kind
        self.name = name
        self.styles = styles
        self.sink = sink
        self.base = base  # "body" for content.xml; "" for styles.xml (text only in masters)
        self.paragraphs = 0
        self.tables = 0
        self.pages = 0

    def run(self, z, ctx: Context) -> None:
        sink = self.sink
        context: list[str] = []  # open containers: header, footer, note, comment, textbox...
        tables: list[list] = []  # [first block, rows, cells, row, col, number, name]
        frames: list[str] = []  # presentation:class of open frames
        for event, el in iterparse_member(z, self.name, ctx, ("start", "end"), _TAGS):
            kind = _KIND[el.tag]
            if event == "start":
                if kind == "table":
                    self.tables += 1
                    tables.append(
                        [len(sink.blocks), 0, 0, 0, 0, self.tables, el.get(_TABLE + "name")]
                    )
                elif kind == "row" and tables:
                    tables[-1][1] += 1
                    tables[-1][3] += 1
                    tables[-1][4] = 0
                elif kind == "cell" and tables:
                    tables[-1][2] += 1
                    tables[-1][4] += 1
                elif kind == "frame":
                    frames.append(el.get(_PRES + "class") or "")
                elif kind == "page":
                    self.pages += 1
                    if self.pages > ctx.limits.max_pages:
                        raise LimitExceeded(
                            f"Tệp có hơn {ctx.limits.max_pages} trang chiếu, vượt giới hạn."
                        )
                if kind in (
                    "header",
                    "footer",
                    "note",
                    "comment",
                    "textbox",
                    "notes",
                    "master",
                    "changes",
                ):
                    context.append(kind)
                continue
            if kind == "fonts":
                self.styles.read_faces(el)
            elif kind == "styles":
                self.styles.read_styles(el)
                el.clear(keep_tail=True)
            elif kind == "p":
                if self.base or context:
                    self._paragraph(el, context, tables, frames)
                el.clear(keep_tail=True)
            elif kind == "row" and tables:
                tables[-1][3] += _repeat(el, _TABLE + "number-rows-repeated") - 1
                el.clear(keep_tail=True)
            elif kind == "cell" and tables:
                tables[-1][4] += _repeat(el, _TABLE + "number-columns-repeated") - 1
            elif kind == "table" and tables:
                first, rows, cells = tables.pop()[:3]
                if rows == 1 and cells == 1:
                    for i in range(first, len(sink.blocks)):
                        sink.blocks[i] = replace(sink.blocks[i], boxed=True)
            elif kind == "frame" and frames:
                frames.pop()
            if (
                kind
                in ("header", "footer", "note", "comment", "textbox", "notes", "master", "changes")
                and context
            ):
                context.pop()

    def _paragraph(self, p, context: list[str], tables: list, frames: list[str]) -> None:
        self.paragraphs += 1
        pprops = self.styles.props(p.get(_TEXT + "style-name"))
        runs: list[Run] = []
        self._walk(p, pprops, runs)
        if not runs:
            return
        boxed = bool(pprops.get("boxed"))
        inner = context[-1] if context else ""
        part = self.base or "header"
        if "header" in context or "master" in context:
            part = "header"
        if "footer" in context:
            part = "footer"
        if inner == "note" or "notes" in context:
            part = "note"
        elif inner == "comment":
            part = "comment"
        elif inner == "textbox":
            boxed = True
            if part == "body" and "notes" not in context:
                part = "textbox"
        where = self.name
        if self.pages:
            where = f"trang chiếu {self.pages}"
        if tables and inner not in ("textbox", "note", "comment"):
            t = tables[-1]
            if self.kind == "ods":
                location = f"{t[6] or 'bảng'}!{_col_name(t[4])}{t[3]}"
            else:
                location = f"{where}, bảng {t[5]}, hàng {t[3]}, ô {t[4]}"
            if part == "body":
                part = "table"
        else:
            location = f"{where}, đoạn {self.paragraphs}"
            if inner == "textbox":
                location = f"{where}, hộp văn bản, đoạn {self.paragraphs}"
            elif inner == "changes":
                location = f"{where}, thay đổi được theo dõi, đoạn {self.paragraphs}"
        if frames and part in ("body", "textbox"):
            cls = frames[-1]
            if cls == "title":
                part = "title"
            elif cls in ("footer", "header"):
                part = cls
        self.sink.runs(runs, location, part, boxed)

    def _walk(self, el, props: dict, runs: list[Run]) -> None:
        def add(text):
            if text:
                runs.append(
                    Run(
                        text, props.get("font", ""), bool(props.get("bold")), props.get("color", "")
                    )
                )

        add(el.text)
        for child in el:
            tag = child.tag
            if tag in _SKIP_INLINE or not isinstance(tag, str):
                pass
            elif tag == _TEXT + "s":
                add(" " * min(_repeat(child, _TEXT + "c"), 1000))
            elif tag == _TEXT + "tab":
                add("\t")
            elif tag == _TEXT + "line-break":
                add("\n")
            elif tag == _TEXT + "span":
                inner = self.styles.props(child.get(_TEXT + "style-name"))
                self._walk(child, {**props, **inner}, runs)
            else:  # links, fields, bookmarks, ruby: their text is the paragraph's
                self._walk(child, props, runs)
            add(child.tail)


_META_FIELDS = {
    "title": "tiêu đề",
    "subject": "chủ đề",
    "keyword": "từ khoá",
    "description": "mô tả",
    "user-defined": "thuộc tính tùy chỉnh",
}
_NOT_MEMBERS = re.compile(r"(META-INF|Thumbnails|ObjectReplacements|Configurations2)/|mimetype$")


def _extract(data: bytes, ctx: Context, kind: str) -> Document:
    what = kind.upper()
    z = open_zip(data, ctx, what)
    with z:
        names = z.namelist()
        if "content.xml" not in z.NameToInfo:
            raise ScanError(f"Tệp {what} không có phần nội dung (content.xml).")
        styles = _Styles()
        sink = Sink(ctx)
        if "styles.xml" in z.NameToInfo:
            # styles.xml first: content.xml styles inherit from its named styles
            _OdfPart(kind, "styles.xml", styles, sink, "").run(z, ctx)
        main = _OdfPart(kind, "content.xml", styles, sink, "body")
        main.run(z, ctx)
        for name in names:  # embedded sub-documents (charts, inserted text objects)
            if re.fullmatch(r"[^/]+/content\.xml", name) and not _NOT_MEMBERS.match(name):
                _OdfPart(kind, name, _Styles(), sink, "textbox").run(z, ctx)
        if "meta.xml" in z.NameToInfo:
            for el in parse_member(z, "meta.xml", ctx).iter():
                field = local(el.tag)
                if field in _META_FIELDS and el.text:
                    label = _META_FIELDS[field]
                    if field == "user-defined":
                        label = f"{label}: {el.get(_META + 'name') or ''}"
                    sink.text(el.text, f"thuộc tính tài liệu: {label}", "metadata")
        embedded = [n for n in names if not n.endswith((".xml", "/")) and not _NOT_MEMBERS.match(n)]
        members = embedded_members(z, embedded, ctx, what)
    return Document(blocks=sink.blocks, members=members, pages=main.pages)


@register("odt")
def extract_odt(data: bytes, ctx: Context) -> Document:
    return _extract(data, ctx, "odt")


@register("ods")
def extract_ods(data: bytes, ctx: Context) -> Document:
    return _extract(data, ctx, "ods")


@register("odp")
def extract_odp(data: bytes, ctx: Context) -> Document:
    return _extract(data, ctx, "odp")
