"""Models of the web shell. The ledger tables are raw SQL (migration web.0001_ledger), not
models; the only model here is the API token."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from bmnn.people.models import Staff


class ApiToken(models.Model):
    """A bearer token of the JSON API (/api/v1/), issued to one person, with an expiry.

    Only the SHA-256 of the token is kept: whoever reads the database (a backup, an inspector)
    cannot act as the person. Rows are written by bmnn.web.api.tokens, each with its ledger event.
    """

    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="api_tokens", verbose_name="cán bộ"
    )
    label = models.CharField("tên gọi", max_length=100)
    key_hash = models.CharField("SHA-256 của mã", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("thời điểm cấp", default=timezone.now, editable=False)
    expires_at = models.DateTimeField("hết hạn")
    revoked_at = models.DateTimeField("thời điểm thu hồi", null=True, blank=True)
    revoked_reason = models.TextField("lý do thu hồi", blank=True)
    last_used_at = models.DateTimeField("lần dùng gần nhất", null=True, blank=True)

    class Meta:
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.label} ({self.staff})"

    def is_valid_at(self, moment) -> bool:
        return self.revoked_at is None and moment < self.expires_at
