"""Fixtures of the registry tests: a Sở with a director, a delegated deputy, a division head, a
clerk, the officer in charge of BMNN work, a drafter, an ordinary cadre and an inspector, and a
catalogue with items at each level. Everyone started on 2026-01-01, so acts dated from
2026-03-01 (Law 117/2025) up to today are lawful dates."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest

from bmnn.catalogue import services as catalogue_services
from bmnn.catalogue.models import CatalogueItem
from bmnn.people import services as people
from bmnn.people.models import OrgUnit, Staff
from bmnn.registry.models import Proposal
from bmnn.registry.services import classification, outgoing

ACTOR = "user:test"
PASSWORD = "Khong-Doan-Duoc-2026"
START = dt.date(2026, 1, 1)
ON = dt.date(2026, 4, 1)  # a working day under Law 117/2025
_numbers = itertools.count(1)


@dataclass
class Agency:
    agency: OrgUnit
    office: OrgUnit
    division: OrgUnit
    other_division: OrgUnit
    director: Staff
    deputy: Staff
    head: Staff  # division head (trưởng phòng) of `division`
    clerk: Staff
    officer: Staff  # kiêm nhiệm bảo vệ BMNN
    drafter: Staff  # in `division`
    cadre: Staff  # ordinary cadre in `other_division`, clearance Mật
    inspector: Staff
    items: dict[str, CatalogueItem]  # one catalogue item per level


def _staff(unit, post, role, clearance, name) -> Staff:
    n = next(_numbers)
    return people.create_staff(
        ACTOR,
        username=f"u{n}",
        password=PASSWORD,
        full_name=name,
        org_unit=unit,
        post_code=post,
        role=role,
        clearance=clearance,
        active_from=START,
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Argon2 is tested in tests/web; here it would only make each agency take seconds to build.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sx(db) -> Agency:
    n = next(_numbers)
    agency = people.create_org_unit(
        ACTOR, name="Sở Thử nghiệm", short_code=f"STN{n}", kind=OrgUnit.Kind.AGENCY
    )

    def unit(name, code):
        return people.create_org_unit(ACTOR, name=name, short_code=f"{code}{n}", parent=agency)

    office, division, other = unit("Văn phòng", "VP"), unit("Phòng A", "PA"), unit("Phòng B", "PB")
    R = Staff.Role
    director = _staff(agency, "giam_doc_so", R.LEADER, "tuyet_mat", "Giám Đốc")
    deputy = _staff(agency, "cap_pho_duoc_uy_quyen", R.LEADER, "toi_mat", "Phó Giám Đốc")
    people.create_delegation(
        ACTOR,
        delegator=director,
        delegate=deputy,
        actions=["copy", "take_out_domestic"],
        levels=["toi_mat", "mat"],
        valid_from=START,
        valid_to=dt.date(2027, 12, 31),
        document_number=f"{n}/GUQ",
        document_date=START,
        content="Ủy quyền sao, chụp và mang tài liệu ra ngoài",
    )
    decision = catalogue_services.create_decision(
        ACTOR,
        number=f"{n}/QĐ-TTg",
        date=dt.date(2020, 6, 5),
        issuer="Thủ tướng Chính phủ",
        title="Danh mục bí mật nhà nước thử",
    )
    items = {
        level: catalogue_services.add_item(
            ACTOR, decision, article=str(i + 1), clause="1", level=level, text=f"Mục {level}"
        )
        for i, level in enumerate(("tuyet_mat", "toi_mat", "mat"))
    }
    return Agency(
        agency=agency,
        office=office,
        division=division,
        other_division=other,
        director=director,
        deputy=deputy,
        head=_staff(division, "truong_phong_thuoc_so", R.LEADER, "toi_mat", "Trưởng Phòng"),
        clerk=_staff(office, "can_bo", R.CLERK, "tuyet_mat", "Văn Thư"),
        officer=_staff(office, "can_bo", R.KIEM_NHIEM, "tuyet_mat", "Cán Bộ Bmnn"),
        drafter=_staff(division, "can_bo", R.DRAFTER, "toi_mat", "Người Soạn"),
        cadre=_staff(other, "can_bo", R.STAFF, "mat", "Cán Bộ"),
        inspector=_staff(agency, "can_bo", R.INSPECTOR, "tuyet_mat", "Kiểm Tra"),
        items=items,
    )


@pytest.fixture
def issued(sx):
    """make(level, copies=3, copy_allowed=True, on=ON) → an approved, registered item."""

    def make(level="mat", copies=3, copy_allowed=True, on=ON, summary="Báo cáo thử"):
        proposal = classification.propose(
            ACTOR,
            sx.drafter if level != "tuyet_mat" else sx.director,
            title=summary,
            level=level,
            catalogue_item=sx.items[level],
            recipients_text="Phòng A; Phòng B; Lưu VT",
            copies=copies,
            copy_allowed=copy_allowed,
            on=on,
        )
        proposal = classification.decide(ACTOR, proposal, sx.director, approve=True, on=on)
        assert proposal.status == Proposal.Status.APPROVED
        entry = outgoing.register_outgoing(
            ACTOR,
            proposal.item,
            sx.clerk,
            number_symbol=f"{next(_numbers)}/BC-STN",
            doc_type="Báo cáo",
            signer="Giám Đốc",
            on=on,
        )
        return entry.item

    return make
