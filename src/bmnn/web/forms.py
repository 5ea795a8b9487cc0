"""Forms of the web shell: login with optional TOTP, TOTP enrolment, the rulebook filter."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django_otp import devices_for_user, match_token

from bmnn.web.formats.vi.formats import DATE_INPUT_FORMATS

_TOKEN_WIDGET = forms.TextInput(
    attrs={
        "autocomplete": "one-time-code",
        "inputmode": "numeric",
        "pattern": "[0-9]*",
        "maxlength": "8",
        "class": "form-control",
    }
)


class LoginForm(AuthenticationForm):
    """User name + password, and a TOTP code for users who have enrolled a device.

    django-axes counts failures through the `user_login_failed` signal; a wrong or missing code
    is sent through it too, so guessing codes locks the account like guessing passwords.
    """

    otp_token = forms.CharField(
        label="Mã xác thực (OTP)",
        required=False,
        max_length=8,
        widget=_TOKEN_WIDGET,
        help_text="Chỉ nhập nếu tài khoản đã bật xác thực hai bước.",
    )

    error_messages: ClassVar[dict[str, str]] = {
        "invalid_login": (
            "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: nhập sai nhiều lần, tài khoản sẽ "
            "bị tạm khóa."
        ),
        "inactive": "Tài khoản này đã bị vô hiệu hóa.",
        "otp_required": (
            "Tài khoản này đã bật xác thực hai bước: hãy nhập mã xác thực (OTP) từ ứng dụng "
            "trên thiết bị đã đăng ký."
        ),
        "otp_invalid": "Mã xác thực (OTP) không đúng hoặc đã hết hạn.",
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Tên đăng nhập"
        self.fields["password"].label = "Mật khẩu"
        for name in ("username", "password"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and list(devices_for_user(user, confirmed=True)):
            token = (cleaned.get("otp_token") or "").strip()
            code = "otp_required" if not token else "otp_invalid"
            device = match_token(user, token) if token else None
            if device is None:
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": cleaned.get("username")},
                    request=self.request,
                )
                self.user_cache = None
                raise forms.ValidationError(self.error_messages[code], code=code)
            # django_otp's user_logged_in handler stores this device in the session.
            user.otp_device = device
        return cleaned


class TotpConfirmForm(forms.Form):
    """The first code from a newly enrolled authenticator, proving it holds the secret."""

    token = forms.CharField(label="Mã xác thực (OTP) đầu tiên", max_length=8, widget=_TOKEN_WIDGET)

    def __init__(self, device, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not self.device.verify_token(token):
            raise forms.ValidationError(
                "Mã xác thực không đúng. Kiểm tra đồng hồ của thiết bị và nhập mã mới nhất.",
                code="otp_invalid",
            )
        return token


class RuleFilterForm(forms.Form):
    """Filters of the rulebook page. A blank date means every version, past ones included."""

    action = forms.ChoiceField(label="Hành vi", required=False)
    level = forms.ChoiceField(label="Độ mật", required=False)
    on = forms.DateField(
        label="Có hiệu lực ngày",
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(
            format="%d/%m/%Y",
            attrs={"placeholder": "dd/mm/yyyy", "class": "form-control"},
        ),
        help_text="Để trống để xem mọi phiên bản, kể cả đã hết hiệu lực.",
    )

    def __init__(self, *args, actions=(), levels=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Tất cả"), *actions]
        self.fields["level"].choices = [("", "Tất cả"), *levels]
        for name in ("action", "level"):
            self.fields[name].widget.attrs["class"] = "form-select"
