"""Need-to-know grants: an explicit, purposeful, dated permission for one person to see one item.

The gate (bmnn.registry.selectors.visible_items) reads the grants: a grant counts while it is
not revoked and not past `valid_to`, and never above the person's clearance. Who may grant: a
leader of the unit that keeps the item (or of a unit above it, the head of the agency included)
and the officer in charge of BMNN work of that agency; and only to someone whose clearance
covers the level. Recipient grants (source=recipient) are written by delivery.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from bmnn.people.models import Staff
from bmnn.people.selectors import subunits
from bmnn.registry.models import LEVEL_RANK, Grant, SecretItem
from bmnn.registry.selectors import visible_items
from bmnn.registry.services._base import OFFICERS, day, level_name, obj, require_active
from bmnn.web import ledger

GRANTABLE = (SecretItem.Status.DRAFT, SecretItem.Status.ACTIVE)


def may_grant(staff: Staff, item: SecretItem, on: dt.date) -> bool:
    """Whether `staff` may grant (or revoke) access to `item` on `on`: a leader of its keeping
    unit or above, or the officer in charge of BMNN work in its agency, who can see it."""
    if not staff.is_active_on(on):
        return False
    unit = item.owner_unit
    leads = staff.role == Staff.Role.LEADER and unit.pk in {u.pk for u in subunits(staff.org_unit)}
    officer = staff.role in OFFICERS and staff.org_unit.agency().pk == unit.agency().pk
    # Nobody grants what they may not see themselves (clearance included).
    return (leads or officer) and visible_items(staff, on).filter(pk=item.pk).exists()


def _require_granter(staff: Staff, item: SecretItem, on: dt.date, what: str) -> None:
    if not may_grant(staff, item, on):
        raise PermissionDenied(
            f"{staff.full_name} không có thẩm quyền {what} tiếp cận tài liệu này (chỉ lãnh đạo "
            "đơn vị lưu, người đứng đầu cơ quan, cán bộ chuyên trách/kiêm nhiệm bảo vệ BMNN)."
        )


def grant(
    actor: str,
    item: SecretItem,
    staff: Staff,
    *,
    granted_by: Staff,
    purpose: str,
    valid_to: dt.date | None = None,
    on: dt.date | None = None,
) -> Grant:
    """Let `staff` see `item` for `purpose`, until `valid_to` (inclusive) or revocation."""
    on = day(on)
    purpose = purpose.strip()
    if not purpose:
        raise ValidationError("Cần ghi mục đích tiếp cận.")
    if valid_to is not None:
        if not isinstance(valid_to, dt.date) or isinstance(valid_to, dt.datetime):
            raise ValidationError("Ngày hết hạn không hợp lệ.")
        if valid_to < on:
            raise ValidationError("Ngày hết hạn trước ngày cấp quyền.")
    require_active(staff, on)
    with transaction.atomic():
        item = SecretItem.objects.select_for_update().select_related("owner_unit").get(pk=item.pk)
        _require_granter(granted_by, item, on, "cho")
        if item.status not in GRANTABLE:
            raise ValidationError(
                f"Tài liệu đang ở tình trạng «{item.get_status_display()}»; không cấp quyền."
            )
        if staff.org_unit.agency().pk != item.owner_unit.agency().pk:
            raise ValidationError(
                "Chỉ cấp quyền cho người của cơ quan; cung cấp cho nơi khác theo thủ tục cung cấp."
            )
        if LEVEL_RANK.get(staff.clearance, 0) < LEVEL_RANK[item.level]:
            # No article fixes personal clearance levels (the agency's own rules do).
            held = level_name(staff.clearance) if staff.clearance else "(không)"
            raise ValidationError(
                f"{staff.full_name} chỉ được tiếp cận đến độ {held}; không cấp quyền tiếp cận "
                f"tài liệu độ {level_name(item.level)}."
            )
        live = Grant.objects.filter(
            item=item, staff=staff, source=Grant.Source.EXPLICIT, revoked_on__isnull=True
        ).exclude(valid_to__lt=on)
        if live.exists():
            raise ValidationError(f"{staff.full_name} đang có quyền tiếp cận tài liệu này.")
        row = Grant.objects.create(
            item=item,
            staff=staff,
            source=Grant.Source.EXPLICIT,
            purpose=purpose,
            valid_to=valid_to,
            granted_by=granted_by,
            granted_on=on,
        )
        ledger.record(
            actor,
            "registry.access.grant",
            obj(row),
            {
                "item": item.pk,
                "level": item.level,
                "staff": staff.pk,
                "granted_by": granted_by.pk,
                "purpose": purpose,
                "valid_to": valid_to.isoformat() if valid_to else None,
                "on": on.isoformat(),
            },
        )
    return row


def revoke(actor: str, grant: Grant, *, by: Staff, on: dt.date | None = None) -> Grant:
    """End a grant (explicit or recipient) from `on`; the person no longer sees the item through
    it. Custody or another grant may still let them see it."""
    on = day(on)
    with transaction.atomic():
        row = Grant.objects.select_for_update().select_related("item__owner_unit").get(pk=grant.pk)
        if row.revoked_on is not None:
            raise ValidationError(f"Quyền này đã bị thu hồi ngày {row.revoked_on:%d/%m/%Y}.")
        if on < row.granted_on:
            raise ValidationError("Ngày thu hồi trước ngày cấp quyền.")
        if by.pk != row.granted_by_id:
            _require_granter(by, row.item, on, "thu hồi quyền")
        else:
            require_active(by, on)
        row.revoked_on, row.revoked_by = on, by
        row.save(update_fields=["revoked_on", "revoked_by"])
        ledger.record(
            actor,
            "registry.access.revoke",
            obj(row),
            {"item": row.item_id, "staff": row.staff_id, "by": by.pk, "on": on.isoformat()},
        )
    return row
