"""Builders of real PDFs and images for the PDF/image/OCR tests: text-layer PDFs made with fpdf2
and the Tinos font (full Vietnamese), scanned pages rendered with Pillow (a red boxed stamp and
black body text) and embedded as images, hostile files (truncated, encrypted, pixel bomb).

Nothing here is committed binary data: every fixture is generated when a test asks for it.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/croscore")
TINOS = FONT_DIR / "Tinos-Regular.ttf"
TINOS_BOLD = FONT_DIR / "Tinos-Bold.ttf"

RED = (200, 20, 30)
BODY = [
    "Kính gửi: Các đơn vị trực thuộc.",
    "Đề nghị các đơn vị rà soát việc quản lý tài liệu và thay đổi mật khẩu",
    "hộp thư điện tử công vụ theo định kỳ, báo cáo kết quả trước ngày 15 tháng 12.",
    "Nơi nhận: như trên; lưu văn thư.",
]


def _pdf() -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_font("Tinos", "", str(TINOS))
    pdf.add_font("Tinos", "B", str(TINOS_BOLD))
    return pdf


def text_pdf(
    mark: str | None = "TUYỆT MẬT",
    *,
    boxed: bool = False,
    body: list[str] | None = None,
    pages: int = 1,
) -> bytes:
    """An A4 text-layer PDF: the agency header, the mark in red bold at the top left (alone on
    its line, optionally in a box), then a paragraph that mentions "mật khẩu"."""
    pdf = _pdf()
    for n in range(pages):
        pdf.add_page()
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("Tinos", "B", 13)
        pdf.set_xy(15, 12)
        pdf.cell(80, 6, "BỘ NỘI VỤ")
        pdf.set_xy(110, 12)
        pdf.cell(90, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        pdf.set_font("Tinos", "", 13)
        pdf.set_xy(15, 20)
        pdf.cell(80, 6, f"Số: {120 + n}/BNV-VP")
        if mark and n == 0:
            pdf.set_text_color(*RED)
            pdf.set_draw_color(*RED)
            pdf.set_font("Tinos", "B", 14)
            pdf.set_xy(20, 30)
            pdf.cell(40, 9, mark, border=1 if boxed else 0, align="C")
            pdf.set_text_color(0, 0, 0)
        pdf.set_font("Tinos", "", 13)
        y = 60
        for line in body or BODY:
            pdf.set_xy(20, y)
            pdf.cell(175, 7, line)
            y += 8
    return bytes(pdf.output())


def encrypted_pdf(user_password: str = "khoa-mo") -> bytes:  # noqa: S107 - a test fixture
    """A PDF that needs a password to open (user password set)."""
    pdf = _pdf()
    pdf.set_encryption(owner_password="chu-so-huu", user_password=user_password)
    pdf.add_page()
    pdf.set_font("Tinos", "", 13)
    pdf.set_xy(20, 20)
    pdf.cell(100, 8, "TỐI MẬT")
    return bytes(pdf.output())


def owner_only_pdf() -> bytes:
    """Encrypted with an owner password only: it opens without a password, so it is readable."""
    pdf = _pdf()
    pdf.set_encryption(owner_password="chu-so-huu")
    pdf.add_page()
    pdf.set_font("Tinos", "", 13)
    pdf.set_xy(20, 20)
    pdf.cell(100, 8, "TỐI MẬT")
    return bytes(pdf.output())


def truncated_pdf() -> bytes:
    data = text_pdf("TỐI MẬT", pages=3)
    return data[: len(data) * 2 // 3]


def pdf_with_attachment(name: str, payload: bytes) -> bytes:
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Tinos", "", 13)
    pdf.set_xy(20, 20)
    pdf.cell(100, 8, "Công văn kèm tệp đính kèm.")
    pdf.embed_file(basename=name, bytes=payload)
    return bytes(pdf.output())


def scanned_page(
    stamp: str | None = "TỐI MẬT",
    *,
    dpi: int = 200,
    stamp_xy_mm: tuple[float, float] = (22, 32),
    body: list[str] | None = None,
    noise: bool = False,
) -> Image.Image:
    """A scanned A4 page as a photo-like RGB image: black body text and a red boxed stamp in a
    double frame, like the form 02 seal of Circular 24/2020."""
    px = dpi / 25.4
    w, h = round(210 * px), round(297 * px)
    img = Image.new("RGB", (w, h), (250, 249, 245))
    draw = ImageDraw.Draw(img)
    body_font = ImageFont.truetype(str(TINOS), round(13 / 72 * dpi))
    bold = ImageFont.truetype(str(TINOS_BOLD), round(13 / 72 * dpi))
    draw.text((15 * px, 12 * px), "BỘ NỘI VỤ", font=bold, fill=(20, 20, 20))
    draw.text(
        (105 * px, 12 * px), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold, fill=(20, 20, 20)
    )
    draw.text((15 * px, 20 * px), "Số: 121/BNV-VP", font=body_font, fill=(20, 20, 20))
    y = 60 * px
    for line in body or BODY:
        draw.text((20 * px, y), line, font=body_font, fill=(25, 25, 25))
        y += 8 * px
    if stamp:
        stamp_font = ImageFont.truetype(str(TINOS_BOLD), round(16 / 72 * dpi))
        x0, y0 = stamp_xy_mm[0] * px, stamp_xy_mm[1] * px
        left, top, right, bottom = draw.textbbox((0, 0), stamp, font=stamp_font)
        tw, th = right - left, bottom - top
        pad = 3 * px
        box = (x0, y0, x0 + tw + 2 * pad, y0 + th + 2 * pad)
        draw.rectangle(box, outline=RED, width=max(2, round(0.5 * px)))
        inner = (box[0] + 0.8 * px, box[1] + 0.8 * px, box[2] - 0.8 * px, box[3] - 0.8 * px)
        draw.rectangle(inner, outline=RED, width=max(1, round(0.25 * px)))
        draw.text((x0 + pad - left, y0 + pad - top), stamp, font=stamp_font, fill=RED)
    if noise:
        # Scanner speckle, so the red mask has to ignore isolated dots.
        import random

        rnd = random.Random(4)
        for _ in range(3000):
            x, yy = rnd.randrange(w), rnd.randrange(h)
            img.putpixel((x, yy), (rnd.randrange(100, 230), 40, 40))
    return img


def image_bytes(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def multipage_tiff(images: list[Image.Image]) -> bytes:
    # Fresh images: one saved before (as JPEG, say) keeps that save's encoder settings, which
    # Pillow then passes to the TIFF encoder of the appended frames.
    images = [Image.frombytes(im.mode, im.size, im.tobytes()) for im in images]
    buf = io.BytesIO()
    images[0].save(
        buf, format="TIFF", save_all=True, append_images=images[1:], compression="tiff_lzw"
    )
    return buf.getvalue()


def scanned_pdf(images: list[Image.Image], *, dpi: int = 200) -> bytes:
    """A PDF whose pages are only images (no text layer), as a scanner makes them."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    for img in images:
        pdf.add_page()
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=90)
        buf.seek(0)
        pdf.image(buf, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())


