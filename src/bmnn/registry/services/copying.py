"""Copying, extracting, photographing (sao y, sao lục, trích sao, chụp, giấy → điện tử).

A copy needs the permission of a person holding `copy` authority for the level on that day
(Law 117/2025 Art. 11; a written delegation to a deputy counts), is made by a person working on
state secrets (Law 29/2018 Art. 11(6), rule copy.copier), and is entered in the copy register
(Decree 26/2020 Art. 3(2)-(3), rule copy.register). A document marked "không được phép sao,
chụp" is never copied (rule copy.not_allowed).

Copies are rows of the same item, so they carry its level by construction. Each form is numbered
on its own, continuing across orders: the second "sao y" order of an item starts after the last
"sao y" copy. Spoiled or surplus copies must be destroyed at once: they never become Copy rows
(they were never valid copies); their number is recorded on the order and the register line, and
their destruction is a ledger event citing copy.register.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from bmnn.people.models import Staff
from bmnn.registry.models import LEVEL_RANK, Copy, CopyOrder, Register, SecretItem
from bmnn.registry.rulebook import refuse, require, rule, stamp
from bmnn.registry.services._base import add_entry, day, level_name, obj
from bmnn.web import ledger

COPY_FORMS = frozenset(
    {
        Copy.Form.SAO_Y,
        Copy.Form.SAO_LUC,
        Copy.Form.TRICH_SAO,
        Copy.Form.CHUP,
        Copy.Form.PAPER_TO_ELECTRONIC,
    }
)


def _covers(staff: Staff, level: str) -> bool:
    return LEVEL_RANK.get(staff.clearance, 0) >= LEVEL_RANK[level]


def _clearance(staff: Staff) -> str:
    return level_name(staff.clearance) if staff.clearance else "(không)"


def order_copies(
    actor: str,
    item: SecretItem,
    *,
    requester: Staff,
    authoriser: Staff,
    copier: Staff,
    form: str,
    count: int,
    recipients_text: str = "",
    spoiled: int = 0,
    electronic: bool = False,
    note: str = "",
    on: dt.date | None = None,
) -> CopyOrder:
    """Record an authorised copy order: its line in the copy register, the order with the rule
    that allowed it, and `count` new copies held by the copier. `spoiled` copies made and
    destroyed at once are counted, not kept."""
    on = day(on)
    recipients_text, note = recipients_text.strip(), note.strip()
    if form not in COPY_FORMS:
        raise ValidationError(f"Hình thức sao, chụp «{form}» không hợp lệ.")
    for value, what in ((count, "Số bản sao, chụp"), (spoiled, "Số bản hỏng")):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError(f"{what} không hợp lệ.")
    if count < 1:
        raise ValidationError("Số bản sao, chụp phải từ 1 trở lên.")
    for person, what in ((requester, "Người đề nghị"), (copier, "Người sao, chụp")):
        if not person.is_active_on(on):
            raise PermissionDenied(
                f"{what} {person.full_name} không công tác vào ngày {on:%d/%m/%Y}."
            )
    with transaction.atomic():
        item = SecretItem.objects.select_for_update().select_related("owner_unit").get(pk=item.pk)
        if item.status != SecretItem.Status.ACTIVE:
            raise ValidationError(
                f"Tài liệu đang ở tình trạng «{item.get_status_display()}»; chỉ sao, chụp tài "
                "liệu đang được bảo vệ."
            )
        if not item.copy_allowed:
            raise refuse(
                "copy.not_allowed",
                on,
                "Tài liệu ghi «không được phép sao, chụp» ở mục nơi nhận: không được sao, chụp.",
            )
        agency = item.owner_unit.agency()
        for person in (requester, authoriser, copier):
            if person.org_unit.agency().pk != agency.pk:
                raise PermissionDenied(
                    f"{person.full_name} không thuộc cơ quan trực tiếp quản lý tài liệu."
                )
        decision = require(authoriser, "copy", item.level, on)
        if not _covers(copier, item.level):
            raise refuse(
                "copy.copier",
                on,
                f"{copier.full_name} chỉ được tiếp cận đến độ {_clearance(copier)}; không được "
                f"giao sao, chụp tài liệu độ {level_name(item.level)}.",
            )
        if not _covers(requester, item.level):
            # No article names the requester; the agency's clearance list is the check.
            raise ValidationError(
                f"{requester.full_name} chỉ được tiếp cận đến độ {_clearance(requester)}; không "
                f"đề nghị sao, chụp được tài liệu độ {level_name(item.level)}."
            )
        last = Copy.objects.filter(item=item, form=form).aggregate(n=Max("number"))["n"] or 0
        first_number, last_number = last + 1, last + count
        form_label = Copy.Form(form).label
        line_note = f"{form_label}, bản số {first_number:02d}–{last_number:02d}"
        if spoiled:
            line_note += f"; đã hủy ngay {spoiled} bản hỏng, dư thừa"
        if note:
            line_note += f"; {note}"
        entry = add_entry(
            Register.Kind.COPY,
            item,
            copier,
            on,
            note=line_note,
            recipients_text=recipients_text,
            copies=count,
        )
        order = CopyOrder.objects.create(
            entry=entry,
            item=item,
            form=form,
            count=count,
            requester=requester,
            authoriser=authoriser,
            copier=copier,
            recipients_text=recipients_text,
            ordered_on=on,
            first_number=first_number,
            last_number=last_number,
            spoiled=spoiled,
            **stamp(decision),
        )
        electronic = electronic or form == Copy.Form.PAPER_TO_ELECTRONIC
        Copy.objects.bulk_create(
            Copy(
                item=item,
                number=n,
                # "Bản số x/y" of a copy: y is how many of that form exist after this order.
                of_total=last_number,
                form=form,
                electronic=electronic,
                custodian=copier,
                location="Nơi sao, chụp",
                copy_order=order,
            )
            for n in range(first_number, last_number + 1)
        )
        ledger.record(
            actor,
            "registry.copy.order",
            obj(order),
            {
                "item": item.pk,
                "level": item.level,
                "form": form,
                "count": count,
                "first_number": first_number,
                "last_number": last_number,
                "requester": requester.pk,
                "authoriser": authoriser.pk,
                "copier": copier.pk,
                "register": entry.register_id,
                "number": entry.number,
                "on": on.isoformat(),
                **stamp(decision),
            },
        )
        if spoiled:
            ref = rule("copy.register", on)
            ledger.record(
                actor,
                "registry.copy.spoiled_destroyed",
                obj(order),
                {
                    "item": item.pk,
                    "count": spoiled,
                    "by": copier.pk,
                    "on": on.isoformat(),
                    **ref.stamp(),
                },
            )
    return order
