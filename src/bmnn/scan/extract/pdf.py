"""PDF: the text layer with pypdfium2 (PDFium), one Block per line, with the layout hints that
tell a stamped mark from a word in a sentence: red fill colour, font name (".VnTimeH" → TCVN3),
bold, a line alone and short, near the top of the page, inside a drawn box. Pages without a
text layer are rendered and OCR'd (red stamps first, see bmnn.scan.ocr); images placed on text
pages are checked for red stamps too. Embedded files come back as Members.

Containment: PDFium runs no JavaScript and fills no forms unless asked (init_forms is never
called); rendering draws only the static page content and annotation appearances.
PDFium is not thread-safe, so every call into it holds _PDFIUM (OCR runs outside the lock).
"""

from __future__ import annotations

import ctypes
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from bmnn.scan import ocr
from bmnn.scan.extract import Context, register
from bmnn.scan.model import Block, Document, LimitExceeded, Member, ScanError

_PDFIUM = threading.RLock()
_MIN_TEXT = 16  # a page with fewer visible characters than this is treated as a scan
_DPI = 200  # render resolution for OCR (A4 → 1654×2339); see ocr.py for the measured speed
_RENDER_PIXELS = 12_000_000  # a rendered page never exceeds this (nor Limits.max_pixels)
_HEADER = 0.18  # a line whose top is in the top 18% of the page is "header"
_FOOTER = 0.08
_MAX_PATHS = 2_000  # drawn paths examined per page for boxes around short lines
_MAX_IMAGES = 16  # images per text page examined for red stamps
_LINES = re.compile(r"[^\r\n]+")
# FPDFText_GetTextObject with a plain address result: it identifies the text object (one
# font, one colour) of a character, and pypdfium2's pointer type would need a slow cast.
_GET_TEXT_OBJECT = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)(
    ctypes.cast(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p).value
)


@register("pdf")
def extract(data: bytes, ctx: Context) -> Document:
    _check_complete(data)
    limits = ctx.limits
    doc = Document()
    chars = 0
    ocr_pages = 0
    with _PDFIUM:
        pdf = _open(data)
    try:
        with _PDFIUM:
            n_pages = len(pdf)
        if n_pages > limits.max_pages:
            raise LimitExceeded(
                f"Tệp PDF có {n_pages} trang, vượt giới hạn {limits.max_pages} trang."
            )
        doc.pages = n_pages
        for index in range(n_pages):
            ctx.check_time()
            location = f"trang {index + 1}"
            with _PDFIUM:
                page = _read_page(pdf, index, location, limits)
            doc.blocks.extend(page.blocks)
            chars += sum(len(b.text) for b in page.blocks)
            if page.render is not None:
                ocr_pages += 1
                if ocr_pages > limits.max_ocr_pages:
                    raise LimitExceeded(
                        f"Tệp PDF có hơn {limits.max_ocr_pages} trang cần nhận dạng chữ (OCR), "
                        "vượt giới hạn."
                    )
                ocr_blocks = ocr.run_ocr(ctx, page.render, location)
                doc.blocks.extend(ocr_blocks)
                chars += sum(len(b.text) for b in ocr_blocks)
            for image in page.images:
                doc.blocks.extend(ocr.stamps_in(image, ctx, location))
            if chars > limits.max_text_chars:
                raise LimitExceeded(
                    f"Văn bản trích ra vượt giới hạn {limits.max_text_chars} ký tự."
                )
        with _PDFIUM:
            doc.members.extend(_attachments(pdf, ctx))
    finally:
        with _PDFIUM:
            pdf.close()
    return doc


