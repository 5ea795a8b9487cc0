"""OCR (tesseract + vie) and the image extractor: red stamps found and read first, the whole page
read after, images decoded within the pixel limit, fail closed without OCR."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bmnn.scan import ocr
from bmnn.scan.extract import Context, extractor_for
from bmnn.scan.limits import Limits
from bmnn.scan.model import Block, LimitExceeded, ScanError
from tests.scan import pdf_fixtures as fx

needs_ocr = pytest.mark.skipif(
    not ocr.available(), reason="tesseract-ocr + tesseract-ocr-vie are not installed"
)


def extract(data: bytes, **limits):
    kind = __import__("bmnn.scan.sniff", fromlist=["sniff"]).sniff(data)
    return extractor_for(kind)(data, Context(limits=Limits(**limits), ocr=ocr.make_ocr()))


@functools.cache
def page(stamp="TỐI MẬT", xy=(22, 32), noise=False):
    return fx.scanned_page(stamp, stamp_xy_mm=xy, noise=noise)


def test_red_regions_are_found_where_the_stamp_is():
    px = 200 / 25.4
    for xy in ((22, 32), (120, 150)):
        regions = ocr.find_red_regions(np.asarray(page(xy=xy, noise=True)))
        assert len(regions) == 1
        left, top, right, bottom = regions[0]
        assert left <= xy[0] * px <= right and top <= xy[1] * px + 10 <= bottom


def test_no_red_region_on_a_black_page_or_in_speckle():
    assert ocr.find_red_regions(np.asarray(page(None))) == []
    assert ocr.find_red_regions(np.asarray(page(None, noise=True))) == []


def test_tsv_words_are_grouped_into_lines():
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t91.5\tTỐI\n"
        "5\t1\t1\t1\t1\t2\t45\t21\t40\t12\t88.5\tMẬT\n"
        "4\t1\t1\t1\t2\t0\t10\t50\t300\t12\t-1\t\n"
        "5\t1\t1\t1\t2\t1\t10\t50\t60\t12\t70\tKính\n"
    )
    lines = ocr._parse_tsv(tsv)
    assert [(ln.text, ln.left, ln.right, ln.conf) for ln in lines] == [
        ("TỐI MẬT", 10, 85, 90.0),
        ("Kính", 10, 70, 70.0),
    ]


@needs_ocr
def test_ocr_reads_the_stamp_as_a_red_boxed_stamp_and_the_page_after():
    blocks = ocr.ocr_image(page(noise=True), location="ảnh")
    stamps = [b for b in blocks if b.part == "stamp"]
    assert len(stamps) == 1
    stamp = stamps[0]
    assert "toi mat" in fx.fold(stamp.text)
    assert (stamp.color, stamp.boxed, stamp.alone, stamp.ocr, stamp.location) == (
        "red",
        True,
        True,
        True,
        "ảnh",
    )
    others = [b for b in blocks if b.part != "stamp"]
    text = fx.fold(" ".join(b.text for b in others))
    assert "mat khau" in text and "bo noi vu" in text
    number = next(b for b in others if "bnv" in fx.fold(b.text))
    assert number.part == "header" and number.alone
    prose = next(b for b in others if "mat khau" in fx.fold(b.text))
    assert prose.part == "body" and not prose.alone and prose.color == ""


@needs_ocr
@pytest.mark.parametrize(
    ("fmt", "mark", "xy"),
    [("PNG", "TỐI MẬT", (22, 32)), ("JPEG", "TUYỆT MẬT", (120, 150)), ("TIFF", "MẬT", (22, 32))],
)
def test_image_files_are_ocrd_with_their_stamp(fmt, mark, xy):
    data = fx.image_bytes(page(mark, xy), fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    doc = extract(data)
    stamps = [b for b in doc.blocks if b.part == "stamp"]
    assert [fx.fold(b.text) for b in stamps] == [fx.fold(mark)]
    assert stamps[0].location == "ảnh"


@needs_ocr
def test_every_tiff_page_is_read_and_counted():
    data = fx.multipage_tiff([page(None), page("TUYỆT MẬT", (120, 150))])
    doc = extract(data)
    assert doc.pages == 2
    stamp = next(b for b in doc.blocks if b.part == "stamp")
    assert fx.fold(stamp.text) == "tuyet mat" and stamp.location == "trang 2"
    assert any(b.location == "trang 1" and "mat khau" in fx.fold(b.text) for b in doc.blocks)


def test_tiff_pages_beyond_the_ocr_limit_are_an_error():
    small = fx.scanned_page(None, dpi=30)
    with pytest.raises(LimitExceeded, match="3 trang"):
        extract(fx.multipage_tiff([small, small, small]), max_ocr_pages=2)


def test_pixel_bomb_is_refused_from_its_header(monkeypatch):
    monkeypatch.setattr(ocr, "_tesseract", lambda *a, **k: pytest.fail("no OCR of a bomb"))
    with pytest.raises(LimitExceeded, match="điểm ảnh"):
        extract(fx.png_bomb_header())
    # Just past the configured limit is refused too, not only past Pillow's 2× margin.
    with pytest.raises(LimitExceeded, match="điểm ảnh"):
        extract(fx.png_bomb_header(1001, 1000), max_pixels=1_000_000)


def test_truncated_image_is_an_error():
    data = fx.image_bytes(fx.scanned_page("MẬT", dpi=60), "PNG")
    with pytest.raises(ScanError, match="hỏng"):
        extract(data[: len(data) // 2])


def test_image_without_ocr_is_an_error_not_clean():
    data = fx.image_bytes(fx.scanned_page("MẬT", dpi=60), "PNG")
    with pytest.raises(ScanError, match="OCR"):
        extractor_for("png")(data, Context(ocr=None))


def test_a_plain_ocr_callable_in_the_context_is_used_and_located():
    seen = []

    def engine(image):
        seen.append(image.size)
        return [Block(text="TỐI MẬT", location="", part="stamp", ocr=True)]

    data = fx.multipage_tiff([fx.scanned_page(None, dpi=40)] * 2)
    doc = extractor_for("tiff")(data, Context(ocr=engine))
    assert len(seen) == 2
    assert [b.location for b in doc.blocks] == ["trang 1", "trang 2"]


def test_without_tesseract_there_is_no_ocr_hook_and_ocr_fails_closed(monkeypatch):
    monkeypatch.setattr(ocr, "TESSERACT", None)
    ocr._languages.cache_clear()
    try:
        assert ocr.available() is False
        assert ocr.make_ocr() is None
        with pytest.raises(ScanError, match="tesseract"):
            ocr.ocr_image(fx.scanned_page(None, dpi=40))
    finally:
        monkeypatch.undo()
        ocr._languages.cache_clear()


@needs_ocr
def test_ocr_respects_the_file_time_limit():
    ctx = Context(limits=Limits(seconds_per_file=0.001), ocr=ocr.make_ocr())
    with pytest.raises(LimitExceeded, match="thời gian"):
        ocr.ocr_image(page(), ctx)


@needs_ocr
def test_make_ocr_gives_a_working_context_hook():
    engine = ocr.make_ocr()
    assert engine is not None
    blocks = engine(fx.stamp_image("TUYỆT MẬT"))
    assert [fx.fold(b.text) for b in blocks if b.part == "stamp"] == ["tuyet mat"]


FUZZ_PNG = fx.image_bytes(fx.scanned_page("MẬT", dpi=30), "PNG")


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_fuzz_damaged_images_give_a_document_or_a_scan_error(data):
    buf = bytearray(FUZZ_PNG)
    for _ in range(data.draw(st.integers(1, 8))):
        buf[data.draw(st.integers(0, len(buf) - 1))] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        buf = buf[: data.draw(st.integers(8, len(buf)))]
    ctx = Context(limits=Limits(max_pixels=2_000_000), ocr=lambda image: [])
    try:
        doc = extractor_for("png")(bytes(buf), ctx)
    except ScanError:
        return
    assert doc.pages == 1
