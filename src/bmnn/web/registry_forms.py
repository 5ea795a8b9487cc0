"""Forms of the registry pages. They only shape input: every legal check is in the services,
which refuse with the rule's citation; a form never decides what the law allows."""

from __future__ import annotations

from django import forms

from bmnn.catalogue import selectors as catalogue
from bmnn.people.models import LEVEL_CHOICES, LEVEL_NAMES, OrgUnit, Staff
from bmnn.registry.models import Copy, SecretItem
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
