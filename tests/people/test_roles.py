"""BMNN roles → Django groups and permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from bmnn.people import roles
from bmnn.people.models import Staff

pytestmark = pytest.mark.django_db


def _perms(group: Group) -> set[str]:
    return {
        f"{app}.{code}"
        for app, code in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_every_role_has_a_vietnamese_group_and_a_permission_list():
    assert set(roles.GROUP_NAMES) == set(Staff.Role.values)
    assert set(roles.PERMISSIONS) == set(Staff.Role.values)
    assert len(set(roles.GROUP_NAMES.values())) == len(roles.GROUP_NAMES)
    assert roles.GROUP_NAMES[Staff.Role.CLERK] == "Văn thư"


def test_groups_exist_after_migrate_with_exactly_the_mapped_permissions():
    for role, name in roles.GROUP_NAMES.items():
        group = Group.objects.get(name=name)
        assert _perms(group) == set(roles.PERMISSIONS[role]), role


def test_the_map_says_who_does_what():
    officer = set(roles.PERMISSIONS[Staff.Role.CHUYEN_TRACH])
    assert {"people.add_staff", "people.change_staff", "people.add_delegation"} <= officer
    assert roles.PERMISSIONS[Staff.Role.KIEM_NHIEM] == roles.PERMISSIONS[Staff.Role.CHUYEN_TRACH]
    assert "people.view_staff" in roles.PERMISSIONS[Staff.Role.CLERK]
    assert "catalogue.view_catalogueitem" in roles.PERMISSIONS[Staff.Role.DRAFTER]
    for role in (Staff.Role.LEADER, Staff.Role.INSPECTOR):
        assert all(p.split(".")[1].startswith("view_") for p in roles.PERMISSIONS[role])
    # Nobody deletes: records end by events.
    assert not any(".delete_" in p for perms in roles.PERMISSIONS.values() for p in perms)


def test_ensure_groups_is_idempotent_and_repairs_drift():
    clerk = Group.objects.get(name=roles.GROUP_NAMES[Staff.Role.CLERK])
    clerk.permissions.clear()
    roles.ensure_groups()
    roles.ensure_groups()
    assert Group.objects.filter(name__in=roles.GROUP_NAMES.values()).count() == len(
        roles.GROUP_NAMES
    )
    assert _perms(clerk) == set(roles.PERMISSIONS[Staff.Role.CLERK])


def test_post_migrate_recreates_missing_groups():
    Group.objects.filter(name__in=roles.GROUP_NAMES.values()).delete()
    call_command("migrate", verbosity=0)
    assert Group.objects.filter(name__in=roles.GROUP_NAMES.values()).count() == len(
        roles.GROUP_NAMES
    )


def test_assign_leaves_other_groups_alone(make_staff):
    staff = make_staff("can_bo", Staff.Role.CLERK)
    extra = Group.objects.create(name="Nhóm riêng của đơn vị")
    staff.user.groups.add(extra)
    roles.assign(staff.user, Staff.Role.INSPECTOR)
    names = set(staff.user.groups.values_list("name", flat=True))
    assert names == {"Nhóm riêng của đơn vị", roles.GROUP_NAMES[Staff.Role.INSPECTOR]}
    assert staff.user.is_staff
