"""Taking a copy out of its place of storage (mang ra khỏi nơi lưu giữ), and bringing it back.

The person asks in writing, stating who they are, the item, purpose, time, place and protection
measures (Decree 26/2020 Art. 5(2)). The head or an authorised deputy of the agency that manages
the secret permits a domestic trip; a trip abroad needs a holder named in Law 29/2018 Art. 14(2)
(a Sở director is not one). While out the copy is in the person's custody; at the end of the task
the person reports on its use and hands it back (Decree 26/2020 Art. 5(1)).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from bmnn.people.models import Staff
from bmnn.registry.models import LEVEL_RANK, Copy, SecretItem, TakeOut
from bmnn.registry.rulebook import refuse, require, rule, stamp
from bmnn.registry.services._base import day, level_name, obj, require_active
from bmnn.web import ledger
from bmnn.web.errors import Refused


def _missing_request_fields(fields: dict[str, str]) -> list[str]:
    return [label for label, value in fields.items() if not value]


def request_take_out(
    actor: str,
    copy: Copy,
    *,
    person: Staff,
    position: str,
    unit_name: str,
    purpose: str,
    place: str,
    start_on: dt.date | None,
    due_on: dt.date | None,
    protection: str,
    abroad: bool = False,
    decided_by: Staff,
    approve: bool = True,
    refusal_reason: str = "",
    on: dt.date | None = None,
) -> TakeOut:
    """Record the written request and the competent person's decision on it.

    Approved: the copy is OUT, in `person`'s custody, until `return_copy`. Refused: the row keeps
    the written reason; the copy does not move. A decider without authority is refused by law and
    nothing is written.
    """
    on = day(on)
    position, unit_name, purpose = position.strip(), unit_name.strip(), purpose.strip()
    place, protection, refusal_reason = place.strip(), protection.strip(), refusal_reason.strip()
    missing = _missing_request_fields(
        {
            "họ tên người mang": person.full_name if person else "",
            "chức vụ": position,
            "đơn vị công tác": unit_name,
            "mục đích sử dụng": purpose,
            "thời gian (từ ngày, đến ngày)": "x" if start_on and due_on else "",
            "địa điểm công tác": place,
            "biện pháp bảo vệ": protection,
        }
    )
    if missing:
        raise refuse(
            "take_out.request",
            on,
            "Văn bản xin phép mang tài liệu ra khỏi nơi lưu giữ còn thiếu: " + ", ".join(missing),
        )
    if due_on < start_on:
        raise ValidationError("Hạn nộp lại trước ngày bắt đầu mang ra.")
    if start_on < on:
        raise ValidationError("Ngày bắt đầu mang ra trước ngày được cho phép.")
    if not approve and not refusal_reason:
        raise ValidationError("Không cho phép thì phải trả lời bằng văn bản, ghi rõ lý do.")
    require_active(person, on)
    action = "take_out_abroad" if abroad else "take_out_domestic"
    with transaction.atomic():
        copy = Copy.objects.select_for_update().select_related("item__owner_unit").get(pk=copy.pk)
        item = copy.item
        if item.status != SecretItem.Status.ACTIVE:
            raise ValidationError(f"Tài liệu đang ở tình trạng «{item.get_status_display()}».")
        if approve and copy.state != Copy.State.HELD:
            raise ValidationError(
                f"{copy} đang ở tình trạng «{copy.get_state_display()}», không mang ra được."
            )
        if LEVEL_RANK.get(person.clearance, 0) < LEVEL_RANK[item.level]:
            raise PermissionDenied(
                f"{person.full_name} không được tiếp cận bí mật nhà nước độ "
                f"{level_name(item.level)}."
            )
        decision = require(decided_by, action, item.level, on)
        if decided_by.org_unit.agency() != item.owner_unit.agency():
            # Art. 14(1): the head of the agency that directly manages the secret, not another's.
            raise Refused(
                f"{decided_by.full_name} không thuộc cơ quan trực tiếp quản lý tài liệu này.",
                decision.citation,
            )
        take_out = TakeOut(
            item=item,
            copy=copy,
            person=person,
            position=position,
            unit_name=unit_name,
            purpose=purpose,
            place=place,
            abroad=abroad,
            start_on=start_on,
            due_on=due_on,
            protection=protection,
            decided_by=decided_by,
            decided_on=on,
            status=TakeOut.Status.APPROVED if approve else TakeOut.Status.REFUSED,
            refusal_reason="" if approve else refusal_reason,
            **stamp(decision),
        )
        if approve:
            take_out.released_by, take_out.from_location = copy.custodian, copy.location
            copy.state, copy.custodian, copy.location = Copy.State.OUT, person, place
            copy.save(update_fields=["state", "custodian", "location"])
        take_out.save()
        ledger.record(
            actor,
            "registry.take_out.approve" if approve else "registry.take_out.refuse",
            obj(take_out),
            {
                "item": item.pk,
                "copy": copy.pk,
                "person": person.pk,
                "abroad": abroad,
                "start_on": start_on.isoformat(),
                "due_on": due_on.isoformat(),
                "decided_by": decided_by.pk,
                "on": on.isoformat(),
                "refusal_reason": take_out.refusal_reason,
                **stamp(decision),
            },
        )
    return take_out


def return_copy(
    actor: str,
    take_out: TakeOut,
    *,
    report: str,
    received_by: Staff,
    on: dt.date | None = None,
) -> TakeOut:
    """The copy comes back with the report on its use; it is held again by `received_by`."""
    on = day(on)
    report = report.strip()
    if not report:
        raise refuse(
            "take_out.return",
            on,
            "Khi kết thúc nhiệm vụ phải báo cáo người đã cho phép về việc quản lý, sử dụng tài "
            "liệu mang ra khỏi nơi lưu giữ.",
        )
    require_active(received_by, on)
    with transaction.atomic():
        take_out = TakeOut.objects.select_for_update().get(pk=take_out.pk)
        if take_out.status != TakeOut.Status.APPROVED:
            raise ValidationError("Chỉ nộp lại được tài liệu đã được phép mang ra và chưa nộp.")
        if on < take_out.decided_on:
            raise ValidationError("Ngày nộp lại trước ngày được cho phép mang ra.")
        copy = Copy.objects.select_for_update().get(pk=take_out.copy_id)
        if copy.state != Copy.State.OUT:
            raise ValidationError(f"{copy} không ở tình trạng đang mang ra ngoài.")
        ref = rule("take_out.return", on)
        copy.state, copy.custodian = Copy.State.HELD, received_by
        copy.location = take_out.from_location
        copy.save(update_fields=["state", "custodian", "location"])
        take_out.status, take_out.returned_on = TakeOut.Status.RETURNED, on
        take_out.return_report, take_out.received_by = report, received_by
        take_out.save(update_fields=["status", "returned_on", "return_report", "received_by"])
        ledger.record(
            actor,
            "registry.take_out.return",
            obj(take_out),
            {
                "item": take_out.item_id,
                "copy": copy.pk,
                "received_by": received_by.pk,
                "on": on.isoformat(),
                "late": on > take_out.due_on,
                "report_citation": ref.citation,
            },
        )
    return take_out
