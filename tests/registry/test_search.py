"""Accent-insensitive search: what it finds, and what it must never show."""

from __future__ import annotations

import unicodedata

import pytest
from django.db import connection

from bmnn.registry import search
from bmnn.registry.models import Grant, SecretItem
from bmnn.registry.search import fts_expression, query_words, search_items
from bmnn.registry.services._base import search_text

from .conftest import ON


def _item(sx, *, number, summary="", issuer="", level="mat", unit=None, doc_type="Báo cáo"):
    """An active item written as the services write it: search_text is the folded copy."""
    item = SecretItem(
        origin=SecretItem.Origin.INCOMING if issuer else SecretItem.Origin.OUTGOING,
        number_symbol=number,
        doc_type=doc_type,
        summary=summary,
        issuer=issuer,
        level=level,
        owner_unit=unit or sx.division,
        classified_on=ON,
        status=SecretItem.Status.ACTIVE,
    )
    item.search_text = search_text(item)
    item.save()
    return item


def _found(staff, query, **kwargs):
    return [item.number_symbol for item in search_items(staff, query, **kwargs)]


@pytest.fixture
def corpus(sx):
    return {
        "hoa": _item(sx, number="12/KH-STN", summary="Kế hoạch bảo vệ Hòa Bình"),
        "dat": _item(sx, number="123/BC-STN", summary="Báo cáo đất đai vùng biên giới"),
        "nfd": _item(
            sx,
            number="7/TB-STN",
            summary=unicodedata.normalize("NFD", "Thông báo về đường dây nóng"),
        ),
        "issuer": _item(
            sx, number="45/CV-BCA", summary="Công văn", issuer="Bộ Công an", level="toi_mat"
        ),
    }


def test_folding_of_the_query_matches_the_stored_copy():
    assert query_words("  Hoà   HÒA đất  ") == ["hoa", "dat"]
    assert query_words(unicodedata.normalize("NFD", "Đường")) == ["duong"]
    assert query_words("- / …") == []
    assert query_words('"(123/BC-STN)", «hoà»') == ["123/bc-stn", "hoa"]


def test_d_matches_dj_and_accents_are_ignored_both_ways(sx, corpus):
    assert _found(sx.clerk, "dat dai") == ["123/BC-STN"]
    assert _found(sx.clerk, "ĐẤT ĐAI") == ["123/BC-STN"]
    assert _found(sx.clerk, "duong day") == ["7/TB-STN"]  # stored NFD, typed without accents


def test_input_in_nfd_and_either_tone_placement_finds_the_same(sx, corpus):
    for typed in ("hoà bình", "hòa bình", unicodedata.normalize("NFD", "hoà bình"), "HOA BINH"):
        assert _found(sx.clerk, typed) == ["12/KH-STN"], typed


def test_partial_words_match_from_their_start(sx, corpus):
    assert _found(sx.clerk, "bien gio") == ["123/BC-STN"]
    assert _found(sx.clerk, "ke hoa") == ["12/KH-STN"]


def test_number_and_symbol(sx, corpus):
    assert _found(sx.clerk, "123/BC-STN") == ["123/BC-STN"]
    assert _found(sx.clerk, "123/bc") == ["123/BC-STN"]
    # All words are required: the number of one item and the summary of another match nothing.
    assert _found(sx.clerk, "123/BC-STN hòa") == []


def test_issuer(sx, corpus):
    assert _found(sx.clerk, "bo cong an") == ["45/CV-BCA"]


def test_newest_first_and_limit(sx, corpus):
    assert _found(sx.clerk, "stn") == ["7/TB-STN", "123/BC-STN", "12/KH-STN"]
    assert _found(sx.clerk, "stn", limit=2) == ["7/TB-STN", "123/BC-STN"]


def test_blank_query_finds_nothing(sx, corpus):
    for blank in ("", "   ", "\t\n", "--", None):
        assert _found(sx.clerk, blank) == []


def test_search_syntax_in_user_input_is_plain_text(sx, corpus):
    # FTS5 operators, LIKE wildcards and stray quotes must neither fail nor widen the search.
    for typed in ('"', 'NEAR("a" OR *', "stn OR hoa", "%", "s%n", "s_n", "search_text:hoa"):
        assert _found(sx.clerk, typed) == [], typed
    # Punctuation around a word is only punctuation.
    assert _found(sx.clerk, '^"hoà"*') == ["12/KH-STN"]
    assert fts_expression(['a"b', "c"]) == '"a""b"* AND "c"*'


def test_tuyet_mat_summary_words_never_match(sx, issued):
    item = issued("tuyet_mat", summary="Phương án phòng thủ đặc biệt")
    assert item.summary == ""
    assert "phong thu" not in item.search_text
    for staff in (sx.director, sx.clerk):
        assert _found(staff, "phuong an phong thu") == []
        assert _found(staff, "phòng thủ") == []
    # The item itself is found by what may be written: its number and type.
    assert _found(sx.director, item.number_symbol) == [item.number_symbol]


