"""The access, take-out, provision, lifecycle and departure pages through Django's test client:
each renders for the role that acts, a lawful POST writes through its service, a refusal by law
answers 422 with its citation, a wrong role 403 and a hidden item 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bmnn.registry.models import (
    Copy,
    Council,
    Departure,
    Grant,
    LifecycleDecision,
    Provision,
    SecretItem,
    TakeOut,
)
from bmnn.registry.rulebook import rule
from bmnn.registry.services import departure, lifecycle, takeout
from tests.registry.conftest import ACTOR, _fast_passwords, issued, sx  # noqa: F401

pytestmark = pytest.mark.django_db

MEMBERS = "Phó Giám Đốc — Phó Giám đốc — Sở Thử nghiệm\nVăn Thư — Văn thư — Văn phòng"


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def today() -> dt.date:
    return timezone.localdate()


def fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def citation(rule_id: str) -> str:
    return f"— Căn cứ: {rule(rule_id, today()).citation}"


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def actions_of(staff, item) -> str:
    html = html_of(client_for(staff).get(url("item", item.pk)))
    return (
        html.split('data-testid="item-actions"')[1].split("</div>")[0]
        if "item-actions" in html
        else ""
    )


def _council(sx, kind, item):  # noqa: F811
    return lifecycle.create_council(
        ACTOR,
        kind=kind,
        established_by=sx.director,
        establishment_number="15/QĐ-STN",
        established_on=today(),
        chair="Phó Giám Đốc — Phó Giám đốc Sở",
        members=[{"name": "Văn Thư", "position": "Văn thư", "unit": "Văn phòng"}],
        minutes="Hội đồng thống nhất đề nghị",
        minutes_on=today(),
        items=[item],
    )


# ------------------------------------------------------------------------------- access


def test_grant_and_revoke_access(sx, issued):  # noqa: F811
    item = issued("mat")
    assert url("access", item.pk) in actions_of(sx.officer, item)
    assert url("access", item.pk) not in actions_of(sx.clerk, item)
    officer = client_for(sx.officer)
    assert officer.get(url("access", item.pk)).status_code == 200
    # Before the grant the cadre does not see the item.
    assert client_for(sx.cadre).get(url("item", item.pk)).status_code == 404
    response = officer.post(
        url("access", item.pk),
        {"staff": sx.cadre.pk, "purpose": "Chuẩn bị báo cáo", "valid_to": ""},
        follow=True,
    )
    grant = Grant.objects.get(item=item, staff=sx.cadre)
    assert grant.granted_by == sx.officer and grant.purpose == "Chuẩn bị báo cáo"
    assert f'data-grant="{grant.pk}"' in html_of(response)
    assert client_for(sx.cadre).get(url("item", item.pk)).status_code == 200
    officer.post(url("access_revoke", item.pk, grant.pk))
    grant.refresh_from_db()
    assert grant.revoked_on == today() and grant.revoked_by == sx.officer
    assert client_for(sx.cadre).get(url("item", item.pk)).status_code == 404


def test_access_form_errors_wrong_role_and_hidden_item(sx, issued):  # noqa: F811
    item = issued("toi_mat")
    # Clearance below the level: the service's validation lands on the form, nothing written.
    response = client_for(sx.officer).post(
        url("access", item.pk), {"staff": sx.cadre.pk, "purpose": "Xem"}
    )
    assert response.status_code == 200 and "chỉ được tiếp cận đến độ Mật" in html_of(response)
    assert not Grant.objects.filter(staff=sx.cadre).exists()
    assert client_for(sx.clerk).get(url("access", item.pk)).status_code == 403
    assert client_for(sx.inspector).post(url("access", item.pk), {}).status_code == 403
    secret = issued("tuyet_mat")
    assert client_for(sx.head).get(url("access", secret.pk)).status_code == 404


# ------------------------------------------------------------------------------- take-out


def _take_out_data(copy, sx, **extra):  # noqa: F811
    data = {
        "copy": copy.pk,
        "person": sx.drafter.pk,
        "position": "Chuyên viên",
        "unit_name": "Phòng A",
        "purpose": "Báo cáo tại cuộc họp giao ban",
        "place": "UBND tỉnh",
        "start_on": fmt(today()),
        "due_on": fmt(today() + dt.timedelta(days=2)),
        "protection": "Cặp có khóa, mang theo người",
        "decision": "approve",
    }
    data.update(extra)
    return data


def test_leader_permits_a_take_out_and_the_clerk_takes_the_copy_back(sx, issued):  # noqa: F811
    item = issued("mat")
    copy = item.copies.order_by("number").first()
    assert url("take_out", item.pk) in actions_of(sx.deputy, item)
    deputy = client_for(sx.deputy)
    assert deputy.get(url("take_out", item.pk)).status_code == 200
    response = deputy.post(url("take_out", item.pk), _take_out_data(copy, sx), follow=True)
    row = TakeOut.objects.get()
    assert row.status == TakeOut.Status.APPROVED and row.decided_by == sx.deputy
    assert f"Căn cứ: {row.citation}" in html_of(response)
    copy.refresh_from_db()
    assert copy.state == Copy.State.OUT and copy.custodian == sx.drafter

    back = url("take_out_return", item.pk, row.pk)
    assert back in actions_of(sx.clerk, item)
    clerk = client_for(sx.clerk)
    refused = clerk.post(back, {"report": ""})
    assert refused.status_code == 422 and citation("take_out.return") in html_of(refused)
    clerk.post(back, {"report": "Đã sử dụng tại cuộc họp, không sao chụp"})
    row.refresh_from_db()
    copy.refresh_from_db()
    assert row.status == TakeOut.Status.RETURNED and row.received_by == sx.clerk
    assert copy.state == Copy.State.HELD and copy.custodian == sx.clerk
    assert client_for(sx.drafter).get(back).status_code == 403


def test_take_out_refusals_roles_and_hidden_items(sx, issued):  # noqa: F811
    item = issued("mat")
    copy = item.copies.order_by("number").first()
    # An incomplete written request is refused citing the article that lists its contents.
    response = client_for(sx.deputy).post(
        url("take_out", item.pk), _take_out_data(copy, sx, protection="")
    )
    assert response.status_code == 422 and citation("take_out.request") in html_of(response)
    # The division head holds no authority to permit it: refused by the rulebook.
    response = client_for(sx.head).post(url("take_out", item.pk), _take_out_data(copy, sx))
    assert response.status_code == 422 and "— Căn cứ: " in html_of(response)
    assert not TakeOut.objects.exists()
    # A written refusal is recorded with its reason; the copy stays.
    client_for(sx.deputy).post(
        url("take_out", item.pk),
        _take_out_data(copy, sx, decision="refuse", refusal_reason="Không cần thiết"),
    )
    assert TakeOut.objects.get().status == TakeOut.Status.REFUSED
    assert client_for(sx.clerk).get(url("take_out", item.pk)).status_code == 403
    secret = issued("tuyet_mat")
    assert client_for(sx.head).get(url("take_out", secret.pk)).status_code == 404


# ------------------------------------------------------------------------------- provision


def _provision_data(**extra):
    data = {
        "foreign": "domestic",
        "requester_kind": "agency",
        "requester_name": "Sở Tài chính",
        "representative": "Nguyễn Văn A",
        "purpose": "Phục vụ thẩm định",
        "commitment": "Cam kết bảo vệ theo quy định",
        "requested_on": fmt(today()),
        "decision": "approve",
    }
    data.update(extra)
    return data


def test_provision_approved_refused_and_gated(sx, issued):  # noqa: F811
    item = issued("mat")
    assert url("provide", item.pk) in actions_of(sx.director, item)
    director = client_for(sx.director)
    page = html_of(director.get(url("provide", item.pk)))
    for name in ("identity_number", "nationality", "no_third_party", "cooperation_basis"):
        assert f'name="{name}"' in page
    response = director.post(url("provide", item.pk), _provision_data(), follow=True)
    row = Provision.objects.get()
    assert row.status == Provision.Status.APPROVED and row.requester_name == "Sở Tài chính"
    assert f"Căn cứ: {row.citation}" in html_of(response)

    missing = director.post(url("provide", item.pk), _provision_data(commitment=""))
    assert missing.status_code == 422 and citation("provide.request") in html_of(missing)
    foreign = director.post(
        url("provide", item.pk),
        _provision_data(foreign="foreign", cooperation_basis="", representative="John Doe"),
    )
    assert foreign.status_code == 422 and "— Căn cứ: " in html_of(foreign)
    # A refusal without a written reason is malformed, not refused by law.
    no_reason = director.post(url("provide", item.pk), _provision_data(decision="refuse"))
    assert no_reason.status_code == 200 and "nêu rõ lý do" in html_of(no_reason)
    director.post(
        url("provide", item.pk), _provision_data(decision="refuse", refusal_reason="Không đúng")
    )
    assert Provision.objects.filter(status=Provision.Status.REFUSED).count() == 1
    assert client_for(sx.clerk).get(url("provide", item.pk)).status_code == 403
    secret = issued("tuyet_mat")
    assert client_for(sx.head).get(url("provide", secret.pk)).status_code == 404


# ------------------------------------------------------------------------------- extend, adjust


def test_extend_and_record_the_notice(sx, issued):  # noqa: F811
    item = issued("mat")
    assert url("extend", item.pk) in actions_of(sx.director, item)
    director = client_for(sx.director)
    assert director.get(url("extend", item.pk)).status_code == 200
    too_long = director.post(url("extend", item.pk), {"years": "50", "document_number": "1"})
    assert too_long.status_code == 422 and "— Căn cứ: " in html_of(too_long)
    old = item.expires_on
    response = director.post(
        url("extend", item.pk), {"years": "5", "document_number": "20/QĐ-STN"}, follow=True
    )
    record = LifecycleDecision.objects.get(kind=LifecycleDecision.Kind.EXTEND)
    item.refresh_from_db()
    assert item.expires_on == old.replace(year=old.year + 5)
    assert f"Căn cứ: {record.citation}" in html_of(response)

    notice = url("record_notice", item.pk, record.pk)
    assert notice in actions_of(sx.clerk, item)
    assert client_for(sx.cadre).get(notice).status_code == 403
    client_for(sx.clerk).post(notice, {"notified_on": fmt(today())})
    record.refresh_from_db()
    assert record.notified_on == today()
    assert client_for(sx.clerk).get(notice).status_code == 404  # nothing owed any more
    assert client_for(sx.clerk).get(url("extend", item.pk)).status_code == 403
    secret = issued("tuyet_mat")
    assert client_for(sx.head).get(url("extend", secret.pk)).status_code == 404


def test_adjust_level(sx, issued):  # noqa: F811
    item = issued("mat")
    director = client_for(sx.director)
    page = html_of(director.get(url("adjust", item.pk)))
    assert (
        'value="toi_mat"' in page
        and 'value="mat"' not in page.split('name="new_level"')[1].split("</select>")[0]
    )
    scope = director.post(url("adjust", item.pk), {"new_level": "", "document_number": "1"})
    assert scope.status_code == 422 and citation("adjust.scope") in html_of(scope)
    director.post(
        url("adjust", item.pk),
        {
            "new_level": "toi_mat",
            "catalogue_item": sx.items["toi_mat"].pk,
            "document_number": "21/QĐ-STN",
        },
    )
    item.refresh_from_db()
    assert item.level == "toi_mat"
    assert client_for(sx.officer).post(url("adjust", item.pk), {}).status_code == 403


# ------------------------------------------------------------------------------- councils


def test_create_council_with_member_lines(sx, issued):  # noqa: F811
    item = issued("mat")
    other = issued("mat")
    hidden = issued("tuyet_mat")
    director = client_for(sx.director)
    assert director.get(url("council", item.pk)).status_code == 200
    data = {
        "kind": Council.Kind.DECLASSIFY,
        "establishment_number": "15/QĐ-STN",
        "established_on": fmt(today()),
        "chair": "Phó Giám Đốc — Phó Giám đốc Sở",
        "members": MEMBERS,
        "minutes": "Hội đồng thống nhất đề nghị giải mật",
        "minutes_on": fmt(today()),
        "other_items": str(other.pk),
    }
    bad = director.post(url("council", item.pk), {**data, "members": "Chỉ một tên"})
    assert bad.status_code == 200 and "Dòng 1" in html_of(bad)
    missing = director.post(url("council", item.pk), {**data, "minutes": ""})
    assert missing.status_code == 422 and citation("declassify.council") in html_of(missing)
    director.post(url("council", item.pk), data)
    council = Council.objects.get()
    assert set(council.items.values_list("pk", flat=True)) == {item.pk, other.pk}
    assert council.members[0] == {
        "name": "Phó Giám Đốc",
        "position": "Phó Giám đốc",
        "unit": "Sở Thử nghiệm",
    }
    # The head cannot list an item above their clearance: it answers as unknown.
    response = client_for(sx.head).post(
        url("council", item.pk), {**data, "other_items": str(hidden.pk)}
    )
    assert f"Không tìm thấy tài liệu mã số {hidden.pk}" in html_of(response)
    assert client_for(sx.clerk).get(url("council", item.pk)).status_code == 403
    assert client_for(sx.head).get(url("council", hidden.pk)).status_code == 404


# ------------------------------------------------------------------------------- declassify


def test_declassify_full_and_partial(sx, issued):  # noqa: F811
    item = issued("mat")
    director = client_for(sx.director)
    assert director.get(url("declassify", item.pk)).status_code == 200
    no_council = director.post(
        url("declassify", item.pk), {"document_number": "1", "scope": "full"}
    )
    assert no_council.status_code == 422 and citation("declassify.council") in html_of(no_council)
    board = _council(sx, Council.Kind.DECLASSIFY, item)
    partial = director.post(
        url("declassify", item.pk),
        {"council": board.pk, "document_number": "2", "scope": "partial"},
    )
    assert partial.status_code == 200 and "ghi rõ nội dung" in html_of(partial)
    director.post(
        url("declassify", item.pk),
        {"council": board.pk, "document_number": "3", "scope": "partial", "partial_scope": "Mục I"},
    )
    item.refresh_from_db()
    assert item.status == SecretItem.Status.ACTIVE
    assert LifecycleDecision.objects.get(kind="declassify").partial_scope == "Mục I"
    director.post(
        url("declassify", item.pk),
        {"council": board.pk, "document_number": "4", "scope": "full", "partial_scope": "x"},
    )
    item.refresh_from_db()
    assert item.status == SecretItem.Status.DECLASSIFIED
    # The notices stay owed after declassification, and the page still offers them.
    owed = LifecycleDecision.objects.filter(kind="declassify", notified_on__isnull=True)
    assert owed.count() == 2
    assert url("record_notice", item.pk, owed.first().pk) in actions_of(sx.director, item)
    assert client_for(sx.clerk).get(url("declassify", item.pk)).status_code == 403
    secret = issued("tuyet_mat")
    assert client_for(sx.head).get(url("declassify", secret.pk)).status_code == 404


# ------------------------------------------------------------------------------- destroy


def test_destroy_after_the_council(sx, issued):  # noqa: F811
    item = issued("mat", copies=2)
    director = client_for(sx.director)
    assert director.get(url("destroy", item.pk)).status_code == 200
    board = _council(sx, Council.Kind.DESTROY, item)
    no_record = director.post(
        url("destroy", item.pk), {"council": board.pk, "document_number": "5", "record": ""}
    )
    assert no_record.status_code == 422 and citation("destroy.council") in html_of(no_record)
    director.post(
        url("destroy", item.pk),
        {"council": board.pk, "document_number": "5", "record": "Biên bản tiêu hủy số 5"},
    )
    item.refresh_from_db()
    assert item.status == SecretItem.Status.DESTROYED
    assert set(item.copies.values_list("state", flat=True)) == {Copy.State.DESTROYED}
    assert client_for(sx.clerk).get(url("destroy", item.pk)).status_code == 403
    secret = issued("tuyet_mat")
    assert client_for(sx.head).get(url("destroy", secret.pk)).status_code == 404


def test_the_holder_destroys_a_copy_at_once_with_a_report(sx, issued):  # noqa: F811
    item = issued("mat", copies=2)
    copy = item.copies.order_by("number").first()
    assert url("destroy_now", item.pk) in actions_of(sx.clerk, item)
    assert url("destroy_now", item.pk) not in actions_of(sx.director, item)
    clerk = client_for(sx.clerk)
    assert clerk.get(url("destroy_now", item.pk)).status_code == 200
    no_report = clerk.post(url("destroy_now", item.pk), {"copy": copy.pk, "report": ""})
    assert no_report.status_code == 422 and citation("destroy.immediate") in html_of(no_report)
    clerk.post(url("destroy_now", item.pk), {"copy": copy.pk, "report": "Nguy cơ lộ, đã hủy"})
    copy.refresh_from_db()
    assert copy.state == Copy.State.DESTROYED
    row = LifecycleDecision.objects.get(kind="destroy_immediate")
    assert row.reported_to == sx.director
    # Someone holding no copy of it has nothing to destroy.
    assert client_for(sx.director).get(url("destroy_now", item.pk)).status_code == 403
    secret = issued("tuyet_mat")
    assert client_for(sx.head).get(url("destroy_now", secret.pk)).status_code == 404


# ------------------------------------------------------------------------------- lapse


def test_mark_lapsed(sx, issued):  # noqa: F811
    item = issued("mat")
    clerk = client_for(sx.clerk)
    assert url("mark_lapsed", item.pk) not in actions_of(sx.clerk, item)
    early = clerk.post(url("mark_lapsed", item.pk))
    assert early.status_code == 422 and citation("declassify.automatic") in html_of(early)
    SecretItem.objects.filter(pk=item.pk).update(
        expires_on=today() - dt.timedelta(days=3),
        extension_decision_by=today() - dt.timedelta(days=63),
    )
    assert url("mark_lapsed", item.pk) in actions_of(sx.clerk, item)
    assert clerk.get(url("mark_lapsed", item.pk)).status_code == 200
    clerk.post(url("mark_lapsed", item.pk))
    item.refresh_from_db()
    assert item.status == SecretItem.Status.DECLASSIFIED and item.lapsed_marked_on == today()
    assert client_for(sx.drafter).post(url("mark_lapsed", item.pk)).status_code == 403
    secret = issued("tuyet_mat")
    assert client_for(sx.head).get(url("mark_lapsed", secret.pk)).status_code == 404


# ------------------------------------------------------------------------------- departures


def test_departure_open_commit_close(sx, issued):  # noqa: F811
    item = issued("mat")
    copy = item.copies.order_by("number").first()
    takeout.request_take_out(
        ACTOR,
        copy,
        person=sx.drafter,
        position="Chuyên viên",
        unit_name="Phòng A",
        purpose="Họp",
        place="UBND tỉnh",
        start_on=today(),
        due_on=today() + dt.timedelta(days=2),
        protection="Cặp có khóa",
        decided_by=sx.deputy,
    )
    officer = client_for(sx.officer)
    assert officer.get(url("departures")).status_code == 200
    response = officer.post(
        url("departures"),
        {"staff": sx.drafter.pk, "reason": "transfer", "leaves_on": fmt(today())},
        follow=True,
    )
    found = Departure.objects.get()
    assert response.redirect_chain == [(url("departure", found.pk), 302)]
    html = html_of(response)
    task = found.recalls.get().tasks.get()
    assert f'data-task="{task.pk}"' in html and item.number_symbol in html
    # Not closable with the copy still out: refused citing the hand-over rule.
    early = officer.post(url("departure_close", found.pk))
    assert early.status_code == 422 and citation("departure.handover") in html_of(early)
    blank = officer.post(url("departure_commitment", found.pk), {"commitment_number": ""})
    assert blank.status_code == 200 and 'data-testid="commitment-form"' in html_of(blank)
    officer.post(url("departure_commitment", found.pk), {"commitment_number": "07/CK"})
    from bmnn.registry.services import recall

    recall.confirm_return(ACTOR, task, received_by=sx.clerk)
    officer.post(url("departure_close", found.pk))
    found.refresh_from_db()
    assert found.commitment_number == "07/CK" and found.closed_on == today()
    assert departure.outstanding(found) == []


def test_departure_pages_are_for_officers_and_leaders(sx):  # noqa: F811
    for person in (sx.clerk, sx.cadre, sx.inspector):
        assert client_for(person).get(url("departures")).status_code == 403
    # A leader outside the person's unit tree is refused by the service: 403 too.
    response = client_for(sx.head).post(
        url("departures"),
        {"staff": sx.cadre.pk, "reason": "quit", "leaves_on": fmt(today())},
    )
    assert response.status_code == 403
    assert client_for(sx.officer).get(url("departure", 999999)).status_code == 404


def test_new_pages_carry_no_inline_style_or_event_handler(sx, issued):  # noqa: F811
    import re

    item = issued("mat")
    director = client_for(sx.director)
    pages = [
        director.get(url(name, item.pk))
        for name in ("take_out", "provide", "extend", "adjust", "council", "declassify", "destroy")
    ]
    pages += [client_for(sx.officer).get(url(name)) for name in ("departures",)]
    pages.append(client_for(sx.officer).get(url("access", item.pk)))
    pages.append(client_for(sx.clerk).get(url("destroy_now", item.pk)))
    for response in pages:
        assert response.status_code == 200
        html = html_of(response)
        assert not re.search(r"<[^>]+\s(style|on[a-z]+)=", html), response.request["PATH_INFO"]
