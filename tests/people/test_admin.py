"""The Django admin writes only through the services (so every write has its ledger event) and
shows refusals with their citation on the form."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from bmnn.people.models import Delegation, Staff

from .conftest import PASSWORD, events_after, head

pytestmark = pytest.mark.django_db


def _delegation_form(delegator, delegate, **extra):
    data = {
        "delegator": delegator.pk,
        "delegate": delegate.pk,
        "actions": ["copy"],
        "levels": ["mat"],
        "valid_from": "2026-03-01",
        "valid_to": "2027-02-28",
        "document_number": "05/GUQ-STN",
        "document_date": "2026-03-01",
        "content": "Ủy quyền cho phép sao, chụp độ Mật.",
    }
    data.update(extra)
    return data


def test_admin_adds_staff_through_the_service(admin_client, agency):
    mark = head()
    response = admin_client.post(
        "/admin/people/staff/add/",
        {
            "username": "chuyenvien9",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "full_name": "Vũ Thị Mai",
            "org_unit": agency.pk,
            "post_code": "can_bo",
            "position": "Chuyên viên",
            "role": "drafter",
            "clearance": "mat",
            "active_from": "2026-03-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    staff = Staff.objects.get(user__username="chuyenvien9")
    assert staff.user.password.startswith("argon2")
    (event,) = events_after(mark)
    assert event.action == "people.staff.create"
    assert event.actor == "user:admin"


def test_admin_shows_a_weak_password_as_a_form_error(admin_client, agency):
    response = admin_client.post(
        "/admin/people/staff/add/",
        {
            "username": "yeu1",
            "password1": "123",
            "password2": "123",
            "full_name": "Mật Khẩu Yếu",
            "org_unit": agency.pk,
            "post_code": "can_bo",
            "role": "staff",
            "active_from": "2026-03-01",
        },
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="yeu1").exists()


def test_admin_delegation_refusal_shows_the_citation(admin_client, division_head, deputy):
    mark = head()
    response = admin_client.post(
        "/admin/people/delegation/add/",
        _delegation_form(division_head, deputy),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Căn cứ:" in page and "Điều 11" in page
    assert not Delegation.objects.exists()
    assert events_after(mark) == []


def test_admin_creates_and_revokes_a_delegation(admin_client, director, deputy):
    response = admin_client.post(
        "/admin/people/delegation/add/", _delegation_form(director, deputy)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    delegation = Delegation.objects.get()
    mark = head()
    response = admin_client.post(
        f"/admin/people/delegation/{delegation.pk}/change/",
        {"revoke": "on", "revoked_reason": "Hết nhu cầu"},
    )
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    (event,) = events_after(mark)
    assert (event.action, event.actor) == ("people.delegation.revoke", "user:admin")
    # A revoked delegation is history: view-only.
    page = admin_client.get(f"/admin/people/delegation/{delegation.pk}/change/")
    assert page.status_code == 200
    assert 'name="revoke"' not in page.content.decode()


def test_admin_change_of_clearance_goes_through_the_service(admin_client, make_staff):
    staff = make_staff("can_bo", Staff.Role.STAFF, clearance="mat")
    mark = head()
    response = admin_client.post(
        f"/admin/people/staff/{staff.pk}/change/",
        {
            "org_unit": staff.org_unit_id,
            "post_code": staff.post_code,
            "position": staff.position,
            "role": staff.role,
            "clearance": "toi_mat",
            "left_on": "",
            "left_reason": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    staff.refresh_from_db()
    assert staff.clearance == "toi_mat"
    assert [e.action for e in events_after(mark)] == ["people.staff.clearance"]


def test_nothing_can_be_deleted_in_the_admin(admin_client, make_staff):
    staff = make_staff("can_bo")
    response = admin_client.post(f"/admin/people/staff/{staff.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Staff.objects.filter(pk=staff.pk).exists()


def test_inspector_reads_but_cannot_add(client, make_staff):
    inspector = make_staff("can_bo", Staff.Role.INSPECTOR)
    client.force_login(inspector.user)
    assert client.get("/admin/people/staff/").status_code == 200
    assert client.get(f"/admin/people/staff/{inspector.pk}/change/").status_code == 200
    assert client.get("/admin/people/staff/add/").status_code == 403
    assert client.get("/admin/people/delegation/add/").status_code == 403


def test_org_unit_admin_add_and_view_only_change(admin_client, agency):
    mark = head()
    response = admin_client.post(
        "/admin/people/orgunit/add/",
        {"name": "Phòng Mới", "short_code": "PM-1", "kind": "division", "parent": agency.pk},
    )
    assert response.status_code == 302
    assert [e.action for e in events_after(mark)] == ["people.org_unit.create"]
    response = admin_client.post(
        f"/admin/people/orgunit/{agency.pk}/change/", {"name": "Đổi tên", "short_code": "X"}
    )
    assert response.status_code == 403
    agency.refresh_from_db()
    assert agency.name == "Sở Thử nghiệm"


def test_every_admin_page_renders(admin_client, director, deputy):
    admin_client.post("/admin/people/delegation/add/", _delegation_form(director, deputy))
    delegation = Delegation.objects.get()
    for model, pk in (
        ("orgunit", director.org_unit_id),
        ("staff", director.pk),
        ("delegation", delegation.pk),
    ):
        for url in (
            f"/admin/people/{model}/",
            f"/admin/people/{model}/add/",
            f"/admin/people/{model}/{pk}/change/",
        ):
            assert admin_client.get(url).status_code == 200, url


def test_admin_staff_change_is_all_or_nothing(admin_client, make_staff):
    staff = make_staff("can_bo", Staff.Role.STAFF, clearance="mat")
    mark = head()
    response = admin_client.post(
        f"/admin/people/staff/{staff.pk}/change/",
        {
            "org_unit": staff.org_unit_id,
            "post_code": staff.post_code,
            "position": staff.position,
            "role": staff.role,
            "clearance": "toi_mat",
            "left_on": "2026-11-01",
            "left_reason": "",  # a departure needs a reason: the whole change is refused
        },
    )
    assert response.status_code == 200
    assert "lý do" in response.content.decode()
    staff.refresh_from_db()
    assert (staff.clearance, staff.left_on) == ("mat", None)
    assert events_after(mark) == []
