"""Catalogue phrases (YAML and CSV, with proximity rules) and the one-pass prefilter under them."""

from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bmnn.scan.detect import analyze, verdict
from bmnn.scan.detect.catalogue import Catalogue, parse_level
from bmnn.scan.extract import Context, extractor_for
from bmnn.scan.matcher import Matcher
from tests.scan.detect_fixtures import blk, scan
from tests.scan.pdf_fixtures import text_pdf

YAML = """\
items:
  - phrase: "Phương án bảo vệ mục tiêu"
    level: toi_mat
  - all: ["kế hoạch diễn tập", "khu vực A2"]
    within: 120
    level: Tuyệt mật
  - phrase: Sấm
    level: mat
  - phrase: "tọa độ trận địa"
    level: mat
    score: 0.9
"""

CSV = """phrase,level,within
Phương án bảo vệ mục tiêu,Tối mật,
kế hoạch diễn tập | khu vực A2,tuyet_mat,120
Sấm,mat,
"""


@pytest.fixture(params=["yaml", "csv"])
def catalogue(request, tmp_path):
    path = tmp_path / f"danh_muc.{request.param}"
    path.write_text(YAML if request.param == "yaml" else CSV, encoding="utf-8")
    return Catalogue.load(path)


def test_load_forms(catalogue):
    assert catalogue.items[0].phrases == ("phương án bảo vệ mục tiêu",)
    assert catalogue.items[0].level == "toi_mat"
    assert catalogue.items[1].phrases == ("kế hoạch diễn tập", "khu vực a2")
    assert (catalogue.items[1].within, catalogue.items[1].level) == (120, "tuyet_mat")


def test_phrase_in_running_text(catalogue):
    v, level, _score, findings = scan(
        blk("Đơn vị đã xây dựng phương án bảo vệ mục tiêu trọng điểm năm 2026."),
        catalogue=catalogue,
    )
    assert (v, level) == ("secret", "toi_mat")
    f = findings[0]
    assert f.rule == "catalogue" and f.text == "phương án bảo vệ mục tiêu" and f.score == 0.85
    assert "danh mục" in f.explanation


def test_phrase_without_diacritics_matches_folded(catalogue):
    v, level, _s, findings = scan(blk("Gui kem phuong an bao ve muc tieu"), catalogue=catalogue)
    assert (v, level) == ("secret", "toi_mat")
    assert findings[0].score == 0.75 and "bỏ dấu" in findings[0].explanation


def test_one_syllable_phrase_needs_its_diacritics(catalogue):
    assert scan(blk("Chiến dịch Sấm bắt đầu"), catalogue=catalogue)[:2] == ("secret", "mat")
    # "sam"/"sâm"/"sắm" are other words: a one-syllable phrase never matches folded.
    assert scan(blk("mua sắm, nhân sâm, chiến dịch Sam"), catalogue=catalogue)[:2] == (
        "clean",
        None,
    )


def test_whole_words_only(catalogue):
    assert scan(blk("Sấmxyz"), catalogue=catalogue)[0] == "clean"


def test_tone_placement_and_case_do_not_matter(tmp_path):
    cat = Catalogue.from_items([("kế hoạch hoà giải", "mat")])
    assert scan(blk("KẾ HOẠCH HÒA GIẢI"), catalogue=cat)[:2] == ("secret", "mat")
    assert scan(blk("Kế hoạch hoà giải"), catalogue=cat)[:2] == ("secret", "mat")


def test_proximity_within(catalogue):
    near = blk("Kế hoạch diễn tập được tổ chức tại khu vực A2 vào tháng 3.")
    v, level, _s, findings = scan(near, catalogue=catalogue)
    assert (v, level) == ("secret", "tuyet_mat")
    f = next(f for f in findings if f.rule == "catalogue")
    assert "kế hoạch diễn tập" in f.text.lower() and "khu vực a2" in f.text.lower()


def test_proximity_too_far(catalogue):
    far = blk("Kế hoạch diễn tập " + "nội dung không liên quan " * 10 + "khu vực A2")
    assert scan(far, catalogue=catalogue)[:2] == ("clean", None)


