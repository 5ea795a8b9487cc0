"""Every state change of oversight records. Each function writes and records its ledger event in
one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from bmnn.oversight.models import Incident
from bmnn.people.models import Staff
from bmnn.registry.models import Copy
from bmnn.web import ledger


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
