"""A person leaves (thôi việc, chuyển công tác, nghỉ hưu, từ trần): recall, commitment, close.

The head of the agency recalls what an assigned person managed when they leave (Law 29/2018
Art. 25(4), rule departure.recall); before leaving the person hands it over and signs a
commitment to keep protecting it (Art. 26(2)(d), rule departure.handover). Closing the
departure proves both; it then records the departure in the staff list if nobody has yet.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bmnn.people import services as people_services
from bmnn.people.models import Staff
from bmnn.registry.models import Copy, Departure, Recall, RecallTask
from bmnn.registry.rulebook import refuse, rule
from bmnn.registry.selectors import HELD_STATES, visible_items
from bmnn.registry.services._base import OFFICERS, day, obj, require_active
from bmnn.registry.services.recall import create_tasks, may_lead, same_agency
from bmnn.web import ledger


def _require_manager(by: Staff, staff: Staff, on: dt.date, what: str) -> None:
    """The officer in charge of the agency, or a leader of the person's unit or above."""
    require_active(by, on)
    if by.pk == staff.pk:
        raise PermissionDenied(f"{by.full_name} không tự {what} cho chính mình.")
    if not (
        (by.role in OFFICERS and same_agency(by, staff.org_unit)) or may_lead(by, staff.org_unit)
    ):
        raise PermissionDenied(
            f"{by.full_name} không có nhiệm vụ {what} (chỉ cán bộ bảo vệ BMNN hoặc lãnh đạo "
            "đơn vị của người thôi công tác)."
        )


def open_departure(
    actor: str,
    staff: Staff,
    *,
    reason: str,
    leaves_on: dt.date,
    opened_by: Staff,
    on: dt.date | None = None,
) -> Departure:
    """Open the departure and recall everything in the person's custody (held or taken out),
    due on the day they leave."""
    on = day(on)
    _require_manager(opened_by, staff, on, "mở thủ tục thôi công tác")
    if reason not in Departure.Reason.values:
        raise ValidationError(f"Lý do «{reason}» không hợp lệ.")
    if not isinstance(leaves_on, dt.date) or isinstance(leaves_on, dt.datetime):
        raise ValidationError("Ngày thôi công tác không hợp lệ.")
    if leaves_on < staff.active_from:
        raise ValidationError("Ngày thôi công tác trước ngày bắt đầu công tác.")
    ref = rule("departure.recall", on)
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=staff.pk)
        if Departure.objects.filter(staff=staff, closed_on__isnull=True).exists():
            raise refuse(
                "departure.recall",
                on,
                f"Đã có thủ tục thôi công tác chưa hoàn thành của {staff.full_name}.",
            )
        departure = Departure.objects.create(
            staff=staff, reason=reason, leaves_on=leaves_on, opened_by=opened_by, opened_on=on
        )
        copies = list(
            Copy.objects.select_for_update(of=("self",))
            .filter(custodian=staff, state__in=HELD_STATES)
            .select_related("custodian")
            .order_by("item_id", "form", "number")
        )
        recall = None
        if copies:
            # A death is often recorded after the day; a deadline before the notice is no deadline.
            recall = Recall.objects.create(
                departure=departure,
                issued_by=opened_by,
                issued_on=on,
                due_on=max(leaves_on, on),
                reason=f"{departure.get_reason_display()}: {staff.full_name}",
            )
            create_tasks(recall, copies)
        ledger.record(
            actor,
            "registry.departure.open",
            obj(departure),
            {
                "staff": staff.pk,
                "reason": reason,
                "leaves_on": leaves_on.isoformat(),
                "opened_by": opened_by.pk,
                "on": on.isoformat(),
                "recall": recall.pk if recall else None,
                "copies": [c.pk for c in copies],
                **ref.stamp(),
            },
        )
    return departure


