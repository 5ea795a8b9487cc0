"""Forms of the registry pages. They only shape input: every legal check is in the services,
which refuse with the rule's citation; a form never decides what the law allows."""

from __future__ import annotations

import re

from django import forms

from bmnn.catalogue import selectors as catalogue
from bmnn.people.models import LEVEL_CHOICES, LEVEL_NAMES, OrgUnit, Staff
from bmnn.registry.models import Copy, Council, Departure, SecretItem
from bmnn.registry.services.incoming import ANOMALIES
from bmnn.web.formats.vi.formats import DATE_INPUT_FORMATS

ALL = [("", "Tất cả")]


def _bootstrap(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget (no inline styles under the CSP)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class CatalogueItemField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        text = obj.text if len(obj.text) <= 90 else f"{obj.text[:87]}…"
        return f"{LEVEL_NAMES[obj.level]} — {obj.citation}: {text}"


class ProposalForm(forms.Form):
    """Phiếu đề xuất độ mật: what the drafter proposes (Decree 26/2020 Art. 2(1))."""

    title = forms.CharField(
        label="Tên loại và trích yếu nội dung",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Độ Tuyệt mật: chỉ ghi tên loại (không ghi trích yếu).",
    )
    kind = forms.ChoiceField(label="Loại", choices=SecretItem.Kind.choices)
    level = forms.ChoiceField(label="Độ mật đề xuất", choices=LEVEL_CHOICES)
    catalogue_item = CatalogueItemField(
        label="Căn cứ trong danh mục bí mật nhà nước",
        queryset=catalogue.items(active_only=True),
        empty_label="— Chọn điểm, khoản, Điều của danh mục —",
        required=False,  # a missing basis is refused by the service, citing Art. 5(1)
    )
    recipients_text = forms.CharField(
        label="Nơi nhận", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    copies = forms.IntegerField(label="Số lượng bản phát hành", min_value=1, max_value=10000)
    copy_allowed = forms.BooleanField(label="Được phép sao, chụp", required=False)
    activity_period_years = forms.IntegerField(
        label="Thời hạn bảo vệ ngắn hơn (năm)",
        required=False,
        min_value=1,
        max_value=30,
        help_text="Chỉ ghi khi bí mật về hoạt động có thời hạn bảo vệ ngắn hơn thời hạn luật định.",
    )

    def __init__(self, *args, levels: list[str] | None = None, options_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if levels is not None:
            self.fields["level"].choices = [(c, n) for c, n in LEVEL_CHOICES if c in levels]
        _bootstrap(self)
        if options_url:
            # Changing the level narrows the catalogue list to that level's items (htmx).
            self.fields["level"].widget.attrs.update(
                {
                    "hx-get": options_url,
                    "hx-target": "#id_catalogue_item",
                    "hx-trigger": "change",
                    "hx-swap": "innerHTML",
                }
            )


class DecisionForm(forms.Form):
    """The leader's answer to a proposal; a rejection must say why."""

    note = forms.CharField(
        label="Ý kiến / lý do không duyệt",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class OutgoingForm(forms.Form):
    """The outgoing-register columns the clerk fills in (Decree 63/2026 Annex III)."""

    number_symbol = forms.CharField(label="Số, ký hiệu", max_length=128)
    doc_type = forms.CharField(label="Tên loại", max_length=128)
    summary = forms.CharField(
        label="Trích yếu nội dung",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    signer = forms.CharField(label="Người ký", max_length=255)
    keeping_unit = forms.ModelChoiceField(
        label="Đơn vị lưu", queryset=OrgUnit.objects.none(), required=False
    )
    electronic_copies = forms.BooleanField(label="Bản phát hành là bản điện tử", required=False)
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000)

    def __init__(self, *args, item: SecretItem, units: list[OrgUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        if item.level == "tuyet_mat":
            # The law forbids the field, so the page does not offer it at all.
            del self.fields["summary"]
        else:
            self.fields["summary"].initial = item.summary
        self.fields["keeping_unit"].queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in units])
        self.fields["keeping_unit"].initial = item.owner_unit_id
        _bootstrap(self)


class ItemFilterForm(forms.Form):
    level = forms.ChoiceField(label="Độ mật", required=False, choices=ALL + LEVEL_CHOICES)
    status = forms.ChoiceField(
        label="Tình trạng", required=False, choices=ALL + SecretItem.Status.choices
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


# ---------------------------------------------------------------------------------------------
# Forms of the other services. Person pickers list the staff of the item's agency; the services
# decide whether the person chosen may act (authority, clearance, duty).


class StaffField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name} — {obj.position or obj.get_role_display()} ({obj.org_unit})"


DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"})


def _date_field(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, input_formats=DATE_INPUT_FORMATS, widget=DATE_WIDGET
    )


class IncomingForm(forms.Form):
    """The incoming-register columns (Decree 63/2026 Annex III) and what the envelope shows."""

    issuer = forms.CharField(label="Cơ quan, tổ chức ban hành", max_length=255)
    number_symbol = forms.CharField(label="Số, ký hiệu", max_length=128)
    document_date = _date_field("Ngày tháng của tài liệu")
    doc_type = forms.CharField(label="Tên loại", max_length=128)
    summary = forms.CharField(
        label="Trích yếu nội dung",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Để trống với tài liệu độ Tuyệt mật, hoặc khi bì chưa được bóc.",
    )
    level = forms.ChoiceField(label="Độ mật", choices=LEVEL_CHOICES)
    receiving_unit = forms.ModelChoiceField(label="Đơn vị nhận", queryset=OrgUnit.objects.none())
    copies = forms.IntegerField(label="Số bản", min_value=1, max_value=1000, initial=1)
    named_addressee = StaffField(
        label="Người có tên trên bì («Chỉ người có tên mới được bóc bì»)",
        queryset=Staff.objects.none(),
        required=False,
    )
    sealed = forms.BooleanField(label="Chưa bóc bì", required=False)
    express = forms.BooleanField(label="Hỏa tốc", required=False)
    addressee_absent = forms.BooleanField(label="Người có tên đi vắng", required=False)
    anomalies = forms.MultipleChoiceField(
        label="Bất thường phát hiện khi nhận",
        choices=sorted(ANOMALIES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    copy_allowed = forms.BooleanField(label="Được phép sao, chụp", required=False)
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000)

    def __init__(self, *args, units, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_unit"].queryset = OrgUnit.objects.filter(
            pk__in=[u.pk for u in units]
        )
        self.fields["named_addressee"].queryset = staff
        _bootstrap(self)
        self.fields["anomalies"].widget.attrs["class"] = "form-check-input"


class OpenEnvelopeForm(forms.Form):
    doc_type = forms.CharField(label="Tên loại", max_length=128, required=False)
    summary = forms.CharField(
        label="Trích yếu nội dung",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Không ghi với tài liệu độ Tuyệt mật.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class CopyOrderForm(forms.Form):
    form = forms.ChoiceField(
        label="Hình thức",
        choices=[(c, label) for c, label in Copy.Form.choices if c != Copy.Form.ISSUED],
    )
    count = forms.IntegerField(label="Số bản sao, chụp", min_value=1, max_value=1000)
    requester = StaffField(label="Người đề nghị", queryset=Staff.objects.none())
    authoriser = StaffField(label="Người cho phép", queryset=Staff.objects.none())
    copier = StaffField(label="Người thực hiện sao, chụp", queryset=Staff.objects.none())
    recipients_text = forms.CharField(
        label="Nơi nhận bản sao", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    spoiled = forms.IntegerField(
        label="Số bản hỏng, dư thừa đã hủy ngay", min_value=0, initial=0, required=False
    )
    electronic = forms.BooleanField(label="Bản sao là bản điện tử", required=False)
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000)

    def __init__(self, *args, staff, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("requester", "copier"):
            self.fields[name].queryset = staff
        self.fields["authoriser"].queryset = leaders
        _bootstrap(self)


class CopiesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} ({obj.get_form_display()})"


class DeliverForm(forms.Form):
    copies = CopiesField(
        label="Các bản giao", queryset=Copy.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    receiving_unit = forms.CharField(label="Nơi nhận (cơ quan, đơn vị)", max_length=255)
    receiver_name = forms.CharField(label="Họ tên người nhận", max_length=255)
    receiver = StaffField(
        label="Người nhận trong danh sách cán bộ (nếu có)",
        queryset=Staff.objects.none(),
        required=False,
    )
    envelopes = forms.IntegerField(
        label="Số bì",
        min_value=1,
        required=False,
        help_text="Để trống: hệ thống tính theo quy định đóng bì của độ mật.",
    )
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000)

    def __init__(self, *args, copies, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copies"].queryset = copies
        self.fields["receiver"].queryset = staff
        _bootstrap(self)
        self.fields["copies"].widget.attrs["class"] = "form-check-input"


class HandOverForm(forms.Form):
    copies = CopiesField(
        label="Các bản bàn giao", queryset=Copy.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    to_staff = StaffField(label="Người nhận bàn giao", queryset=Staff.objects.none())
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000)

    def __init__(self, *args, copies, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copies"].queryset = copies
        self.fields["to_staff"].queryset = staff
        _bootstrap(self)
        self.fields["copies"].widget.attrs["class"] = "form-check-input"


class ConfirmReceiptForm(forms.Form):
    receiver_name = forms.CharField(label="Họ tên người ký nhận", max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class RecallForm(forms.Form):
    due_on = _date_field("Hạn gửi lại")
    reason = forms.CharField(
        label="Lý do thu hồi", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class StocktakeForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="Đơn vị kiểm kê", queryset=OrgUnit.objects.none(), required=False
    )
    custodian = StaffField(
        label="Hoặc người đang quản lý tài liệu", queryset=Staff.objects.none(), required=False
    )

    def __init__(self, *args, units, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in units])
        self.fields["custodian"].queryset = staff
        _bootstrap(self)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("unit")) == bool(cleaned.get("custodian")):
            raise forms.ValidationError("Chọn một đơn vị hoặc một người quản lý tài liệu.")
        return cleaned


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Tìm theo số, ký hiệu, tên loại, trích yếu, cơ quan ban hành",
        max_length=200,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


# ---------------------------------------------------------------------------------------------
# Access, take-out, provision, lifecycle and departure. Fields holding what the law requires a
# request or dossier to contain are optional here on purpose: a missing one is refused by the
# service, citing the article that lists it, rather than by a bare "this field is required".

DECISION_CHOICES = [("approve", "Cho phép / đồng ý"), ("refuse", "Không cho phép / từ chối")]


def _text(label: str, rows: int = 2, required: bool = False, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"


class GrantForm(_Styled):
    staff = StaffField(label="Người được tiếp cận", queryset=Staff.objects.none())
    purpose = forms.CharField(label="Mục đích tiếp cận", max_length=500)
    valid_to = _date_field("Hết hạn (để trống: đến khi thu hồi)", required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff


class CopyField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} ({obj.get_form_display()}, {obj.get_state_display()})"


class TakeOutForm(_Styled):
    """The written request to take a copy out (Decree 26/2020 Art. 5(2)) and the decision."""

    copy = CopyField(label="Bản mang ra", queryset=Copy.objects.none())
    person = StaffField(label="Người mang tài liệu", queryset=Staff.objects.none())
    position = forms.CharField(label="Chức vụ", max_length=255, required=False)
    unit_name = forms.CharField(label="Đơn vị công tác", max_length=255, required=False)
    purpose = _text("Mục đích sử dụng")
    place = forms.CharField(label="Địa điểm công tác", max_length=255, required=False)
    start_on = _date_field("Từ ngày", required=False)
    due_on = _date_field("Đến ngày (hạn nộp lại)", required=False)
    protection = _text("Biện pháp bảo vệ bí mật nhà nước")
    abroad = forms.BooleanField(label="Mang ra nước ngoài", required=False)
    decision = forms.ChoiceField(
        label="Quyết định", choices=DECISION_CHOICES, widget=forms.RadioSelect, initial="approve"
    )
    refusal_reason = _text("Lý do không cho phép")

    def __init__(self, *args, copies, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copy"].queryset = copies
        self.fields["person"].queryset = staff


class ReturnForm(_Styled):
    report = _text(
        "Báo cáo việc quản lý, sử dụng tài liệu", rows=3, help_text="Báo cáo người đã cho phép."
    )


class ProvisionForm(_Styled):
    """The written request to be provided a secret (Law 29/2018 Art. 15(4)-(5), 16(3)-(4))."""

    foreign = forms.ChoiceField(
        label="Bên đề nghị",
        choices=[("domestic", "Trong nước"), ("foreign", "Nước ngoài")],
        widget=forms.RadioSelect,
        initial="domestic",
    )
    requester_kind = forms.ChoiceField(
        label="Là",
        choices=[("agency", "Cơ quan, tổ chức"), ("person", "Cá nhân")],
        widget=forms.RadioSelect,
        initial="agency",
    )
    requester_name = forms.CharField(label="Tên cơ quan, tổ chức / họ và tên", max_length=255)
    representative = forms.CharField(label="Người đại diện", max_length=255, required=False)
    identity_number = forms.CharField(
        label="Số căn cước, hộ chiếu hoặc giấy chứng minh (nước ngoài: số hộ chiếu)",
        max_length=64,
        required=False,
    )
    nationality = forms.CharField(
        label="Quốc tịch (người đại diện bên nước ngoài)", max_length=64, required=False
    )
    address = forms.CharField(label="Địa chỉ liên lạc", max_length=255, required=False)
    position = forms.CharField(
        label="Vị trí công tác / chức vụ của người đại diện", max_length=255, required=False
    )
    purpose = _text("Mục đích sử dụng")
    commitment = _text("Cam kết bảo vệ bí mật nhà nước")
    no_third_party = forms.BooleanField(
        label="Cam kết không cung cấp, chuyển giao cho bên thứ ba (bên nước ngoài)",
        required=False,
    )
    cooperation_basis = forms.CharField(
        label="Chương trình hợp tác quốc tế hoặc công vụ (bên nước ngoài)",
        max_length=500,
        required=False,
    )
    requested_on = _date_field("Ngày văn bản đề nghị")
    decision = forms.ChoiceField(
        label="Quyết định", choices=DECISION_CHOICES, widget=forms.RadioSelect, initial="approve"
    )
    refusal_reason = _text("Lý do từ chối (trả lời bằng văn bản)")


class ExtendForm(_Styled):
    years = forms.IntegerField(label="Số năm gia hạn", min_value=1, max_value=100)
    document_number = forms.CharField(label="Số, ký hiệu quyết định gia hạn", max_length=64)


class AdjustForm(_Styled):
    new_level = forms.ChoiceField(
        label="Độ mật mới",
        choices=[("", "— Chọn độ mật mới —"), *LEVEL_CHOICES],
        required=False,  # no level at all is declassification: refused citing adjust.scope
    )
    catalogue_item = CatalogueItemField(
        label="Căn cứ trong danh mục bí mật nhà nước",
        queryset=catalogue.items(active_only=True),
        empty_label="— Chọn điểm, khoản, Điều của danh mục —",
        required=False,
    )
    document_number = forms.CharField(label="Số, ký hiệu quyết định điều chỉnh", max_length=64)

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_level"].choices = [
            c for c in self.fields["new_level"].choices if c[0] != current
        ]


def parse_members(text: str) -> list[dict]:
    """Lines "Họ tên — Chức vụ — Đơn vị" into member rows; raises ValidationError on a bad line."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"\s+[—–-]\s+", line.strip())]
        if len(parts) != 3 or not all(parts):
            raise forms.ValidationError(
                f"Dòng {number}: ghi «Họ tên — Chức vụ — Đơn vị» (ba phần, cách nhau bởi dấu —)."
            )
        rows.append(dict(zip(("name", "position", "unit"), parts, strict=True)))
    return rows


class CouncilForm(_Styled):
    kind = forms.ChoiceField(label="Loại hội đồng", choices=[])
    establishment_number = forms.CharField(
        label="Số quyết định thành lập", max_length=64, required=False
    )
    established_on = _date_field("Ngày quyết định thành lập")
    chair = forms.CharField(
        label="Chủ tịch hội đồng (đại diện lãnh đạo cơ quan: họ tên, chức vụ)",
        max_length=255,
        required=False,
    )
    members = _text(
        "Thành viên hội đồng",
        rows=4,
        help_text="Mỗi dòng một người: Họ tên — Chức vụ — Đơn vị.",
    )
    minutes = _text("Biên bản họp hội đồng (ý kiến, kết luận)", rows=3)
    minutes_on = _date_field("Ngày họp hội đồng")
    other_items = forms.CharField(
        label="Mã số các tài liệu khác trong danh sách đề nghị",
        required=False,
        help_text="Mã số hệ thống của tài liệu, cách nhau bởi dấu phẩy.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Council.Kind.choices

    def clean_members(self) -> list[dict]:
        return parse_members(self.cleaned_data.get("members", ""))

    def clean_other_items(self) -> list[int]:
        text = self.cleaned_data.get("other_items", "")
        try:
            return [int(p) for p in text.replace(";", ",").split(",") if p.strip()]
        except ValueError as exc:
            raise forms.ValidationError("Ghi mã số (chữ số), cách nhau bởi dấu phẩy.") from exc


class CouncilField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return (
            f"{obj.get_kind_display()} theo quyết định số {obj.establishment_number} "
            f"ngày {obj.established_on:%d/%m/%Y}"
        )


class DeclassifyForm(_Styled):
    council = CouncilField(
        label="Hội đồng giải mật đã xem xét",
        queryset=Council.objects.none(),
        required=False,  # deciding without a council is refused citing declassify.council
        empty_label="— Chọn hội đồng —",
    )
    document_number = forms.CharField(label="Số, ký hiệu quyết định giải mật", max_length=64)
    scope = forms.ChoiceField(
        label="Phạm vi",
        choices=[("full", "Giải mật toàn bộ"), ("partial", "Giải mật một phần")],
        widget=forms.RadioSelect,
        initial="full",
    )
    partial_scope = _text("Nội dung được giải mật (khi giải mật một phần)")

    def __init__(self, *args, councils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = councils

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == "partial" and not cleaned.get("partial_scope", "").strip():
            self.add_error("partial_scope", "Giải mật một phần phải ghi rõ nội dung được giải mật.")
        if cleaned.get("scope") == "full":
            cleaned["partial_scope"] = ""
        return cleaned


class DestroyForm(_Styled):
    council = CouncilField(
        label="Hội đồng tiêu hủy đã xem xét",
        queryset=Council.objects.none(),
        required=False,  # deciding without a council is refused citing destroy.council
        empty_label="— Chọn hội đồng —",
    )
    document_number = forms.CharField(label="Số, ký hiệu quyết định tiêu hủy", max_length=64)
    record = _text("Biên bản tiêu hủy", rows=3)
    copies = CopiesField(
        label="Các bản tiêu hủy (để trống: mọi bản đang quản lý)",
        queryset=Copy.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, councils, copies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = councils
        self.fields["copies"].queryset = copies


class DestroyNowForm(_Styled):
    copy = CopyField(label="Bản tiêu hủy ngay", queryset=Copy.objects.none())
    report = _text("Báo cáo người đứng đầu cơ quan về việc tiêu hủy ngay", rows=3)

    def __init__(self, *args, copies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copy"].queryset = copies


class ConfirmForm(_Styled):
    """An act with nothing to fill in: the page shows what it does and its rule."""


class NoticeForm(_Styled):
    notified_on = _date_field("Ngày gửi thông báo bằng văn bản")


class DepartureForm(_Styled):
    staff = StaffField(label="Người thôi công tác", queryset=Staff.objects.none())
    reason = forms.ChoiceField(label="Lý do", choices=[])
    leaves_on = _date_field("Ngày thôi công tác")

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff
        self.fields["reason"].choices = Departure.Reason.choices


class CommitmentForm(_Styled):
    commitment_number = forms.CharField(label="Số bản cam kết", max_length=64)
