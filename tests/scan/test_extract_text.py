"""RTF, HTML and plain-text extractors on files written here, and a fuzz test."""

from __future__ import annotations

import contextlib
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmnn.scan.extract import Context, extractor_for
from bmnn.scan.extract.html import html_links
from bmnn.scan.extract.text import color_hint, decode_text
from bmnn.scan.limits import Limits
from bmnn.scan.model import LimitExceeded, ScanError
from bmnn.scan.sniff import sniff
from tests.scan import office_fixtures as F

_TONES = {0x300, 0x301, 0x303, 0x309, 0x323}


def cp1258(text: str) -> bytes:
    """Encode as Windows-1258 writes Vietnamese: base letters precomposed, tones combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if ord(c) not in _TONES))
        tones = "".join(c for c in parts if ord(c) in _TONES)
        out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def run(kind: str, data: bytes, **limits):
    return extractor_for(kind)(data, Context(limits=Limits(**limits), name=f"t.{kind}"))


def by_text(doc) -> dict:
    return {b.text: b for b in doc.blocks}


# ---------------------------------------------------------------------------------- RTF


def test_rtf_text_fonts_colours_parts_and_skipped_destinations():
    assert sniff(F.RTF_SAMPLE) == "rtf"
    doc = run("rtf", F.RTF_SAMPLE)
    blocks = by_text(doc)
    mark = blocks["MẬT"]  # \u7852 with its ? replacement skipped
    assert (mark.bold, mark.color, mark.font, mark.part, mark.alone) == (
        "True" == "True",
        "red",
        "Times New Roman",
        "body",
        True,
    )
    assert blocks["mËt"].font == ".VnTimeH"  # \'cb in cp1252 is Ë, the TCVN3 code
    assert blocks["tµi liÖu"].font == ".VnTime"
    assert blocks["ĐẦU TRANG"].part == "header"
    assert "Căn cứ Luật nghị € euro" in blocks  # \uc2 skips two; bookmark and picture skipped
    art = blocks["TỐI MẬT"]
    assert (art.part, art.boxed) == ("textbox", True)  # WordArt text of a shape
    assert blocks["Trong hộp"].part == "textbox"
    assert blocks["Chú thích"].part == "note"
    assert blocks["Kết quả"].part == "body"  # an object's result text, never its data
    assert blocks["Ô1"].part == "table"
    assert blocks["Báo cáo"].part == "metadata"
    everything = " ".join(blocks)
    for hidden in ("89504e47", "0105000002", "HYPERLINK", "X"):
        assert hidden not in everything.split() and hidden not in everything


def test_rtf_code_pages_and_binary_data():
    data = (
        rb"{\rtf1\ansi\ansicpg1258{\fonttbl{\f0\fcharset163 Times New Roman;}}"
        rb"\f0 M\'c2\'ccT\par {\bin6 " + b"\x00{}\\}\xff" + rb"}sau\par}"
    )
    blocks = by_text(run("rtf", data))
    assert "MẦT" in {unicodedata.normalize("NFC", t) for t in blocks}  # cp1258 + combining tone
    assert "sau" in blocks


def test_rtf_surrogate_halves_are_paired_and_lone_ones_dropped():
    # \u-10179 \u-8704 is U+1F600 written as its two UTF-16 halves; \u-10179 alone is half
    # of nothing, and left in it would shift the matcher's offsets.
    data = rb"{\rtf1\ansi c\u-10179?\u-8704?x\par l\u-10179?o\par}"
    assert set(by_text(run("rtf", data))) == {"c\U0001f600x", "lo"}


@pytest.mark.parametrize(
    "data",
    [
        rb"{\rtf1\ansi M\u7852?T\par",  # truncated: groups never closed
        b"plain text, not rtf",
        b"{\\rtf1 " + b"{" * 600 + b"x" + b"}" * 601,  # nesting bomb
    ],
)
def test_rtf_broken_files_are_scan_errors(data):
    with pytest.raises(ScanError):
        run("rtf", data)


def test_rtf_text_limit():
    with pytest.raises(LimitExceeded):
        run("rtf", F.RTF_SAMPLE, max_text_chars=10)


# ---------------------------------------------------------------------------------- HTML


def test_html_blocks_hints_metadata_and_no_scripts():
    data = F.HTML_SAMPLE.encode()
    assert sniff(data) == "html"
    doc = run("html", data)
    blocks = by_text(doc)
    assert blocks["Cổng thông tin"].part == "metadata"
    assert blocks["Mô tả trang"].part == "metadata"
    mark = blocks["MẬT"]  # "M" + <span>ẬT</span> joined
    assert (mark.color, mark.bold, mark.alone, mark.part) == ("red", True, True, "body")
    legacy = blocks["mËt"]
    assert (legacy.font, legacy.color) == (".VnTimeH", "red")
    assert "dòng sau" in blocks  # <br> ends a line
    assert blocks["Bộ Công an"].part == "header"
    assert blocks["Chân trang"].part == "footer"
    cell = blocks["TỐI MẬT"]
    assert (cell.part, cell.boxed) == ("table", True)  # a one-cell table is a box
    assert blocks["a"].boxed is False
    about = next(t for t in blocks if t.startswith("Văn bản nói về"))
    assert blocks[about].alone is False
    assert not any("script" in t or "không chạy" in t or "color: red" in t for t in blocks)


def test_html_links_and_declared_charset():
    assert html_links(F.HTML_SAMPLE.encode()) == ["files/bao-cao.docx", "embed.html"]
    page = b'<html><head><meta charset="windows-1258"></head><body><p>' + cp1258("TỐI MẬT")
    blocks = by_text(run("html", page + b"</p></body></html>"))
    assert "TỐI MẬT" in {unicodedata.normalize("NFC", t) for t in blocks}


# ---------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    "data",
    [
        "MẬT\nNội dung văn bản dài hơn bốn mươi ký tự để không đứng riêng\n".encode(),
        b"\xef\xbb\xbf"
        + "MẬT\r\nNội dung văn bản dài hơn bốn mươi ký tự để không đứng riêng".encode(),
        "MẬT\nNội dung văn bản dài hơn bốn mươi ký tự để không đứng riêng".encode("utf-16"),
        cp1258("MẬT\nNội dung văn bản dài hơn bốn mươi ký tự để không đứng riêng"),
    ],
)
def test_text_encodings_and_lines(data):
    doc = run("text", data)
    texts = [unicodedata.normalize("NFC", b.text) for b in doc.blocks]
    assert texts[0] == "MẬT" and doc.blocks[0].alone and doc.blocks[0].location == "dòng 1"
    assert texts[1].startswith("Nội dung") and not doc.blocks[1].alone


def test_text_legacy_bytes_stay_as_the_decoder_expects():
    # TCVN3 "mËt tµi liÖu" and VNI "maät" saved as bytes: cp1252 characters, not cp1258
    assert decode_text(b"m\xcbt t\xb5i li\xd6u") == "mËt tµi liÖu"
    assert decode_text(b"ma\xe4t") == "maät"
    assert decode_text(b"x\x81y") == "x\x81y"  # undefined in cp1252: kept, not dropped


def test_text_limit():
    with pytest.raises(LimitExceeded):
        run("text", b"a" * 100, max_text_chars=50)


def test_color_hint():
    assert [color_hint(c) for c in ("FF0000", "#f00", "C00000", "red", "rgb(200, 10, 0)")] == [
        "red"
    ] * 5
    assert color_hint("FFFF0000") == "red"  # ARGB
    assert color_hint("000000") == "000000"
    assert color_hint("auto") == ""


# ---------------------------------------------------------------------------------- fuzzing

_TEXT_SAMPLES = {"rtf": F.RTF_SAMPLE, "html": F.HTML_SAMPLE.encode(), "text": cp1258("MẬT\nx")}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(_TEXT_SAMPLES)), data=st.data())
def test_fuzz_text_extractors_raise_only_scan_error(kind, data):
    if data.draw(st.booleans()):
        blob = data.draw(st.binary(max_size=3000))
        if kind == "rtf" and data.draw(st.booleans()):
            blob = b"{\\rtf1 " + blob
    else:
        blob = bytearray(_TEXT_SAMPLES[kind])
        for _ in range(data.draw(st.integers(1, 10))):
            if not blob:
                break
            pos = data.draw(st.integers(0, len(blob) - 1))
            op = data.draw(st.sampled_from(["set", "del", "ins"]))
            if op == "set":
                blob[pos] = data.draw(st.integers(0, 255))
            elif op == "del":
                del blob[pos : pos + data.draw(st.integers(1, 30))]
            else:
                blob[pos:pos] = data.draw(
                    st.sampled_from([b"{", b"}", b"\\", b"\\u-1", b"\\'", b"\\bin99999 ", b"\\uc9",
                                     b"<", b"<div>", b"</td>", b"&#0;", b"\\*\\", b"\x00", b"\xff"])
                )  # fmt: skip
        blob = bytes(blob)
    with contextlib.suppress(ScanError):
        run(kind, blob)
