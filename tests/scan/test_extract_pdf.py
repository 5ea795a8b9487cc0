"""The PDF extractor on real PDFs built by the tests: text layer with layout hints, legacy font
names, scanned pages through OCR (red stamp first), hostile and limit-breaking files."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmnn.scan import ocr
from bmnn.scan.extract import Context, extractor_for
from bmnn.scan.limits import Limits
from bmnn.scan.model import Block, Document, LimitExceeded, ScanError
from tests.scan import pdf_fixtures as fx

needs_ocr = pytest.mark.skipif(
    not ocr.available(), reason="tesseract-ocr + tesseract-ocr-vie are not installed"
)


def extract(data: bytes, **limits) -> Document:
    return extractor_for("pdf")(data, Context(limits=Limits(**limits), ocr=ocr.make_ocr()))


def only(blocks: list[Block], folded: str) -> Block:
    hits = [b for b in blocks if folded in fx.fold(b.text)]
    assert len(hits) == 1, [b.text for b in blocks]
    return hits[0]


def test_text_layer_gives_one_block_per_line_with_layout_hints():
    doc = extract(fx.text_pdf("TUYỆT MẬT"))
    assert doc.pages == 1
    mark = only(doc.blocks, "tuyet mat")
    assert mark.text == "TUYỆT MẬT"
    assert mark.location == "trang 1"
    assert (mark.color, mark.part, mark.alone, mark.bold, mark.ocr) == (
        "red",
        "header",
        True,
        True,
        False,
    )
    assert mark.font == "TinosBold"
    prose = only(doc.blocks, "mat khau")
    assert (prose.color, prose.part, prose.alone, prose.boxed) == ("", "body", False, False)
    # The two header columns on one baseline are two blocks, not one merged line.
    assert only(doc.blocks, "bo noi vu").text == "BỘ NỘI VỤ"
    assert only(doc.blocks, "cong hoa").text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def test_a_drawn_frame_around_a_short_line_is_boxed():
    doc = extract(fx.text_pdf("TỐI MẬT", boxed=True))
    assert only(doc.blocks, "toi mat").boxed is True
    assert only(extract(fx.text_pdf("TỐI MẬT")).blocks, "toi mat").boxed is False


@pytest.mark.parametrize(("font", "encoding"), [(".VnTimeH", "tcvn3"), ("VNI-Times", "vni")])
def test_legacy_font_names_are_kept_and_name_the_encoding(tmp_path, font, encoding):
    doc = extract(fx.legacy_font_pdf(tmp_path, font, "mËt"))
    legacy = next(b for b in doc.blocks if b.text == "mËt")
    assert (legacy.font, legacy.encoding) == (font, encoding)
    unicode_line = only(doc.blocks, "kinh gui")
    assert unicode_line.encoding == ""


def test_embedded_files_come_back_as_members():
    doc = extract(fx.pdf_with_attachment("bao-cao.txt", "TUYỆT MẬT".encode()))
    assert [(m.name, m.data.decode()) for m in doc.members] == [("bao-cao.txt", "TUYỆT MẬT")]


@needs_ocr
def test_scanned_page_is_ocrd_and_the_red_stamp_found_first():
    doc = extract(fx.scanned_pdf([fx.scanned_page("TỐI MẬT", noise=True)]))
    stamp = only([b for b in doc.blocks if b.part == "stamp"], "toi mat")
    assert (stamp.color, stamp.boxed, stamp.alone, stamp.ocr, stamp.location) == (
        "red",
        True,
        True,
        True,
        "trang 1",
    )
    body = [b for b in doc.blocks if b.part != "stamp"]
    assert all(b.ocr for b in body)
    # The stamp is not reported twice; the body was read too.
    assert not any("toi mat" in fx.fold(b.text) for b in body)
    assert "mat khau" in fx.fold(" ".join(b.text for b in body))


@needs_ocr
def test_red_stamp_pasted_as_an_image_on_a_typed_page_is_found():
    doc = extract(fx.text_pdf_with_stamp_image("TỐI MẬT"))
    assert any(not b.ocr for b in doc.blocks)  # the text layer was read as text
    stamp = only([b for b in doc.blocks if b.part == "stamp"], "toi mat")
    assert stamp.ocr and stamp.color == "red"


def test_text_page_without_red_images_makes_no_ocr_call(monkeypatch):
    def boom(*_a, **_k):
        raise AssertionError("tesseract must not run for a page with a text layer")

    monkeypatch.setattr(ocr, "_tesseract", boom)
    doc = extract(fx.text_pdf("TUYỆT MẬT", pages=3))
    assert doc.pages == 3


def test_scanned_page_without_ocr_is_an_error_not_clean():
    data = fx.scanned_pdf([fx.scanned_page(None)])
    with pytest.raises(ScanError, match="OCR"):
        extractor_for("pdf")(data, Context(ocr=None))


def test_ocr_page_limit(monkeypatch):
    monkeypatch.setattr(ocr, "ocr_image", lambda image, ctx=None, location="": [])
    data = fx.scanned_pdf([fx.scanned_page(None), fx.scanned_page(None)])
    with pytest.raises(LimitExceeded, match="OCR"):
        extract(data, max_ocr_pages=1)


def test_page_limit():
    with pytest.raises(LimitExceeded, match="5 trang"):
        extract(fx.blank_pdf(5), max_pages=3)


def test_time_limit():
    with pytest.raises(LimitExceeded, match="thời gian"):
        extract(fx.text_pdf(pages=2), seconds_per_file=0)


def test_text_limit():
    with pytest.raises(LimitExceeded, match="ký tự"):
        extract(fx.text_pdf(), max_text_chars=50)


def test_truncated_pdf_is_an_error():
    with pytest.raises(ScanError, match="cắt cụt"):
        extract(fx.truncated_pdf())


def test_garbage_with_a_pdf_header_is_an_error():
    with pytest.raises(ScanError, match="hỏng"):
        extract(b"%PDF-1.7\n" + b"\x00garbage" * 200 + b"\n%%EOF\n")


def test_password_protected_pdf_is_an_error():
    with pytest.raises(ScanError, match="được mã hóa"):
        extract(fx.encrypted_pdf())


def test_owner_password_only_pdf_is_read():
    # It opens without a password, so its text is readable and must be scanned.
    doc = extract(fx.owner_only_pdf())
    assert any(b.text == "TỐI MẬT" and not b.ocr for b in doc.blocks)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_fuzz_damaged_pdfs_give_a_document_or_a_scan_error(data):
    base = FUZZ_BASE
    n = data.draw(st.integers(1, 8))
    buf = bytearray(base)
    for _ in range(n):
        pos = data.draw(st.integers(0, len(buf) - 1))
        buf[pos] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        buf = buf[: data.draw(st.integers(1, len(buf)))]
    ctx = Context(ocr=lambda image: [Block(text="x", location="")])
    try:
        doc = extractor_for("pdf")(bytes(buf), ctx)
    except ScanError:
        return
    assert isinstance(doc, Document)


FUZZ_BASE = fx.text_pdf("TỐI MẬT", boxed=True)