def test_hidden_items_never_appear(sx, corpus):
    # The cadre (Mật clearance, other division, no grant) sees nothing of the corpus.
    assert _found(sx.cadre, "stn") == []
    assert _found(sx.cadre, "bo cong an") == []
    # A grant opens one item, only within clearance: the Tối mật one stays hidden.
    for key in ("dat", "issuer"):
        Grant.objects.create(
            item=corpus[key],
            staff=sx.cadre,
            purpose="Phối hợp xử lý",
            granted_by=sx.director,
            granted_on=ON,
        )
    assert _found(sx.cadre, "stn") == ["123/BC-STN"]
    assert _found(sx.cadre, "bo cong an") == []
    # A revoked grant closes it again.
    Grant.objects.filter(item=corpus["dat"]).update(revoked_on=ON)
    assert _found(sx.cadre, "dat dai") == []
    # Nobody: no staff row, no result.
    assert _found(None, "stn") == []


def test_items_of_another_agency_stay_hidden_from_the_clerk(sx, corpus):
    from bmnn.people import services as people
    from bmnn.people.models import OrgUnit

    other = people.create_org_unit(
        "user:test", name="Sở Khác", short_code="SKX", kind=OrgUnit.Kind.AGENCY
    )
    _item(sx, number="99/KH-SKX", summary="Kế hoạch Hòa Bình", unit=other)
    assert _found(sx.clerk, "hoa binh") == ["12/KH-STN"]


def test_index_follows_changes_and_deletions(sx, corpus):
    item = corpus["hoa"]
    item.summary = "Kế hoạch diễn tập Đà Nẵng"
    item.search_text = search_text(item)
    item.save()
    assert _found(sx.clerk, "da nang") == ["12/KH-STN"]
    assert _found(sx.clerk, "hoa binh") == []
    corpus["dat"].delete()
    assert _found(sx.clerk, "dat dai") == []
    assert _found(sx.clerk, "stn") == ["7/TB-STN", "12/KH-STN"]


def test_index_objects_exist_and_repair_is_a_no_op(db):
    assert search.ensure_index() is False
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE 'registry_secretitem_fts%'"
            )
            assert cur.fetchone()[0] >= 4  # the table, its shadow tables and three triggers
        else:
            cur.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [search.TRGM_INDEX])
            assert cur.fetchone() is not None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 triggers are SQLite's")
def test_lost_triggers_are_restored_and_the_index_rebuilt(sx, corpus):
    with connection.cursor() as cur:
        for name in search.SQLITE_TRIGGERS:
            cur.execute(f"DROP TRIGGER {name}")
    late = _item(sx, number="8/KH-STN", summary="Kế hoạch Quảng Trị")
    assert _found(sx.clerk, "quang tri") == []  # written while the triggers were gone
    assert search.ensure_index() is True
    assert _found(sx.clerk, "quang tri") == [late.number_symbol]


def test_small_windows_give_the_same_answer_as_one_query(sx, corpus, monkeypatch):
    # Hidden and visible matches interleaved, so the windows must skip some and go on.
    for n in range(6):
        _item(sx, number=f"{n}/HB-STN", summary="Hòa Bình", unit=sx.division)
        _item(sx, number=f"{n}/HB-KHAC", summary="Hòa Bình", level="toi_mat")
    Grant.objects.create(
        item=corpus["hoa"],
        staff=sx.cadre,
        purpose="Phối hợp",
        granted_by=sx.director,
        granted_on=ON,
    )
    expected = _found(sx.clerk, "hoa binh")
    assert len(expected) == 13
    monkeypatch.setattr(search, "_WINDOWS", (1, 2))
    assert _found(sx.clerk, "hoa binh") == expected
    assert _found(sx.clerk, "hoa binh", limit=4) == expected[:4]
    # The cadre (Mật only, one grant) gets the one item, found past every window.
    assert _found(sx.cadre, "hoa binh") == ["12/KH-STN"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 path is SQLite's")
def test_own_rows_matching_agrees_with_fts5(sx):
    # Someone without a unit-wide view is answered from their own rows, matched in Python the
    # way FTS5 matches; rows with letters beyond ASCII go to FTS5 itself. Both ways must agree.
    import random

    from bmnn.registry.selectors import sees_units, visible_items

    rng = random.Random(7)
    pieces = ["hòa", "bình", "biên", "giới", "123/BC-STN", "12", "kế-hoạch", "bc", "đất",
              "Ελλάδα", "øre", "–", "“trích”", "x_y", "K3", "ab.cd", "№5", "ⅻ"]  # fmt: skip
    for n in range(60):
        words = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        item = _item(sx, number=f"{n}/T-STN", summary=words)
        Grant.objects.create(
            item=item, staff=sx.cadre, purpose="Thử", granted_by=sx.director, granted_on=ON
        )
    assert not sees_units(sx.cadre)
    queries = [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))) for _ in range(80)]
    queries += ["hoa bi", "123/bc", "bc-st", "ke hoach", "ελλ", "ore", "x", "k3", "5", "cd"]
    for q in queries:
        words = search.query_words(q)
        if not words:
            continue
        by_fts = search._sqlite_search(visible_items(sx.cadre), words, 50)
        assert search_items(sx.cadre, q) == by_fts, q
