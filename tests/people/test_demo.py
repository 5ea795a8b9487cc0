"""The demo agency: created through the services, idempotent, printed by `bmnn demo`."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from typer.testing import CliRunner

from bmnn.catalogue.models import CatalogueDecision, CatalogueItem
from bmnn.cli import app
from bmnn.people import selectors
from bmnn.people.demo import Login, seed_demo
from bmnn.people.models import Delegation, OrgUnit, Staff
from bmnn.web import ledger

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        OrgUnit.objects.count(),
        Staff.objects.count(),
        get_user_model().objects.count(),
        Delegation.objects.count(),
        CatalogueDecision.objects.count(),
        CatalogueItem.objects.count(),
        ledger.status()["events"],
    )


def test_seed_demo_is_idempotent():
    first = seed_demo()
    counts = _counts()
    second = seed_demo()
    assert second == first
    assert _counts() == counts
    assert all(isinstance(login, Login) and len(login.password) >= 10 for login in first)
    assert len({login.username for login in first}) == len(first)


def test_demo_fills_a_department_through_the_services():
    logins = {login.username: login for login in seed_demo()}
    roles = {s.role for s in Staff.objects.all()}
    assert {"clerk", "drafter", "leader", "kiem_nhiem"} <= roles
    posts = set(Staff.objects.values_list("post_code", flat=True))
    assert {"giam_doc_so", "truong_phong_thuoc_so", "cap_pho_duoc_uy_quyen"} <= posts
    agency = OrgUnit.objects.get(kind=OrgUnit.Kind.AGENCY)
    assert "dữ liệu mẫu" in agency.name
    assert agency.superior_agency_name
    assert OrgUnit.objects.filter(parent=agency).count() >= 3
    # Every login works with the printed password.
    for login in logins.values():
        user = get_user_model().objects.get(username=login.username)
        assert user.is_active and user.check_password(login.password)
    assert get_user_model().objects.get(username="quantri").is_superuser
    # Each object has its creation event in the ledger.
    actions = [e.action for e in ledger.recent(500)]
    assert actions.count("people.staff.create") == Staff.objects.count()
    assert actions.count("people.org_unit.create") == OrgUnit.objects.count()
    assert actions.count("people.delegation.create") == 1
    assert actions.count("catalogue.item.add") == CatalogueItem.objects.count()


def test_demo_delegation_lets_the_deputy_copy_and_take_out():
    seed_demo()
    delegation = Delegation.objects.get()
    assert delegation.delegator.post_code == "giam_doc_so"
    assert delegation.document_number
    assert (delegation.valid_to - delegation.valid_from).days in (364, 365)
    deputy = delegation.delegate
    today = timezone.localdate()
    assert selectors.authority(deputy, "copy", "toi_mat", today).allowed
    assert selectors.authority(deputy, "take_out_domestic", "mat", today).allowed
    assert not selectors.authority(deputy, "copy", "tuyet_mat", today).allowed


def test_demo_catalogue_is_marked_as_sample_with_every_level():
    seed_demo()
    decision = CatalogueDecision.objects.get()
    assert decision.is_sample
    assert decision.title.startswith("DỮ LIỆU MẪU")
    assert set(decision.items.values_list("level", flat=True)) == {"tuyet_mat", "toi_mat", "mat"}


def test_bmnn_demo_prints_the_logins():
    result = CliRunner().invoke(app, ["demo"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for login in seed_demo():
        assert login.username in result.output
        assert login.password in result.output
    assert "Văn thư" in result.output