def _check_complete(data: bytes) -> None:
    """PDFium repairs damaged files silently; a file cut short would then give the pages it
    still has and look `clean`. Every complete PDF ends with %%EOF (possibly followed by a
    little padding), so its absence means the file is truncated: fail closed."""
    tail = data[-4096:].rstrip(b"\x00\r\n\t \x0c")
    if b"%%EOF" not in tail[-1024:]:
        raise ScanError("Tệp PDF bị cắt cụt hoặc hỏng (không có dấu kết thúc %%EOF).")


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise ScanError(
                "Tệp PDF được mã hóa bằng mật khẩu; không đọc được nội dung để kiểm tra."
            ) from exc
        raise ScanError("Tệp PDF hỏng hoặc không đọc được.") from exc


@dataclass
class _Page:
    blocks: list[Block] = field(default_factory=list)
    render: object | None = None  # PIL image of a page without a text layer
    images: list = field(default_factory=list)  # PIL images placed on a text page


def _read_page(pdf: pdfium.PdfDocument, index: int, location: str, limits) -> _Page:
    try:
        page = pdf[index]
    except pdfium.PdfiumError as exc:
        raise ScanError(f"Không đọc được {location} của tệp PDF.") from exc
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            segments = _segments(textpage)
        finally:
            textpage.close()
        result = _Page()
        total = sum(s.inked for s in segments)
        readable = sum(_readable(s.text) for s in segments)
        if segments:
            boxes = _boxes(page)
            for seg in segments:
                result.blocks.append(_block(seg, width, height, boxes, location))
        # No text layer, a tiny one (a page number on a scan), or glyphs without a Unicode
        # map (private-use or replacement characters): read the page as an image.
        if readable < _MIN_TEXT or readable * 2 < total:
            result.render = _render(page, width, height, limits, location)
        else:
            result.images = _images(page, limits)
        return result
    finally:
        page.close()


def _readable(text: str) -> int:
    return sum(
        1
        for c in text
        if not c.isspace() and c.isprintable() and c != "\ufffd" and not "\ue000" <= c <= "\uf8ff"
    )


@dataclass
class _Segment:
    """A run of characters on one line, not broken by a wide gap or a change of legacy font."""

    chars: list[str] = field(default_factory=list)
    left: float = 1e9
    bottom: float = 1e9
    right: float = -1e9
    top: float = -1e9
    fonts: Counter = field(default_factory=Counter)
    red: int = 0
    bold: int = 0
    inked: int = 0  # characters that are not spaces
    colors: Counter = field(default_factory=Counter)

    @property
    def text(self) -> str:
        return "".join(self.chars).strip()


def _page_chars(tp, n: int) -> str:
    """The page's characters, one per char index (so index i of the string is char i)."""
    buf = (ctypes.c_ushort * (n + 1))()
    got = pdfium_c.FPDFText_GetText(tp, 0, n, buf)
    units = buf[: max(0, min(got - 1, n))]
    if len(units) == n and not any(0xD800 <= u < 0xE000 for u in units):
        codes = units
    else:  # characters outside the BMP take two UTF-16 units: ask char by char
        codes = [pdfium_c.FPDFText_GetUnicode(tp, i) for i in range(n)]
    return "".join(_char(c) for c in codes)


def _char(code: int) -> str:
    if code in (10, 13) or (code >= 32 and not 0xD800 <= code < 0xE000 and code < 0x110000):
        return chr(code)
    return " " if code == 9 else "\ufffd"  # a glyph without a Unicode value


_WORD = re.compile(r"\S+")


