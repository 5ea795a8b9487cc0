"""Login, lockout, logout and session expiry, on real requests."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bmnn.web import ledger

from .conftest import PASSWORD, login_data

pytestmark = pytest.mark.django_db


def events(action: str) -> list[dict]:
    return [
        {"actor": e.actor, "object": e.object, **json.loads(e.payload)}
        for e in ledger.recent(50)
        if e.action == action
    ]


def test_created_user_password_is_hashed_with_argon2(staff):
    assert staff.user.password.startswith("argon2$argon2id$")
    assert staff.user.check_password(PASSWORD)


def test_login_page_is_vietnamese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    for text in ("Đăng nhập", "Tên đăng nhập", "Mật khẩu", "Mã xác thực (OTP)"):
        assert text in html
    assert "không kết nối Internet" in html


def test_login_opens_the_dashboard_and_is_recorded_in_the_ledger(client, staff):
    response = client.post(reverse("login"), login_data(staff.user.username))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    [event] = [e for e in events("auth.login") if e["actor"] == staff.user.username]
    assert event["object"] == f"auth.User:{staff.user.pk}"
    assert event["otp"] is False
    assert event["address"] == "127.0.0.1"


def test_wrong_password_is_refused_in_vietnamese(client, staff):
    response = client.post(reverse("login"), login_data(staff.user.username, "sai-mat-khau"))
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_out(client, staff):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == int(os.environ.get("BMNN_LOGIN_FAILURES", "5"))
    for _ in range(limit - 1):
        response = client.post(reverse("login"), login_data(staff.user.username, "sai-mat-khau"))
        assert response.status_code == 200
    response = client.post(reverse("login"), login_data(staff.user.username, "sai-mat-khau"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Tài khoản tạm thời bị khóa" in html
    assert f"Đã nhập sai thông tin đăng nhập {limit} lần" in html
    assert "30 phút" in html
    # Locked: even the right password does not get in now.
    response = client.post(reverse("login"), login_data(staff.user.username))
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert any(e["username"] == staff.user.username for e in events("auth.locked_out"))


def test_failure_limit_comes_from_the_environment(tmp_path):
    env = {**os.environ, "BMNN_DATA_DIR": str(tmp_path), "BMNN_LOGIN_FAILURES": "3"}
    env.pop("BMNN_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", "import bmnn.web.settings as s; print(s.AXES_FAILURE_LIMIT)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "3"


def test_logout_needs_post_and_is_recorded(staff_client, staff):
    assert staff_client.get(reverse("logout")).status_code == 405
    response = staff_client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Đã đăng xuất khỏi hệ thống." in response.content.decode()
    assert any(e["actor"] == staff.user.username for e in events("auth.logout"))
    response = staff_client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_session_lasts_30_minutes_from_the_last_request(staff_client):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert staff_client.get(reverse("dashboard")).status_code == 200
    session = _session(staff_client)
    remaining = session.expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)

    # Nearly expired: any request pushes the expiry 30 minutes ahead again.
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + dt.timedelta(seconds=30)
    )
    assert staff_client.get(reverse("dashboard")).status_code == 200
    remaining = _session(staff_client).expire_date - timezone.now()
    assert remaining > dt.timedelta(minutes=29)


def test_idle_session_expires(staff_client):
    assert staff_client.get(reverse("dashboard")).status_code == 200
    session = _session(staff_client)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = staff_client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_superuser_without_staff_record_sees_the_dashboard(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert superuser.username in html
    assert "Quản trị hệ thống" in html


def test_navbar_shows_name_post_unit_and_clearance(staff_client, staff):
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert staff.full_name in html
    assert "Giám đốc" in html
    assert staff.org_unit.name in html
    assert "Mức được tiếp cận: Tuyệt mật" in html


def test_admin_logs_in_through_the_same_form(client, superuser):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin_login"))
    assert "Mã xác thực (OTP)" in response.content.decode()
    response = client.post(
        reverse("admin_login") + "?next=/admin/",
        login_data(superuser.username) | {"next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_logged_in_user_without_admin_rights_is_not_looped(staff_client, staff):
    response = staff_client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert len(response.redirect_chain) == 1
    assert f"Đang đăng nhập với tài khoản <strong>{staff.user.username}</strong>" in (
        response.content.decode()
    )