def test_proximity_needs_every_phrase(catalogue):
    assert scan(blk("Kế hoạch diễn tập mùa xuân"), catalogue=catalogue)[0] == "clean"


def test_proximity_across_blocks(catalogue):
    v, level, _s, _f = scan(blk("Kế hoạch diễn tập"), blk("khu vực A2"), catalogue=catalogue)
    assert (v, level) == ("secret", "tuyet_mat")


# --- phrases wrapped over lines (PDF text layers and OCR give one block per line) ------------

WRAP = Catalogue.from_items([("phòng thủ biên giới", "toi_mat")])


def test_phrase_wrapped_over_two_lines_of_a_real_pdf():
    body = ["Đơn vị đã xây dựng kế hoạch phòng thủ", "biên giới năm 2026 theo chỉ đạo."]
    doc = extractor_for("pdf")(text_pdf(None, body=body), Context())
    # the extractor gives one block per line: the phrase is split between two blocks
    assert [b.text for b in doc.blocks if b.text in body] == body
    findings = analyze(doc.blocks, catalogue=WRAP)
    assert verdict(findings)[:2] == ("secret", "toi_mat")
    (f,) = findings
    assert (f.rule, f.text, f.location, f.score) == (
        "catalogue",
        "phòng thủ biên giới",
        "trang 1",
        0.85,
    )
    assert "ngắt xuống dòng" in f.explanation


def test_phrase_wrapped_inside_one_block_and_over_several_blocks():
    assert scan(blk("kế hoạch phòng thủ\nbiên giới"), catalogue=WRAP)[:2] == ("secret", "toi_mat")
    three = (blk("kế hoạch phòng"), blk("thủ"), blk("BIÊN GIỚI phía bắc"))
    v, level, _s, findings = scan(*three, catalogue=WRAP)
    assert (v, level, findings[0].location) == ("secret", "toi_mat", "đoạn 1")
    # on one line the finding reads as before, without the line-break note
    f = scan(blk("kế hoạch phòng thủ biên giới"), catalogue=WRAP)[3][0]
    assert "ngắt xuống dòng" not in f.explanation


def test_wrapped_phrase_without_diacritics_in_ocr_lines():
    lines = (blk("ke hoach phong thu", ocr=True), blk("bien gioi 2026", ocr=True))
    v, level, _s, findings = scan(*lines, catalogue=WRAP)
    assert (v, level, findings[0].score) == ("secret", "toi_mat", 0.75)
    # folded only where every line is OCR or typed without diacritics: a line with its
    # diacritics ("biên giới" written "bien giơi") is not this phrase
    mixed = (blk("ke hoach phong thu", ocr=True), blk("bien giơi năm nay"))
    assert scan(*mixed, catalogue=WRAP)[0] == "clean"


def test_wrapped_phrase_still_needs_whole_words():
    assert scan(blk("kế hoạch phòng thủ"), blk("biên giớix"), catalogue=WRAP)[0] == "clean"
    assert scan(blk("phòng thủ"), blk("x biên giới"), catalogue=WRAP)[0] == "clean"


def test_proximity_rule_with_a_wrapped_phrase(catalogue):
    v, level, _s, _f = scan(
        blk("Kế hoạch diễn"), blk("tập năm nay tại khu vực"), blk("A2"), catalogue=catalogue
    )
    assert (v, level) == ("secret", "tuyet_mat")


