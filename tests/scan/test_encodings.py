"""TCVN3 and VNI: real round trips over every Vietnamese letter, the examples of the issue, and
the choice of code by font and (conservatively) by content."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bmnn.scan.encodings import (
    detect,
    font_encoding,
    tcvn3_to_unicode,
    unicode_to_tcvn3,
    unicode_to_vni,
    vni_to_unicode,
)

_BASES = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
LOWER = [unicodedata.normalize("NFC", b + t) for b in _BASES for t in _TONES] + ["đ"]
UPPER = [c.upper() for c in LOWER]
ALL_LOWER = "".join(LOWER)
ALL_UPPER = "".join(UPPER)


def test_alphabet_is_complete():
    assert len(LOWER) == 73 and all(len(c) == 1 for c in LOWER + UPPER)


@pytest.mark.parametrize("letter", LOWER)
def test_tcvn3_round_trip_lower(letter):
    encoded = unicode_to_tcvn3(letter)
    assert all(ord(c) <= 0xFF for c in encoded)
    assert tcvn3_to_unicode(encoded) == letter


@pytest.mark.parametrize("letter", UPPER)
def test_tcvn3_round_trip_upper_font(letter):
    # A `.VnTimeH` document stores capitals with the lower-case codes.
    encoded = unicode_to_tcvn3(letter, upper_font=True)
    assert encoded == unicode_to_tcvn3(letter.lower())
    assert tcvn3_to_unicode(encoded, upper=True) == letter


@pytest.mark.parametrize("letter", LOWER + UPPER)
def test_vni_round_trip(letter):
    encoded = unicode_to_vni(letter)
    assert all(ord(c) <= 0xFF for c in encoded)
    assert vni_to_unicode(encoded) == letter


def test_tcvn3_codes_are_distinct():
    codes = [unicode_to_tcvn3(c) for c in LOWER]
    legacy = [c for c in codes if not c.isascii()]
    assert len(set(legacy)) == len(legacy)


def test_tcvn3_upper_toned_needs_upper_font():
    with pytest.raises(ValueError):
        unicode_to_tcvn3("Ậ")
    assert unicode_to_tcvn3("Â") == "\xa2"  # the few capitals TCVN3 does have


def test_issue_examples():
    assert tcvn3_to_unicode("mËt", upper=True) == "MẬT"
    assert tcvn3_to_unicode("mËt") == "mật"
    assert vni_to_unicode("maät") == "mật"


def test_known_strings():
    assert tcvn3_to_unicode("Céng hoµ x· héi chñ nghÜa ViÖt Nam") == (
        "Cộng hoà xã hội chủ nghĩa Việt Nam"
    )
    assert tcvn3_to_unicode("tuyÖt mËt", upper=True) == "TUYỆT MẬT"
    assert vni_to_unicode("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam") == (
        "Cộng hòa xã hội chủ nghĩa Việt Nam"
    )
    assert vni_to_unicode("TUYEÄT MAÄT") == "TUYỆT MẬT"
    assert vni_to_unicode("ñöôøng") == "đường"


_SENTENCES = st.lists(
    st.sampled_from(
        [
            "Bộ",
            "Công",
            "an",
            "báo",
            "cáo",
            "kết",
            "quả",
            "thực",
            "hiện",
            "nhiệm",
            "vụ",
            "bảo",
            "vệ",
            "bí",
            "mật",
            "nhà",
            "nước",
            "năm",
            "2026",
            "tài",
            "liệu",
            "tuyệt",
            "mật",
            "tối",
            "mật",
            "được",
            "giao",
            "cho",
            "đồng",
            "chí",
            "Nguyễn",
            "Văn",
            "Đường",
            "quản",
            "lý",
            "hoà",
            "bình",
            "thuỷ",
            "lợi",
            "khuỷu",
            "tay",
            "người",
            "Việt",
        ]
    ),
    min_size=1,
    max_size=20,
).map(" ".join)


@given(_SENTENCES)
def test_round_trip_sentences(text):
    assert vni_to_unicode(unicode_to_vni(text)) == text
    assert vni_to_unicode(unicode_to_vni(text.upper())) == text.upper()
    assert tcvn3_to_unicode(unicode_to_tcvn3(text.lower())) == text.lower()
    assert tcvn3_to_unicode(unicode_to_tcvn3(text, upper_font=True), upper=True) == text.upper()


@pytest.mark.parametrize(
    ("font", "expected"),
    [
        (".VnTime", ("tcvn3", False)),
        (".VnTimeH", ("tcvn3", True)),
        (".VnArialH", ("tcvn3", True)),
        (".VnArial Narrow", ("tcvn3", False)),
        ("VNI-Times", ("vni", False)),
        ("VNI-Helve-Condense", ("vni", False)),
        ("Times New Roman", ("unicode", False)),
        ("", ("unicode", False)),
    ],
)
def test_font_encoding(font, expected):
    assert font_encoding(font) == expected


def test_detect_by_font_first():
    assert detect("anything", ".VnTime") == "tcvn3"
    assert detect("anything", "VNI-Times") == "vni"
    # A known Unicode font is believed, whatever the text looks like.
    assert detect("Tµi liÖu mËt cña c¬ quan b¸o c¸o", "Times New Roman") == "unicode"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tµi liÖu mËt cña c¬ quan b¸o c¸o kÕt qu¶", "tcvn3"),
        (unicode_to_vni("Tài liệu mật của cơ quan báo cáo kết quả"), "vni"),
        ("Tài liệu mật của cơ quan báo cáo", "unicode"),
        ("Tôi là ai và ở đâu", "unicode"),
        ("Café crème brûlée à la française, très élevé", "unicode"),
        ("Größere Übungen für Schüler", "unicode"),
        ("plain ascii text", "unicode"),
        ("Tµi", "unicode"),  # too little to judge: left alone
        ("", "unicode"),
    ],
)
def test_detect_by_content(text, expected):
    assert detect(text) == expected
