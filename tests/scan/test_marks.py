"""Secrecy marks: a table of stamps and typed marks that must be found, and of texts that name
the levels, other meanings of "mật", declassified and blank documents that must not be."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmnn.scan.detect import SECRET_THRESHOLD, analyze, verdict
from bmnn.scan.encodings import unicode_to_tcvn3, unicode_to_vni
from bmnn.scan.extract import Context, extractor_for
from bmnn.scan.model import Block, Finding
from tests.scan.detect_fixtures import blk, scan, secret_rules
from tests.scan.pdf_fixtures import text_pdf

NFD = unicodedata.normalize("NFD", "TỐI MẬT")
SECRET = [
    # (id, blocks, level, rule)
    ("alone", [blk("TUYỆT MẬT")], "tuyet_mat", "mark.level"),
    ("header", [blk("TỐI MẬT", part="header")], "toi_mat", "mark.level"),
    ("red", [blk("MẬT", color="red")], "mat", "mark.level"),
    ("red-hex", [blk("MẬT", color="FF0000")], "mat", "mark.level"),
    ("boxed-stamp", [blk("MẬT", boxed=True, part="stamp")], "mat", "mark.level"),
    ("title-case-alone", [blk("Mật", alone=True)], "mat", "mark.level"),
    ("near-docnum", [blk("MẬT"), blk("Số: 12/BC-CAT")], "mat", "mark.level"),
    ("with-urgency", [blk("TUYỆT MẬT - HỎA TỐC")], "tuyet_mat", "mark.level"),
    ("khan-mat", [blk("KHẨN, MẬT")], "mat", "mark.level"),
    ("mixed-case", [blk("Tuyệt Mật")], "tuyet_mat", "mark.level"),
    ("tab-column", [blk("BỘ CÔNG AN\tTUYỆT MẬT")], "tuyet_mat", "mark.level"),
    ("wide-gap", [blk("UBND TỈNH HÀ GIANG     TỐI MẬT")], "toi_mat", "mark.level"),
    ("header-line", [blk("Số: 15/KH-BCA MẬT", part="header")], "mat", "mark.level"),
    ("ocr-tuyet", [blk("TUYET MAT", ocr=True)], "tuyet_mat", "mark.level"),
    ("ocr-toi-partial", [blk("TOI MẠT", ocr=True)], "toi_mat", "mark.level"),
    ("ocr-mat-boxed", [blk("MAT", ocr=True, boxed=True)], "mat", "mark.level"),
    ("ocr-mat-red", [blk("MAT", ocr=True, color="#d01010")], "mat", "mark.level"),
    ("ocr-exact", [blk("TỐI MẬT", ocr=True, color="red")], "toi_mat", "mark.level"),
    ("spaced", [blk("M Ậ T")], "mat", "mark.level"),
    ("spaced-words", [blk("T U Y Ệ T   M Ậ T")], "tuyet_mat", "mark.level"),
    ("spaced-run", [blk("T U Y Ệ T M Ậ T")], "tuyet_mat", "mark.level"),
    ("nfd", [blk(NFD)], "toi_mat", "mark.level"),
    ("runs-concatenated", [blk("TUY" + "ỆT M" + "ẬT")], "tuyet_mat", "mark.level"),
    ("vntimeh-mat", [blk("mËt", font=".VnTimeH")], "mat", "mark.level"),
    ("vntimeh-tuyet", [blk("tuyÖt mËt", font=".VnTimeH")], "tuyet_mat", "mark.level"),
    ("vnarialh", [blk(unicode_to_tcvn3("tối mật"), font=".VnArialH")], "toi_mat", "mark.level"),
    ("vntime-doc", [blk("tµi liÖu mËt", font=".VnTimeH")], "mat", "mark.level"),
    ("tcvn3-by-extractor", [blk("TuyÖt mËt", encoding="tcvn3")], "tuyet_mat", "mark.level"),
    ("vni-upper", [blk(unicode_to_vni("MẬT"), font="VNI-Times")], "mat", "mark.level"),
    ("vni-lower", [blk("Toái maät", font="VNI-Helve")], "toi_mat", "mark.level"),
    ("label-filled", [blk("Độ mật: Tối mật")], "toi_mat", "mark.level"),
    ("label-mat", [blk("Độ mật: Mật")], "mat", "mark.level"),
    ("kind-line", [blk("TÀI LIỆU MẬT")], "mat", "mark.level"),
    ("highest", [blk("MẬT"), blk("nội dung"), blk("TUYỆT MẬT", part="header")], "tuyet_mat", None),
    ("copy-number", [blk("BẢN SAO SỐ: 02")], None, "mark.copy"),
    ("copy-x-of-y", [blk("Bản số: 03/05")], None, "mark.copy"),
    ("sao-bmnn", [blk("SAO BMNN", boxed=True)], None, "mark.copy"),
    ("recall", [blk("TÀI LIỆU THU HỒI")], None, "mark.recall"),
    ("recall-red", [blk("Tài liệu thu hồi", color="red", boxed=True)], None, "mark.recall"),
    (
        "named-envelope",
        [blk("CHỈ NGƯỜI CÓ TÊN MỚI ĐƯỢC BÓC BÌ")],
        None,
        "mark.named_envelope",
    ),
    (
        "letter-a",
        [blk("A", boxed=True, color="red"), blk("Chỉ người có tên mới được bóc bì")],
        "tuyet_mat",
        "mark.envelope_letter",
    ),
    (
        "letter-b",
        [blk("Phong bì số 3"), blk("B", part="stamp", alone=True)],
        "toi_mat",
        "mark.envelope_letter",
    ),
    (
        "letter-c",
        [blk("C", boxed=True, color="red"), blk("Ngoài bì ghi số, ký hiệu")],
        "mat",
        "mark.envelope_letter",
    ),
    (
        "mention-of-declass-is-not-stamp",
        [blk("Việc giải mật tài liệu được thực hiện theo quy định của luật"), blk("MẬT")],
        "mat",
        "mark.level",
    ),
    (
        "adjusted-does-not-supersede",
        [blk("ĐIỀU CHỈNH ĐỘ MẬT", boxed=True), blk("TỐI MẬT")],
        "toi_mat",
        "mark.level",
    ),
]

CLEAN = [
    (
        "law-three-levels",
        [blk("Bí mật nhà nước được phân loại theo 3 độ: Tuyệt mật, Tối mật và Mật.")],
    ),
    ("law-short", [blk("3 độ: Tuyệt mật, Tối mật và Mật")]),
    ("law-level-of", [blk("Danh mục bí mật nhà nước độ Tối mật của Bộ Quốc phòng")]),
    ("law-title-caps", [blk("DANH MỤC BÍ MẬT NHÀ NƯỚC ĐỘ TUYỆT MẬT", part="title")]),
    (
        "law-stamp-quote",
        [blk('Văn bản phải đóng dấu "TỐI MẬT" ở phía trên, bên trái của trang đầu.')],
    ),
    ("law-dau", [blk("Dấu TUYỆT MẬT")]),
    ("law-named", [blk('đóng dấu "Chỉ người có tên mới được bóc bì" ngoài bì')]),
    ("law-recall", [blk('Mẫu dấu "Tài liệu thu hồi"')]),
    ("law-copy", [blk("Dấu BẢN SAO SỐ dùng cho bản sao tài liệu bí mật nhà nước")]),
    ("slides-bullets", [blk("• Tuyệt mật"), blk("• Tối mật"), blk("• Mật")]),
    (
        "slides-list",
        [blk("CÁC ĐỘ MẬT"), blk("Tuyệt mật", alone=True), blk("Tối mật"), blk("Mật")],
    ),
    ("slides-numbered", [blk("1. Tuyệt mật"), blk("2. Tối mật"), blk("3. Mật")]),
    ("news", [blk("Cựu cán bộ bị khởi tố vì làm lộ tài liệu Tối mật của cơ quan")]),
    ("news-headline", [blk("LÀM LỘ TÀI LIỆU TỐI MẬT, MỘT CÁN BỘ BỊ KHỞI TỐ")]),
    ("sentence-tai-lieu-mat", [blk("Cán bộ phải bảo quản tài liệu mật trong tủ có khóa")]),
    ("mat-khau", [blk("Mật khẩu phải có ít nhất 8 ký tự")]),
    ("mat-khau-caps", [blk("MẬT KHẨU")]),
    ("mat-do", [blk("Mật độ dân số", alone=True)]),
    ("mat-ong", [blk("MẬT ONG")]),
    ("mat-thiet", [blk("Quan hệ mật thiết")]),
    ("bao-mat", [blk("BẢO MẬT", alone=True, color="red")]),
    ("bi-mat", [blk("Bí mật")]),
    ("mat-ma", [blk("MẬT MÃ", part="header")]),
    ("mat-vu", [blk("Mật vụ")]),
    ("than-mat", [blk("Thân mật")]),
    ("ty-trong-mat", [blk("Tỷ trọng mật")]),
    ("tui-mat", [blk("Túi mật")]),
    ("co-mat", [blk("Cơ mật viện")]),
    ("declassified", [blk("TỐI MẬT"), blk("GIẢI MẬT", boxed=True)]),
    ("declassified-date", [blk("MẬT", color="red"), blk("GIẢI MẬT Từ: 01/7/2025", color="red")]),
    ("template-dots", [blk("Độ mật: ......")]),
    ("template-hint", [blk("(Dấu chỉ độ mật)")]),
    ("template-choice", [blk("Độ mật: Tuyệt mật/Tối mật/Mật")]),
    ("template-blank-copy", [blk("BẢN SAO SỐ: ......")]),
    ("template-placeholder", [blk("[Độ mật] MẬT …")]),
    ("letter-bare", [blk("A", alone=True)]),
    ("letter-table", [blk("A", boxed=True), blk("B", boxed=True), blk("C", boxed=True)]),
    ("letter-no-envelope", [blk("A", boxed=True)]),
    ("digitised-copy", [blk("Bản sao số hóa")]),
    ("ocr-mat-tran", [blk("MẶT TRẬN", ocr=True)]),
    ("ocr-toi-mat-vi", [blk("Tôi mất ví", ocr=True)]),
    ("ocr-mat-plain", [blk("MAT", ocr=True)]),
    ("spaced-abc", [blk("A B C")]),
    ("english", [blk("Put the mat by the door"), blk("MAT")]),
    ("no-diacritics-sentence", [blk("toi mat het tien roi")]),
    ("empty", [blk(""), blk("   ")]),
]


@pytest.mark.parametrize(
    ("blocks", "level", "rule"), [c[1:] for c in SECRET], ids=[c[0] for c in SECRET]
)
def test_secret(blocks, level, rule):
    v, got_level, score, findings = scan(*blocks)
    assert v == "secret", findings
    assert got_level == level
    assert score >= SECRET_THRESHOLD
    if rule:
        assert rule in secret_rules(findings)
    for f in findings:
        assert 0.0 <= f.score <= 1.0 and f.explanation and f.location


@pytest.mark.parametrize("blocks", [c[1] for c in CLEAN], ids=[c[0] for c in CLEAN])
def test_clean(blocks):
    v, level, score, findings = scan(*blocks)
    assert (v, level) == ("clean", None), findings
    assert score < SECRET_THRESHOLD


def test_table_is_big_enough():
    assert len(SECRET) + len(CLEAN) >= 60


def test_declassified_reports_and_supersedes():
    v, _level, _score, findings = scan(blk("TỐI MẬT"), blk("GIẢI MẬT", boxed=True))
    assert v == "clean"
    declass = [f for f in findings if f.rule == "mark.declassified"]
    assert declass and declass[0].level is None and declass[0].score < SECRET_THRESHOLD
    level_marks = [f for f in findings if f.rule == "mark.level"]
    assert level_marks and all(f.score < SECRET_THRESHOLD for f in level_marks)
    assert "GIẢI MẬT" in level_marks[0].explanation


def test_adjusted_is_reported_below_threshold():
    findings = analyze([blk("ĐIỀU CHỈNH ĐỘ MẬT", boxed=True)])
    assert [(f.rule, f.level) for f in findings] == [("mark.adjusted", None)]
    assert verdict(findings)[0] == "clean"


def test_copy_mark_alone_is_secret_without_level():
    v, level, _s, findings = scan(blk("BẢN SAO SỐ: 02"))
    assert (v, level) == ("secret", None)
    assert findings[0].text == "BẢN SAO SỐ"


def test_explanation_lists_cues():
    f = analyze([blk("TUYỆT MẬT", color="red", boxed=True, part="stamp")])[0]
    assert f.rule == "mark.level" and f.level == "tuyet_mat"
    for cue in ("đứng riêng một dòng", "chữ in hoa", "màu đỏ", "trong khung", "con dấu"):
        assert cue in f.explanation
    low = analyze([blk("Dấu TUYỆT MẬT")])
    assert all("nói về dấu" in x.explanation for x in low)


def test_layout_raises_score():
    plain = analyze([blk("Mật")])[0].score
    stamped = analyze([blk("MẬT", color="red", boxed=True)])[0].score
    assert stamped > plain


def test_location_and_text_come_from_block():
    f = analyze([blk("x"), blk("TỐI MẬT", where="trang 2")])[0]
    assert (f.location, f.text, f.level) == ("trang 2", "TỐI MẬT", "toi_mat")


@pytest.mark.parametrize(
    "blocks",
    [
        [blk("TUYỆT", alone=True), blk("MẬT", alone=True)],  # a PDF or OCR line per block
        [blk("TUYỆT\nMẬT")],
        [blk("TUYỆT", color="red", boxed=True), blk("MẬT", color="red", boxed=True)],
        [blk("TUYET", ocr=True, color="red"), blk("MAT", ocr=True, color="red", boxed=True)],
    ],
    ids=["blocks", "one-block", "red-boxed", "ocr"],
)
def test_mark_split_over_two_lines_is_not_a_stronger_mark(blocks):
    """A catalogue phrase may wrap onto the next line; a mark may not: "TUYỆT" over "MẬT" is
    scored as the lone "MẬT" it ends with, exactly as with any other word on the line above."""
    findings = analyze(blocks)
    assert not any(f.level in ("tuyet_mat", "toi_mat") for f in findings), findings
    first = blocks[0]
    neutral = [replace(first, text="HÀ NỘI" if "\n" not in first.text else "HÀ NỘI\nMẬT")]
    reference = analyze(neutral + blocks[1:])
    assert [(f.rule, f.level, f.text, f.score) for f in findings] == [
        (f.rule, f.level, f.text, f.score) for f in reference
    ]
    assert reference and all(f.level == "mat" for f in reference)


def test_mark_split_over_two_lines_of_a_real_pdf():
    doc = extractor_for("pdf")(text_pdf(None, body=["TUYỆT", "MẬT"]), Context())
    findings = analyze(doc.blocks)
    assert findings and {f.level for f in findings} == {"mat"}
    assert {f.text for f in findings} == {"MẬT"}


def test_many_mentions_in_running_text_stay_clean():
    para = "Bảo vệ bí mật nhà nước độ Tối mật, bảo mật mật khẩu, mật độ dân cư. " * 2000
    v, level, _s, _f = scan(blk(para))
    assert (v, level) == ("clean", None)


def test_verdict_of_nothing():
    assert verdict([]) == ("clean", None, 0.0)


def test_verdict_levels_only_from_secret_findings():
    fs = [
        Finding("mark.level", "tuyet_mat", "x", "a", 0.3, "e"),
        Finding("mark.level", "mat", "y", "b", 0.7, "e"),
    ]
    assert verdict(fs) == ("secret", "mat", 0.7)


_TEXT = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="MẬTậtuyệốiTỐIUYỆ mat\n\t.:/()…ABCbì0123456789µ¸ËÖ", max_size=60),
    st.sampled_from(["MẬT", "TUYỆT MẬT", "M Ậ T", "A", "GIẢI MẬT", "Bản số 1/2", "mËt", "maät"]),
)
_BLOCK = st.builds(
    Block,
    text=_TEXT,
    location=st.just("p"),
    part=st.sampled_from(["body", "header", "stamp", "table", "footer"]),
    font=st.sampled_from(["", ".VnTime", ".VnTimeH", "VNI-Times", "Arial"]),
    bold=st.booleans(),
    color=st.sampled_from(["", "red", "FF0000", "00ff00", "zz"]),
    boxed=st.booleans(),
    alone=st.booleans(),
    ocr=st.booleans(),
    encoding=st.sampled_from(["", "tcvn3", "vni", "weird"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_BLOCK, max_size=8))
def test_analyze_never_raises(blocks):
    findings = analyze(blocks)
    v, level, score = verdict(findings)
    assert v in ("secret", "clean")
    assert 0.0 <= score <= 1.0
    assert level in (None, "mat", "toi_mat", "tuyet_mat")
    assert all(f.rule.startswith("mark.") for f in findings)
