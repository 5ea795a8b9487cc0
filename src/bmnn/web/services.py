"""State changes of the web shell: authentication events in the ledger, TOTP enrolment.

Each change and its ledger event are written in one transaction (ledger.record refuses to run
outside one). The signal handlers are connected in WebConfig.ready().
"""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from bmnn.web import ledger


def _user_obj(user) -> str:
    return f"{user._meta.label}:{user.pk}"


def _address(request) -> str | None:
    # Which machine on the LAN: what inspectors ask first about a login.
    return request.META.get("REMOTE_ADDR") if request is not None else None


def on_login(sender, request, user, **kwargs) -> None:
    """user_logged_in: "auth.login", noting whether a second factor was given."""
    with transaction.atomic():
        ledger.record(
            user.get_username(),
            "auth.login",
            _user_obj(user),
            {"address": _address(request), "otp": getattr(user, "otp_device", None) is not None},
        )


def on_logout(sender, request, user, **kwargs) -> None:
    """user_logged_out: "auth.logout" (nothing when no one was logged in)."""
    if user is None:
        return
    with transaction.atomic():
        ledger.record(
            user.get_username(), "auth.logout", _user_obj(user), {"address": _address(request)}
        )


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """django-axes' user_locked_out: "auth.locked_out"; the person is unknown, so no actor."""
    with transaction.atomic():
        ledger.record(
            "anonymous",
            "auth.locked_out",
            f"auth.User:{username or '?'}",
            {"username": username, "address": ip_address},
        )


def confirm_totp_device(user, device: TOTPDevice) -> TOTPDevice:
    """Turn two-step login on for `user` with a device whose first code was already verified."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        ledger.record(
            user.get_username(),
            "auth.otp.enrol",
            _user_obj(user),
            {"device": device.persistent_id, "kind": "totp"},
        )
    return device


def pending_totp_device(user) -> TOTPDevice:
    """The user's device awaiting its first code, created with a fresh random key if none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=False)
    return device