def blank_pdf(pages: int) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    for _ in range(pages):
        pdf.add_page()
    return bytes(pdf.output())


def png_bomb_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG that claims a huge size (10 G pixels) with a tiny body: the decoder must refuse it
    from the header, before allocating anything."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def fold(text: str) -> str:
    """Lower case without diacritics and with single spaces: how the tests compare OCR text,
    since tesseract may lose or change Vietnamese tone marks."""
    import unicodedata

    t = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    return " ".join(t.split())


def renamed_font(path: Path, name: str, dest: Path) -> Path:
    """Tinos under another PostScript name (".VnTimeH", "VNI-Times"): PDF writers put that
    name in the PDF, which is how a legacy-encoded document shows its encoding."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path))
    for rec in font["name"].names:
        if rec.nameID in (1, 4, 6):
            rec.string = name
    font.save(str(dest))
    return dest


def legacy_font_pdf(tmp: Path, font_name: str, line: str) -> bytes:
    """A PDF whose line is typed in a font named `font_name` (legacy code points as Latin-1
    letters, as Word writes them from a .VnTimeH document), next to a Unicode line."""
    font = renamed_font(TINOS, font_name, tmp / "legacy.ttf")
    pdf = _pdf()
    pdf.add_font("Legacy", "", str(font))
    pdf.add_page()
    pdf.set_font("Legacy", "", 14)
    pdf.set_xy(20, 30)
    pdf.cell(60, 8, line)
    pdf.set_font("Tinos", "", 13)
    pdf.set_xy(20, 60)
    pdf.cell(170, 7, "Kính gửi: Các đơn vị trực thuộc, đề nghị thực hiện nghiêm túc.")
    return bytes(pdf.output())


def stamp_image(mark: str = "TỐI MẬT", dpi: int = 200) -> Image.Image:
    """Only a red boxed stamp, as a scanned seal pasted onto a typed document."""
    page = scanned_page(mark, dpi=dpi, body=[" "], stamp_xy_mm=(5, 5))
    px = dpi / 25.4
    # The stamp sits at 5 mm; cut out the area around it, away from the page's black header.
    return page.crop((0, round(3 * px), round(70 * px), round(25 * px)))


def text_pdf_with_stamp_image(mark: str = "TỐI MẬT") -> bytes:
    """A typed page (a text layer) with the mark present only as a pasted red stamp image."""
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Tinos", "", 13)
    y = 60
    for line in BODY:
        pdf.set_xy(20, y)
        pdf.cell(175, 7, line)
        y += 8
    buf = io.BytesIO()
    stamp_image(mark).save(buf, format="PNG")
    buf.seek(0)
    pdf.image(buf, x=15, y=25, w=70)
    return bytes(pdf.output())
