"""The registry pages through Django's test client: who sees which page, refusals with their
citation (422), hidden items answering 404, and no Tuyệt mật summary in any HTML."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bmnn.registry.models import Copy, Proposal, Register, RegisterEntry, SecretItem
from bmnn.registry.rulebook import rule
from bmnn.registry.services import classification
from tests.registry.conftest import ACTOR, _fast_passwords, issued, sx  # noqa: F401

pytestmark = pytest.mark.django_db

TM_SECRET = "Phương án tác chiến tuyệt mật số chín"


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def _propose(sx, level="mat", drafter=None, **extra):  # noqa: F811
    args = dict(
        title="Kế hoạch kiểm tra thử",
        level=level,
        catalogue_item=sx.items[level],
        recipients_text="Phòng A; Lưu VT",
        copies=2,
        copy_allowed=False,
    )
    args.update(extra)
    return classification.propose(ACTOR, drafter or sx.drafter, **args)


def test_registry_pages_need_login(client):
    for url in (
        reverse("registry:items"),
        reverse("registry:proposals"),
        reverse("registry:outgoing_list"),
        reverse("registry:registers"),
        reverse("registry:item", args=[1]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# ------------------------------------------------------------------------------- proposals


def test_drafter_proposes_and_the_form_lists_catalogue_citations(sx):  # noqa: F811
    client = client_for(sx.drafter)
    page = client.get(reverse("registry:proposals"))
    assert page.status_code == 200
    html = html_of(page)
    assert sx.items["mat"].citation in html
    # The drafter holds Tối mật: Tuyệt mật is not offered as a level.
    assert 'value="tuyet_mat"' not in html.split('name="level"')[1].split("</select>")[0]

    response = client.post(
        reverse("registry:proposals"),
        {
            "title": "Kế hoạch kiểm tra năm 2027",
            "kind": "document",
            "level": "mat",
            "catalogue_item": sx.items["mat"].pk,
            "recipients_text": "Phòng A; Lưu VT",
            "copies": "3",
            "copy_allowed": "on",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("registry:proposals"), 302)]
    proposal = Proposal.objects.get()
    assert (proposal.drafter, proposal.level, proposal.copies, proposal.copy_allowed) == (
        sx.drafter,
        "mat",
        3,
        True,
    )
    assert "Đã gửi phiếu đề xuất" in html_of(response)
    assert 'data-testid="my-proposals"' in html_of(response)


def test_catalogue_options_are_narrowed_to_the_level(sx):  # noqa: F811
    html = html_of(
        client_for(sx.drafter).get(reverse("registry:catalogue_options"), {"level": "toi_mat"})
    )
    assert f'value="{sx.items["toi_mat"].pk}"' in html
    assert f'value="{sx.items["mat"].pk}"' not in html


@pytest.mark.parametrize(
    ("catalogue", "rule_id"),
    [(None, "classify.catalogue"), ("toi_mat", "classify.catalogue")],
)
def test_proposal_refused_by_law_shows_the_citation_with_422(sx, catalogue, rule_id):  # noqa: F811
    response = client_for(sx.drafter).post(
        reverse("registry:proposals"),
        {
            "title": "Kế hoạch",
            "kind": "document",
            "level": "mat",
            "catalogue_item": sx.items[catalogue].pk if catalogue else "",
            "recipients_text": "Phòng A",
            "copies": "1",
        },
    )
    assert response.status_code == 422
    citation = rule(rule_id, timezone.localdate()).citation
    assert f"— Căn cứ: {citation}" in html_of(response)
    assert not Proposal.objects.exists()


def test_leader_approves_and_the_item_awaits_registration(sx):  # noqa: F811
    proposal = _propose(sx, "toi_mat")
    client = client_for(sx.director)
    page = html_of(client.get(reverse("registry:proposals")))
    assert f'data-proposal="{proposal.pk}"' in page
    response = client.post(
        reverse("registry:decide", args=[proposal.pk]), {"decision": "approve"}, follow=True
    )
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED
    assert f"Căn cứ: {proposal.citation}" in html_of(response)
    assert proposal.item.status == SecretItem.Status.DRAFT


def test_rejection_needs_a_reason(sx):  # noqa: F811
    proposal = _propose(sx)
    client = client_for(sx.director)
    response = client.post(reverse("registry:decide", args=[proposal.pk]), {"decision": "reject"})
    assert response.status_code == 200
    assert "Không duyệt thì phải ghi rõ lý do." in html_of(response)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING
    client.post(
        reverse("registry:decide", args=[proposal.pk]),
        {"decision": "reject", "note": "Không thuộc danh mục"},
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_note) == (
        Proposal.Status.REJECTED,
        "Không thuộc danh mục",
    )


def test_leader_without_authority_is_refused_with_the_citation(sx):  # noqa: F811
    proposal = _propose(sx)
    response = client_for(sx.head).post(
        reverse("registry:decide", args=[proposal.pk]), {"decision": "approve"}
    )
    assert response.status_code == 422
    assert "— Căn cứ: Luật 117/2025/QH15, Điều 10" in html_of(response)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING


def test_proposals_outside_the_leaders_reach_are_not_decidable(sx):  # noqa: F811
    proposal = _propose(sx, "toi_mat")
    # The clerk is no leader; the cadre's clearance (Mật) is below the proposal's level.
    for person in (sx.clerk, sx.cadre):
        assert f'data-proposal="{proposal.pk}"' not in html_of(
            client_for(person).get(reverse("registry:proposals"))
        )
        response = client_for(person).post(
            reverse("registry:decide", args=[proposal.pk]), {"decision": "approve"}
        )
        assert response.status_code == 404


def test_admin_without_staff_record_gets_403_on_duty_pages(django_user_model, sx):  # noqa: F811
    admin = django_user_model.objects.create_superuser("quantri-reg", "", "x")
    client = Client()
    client.force_login(admin)
    assert client.get(reverse("registry:proposals")).status_code == 403
    assert client.get(reverse("registry:outgoing_list")).status_code == 403
    # Reading pages answer, empty: the administrator sees no secret.
    response = client.get(reverse("registry:items"))
    assert response.status_code == 200
    assert 'data-testid="item-table"' not in html_of(response)


# ------------------------------------------------------------------------------- outgoing


def test_clerk_registers_an_approved_item(sx):  # noqa: F811
    proposal = classification.decide(ACTOR, _propose(sx), sx.director, approve=True)
    client = client_for(sx.clerk)
    listing = html_of(client.get(reverse("registry:outgoing_list")))
    assert reverse("registry:outgoing_register", args=[proposal.item_id]) in listing
    url = reverse("registry:outgoing_register", args=[proposal.item_id])
    form = html_of(client.get(url))
    assert 'name="summary"' in form and "Kế hoạch kiểm tra thử" in form
    response = client.post(
        url,
        {
            "number_symbol": "15/KH-STN",
            "doc_type": "Kế hoạch",
            "summary": "Kế hoạch kiểm tra thử",
            "signer": "Giám Đốc",
            "keeping_unit": sx.division.pk,
            "note": "",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("registry:item", args=[proposal.item_id]), 302)]
    entry = RegisterEntry.objects.get(item_id=proposal.item_id)
    assert entry.register.kind == Register.Kind.OUTGOING and entry.number == 1
    assert "số thứ tự 01" in html_of(response)
    assert Copy.objects.filter(item_id=proposal.item_id, custodian=sx.clerk).count() == 2


def test_only_register_keepers_open_the_outgoing_pages(sx):  # noqa: F811
    proposal = classification.decide(ACTOR, _propose(sx), sx.director, approve=True)
    for person in (sx.drafter, sx.director):
        client = client_for(person)
        assert client.get(reverse("registry:outgoing_list")).status_code == 403
        url = reverse("registry:outgoing_register", args=[proposal.item_id])
        assert client.get(url).status_code == 403


def test_tuyet_mat_registration_offers_no_summary_and_cites_the_rule(sx):  # noqa: F811
    proposal = classification.decide(
        ACTOR,
        _propose(sx, "tuyet_mat", drafter=sx.director, title=TM_SECRET),
        sx.director,
        approve=True,
    )
    url = reverse("registry:outgoing_register", args=[proposal.item_id])
    html = html_of(client_for(sx.clerk).get(url))
    assert 'name="summary"' not in html
    assert 'data-testid="no-summary"' in html
    assert rule("register.no_summary_tuyet_mat", timezone.localdate()).citation in html
    assert TM_SECRET not in html
    # Even a hand-made POST with a summary cannot put one in the register.
    client_for(sx.clerk).post(
        url,
        {
            "number_symbol": "01/KH-TM",
            "doc_type": "Kế hoạch",
            "summary": TM_SECRET,
            "signer": "Giám Đốc",
            "keeping_unit": sx.agency.pk,
        },
    )
    item = SecretItem.objects.get(pk=proposal.item_id)
    assert item.status == SecretItem.Status.ACTIVE and item.summary == ""


def test_registration_refused_by_law_answers_422_with_citation(sx, monkeypatch):  # noqa: F811
    from bmnn.registry.rulebook import refuse
    from bmnn.web import registry_views

    proposal = classification.decide(ACTOR, _propose(sx), sx.director, approve=True)

    def refused(*args, **kwargs):
        raise refuse("register.outgoing", timezone.localdate(), "Sổ đã khóa.")

    monkeypatch.setattr(registry_views.outgoing, "register_outgoing", refused)
    response = client_for(sx.clerk).post(
        reverse("registry:outgoing_register", args=[proposal.item_id]),
        {"number_symbol": "1/KH", "doc_type": "Kế hoạch", "signer": "GĐ", "summary": "x"},
    )
    assert response.status_code == 422
    citation = rule("register.outgoing", timezone.localdate()).citation
    assert f"Sổ đã khóa. — Căn cứ: {citation}" in html_of(response)


# ------------------------------------------------------------------------------- items


def test_item_list_shows_only_what_the_person_may_see(sx, issued):  # noqa: F811
    own = issued("mat")
    hidden = issued("toi_mat")
    html = html_of(client_for(sx.clerk).get(reverse("registry:items")))
    assert own.number_symbol in html and hidden.number_symbol in html
    # The cadre (Mật, Phòng B) holds no copy and no grant: neither item is theirs to see.
    cadre = client_for(sx.cadre)
    html = html_of(cadre.get(reverse("registry:items")))
    assert own.number_symbol not in html and hidden.number_symbol not in html
    assert cadre.get(reverse("registry:item", args=[own.pk])).status_code == 404
    assert cadre.get(reverse("registry:item", args=[999999])).status_code == 404
    # Above clearance: the drafter (Tối mật) sees nothing of a Tuyệt mật item, even by URL.
    secret = issued("tuyet_mat")
    assert client_for(sx.drafter).get(reverse("registry:item", args=[secret.pk])).status_code == 404


def test_item_list_filters_and_pages_without_counting(sx, issued):  # noqa: F811
    first = issued("mat")
    for _ in range(3):
        issued("toi_mat")
    client = client_for(sx.clerk)
    response = client.get(reverse("registry:items"), {"level": "mat"})
    assert first.number_symbol in html_of(response)
    assert [row.pk for row in response.context["page"].rows] == [first.pk]

    # 51 items: the first page has 50 and a link to the next, which holds the oldest.
    base = SecretItem.objects.get(pk=first.pk)
    SecretItem.objects.bulk_create(
        SecretItem(
            origin=base.origin,
            level="mat",
            number_symbol=f"{n}/TEST",
            owner_unit=base.owner_unit,
            status=SecretItem.Status.ACTIVE,
        )
        for n in range(47)
    )
    page1 = client.get(reverse("registry:items"))
    html = html_of(page1)
    assert len(page1.context["page"].rows) == 50
    assert html.split('data-testid="item-table"')[1].count("<tr>") == 51  # header + 50
    assert 'data-testid="next-page"' in html
    assert first.number_symbol not in html  # the oldest is on page 2
    oldest_shown = page1.context["page"].last_id
    page2 = client.get(reverse("registry:items"), {"sau": oldest_shown})
    assert [row.pk for row in page2.context["page"].rows] == [first.pk]
    assert not page2.context["page"].has_next and page2.context["page"].has_previous
    back = client.get(reverse("registry:items"), {"truoc": first.pk})
    assert back.context["page"].rows[-1].pk == oldest_shown


def test_item_detail_shows_period_copies_register_line_and_cited_history(sx, issued):  # noqa: F811
    item = issued("toi_mat", copies=3)
    response = client_for(sx.clerk).get(reverse("registry:item", args=[item.pk]))
    assert response.status_code == 200
    html = html_of(response)
    assert item.catalogue_item.citation in html
    assert f"{item.expires_on:%d/%m/%Y}" in html
    assert f"{item.extension_decision_by:%d/%m/%Y}" in html
    for n in (1, 2, 3):
        assert f"<td>{n}/3</td>" in html
    assert sx.clerk.full_name in html
    assert "Sổ đăng ký bí mật nhà nước đi năm 2026, quyển 1" in html
    proposal = Proposal.objects.get(item=item)
    assert "Xác định độ mật" in html and proposal.citation in html
    assert 'class="badge text-bg-' in html.split('data-testid="history"')[1]
    assert "Báo cáo thử" in html  # a Tối mật summary is shown to those who may see it


def test_tuyet_mat_summary_never_appears_in_any_page(sx, issued):  # noqa: F811
    item = issued("tuyet_mat", summary=TM_SECRET)
    book = RegisterEntry.objects.get(item=item).register
    for person in (sx.director, sx.clerk, sx.officer, sx.inspector):
        client = client_for(person)
        for url in (
            reverse("registry:items"),
            reverse("registry:item", args=[item.pk]),
            reverse("registry:proposals"),
            reverse("registry:registers"),
            reverse("registry:register", args=["di", book.year]),
            reverse("dashboard"),
        ):
            response = client.get(url)
            if url == reverse("registry:proposals") and person == sx.inspector:
                assert response.status_code == 200
            assert TM_SECRET not in html_of(response), (person, url)
    detail = html_of(client_for(sx.clerk).get(reverse("registry:item", args=[item.pk])))
    assert "không ghi trích yếu" in detail


# ------------------------------------------------------------------------------- registers


def test_register_list_and_printable_outgoing_book(sx, issued):  # noqa: F811
    first = issued("mat")
    second = issued("toi_mat")
    client = client_for(sx.clerk)
    listing = html_of(client.get(reverse("registry:registers")))
    assert "Sổ đăng ký bí mật nhà nước đi" in listing
    url = reverse("registry:register_book", args=["di", 2026, 1])
    assert url in listing
    html = html_of(client.get(url))
    for column in (
        "Số thứ tự",
        "Số, ký hiệu",
        "Ngày tháng",
        "Tên loại và trích yếu nội dung",
        "Độ mật",
        "Người ký",
        "Nơi nhận và ký nhận",
        "Đơn vị lưu",
        "Số lượng",
        "Ghi chú",
    ):
        assert f'<th scope="col">{column}</th>' in html, column
    assert first.number_symbol in html and second.number_symbol in html
    assert "Báo cáo: Báo cáo thử" in html
    cover = html.split('data-testid="register-cover"')[1].split("</section>")[0]
    assert sx.agency.name.upper() in cover
    assert "<dd>01</dd>" in cover and "<dd>02</dd>" in cover  # first and last numbers
    assert f"{dt.date(2026, 4, 1):%d/%m/%Y}" in cover
    assert "<dd>2026</dd>" in cover


def test_register_lines_are_gated_and_unknown_books_404(sx, issued):  # noqa: F811
    item = issued("mat")
    url = reverse("registry:register", args=["di", 2026])
    cadre = client_for(sx.cadre)
    html = html_of(cadre.get(url))
    assert item.number_symbol not in html  # the book exists for the agency, the line is hidden
    assert (
        client_for(sx.clerk).get(reverse("registry:register", args=["di", 2025])).status_code == 404
    )
    assert (
        client_for(sx.clerk).get(reverse("registry:register", args=["xyz", 2026])).status_code
        == 404
    )


def test_other_register_kinds_render_their_columns(sx, issued):  # noqa: F811
    item = issued("mat")
    agency = sx.agency
    for kind, slug, columns in (
        (Register.Kind.INCOMING, "den", ("Ngày đến", "Số đến", "Cơ quan, tổ chức ban hành")),
        (Register.Kind.COPY, "sao-chup", ("Người cho phép", "Người sao, chụp", "Bản số")),
        (Register.Kind.TRANSFER, "chuyen-giao", ("Số bì / số lượng", "Họ tên người nhận")),
    ):
        book = Register.objects.create(
            kind=kind, agency=agency, year=2026, opened_on=dt.date(2026, 4, 1)
        )
        html = html_of(client_for(sx.clerk).get(reverse("registry:register", args=[slug, 2026])))
        for column in columns:
            assert column in html, (kind, column)
        assert book.get_kind_display().upper() in html
    assert item.pk


# ------------------------------------------------------------------------------- dashboard


def test_dashboard_counts_only_what_the_person_may_see(sx, issued):  # noqa: F811
    issued("mat")
    issued("toi_mat")
    issued("tuyet_mat")
    clerk = html_of(client_for(sx.clerk).get(reverse("dashboard")))
    for level in ("tuyet_mat", "toi_mat", "mat"):
        assert f'data-level="{level}">1<' in clerk
    cadre = html_of(client_for(sx.cadre).get(reverse("dashboard")))
    assert 'data-level="mat">0<' in cadre
    assert 'data-level="toi_mat"' not in cadre  # above the cadre's clearance: not even a zero


# ------------------------------------------------------------------------------- incoming


def _incoming_data(sx, **extra):  # noqa: F811
    data = {
        "issuer": "UBND tỉnh",
        "number_symbol": "88/CV-UBND",
        "document_date": timezone.localdate().strftime("%d/%m/%Y"),
        "doc_type": "Công văn",
        "summary": "Về việc kiểm tra",
        "level": "mat",
        "receiving_unit": sx.division.pk,
        "copies": "1",
    }
    data.update(extra)
    return data


def test_clerk_registers_an_incoming_item(sx):  # noqa: F811
    client = client_for(sx.clerk)
    assert 'data-testid="incoming-form"' in html_of(client.get(reverse("registry:incoming")))
    response = client.post(reverse("registry:incoming"), _incoming_data(sx), follow=True)
    entry = RegisterEntry.objects.get(register__kind=Register.Kind.INCOMING)
    assert response.redirect_chain == [(reverse("registry:item", args=[entry.item_id]), 302)]
    assert "số đến 01" in html_of(response)
    book = html_of(client.get(reverse("registry:register", args=["den", entry.register.year])))
    assert "88/CV-UBND" in book and "UBND tỉnh" in book


def test_incoming_tuyet_mat_summary_is_refused_with_422(sx):  # noqa: F811
    response = client_for(sx.clerk).post(
        reverse("registry:incoming"), _incoming_data(sx, level="tuyet_mat", summary=TM_SECRET)
    )
    assert response.status_code == 422
    citation = rule("register.no_summary_tuyet_mat", timezone.localdate()).citation
    assert f"— Căn cứ: {citation}" in html_of(response)
    assert not RegisterEntry.objects.exists()


def test_only_keepers_register_incoming_and_named_envelopes_wait_for_the_addressee(sx):  # noqa: F811
    drafter = client_for(sx.drafter)
    assert 'data-testid="incoming-form"' not in html_of(drafter.get(reverse("registry:incoming")))
    assert drafter.post(reverse("registry:incoming"), _incoming_data(sx)).status_code == 403
    client_for(sx.clerk).post(
        reverse("registry:incoming"),
        _incoming_data(sx, named_addressee=sx.drafter.pk, sealed="on", summary=""),
    )
    receipt = RegisterEntry.objects.get().receipt
    assert receipt.sealed
    page = html_of(drafter.get(reverse("registry:incoming")))
    assert f'data-receipt="{receipt.pk}"' in page
    assert f'data-receipt="{receipt.pk}"' not in html_of(
        client_for(sx.cadre).get(reverse("registry:incoming"))
    )
    response = drafter.post(
        reverse("registry:open_envelope", args=[receipt.pk]),
        {"doc_type": "Công văn", "summary": "Về việc kiểm tra"},
    )
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert not receipt.sealed
    assert Copy.objects.get(item=receipt.entry.item).custodian == sx.drafter


# ------------------------------------------------------------------------------- copying


def test_copy_order_with_authority_goes_in_the_copy_register(sx, issued):  # noqa: F811
    item = issued("mat", copy_allowed=True)
    client = client_for(sx.clerk)
    detail = html_of(client.get(reverse("registry:item", args=[item.pk])))
    assert reverse("registry:copy", args=[item.pk]) in detail
    response = client.post(
        reverse("registry:copy", args=[item.pk]),
        {
            "form": "sao_y",
            "count": "2",
            "requester": sx.drafter.pk,
            "authoriser": sx.director.pk,
            "copier": sx.clerk.pk,
            "recipients_text": "Phòng A",
            "spoiled": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    html = html_of(response)
    assert "Đã vào Sổ quản lý sao, chụp" in html and "Căn cứ: Luật 117/2025/QH15, Điều 11" in html
    assert "Sao y bản chính" in html
    book = html_of(client.get(reverse("registry:register", args=["sao-chup", 2026])))
    assert sx.director.full_name in book and "1–2" in book


def test_copy_of_a_no_copy_item_is_refused_with_422(sx, issued):  # noqa: F811
    item = issued("mat", copy_allowed=False)
    client = client_for(sx.clerk)
    assert reverse("registry:copy", args=[item.pk]) not in html_of(
        client.get(reverse("registry:item", args=[item.pk]))
    )
    response = client.post(
        reverse("registry:copy", args=[item.pk]),
        {
            "form": "sao_y",
            "count": "1",
            "requester": sx.drafter.pk,
            "authoriser": sx.director.pk,
            "copier": sx.clerk.pk,
        },
    )
    assert response.status_code == 422
    citation = rule("copy.not_allowed", timezone.localdate()).citation
    assert f"— Căn cứ: {citation}" in html_of(response)


# ------------------------------------------------------------------------------- delivery, recall


def test_deliver_sign_and_recall(sx, issued):  # noqa: F811
    item = issued("mat", copies=2)
    clerk = client_for(sx.clerk)
    first = Copy.objects.get(item=item, number=1)
    response = clerk.post(
        reverse("registry:deliver", args=[item.pk]),
        {
            "copies": [first.pk],
            "receiving_unit": "Phòng A",
            "receiver_name": sx.drafter.full_name,
            "receiver": sx.drafter.pk,
        },
        follow=True,
    )
    assert "Đã vào Sổ chuyển giao" in html_of(response)
    transfer = item.transfers.get()
    book = html_of(clerk.get(reverse("registry:register", args=["chuyen-giao", 2026])))
    assert item.number_symbol in book and '<td class="fw-bold">C</td>' in book
    assert f'data-transfer="{transfer.pk}"' in html_of(response)
    clerk.post(
        reverse("registry:confirm_receipt", args=[transfer.pk]),
        {"receiver_name": sx.drafter.full_name},
    )
    transfer.refresh_from_db()
    assert transfer.signed

    # The officer in charge recalls it; the clerk takes the copy back.
    officer = client_for(sx.officer)
    due = (timezone.localdate() + dt.timedelta(days=10)).strftime("%d/%m/%Y")
    response = officer.post(
        reverse("registry:issue_recall", args=[item.pk]), {"due_on": due}, follow=True
    )
    found = item.recalls.get()
    assert response.redirect_chain[-1][0] == reverse("registry:recall", args=[found.pk])
    task = found.tasks.get()
    assert sx.drafter.full_name in html_of(response)
    clerk.post(reverse("registry:confirm_return", args=[found.pk, task.pk]))
    task.refresh_from_db()
    assert task.returned_on == timezone.localdate() and task.received_by == sx.clerk
    # A recall of someone else's item is not there for the cadre.
    assert client_for(sx.cadre).get(reverse("registry:recall", args=[found.pk])).status_code == 404


def test_deliver_is_for_register_keepers_only(sx, issued):  # noqa: F811
    item = issued("mat")
    assert (
        client_for(sx.director).get(reverse("registry:deliver", args=[item.pk])).status_code == 403
    )


# ------------------------------------------------------------------------------- stocktake


def test_stocktake_start_mark_close(sx, issued):  # noqa: F811
    item = issued("mat", copies=2)
    officer = client_for(sx.officer)
    response = officer.post(reverse("registry:stocktakes"), {"unit": sx.division.pk}, follow=True)
    found = sx.division.stocktake_set.get()
    assert response.redirect_chain == [(reverse("registry:stocktake", args=[found.pk]), 302)]
    lines = list(found.lines.order_by("pk"))
    assert len(lines) == 2 and item.number_symbol in html_of(response)
    # Closing with unmarked lines is refused or invalid; either way the page says so.
    early = officer.post(reverse("registry:stocktake_close", args=[found.pk]))
    assert early.status_code in (400, 422)
    for line in lines:
        officer.post(
            reverse("registry:stocktake_mark", args=[found.pk, line.pk]), {"presented": "yes"}
        )
    officer.post(reverse("registry:stocktake_close", args=[found.pk]))
    found.refresh_from_db()
    assert found.closed_on == timezone.localdate()
    assert "2 có xuất trình" in html_of(officer.get(reverse("registry:stocktake", args=[found.pk])))


def test_stocktake_needs_both_or_neither_scope(sx):  # noqa: F811
    response = client_for(sx.officer).post(reverse("registry:stocktakes"), {})
    assert "Chọn một đơn vị hoặc một người quản lý tài liệu." in html_of(response)


# ------------------------------------------------------------------------------- search


def test_search_is_gated_and_never_shows_a_tuyet_mat_summary(sx, issued):  # noqa: F811
    mat = issued("mat", summary="Báo cáo kiểm tra kho lưu trữ")
    secret = issued("tuyet_mat", summary=TM_SECRET)
    clerk = client_for(sx.clerk)
    html = html_of(clerk.get(reverse("registry:search"), {"q": "kho luu tru"}))
    assert mat.number_symbol in html
    html = html_of(clerk.get(reverse("registry:search"), {"q": secret.number_symbol}))
    assert secret.number_symbol in html and TM_SECRET not in html
    assert "Không tìm thấy" in html_of(
        client_for(sx.cadre).get(reverse("registry:search"), {"q": "kho"})
    )