def test_custom_score(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(YAML, encoding="utf-8")
    cat = Catalogue.load(path)
    f = scan(blk("Tọa độ trận địa pháo"), catalogue=cat)[3][0]
    assert (f.level, f.score) == ("mat", 0.9)


def test_catalogue_and_marks_together(catalogue):
    v, level, _s, findings = scan(blk("MẬT"), blk("Phương án bảo vệ mục tiêu"), catalogue=catalogue)
    assert (v, level) == ("secret", "toi_mat")
    assert {f.rule for f in findings} == {"mark.level", "catalogue"}


def test_declassified_stamp_does_not_hide_catalogue_content(catalogue):
    v, level, _s, _f = scan(
        blk("GIẢI MẬT", boxed=True), blk("Phương án bảo vệ mục tiêu"), catalogue=catalogue
    )
    assert (v, level) == ("secret", "toi_mat")


def test_from_items_and_levels():
    cat = Catalogue.from_items([("A", "Tuyệt mật"), ("b c", "TOI_MAT"), ("d e", "mật")])
    assert [i.level for i in cat.items] == ["tuyet_mat", "toi_mat", "mat"]
    assert parse_level("Tối Mật") == "toi_mat"
    with pytest.raises(ValueError):
        parse_level("confidential")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bad.yaml", "- phrase: x\n  level: secret\n"),
        ("bad2.yaml", "- phrase: x\n"),
        ("bad3.yaml", "- all: [a, b]\n  within: -5\n  level: mat\n"),
        ("bad4.yaml", "just text"),
        ("bad5.yaml", "- [unclosed\n"),
        ("bad.csv", "text,level\nx,mat\n"),
        ("bad2.csv", "phrase,level\nx,nope\n"),
        ("bad3.csv", "phrase,level\n,mat\n"),
        ("bad.json", "[]"),
    ],
)
def test_bad_files_are_refused(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError):
        Catalogue.load(path)


