"""Org units, staff and written delegations.

Rows are written only by bmnn.people.services (which also writes the ledger event); nothing here
changes state on its own.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from bmnn.rules import LEVELS, load_rulebook
from bmnn.rules import Delegation as RuleDelegation

# The post of a deputy whose only authority is one given by a written delegation.
DELEGATE_POST = "cap_pho_duoc_uy_quyen"

LEVEL_NAMES = {"tuyet_mat": "Tuyệt mật", "toi_mat": "Tối mật", "mat": "Mật"}
LEVEL_CHOICES = [(code, LEVEL_NAMES[code]) for code in LEVELS]


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", "Cơ quan, tổ chức"
        DIVISION = "division", "Phòng, đơn vị thuộc"
        OTHER = "other", "Khác"

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="đơn vị cấp trên",
    )
    name = models.CharField("tên đơn vị", max_length=255)
    short_code = models.CharField("ký hiệu", max_length=32, unique=True)
    kind = models.CharField("loại", max_length=16, choices=Kind.choices, default=Kind.DIVISION)
    # Printed above the agency name on register covers ("cơ quan, tổ chức cấp trên").
    superior_agency_name = models.CharField("tên cơ quan cấp trên", max_length=255, blank=True)
    created_at = models.DateTimeField("ngày tạo", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def agency(self) -> OrgUnit:
        """The nearest enclosing unit of kind agency (itself if it is one)."""
        unit: OrgUnit | None = self
        while unit is not None:
            if unit.kind == self.Kind.AGENCY:
                return unit
            unit = unit.parent
        return self


class Staff(models.Model):
    class Role(models.TextChoices):
        # Decree 26/2020 Art. 7 (officers in charge of BMNN work, full-time or part-time).
        CHUYEN_TRACH = "chuyen_trach", "Cán bộ chuyên trách bảo vệ BMNN"
        KIEM_NHIEM = "kiem_nhiem", "Cán bộ kiêm nhiệm bảo vệ BMNN"
        CLERK = "clerk", "Văn thư"
        DRAFTER = "drafter", "Chuyên viên soạn thảo"
        LEADER = "leader", "Lãnh đạo"
        # Ordinary cadres who receive or use secrets without a BMNN duty.
        STAFF = "staff", "Cán bộ, công chức, viên chức"
        # Provincial-police inspectors who check the agency: read-only access.
        INSPECTOR = "inspector", "Cán bộ kiểm tra (Công an)"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name="tài khoản",
    )
    full_name = models.CharField("họ và tên", max_length=255)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="staff", verbose_name="đơn vị"
    )
    # A code of the rulebook's posts (validated by the services); it decides legal authority.
    post_code = models.CharField("chức vụ (mã)", max_length=64)
    # The title as written on documents, e.g. "Phó Giám đốc"; informative only.
    position = models.CharField("chức danh", max_length=255, blank=True)
    role = models.CharField("vai trò BMNN", max_length=16, choices=Role.choices)
    # The highest level the person may see; blank means none.
    clearance = models.CharField(
        "mức được tiếp cận", max_length=16, choices=LEVEL_CHOICES, blank=True
    )
    active_from = models.DateField("ngày bắt đầu", default=timezone.localdate)
    left_on = models.DateField("ngày thôi việc/chuyển công tác", null=True, blank=True)
    left_reason = models.TextField("lý do", blank=True)

    class Meta:
        verbose_name = "cán bộ"
        verbose_name_plural = "cán bộ"
        ordering = ("full_name",)

    def __str__(self) -> str:
        return self.full_name

    def is_active_on(self, on: dt.date) -> bool:
        return self.active_from <= on and (self.left_on is None or on < self.left_on)


class Delegation(models.Model):
    """A written delegation (ủy quyền bằng văn bản): who, to whom, scope, term, document."""

    delegator = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="delegations_given",
        verbose_name="người ủy quyền",
    )
    # The post the delegator signed in; the delegation is that post's authority, not the person's.
    delegator_post = models.CharField("chức vụ người ủy quyền (mã)", max_length=64)
    delegate = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name="người được ủy quyền",
    )
    actions = models.JSONField("các việc được ủy quyền", default=list)
    levels = models.JSONField("các độ mật", default=list)
    valid_from = models.DateField("hiệu lực từ ngày")
    valid_to = models.DateField("hiệu lực đến ngày")
    document_number = models.CharField("số văn bản ủy quyền", max_length=64)
    document_date = models.DateField("ngày văn bản")
    content = models.TextField("nội dung ủy quyền", blank=True)
    created_at = models.DateTimeField("ngày nhập", default=timezone.now, editable=False)
    revoked_at = models.DateTimeField("thời điểm thu hồi", null=True, blank=True)
    revoked_reason = models.TextField("lý do thu hồi", blank=True)

    class Meta:
        verbose_name = "ủy quyền bằng văn bản"
        verbose_name_plural = "ủy quyền bằng văn bản"
        ordering = ("-valid_from", "-id")
        indexes = (models.Index(fields=("delegate", "valid_from", "valid_to")),)

    def __str__(self) -> str:
        return f"{self.document_number}: {self.delegator} → {self.delegate}"

    def revoked_on(self) -> dt.date | None:
        """The local date of revocation; the delegation stops counting from that whole day."""
        if self.revoked_at is None:
            return None
        return timezone.localdate(self.revoked_at)

    def effective_to(self) -> dt.date:
        revoked = self.revoked_on()
        if revoked is not None:
            return min(self.valid_to, revoked - dt.timedelta(days=1))
        return self.valid_to

    def to_rule_delegation(self) -> RuleDelegation:
        # Revocation shortens the term, so the rulebook refuses decisions dated on or after it
        # while older decisions made under the delegation stay lawful.
        post = load_rulebook().posts.get(self.delegator_post)
        return RuleDelegation(
            delegator_post=self.delegator_post,
            actions=frozenset(self.actions),
            levels=frozenset(self.levels),
            valid_from=self.valid_from,
            valid_to=self.effective_to(),
            # The post tells; a delegator holding only someone else's delegation is caught
            # when the delegation is created (services.create_delegation).
            delegator_is_delegate=post is not None and post.delegated_only,
        )
