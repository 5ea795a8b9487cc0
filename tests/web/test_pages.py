"""The dashboard and the rulebook page, checked against the rulebook and the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bmnn.ledger import schema
from bmnn.rules import load_rulebook
from bmnn.rules.model import CONFIDENCE
from bmnn.web import ledger
from bmnn.web.templatetags.bmnn_ui import CONFIDENCE as BADGES

pytestmark = pytest.mark.django_db


def test_pages_need_login(client):
    for name in ("dashboard", "rulebook", "otp_setup"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == f"{reverse('login')}?next={reverse(name)}"


def test_dashboard_lists_the_texts_in_force_today(staff_client):
    today = timezone.localdate()
    texts = load_rulebook().texts_in_force(today)
    assert texts, "the shipped rulebook has texts in force today"
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert f"có hiệu lực hôm nay ({today:%d/%m/%Y})" in html
    for text in texts:
        assert text.code in html
        assert text.title in html
        assert f"{text.effective_from:%d/%m/%Y}" in html


def test_dashboard_shows_the_ledger_status(staff_client):
    checkpoint = ledger.checkpoint_now()
    status = ledger.status()
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert f'data-testid="ledger-events">{status["events"]}<' in html
    local = timezone.localtime(checkpoint.created_at)
    assert f"#{checkpoint.seq} lúc {local:%d/%m/%Y %H:%M:%S}" in html
    assert checkpoint.key_fingerprint in html
    assert status["fingerprint"] in html


def test_verify_button_runs_verify_and_shows_the_result(staff_client, last_verify_restored):
    assert staff_client.get(reverse("ledger_verify")).status_code == 405
    response = staff_client.post(reverse("ledger_verify"), follow=True)
    assert response.redirect_chain == [(reverse("dashboard"), 302)]
    html = response.content.decode()
    assert "Sổ nhật ký toàn vẹn." in html
    assert '<span class="badge text-bg-success">Toàn vẹn</span>' in html
    assert 'data-testid="ledger-broken"' not in html


def test_broken_ledger_is_shown_loudly_in_red(staff_client, last_verify_restored):
    staff_client.get(reverse("dashboard"))  # the login event: the ledger has rows to damage
    target = ledger.status()["events"]
    with connection.cursor() as cur:
        for statement in schema.unguard_sql(connection.vendor):
            cur.execute(statement)
        cur.execute(
            f"UPDATE {schema.EVENT_TABLE} SET payload = %s WHERE seq = %s", ['{"sửa":1}', target]
        )
    response = staff_client.post(reverse("ledger_verify"), follow=True)
    html = response.content.decode()
    assert "SỔ NHẬT KÝ KHÔNG CÒN TOÀN VẸN." in html
    assert 'data-testid="ledger-broken"' in html
    assert "bmnn-ledger-broken" in html and "border-danger" in html
    assert f"Sự kiện hỏng đầu tiên: #{target}." in html
    assert '<span class="badge text-bg-danger">HỎNG</span>' in html


def _ids(html: str, versions) -> set[str]:
    return {v.id for v in versions if f'<code data-rule-id="{v.id}">' in html}


def test_rulebook_shows_todays_rules_by_default(staff_client):
    today = timezone.localdate()
    rb = load_rulebook()
    html = staff_client.get(reverse("rulebook")).content.decode()
    expected = rb.rules(today)
    assert f"Quy tắc có hiệu lực ngày {today:%d/%m/%Y}: {len(expected)} quy tắc." in html
    assert _ids(html, rb.rules()) == {v.id for v in expected}
    for version in expected:
        assert rb.cite(version.citation) in html


def test_rulebook_filters_by_action_level_and_date(staff_client):
    rb = load_rulebook()
    on = dt.date(2026, 3, 1)
    expected = [v for v in rb.rules(on) if v.action == "copy" and "toi_mat" in v.levels]
    assert expected
    response = staff_client.get(
        reverse("rulebook"), {"action": "copy", "level": "toi_mat", "on": "01/03/2026"}
    )
    html = response.content.decode()
    assert "Quy tắc có hiệu lực ngày 01/03/2026" in html
    assert _ids(html, rb.rules()) == {v.id for v in expected}


def test_rulebook_blank_date_shows_every_version(staff_client):
    rb = load_rulebook()
    html = staff_client.get(reverse("rulebook"), {"on": ""}).content.decode()
    assert "Mọi phiên bản quy tắc, kể cả đã hết hiệu lực" in html
    assert _ids(html, rb.rules()) == {v.id for v in rb.rules()}
    ended = [v for v in rb.rules() if v.effective_to is not None]
    assert ended, "the shipped rulebook keeps the 2018 versions"
    assert f"đến {ended[0].effective_to:%d/%m/%Y}" in html


def test_rulebook_bad_date_is_explained_in_vietnamese(staff_client):
    html = staff_client.get(reverse("rulebook"), {"on": "31/02/2026"}).content.decode()
    assert "Nhập một ngày hợp lệ." in html
    assert "data-rule-id" not in html


def test_rulebook_htmx_request_gets_only_the_table(staff_client):
    response = staff_client.get(
        reverse("rulebook"), {"action": "destroy", "on": ""}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="rule-table"')
    assert "<html" not in html
    rb = load_rulebook()
    assert _ids(html, rb.rules()) == {v.id for v in rb.rules() if v.action == "destroy"}


def test_every_confidence_tag_has_a_badge_and_a_legend(staff_client):
    assert set(CONFIDENCE) <= set(BADGES)
    html = staff_client.get(reverse("rulebook"), {"on": ""}).content.decode()
    legend = html.split('data-testid="confidence-legend"')[1]
    for code in CONFIDENCE:
        assert BADGES[code].label in legend
        assert BADGES[code].explanation in legend
    used = {v.confidence for v in load_rulebook().rules()}
    for code in used:
        assert f'<span class="badge {BADGES[code].css}"' in html
