"""Vietnamese normalisation: NFC/NFD, tone placement, spaced letters, whitespace, folding, and
legacy decoding chosen by the block's encoding and font."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bmnn.scan.model import Block
from bmnn.scan.normalize import (
    fold,
    fold_aligned,
    is_syllable,
    join_spaced,
    normalize_text,
    text_of,
    unify_tones,
    vietnamese_score,
)


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("hoà", "hòa"),
        ("Hoà bình", "Hòa bình"),
        ("HOÀ", "HÒA"),
        ("thuỷ lợi", "thủy lợi"),
        ("Thuý", "Thúy"),
        ("qúy", "quý"),
        ("quý", "quý"),
        ("khoẻ", "khỏe"),
        ("gìa", "già"),
        ("hoàn thành", "hoàn thành"),
        ("hoạch", "hoạch"),
        ("huỳnh", "huỳnh"),
        ("người", "người"),
        ("khuỷu", "khuỷu"),
        ("xoáy", "xoáy"),
        ("café", "café"),  # not a Vietnamese syllable: left alone
    ],
)
def test_unify_tones(given_, expected):
    assert unify_tones(given_) == expected


def test_both_placements_meet():
    assert normalize_text("hoà hợp, thuỷ sản") == normalize_text("hòa hợp, thủy sản")


def test_nfd_becomes_nfc():
    nfd = unicodedata.normalize("NFD", "Tuyệt mật")
    assert nfd != "Tuyệt mật"
    assert normalize_text(nfd) == "Tuyệt mật"


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("M Ậ T", "MẬT"),
        ("T U Y Ệ T   M Ậ T", "TUYỆT MẬT"),
        ("T U Y Ệ T M Ậ T", "TUYỆT MẬT"),
        ("T Ố I  M Ậ T", "TỐI MẬT"),
        ("A B C", "A B C"),  # not syllables: envelope letters in a list stay apart
        ("mục a b", "mục a b"),  # two letters are not a spaced word
        ("Độ mật: M Ậ T", "Độ mật: MẬT"),
    ],
)
def test_join_spaced(given_, expected):
    assert normalize_text(join_spaced(given_)) == expected


def test_whitespace():
    assert normalize_text("  TỐI\u00a0MẬT \r\n\r\nSố:  12/BC  ") == "TỐI MẬT\nSố: 12/BC"
    assert normalize_text("BỘ CÔNG AN\tMẬT") == "BỘ CÔNG AN\nMẬT"
    assert normalize_text("a\u200bb\u00adc") == "abc"
    assert normalize_text("dòng\x0bngắt") == "dòng\nngắt"
    assert normalize_text("") == ""


def test_fold():
    assert fold("TUYỆT MẬT") == "tuyet mat"
    assert fold("Đường Hồ Chí Minh") == "duong ho chi minh"
    assert fold(unicodedata.normalize("NFD", "Tối mật")) == "toi mat"
    assert fold("“Mật” – …") == '"mat" - .'


def test_fold_aligned_keeps_length():
    text = "Bảo vệ bí mật nhà nước ĐỘ TỐI MẬT x\u0302"
    assert len(fold_aligned(text)) == len(text)
    assert fold_aligned("Tối mật") == "toi mat"


@given(
    st.text(alphabet="aăâeêioôơuưyđdAĂÂEÊIOÔƠUƯYĐ mtn\u0300\u0301\u0303\u0309\u0323", max_size=40)
)
def test_fold_is_the_same_for_nfc_and_nfd(text):
    nfc = unicodedata.normalize("NFC", text)
    nfd = unicodedata.normalize("NFD", text)
    assert fold(nfc) == fold(nfd)
    assert fold(nfc).isascii()


_WORDS = st.sampled_from(
    ["hoà", "hòa", "thuỷ", "thủy", "qúy", "mật", "TUYỆT", "Tối", "người", "khuỷu", "x", "A"]
)


@given(st.lists(_WORDS, max_size=12))
def test_normalize_is_idempotent(words):
    once = normalize_text(" ".join(words))
    assert normalize_text(once) == once


def test_is_syllable():
    for word in ("mật", "tuyệt", "người", "nghiêng", "gì", "quốc", "TỐI"):
        assert is_syllable(word), word
    for word in ("mËt", "café", "xyz", "tiếngg", "m4t", "hóà"):
        assert not is_syllable(word), word


def test_vietnamese_score():
    assert vietnamese_score("Tài liệu mật của cơ quan") == 1.0
    assert vietnamese_score("Tµi liÖu mËt cña c¬ quan") < 0.3
    assert vietnamese_score("plain ascii") == 0.0


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (Block("mËt", "p", font=".VnTimeH"), "MẬT"),
        (Block("bo cong an", "p", font=".VnTimeH"), "BO CONG AN"),
        (Block("mËt", "p", font=".VnTime"), "mật"),
        (Block("tuyÖt mËt", "p", font=".VnArialH"), "TUYỆT MẬT"),
        (Block("Céng hoµ x· héi", "p", font=".VnTime"), "Cộng hòa xã hội"),
        (Block("maät", "p", font="VNI-Times"), "mật"),
        (Block("TOÁI MAÄT", "p", font="VNI-Helve"), "TỐI MẬT"),
        (Block("mËt", "p", encoding="tcvn3"), "mật"),
        (Block("mËt", "p", encoding="tcvn3", font=".VnTimeH"), "MẬT"),
        (Block("maät", "p", encoding="vni"), "mật"),
        (Block("Tµi liÖu mËt cña c¬ quan b¸o c¸o", "p"), "Tài liệu mật của cơ quan báo cáo"),
        (Block("Café crème à Paris", "p"), "Café crème à Paris"),
        (Block("Tài liệu mật", "p", font="Times New Roman"), "Tài liệu mật"),
        (Block("mËt", "p", font="Times New Roman"), "mËt"),  # a Unicode font: left alone
    ],
)
def test_text_of(block, expected):
    assert text_of(block) == expected