def _segments(textpage: pdfium.PdfTextPage) -> list[_Segment]:
    """Lines of the page, cut at wide gaps (two columns on one baseline) and where a legacy
    font starts or ends. Geometry and style are read per word (its first and last character),
    not per character: ctypes calls are the cost of a text page."""
    tp = textpage.raw
    n = pdfium_c.FPDFText_CountChars(tp)
    if n <= 0:
        return []
    chars = _page_chars(tp, n)
    tp_addr = ctypes.cast(tp, ctypes.c_void_p).value
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    flags = ctypes.c_int()
    buf = ctypes.create_string_buffer(256)
    style_cache: dict[int | None, tuple[str, bool, str]] = {}
    out: list[_Segment] = []

    def style_of(i: int) -> tuple[str, bool, str]:
        key = _GET_TEXT_OBJECT(tp_addr, i)
        style = style_cache.get(key)
        if style is None:
            size = pdfium_c.FPDFText_GetFontInfo(tp, i, buf, len(buf), flags)
            font = buf.raw[: max(0, size - 1)].decode("latin-1") if size > 0 else ""
            font = font.split("+", 1)[1] if len(font) > 7 and font[6] == "+" else font
            bold = pdfium_c.FPDFText_GetFontWeight(tp, i) >= 600 or "bold" in font.lower()
            color = ""
            if pdfium_c.FPDFText_GetFillColor(tp, i, r, g, b, a):
                color = _color(r.value, g.value, b.value)
            style = (font, bold, color)
            style_cache[key] = style
        return style

    for line in _LINES.finditer(chars):
        seg = _Segment()
        last_right = None
        last_font = ""
        base = line.start()
        for word in _WORD.finditer(line.group()):
            i0, i1 = base + word.start(), base + word.end() - 1
            font, bold, color = style_of(i0)
            pdfium_c.FPDFText_GetCharBox(tp, i0, left, right, bottom, top)
            w_left, w_bottom, w_top = left.value, bottom.value, top.value
            if i1 != i0:
                pdfium_c.FPDFText_GetCharBox(tp, i1, left, right, bottom, top)
            w_right = right.value
            w_bottom, w_top = min(w_bottom, bottom.value), max(w_top, top.value)
            height = max(w_top - w_bottom, pdfium_c.FPDFText_GetFontSize(tp, i0) * 0.5, 1.0)
            if seg.chars and (
                # a wide gap: another column of the same line (header left / right)
                (last_right is not None and w_left - last_right > 3.0 * height)
                # legacy-encoded text is decoded by its font, so keep fonts apart
                or (font != last_font and (_legacy(font) or _legacy(last_font)))
            ):
                out.append(seg)
                seg = _Segment()
            if seg.chars:
                seg.chars.append(" ")
            text = word.group()
            k = len(text)
            seg.chars.append(text)
            seg.left = min(seg.left, w_left)
            seg.right = max(seg.right, w_right)
            seg.bottom = min(seg.bottom, w_bottom)
            seg.top = max(seg.top, w_top)
            seg.fonts[font] += k
            seg.inked += k
            seg.bold += k if bold else 0
            seg.red += k if color == "red" else 0
            seg.colors[color] += k
            last_right = w_right
            last_font = font
        if seg.chars:
            out.append(seg)
    return out


def _color(r: int, g: int, b: int) -> str:
    if r >= 140 and r - g >= 70 and r - b >= 60:
        return "red"
    if max(r, g, b) <= 60:
        return ""  # black or near black: the default
    return f"#{r:02x}{g:02x}{b:02x}"


def _legacy(font: str) -> str:
    """The legacy encoding a font name tells: ".VnTime", ".VnTimeH", ".VnArial" → TCVN3 (ABC);
    "VNI-Times" → VNI."""
    font = font.strip()
    name = font.lower()
    # PDF writers often drop the leading dot: "VnTimeH" is still TCVN3, "VNI-Times" is not.
    if name.startswith(("vni-", "vni ", "vni_")):
        return "vni"
    if name.startswith(".vn") or (name.startswith("vn") and font[2:3].isupper()):
        return "tcvn3"
    return ""


def _block(seg: _Segment, width: float, height: float, boxes, location: str) -> Block:
    text = seg.text
    font = seg.fonts.most_common(1)[0][0] if seg.fonts else ""
    if seg.red * 2 >= seg.inked:
        color = "red"
    else:
        color = seg.colors.most_common(1)[0][0] if seg.colors else ""
    part = "body"
    if seg.top >= height * (1 - _HEADER):
        part = "header"
    elif seg.bottom <= height * _FOOTER:
        part = "footer"
    alone = len(text) <= 40 and (seg.right - seg.left) <= 0.45 * width
    return Block(
        text=text,
        location=location,
        part=part,
        font=font,
        bold=seg.bold * 2 >= seg.inked,
        color=color,
        boxed=alone and _in_box(seg, boxes),
        alone=alone,
        encoding=_legacy(font),
    )


