"""Delivering copies (giao) and handing them over between custodians (bàn giao), both in the
transfer register (Sổ chuyển giao BMNN, Decree 26/2020 Art. 4(1)(c), rule register.transfer).

An item is delivered only once it is in the outgoing or the incoming register (Art. 4(1)(a),
rule register.outgoing). Tuyệt mật travels in two envelopes (the outer one stamped "A"); Tối mật
and Mật in one, stamped "B" or "C" (Art. 4(1)(b), rule envelope.packing, whose value gives the
envelopes per package). The receiver signs the line (`confirm_receipt`). A receiver on the staff
list gets a recipient grant (need to know by being a recipient); one inside the agency becomes
the custodian, while copies sent outside the agency leave the custody of anyone here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from bmnn.people.models import Staff
from bmnn.registry.models import (
    LEVEL_LETTER,
    LEVEL_RANK,
    Copy,
    Grant,
    Register,
    RegisterEntry,
    SecretItem,
    Transfer,
)
from bmnn.registry.rulebook import refuse, rule
from bmnn.registry.services._base import (
    REGISTER_KEEPERS,
    add_entry,
    day,
    level_name,
    obj,
    require_active,
    require_role,
)
from bmnn.rules import load_rulebook
from bmnn.web import ledger


def envelopes_per_package(level: str, on: dt.date) -> int:
    """How many envelopes one package of `level` takes on `on` (envelope.packing)."""
    version = load_rulebook().provision_near("envelope.packing", on)
    return int(version.value["envelopes"][level])


def _covers(staff: Staff, level: str) -> bool:
    return LEVEL_RANK.get(staff.clearance, 0) >= LEVEL_RANK[level]


def _require_clearance(staff: Staff, item: SecretItem, what: str) -> None:
    # No article fixes personal clearance levels (the agency's own rules do): a plain check.
    if not _covers(staff, item.level):
        held = level_name(staff.clearance) if staff.clearance else "(không)"
        raise ValidationError(
            f"{staff.full_name} chỉ được tiếp cận đến độ {held}; không {what} tài liệu độ "
            f"{level_name(item.level)}."
        )


def _locked_copies(copies: Iterable[Copy], holder: Staff) -> tuple[SecretItem, list[Copy]]:
    """The copies, locked, all of one item and all held here by `holder`."""
    ids = sorted({c.pk for c in copies})
    if not ids:
        raise ValidationError("Cần chọn ít nhất một bản.")
    rows = list(Copy.objects.select_for_update().filter(pk__in=ids).order_by("number"))
    if len(rows) != len(ids):
        raise ValidationError("Có bản không tồn tại.")
    if len({c.item_id for c in rows}) != 1:
        raise ValidationError("Mỗi lần giao chỉ gồm các bản của cùng một tài liệu.")
    for c in rows:
        if c.state != Copy.State.HELD or c.custodian_id != holder.pk:
            raise ValidationError(f"{c} không do {holder.full_name} đang quản lý.")
    item = SecretItem.objects.select_related("owner_unit").get(pk=rows[0].item_id)
    return item, rows


def _is_registered(item: SecretItem) -> bool:
    return RegisterEntry.objects.filter(
        item=item, register__kind__in=(Register.Kind.OUTGOING, Register.Kind.INCOMING)
    ).exists()


def deliver(
    actor: str,
    item: SecretItem,
    copies: Iterable[Copy],
    *,
    sender: Staff,
    receiving_unit: str,
    receiver_name: str,
    receiver: Staff | None = None,
    envelopes: int | None = None,
    note: str = "",
    on: dt.date | None = None,
) -> Transfer:
    """Deliver copies the sender holds to a unit or to another agency: a line in the transfer
    register, to be signed by the receiver (`confirm_receipt`).

    `envelopes` defaults to one package as envelope.packing prescribes (2 for Tuyệt mật)."""
    on = day(on)
    require_role(sender, REGISTER_KEEPERS, "giao tài liệu, vật chứa bí mật nhà nước")
    require_active(sender, on)
    receiving_unit, receiver_name, note = (
        receiving_unit.strip(),
        receiver_name.strip(),
        note.strip(),
    )
    if not (receiving_unit and receiver_name):
        raise ValidationError("Cần ghi nơi nhận và họ tên người nhận.")
    per_package = envelopes_per_package(item.level, on)
    if envelopes is None:
        envelopes = per_package
    if not isinstance(envelopes, int) or isinstance(envelopes, bool) or envelopes < 1:
        raise ValidationError("Số bì phải từ 1 trở lên.")
    if envelopes % per_package:
        raise refuse(
            "envelope.packing",
            on,
            f"Tài liệu độ {level_name(item.level)} phải được bảo vệ bằng {per_package} lớp "
            f"phong bì (bì ngoài đóng dấu «{LEVEL_LETTER[item.level]}»); không giao bằng "
            f"{envelopes} bì.",
        )
    if receiver is not None:
        require_active(receiver, on)
        if receiver.pk == sender.pk:
            raise ValidationError("Người nhận trùng người giao.")
    with transaction.atomic():
        locked, rows = _locked_copies(copies, sender)
        if locked.pk != item.pk:
            raise ValidationError("Các bản đã chọn không phải bản của tài liệu này.")
        item = locked
        if item.status != SecretItem.Status.ACTIVE:
            raise ValidationError(
                f"Tài liệu đang ở tình trạng «{item.get_status_display()}»; không giao được."
            )
        if not _is_registered(item):
            raise refuse(
                "register.outgoing",
                on,
                "Trước khi giao phải đăng ký vào Sổ đăng ký bí mật nhà nước đi (hoặc đến).",
            )
        agency = item.owner_unit.agency()
        if sender.org_unit.agency().pk != agency.pk:
            raise PermissionDenied(f"{sender.full_name} không thuộc cơ quan quản lý tài liệu.")
        inside = receiver is not None and receiver.org_unit.agency().pk == agency.pk
        if receiver is not None:
            _require_clearance(receiver, item, "nhận được")
        entry = add_entry(
            Register.Kind.TRANSFER,
            item,
            sender,
            on,
            recipients_text=receiving_unit,
            copies=len(rows),
            note=note,
        )
        ref = rule("envelope.packing", on)
        transfer = Transfer.objects.create(
            entry=entry,
            item=item,
            transferred_on=on,
            internal=False,
            envelopes=envelopes,
            double_envelope=per_package == 2,
            receiving_unit=receiving_unit,
            receiver_name=receiver_name,
            receiver=receiver,
            sender=sender,
            **ref.stamp(),
        )
        transfer.copies.set(rows)
        ids = [c.pk for c in rows]
        if inside:
            Copy.objects.filter(pk__in=ids).update(custodian=receiver, location=receiving_unit)
        else:
            Copy.objects.filter(pk__in=ids).update(
                state=Copy.State.SENT, custodian=None, holder_outside=receiving_unit
            )
        grant = None
        if receiver is not None:
            grant = Grant.objects.create(
                item=item,
                staff=receiver,
                source=Grant.Source.RECIPIENT,
                purpose=f"Nơi nhận theo Sổ chuyển giao, số {entry.number:02d}/{on.year}",
                granted_by=sender,
                granted_on=on,
            )
        ledger.record(
            actor,
            "registry.delivery.deliver",
            obj(transfer),
            {
                "item": item.pk,
                "level": item.level,
                "letter": LEVEL_LETTER[item.level],
                "copies": ids,
                "envelopes": envelopes,
                "double_envelope": transfer.double_envelope,
                "receiving_unit": receiving_unit,
                "receiver_name": receiver_name,
                "receiver": receiver.pk if receiver else None,
                "inside_agency": inside,
                "grant": grant.pk if grant else None,
                "sender": sender.pk,
                "register": entry.register_id,
                "number": entry.number,
                "on": on.isoformat(),
                **ref.stamp(),
            },
        )
    return transfer


def confirm_receipt(
    actor: str, transfer: Transfer, receiver_name: str, on: dt.date | None = None
) -> Transfer:
    """The receiver's signature on the transfer-register line (họ tên và chữ ký người nhận)."""
    on = day(on)
    receiver_name = receiver_name.strip()
    if not receiver_name:
        raise ValidationError("Cần ghi họ tên người ký nhận.")
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.signed:
            raise ValidationError(f"Đã ký nhận ngày {transfer.signed_on:%d/%m/%Y}.")
        if on < transfer.transferred_on:
            raise ValidationError("Ngày ký nhận trước ngày giao.")
        transfer.signed, transfer.signed_on, transfer.receiver_name = True, on, receiver_name
        transfer.save(update_fields=["signed", "signed_on", "receiver_name"])
        ledger.record(
            actor,
            "registry.delivery.confirm",
            obj(transfer),
            {"item": transfer.item_id, "receiver_name": receiver_name, "on": on.isoformat()},
        )
    return transfer


