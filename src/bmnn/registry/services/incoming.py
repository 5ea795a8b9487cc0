"""Receiving secrets: the incoming register (Sổ đăng ký BMNN đến), named envelopes, anomalies.

After receipt every item is entered in the incoming register (Decree 26/2020 Art. 4(2)(a);
Decree 63/2026 Art. 6); the entry number is the "số đến". An envelope marked "Chỉ người có tên
mới được bóc bì" is registered from its outside marks, not opened, and passed at once to the
named person; if that person is away and the envelope is also "Hỏa tốc", to the leadership
(Art. 4(2)(b)). Signs of opening, substitution, loss or damage are reported at once to the head
of the agency (Art. 4(2)(c)): an oversight incident is opened for it. No summary is ever stored
for Tuyệt mật.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from bmnn.catalogue.models import CatalogueItem
from bmnn.oversight.models import Incident
from bmnn.oversight.services import open_incident
from bmnn.people.models import OrgUnit, Staff
from bmnn.people.selectors import agency_leaders
from bmnn.registry.models import LEVEL_RANK, Copy, Receipt, Register, RegisterEntry, SecretItem
from bmnn.registry.rulebook import refuse, rule
from bmnn.registry.selectors import levels_within
from bmnn.registry.services._base import (
    REGISTER_KEEPERS,
    add_entry,
    day,
    level_name,
    obj,
    require_active,
    require_role,
    search_text,
)
from bmnn.registry.services.outgoing import check_no_summary
from bmnn.rules import LEVELS, RuleError, load_rulebook
from bmnn.web import ledger

# What a clerk may find wrong with what arrived (Decree 26/2020 Art. 4(2)(c), 4(3)).
ANOMALIES = {
    "opened": "Có dấu hiệu bóc, mở bì",
    "damaged": "Bị hư hỏng",
    "missing_pages": "Thiếu tài liệu, thiếu trang",
    "substituted": "Có dấu hiệu bị tráo đổi",
    "wrong_packing": "Đóng bì, đóng gói không đúng quy định",
}


def agency_leader(agency: OrgUnit, on: dt.date) -> Staff | None:
    """Who gets an express envelope whose named addressee is absent: the leadership of the
    agency (Decree 26/2020 Art. 4(2)(b)), the head first, else another leader there."""
    leaders = agency_leaders(agency, on)
    return leaders[0] if leaders else None


def _clean_anomalies(anomalies: Iterable[str]) -> list[str]:
    found = list(dict.fromkeys(anomalies))
    unknown = [a for a in found if a not in ANOMALIES]
    if unknown:
        raise ValidationError(f"Loại bất thường không hợp lệ: {', '.join(unknown)}.")
    return found


def _route(
    named: Staff, *, express: bool, absent: bool, clerk: Staff, agency, level: str, on: dt.date
) -> tuple[Staff, Staff | None, str]:
    """(custodian, routed_to, reason) of a sealed named envelope."""
    citation = rule("receipt.named_envelope", on).citation
    if not absent:
        return named, named, f"Chuyển ngay người có tên trên bì ({citation})."
    if express:
        leader = agency_leader(agency, on)
        if leader is None:
            raise refuse(
                "receipt.named_envelope",
                on,
                "Người có tên trên bì đi vắng, bì có dấu «Hỏa tốc», nhưng cơ quan chưa có lãnh "
                "đạo trong danh sách cán bộ để chuyển đến.",
            )
        return (
            leader,
            leader,
            f"{named.full_name} đi vắng, bì có dấu «Hỏa tốc»: chuyển lãnh đạo cơ quan "
            f"{leader.full_name} giải quyết ({citation}).",
        )
    return (
        clerk,
        None,
        f"{named.full_name} đi vắng, bì không có dấu «Hỏa tốc»: văn thư giữ nguyên bì, chờ "
        f"chuyển người có tên ({citation}).",
    )


def register_incoming(
    actor: str,
    clerk: Staff,
    *,
    issuer: str,
    number_symbol: str,
    document_date: dt.date,
    doc_type: str,
    summary: str,
    level: str,
    receiving_unit: OrgUnit,
    copies: int = 1,
    named_addressee: Staff | None = None,
    sealed: bool = False,
    express: bool = False,
    addressee_absent: bool = False,
    anomalies: Iterable[str] = (),
    catalogue_item: CatalogueItem | None = None,
    copy_allowed: bool = False,
    note: str = "",
    on: dt.date | None = None,
) -> RegisterEntry:
    """Enter a received item in the incoming register: the item, its copies 1..N, the line
    (its number is the "số đến") and the receipt columns.

    `copy_allowed` is what the document itself says (default: not allowed, the safe side)."""
    on = day(on)
    require_role(clerk, REGISTER_KEEPERS, "vào Sổ đăng ký bí mật nhà nước đến")
    require_active(clerk, on)
    issuer, number_symbol = issuer.strip(), number_symbol.strip()
    doc_type, summary, note = doc_type.strip(), (summary or "").strip(), note.strip()
    if level not in LEVELS:
        raise ValidationError(f"Độ mật «{level}» không hợp lệ.")
    if not (issuer and number_symbol):
        raise ValidationError("Cần ghi cơ quan ban hành và số, ký hiệu tài liệu.")
    if not isinstance(document_date, dt.date) or isinstance(document_date, dt.datetime):
        raise ValidationError("Ngày tháng tài liệu không hợp lệ.")
    if document_date > on:
        raise ValidationError("Ngày tháng tài liệu sau ngày đến.")
    if not isinstance(copies, int) or isinstance(copies, bool) or copies < 1:
        raise ValidationError("Số lượng bản nhận phải từ 1 trở lên.")
    if not isinstance(receiving_unit, OrgUnit):
        raise ValidationError("Cần chọn đơn vị nhận.")
    agency = clerk.org_unit.agency()
    if receiving_unit.agency().pk != agency.pk:
        raise ValidationError("Đơn vị nhận không thuộc cơ quan của văn thư.")
    found = _clean_anomalies(anomalies)
    if named_addressee is not None:
        # Registered from the outside marks only: what is inside is not known to the clerk.
        if summary:
            raise refuse(
                "receipt.named_envelope",
                on,
                "Bì có dấu «Chỉ người có tên mới được bóc bì»: vào sổ theo ký hiệu ngoài bì, "
                "không ghi trích yếu.",
            )
        if named_addressee.org_unit.agency().pk != agency.pk:
            raise ValidationError("Người có tên trên bì không thuộc cơ quan nhận.")
    else:
        if not doc_type:
            raise ValidationError("Cần ghi tên loại tài liệu.")
        check_no_summary(level, summary, on)
    if catalogue_item is not None and catalogue_item.level != level:
        raise ValidationError(
            f"Độ mật {level_name(level)} khác độ mật {level_name(catalogue_item.level)} của "
            f"{catalogue_item.citation}."
        )
    named = named_addressee
    absent = named is not None and (addressee_absent or not named.is_active_on(on))
    try:
        period = load_rulebook().period(level, document_date, "document")
    except RuleError as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        if named is not None:
            custodian, routed_to, reason = _route(
                named,
                express=express,
                absent=absent,
                clerk=clerk,
                agency=agency,
                level=level,
                on=on,
            )
        else:
            custodian, routed_to, reason = clerk, None, ""
        item = SecretItem(
            kind=SecretItem.Kind.DOCUMENT,
            origin=SecretItem.Origin.INCOMING,
            number_symbol=number_symbol,
            doc_type=doc_type,
            summary="" if level == "tuyet_mat" else summary,
            level=level,
            catalogue_item=catalogue_item,
            issuer=issuer,
            document_date=document_date,
            classified_on=document_date,
            owner_unit=receiving_unit,
            copy_allowed=copy_allowed,
            copies_issued=copies,
            period_kind="document",
            period_years=period.years,
            expires_on=period.expires_on,
            extension_decision_by=period.extension_decision_by,
            status=SecretItem.Status.ACTIVE,
            status_on=on,
        )
        item.search_text = search_text(item)
        item.save()
        entry = add_entry(Register.Kind.INCOMING, item, clerk, on, note=note, copies=copies)
        location = "Văn thư" if custodian.pk == clerk.pk else f"Đã chuyển {custodian.full_name}"
        made = Copy.objects.bulk_create(
            Copy(
                item=item,
                number=n,
                of_total=copies,
                custodian=custodian,
                location=location,
            )
            for n in range(1, copies + 1)
        )
        head = agency_leader(agency, on) if found else None
        receipt = Receipt.objects.create(
            entry=entry,
            received_on=on,
            receiving_unit=receiving_unit,
            receiver_name=custodian.full_name,
            named_addressee=named,
            sealed=sealed or named is not None,
            express=express,
            routed_to=routed_to,
            routing_reason=reason,
            anomalies=found,
            anomaly_reported_to=head,
        )
        incident = None
        if found:
            incident = _report_anomalies(actor, receipt, item, clerk, head, made, on)
        ledger.record(
            actor,
            "registry.incoming.register",
            obj(entry),
            {
                "item": item.pk,
                "register": entry.register_id,
                "number": entry.number,
                "number_symbol": number_symbol,
                "issuer": issuer,
                "level": level,
                "copies": copies,
                "receiving_unit": receiving_unit.pk,
                "named_addressee": named.pk if named else None,
                "sealed": receipt.sealed,
                "express": express,
                "routed_to": routed_to.pk if routed_to else None,
                "custodian": custodian.pk,
                "anomalies": found,
                "incident": incident.pk if incident else None,
                "on": on.isoformat(),
            },
        )
    return entry


def _report_anomalies(actor, receipt, item, clerk, head, copies, on) -> Incident:
    ref = rule("receipt.anomaly", on)
    labels = "; ".join(ANOMALIES[a] for a in receipt.anomalies)
    to = f" Báo cáo {head.full_name}." if head else " Chưa có lãnh đạo cơ quan để báo cáo."
    # Only outside marks go into the description: never a summary.
    description = (
        f"Tài liệu số đến {receipt.entry.number:02d} ngày {on:%d/%m/%Y}, số, ký hiệu "
        f"{item.number_symbol}, của {item.issuer}, độ {level_name(item.level)}: {labels}.{to}"
    )
    return open_incident(
        actor,
        kind=Incident.Kind.RECEIPT_ANOMALY,
        opened_by=clerk,
        on=on,
        description=description,
        copies=copies,
        citation=ref.citation,
    )


def open_envelope(
    actor: str,
    receipt: Receipt,
    staff: Staff,
    *,
    summary: str = "",
    doc_type: str = "",
    on: dt.date | None = None,
) -> Receipt:
    """The named person (or the leader an express envelope was routed to) opens a sealed named
    envelope; the copies pass into their custody, and they may now give the type and summary
    (never a summary for Tuyệt mật)."""
    on = day(on)
    require_active(staff, on)
    summary, doc_type = summary.strip(), doc_type.strip()
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().select_related("entry").get(pk=receipt.pk)
        item = SecretItem.objects.select_for_update().get(pk=receipt.entry.item_id)
        if receipt.named_addressee_id is None:
            raise ValidationError("Bì này không có dấu «Chỉ người có tên mới được bóc bì».")
        if not receipt.sealed:
            raise ValidationError(f"Bì đã được bóc ngày {receipt.opened_on:%d/%m/%Y}.")
        if staff.pk not in {receipt.named_addressee_id, receipt.routed_to_id}:
            raise PermissionDenied(
                f"Chỉ người có tên trên bì mới được bóc bì; {staff.full_name} không được bóc."
            )
        if on < receipt.received_on:
            raise ValidationError("Ngày bóc bì trước ngày đến.")
        if LEVEL_RANK.get(staff.clearance, 0) < LEVEL_RANK[item.level]:
            # Fail closed: opening shows the content; report to have the clearance reviewed.
            raise ValidationError(
                f"{staff.full_name} chưa được tiếp cận bí mật độ {level_name(item.level)}; "
                "báo cáo lãnh đạo cơ quan trước khi bóc bì."
            )
        check_no_summary(item.level, summary, on)
        receipt.sealed, receipt.opened_on, receipt.opened_by = False, on, staff
        if receipt.routed_to_id is None:
            receipt.routed_to = staff
        receipt.save(update_fields=["sealed", "opened_on", "opened_by", "routed_to"])
        moved = Copy.objects.filter(item=item, state=Copy.State.HELD).exclude(custodian=staff)
        moved_ids = list(moved.values_list("pk", flat=True))
        moved.update(custodian=staff, location=f"Đã chuyển {staff.full_name}")
        if summary:
            item.summary = summary
        if doc_type:
            item.doc_type = doc_type
        item.search_text = search_text(item)
        item.save(update_fields=["summary", "doc_type", "search_text"])
        ledger.record(
            actor,
            "registry.incoming.open",
            obj(receipt),
            {
                "item": item.pk,
                "by": staff.pk,
                "copies_moved": moved_ids,
                "summary_given": bool(summary),
                "on": on.isoformat(),
            },
        )
    return receipt


def sealed_envelopes_for(staff: Staff | None, on: dt.date | None = None) -> QuerySet[Receipt]:
    """Sealed named envelopes waiting for `staff` to open (addressed or routed to them), within
    their clearance: the outside marks of an envelope above it are not shown either."""
    if staff is None or not staff.clearance or not staff.is_active_on(day(on)):
        return Receipt.objects.none()
    return (
        Receipt.objects.filter(sealed=True, named_addressee__isnull=False)
        .filter(Q(named_addressee=staff) | Q(routed_to=staff))
        .filter(entry__item__level__in=levels_within(staff.clearance))
        .select_related("entry__item", "entry__register")
        .order_by("received_on", "pk")
    )
