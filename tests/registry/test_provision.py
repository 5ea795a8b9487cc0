"""Provision to Vietnamese and foreign parties: the request's contents, authority, refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bmnn.people import services as people
from bmnn.people.models import Staff
from bmnn.registry.models import Provision
from bmnn.registry.services import provision
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR, ON, PASSWORD, START

AGENCY_REQUEST = dict(
    foreign=False,
    requester_is_person=False,
    requester_name="Công an tỉnh",
    representative="Đại tá Nguyễn Văn A, Phó Giám đốc",
    purpose="Phục vụ điều tra vụ án",
    commitment="Cam kết bảo vệ bí mật nhà nước theo quy định",
    requested_on=dt.date(2026, 3, 25),
)
PERSON_REQUEST = dict(
    AGENCY_REQUEST,
    requester_is_person=True,
    requester_name="Trần Thị B",
    representative="",
    identity_number="001190000001",
    address="12 Lê Lợi, thành phố Huế",
    position="Thanh tra viên, Thanh tra tỉnh",
)
FOREIGN_AGENCY = dict(
    foreign=True,
    requester_is_person=False,
    requester_name="Cơ quan Hợp tác Phát triển X",
    representative="John Smith",
    nationality="Úc",
    identity_number="PA1234567",
    position="Trưởng đại diện",
    purpose="Thực hiện dự án hợp tác về quản lý thiên tai",
    commitment="Cam kết bảo vệ thông tin được cung cấp",
    no_third_party=True,
    cooperation_basis="Chương trình hợp tác quốc tế về phòng chống thiên tai 2026",
    requested_on=dt.date(2026, 3, 25),
)
FOREIGN_PERSON = dict(
    FOREIGN_AGENCY,
    requester_is_person=True,
    requester_name="Jane Doe",
    representative="",
    nationality="",
    position="",
    address="Khách sạn Y, Hà Nội",
)


@pytest.fixture
def chairman(sx) -> Staff:
    # A holder of foreign-provision authority for Tối mật and Mật (Law 117/2025 Art. 16(1)(b)).
    return people.create_staff(
        ACTOR,
        username=f"ctubnd{sx.agency.pk}",
        password=PASSWORD,
        full_name="Chủ Tịch Tỉnh",
        org_unit=sx.agency,
        post_code="chu_tich_ubnd_tinh",
        role=Staff.Role.LEADER,
        clearance="tuyet_mat",
        active_from=START,
    )


def _decide(item, decided_by, request, **extra):
    args = dict(request, decided_by=decided_by, approve=True, on=ON)
    args.update(extra)
    return provision.decide_provision(ACTOR, item, **args)


def test_director_provides_to_a_vietnamese_agency(sx, issued):
    item = issued("toi_mat")
    row = _decide(item, sx.director, AGENCY_REQUEST)
    assert row.status == Provision.Status.APPROVED and row.decided_on == ON
    assert row.citation == "Luật 29/2018/QH14, Điều 15, khoản 1"
    assert row.rule_id == "provide_domestic/2026"
    assert row.representative == AGENCY_REQUEST["representative"]
    assert ledger.recent(1)[0].action == "registry.provision.approve"


def test_division_head_provides_mat_but_not_toi_mat(sx, issued):
    assert _decide(issued("mat"), sx.head, PERSON_REQUEST).status == Provision.Status.APPROVED
    with pytest.raises(Refused) as err:
        _decide(issued("toi_mat"), sx.head, PERSON_REQUEST)
    assert err.value.citation == "Luật 29/2018/QH14, Điều 15, khoản 1"
    assert Provision.objects.count() == 1


@pytest.mark.parametrize(
    "request_, blank, citation, label",
    [
        (AGENCY_REQUEST, "representative", "Luật 29/2018/QH14, Điều 15, khoản 4", "người đại diện"),
        (AGENCY_REQUEST, "commitment", "Luật 29/2018/QH14, Điều 15, khoản 4", "cam kết"),
        (PERSON_REQUEST, "identity_number", "Luật 29/2018/QH14, Điều 15, khoản 5", "số căn cước"),
        (PERSON_REQUEST, "address", "Luật 29/2018/QH14, Điều 15, khoản 5", "địa chỉ"),
        (PERSON_REQUEST, "position", "Luật 29/2018/QH14, Điều 15, khoản 5", "vị trí công tác"),
        (FOREIGN_AGENCY, "identity_number", "Luật 117/2025/QH15, Điều 16, khoản 3", "hộ chiếu"),
        (FOREIGN_AGENCY, "nationality", "Luật 117/2025/QH15, Điều 16, khoản 3", "quốc tịch"),
        (FOREIGN_PERSON, "identity_number", "Luật 29/2018/QH14, Điều 16, khoản 4", "hộ chiếu"),
        (FOREIGN_PERSON, "address", "Luật 29/2018/QH14, Điều 16, khoản 4", "địa chỉ"),
        (
            FOREIGN_AGENCY,
            "cooperation_basis",
            "Luật 117/2025/QH15, Điều 16, khoản 2",
            "hợp tác quốc tế",
        ),
    ],
)
def test_a_request_without_the_contents_the_law_lists_is_refused(
    sx, issued, chairman, request_, blank, citation, label
):
    item = issued("mat")
    with pytest.raises(Refused) as err:
        _decide(item, chairman, {**request_, blank: ""})
    assert err.value.citation == citation and label in err.value.message
    assert not Provision.objects.exists()


def test_foreign_request_without_the_third_party_commitment_is_refused(sx, issued, chairman):
    with pytest.raises(Refused) as err:
        _decide(issued("mat"), chairman, {**FOREIGN_AGENCY, "no_third_party": False})
    assert err.value.citation == "Luật 117/2025/QH15, Điều 16, khoản 3"
    assert "bên thứ ba" in err.value.message


def test_a_so_director_cannot_provide_to_a_foreign_party(sx, issued):
    with pytest.raises(Refused) as err:
        _decide(issued("mat"), sx.director, FOREIGN_AGENCY)
    assert err.value.citation == "Luật 117/2025/QH15, Điều 16, khoản 1, điểm b"
    assert not Provision.objects.exists()


def test_provincial_chairman_provides_mat_to_a_foreign_party_but_not_tuyet_mat(
    sx, issued, chairman
):
    row = _decide(issued("mat"), chairman, FOREIGN_PERSON)
    assert row.status == Provision.Status.APPROVED and row.foreign and row.no_third_party
    assert row.citation == "Luật 117/2025/QH15, Điều 16, khoản 1, điểm b"
    with pytest.raises(Refused) as err:
        _decide(issued("tuyet_mat"), chairman, FOREIGN_PERSON)
    assert err.value.citation == "Luật 117/2025/QH15, Điều 16, khoản 1, điểm a"


def test_foreign_rules_before_the_change_cite_law_29(sx, issued, chairman):
    before = dt.date(2026, 2, 10)
    item = issued("mat", on=dt.date(2026, 2, 2))
    old = {**FOREIGN_AGENCY, "requested_on": before}
    with pytest.raises(Refused) as err:
        _decide(item, chairman, {**old, "nationality": ""}, on=before)
    assert err.value.citation == "Luật 29/2018/QH14, Điều 16, khoản 3"
    with pytest.raises(Refused) as err:
        _decide(item, chairman, {**old, "cooperation_basis": ""}, on=before)
    assert err.value.citation == "Luật 29/2018/QH14, Điều 16, khoản 2"
    row = _decide(item, chairman, old, on=before)
    assert row.rule_id == "provide_foreign.toi_mat_mat/2020"
    assert row.citation == "Luật 29/2018/QH14, Điều 16, khoản 1, điểm b"


def test_refusal_must_be_written_with_its_reason(sx, issued):
    item = issued("mat")
    with pytest.raises(ValidationError, match="nêu rõ lý do"):
        _decide(item, sx.director, AGENCY_REQUEST, approve=False)
    assert not Provision.objects.exists()
    row = _decide(
        item,
        sx.director,
        {**AGENCY_REQUEST, "representative": ""},
        approve=False,
        refusal_reason="Văn bản đề nghị không ghi người đại diện",
    )
    assert row.status == Provision.Status.REFUSED
    assert row.refusal_reason == "Văn bản đề nghị không ghi người đại diện"
    assert row.citation == "Luật 29/2018/QH14, Điều 15, khoản 6"
    assert row.rule_id == "provide.refusal/2026"
    assert ledger.recent(1)[0].action == "registry.provision.refuse"


def test_refusal_still_needs_the_competent_person(sx, issued):
    with pytest.raises(Refused) as err:
        _decide(issued("mat"), sx.clerk, AGENCY_REQUEST, approve=False, refusal_reason="Không")
    assert err.value.citation == "Luật 29/2018/QH14, Điều 15, khoản 1"
    assert not Provision.objects.exists()
