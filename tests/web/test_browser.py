"""Log in and use the shell in a real browser: Debian's chromium driven by pytest-playwright.

Run alone with `pytest -m browser`. Screenshots go to /tmp/bmnn-dashboard.png and
/tmp/bmnn-rulebook.png for a person to look at the Vietnamese layout.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bmnn.rules import load_rulebook

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Fixed paths, so that a person can open them after the run.
DASHBOARD_PNG = "/tmp/bmnn-dashboard.png"  # noqa: S108
RULEBOOK_PNG = "/tmp/bmnn-rulebook.png"  # noqa: S108


@pytest.fixture
def watched(page, live_server):
    """The page, recording every request that leaves the live server and every console error
    (a CSP violation shows up there)."""
    own = urlparse(live_server.url).netloc
    outside: list[str] = []
    errors: list[str] = []
    page.on(
        "request",
        lambda r: (
            None
            if urlparse(r.url).netloc == own or r.url.startswith("data:")
            else outside.append(r.url)
        ),
    )
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    assert outside == []
    assert errors == []


def test_log_in_and_see_the_dashboard_and_the_rulebook(watched, live_server, staff):
    page = watched
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/dang-nhap/?next=/")
    page.get_by_label("Tên đăng nhập").fill(staff.user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Tổng quan")).to_be_visible()
    expect(page.get_by_test_id("identity")).to_contain_text(staff.full_name)
    expect(page.get_by_test_id("identity")).to_contain_text("Tuyệt mật")
    texts = load_rulebook().texts_in_force(timezone.localdate())
    expect(page.get_by_test_id("texts-in-force")).to_contain_text(texts[0].code)
    expect(page.get_by_text("không kết nối Internet")).to_be_visible()
    # Bootstrap's CSS is applied (the navbar is dark), so the vendored file was served.
    navbar_bg = page.locator("nav.navbar").evaluate("e => getComputedStyle(e).backgroundColor")
    assert navbar_bg == "rgb(33, 37, 41)"
    page.screenshot(path=DASHBOARD_PNG, full_page=True)

    page.get_by_role("button", name="Kiểm tra toàn vẹn ngay").click()
    expect(page.get_by_role("alert").first).to_contain_text("Sổ nhật ký toàn vẹn.")

    page.get_by_role("link", name="Quy tắc pháp luật").click()
    expect(page.get_by_role("heading", name="Bộ quy tắc pháp luật")).to_be_visible()
    # htmx swaps the table in place when a filter changes, and puts the filter in the URL.
    page.get_by_label("Hành vi").select_option("destroy")
    expect(page).to_have_url(
        f"{live_server.url}/quy-tac/?action=destroy&level=&on={timezone.localdate():%d%%2F%m%%2F%Y}"
    )
    rows = page.get_by_test_id("rule-table").locator("tbody tr")
    expect(rows.first).to_contain_text("tiêu hủy")
    expected = [v for v in load_rulebook().rules(timezone.localdate()) if v.action == "destroy"]
    expect(rows).to_have_count(len(expected))
    page.get_by_label("Hành vi").select_option("")
    expect(rows).to_have_count(len(load_rulebook().rules(timezone.localdate())))
    expect(page.get_by_test_id("confidence-legend")).to_contain_text("Đã xác nhận")
    page.screenshot(path=RULEBOOK_PNG)

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(f"{live_server.url}/dang-nhap/")
    expect(page.get_by_text("Đã đăng xuất khỏi hệ thống.")).to_be_visible()
