"""Every state change of oversight records. Each function writes and records its ledger event in
one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bmnn.oversight.models import Incident
from bmnn.people.models import Staff
from bmnn.people.selectors import agency_head
from bmnn.registry.models import Copy
from bmnn.rules import load_rulebook
from bmnn.web import ledger
from bmnn.web.errors import Refused

# Who reports an incident to the head: the officer in charge of BMNN work or a leader.
REPORTERS = frozenset({Staff.Role.CHUYEN_TRACH, Staff.Role.KIEM_NHIEM, Staff.Role.LEADER})


def open_incident(
    actor: str,
    *,
    kind: str,
    opened_by: Staff,
    on: dt.date,
    description: str,
    copies: Iterable[Copy] = (),
    citation: str = "",
    stocktake=None,
) -> Incident:
    """A draft incident (loss, leak, receipt anomaly) for the head of the agency to handle."""
    description = description.strip()
    if kind not in Incident.Kind.values:
        raise ValidationError(f"Loại sự cố «{kind}» không hợp lệ.")
    if not description:
        raise ValidationError("Cần mô tả sự cố.")
    copies = list(copies)
    with transaction.atomic():
        incident = Incident.objects.create(
            kind=kind,
            opened_on=on,
            opened_by=opened_by,
            description=description,
            citation=citation,
            stocktake=stocktake,
        )
        incident.copies.set(copies)
        ledger.record(
            actor,
            "oversight.incident.open",
            f"oversight.Incident:{incident.pk}",
            {
                "kind": kind,
                "on": on.isoformat(),
                "opened_by": opened_by.pk,
                "copies": [c.pk for c in copies],
                "citation": citation,
                "stocktake": stocktake.pk if stocktake else None,
            },
        )
    return incident


def _loss_rule(on: dt.date) -> tuple[str, str, str]:
    rb = load_rulebook()
    version = rb.provision_near("loss.report", on)
    return rb.cite(version.citation), version.confidence, version.id


def report_incident(actor: str, incident: Incident, *, by: Staff, on: dt.date) -> Incident:
    """Report a draft incident to the head of the agency (Law 29/2018 Art. 25(3): a leak or loss
    is reported to the head at once): DRAFT → REPORTED, with who reported it and to whom."""
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise ValidationError("Ngày không hợp lệ.")
    if on > timezone.localdate():
        raise ValidationError(f"Ngày {on:%d/%m/%Y} chưa đến; chỉ ghi việc đã làm.")
    if by.role not in REPORTERS:
        raise PermissionDenied(
            f"{by.full_name} không có nhiệm vụ báo cáo sự cố (chỉ cán bộ bảo vệ BMNN, lãnh đạo)."
        )
    if not by.is_active_on(on):
        raise PermissionDenied(f"{by.full_name} không công tác vào ngày {on:%d/%m/%Y}.")
    citation, confidence, rule_id = _loss_rule(on)
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("opened_by__org_unit")
            .get(pk=incident.pk)
        )
        agency = incident.opened_by.org_unit.agency()
        if by.org_unit.agency().pk != agency.pk:
            raise PermissionDenied(f"{by.full_name} không thuộc cơ quan có sự cố.")
        if incident.status != Incident.Status.DRAFT:
            raise Refused(f"Sự cố đã được báo cáo ngày {incident.reported_on:%d/%m/%Y}.", citation)
        if on < incident.opened_on:
            raise ValidationError("Ngày báo cáo trước ngày phát hiện sự cố.")
        head = agency_head(agency, on)
        if head is None:
            raise Refused(
                "Chưa có người đứng đầu cơ quan trong danh sách cán bộ để nhận báo cáo.", citation
            )
        incident.status = Incident.Status.REPORTED
        incident.reported_on, incident.reported_by, incident.reported_to = on, by, head
        incident.save(update_fields=["status", "reported_on", "reported_by", "reported_to"])
        ledger.record(
            actor,
            "oversight.incident.report",
            f"oversight.Incident:{incident.pk}",
            {
                "kind": incident.kind,
                "on": on.isoformat(),
                "by": by.pk,
                "to": head.pk,
                "citation": citation,
                "confidence": confidence,
                "rule_id": rule_id,
            },
        )
    return incident
