"""Optional two-step login (TOTP): enrolment, then a code at every login."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bmnn.web import ledger

from .conftest import login_data

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice) -> str:
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code(device)) + 1) % 10**device.digits:0{device.digits}d}"


@pytest.fixture
def enrolled(staff) -> TOTPDevice:
    return TOTPDevice.objects.create(user=staff.user, name="Điện thoại công vụ", confirmed=True)


def test_enrol_page_shows_the_secret_and_the_otpauth_uri(staff_client, staff):
    response = staff_client.get(reverse("otp_setup"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    device = TOTPDevice.objects.get(user=staff.user)
    assert device.confirmed is False
    html = response.content.decode()
    secret = base64.b32encode(device.bin_key).decode()
    assert f'data-testid="otp-secret">{secret}<' in html
    uri = urlparse(device.config_url)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [secret.rstrip("=")]
    assert parse_qs(uri.query)["issuer"] == ["BMNN"]
    assert f'data-testid="otp-uri">{escape(device.config_url)}<' in html
    assert device.config_url.startswith(f"otpauth://totp/BMNN%3A{staff.user.username}?")
    # A second visit shows the same pending secret, not a new one.
    staff_client.get(reverse("otp_setup"))
    assert TOTPDevice.objects.filter(user=staff.user).count() == 1


def test_first_code_confirms_the_device(staff_client, staff):
    staff_client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=staff.user)
    response = staff_client.post(reverse("otp_setup"), {"token": code(device)}, follow=True)
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True
    html = response.content.decode()
    assert "Đã bật xác thực hai bước cho tài khoản." in html
    assert 'data-testid="otp-enabled"' in html
    assert staff_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    [event] = [
        e
        for e in ledger.recent(10)
        if e.action == "auth.otp.enrol" and e.actor == staff.user.username
    ]
    assert json.loads(event.payload)["device"] == device.persistent_id


def test_wrong_first_code_leaves_the_device_unconfirmed(staff_client, staff):
    staff_client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=staff.user)
    response = staff_client.post(reverse("otp_setup"), {"token": wrong_code(device)})
    assert response.status_code == 200
    assert "Mã xác thực không đúng" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False


def test_login_with_a_device_needs_the_code(client, staff, enrolled):
    response = client.post(reverse("login"), login_data(staff.user.username))
    assert response.status_code == 200
    assert "Tài khoản này đã bật xác thực hai bước" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_a_wrong_code_is_refused(client, staff, enrolled):
    response = client.post(
        reverse("login"), login_data(staff.user.username, token=wrong_code(enrolled))
    )
    assert response.status_code == 200
    assert "Mã xác thực (OTP) không đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_the_right_code_verifies_the_session(client, staff, enrolled):
    response = client.post(reverse("login"), login_data(staff.user.username, token=code(enrolled)))
    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == enrolled.persistent_id
    [event] = [
        e for e in ledger.recent(10) if e.action == "auth.login" and e.actor == staff.user.username
    ]
    assert json.loads(event.payload)["otp"] is True


def test_guessing_codes_locks_the_account_like_guessing_passwords(staff, enrolled, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(
            reverse("login"), login_data(staff.user.username, token=wrong_code(enrolled))
        )
        assert response.status_code == 200
    response = client.post(
        reverse("login"), login_data(staff.user.username, token=wrong_code(enrolled))
    )
    assert response.status_code == 429
    assert "Tài khoản tạm thời bị khóa" in response.content.decode()


def test_unconfirmed_device_does_not_block_login(client, staff):
    TOTPDevice.objects.create(user=staff.user, name="chưa xác nhận", confirmed=False)
    response = client.post(reverse("login"), login_data(staff.user.username))
    assert response.status_code == 302