def test_csv_semicolon_and_bom(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes("\ufeffphrase;level\nmục tiêu X9;mat\n".encode())
    cat = Catalogue.load(path)
    assert scan(blk("Bảo vệ mục tiêu X9"), catalogue=cat)[:2] == ("secret", "mat")


def test_thousand_phrases():
    random.seed(5)
    words = "an ninh quốc phòng kế hoạch mục tiêu phương án lực lượng địa bàn trọng điểm".split()  # noqa: SIM905
    pairs = [(" ".join(random.sample(words, 3)) + f" k{i}", "mat") for i in range(1000)]
    cat = Catalogue.from_items(pairs)
    text = "Nội dung: " + pairs[777][0].upper() + " và " + pairs[3][0]
    v, level, _s, findings = scan(blk(text), catalogue=cat)
    assert (v, level) == ("secret", "mat")
    assert sorted(f.text.lower() for f in findings) == sorted([pairs[777][0], pairs[3][0]])


# --- the prefilter -------------------------------------------------------------------------

try:
    import hyperscan  # noqa: F401

    BACKENDS = ["hyperscan", "ahocorasick"]
except ImportError:  # the fallback alone must still pass
    BACKENDS = ["ahocorasick"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_matcher_vietnamese_case(backend):
    lower = "aăâeêioôơuưyđ àáảãạ ằắẳẵặ ầấẩẫậ ềếểễệ ồốổỗộ ờớởỡợ ừứửữự ỳýỷỹỵ"
    m = Matcher([lower], backend=backend)
    assert m.find("x " + lower.upper()) == [(0, 2, 2 + len(lower))]


@pytest.mark.parametrize("backend", BACKENDS)
def test_matcher_overlapping(backend):
    m = Matcher(["tuyệt mật", "mật", "mật"], backend=backend)
    hits = sorted(m.find("TUYỆT MẬT"))
    assert hits == [(0, 0, 9), (1, 6, 9), (2, 6, 9)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_matcher_line_keys(backend):
    m = Matcher(["bí mật"], ["mật"], reach=20, backend=backend)
    text = "MẬT\n" + "x" * 30 + " bí mật " + "y" * 30 + "\nok mật"
    hits = sorted(m.find(text), key=lambda h: h[1])
    # The plain key counts anywhere; the line key only on short lines.
    assert [(i, text[s:e]) for i, s, e in hits] == [(1, "MẬT"), (0, "bí mật"), (1, "mật")]


# A plain key with a space (it also matches a line break) and keys with letters whose cases
# are odd ("ı", whose upper case "I" lowers to "i") or share Hyperscan's byte classes ("ẍ").
_ARGS = (["ab", "mật", "đ", "ab mật", "ẍ", "ı"], ["mật", "tuyệt mật"])
_PAIR = [Matcher(*_ARGS, reach=40, backend=b) for b in BACKENDS]


@pytest.mark.skipif(len(BACKENDS) < 2, reason="hyperscan is not installed")
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        # "\ud83d": a lone surrogate half (an extractor's broken emoji) must not shift offsets.
        st.sampled_from(
            [
                *("mật", "MẬT", " ", "\n", "x" * 30, "tuyệt mật", "ab", "Đ", "İ", "\ud83d"),
                *("ẍ", "Ẍ", "ı", "I"),
            ]
        ),
        max_size=25,
    ).map("".join)
)
def test_backends_agree(text):
    a, b = (sorted(m.find(text)) for m in _PAIR)
    assert a == b


@pytest.mark.parametrize("backend", BACKENDS)
def test_matcher_space_matches_a_line_break_in_plain_keys_only(backend):
    m = Matcher(["phòng thủ biên giới"], ["tuyệt mật"], backend=backend)
    text = "PHÒNG THỦ\nBIÊN GIỚI\nTUYỆT\nMẬT\nTUYỆT MẬT"
    hits = [(i, text[s:e]) for i, s, e in m.find(text)]
    # the phrase across the break; the mark only where it is on one line
    assert hits == [(0, "PHÒNG THỦ\nBIÊN GIỚI"), (1, "TUYỆT MẬT")]
    assert m.find("phòng thủ\n\nbiên giới") == []  # one break stands for one space


@pytest.mark.parametrize("backend", BACKENDS)
def test_matcher_other_letters_of_a_merged_byte_class_do_not_match(backend):
    # "ẍ" (E1 BA 8D) differs from "ậ" (E1 BA AD) only in a byte that Hyperscan's map folds;
    # with every Vietnamese letter and "ẍ" itself among the keys, all their classes are merged.
    vietnamese = "aăâeêioôơuưyđ àáảãạ ằắẳẵặ ầấẩẫậ ềếểễệ ồốổỗộ ờớởỡợ ừứửữự ỳýỷỹỵ"
    m = Matcher(["mật", vietnamese, "ẍ"], ["mật"], backend=backend)
    text = "mẍt MẌT Mẍt mẌt"
    assert [(k, text[s:e]) for k, s, e in m.find(text)] == [(2, "ẍ"), (2, "Ẍ"), (2, "ẍ"), (2, "Ẍ")]
    assert [k for k, _s, _e in m.find("mẍt\nMẬT")] == [2, 0, 3]  # "ẍ", then "MẬT" twice


@pytest.mark.parametrize("backend", BACKENDS)
def test_matcher_case_is_a_one_character_round_trip(backend):
    # A text letter matches a key letter when it is that letter or its upper case lowering
    # back to it: "I" lowers to "i", not "ı"; "İ" lowers to two characters; the Kelvin sign
    # lowers to "k" but is not the upper case of "k"; a word-final "Σ" still matches "σ";
    # "ß" has no one-letter upper case ("ẞ" lowers to it, but "ß".upper() is "SS").
    m = Matcher(["ı", "i", "k", "σ", "ς", "ß"], backend=backend)
    text = "I ı \u0130 \u212a k Σ ΟΣ ς \u1e9e ß"
    assert [(i, text[s:e]) for i, s, e in m.find(text)] == [
        (1, "I"),
        (0, "ı"),
        (2, "k"),
        (3, "Σ"),
        (3, "Σ"),
        (4, "ς"),
        (5, "ß"),
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_matcher_pickles(backend):
    m = Matcher(["kế hoạch"], ["mật"], backend=backend)
    clone = pickle.loads(pickle.dumps(m))  # noqa: S301 - our own object, in memory
    assert clone.find("Kế hoạch\nMẬT") == m.find("Kế hoạch\nMẬT") == [(0, 0, 8), (1, 9, 12)]


def test_matcher_refuses_bad_keys():
    with pytest.raises(ValueError):
        Matcher([""])
    with pytest.raises(ValueError):
        Matcher(["a\nb"])
    assert Matcher([]).find("anything") == []
