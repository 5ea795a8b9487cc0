"""The registry's main path in a real browser (Debian's chromium via pytest-playwright): the
drafter proposes, the director approves, the clerk registers, and the line is in the book.

Run alone with `pytest -m browser`. A screenshot of the printed book goes to
/tmp/bmnn-register.png for a person to look at the layout.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from bmnn.registry.models import Proposal, RegisterEntry
from tests.registry.conftest import PASSWORD, _fast_passwords, sx  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REGISTER_PNG = "/tmp/bmnn-register.png"  # noqa: S108


@pytest.fixture
def watched(page, live_server):
    """The page, failing the test on any request leaving the live server and on any console
    error (a CSP violation shows up there)."""
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


def _log_in(page, base: str, staff) -> None:
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(staff.user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_test_id("identity")).to_contain_text(staff.full_name)


def _log_out(page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_text("Đã đăng xuất khỏi hệ thống.")).to_be_visible()


def test_propose_approve_register_and_see_the_line_in_the_book(watched, live_server, sx):  # noqa: F811
    page, base = watched, live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})

    # The drafter fills in the proposal; choosing the level narrows the catalogue (htmx).
    _log_in(page, base, sx.drafter)
    page.get_by_role("button", name="Tài liệu mật").click()
    page.get_by_role("link", name="Đề xuất và quyết định độ mật").click()
    page.get_by_label("Tên loại và trích yếu nội dung").fill("Kế hoạch kiểm tra bảo mật năm 2027")
    with page.expect_response(lambda r: "/de-xuat/danh-muc/" in r.url):
        page.get_by_label("Độ mật đề xuất").select_option("mat")
    catalogue = page.get_by_label("Căn cứ trong danh mục bí mật nhà nước")
    expect(catalogue.locator("option")).to_have_count(2)  # the blank choice and the Mật item
    catalogue.select_option(str(sx.items["mat"].pk))
    page.get_by_label("Nơi nhận").fill("Phòng A; Phòng B; Lưu VT")
    page.get_by_label("Số lượng bản phát hành").fill("2")
    page.get_by_role("button", name="Gửi đề xuất").click()
    expect(page.get_by_role("alert").first).to_contain_text("Đã gửi phiếu đề xuất")
    proposal = Proposal.objects.get()
    _log_out(page)

    # The director approves: the message cites the rule the decision rests on.
    _log_in(page, base, sx.director)
    page.goto(f"{base}/de-xuat/")
    row = page.locator(f'tr[data-proposal="{proposal.pk}"]')
    expect(row).to_contain_text("Kế hoạch kiểm tra bảo mật năm 2027")
    expect(row).to_contain_text(sx.items["mat"].citation)
    row.get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Căn cứ: Luật 117/2025/QH15, Điều 10")
    _log_out(page)

    # The clerk enters it in the outgoing register.
    _log_in(page, base, sx.clerk)
    page.get_by_role("button", name="Tài liệu mật").click()
    page.get_by_role("link", name="Vào sổ tài liệu đi").click()
    page.get_by_test_id("awaiting-registration").get_by_role("link", name="Vào sổ").click()
    page.get_by_label("Số, ký hiệu").fill("27/KH-STN")
    page.get_by_label("Tên loại").fill("Kế hoạch")
    page.get_by_label("Người ký").fill("Giám Đốc")
    page.get_by_role("button", name="Vào sổ và tạo bản phát hành").click()
    expect(page.get_by_role("alert").first).to_contain_text("số thứ tự 01")
    expect(page.get_by_test_id("copies")).to_contain_text("2/2")
    proposal.refresh_from_db()
    assert RegisterEntry.objects.get().item_id == proposal.item_id

    # The line is in the printable book.
    page.get_by_role("link", name="Sổ", exact=True).click()
    page.get_by_role("link", name="Sổ đăng ký bí mật nhà nước đi").click()
    table = page.get_by_test_id("register-table")
    expect(table).to_contain_text("27/KH-STN")
    expect(table).to_contain_text("Kế hoạch: Kế hoạch kiểm tra bảo mật năm 2027")
    expect(page.get_by_test_id("register-cover")).to_contain_text(sx.agency.name.upper())
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    page.screenshot(path=REGISTER_PNG, full_page=True)
