"""Texts and files for the fingerprint, gate and site tests (generated, never committed)."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

# Syllables of ordinary administrative Vietnamese; a fixed seed gives a long text in which
# no 50-word run repeats, like a real document.
_SYLLABLES = tuple(
    " ".join(
        (
            "kế hoạch triển khai nhiệm vụ bảo đảm an ninh khu vực biên giới phía bắc năm tới",
            "đơn vị lực lượng phối hợp kiểm tra địa bàn trọng điểm tuyến đường vận chuyển",
            "hàng hóa cửa khẩu quân khu tỉnh huyện xã thôn bản tổ chức lực lượng tuần tra",
            "canh gác báo cáo định kỳ hằng tháng quý chỉ huy trưởng phó chính ủy tham mưu hậu",
            "cần kỹ thuật phương án dự phòng tình huống khẩn cấp sơ tán dân cư trang bị",
            "phương tiện thông tin liên lạc mã hóa tần số trạm điểm chốt kho xăng dầu đạn",
            "dược vị trí tọa độ cao điểm sông suối rừng núi đèo dốc",
        )
    ).split()
)

# Words that appear only in the registered secret, to look for in the pack's bytes.
DISTINCTIVE = ("Quỳnh Nhai", "Mường Tè", "Pắc Bó", "Xín Mần", "Hoàng Su Phì")


def secret_text(words: int = 400, seed: int = 7) -> str:
    rng = random.Random(seed)
    out = []
    for i in range(words):
        if i % 37 == 5:
            out.append(DISTINCTIVE[(i // 37) % len(DISTINCTIVE)])
        else:
            out.append(rng.choice(_SYLLABLES))
    return " ".join(out)


def excerpt(text: str, start: int, count: int) -> str:
    """`count` consecutive words of `text` from word `start`, as words (names count as two)."""
    return " ".join(text.split()[start : start + count])


def disguise(text: str) -> str:
    """The same words, retyped: NFD, upper case, uneven spacing, line breaks, punctuation."""
    words = text.split()
    out = []
    for i, w in enumerate(words):
        w = w.upper() if i % 3 == 0 else w
        sep = ("  ", "\n", ", ", " \t ")[i % 4]
        out.append(w + sep)
    return unicodedata.normalize("NFD", "".join(out))


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    doc = docx.Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    doc.save(str(path))
    return path


def write_pdf(path: Path, lines: list[str]) -> Path:
    """A text PDF in a Vietnamese-capable font (Tinos, from fonts-croscore)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("Tinos", "", "/usr/share/fonts/truetype/croscore/Tinos-Regular.ttf")
    pdf.add_page()
    pdf.set_font("Tinos", size=12)
    for line in lines:
        pdf.multi_cell(pdf.epw, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def multipart(fields: dict[str, tuple[str, bytes]], boundary: str = "bMnN-b0uNdArY") -> tuple:
    """(content type, body) of a multipart/form-data form of files: name → (filename, data)."""
    parts = []
    for name, (filename, data) in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body
