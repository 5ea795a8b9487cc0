"""Issuing an approved item: its line in the outgoing register and its copies "x/y".

Registration comes before delivery (Decree 26/2020 Art. 4(1)(a); Decree 63/2026 Art. 6). No
summary is ever stored for Tuyệt mật.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from bmnn.people.models import OrgUnit, Staff
from bmnn.registry.models import Copy, Register, RegisterEntry, SecretItem
from bmnn.registry.rulebook import refuse
from bmnn.registry.services._base import (
    REGISTER_KEEPERS,
    add_entry,
    day,
    obj,
    require_active,
    require_role,
    search_text,
)
from bmnn.web import ledger


def check_no_summary(level: str, summary: str, on: dt.date) -> None:
    if level == "tuyet_mat" and summary.strip():
        raise refuse(
            "register.no_summary_tuyet_mat",
            on,
            "Không ghi trích yếu của tài liệu, vật chứa độ Tuyệt mật; chỉ ghi tên loại.",
        )


def register_outgoing(
    actor: str,
    item: SecretItem,
    clerk: Staff,
    *,
    number_symbol: str,
    doc_type: str,
    signer: str,
    summary: str | None = None,
    keeping_unit: OrgUnit | None = None,
    electronic_copies: bool = False,
    note: str = "",
    on: dt.date | None = None,
) -> RegisterEntry:
    """Enter an approved item in the outgoing register and create its issued copies 1..N, held
    by the clerk until delivered."""
    on = day(on)
    require_role(clerk, REGISTER_KEEPERS, "vào Sổ đăng ký bí mật nhà nước đi")
    require_active(clerk, on)
    number_symbol, doc_type, signer = number_symbol.strip(), doc_type.strip(), signer.strip()
    if not (number_symbol and doc_type and signer):
        raise ValidationError("Cần ghi số, ký hiệu, tên loại và người ký.")
    with transaction.atomic():
        item = SecretItem.objects.select_for_update().get(pk=item.pk)
        if item.status != SecretItem.Status.DRAFT or item.origin != SecretItem.Origin.OUTGOING:
            raise ValidationError("Tài liệu này đã được vào sổ hoặc không phải tài liệu đi.")
        summary = item.summary if summary is None else summary.strip()
        check_no_summary(item.level, summary, on)
        if on < item.classified_on:
            raise ValidationError("Ngày vào sổ trước ngày xác định độ mật.")
        item.number_symbol, item.doc_type, item.summary, item.signer = (
            number_symbol,
            doc_type,
            summary,
            signer,
        )
        if keeping_unit is not None:
            item.owner_unit = keeping_unit
        item.status, item.status_on, item.document_date = SecretItem.Status.ACTIVE, on, on
        item.search_text = search_text(item)
        item.save()
        entry = add_entry(
            Register.Kind.OUTGOING,
            item,
            clerk,
            on,
            note=note.strip(),
            recipients_text=item.recipients_text,
            copies=item.copies_issued,
        )
        Copy.objects.bulk_create(
            Copy(
                item=item,
                number=n,
                of_total=item.copies_issued,
                electronic=electronic_copies or item.kind == SecretItem.Kind.ELECTRONIC,
                custodian=clerk,
                location="Văn thư",
            )
            for n in range(1, item.copies_issued + 1)
        )
        ledger.record(
            actor,
            "registry.outgoing.register",
            obj(entry),
            {
                "item": item.pk,
                "register": entry.register_id,
                "number": entry.number,
                "number_symbol": number_symbol,
                "level": item.level,
                "copies": item.copies_issued,
                "on": on.isoformat(),
            },
        )
    return entry
