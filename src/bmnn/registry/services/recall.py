"""Recall notices ("Tài liệu thu hồi") and the return of each recalled copy.

A recall opens one task per copy that is out of the office's hands: held by a person who is not
a register keeper (clerk, officer in charge), or sent outside the agency. The holder must send it
back by the date on the notice (Decree 26/2020 Art. 4(4), carried forward as baseline under
Decree 63/2026). A copy that comes back late is still taken back; the lateness is recorded.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bmnn.people.models import Staff
from bmnn.people.selectors import subunits
from bmnn.registry.models import Copy, Recall, RecallTask, SecretItem
from bmnn.registry.rulebook import refuse, rule
from bmnn.registry.selectors import visible_items
from bmnn.registry.services._base import (
    OFFICERS,
    REGISTER_KEEPERS,
    day,
    obj,
    require_active,
    require_role,
)
from bmnn.web import ledger

# Copies in these states no longer exist as something anyone can hand back.
GONE_STATES = (Copy.State.DESTROYED, Copy.State.SPOILED, Copy.State.LOST)
RETURNABLE_STATES = (Copy.State.HELD, Copy.State.OUT, Copy.State.SENT)


def same_agency(staff: Staff, other_unit) -> bool:
    return staff.org_unit.agency().pk == other_unit.agency().pk


def may_lead(staff: Staff, unit) -> bool:
    """A leader of `unit` or of a unit above it (the agency head and deputies included)."""
    return staff.role == Staff.Role.LEADER and unit.pk in {u.pk for u in subunits(staff.org_unit)}


def require_sees(staff: Staff, item: SecretItem, on: dt.date) -> None:
    # The same answer whether the item is above clearance or outside need-to-know.
    if not visible_items(staff, on).filter(pk=item.pk).exists():
        raise PermissionDenied(f"{staff.full_name} không được tiếp cận tài liệu này.")


def open_tasks(copies_q: Q) -> list[RecallTask]:
    return list(
        RecallTask.objects.filter(copies_q, returned_on__isnull=True).select_related("recall")
    )


def _out_of_office(copy: Copy) -> bool:
    if copy.state == Copy.State.SENT:
        return True
    return copy.custodian_id is not None and copy.custodian.role not in REGISTER_KEEPERS


def create_tasks(recall: Recall, copies: list[Copy]) -> list[RecallTask]:
    return RecallTask.objects.bulk_create(
        RecallTask(
            recall=recall,
            copy=c,
            holder=c.custodian if c.state != Copy.State.SENT else None,
            holder_outside=c.holder_outside if c.state == Copy.State.SENT else "",
        )
        for c in copies
    )


def issue_recall(
    actor: str,
    item: SecretItem,
    *,
    issued_by: Staff,
    due_on: dt.date,
    reason: str = "",
    on: dt.date | None = None,
) -> Recall:
    """A recall notice for `item`: every copy outside the office must be sent back by `due_on`.

    May issue: a leader of the unit that keeps the item (or of a unit above it, the head of the
    agency included) or the officer in charge of BMNN work of the agency.
    """
    on = day(on)
    require_active(issued_by, on)
    item = SecretItem.objects.select_related("owner_unit").get(pk=item.pk)
    if not (
        (issued_by.role in OFFICERS and same_agency(issued_by, item.owner_unit))
        or may_lead(issued_by, item.owner_unit)
    ):
        raise PermissionDenied(
            f"{issued_by.full_name} không có thẩm quyền thu hồi tài liệu (chỉ lãnh đạo đơn vị lưu "
            "tài liệu, người đứng đầu cơ quan hoặc cán bộ bảo vệ BMNN)."
        )
    require_sees(issued_by, item, on)
    if not isinstance(due_on, dt.date) or isinstance(due_on, dt.datetime):
        raise ValidationError("Hạn gửi lại không hợp lệ.")
    if due_on <= on:
        raise ValidationError("Hạn gửi lại phải sau ngày thông báo thu hồi.")
    if item.status != SecretItem.Status.ACTIVE:
        raise ValidationError(f"Tài liệu đang ở tình trạng «{item.get_status_display()}».")
    ref = rule("recall.return", on)
    with transaction.atomic():
        copies = list(
            Copy.objects.select_for_update(of=("self",))
            .filter(item=item)
            .exclude(state__in=GONE_STATES)
            .select_related("custodian")
            .order_by("form", "number")
        )
        pending = [t for t in open_tasks(Q(copy__item=item)) if t.recall.departure_id is None]
        if pending:
            raise refuse(
                "recall.return",
                on,
                f"Tài liệu đang có thông báo thu hồi chưa hoàn thành (hạn "
                f"{pending[0].recall.due_on:%d/%m/%Y}); không ra thông báo thứ hai.",
            )
        targets = [c for c in copies if _out_of_office(c)]
        if not targets:
            raise ValidationError(
                "Mọi bản của tài liệu đang ở bộ phận lưu giữ; không có gì thu hồi."
            )
        recall = Recall.objects.create(
            item=item, issued_by=issued_by, issued_on=on, due_on=due_on, reason=reason.strip()
        )
        tasks = create_tasks(recall, targets)
        ledger.record(
            actor,
            "registry.recall.issue",
            obj(recall),
            {
                "item": item.pk,
                "issued_by": issued_by.pk,
                "on": on.isoformat(),
                "due_on": due_on.isoformat(),
                "copies": [t.copy_id for t in tasks],
                **ref.stamp(),
            },
        )
    return recall


def confirm_return(
    actor: str, task: RecallTask, *, received_by: Staff, on: dt.date | None = None
) -> RecallTask:
    """The holder hands the copy back to a clerk or the officer in charge: the copy is held by
    the office again. Every other open recall of the same copy is satisfied by the same return."""
    on = day(on)
    require_role(received_by, REGISTER_KEEPERS, "nhận lại tài liệu thu hồi")
    require_active(received_by, on)
    with transaction.atomic():
        task = RecallTask.objects.select_for_update().select_related("recall").get(pk=task.pk)
        copy = (
            Copy.objects.select_for_update().select_related("item__owner_unit").get(pk=task.copy_id)
        )
        if not same_agency(received_by, copy.item.owner_unit):
            raise PermissionDenied(f"{received_by.full_name} không thuộc cơ quan lưu tài liệu.")
        if task.returned_on is not None:
            raise refuse(
                "recall.return",
                on,
                f"Bản này đã được nộp lại ngày {task.returned_on:%d/%m/%Y}.",
            )
        if on < task.recall.issued_on:
            raise ValidationError("Ngày nộp lại trước ngày thông báo thu hồi.")
        if copy.state not in RETURNABLE_STATES:
            raise ValidationError(f"Bản này đang ở tình trạng «{copy.get_state_display()}».")
        late = on > task.recall.due_on
        before = {
            "state": copy.state,
            "custodian": copy.custodian_id,
            "holder_outside": copy.holder_outside,
        }
        copy.state, copy.custodian, copy.holder_outside = Copy.State.HELD, received_by, ""
        copy.location = received_by.org_unit.name
        copy.save(update_fields=["state", "custodian", "holder_outside", "location"])
        others = [t for t in open_tasks(Q(copy=copy)) if t.pk != task.pk]
        closed = [task, *others]
        for t in closed:
            t.returned_on, t.received_by, t.late = on, received_by, on > t.recall.due_on
        RecallTask.objects.bulk_update(closed, ["returned_on", "received_by", "late"])
        ledger.record(
            actor,
            "registry.recall.return",
            obj(task),
            {
                "recall": task.recall_id,
                "copy": copy.pk,
                "received_by": received_by.pk,
                "on": on.isoformat(),
                "due_on": task.recall.due_on.isoformat(),
                "late": late,
                "before": before,
                "also_closed": [t.pk for t in others],
                **rule("recall.return", on).stamp(),
            },
        )
    return task


def recall_tasks(viewer: Staff | None, recall: Recall) -> list[RecallTask]:
    """The tasks of a recall that `viewer` may see (through the need-to-know gate)."""
    return list(
        RecallTask.objects.filter(recall=recall, copy__item__in=visible_items(viewer))
        .select_related("copy__item", "holder", "received_by")
        .order_by("copy__item_id", "copy__form", "copy__number")
    )


def overdue_tasks(viewer: Staff | None, on: dt.date | None = None) -> list[RecallTask]:
    """Open tasks past their due date, among the items `viewer` may see (the deadlines list)."""
    on = on or timezone.localdate()
    return list(
        RecallTask.objects.filter(
            returned_on__isnull=True,
            recall__due_on__lt=on,
            copy__item__in=visible_items(viewer, on),
        )
        .select_related("recall", "copy__item", "holder")
        .order_by("recall__due_on", "pk")
    )
