"""HTML: lxml.html with scripts, styles and comments removed and nothing loaded from the network;
one block per block-level element (a short one is `alone`), title and meta description as
metadata, colour from inline `color:` styles and <font color>, font from font-family/<font face>
(old Vietnamese sites used .VnTime fonts in HTML too). `html_links()` lists the links for the
site audit.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from bmnn.scan.extract import Context, register
from bmnn.scan.extract.text import Run, Sink, color_hint, decode_text
from bmnn.scan.model import Document, ScanError

_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "tr", "pre", "blockquote",
    "section", "article", "header", "footer", "address", "dt", "dd", "caption", "figcaption",
    "center", "table", "ul", "ol", "dl", "form", "fieldset", "legend", "main", "aside", "nav",
    "body", "hr", "figure", "details", "summary", "option", "label", "button", "textarea",
}  # fmt: skip
_DROP = {"script", "style", "noscript", "template", "object", "embed", "iframe"}
_BOLD = {"b", "strong", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
_STYLE_COLOR = re.compile(r"(?:^|;)\s*color\s*:\s*([^;!]+)", re.I)
_STYLE_FONT = re.compile(r"font-family\s*:\s*([^;]+)", re.I)
_STYLE_WEIGHT = re.compile(r"font-weight\s*:\s*(bold|bolder|[6-9]00)", re.I)
_STYLE_BORDER = re.compile(r"(?:^|;)\s*border(?:-[a-z]+)?\s*:\s*(?!none|0\b|hidden)[^;]+", re.I)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)


def _encoding(data: bytes) -> str | None:
    """The charset the page declares, if Python knows it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    m = _CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii").lower()
        try:
            "".encode(name)
            return name
        except LookupError:
            return None
    return None


def _parse(data: bytes) -> etree._Element:
    enc = _encoding(data)
    try:
        text = data.decode(enc, "replace") if enc else decode_text(data)
    except LookupError:
        text = decode_text(data)
    # lxml refuses a str that still declares its encoding; the text is already decoded
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    parser = lxml_html.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, recover=True, default_doctype=False
    )
    try:
        root = lxml_html.document_fromstring(text.replace("\x00", ""), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ScanError(f"Không đọc được tệp HTML ({exc}).") from exc
    return root


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _style_of(el, inherited: dict) -> dict:
    props = inherited
    style = el.get("style") or ""
    tag = _tag(el)
    changes: dict = {}
    if tag in _BOLD or _STYLE_WEIGHT.search(style):
        changes["bold"] = True
    m = _STYLE_COLOR.search(style)
    if m:
        changes["color"] = color_hint(m.group(1))
    elif tag == "font" and el.get("color"):
        changes["color"] = color_hint(el.get("color"))
    m = _STYLE_FONT.search(style)
    face = m.group(1) if m else (el.get("face") if tag == "font" else None)
    if face:
        changes["font"] = face.split(",")[0].strip().strip("'\"")
    if changes:
        props = {**inherited, **changes}
    return props


def _single_cell_tables(root) -> set:
    cells = set()
    for table in root.iter("table"):
        found = [c for c in table.iter("td", "th") if c.getparent() is not None]
        if len(found) == 1 and len(list(table.iter("table"))) == 1:
            cells.add(found[0])
    return cells


@register("html")
def extract(data: bytes, ctx: Context) -> Document:
    root = _parse(data)
    sink = Sink(ctx)
    for el in root.iter("title"):
        sink.text(el.text_content(), "tiêu đề trang", "metadata")
    for el in root.iter("meta"):
        name = (el.get("name") or el.get("property") or "").lower()
        if name in ("description", "keywords", "og:title", "og:description", "dc.title"):
            sink.text(el.get("content") or "", f"thẻ meta {name}", "metadata")
    body = root.find("body")
    if body is None:
        body = root
    boxed_cells = _single_cell_tables(body)
    runs: list[Run] = []
    count = [0]
    # block context: (part, boxed) of the innermost open block element
    context: list[tuple[str, bool]] = [("body", False)]
    styles: list[dict] = [{}]

    def flush() -> None:
        if runs and "".join(r.text for r in runs).strip():
            count[0] += 1
            part, boxed = context[-1]
            sink.runs(list(runs), f"khối {count[0]}", part, boxed)
        runs.clear()

    def add(text: str | None) -> None:
        if text:
            props = styles[-1]
            text = re.sub(r"\s+", " ", text) if not props.get("pre") else text
            runs.append(
                Run(text, props.get("font", ""), bool(props.get("bold")), props.get("color", ""))
            )

    dropped = 0
    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = _tag(el)
        if event == "start":
            if dropped or tag in _DROP or not tag:
                dropped += 1  # never read (or run) scripts and embedded active content
                continue
            if tag in _BLOCK or tag == "br":
                flush()
            props = _style_of(el, styles[-1])
            if tag == "pre":
                props = {**props, "pre": True}
            styles.append(props)
            if tag in _BLOCK:
                part, boxed = context[-1]
                if tag in ("td", "th") and part == "body":
                    part = "table"
                elif tag == "header" or (el.get("role") or "") == "banner":
                    part = "header"
                elif tag == "footer":
                    part = "footer"
                if el in boxed_cells or _STYLE_BORDER.search(el.get("style") or ""):
                    boxed = True
                context.append((part, boxed))
            add(el.text)
            continue
        if dropped:
            dropped -= 1
            if not dropped:
                add(el.tail)
            continue
        if tag in _BLOCK:
            flush()
            context.pop()
        styles.pop()
        add(el.tail)
        if count[0] % 256 == 0:
            ctx.check_time()
    flush()
    return Document(blocks=sink.blocks)


_LINK_ATTRS = (("a", "href"), ("area", "href"), ("iframe", "src"), ("frame", "src"),
               ("embed", "src"), ("object", "data"))  # fmt: skip


def html_links(data: bytes) -> list[str]:
    """Targets the page links to (a/area href, iframe/frame/embed src, object data), in page
    order, each once, as written (relative links are the caller's to resolve). Raises ScanError
    for a page lxml cannot parse."""
    root = _parse(data)
    seen: dict[str, None] = {}
    wanted = dict(_LINK_ATTRS)
    for el in root.iter(*wanted):
        value = (el.get(wanted[_tag(el)]) or "").strip()
        if value and not value.startswith("#"):
            seen.setdefault(value, None)
    return list(seen)
