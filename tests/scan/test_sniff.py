"""The sniffer names a file by its content, whatever its extension says."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

import docx
import openpyxl
from fpdf import FPDF
from PIL import Image

from bmnn.scan.sniff import sniff


def _docx() -> bytes:
    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Báo cáo")
    document.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    out = io.BytesIO()
    book = openpyxl.Workbook()
    book.active["A1"] = "Mật"
    book.save(out)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Report")
    return bytes(pdf.output())


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, fmt)
    return out.getvalue()


def _eml() -> bytes:
    message = EmailMessage()
    message["From"] = "a@example.invalid"
    message["To"] = "b@example.invalid"
    message["Subject"] = "Thư"
    message.set_content("Nội dung")
    return message.as_bytes()


def test_office_zip_and_odf_by_content():
    assert sniff(_docx(), "bao-cao.pdf") == "docx"  # the extension lies
    assert sniff(_xlsx(), "x.xlsx") == "xlsx"
    assert sniff(_zip({"[Content_Types].xml": b"<x/>", "ppt/slides/slide1.xml": b"<x/>"})) == "pptx"
    odt = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
    assert sniff(odt, "a.odt") == "odt"
    assert sniff(_zip({"a.txt": b"x"}), "a.docx") == "zip"
    assert sniff(b"PK\x03\x04broken", "a.docx") == "zip"


def test_pdf_images_rtf_mail_html_text():
    assert sniff(_pdf(), "a.txt") == "pdf"
    assert sniff(_image("PNG")) == "png"
    assert sniff(_image("JPEG")) == "jpeg"
    assert sniff(_image("TIFF")) == "tiff"
    assert sniff(b"{\\rtf1\\ansi hello}", "a.doc") == "rtf"
    assert sniff(_eml(), "thu.txt") == "eml"
    assert sniff(b"<!DOCTYPE html><html><body>x</body></html>", "a.txt") == "html"
    assert sniff("Công văn số 12".encode(), "a.txt") == "text"


def test_binary_garbage_is_unknown_and_ole_without_streams_is_ole():
    assert sniff(b"\x00\x01\x02\x03" * 100, "a.docx") == "unknown"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "a.doc") in {"doc", "ole"}


def test_a_stored_zip_whose_first_member_is_a_pdf_is_a_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("mat.pdf", _pdf())
        z.writestr("sach.pdf", _pdf())
    assert sniff(out.getvalue(), "a.pdf") == "zip"
