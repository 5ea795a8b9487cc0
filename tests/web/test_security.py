"""Security headers, cookies, CSRF and the no-inline-code rule, on real responses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from .conftest import login_data

pytestmark = pytest.mark.django_db

PAGES = ["dashboard", "rulebook", "otp_setup"]


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.inline_code: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in and data.strip():
            self.inline_code.append(data)


def parse(html: str) -> _Tags:
    tags = _Tags()
    tags.feed(html)
    return tags


def csp(response) -> dict[str, list[str]]:
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def _pages(client):
    yield client.get(reverse("login"))
    client.post(reverse("login"), login_data(client.username))
    for name in PAGES:
        yield client.get(reverse(name))


@pytest.fixture
def pages(staff):
    client = Client()
    client.username = staff.user.username
    responses = list(_pages(client))
    assert [r.status_code for r in responses] == [200] * (1 + len(PAGES))
    return responses


def test_content_security_policy_allows_only_own_files_and_nonced_scripts(pages):
    for response in pages:
        policy = csp(response)
        [nonce_source] = [s for s in policy["script-src"] if s.startswith("'nonce-")]
        assert policy["script-src"] == ["'self'", nonce_source]
        assert policy["style-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        # Every script is a local file carrying this response's nonce.
        nonce = nonce_source.removeprefix("'nonce-").removesuffix("'")
        scripts = [attrs for tag, attrs in parse(response.content.decode()).tags if tag == "script"]
        assert len(scripts) >= 2
        for attrs in scripts:
            assert attrs["src"].startswith("/static/")
            assert attrs["nonce"] == nonce


def test_no_inline_scripts_styles_or_event_handlers(pages):
    for response in pages:
        parsed = parse(response.content.decode())
        assert parsed.inline_code == []
        for tag, attrs in parsed.tags:
            assert tag != "style"
            assert "style" not in attrs, tag
            assert not [a for a in attrs if a.startswith("on") or a.startswith("hx-on")], tag


def test_other_security_headers(pages):
    for response in pages:
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_htmx_2_is_served_from_our_own_static_files(pages):
    html = pages[-1].content.decode()
    [src] = re.findall(r'<script src="([^"]*htmx[^"]*)"', html)
    assert src == "/static/django_htmx/htmx-2.min.js"
    path = finders.find("django_htmx/htmx-2.min.js")
    assert path is not None
    with open(path, encoding="utf-8") as fh:
        assert re.search(r'version:"2\.\d+\.\d+"', fh.read())


def test_cookies_are_http_only_and_same_site_strict(client, staff):
    client.get(reverse("login"))
    response = client.post(reverse("login"), login_data(staff.user.username))
    assert response.status_code == 302
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        cookie = client.cookies[name]
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Strict", name
        assert not cookie["secure"], name  # plain http://127.0.0.1 on a standalone machine


def test_cookies_are_secure_when_served_over_https(client, staff, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client.get(reverse("login"), secure=True)
    client.post(reverse("login"), login_data(staff.user.username), secure=True)
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        assert client.cookies[name]["secure"] is True, name


def test_bmnn_https_turns_on_secure_cookies_redirect_and_hsts(tmp_path):
    env = {**os.environ, "BMNN_DATA_DIR": str(tmp_path), "BMNN_HTTPS": "1"}
    env.pop("BMNN_DATABASE_URL", None)
    code = (
        "import bmnn.web.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.split() == ["True", "True", "True", "True"]


def test_post_without_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), login_data(staff.user.username))
    assert response.status_code == 403
    assert "thiếu mã chống giả mạo CSRF" in response.content.decode()

    client.force_login(staff.user)
    for name in ("ledger_verify", "logout", "otp_setup"):
        assert client.post(reverse(name)).status_code == 403, name


def test_post_with_the_csrf_token_is_accepted(staff):
    client = Client(enforce_csrf_checks=True)
    html = client.get(reverse("login")).content.decode()
    [token] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    response = client.post(
        reverse("login"), login_data(staff.user.username) | {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
