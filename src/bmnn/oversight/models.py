"""Oversight: incidents (lộ, mất BMNN) now; inspections, violations and reports later.

Rows are written only by bmnn.oversight.services, each with its ledger event.
"""

from __future__ import annotations

from django.db import models

from bmnn.people.models import Staff
from bmnn.registry.models import Copy, Stocktake


class Incident(models.Model):
    """A loss or leak (lộ, mất BMNN), drafted by a stocktake or recorded by a person."""

    class Kind(models.TextChoices):
        LOSS = "loss", "Mất tài liệu, vật chứa BMNN"
        LEAK = "leak", "Lộ bí mật nhà nước"
        RECEIPT_ANOMALY = "receipt_anomaly", "Bất thường khi nhận"

    class Status(models.TextChoices):
        DRAFT = "draft", "Dự thảo"
        REPORTED = "reported", "Đã báo cáo"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    opened_on = models.DateField()
    opened_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    copies = models.ManyToManyField(Copy, related_name="incidents", blank=True)
    stocktake = models.ForeignKey(Stocktake, on_delete=models.PROTECT, null=True, blank=True)
    citation = models.CharField(max_length=500, blank=True)
    # Reporting to the head of the agency (Law 29/2018 Art. 25(3)): who reported, to whom, when.
    reported_on = models.DateField("ngày báo cáo", null=True, blank=True)
    reported_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reported_to = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ngày {self.opened_on:%d/%m/%Y}"