def _boxes(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    """Bounds of the drawn paths of the page that could frame a line (rectangles, frames)."""
    out = []
    for n, obj in enumerate(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=4)):
        if n >= _MAX_PATHS:
            break
        try:
            out.append(obj.get_bounds())
        except pdfium.PdfiumError:
            continue
    return out


def _in_box(seg: _Segment, boxes) -> bool:
    h = max(seg.top - seg.bottom, 1.0)
    w = max(seg.right - seg.left, 1.0)
    for left, bottom, right, top in boxes:
        if (
            left <= seg.left + 1
            and bottom <= seg.bottom + 1
            and right >= seg.right - 1
            and top >= seg.top - 1
            and (top - bottom) <= 5 * h
            and (right - left) <= 3 * w + 60
        ):
            return True
    return False


def _render(page: pdfium.PdfPage, width: float, height: float, limits, location: str):
    cap = min(limits.max_pixels, _RENDER_PIXELS)
    scale = _DPI / 72
    area = max(width * height, 1.0)
    if area * scale * scale > cap:
        scale = (cap / area) ** 0.5
    if scale * 72 < 50:
        # Past this the page is so large that text at a normal size could not be read.
        raise LimitExceeded(f"{location.capitalize()} của tệp PDF quá lớn để nhận dạng chữ.")
    try:
        bitmap = page.render(
            scale=scale, may_draw_forms=False, draw_annots=True, rev_byteorder=True
        )
        return bitmap.to_pil().convert("RGB")
    except (pdfium.PdfiumError, ValueError, MemoryError) as exc:
        raise ScanError(f"Không dựng được hình {location} để nhận dạng chữ.") from exc


def _images(page: pdfium.PdfPage, limits) -> list:
    """Images placed on a text page, as PIL images, for the red-stamp check (a scanned seal
    pasted onto a typed document). Bounded in number and pixels."""
    out = []
    budget = min(limits.max_pixels, _RENDER_PIXELS)
    objs = page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4)
    for n, obj in enumerate(objs):
        if n >= _MAX_IMAGES:
            break
        try:
            w, h = obj.get_px_size()
            if w * h == 0 or w * h > budget or min(w, h) < 24:
                continue
            budget -= w * h
            out.append(obj.get_bitmap(render=False).to_pil().convert("RGB"))
        except (pdfium.PdfiumError, ValueError, OSError):
            continue  # an image PDFium cannot decode is not drawn on the page either
    return out


def _attachments(pdf: pdfium.PdfDocument, ctx: Context) -> list[Member]:
    limits = ctx.limits
    count = pdf.count_attachments()
    if count > limits.max_members:
        raise LimitExceeded(f"Tệp PDF có {count} tệp đính kèm, vượt giới hạn {limits.max_members}.")
    members = []
    for i in range(count):
        ctx.check_time()
        att = pdf.get_attachment(i)
        try:
            name = att.get_name() or f"attachment-{i + 1}"
        except pdfium.PdfiumError:
            name = f"attachment-{i + 1}"
        size = ctypes.c_ulong()
        pdfium_c.FPDFAttachment_GetFile(att, None, 0, size)
        if size.value > limits.max_file_bytes:
            raise LimitExceeded(f"Tệp đính kèm {name!r} trong PDF vượt giới hạn kích thước.")
        if size.value == 0:
            continue
        try:
            members.append(Member(name=name, data=bytes(att.get_data())))
        except pdfium.PdfiumError as exc:
            raise ScanError(f"Không đọc được tệp đính kèm {name!r} trong PDF.") from exc
    return members
