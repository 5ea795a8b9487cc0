"""Fixtures of the people tests: a small Sở with a director, a deputy and a division head."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from bmnn.people import services
from bmnn.people.models import OrgUnit, Staff
from bmnn.web import ledger

ACTOR = "user:test-officer"
PASSWORD = "Khong-Doan-Duoc-2026"
_numbers = itertools.count(1)


def events_after(seq: int) -> list:
    """Ledger events written after event #seq, oldest first (the ledger may not start empty)."""
    # seq 1 is the ledger's own genesis event, written before the first event of all.
    return [e for e in reversed(ledger.recent(1000)) if e.seq > max(seq, 1)]


def head() -> int:
    latest = ledger.recent(1)
    return latest[0].seq if latest else 0


@pytest.fixture
def agency(db) -> OrgUnit:
    return services.create_org_unit(
        ACTOR,
        name="Sở Thử nghiệm",
        short_code=f"STN-{next(_numbers)}",
        kind=OrgUnit.Kind.AGENCY,
        superior_agency_name="ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM",
    )


@pytest.fixture
def make_staff(agency):
    def make(post_code: str, role: str = Staff.Role.LEADER, **extra) -> Staff:
        n = next(_numbers)
        extra.setdefault("active_from", dt.date(2026, 1, 1))
        return services.create_staff(
            ACTOR,
            username=extra.pop("username", f"nguoi{n}"),
            password=PASSWORD,
            full_name=extra.pop("full_name", f"Người thử {n}"),
            org_unit=extra.pop("org_unit", agency),
            post_code=post_code,
            role=role,
            **extra,
        )

    return make


@pytest.fixture
def director(make_staff) -> Staff:
    return make_staff("giam_doc_so", position="Giám đốc", clearance="tuyet_mat")


@pytest.fixture
def deputy(make_staff) -> Staff:
    return make_staff("cap_pho_duoc_uy_quyen", position="Phó Giám đốc", clearance="toi_mat")


@pytest.fixture
def division_head(make_staff) -> Staff:
    return make_staff("truong_phong_thuoc_so", position="Trưởng phòng", clearance="toi_mat")
