"""A person issues an API token on their own page, uses it once, and revokes it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from bmnn.web.models import ApiToken
from tests.registry.conftest import _fast_passwords, sx  # noqa: F401

pytestmark = pytest.mark.django_db


def test_issue_use_and_revoke_a_token(sx):  # noqa: F811
    client = Client()
    client.force_login(sx.clerk.user)
    page = client.post(
        reverse("api_tokens"), {"label": "Phần mềm quản lý văn bản", "lifetime_days": 30}
    )
    assert page.status_code == 200
    raw = re.search(r'<code class="user-select-all">([^<]+)</code>', page.content.decode()).group(1)
    row = ApiToken.objects.get(staff=sx.clerk)
    assert row.key_hash != raw and raw not in str(row.__dict__)  # only the hash is stored
    api = Client()
    assert api.get("/api/v1/counts", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    other = Client()
    other.force_login(sx.drafter.user)
    assert other.post(reverse("api_token_revoke", args=[row.pk])).status_code == 404
    assert client.post(reverse("api_token_revoke", args=[row.pk])).status_code == 302
    assert api.get("/api/v1/counts", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    listing = client.get(reverse("api_tokens")).content.decode()
    assert "Đã thu hồi" in listing and raw not in listing


def test_bad_lifetime_is_a_form_error(sx):  # noqa: F811
    client = Client()
    client.force_login(sx.clerk.user)
    page = client.post(reverse("api_tokens"), {"label": "X", "lifetime_days": 999})
    assert page.status_code == 200 and not ApiToken.objects.exists()