def record_commitment(
    actor: str,
    departure: Departure,
    *,
    by: Staff,
    commitment_number: str,
    on: dt.date | None = None,
) -> Departure:
    """The signed commitment to keep protecting what the person managed (cam kết)."""
    on = day(on)
    commitment_number = commitment_number.strip()
    with transaction.atomic():
        departure = (
            Departure.objects.select_for_update().select_related("staff").get(pk=departure.pk)
        )
        _require_manager(by, departure.staff, on, "ghi nhận bản cam kết")
        if not commitment_number:
            raise ValidationError("Cần ghi số bản cam kết.")
        if departure.closed_on is not None:
            raise refuse("departure.handover", on, "Thủ tục thôi công tác này đã kết thúc.")
        if departure.reason == Departure.Reason.DEATH:
            raise refuse(
                "departure.handover",
                on,
                "Người từ trần không thể ký cam kết; chỉ cần thu hồi đủ tài liệu.",
            )
        if departure.commitment_on is not None:
            raise refuse(
                "departure.handover",
                on,
                f"Đã ghi nhận bản cam kết số {departure.commitment_number} ngày "
                f"{departure.commitment_on:%d/%m/%Y}.",
            )
        if departure.opened_on and on < departure.opened_on:
            raise ValidationError("Ngày cam kết trước ngày mở thủ tục.")
        departure.commitment_number, departure.commitment_on = commitment_number, on
        departure.save(update_fields=["commitment_number", "commitment_on"])
        ledger.record(
            actor,
            "registry.departure.commitment",
            obj(departure),
            {
                "staff": departure.staff_id,
                "by": by.pk,
                "commitment_number": commitment_number,
                "on": on.isoformat(),
                **rule("departure.handover", on).stamp(),
            },
        )
    return departure


def outstanding(departure: Departure) -> list[RecallTask]:
    """The recall tasks of the departure not yet returned.

    Not gated: the services use it to decide whether the departure may close, and the count is
    safe to show. Views listing the copies use `outstanding_for`, which is."""
    return list(
        RecallTask.objects.filter(recall__departure=departure, returned_on__isnull=True)
        .select_related("copy__item", "holder", "recall")
        .order_by("copy__item_id", "copy__form", "copy__number")
    )


def outstanding_for(viewer: Staff | None, departure: Departure) -> list[RecallTask]:
    """The open tasks of the departure whose items `viewer` may see."""
    visible = set(visible_items(viewer).values_list("pk", flat=True))
    return [t for t in outstanding(departure) if t.copy.item_id in visible]


def close_departure(
    actor: str, departure: Departure, *, by: Staff, on: dt.date | None = None
) -> Departure:
    """Close once every recalled copy is back and the commitment is signed.

    After a death there is nobody to sign a commitment (Art. 26(2)(d) binds the person who
    leaves), so only the recall must be complete. When the leaving day has come and the staff
    list does not say so yet, the departure is recorded there too, in the same transaction.
    """
    on = day(on)
    with transaction.atomic():
        departure = (
            Departure.objects.select_for_update().select_related("staff").get(pk=departure.pk)
        )
        _require_manager(by, departure.staff, on, "kết thúc thủ tục thôi công tác")
        if departure.closed_on is not None:
            raise refuse(
                "departure.handover",
                on,
                f"Thủ tục này đã kết thúc ngày {departure.closed_on:%d/%m/%Y}.",
            )
        if departure.opened_on and on < departure.opened_on:
            raise ValidationError("Ngày kết thúc trước ngày mở thủ tục.")
        open_ = outstanding(departure)
        if open_:
            raise refuse(
                "departure.handover",
                on,
                f"Còn {len(open_)} bản chưa được nộp lại; chưa kết thúc được thủ tục.",
            )
        death = departure.reason == Departure.Reason.DEATH
        if not death and departure.commitment_on is None:
            raise refuse(
                "departure.handover",
                on,
                "Chưa có bản cam kết bảo vệ bí mật nhà nước của người thôi công tác.",
            )
        departure.closed_on, departure.closed_by = on, by
        departure.save(update_fields=["closed_on", "closed_by"])
        staff = departure.staff
        recorded = staff.left_on is None and departure.leaves_on <= timezone.localdate()
        if recorded:
            people_services.record_departure(
                actor, staff, on=departure.leaves_on, reason=departure.get_reason_display()
            )
        ledger.record(
            actor,
            "registry.departure.close",
            obj(departure),
            {
                "staff": staff.pk,
                "by": by.pk,
                "on": on.isoformat(),
                "commitment_number": departure.commitment_number,
                "staff_departure_recorded": recorded,
                **rule("departure.handover", on).stamp(),
            },
        )
    return departure
