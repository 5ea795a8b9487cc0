"""Secret items (tài liệu, vật chứa BMNN) and everything that happens to them.

Rows are written only by bmnn.registry.services, each write in one transaction with its ledger
event; reads go through bmnn.registry.selectors, whose `visible_items` is the one need-to-know
gate. A decision row (approval, copy, take-out, provision, extension, …) stores the rule that
allowed or refused it (`citation`, `confidence`, `rule_id`) so an inspector can read from the
registers alone that every step had authority.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from bmnn.catalogue.models import CatalogueItem
from bmnn.people.models import LEVEL_CHOICES, OrgUnit, Staff

LEVEL_RANK = {"mat": 1, "toi_mat": 2, "tuyet_mat": 3}
LEVEL_LETTER = {"tuyet_mat": "A", "toi_mat": "B", "mat": "C"}


class RuleStamp(models.Model):
    """The rule a decision rested on, as the rulebook rendered it on the day."""

    citation = models.CharField("căn cứ", max_length=500, blank=True)
    confidence = models.CharField("độ tin cậy", max_length=16, blank=True)
    rule_id = models.CharField("mã quy tắc", max_length=128, blank=True)

    class Meta:
        abstract = True


class SecretItem(models.Model):
    """One registered secret: a paper or electronic document, an object, a place, an activity."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", "Tài liệu giấy"
        ELECTRONIC = "electronic", "Văn bản điện tử"
        OBJECT = "object", "Vật chứa"
        PLACE = "place", "Địa điểm"
        ACTIVITY = "activity", "Hoạt động"

    class Origin(models.TextChoices):
        OUTGOING = "outgoing", "Do cơ quan ban hành"
        INCOMING = "incoming", "Nhận từ nơi khác"

    class Status(models.TextChoices):
        DRAFT = "draft", "Đã xác định độ mật, chưa phát hành"
        ACTIVE = "active", "Đang bảo vệ"
        DECLASSIFIED = "declassified", "Đã giải mật"
        DESTROYED = "destroyed", "Đã tiêu hủy"
        LOST = "lost", "Bị mất"

    kind = models.CharField("loại", max_length=16, choices=Kind.choices, default=Kind.DOCUMENT)
    origin = models.CharField("nguồn", max_length=16, choices=Origin.choices)
    number_symbol = models.CharField("số, ký hiệu", max_length=128, blank=True)
    doc_type = models.CharField("tên loại", max_length=128, blank=True)
    # Never set for Tuyệt mật (register.no_summary_tuyet_mat); the services refuse it.
    summary = models.TextField("trích yếu", blank=True)
    level = models.CharField("độ mật", max_length=16, choices=LEVEL_CHOICES)
    catalogue_item = models.ForeignKey(
        CatalogueItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="secret_items",
        verbose_name="căn cứ danh mục",
    )
    issuer = models.CharField("cơ quan ban hành", max_length=255, blank=True)
    document_date = models.DateField("ngày tài liệu", null=True, blank=True)
    # The date the level was set (ngày xác định độ mật): the start of the protection period.
    classified_on = models.DateField("ngày xác định độ mật", null=True, blank=True)
    classified_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người xác định độ mật",
    )
    drafter = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drafted_items",
        verbose_name="người soạn thảo",
    )
    signer = models.CharField("người ký", max_length=255, blank=True)
    owner_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="secret_items", verbose_name="đơn vị lưu"
    )
    copy_allowed = models.BooleanField("được phép sao, chụp", default=False)
    copies_issued = models.PositiveIntegerField("số lượng bản phát hành", default=1)
    recipients_text = models.TextField("nơi nhận", blank=True)
    period_kind = models.CharField("loại thời hạn", max_length=16, default="document")
    period_years = models.PositiveIntegerField("thời hạn bảo vệ (năm)", null=True, blank=True)
    expires_on = models.DateField("hết thời hạn bảo vệ", null=True, blank=True)
    extension_decision_by = models.DateField("hạn quyết định gia hạn", null=True, blank=True)
    status = models.CharField(
        "tình trạng", max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    status_on = models.DateField("ngày đổi tình trạng", null=True, blank=True)
    # The flag "period ended without extension: declassified by law, mark and notify".
    lapsed_marked_on = models.DateField("ngày đóng dấu giải mật đương nhiên", null=True, blank=True)
    # Accent-free, lower-case copy of number, summary (never Tuyệt mật) and issuer, for search.
    search_text = models.TextField(editable=False, blank=True)
    # Items imported from a legacy register (sổ cũ): "sha256-of-the-file:row", so each line can be
    # traced back to the file it came from; empty for items registered in this system.
    import_source = models.CharField("nguồn nhập", max_length=80, blank=True, editable=False)
    # Columns of the legacy register with no field of their own, kept as written (e.g. the
    # "Đơn vị lưu" of an outgoing line, the "Số đến" of an incoming one).
    legacy_columns = models.JSONField("cột sổ cũ", default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "tài liệu, vật chứa BMNN"
        verbose_name_plural = "tài liệu, vật chứa BMNN"
        ordering = ("-id",)
        indexes = (
            models.Index(fields=("level", "status")),
            models.Index(fields=("owner_unit", "status")),
            models.Index(fields=("expires_on",)),
        )
        constraints = (
            models.CheckConstraint(
                condition=~models.Q(level="tuyet_mat") | models.Q(summary=""),
                name="registry_no_summary_tuyet_mat",
            ),
        )

    def __str__(self) -> str:
        return self.number_symbol or f"Tài liệu #{self.pk}"

    @property
    def letter(self) -> str:
        return LEVEL_LETTER[self.level]


class Proposal(RuleStamp):
    """Phiếu đề xuất độ mật: the drafter's proposal, and the competent person's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", "Chờ duyệt"
        APPROVED = "approved", "Đã duyệt"
        REJECTED = "rejected", "Không duyệt"

    title = models.CharField("tên loại, trích yếu", max_length=500)
    kind = models.CharField(
        "loại", max_length=16, choices=SecretItem.Kind.choices, default=SecretItem.Kind.DOCUMENT
    )
    drafter = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="proposals", verbose_name="người soạn thảo"
    )
    lead_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị chủ trì"
    )
    level = models.CharField("độ mật đề xuất", max_length=16, choices=LEVEL_CHOICES)
    catalogue_item = models.ForeignKey(
        CatalogueItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="căn cứ danh mục",
    )
    recipients_text = models.TextField("nơi nhận")
    copies = models.PositiveIntegerField("số lượng bản phát hành")
    copy_allowed = models.BooleanField("được phép sao, chụp", default=False)
    # Secrets about activities may have a shorter period, set at classification (Art. 19(2)).
    activity_period_years = models.PositiveIntegerField(
        "thời hạn bảo vệ ngắn hơn (năm)", null=True, blank=True
    )
    proposed_on = models.DateField("ngày đề xuất", default=timezone.localdate)
    status = models.CharField(
        "tình trạng", max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField("ngày quyết định", null=True, blank=True)
    decision_note = models.TextField("ý kiến người có thẩm quyền", blank=True)
    item = models.OneToOneField(
        SecretItem, on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )

    class Meta:
        verbose_name = "phiếu đề xuất độ mật"
        verbose_name_plural = "phiếu đề xuất độ mật"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"Phiếu đề xuất #{self.pk}"


class Register(models.Model):
    """A register book (sổ): numbered from 01 in each working year, per book."""

    class Kind(models.TextChoices):
        OUTGOING = "outgoing", "Sổ đăng ký bí mật nhà nước đi"
        INCOMING = "incoming", "Sổ đăng ký bí mật nhà nước đến"
        COPY = "copy", "Sổ quản lý sao, chụp bí mật nhà nước"
        TRANSFER = "transfer", "Sổ chuyển giao bí mật nhà nước"

    kind = models.CharField("loại sổ", max_length=16, choices=Kind.choices)
    agency = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="registers")
    year = models.PositiveIntegerField("năm")
    book = models.PositiveIntegerField("quyển số", default=1)
    opened_on = models.DateField("ngày mở sổ")
    closed_on = models.DateField("ngày khóa sổ", null=True, blank=True)
    last_number = models.PositiveIntegerField("số thứ tự cuối", default=0)
    # A book kept on paper or in Excel before this system, imported with its own numbers; it is
    # closed on import so that new registrations never number into it.
    legacy = models.BooleanField("sổ cũ (nhập từ tệp)", default=False)
    source = models.CharField("nguồn", max_length=255, blank=True)

    class Meta:
        verbose_name = "sổ"
        verbose_name_plural = "sổ"
        ordering = ("kind", "-year", "-book")
        constraints = (
            models.UniqueConstraint(
                fields=("kind", "agency", "year", "book"), name="registry_register_unique_book"
            ),
            # Two clerks opening the year's first book at once must end up in the same book: the
            # second insert waits for the first and fails here, then numbers into the first's.
            models.UniqueConstraint(
                fields=("kind", "agency", "year"),
                condition=models.Q(closed_on__isnull=True),
                name="registry_register_one_open_book",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} năm {self.year}, quyển {self.book}"


class RegisterEntry(models.Model):
    """A numbered line of a register. The kind-specific columns live on the row it points at."""

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="entries")
    number = models.PositiveIntegerField("số thứ tự")
    entered_on = models.DateField("ngày vào sổ")
    item = models.ForeignKey(SecretItem, on_delete=models.PROTECT, related_name="entries")
    entered_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    note = models.TextField("ghi chú", blank=True)
    # Outgoing columns (Decree 63 Annex III): signer, recipients, keeping unit, count.
    recipients_text = models.TextField("nơi nhận", blank=True)
    copies = models.PositiveIntegerField("số lượng", default=0)

    class Meta:
        verbose_name = "dòng sổ"
        verbose_name_plural = "dòng sổ"
        ordering = ("register", "number")
        constraints = (
            models.UniqueConstraint(
                fields=("register", "number"), name="registry_entry_unique_number"
            ),
        )

    def __str__(self) -> str:
        return f"{self.register} — số {self.number:02d}"


class Receipt(models.Model):
    """The incoming-register columns of one received item (Sổ đăng ký BMNN đến)."""

    entry = models.OneToOneField(RegisterEntry, on_delete=models.PROTECT, related_name="receipt")
    received_on = models.DateField("ngày đến")
    receiving_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    receiver_name = models.CharField("người ký nhận", max_length=255, blank=True)
    # "Chỉ người có tên mới được bóc bì": registered from the outside marks, never opened here.
    named_addressee = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sealed = models.BooleanField("chưa bóc bì", default=False)
    express = models.BooleanField("hỏa tốc", default=False)
    routed_to = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="routed_receipts"
    )
    routing_reason = models.TextField(blank=True)
    anomalies = models.JSONField("bất thường", default=list, blank=True)
    anomaly_reported_to = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A sealed named envelope is opened only by the named person (or the leader it was routed to).
    opened_on = models.DateField("ngày bóc bì", null=True, blank=True)
    opened_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Số đến {self.entry.number:02d}"


class Copy(models.Model):
    """One physical or electronic copy ("bản số x/y"), tracked one by one."""

    class Form(models.TextChoices):
        ISSUED = "issued", "Bản phát hành"
        SAO_Y = "sao_y", "Sao y bản chính"
        SAO_LUC = "sao_luc", "Sao lục"
        TRICH_SAO = "trich_sao", "Trích sao"
        CHUP = "chup", "Chụp"
        PAPER_TO_ELECTRONIC = "paper_to_electronic", "Sao từ giấy sang điện tử"

    class State(models.TextChoices):
        HELD = "held", "Đang quản lý"
        OUT = "out", "Đang mang ra ngoài"
        SENT = "sent", "Đã giao ra ngoài cơ quan"
        DESTROYED = "destroyed", "Đã tiêu hủy"
        SPOILED = "spoiled", "Bản hỏng đã hủy"
        LOST = "lost", "Bị mất"

    item = models.ForeignKey(SecretItem, on_delete=models.PROTECT, related_name="copies")
    number = models.PositiveIntegerField("bản số")
    of_total = models.PositiveIntegerField("tổng số bản")
    form = models.CharField(max_length=24, choices=Form.choices, default=Form.ISSUED)
    electronic = models.BooleanField("bản điện tử", default=False)
    custodian = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="custody"
    )
    location = models.CharField("nơi lưu giữ", max_length=255, blank=True)
    holder_outside = models.CharField("nơi nhận ngoài cơ quan", max_length=255, blank=True)
    state = models.CharField("tình trạng", max_length=16, choices=State.choices, default="held")
    copy_order = models.ForeignKey(
        "CopyOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="made"
    )

    class Meta:
        verbose_name = "bản"
        verbose_name_plural = "bản"
        ordering = ("item", "form", "number")
        constraints = (
            models.UniqueConstraint(
                fields=("item", "form", "number"), name="registry_copy_unique_number"
            ),
        )

    def __str__(self) -> str:
        return f"Bản số {self.number}/{self.of_total}"


class CopyOrder(RuleStamp):
    """A copy, extract or photograph order and its line in the copy register."""

    entry = models.OneToOneField(
        RegisterEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="copy_order"
    )
    item = models.ForeignKey(SecretItem, on_delete=models.PROTECT, related_name="copy_orders")
    form = models.CharField(max_length=24, choices=Copy.Form.choices)
    count = models.PositiveIntegerField("số bản")
    requester = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    authoriser = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    copier = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    recipients_text = models.TextField("nơi nhận bản sao", blank=True)
    ordered_on = models.DateField("ngày sao, chụp")
    first_number = models.PositiveIntegerField(null=True, blank=True)
    last_number = models.PositiveIntegerField(null=True, blank=True)
    spoiled = models.PositiveIntegerField("số bản hỏng đã hủy", default=0)

    def __str__(self) -> str:
        return f"{self.get_form_display()} {self.count} bản"


class Transfer(RuleStamp):
    """A delivery or an internal hand-over, and its line in the transfer register."""

    entry = models.OneToOneField(
        RegisterEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="transfer"
    )
    item = models.ForeignKey(SecretItem, on_delete=models.PROTECT, related_name="transfers")
    copies = models.ManyToManyField(Copy, related_name="transfers")
    transferred_on = models.DateField("ngày giao")
    internal = models.BooleanField("bàn giao nội bộ", default=False)
    envelopes = models.PositiveIntegerField("số bì")
    double_envelope = models.BooleanField("hai lớp bì", default=False)
    receiving_unit = models.CharField("nơi nhận", max_length=255)
    receiver_name = models.CharField("họ tên người nhận", max_length=255)
    receiver = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed = models.BooleanField("đã ký nhận", default=False)
    signed_on = models.DateField("ngày ký nhận", null=True, blank=True)
    sender = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Giao ngày {self.transferred_on:%d/%m/%Y} cho {self.receiver_name}"


class Grant(models.Model):
    """An explicit need-to-know grant, with purpose and expiry; recipients also get one."""

    class Source(models.TextChoices):
        EXPLICIT = "explicit", "Cấp quyền"
        RECIPIENT = "recipient", "Nơi nhận"

    item = models.ForeignKey(SecretItem, on_delete=models.PROTECT, related_name="grants")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="grants")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.EXPLICIT)
    purpose = models.CharField("mục đích", max_length=500)
    valid_to = models.DateField("hết hạn", null=True, blank=True)
    granted_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    granted_on = models.DateField()
    revoked_on = models.DateField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = (models.Index(fields=("staff", "item")),)

    def __str__(self) -> str:
        return f"{self.staff} — {self.purpose}"


class TakeOut(RuleStamp):
    """Mang tài liệu ra khỏi nơi lưu giữ: the request, the permission and the return."""

    class Status(models.TextChoices):
        APPROVED = "approved", "Được phép"
        REFUSED = "refused", "Không được phép"
        RETURNED = "returned", "Đã nộp lại"

    item = models.ForeignKey(SecretItem, on_delete=models.PROTECT, related_name="take_outs")
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="take_outs")
    person = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="take_outs")
    position = models.CharField("chức vụ", max_length=255)
    unit_name = models.CharField("đơn vị công tác", max_length=255)
    purpose = models.TextField("mục đích sử dụng")
    place = models.CharField("địa điểm công tác", max_length=255)
    abroad = models.BooleanField("ra nước ngoài", default=False)
    start_on = models.DateField("từ ngày")
    due_on = models.DateField("hạn nộp lại")
    protection = models.TextField("biện pháp bảo vệ")
    decided_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField("ngày quyết định", null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    refusal_reason = models.TextField(blank=True)
    # Who held the copy and where, before it went out: the return puts it back in a known place.
    released_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_location = models.CharField("nơi lưu giữ trước khi mang ra", max_length=255, blank=True)
    returned_on = models.DateField(null=True, blank=True)
    return_report = models.TextField("báo cáo quản lý, sử dụng", blank=True)
    received_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Mang ra ngoài: {self.person} đến {self.due_on:%d/%m/%Y}"


class Provision(RuleStamp):
    """Cung cấp, chuyển giao BMNN to a Vietnamese or foreign party."""

    class Status(models.TextChoices):
        APPROVED = "approved", "Đồng ý cung cấp"
        REFUSED = "refused", "Từ chối"

    item = models.ForeignKey(SecretItem, on_delete=models.PROTECT, related_name="provisions")
    foreign = models.BooleanField("nước ngoài", default=False)
    requester_is_person = models.BooleanField("người đề nghị là cá nhân", default=False)
    requester_name = models.CharField("tên cơ quan, tổ chức / họ tên", max_length=255)
    representative = models.CharField("người đại diện", max_length=255, blank=True)
    identity_number = models.CharField("số giấy tờ tùy thân / hộ chiếu", max_length=64, blank=True)
    nationality = models.CharField("quốc tịch", max_length=64, blank=True)
    address = models.CharField("địa chỉ liên lạc", max_length=255, blank=True)
    position = models.CharField("vị trí công tác / chức vụ", max_length=255, blank=True)
    purpose = models.TextField("mục đích sử dụng")
    commitment = models.TextField("cam kết bảo vệ")
    no_third_party = models.BooleanField("cam kết không chuyển cho bên thứ ba", default=False)
    cooperation_basis = models.CharField(
        "chương trình hợp tác / công vụ", max_length=500, blank=True
    )
    requested_on = models.DateField()
    decided_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices)
    refusal_reason = models.TextField("lý do từ chối", blank=True)

    def __str__(self) -> str:
        return f"Cung cấp cho {self.requester_name}"


class Council(models.Model):
    """Hội đồng giải mật / Hội đồng tiêu hủy: members, minutes."""

    class Kind(models.TextChoices):
        DECLASSIFY = "declassify", "Hội đồng giải mật"
        DESTROY = "destroy", "Hội đồng tiêu hủy"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    established_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    establishment_number = models.CharField("số quyết định thành lập", max_length=64)
    established_on = models.DateField()
    chair = models.CharField("chủ tịch hội đồng", max_length=255)
    members = models.JSONField("thành viên", default=list)
    minutes = models.TextField("biên bản họp")
    minutes_on = models.DateField("ngày họp")
    # The list the council reviewed (bí mật đề nghị giải mật / danh sách đề nghị tiêu hủy).
    items = models.ManyToManyField(
        SecretItem, blank=True, related_name="councils", verbose_name="danh sách đề nghị"
    )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.establishment_number})"


class LifecycleDecision(RuleStamp):
    """Extension, adjustment, declassification or destruction of one item, with its notice."""

    class Kind(models.TextChoices):
        EXTEND = "extend", "Gia hạn thời hạn bảo vệ"
        ADJUST = "adjust", "Điều chỉnh độ mật"
        DECLASSIFY = "declassify", "Giải mật"
        DESTROY = "destroy", "Tiêu hủy"
        DESTROY_IMMEDIATE = "destroy_immediate", "Tiêu hủy ngay để tránh nguy hại"
        LAPSED = "lapsed", "Giải mật đương nhiên (hết thời hạn bảo vệ)"

    item = models.ForeignKey(SecretItem, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    decided_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField()
    document_number = models.CharField("số quyết định", max_length=64, blank=True)
    old_level = models.CharField(max_length=16, blank=True)
    new_level = models.CharField(max_length=16, blank=True)
    years = models.PositiveIntegerField(null=True, blank=True)
    old_expires_on = models.DateField(null=True, blank=True)
    new_expires_on = models.DateField(null=True, blank=True)
    copies = models.ManyToManyField(Copy, blank=True, related_name="decisions")
    # Immediate destruction: the head of the agency the holder reported to in writing.
    reported_to = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    partial_scope = models.TextField("nội dung giải mật một phần", blank=True)
    council = models.ForeignKey(Council, on_delete=models.PROTECT, null=True, blank=True)
    record = models.TextField("biên bản tiêu hủy / báo cáo", blank=True)
    notice_due = models.DateField("hạn thông báo", null=True, blank=True)
    notice_citation = models.CharField(max_length=500, blank=True)
    notified_on = models.DateField("ngày thông báo", null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ngày {self.decided_on:%d/%m/%Y}"


class Recall(models.Model):
    """A recall notice ("Tài liệu thu hồi") or the recall opened by a departure."""

    item = models.ForeignKey(
        SecretItem, on_delete=models.PROTECT, null=True, blank=True, related_name="recalls"
    )
    departure = models.ForeignKey(
        "Departure", on_delete=models.PROTECT, null=True, blank=True, related_name="recalls"
    )
    issued_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField()
    due_on = models.DateField("hạn gửi lại")
    reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Thu hồi đến {self.due_on:%d/%m/%Y}"


class RecallTask(models.Model):
    """One copy to be returned by one holder."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="tasks")
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="recall_tasks")
    holder = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="recall_tasks"
    )
    holder_outside = models.CharField(max_length=255, blank=True)
    returned_on = models.DateField(null=True, blank=True)
    received_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Returned after the recall's due date: allowed (the copy must come back) but flagged.
    late = models.BooleanField("nộp lại quá hạn", default=False)

    def __str__(self) -> str:
        return f"{self.copy} — {self.holder or self.holder_outside}"


class Departure(models.Model):
    """A person leaves (thôi việc, chuyển công tác, nghỉ hưu, từ trần): recall, then commitment."""

    class Reason(models.TextChoices):
        QUIT = "quit", "Thôi việc"
        TRANSFER = "transfer", "Chuyển công tác"
        RETIRE = "retire", "Nghỉ hưu"
        DEATH = "death", "Từ trần"
        OTHER = "other", "Không còn được phân công"

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="departures")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    leaves_on = models.DateField()
    opened_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField("ngày mở", null=True, blank=True)
    commitment_number = models.CharField("số bản cam kết", max_length=64, blank=True)
    commitment_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.staff}: {self.get_reason_display()}"


class Stocktake(models.Model):
    """Kiểm kê: what the register says a unit or custodian holds against what was presented."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True)
    custodian = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Kiểm kê ngày {self.started_on:%d/%m/%Y}"


class StocktakeLine(models.Model):
    stocktake = models.ForeignKey(Stocktake, on_delete=models.PROTECT, related_name="lines")
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="+")
    presented = models.BooleanField(null=True)
    note = models.CharField(max_length=500, blank=True)
    marked_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.copy}: {self.presented}"
