"""The catalogue of state secrets (danh mục bí mật nhà nước): decisions and their items.

Law 117/2025 Art. 5(1) forbids classifying information that is not in the catalogue, so every
classification cites one CatalogueItem. Rows are written only by bmnn.catalogue.services.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from bmnn.people.models import LEVEL_CHOICES


class CatalogueDecision(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Đang hiệu lực"
        REPLACED = "replaced", "Đã được thay thế"

    number = models.CharField("số, ký hiệu", max_length=64, unique=True)
    date = models.DateField("ngày ban hành")
    issuer = models.CharField("cơ quan, người ban hành", max_length=255)
    title = models.CharField("trích yếu", max_length=500)
    status = models.CharField(
        "tình trạng", max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name="được thay thế bởi",
    )
    # Sample data (the demo agency) is never a real decision; the flag lets other parts refuse it.
    is_sample = models.BooleanField("dữ liệu mẫu", default=False)
    note = models.TextField("ghi chú", blank=True)
    created_at = models.DateTimeField("ngày nhập", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "quyết định ban hành danh mục BMNN"
        verbose_name_plural = "quyết định ban hành danh mục BMNN"
        ordering = ("-date", "number")

    def __str__(self) -> str:
        return f"Quyết định số {self.number}"


class CatalogueItem(models.Model):
    decision = models.ForeignKey(
        CatalogueDecision,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name="quyết định",
    )
    article = models.CharField("Điều", max_length=16)
    clause = models.CharField("khoản", max_length=16, blank=True)
    point = models.CharField("điểm", max_length=16, blank=True)
    level = models.CharField("độ mật", max_length=16, choices=LEVEL_CHOICES)
    text = models.TextField("nội dung")

    class Meta:
        verbose_name = "mục danh mục BMNN"
        verbose_name_plural = "mục danh mục BMNN"
        ordering = ("decision", "id")
        constraints = (
            models.UniqueConstraint(
                fields=("decision", "article", "clause", "point"),
                name="catalogue_item_unique_place",
            ),
        )

    def __str__(self) -> str:
        return self.citation

    @property
    def citation(self) -> str:
        """E.g. "điểm a khoản 1 Điều 1 Quyết định số 1234/QĐ-TTg ngày 05/06/2020"."""
        parts = []
        if self.point:
            parts.append(f"điểm {self.point}")
        if self.clause:
            parts.append(f"khoản {self.clause}")
        parts.append(f"Điều {self.article}")
        parts.append(f"Quyết định số {self.decision.number} ngày {self.decision.date:%d/%m/%Y}")
        return " ".join(parts)
