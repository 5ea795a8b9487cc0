"""Staff lists by unit, in Vietnamese order, and the Vietnamese sort key itself."""

from __future__ import annotations

import datetime as dt

import pytest

from bmnn.people import selectors, services
from bmnn.people.sorting import vi_sort_key

from .conftest import ACTOR


def test_vietnamese_alphabet_order():
    words = ["Đào", "Dương", "ưa", "an", "ăn", "ân", "ôm", "om", "ơn", "uy", "Anh", "An Bình"]
    assert sorted(words, key=vi_sort_key) == [
        "an",
        "An Bình",
        "Anh",
        "ăn",
        "ân",
        "Dương",
        "Đào",
        "om",
        "ôm",
        "ơn",
        "uy",
        "ưa",
    ]


def test_tones_are_a_secondary_weight():
    assert sorted(["bá", "ba", "bà", "bạ", "bả", "bã", "bac"], key=vi_sort_key) == [
        "ba",
        "bà",
        "bả",
        "bã",
        "bá",
        "bạ",
        "bac",
    ]


@pytest.mark.django_db
def test_units_and_staff_lists(agency, make_staff):
    office = services.create_org_unit(ACTOR, name="Văn phòng Sở", short_code="VP-1", parent=agency)
    division = services.create_org_unit(
        ACTOR, name="Phòng Đào tạo", short_code="PDT-1", parent=agency
    )
    sub = services.create_org_unit(ACTOR, name="Tổ Ấn chỉ", short_code="TAC-1", parent=division)
    names = [u.name for u in selectors.org_units()]
    assert names == ["Phòng Đào tạo", "Sở Thử nghiệm", "Tổ Ấn chỉ", "Văn phòng Sở"]
    assert {u.pk for u in selectors.subunits(division)} == {division.pk, sub.pk}

    dung = make_staff("can_bo", full_name="Đặng Văn Dũng", org_unit=division)
    an = make_staff("can_bo", full_name="Âu Thị An", org_unit=division)
    binh = make_staff("can_bo", full_name="Bùi Bình", org_unit=sub)
    make_staff("can_bo", full_name="Lê Văn Phòng", org_unit=office)
    assert selectors.staff_in_unit(division) == [an, dung]
    assert selectors.staff_in_unit(division, include_subunits=True) == [an, binh, dung]

    services.record_departure(ACTOR, dung, on=dt.date(2026, 6, 1), reason="Chuyển công tác")
    assert selectors.staff_in_unit(division, on=dt.date(2026, 5, 31)) == [an, dung]
    assert selectors.staff_in_unit(division, on=dt.date(2026, 6, 1)) == [an]

    by_unit = dict(selectors.staff_by_unit())
    assert [s.full_name for s in by_unit[office]] == ["Lê Văn Phòng"]
    assert by_unit[agency] == []
