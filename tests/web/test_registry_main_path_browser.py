"""The registry's main path in a real browser (Debian's chromium via pytest-playwright), through
the pages people use: propose → approve → register outgoing → copy → deliver; an incoming sealed
named envelope opened by the named person; a recall and a stocktake with a copy not presented.

Run alone with `pytest -m browser`. A screenshot of the item's file at the end of the path goes to
/tmp/bmnn-main-path.png for a person to look at the layout.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bmnn.oversight.models import Incident
from bmnn.registry.models import Copy, CopyOrder, Proposal, Receipt, Transfer
from bmnn.registry.services import copying, delivery
from tests.registry.conftest import ACTOR, _fast_passwords, issued, sx  # noqa: F401
from tests.web.test_registry_browser import _log_in, _log_out, watched  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAIN_PATH_PNG = "/tmp/bmnn-main-path.png"  # noqa: S108
TITLE = "Kế hoạch bảo đảm an ninh thông tin năm 2027"


def _alert(page):
    return page.get_by_role("alert").first


def _open_book(page, name: str):
    page.get_by_role("link", name="Sổ", exact=True).click()
    page.get_by_role("link", name=name).click()
    return page.get_by_test_id("register-table")


def test_propose_approve_register_copy_and_deliver(watched, live_server, sx):  # noqa: F811
    page, base = watched, live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})

    # Propose: a Mật plan in two copies that may be copied.
    _log_in(page, base, sx.drafter)
    page.get_by_role("button", name="Tài liệu mật").click()
    page.get_by_role("link", name="Đề xuất và quyết định độ mật").click()
    page.get_by_label("Tên loại và trích yếu nội dung").fill(TITLE)
    with page.expect_response(lambda r: "/de-xuat/danh-muc/" in r.url):
        page.get_by_label("Độ mật đề xuất").select_option("mat")
    page.get_by_label("Căn cứ trong danh mục bí mật nhà nước").select_option(
        str(sx.items["mat"].pk)
    )
    page.get_by_label("Nơi nhận").fill("Phòng A; Phòng B; Lưu VT")
    page.get_by_label("Số lượng bản phát hành").fill("2")
    page.get_by_label("Được phép sao, chụp").check()
    page.get_by_role("button", name="Gửi đề xuất").click()
    expect(_alert(page)).to_contain_text("Đã gửi phiếu đề xuất")
    proposal = Proposal.objects.get()
    _log_out(page)

    # Approve.
    _log_in(page, base, sx.director)
    page.goto(f"{base}/de-xuat/")
    row = page.locator(f'tr[data-proposal="{proposal.pk}"]')
    expect(row).to_contain_text("được phép sao, chụp")
    row.get_by_role("button", name="Duyệt", exact=True).click()
    expect(_alert(page)).to_contain_text("xác định độ Mật — Căn cứ: Luật 117/2025/QH15, Điều 10")
    _log_out(page)

    # Register outgoing: line 01 of the book, issued copies 1/2 and 2/2 held by the clerk.
    _log_in(page, base, sx.clerk)
    page.get_by_role("button", name="Tài liệu mật").click()
    page.get_by_role("link", name="Vào sổ tài liệu đi").click()
    page.get_by_test_id("awaiting-registration").get_by_role("link", name="Vào sổ").click()
    page.get_by_label("Số, ký hiệu").fill("31/KH-STN")
    page.get_by_label("Tên loại").fill("Kế hoạch")
    page.get_by_label("Người ký").fill("Giám Đốc")
    page.get_by_role("button", name="Vào sổ và tạo bản phát hành").click()
    expect(_alert(page)).to_contain_text("Sổ đăng ký bí mật nhà nước đi")
    expect(_alert(page)).to_contain_text("số thứ tự 01")
    copies = page.get_by_test_id("copies")
    for number in ("1/2", "2/2"):
        expect(copies.get_by_role("row").filter(has_text=number)).to_contain_text("Văn Thư")
    expect(page.get_by_test_id("entries")).to_contain_text("Sổ đăng ký bí mật nhà nước đi")

    # Copy: one "sao y", allowed by the deputy under the director's written delegation.
    page.get_by_test_id("item-actions").get_by_role("link", name="Sao, chụp").click()
    page.get_by_label("Hình thức").select_option("sao_y")
    page.get_by_label("Số bản sao, chụp").fill("1")
    expect(page.get_by_label("Người đề nghị")).to_have_value(str(sx.clerk.pk))
    page.get_by_label("Người cho phép").select_option(str(sx.deputy.pk))
    expect(page.get_by_label("Người thực hiện sao, chụp")).to_have_value(str(sx.clerk.pk))
    page.get_by_label("Nơi nhận bản sao").fill("Phòng B")
    page.get_by_role("button", name="Ghi sổ sao, chụp").click()
    expect(_alert(page)).to_contain_text("Sao y bản chính 1 bản (bản số 1–1) — Căn cứ:")
    copy_row = page.get_by_test_id("copies").get_by_role("row").filter(has_text="Sao y bản chính")
    expect(copy_row).to_contain_text("1/1")
    expect(copy_row).to_contain_text("Văn Thư")
    order = CopyOrder.objects.get()
    assert (order.authoriser, order.copier) == (sx.deputy, sx.clerk)
    table = _open_book(page, "Sổ quản lý sao, chụp bí mật nhà nước")
    line = table.get_by_role("row").filter(has_text="31/KH-STN")
    expect(line).to_contain_text("Sao y bản chính")
    expect(line).to_contain_text("Phó Giám Đốc")
    expect(line).to_contain_text("1–1")

    # Deliver the copy to a cadre of another division of the agency; they sign for it.
    page.get_by_role("button", name="Tài liệu mật").click()
    page.get_by_role("link", name="Danh sách tài liệu, vật chứa").click()
    page.get_by_test_id("item-table").get_by_role("link", name="31/KH-STN").click()
    page.get_by_test_id("item-actions").get_by_role("link", name="Giao tài liệu").click()
    page.get_by_label("Bản số 1/1 (Sao y bản chính)").check()
    page.get_by_label("Nơi nhận (cơ quan, đơn vị)").fill("Phòng B")
    page.get_by_label("Họ tên người nhận").fill("Cán Bộ")
    page.get_by_label("Người nhận trong danh sách cán bộ").select_option(str(sx.cadre.pk))
    page.get_by_role("button", name="Ghi sổ chuyển giao").click()
    expect(_alert(page)).to_contain_text("Đã vào Sổ chuyển giao: giao 1 bản cho Cán Bộ, 1 bì")
    copy_row = page.get_by_test_id("copies").get_by_role("row").filter(has_text="Sao y bản chính")
    expect(copy_row).to_contain_text("Cán Bộ")
    transfer = Transfer.objects.get()
    page.locator(f'form[data-transfer="{transfer.pk}"]').get_by_role(
        "button", name="Ghi ký nhận"
    ).click()
    expect(_alert(page)).to_contain_text("Đã ghi ký nhận của Cán Bộ.")
    table = _open_book(page, "Sổ chuyển giao bí mật nhà nước")
    line = table.get_by_role("row").filter(has_text="31/KH-STN")
    expect(line.get_by_role("cell", name="01", exact=True)).to_be_visible()
    # Mật travels in one envelope stamped "C".
    expect(line.get_by_role("cell", name="C", exact=True)).to_be_visible()
    expect(line).to_contain_text("Cán Bộ")
    expect(line).to_contain_text("Đã ký nhận")
    copy = Copy.objects.get(form=Copy.Form.SAO_Y)
    assert (copy.custodian, copy.state) == (sx.cadre, Copy.State.HELD)


def test_sealed_named_envelope_is_registered_then_opened_by_the_named_person(
    watched,  # noqa: F811
    live_server,
    sx,  # noqa: F811
):
    page, base = watched, live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})
    sent_on = timezone.localdate() - dt.timedelta(days=3)

    # The clerk registers it from the marks on the envelope only, without opening it.
    _log_in(page, base, sx.clerk)
    page.get_by_role("button", name="Tài liệu mật").click()
    page.get_by_role("link", name="Vào sổ tài liệu đến").click()
    form = page.get_by_test_id("incoming-form")
    form.get_by_label("Cơ quan, tổ chức ban hành").fill("Bộ Công an")
    form.get_by_label("Số, ký hiệu").fill("15/BCA-A05")
    form.get_by_label("Ngày tháng của tài liệu").fill(f"{sent_on:%d/%m/%Y}")
    form.get_by_label("Tên loại").fill("Công văn")
    form.get_by_label(re.compile(r"^Độ mật")).select_option("mat")
    form.get_by_label("Đơn vị nhận").select_option(str(sx.division.pk))
    form.get_by_label("Số bản").fill("1")
    form.get_by_label("Người có tên trên bì").select_option(str(sx.head.pk))
    form.get_by_label("Chưa bóc bì").check()
    form.get_by_role("button", name="Vào sổ đến").click()
    expect(_alert(page)).to_contain_text("Sổ đăng ký bí mật nhà nước đến")
    expect(_alert(page)).to_contain_text("số đến 01")
    row = page.get_by_test_id("copies").get_by_role("row").filter(has_text="1/1")
    expect(row).to_contain_text("Trưởng Phòng")
    table = _open_book(page, "Sổ đăng ký bí mật nhà nước đến")
    line = table.get_by_role("row").filter(has_text="15/BCA-A05")
    expect(line).to_contain_text("Bộ Công an")
    expect(line).to_contain_text("(chưa bóc bì)")
    _log_out(page)

    # Routed to the named division head, who alone opens it and gives what is inside.
    receipt = Receipt.objects.get()
    assert (receipt.sealed, receipt.routed_to) == (True, sx.head)
    _log_in(page, base, sx.head)
    page.get_by_role("button", name="Tài liệu mật").click()
    page.get_by_role("link", name="Vào sổ tài liệu đến").click()
    expect(page.get_by_test_id("incoming-form")).to_have_count(0)  # not a register keeper
    envelope = page.locator(f'form[data-receipt="{receipt.pk}"]')
    expect(envelope).to_contain_text("Số đến 01 — 15/BCA-A05")
    envelope.get_by_label("Tên loại").fill("Công văn")
    envelope.get_by_label("Trích yếu nội dung").fill("Về việc phối hợp bảo vệ bí mật nhà nước")
    envelope.get_by_role("button", name="Bóc bì và nhận").click()
    expect(_alert(page)).to_contain_text("Đã bóc bì số đến 01.")
    facts = page.get_by_test_id("item-facts")
    expect(facts).to_contain_text("Về việc phối hợp bảo vệ bí mật nhà nước")
    expect(facts).to_contain_text("Bộ Công an")
    receipt.refresh_from_db()
    assert (receipt.sealed, receipt.opened_by) == (False, sx.head)


def test_recall_returns_the_holders_copy_and_stocktake_drafts_a_loss(
    watched,  # noqa: F811
    live_server,
    sx,  # noqa: F811
    issued,  # noqa: F811
):
    page, base = watched, live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})
    # What the first test did through the pages: a registered Mật item in three copies, one
    # "sao y"; copy 1/3 delivered to a cadre of the agency, copy 2/3 sent to another agency.
    item = issued("mat", copies=3, summary="Báo cáo tình hình bảo vệ bí mật nhà nước")
    copying.order_copies(
        ACTOR,
        item,
        requester=sx.clerk,
        authoriser=sx.director,
        copier=sx.clerk,
        form=Copy.Form.SAO_Y,
        count=1,
    )
    issued_copies = {c.number: c for c in Copy.objects.filter(item=item, form=Copy.Form.ISSUED)}
    delivery.deliver(
        ACTOR,
        item,
        [issued_copies[1]],
        sender=sx.clerk,
        receiving_unit="Phòng B",
        receiver_name="Cán Bộ",
        receiver=sx.cadre,
    )
    delivery.deliver(
        ACTOR,
        item,
        [issued_copies[2]],
        sender=sx.clerk,
        receiving_unit="Sở Tư pháp",
        receiver_name="Trần Văn Nhận",
    )
    due_on = timezone.localdate() + dt.timedelta(days=10)
    today = f"{timezone.localdate():%d/%m/%Y}"

    # Recall: the officer in charge issues the notice from the item's file.
    _log_in(page, base, sx.officer)
    page.get_by_role("button", name="Tài liệu mật").click()
    page.get_by_role("link", name="Danh sách tài liệu, vật chứa").click()
    page.get_by_test_id("item-table").get_by_role("link", name=item.number_symbol).click()
    page.get_by_test_id("item-actions").get_by_role("link", name="Thu hồi").click()
    page.get_by_label("Hạn gửi lại").fill(f"{due_on:%d/%m/%Y}")
    page.get_by_label("Lý do thu hồi").fill("Tài liệu được thay thế bằng báo cáo mới")
    page.get_by_role("button", name="Thông báo thu hồi").click()
    expect(_alert(page)).to_contain_text(f"Đã thông báo thu hồi, hạn gửi lại {due_on:%d/%m/%Y}.")
    tasks = page.get_by_test_id("recall-tasks")
    held_by_cadre = tasks.get_by_role("row").filter(has_text="Bản số 1/3")
    sent_out = tasks.get_by_role("row").filter(has_text="Bản số 2/3")
    expect(held_by_cadre).to_contain_text("Cán Bộ")
    expect(sent_out).to_contain_text("Sở Tư pháp")
    expect(tasks.get_by_role("row").filter(has_text="Bản số 3/3")).to_have_count(0)  # in office

    # The cadre brings copy 1/3 back; the officer confirms it.
    held_by_cadre.get_by_role("button", name="Xác nhận đã nhận lại").click()
    expect(_alert(page)).to_contain_text("Đã nhận lại Bản số 1/3.")
    expect(held_by_cadre).to_contain_text(f"{today} (Cán Bộ Bmnn)")
    expect(held_by_cadre.get_by_role("button")).to_have_count(0)
    expect(sent_out.get_by_role("button", name="Xác nhận đã nhận lại")).to_be_visible()

    # Stocktake of the division keeping the item: what the registers say it holds.
    page.get_by_role("button", name="Tài liệu mật").click()
    page.get_by_role("link", name="Kiểm kê", exact=True).click()
    page.get_by_label("Đơn vị kiểm kê").select_option(str(sx.division.pk))
    page.get_by_role("button", name="Mở đợt kiểm kê").click()
    expect(_alert(page)).to_contain_text("Đã mở đợt kiểm kê số")
    counts = page.get_by_test_id("stocktake-counts")
    # 2/3 is with another agency, so it is not on the list.
    expect(counts).to_contain_text("3 bản: 0 có xuất trình, 0 không xuất trình, 3 chưa kiểm.")
    lines = page.get_by_test_id("stocktake-lines")
    for copy_label, presented in (("Bản số 1/3", "Có"), ("Bản số 1/1", "Có")):
        lines.get_by_role("row").filter(has_text=copy_label).get_by_role(
            "button", name=presented, exact=True
        ).click()
        expect(_alert(page)).to_contain_text(f"Đã ghi {copy_label}: có xuất trình.")
    missing = lines.get_by_role("row").filter(has_text="Bản số 3/3")
    missing.get_by_label("Ghi chú").fill("Không thấy trong tủ lưu giữ của văn thư")
    missing.get_by_role("button", name="Không", exact=True).click()
    expect(_alert(page)).to_contain_text("Đã ghi Bản số 3/3: KHÔNG xuất trình.")
    expect(missing).to_contain_text("Không xuất trình")
    expect(missing).to_contain_text("Không thấy trong tủ lưu giữ của văn thư")
    page.get_by_role("button", name="Khóa đợt kiểm kê").click()
    expect(_alert(page)).to_contain_text("Đã khóa đợt kiểm kê số")
    expect(counts).to_contain_text(
        f"3 bản: 2 có xuất trình, 1 không xuất trình, 0 chưa kiểm. Đã khóa ngày {today}."
    )
    expect(lines.get_by_role("button")).to_have_count(0)

    # The missing copy is in a draft loss report for the head of the agency; the register still
    # has it as held until that report is handled.
    incident = Incident.objects.get()
    assert (incident.kind, incident.status) == (Incident.Kind.LOSS, Incident.Status.DRAFT)
    assert list(incident.copies.all()) == [issued_copies[3]]
    assert f"{item.number_symbol} (Báo cáo), bản số 3/3" in incident.description
    assert "Báo cáo tình hình" not in incident.description  # outside marks only
    issued_copies[3].refresh_from_db()
    assert issued_copies[3].state == Copy.State.HELD

    # The item's file at the end of the path.
    lines.get_by_role("link", name=item.number_symbol).first.click()
    copies = page.get_by_test_id("copies")
    expect(copies.get_by_role("row").filter(has_text="1/3")).to_contain_text("Cán Bộ Bmnn")
    expect(copies.get_by_role("row").filter(has_text="2/3")).to_contain_text(
        "Đã giao ra ngoài cơ quan"
    )
    expect(page.get_by_test_id("history")).to_contain_text("Sao y bản chính")
    expect(page.get_by_role("link", name="Thông báo thu hồi ngày")).to_be_visible()
    page.screenshot(path=MAIN_PATH_PNG, full_page=True)