def hand_over(
    actor: str,
    copies: Iterable[Copy],
    *,
    from_staff: Staff,
    to_staff: Staff,
    note: str = "",
    on: dt.date | None = None,
) -> Transfer:
    """Hand copies over from one custodian to another inside the agency (internal line of the
    transfer register); the new custodian's clearance must cover the level."""
    on = day(on)
    require_active(from_staff, on)
    require_active(to_staff, on)
    if from_staff.pk == to_staff.pk:
        raise ValidationError("Người nhận trùng người giao.")
    with transaction.atomic():
        item, rows = _locked_copies(copies, from_staff)
        agency = item.owner_unit.agency()
        if {from_staff.org_unit.agency().pk, to_staff.org_unit.agency().pk} != {agency.pk}:
            raise ValidationError(
                "Bàn giao nội bộ chỉ giữa người của cơ quan quản lý tài liệu; giao ra ngoài "
                "thì dùng chức năng giao tài liệu."
            )
        if item.status != SecretItem.Status.ACTIVE:
            raise ValidationError(
                f"Tài liệu đang ở tình trạng «{item.get_status_display()}»; không bàn giao được."
            )
        _require_clearance(to_staff, item, "nhận bàn giao được")
        entry = add_entry(
            Register.Kind.TRANSFER,
            item,
            from_staff,
            on,
            recipients_text=to_staff.org_unit.name,
            copies=len(rows),
            note=note.strip() or "Bàn giao nội bộ",
        )
        ref = rule("register.transfer", on)
        transfer = Transfer.objects.create(
            entry=entry,
            item=item,
            transferred_on=on,
            internal=True,
            # Handed from hand to hand inside the agency: no envelope is counted.
            envelopes=0,
            double_envelope=False,
            receiving_unit=to_staff.org_unit.name,
            receiver_name=to_staff.full_name,
            receiver=to_staff,
            sender=from_staff,
            **ref.stamp(),
        )
        transfer.copies.set(rows)
        ids = [c.pk for c in rows]
        Copy.objects.filter(pk__in=ids).update(custodian=to_staff, location=to_staff.org_unit.name)
        ledger.record(
            actor,
            "registry.delivery.hand_over",
            obj(transfer),
            {
                "item": item.pk,
                "level": item.level,
                "copies": ids,
                "from": from_staff.pk,
                "to": to_staff.pk,
                "register": entry.register_id,
                "number": entry.number,
                "on": on.isoformat(),
                **ref.stamp(),
            },
        )
    return transfer
