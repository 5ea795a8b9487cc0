"""BMNN roles → Django groups (Vietnamese names) and their model permissions.

Nobody gets `delete_*`: records are ended by events (departure, revocation, replacement), never
erased. Officers in charge of BMNN work keep the staff list, the delegations and the catalogue;
the others read what their work needs; inspectors read everything here and change nothing.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from bmnn.people.models import Staff

Role = Staff.Role

GROUP_NAMES: dict[str, str] = {
    Role.CHUYEN_TRACH: "Cán bộ chuyên trách bảo vệ BMNN",
    Role.KIEM_NHIEM: "Cán bộ kiêm nhiệm bảo vệ BMNN",
    Role.CLERK: "Văn thư",
    Role.DRAFTER: "Chuyên viên soạn thảo",
    Role.LEADER: "Lãnh đạo",
    Role.STAFF: "Cán bộ, công chức, viên chức",
    Role.INSPECTOR: "Cán bộ kiểm tra (Công an)",
}

_READ_ALL = (
    "people.view_orgunit",
    "people.view_staff",
    "people.view_delegation",
    "catalogue.view_cataloguedecision",
    "catalogue.view_catalogueitem",
)
_OFFICER = (
    *_READ_ALL,
    "people.add_orgunit",
    "people.change_orgunit",
    "people.add_staff",
    "people.change_staff",
    "people.add_delegation",
    "people.change_delegation",
    "catalogue.add_cataloguedecision",
    "catalogue.change_cataloguedecision",
    "catalogue.add_catalogueitem",
)

PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.CHUYEN_TRACH: _OFFICER,
    Role.KIEM_NHIEM: _OFFICER,
    # The clerk registers documents and needs to know who is who, and the catalogue for the level.
    Role.CLERK: (
        "people.view_orgunit",
        "people.view_staff",
        "catalogue.view_cataloguedecision",
        "catalogue.view_catalogueitem",
    ),
    # The drafter proposes a level citing a catalogue item.
    Role.DRAFTER: (
        "people.view_orgunit",
        "catalogue.view_cataloguedecision",
        "catalogue.view_catalogueitem",
    ),
    Role.LEADER: _READ_ALL,
    Role.STAFF: ("people.view_orgunit",),
    Role.INSPECTOR: _READ_ALL,
}

# Roles whose users may open the Django admin back-office (is_staff); permissions still apply.
ADMIN_SITE_ROLES = frozenset({Role.CHUYEN_TRACH, Role.KIEM_NHIEM, Role.INSPECTOR})


def _permission(codename: str) -> Permission:
    app_label, code = codename.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=code)


def ensure_group(role: str) -> Group:
    """The role's group, created if missing, with exactly the mapped permissions."""
    group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
    wanted = {_permission(name) for name in PERMISSIONS[role]}
    if set(group.permissions.all()) != wanted:
        group.permissions.set(wanted)
    return group


def assign(user, role: str) -> None:
    """Put `user` in the group of `role` (and out of the other roles' groups); only some roles
    open the admin site. Groups that are not role groups are left alone."""
    others = Group.objects.filter(name__in=GROUP_NAMES.values()).exclude(name=GROUP_NAMES[role])
    user.groups.remove(*others)
    user.groups.add(ensure_group(role))
    is_staff = role in ADMIN_SITE_ROLES
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


def ensure_groups() -> dict[str, Group]:
    with transaction.atomic():
        return {role: ensure_group(role) for role in GROUP_NAMES}


def on_post_migrate(sender, app_config=None, using="default", apps=None, **kwargs) -> None:
    """post_migrate handler (connected in PeopleConfig.ready): make sure the groups exist.

    It runs after people's migrations, before catalogue's post_migrate has created catalogue's
    permissions, so it creates the content types and permissions of both apps itself first.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for label in ("people", "catalogue"):
        config = global_apps.get_app_config(label)
        create_contenttypes(config, verbosity=0, using=using, apps=apps or global_apps)
        create_permissions(config, verbosity=0, using=using, apps=apps or global_apps)
    ensure_groups()
