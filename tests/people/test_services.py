"""Org unit and staff services: the change, its ledger event, and what they refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from bmnn.people import roles, services
from bmnn.people.models import OrgUnit, Staff

from .conftest import ACTOR, PASSWORD, events_after, head

pytestmark = pytest.mark.django_db


def test_create_org_unit_writes_unit_and_event():
    mark = head()
    agency = services.create_org_unit(
        ACTOR,
        name="Sở Thử",
        short_code="ST-1",
        kind=OrgUnit.Kind.AGENCY,
        superior_agency_name="UBND TỈNH THỬ",
    )
    division = services.create_org_unit(
        ACTOR, name="Văn phòng Sở", short_code="ST-VP", parent=agency
    )
    assert division.parent == agency
    assert division.agency() == agency
    assert agency.agency() == agency
    events = events_after(mark)
    assert [e.action for e in events] == ["people.org_unit.create"] * 2
    assert events[0].actor == ACTOR
    assert events[0].object == f"people.OrgUnit:{agency.pk}"
    assert events[0].payload_data()["superior_agency_name"] == "UBND TỈNH THỬ"
    assert events[1].payload_data()["parent"] == agency.pk


def test_create_org_unit_refuses_a_used_code_and_writes_nothing(agency):
    mark = head()
    with pytest.raises(ValidationError, match="đã được dùng"):
        services.create_org_unit(ACTOR, name="Khác", short_code=agency.short_code)
    with pytest.raises(ValidationError, match="Loại đơn vị"):
        services.create_org_unit(ACTOR, name="Khác", short_code="X-9", kind="ministry")
    assert events_after(mark) == []
    assert OrgUnit.objects.count() == 1


def test_create_staff_makes_user_with_argon2_password_group_and_event(agency):
    mark = head()
    staff = services.create_staff(
        ACTOR,
        username="vanthu1",
        password=PASSWORD,
        full_name="Nguyễn Thị Lan",
        org_unit=agency,
        post_code="can_bo",
        role=Staff.Role.CLERK,
        clearance="toi_mat",
        position="Văn thư",
    )
    user = staff.user
    assert user.password.startswith("argon2")
    assert user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == ["Văn thư"]
    assert user.has_perm("people.view_staff")
    assert not user.has_perm("people.add_staff")
    assert not user.is_staff  # a clerk does not use the admin back-office
    (event,) = events_after(mark)
    assert event.action == "people.staff.create"
    assert event.object == f"people.Staff:{staff.pk}"
    assert event.payload_data()["username"] == "vanthu1"
    assert event.payload_data()["clearance"] == "toi_mat"
    assert PASSWORD not in event.payload
    assert user.password not in event.payload


def test_officer_gets_admin_site_and_management_permissions(make_staff):
    officer = make_staff("can_bo", Staff.Role.KIEM_NHIEM)
    assert officer.user.is_staff
    assert officer.user.has_perm("people.add_delegation")
    assert not officer.user.has_perm("people.delete_staff")


@pytest.mark.parametrize(
    ("post_code", "password", "message"),
    [
        ("khong_co", PASSWORD, "không có trong bộ quy tắc"),
        # District posts ended with the two-tier local government (01/07/2025).
        ("chu_tich_ubnd_huyen", PASSWORD, "không tồn tại vào ngày"),
        ("can_bo", "12345", "ngắn|short|quá"),
    ],
)
def test_create_staff_refuses_bad_input(agency, post_code, password, message):
    mark = head()
    with pytest.raises(ValidationError, match=message):
        services.create_staff(
            ACTOR,
            username="x1",
            password=password,
            full_name="Người X",
            org_unit=agency,
            post_code=post_code,
            role=Staff.Role.STAFF,
            active_from=dt.date(2026, 3, 1),
        )
    assert events_after(mark) == []
    assert not get_user_model().objects.filter(username="x1").exists()


def test_create_staff_refuses_a_taken_username(make_staff):
    first = make_staff("can_bo")
    with pytest.raises(ValidationError, match="đã có"):
        make_staff("can_bo", username=first.user.username)


def test_change_clearance_records_old_and_new(make_staff):
    staff = make_staff("can_bo", Staff.Role.STAFF, clearance="mat")
    mark = head()
    services.change_clearance(ACTOR, staff, "toi_mat", reason="Được giao nhiệm vụ mới")
    staff.refresh_from_db()
    assert staff.clearance == "toi_mat"
    (event,) = events_after(mark)
    assert event.action == "people.staff.clearance"
    assert event.payload_data() == {
        "from": "mat",
        "to": "toi_mat",
        "reason": "Được giao nhiệm vụ mới",
    }
    with pytest.raises(ValidationError):
        services.change_clearance(ACTOR, staff, "bi_mat")
    services.change_clearance(ACTOR, staff, "")
    staff.refresh_from_db()
    assert staff.clearance == ""


def test_change_role_moves_the_user_between_groups(make_staff):
    staff = make_staff("can_bo", Staff.Role.CLERK)
    mark = head()
    services.change_role(ACTOR, staff, Staff.Role.CHUYEN_TRACH)
    staff.refresh_from_db()
    names = set(staff.user.groups.values_list("name", flat=True))
    assert names == {roles.GROUP_NAMES[Staff.Role.CHUYEN_TRACH]}
    assert staff.user.is_staff
    (event,) = events_after(mark)
    assert event.action == "people.staff.role"


def test_change_post_records_the_change(make_staff, agency):
    staff = make_staff("can_bo", Staff.Role.STAFF)
    other = services.create_org_unit(ACTOR, name="Phòng Khác", short_code="PK-1", parent=agency)
    mark = head()
    services.change_post(
        ACTOR, staff, "truong_phong_thuoc_so", position="Trưởng phòng", org_unit=other
    )
    staff.refresh_from_db()
    assert (staff.post_code, staff.position, staff.org_unit) == (
        "truong_phong_thuoc_so",
        "Trưởng phòng",
        other,
    )
    (event,) = events_after(mark)
    assert event.action == "people.staff.post"
    assert event.payload_data()["to"]["post_code"] == "truong_phong_thuoc_so"
    assert event.payload_data()["from"]["post_code"] == "can_bo"
    with pytest.raises(ValidationError):
        services.change_post(ACTOR, staff, "khong_co")


def test_record_departure_locks_the_account(make_staff):
    staff = make_staff("can_bo", Staff.Role.STAFF)
    today = timezone.localdate()
    mark = head()
    services.record_departure(ACTOR, staff, on=today, reason="Chuyển công tác")
    staff.refresh_from_db()
    assert staff.left_on == today
    assert staff.left_reason == "Chuyển công tác"
    assert not staff.user.is_active
    assert not staff.is_active_on(today)
    assert staff.is_active_on(today - dt.timedelta(days=1))
    (event,) = events_after(mark)
    assert event.action == "people.staff.departure"
    assert "Chuyển công tác" in event.payload
    with pytest.raises(ValidationError, match="đã được ghi nhận"):
        services.record_departure(ACTOR, staff, on=today, reason="Lần hai")
    with pytest.raises(ValidationError):
        services.change_clearance(ACTOR, staff, "mat")


def test_record_departure_refuses_future_date_and_missing_reason(make_staff):
    staff = make_staff("can_bo", Staff.Role.STAFF)
    with pytest.raises(ValidationError, match="đã đến"):
        services.record_departure(
            ACTOR, staff, on=timezone.localdate() + dt.timedelta(days=3), reason="Nghỉ hưu"
        )
    with pytest.raises(ValidationError, match="lý do"):
        services.record_departure(ACTOR, staff, on=timezone.localdate(), reason=" ")
    staff.refresh_from_db()
    assert staff.left_on is None


def test_create_admin_is_a_superuser_with_an_event():
    mark = head()
    user = services.create_admin(ACTOR, username="quantri1", password=PASSWORD)
    assert user.is_superuser and user.is_staff
    assert user.password.startswith("argon2")
    (event,) = events_after(mark)
    assert event.action == "people.admin.create"
    assert not hasattr(user, "staff") or Staff.objects.filter(user=user).count() == 0
