"""The API for the rest of an item's life and its custody: adjustment, councils, declassification,
destruction, lapse and notices; named envelopes, signatures on transfers, departures and
stocktakes; and the reads (proposals, an item's recalls, take-outs and grants, the due lists).

Each endpoint: its happy path, a refusal by law with its exact citation (403 {"error",
"citation"}), malformed input (422) and the hidden item (404, the same as a missing one)."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from bmnn.oversight.models import Incident
from bmnn.registry.models import (
    Copy,
    Council,
    Departure,
    LifecycleDecision,
    Receipt,
    SecretItem,
    Stocktake,
)
from bmnn.registry.rulebook import rule
from bmnn.web.api.schema import ROUTES
from tests.registry import conftest as registry_fixtures
from tests.registry.conftest import ON
from tests.web.test_api import (
    TOP_SECRET_SUMMARY,
    _incoming_body,
    _propose,
    assert_shape,
    call,
    events,
    tok,
)

sx = registry_fixtures.sx
issued = registry_fixtures.issued
_fast_passwords = registry_fixtures._fast_passwords
tok = tok  # the fixture, bound in this module

DAY = ON.isoformat()
NOT_FOUND = b'{"error": "Kh\xc3\xb4ng t\xc3\xacm th\xe1\xba\xa5y."}'
MEMBERS = [
    {"name": "Phó Giám Đốc", "position": "Phó Giám đốc", "unit": "Sở Thử nghiệm"},
    {"name": "Văn Thư", "position": "Văn thư", "unit": "Văn phòng"},
]
NEW_PATHS = {
    ("post", "/items/{id}/adjustments"),
    ("post", "/councils"),
    ("post", "/items/{id}/declassifications"),
    ("post", "/items/{id}/destructions"),
    ("post", "/copies/{id}/destroy-immediately"),
    ("post", "/items/{id}/mark-lapsed"),
    ("post", "/decisions/{id}/notice"),
    ("get", "/sealed-envelopes"),
    ("post", "/receipts/{id}/open"),
    ("post", "/transfers/{id}/confirm"),
    ("post", "/departures"),
    ("get", "/departures/{id}"),
    ("post", "/departures/{id}/commitment"),
    ("post", "/departures/{id}/close"),
    ("post", "/stocktakes"),
    ("get", "/stocktakes/{id}"),
    ("get", "/stocktakes/{id}/lines"),
    ("get", "/stocktakes/{id}/discrepancies"),
    ("post", "/stocktake-lines/{id}/mark"),
    ("post", "/stocktakes/{id}/close"),
    ("get", "/proposals"),
    ("get", "/items/{id}/recalls"),
    ("get", "/items/{id}/take-outs"),
    ("get", "/items/{id}/grants"),
    ("get", "/deadlines"),
}


def refused(response, citation: str) -> None:
    """403 by a rule of law: the error and exactly that citation."""
    assert response.status_code == 403, response.content.decode()
    body = response.json()
    assert set(body) == {"error", "citation"} and body["error"]
    assert citation and body["citation"] == citation


def invalid(response, field: str | None = None) -> dict:
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert body["error"] and body["citation"] is None and body["details"]
    if field is not None:
        assert field in {d["field"] for d in body["details"]}, body
    return body


def hidden(response) -> None:
    assert response.status_code == 404, response.content.decode()
    assert response.content == NOT_FOUND


def set_period(item, expires_on, classified_on=None):
    """Tests only: move an item's period (the services never write these columns directly)."""
    changes = {"expires_on": expires_on, "extension_decision_by": expires_on - dt.timedelta(60)}
    if classified_on:
        changes["classified_on"] = classified_on
    SecretItem.objects.filter(pk=item.pk).update(**changes)
    item.refresh_from_db()
    return item


def _council(tok, kind, items, who="director", **extra):
    body = {
        "kind": kind,
        "establishment_number": "15/QĐ-STN",
        "established_on": DAY,
        "chair": "Phó Giám Đốc — Phó Giám đốc Sở",
        "members": MEMBERS,
        "minutes": "Hội đồng thống nhất đề nghị",
        "minutes_on": DAY,
        "items": [i.pk for i in items],
    }
    body.update(extra)
    return call("POST", "/councils", tok(who), body)


# ---------------------------------------------------------------------------- description


def test_openapi_lists_every_new_route(sx, tok):
    doc = call("GET", "/openapi.json", tok("clerk")).json()
    listed = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert listed >= NEW_PATHS
    assert listed == {(r.method.lower(), r.path) for r in ROUTES}
    for name in ("Council", "Receipt", "Departure", "Stocktake", "StocktakeLine", "Deadlines"):
        assert name in doc["components"]["schemas"]
    for method, path in NEW_PATHS:
        op = doc["paths"][path][method]
        if method == "post":
            assert {"401", "403", "422"} <= set(op["responses"])
        if "{id}" in path:
            assert "404" in op["responses"]


# ---------------------------------------------------------------------------- adjustment


def test_adjustment_lowers_the_level_on_the_catalogue(sx, tok, issued):
    item = issued("toi_mat")
    body = {
        "new_level": "mat",
        "catalogue_item": sx.items["mat"].pk,
        "document_number": "30/QĐ-STN",
        "on": DAY,
    }
    response = call("POST", f"/items/{item.pk}/adjustments", tok("director"), body)
    row = assert_shape("POST", "/items/{id}/adjustments", response)
    assert row["kind"] == "adjust" and (row["old_level"], row["new_level"]) == ("toi_mat", "mat")
    assert row["citation"] == "Luật 117/2025/QH15, Điều 21, khoản 3"
    assert row["notice_due"] == (ON + dt.timedelta(days=15)).isoformat()
    item.refresh_from_db()
    assert item.level == "mat"
    assert events("registry.lifecycle.adjust")[0].actor == f"api:{sx.director.user.username}"


def test_adjustment_refusals_invalid_input_and_the_gate(sx, tok, issued):
    item = issued("toi_mat")
    path = f"/items/{item.pk}/adjustments"
    body = {"new_level": None, "document_number": "1", "on": DAY}
    refused(call("POST", path, tok("director"), body), rule("adjust.scope", ON).citation)
    no_catalogue = call("POST", path, tok("director"), {**body, "new_level": "mat"})
    refused(no_catalogue, "Luật 117/2025/QH15, Điều 5, khoản 1")
    invalid(call("POST", path, tok("director"), {**body, "new_level": "bi_mat"}), "new_level")
    invalid(call("POST", path, tok("director"), {"new_level": "mat"}), "document_number")
    hidden(call("POST", path, tok("cadre"), {**body, "new_level": "mat"}))
    assert not LifecycleDecision.objects.exists()


# ---------------------------------------------------------------------------- councils, decisions


def test_council_then_declassification_then_its_notice(sx, tok, issued):
    item = issued("mat")
    made = _council(tok, "declassify", [item])
    board = assert_shape("POST", "/councils", made)
    assert board["items"] == [item.pk] and board["members"] == MEMBERS
    assert board["established_by"]["id"] == sx.director.pk
    path = f"/items/{item.pk}/declassifications"
    body = {"council": board["id"], "document_number": "40/QĐ-STN", "on": DAY}
    response = call("POST", path, tok("director"), body)
    row = assert_shape("POST", "/items/{id}/declassifications", response)
    assert row["kind"] == "declassify" and row["council"] == board["id"]
    assert row["citation"] == "Luật 29/2018/QH14, Điều 22, khoản 4"
    item.refresh_from_db()
    assert item.status == SecretItem.Status.DECLASSIFIED
    # The notice owed is on the due list, and recorded once by the register keeper.
    owed = call("GET", f"/deadlines?on={DAY}", tok("clerk")).json()["notices"]
    assert [n["decision"]["id"] for n in owed["results"]] == [row["id"]]
    notice = f"/decisions/{row['id']}/notice"
    sent = call("POST", notice, tok("clerk"), {"on": "2026-04-10"})
    assert assert_shape("POST", "/decisions/{id}/notice", sent)["notified_on"] == "2026-04-10"
    invalid(call("POST", notice, tok("clerk"), {"on": "2026-04-11"}))
    assert call("GET", f"/deadlines?on={DAY}", tok("clerk")).json()["notices"]["count"] == 0


def test_notice_needs_a_register_keeper_or_leader_and_hides_from_others(sx, tok, issued):
    item = set_period(issued("mat"), dt.date(2031, 5, 10), dt.date(2021, 5, 10))
    extended = call(
        "POST",
        f"/items/{item.pk}/extensions",
        tok("director"),
        {"years": 5, "document_number": "5/QĐ-STN", "on": DAY},
    ).json()
    notice = f"/decisions/{extended['id']}/notice"
    # The drafter sees the item (they wrote it) but records no notice of the agency.
    by_drafter = call("POST", notice, tok("drafter"), {"on": DAY})
    assert by_drafter.status_code == 403 and by_drafter.json()["citation"] is None
    hidden(call("POST", notice, tok("cadre"), {"on": DAY}))
    hidden(call("POST", "/decisions/999999/notice", tok("clerk"), {"on": DAY}))
    invalid(call("POST", notice, tok("clerk"), {"on": "10/04/2026"}), "on")
    assert LifecycleDecision.objects.get(pk=extended["id"]).notified_on is None


def test_council_refusals_unknown_items_and_declassification_without_council(sx, tok, issued):
    item = issued("mat")
    council_rule = rule("declassify.council", ON).citation
    refused(_council(tok, "declassify", [item], minutes=" "), council_rule)
    refused(_council(tok, "destroy", [item], members=[]), rule("destroy.council", ON).citation)
    invalid(_council(tok, "huy", [item]), "kind")
    invalid(_council(tok, "declassify", [item], members=[{"name": "A"}]), "members[0].position")
    # An item the person may not see is as unknown as one that does not exist.
    above_clearance = issued("tuyet_mat")
    invalid(_council(tok, "declassify", [item, above_clearance], who="head"), "items")
    assert not Council.objects.exists()
    path = f"/items/{item.pk}/declassifications"
    body = {"council": None, "document_number": "1", "on": DAY}
    refused(call("POST", path, tok("director"), body), council_rule)
    invalid(call("POST", path, tok("director"), {**body, "council": 999999}), "council")
    hidden(call("POST", path, tok("cadre"), body))
    item.refresh_from_db()
    assert item.status == SecretItem.Status.ACTIVE


def test_destruction_after_its_council_with_the_record(sx, tok, issued):
    item = issued("mat", copies=2)
    board = _council(tok, "destroy", [item]).json()
    path = f"/items/{item.pk}/destructions"
    body = {"council": board["id"], "document_number": "50/QĐ-STN", "record": " ", "on": DAY}
    refused(call("POST", path, tok("director"), body), rule("destroy.council", ON).citation)
    other = issued("mat")
    stray = other.copies.first().pk
    invalid(
        call("POST", path, tok("director"), {**body, "record": "BB", "copies": [stray]}), "copies"
    )
    invalid(call("POST", path, tok("director"), {**body, "copies": ["1"]}), "copies[0]")
    hidden(call("POST", path, tok("cadre"), {**body, "record": "BB"}))
    done = call("POST", path, tok("director"), {**body, "record": "Biên bản tiêu hủy số 3"})
    row = assert_shape("POST", "/items/{id}/destructions", done)
    assert row["kind"] == "destroy" and len(row["copies"]) == 2
    item.refresh_from_db()
    assert item.status == SecretItem.Status.DESTROYED
    assert set(item.copies.values_list("state", flat=True)) == {Copy.State.DESTROYED}


def test_the_holder_destroys_a_copy_at_once(sx, tok, issued):
    item = issued("mat", copies=1)
    copy = item.copies.get()
    path = f"/copies/{copy.pk}/destroy-immediately"
    refused(
        call("POST", path, tok("clerk"), {"report": " ", "on": DAY}),
        rule("destroy.immediate", ON).citation,
    )
    invalid(call("POST", path, tok("clerk"), {"on": DAY}), "report")
    hidden(call("POST", path, tok("cadre"), {"report": "Cháy kho", "on": DAY}))
    not_holder = call("POST", path, tok("officer"), {"report": "Cháy kho", "on": DAY})
    assert not_holder.status_code == 403 and not_holder.json()["citation"] is None
    done = call("POST", path, tok("clerk"), {"report": "Kho bị cháy lan, đã hủy", "on": DAY})
    row = assert_shape("POST", "/copies/{id}/destroy-immediately", done)
    assert row["kind"] == "destroy_immediate" and row["copies"] == [copy.pk]
    assert row["citation"] == rule("destroy.immediate", ON).citation
    copy.refresh_from_db()
    assert copy.state == Copy.State.DESTROYED


def test_a_lapsed_item_is_stamped_and_a_running_one_refused(sx, tok, issued):
    lapsed = set_period(issued("mat"), dt.date(2026, 3, 15), dt.date(2016, 3, 15))
    running = set_period(issued("mat"), ON, dt.date(2016, 4, 1))
    due = call("GET", f"/deadlines?on={DAY}", tok("officer")).json()["lapsed"]
    assert [row["item"]["id"] for row in due["results"]] == [lapsed.pk]
    response = call("POST", f"/items/{lapsed.pk}/mark-lapsed", tok("officer"), {"on": DAY})
    row = assert_shape("POST", "/items/{id}/mark-lapsed", response)
    assert row["kind"] == "lapsed"
    assert row["citation"] == rule("declassify.automatic", ON).citation
    refused(
        call("POST", f"/items/{running.pk}/mark-lapsed", tok("officer"), {"on": DAY}),
        rule("declassify.automatic", ON).citation,
    )
    invalid(call("POST", f"/items/{running.pk}/mark-lapsed", tok("officer"), {"by": 1}), "by")
    hidden(call("POST", f"/items/{running.pk}/mark-lapsed", tok("cadre"), {"on": DAY}))
    lapsed.refresh_from_db()
    assert lapsed.status == SecretItem.Status.DECLASSIFIED and lapsed.lapsed_marked_on == ON


# ---------------------------------------------------------------------------- envelopes


def test_named_envelope_waits_for_its_addressee_who_opens_it(sx, tok):
    entry = call(
        "POST",
        "/incoming",
        tok("clerk"),
        _incoming_body(sx, summary="", named_addressee=sx.head.pk),
    ).json()
    waiting = call("GET", "/sealed-envelopes", tok("head"))
    listed = assert_shape("GET", "/sealed-envelopes", waiting)
    assert [r["entry"] for r in listed] == [entry["id"]] and listed[0]["sealed"] is True
    assert call("GET", "/sealed-envelopes", tok("cadre")).json() == []
    receipt = listed[0]["id"]
    path = f"/receipts/{receipt}/open"
    # The clerk sees the line in the register but is not the one named on the envelope.
    clerk = call("POST", path, tok("clerk"), {"on": DAY})
    assert clerk.status_code == 403 and clerk.json()["citation"] is None
    hidden(call("POST", path, tok("cadre"), {"on": DAY}))
    invalid(call("POST", path, tok("head"), {"summary": 5, "on": DAY}), "summary")
    opened = call(
        "POST", path, tok("head"), {"doc_type": "Công văn", "summary": "Phối hợp", "on": DAY}
    )
    body = assert_shape("POST", "/receipts/{id}/open", opened)
    assert body["sealed"] is False and body["opened_by"]["id"] == sx.head.pk
    assert body["item"]["summary"] == "Phối hợp"
    assert call("GET", "/sealed-envelopes", tok("head")).json() == []
    invalid(call("POST", path, tok("head"), {"on": DAY}))


def test_opening_a_top_secret_envelope_refuses_a_summary(sx, tok):
    call(
        "POST",
        "/incoming",
        tok("clerk"),
        _incoming_body(sx, level="tuyet_mat", summary="", named_addressee=sx.officer.pk),
    )
    receipt = Receipt.objects.get()
    response = call(
        "POST",
        f"/receipts/{receipt.pk}/open",
        tok("officer"),
        {"summary": TOP_SECRET_SUMMARY, "on": DAY},
    )
    refused(response, rule("register.no_summary_tuyet_mat", ON).citation)
    assert TOP_SECRET_SUMMARY not in response.content.decode()
    assert Receipt.objects.get().sealed


# ---------------------------------------------------------------------------- transfer signature


def test_the_receiver_signs_a_delivery_once(sx, tok, issued):
    item = issued("mat")
    first = item.copies.order_by("number").first()
    sent = call(
        "POST",
        f"/items/{item.pk}/deliveries",
        tok("clerk"),
        {
            "copies": [first.pk],
            "receiving_unit": "Công an tỉnh",
            "receiver_name": "Nguyễn Văn Nhận",
            "on": DAY,
        },
    ).json()
    path = f"/transfers/{sent['id']}/confirm"
    invalid(call("POST", path, tok("clerk"), {"on": DAY}), "receiver_name")
    hidden(call("POST", path, tok("cadre"), {"receiver_name": "Nguyễn Văn Nhận", "on": DAY}))
    signed = call("POST", path, tok("clerk"), {"receiver_name": "Nguyễn Văn Nhận", "on": DAY})
    assert assert_shape("POST", "/transfers/{id}/confirm", signed)["signed"] is True
    assert events("registry.delivery.confirm")[0].actor == f"api:{sx.clerk.user.username}"
    again = call("POST", path, tok("clerk"), {"receiver_name": "Nguyễn Văn Nhận", "on": DAY})
    assert "Đã ký nhận" in invalid(again)["error"]
    before = call("POST", path, tok("clerk"), {"receiver_name": "X", "on": "2026-03-01"})
    assert before.status_code == 422


# ---------------------------------------------------------------------------- departures


def test_departure_recall_commitment_and_close(sx, tok, issued):
    item = issued("mat")
    held = item.copies.order_by("number").first()
    Copy.objects.filter(pk=held.pk).update(custodian=sx.cadre)
    body = {"staff": sx.cadre.pk, "reason": "transfer", "leaves_on": "2026-05-01", "on": DAY}
    opened = call("POST", "/departures", tok("officer"), body)
    dep = assert_shape("POST", "/departures", opened)
    assert dep["outstanding"] == 1 and dep["recall"]
    assert [t["copy"] for t in dep["outstanding_tasks"]] == [held.pk]
    refused(
        call("POST", "/departures", tok("officer"), body), rule("departure.recall", ON).citation
    )
    handover = rule("departure.handover", ON).citation
    close = f"/departures/{dep['id']}/close"
    refused(call("POST", close, tok("officer"), {"on": DAY}), handover)
    task = dep["outstanding_tasks"][0]["id"]
    assert (
        call("POST", f"/recall-tasks/{task}/return", tok("clerk"), {"on": DAY}).status_code == 200
    )
    refused(call("POST", close, tok("officer"), {"on": DAY}), handover)  # no commitment yet
    commit = f"/departures/{dep['id']}/commitment"
    invalid(call("POST", commit, tok("officer"), {"commitment_number": 12}), "commitment_number")
    signed = call("POST", commit, tok("officer"), {"commitment_number": "12/CK", "on": DAY})
    assert assert_shape("POST", "/departures/{id}/commitment", signed)["commitment_on"] == DAY
    closed = call("POST", close, tok("officer"), {"on": DAY})
    done = assert_shape("POST", "/departures/{id}/close", closed)
    assert done["closed_on"] == DAY and done["outstanding"] == 0
    refused(call("POST", close, tok("officer"), {"on": DAY}), handover)
    seen = call("GET", f"/departures/{dep['id']}", tok("clerk"))
    assert assert_shape("GET", "/departures/{id}", seen)["closed_by"]["id"] == sx.officer.pk
    sx.cadre.refresh_from_db()
    assert sx.cadre.left_on == dt.date(2026, 5, 1)


def test_departure_input_duty_and_unknown_ids(sx, tok):
    body = {"staff": sx.cadre.pk, "reason": "transfer", "leaves_on": "2026-05-01", "on": DAY}
    invalid(call("POST", "/departures", tok("officer"), {**body, "reason": "bỏ việc"}), "reason")
    invalid(call("POST", "/departures", tok("officer"), {**body, "staff": 999999}), "staff")
    invalid(call("POST", "/departures", tok("officer"), {**body, "leaves_on": "1/5/2026"}))
    by_clerk = call("POST", "/departures", tok("clerk"), body)
    assert by_clerk.status_code == 403 and by_clerk.json()["citation"] is None
    assert not Departure.objects.exists()
    hidden(call("GET", "/departures/999999", tok("officer")))
    hidden(call("POST", "/departures/999999/close", tok("officer"), {"on": DAY}))


def test_departure_lists_only_the_copies_the_viewer_may_see(sx, tok, issued):
    item = issued("mat")
    Copy.objects.filter(item=item, number=1).update(custodian=sx.cadre)
    dep = call(
        "POST",
        "/departures",
        tok("officer"),
        {"staff": sx.cadre.pk, "reason": "retire", "leaves_on": "2026-05-01", "on": DAY},
    ).json()
    # The drafter wrote the item, so sees the copy still to come back.
    as_drafter = call("GET", f"/departures/{dep['id']}", tok("drafter")).json()
    assert as_drafter["outstanding"] == 1 and len(as_drafter["outstanding_tasks"]) == 1
    hidden_item = issued("tuyet_mat")
    Copy.objects.filter(item=hidden_item, number=1).update(custodian=sx.officer)
    other = call(
        "POST",
        "/departures",
        tok("director"),
        {"staff": sx.officer.pk, "reason": "retire", "leaves_on": "2026-05-01", "on": DAY},
    ).json()
    as_head = call("GET", f"/departures/{other['id']}", tok("head")).json()
    assert as_head["outstanding"] == 1 and as_head["outstanding_tasks"] == []
    assert TOP_SECRET_SUMMARY not in json.dumps(as_head)


# ---------------------------------------------------------------------------- stocktakes


def test_stocktake_marks_every_line_then_closes_with_a_loss_incident(sx, tok, issued):
    item = issued("mat", copies=3)
    started = call("POST", "/stocktakes", tok("officer"), {"unit": sx.division.pk, "on": DAY})
    take = assert_shape("POST", "/stocktakes", started)
    assert take["counts"]["total"] == 3 and take["counts"]["unmarked"] == 3
    lines = assert_shape(
        "GET",
        "/stocktakes/{id}/lines",
        call("GET", f"/stocktakes/{take['id']}/lines", tok("officer")),
    )
    assert sorted(x["copy"] for x in lines) == sorted(item.copies.values_list("pk", flat=True))
    statistics = rule("storage.statistics", ON).citation
    close = f"/stocktakes/{take['id']}/close"
    refused(call("POST", close, tok("officer"), {"on": DAY}), statistics)
    for line, presented in zip(lines, (True, True, False), strict=True):
        marked = call(
            "POST",
            f"/stocktake-lines/{line['id']}/mark",
            tok("officer"),
            {"presented": presented, "note": "" if presented else "Không thấy", "on": DAY},
        )
        assert assert_shape("POST", "/stocktake-lines/{id}/mark", marked)["presented"] is presented
    closed = call("POST", close, tok("officer"), {"on": DAY})
    done = assert_shape("POST", "/stocktakes/{id}/close", closed)
    assert done["closed_on"] == DAY and done["counts"]["missing"] == 1
    assert done["incident"] == Incident.objects.get(stocktake_id=take["id"]).pk
    missing = call("GET", f"/stocktakes/{take['id']}/discrepancies", tok("officer"))
    assert [x["id"] for x in assert_shape("GET", "/stocktakes/{id}/discrepancies", missing)] == [
        lines[2]["id"]
    ]
    late = call(
        "POST", f"/stocktake-lines/{lines[0]['id']}/mark", tok("officer"), {"presented": False}
    )
    refused(late, statistics)
    seen = call("GET", f"/stocktakes/{take['id']}", tok("inspector"))
    assert assert_shape("GET", "/stocktakes/{id}", seen)["counts"]["total"] == 3


def test_stocktake_input_duty_and_the_gate(sx, tok, issued):
    issued("mat")
    invalid(call("POST", "/stocktakes", tok("officer"), {"on": DAY}))
    invalid(call("POST", "/stocktakes", tok("officer"), {"unit": 999999}), "unit")
    by_cadre = call("POST", "/stocktakes", tok("cadre"), {"unit": sx.division.pk})
    assert by_cadre.status_code == 403 and by_cadre.json()["citation"] is None
    take = call("POST", "/stocktakes", tok("officer"), {"unit": sx.division.pk}).json()
    line = Stocktake.objects.get(pk=take["id"]).lines.first()
    path = f"/stocktake-lines/{line.pk}/mark"
    invalid(call("POST", path, tok("officer"), {"presented": "yes"}), "presented")
    hidden(call("POST", path, tok("cadre"), {"presented": True}))
    # The cadre may see the stocktake exists, and none of its lines.
    assert call("GET", f"/stocktakes/{take['id']}/lines", tok("cadre")).json() == []
    assert call("GET", f"/stocktakes/{take['id']}", tok("cadre")).json()["counts"]["total"] == 0
    hidden(call("GET", "/stocktakes/999999", tok("officer")))


# ---------------------------------------------------------------------------- reads


def test_proposals_list_shows_only_what_the_person_may_see(sx, tok):
    mine = _propose(tok("drafter"), sx).json()
    top = _propose(tok("director"), sx, "tuyet_mat", title=TOP_SECRET_SUMMARY).json()
    drafter = call("GET", "/proposals", tok("drafter"))
    assert [p["id"] for p in assert_shape("GET", "/proposals", drafter)["results"]] == [mine["id"]]
    director = call("GET", "/proposals", tok("director")).json()["results"]
    assert [p["id"] for p in director] == [top["id"], mine["id"]]
    assert TOP_SECRET_SUMMARY not in json.dumps(director) and director[0]["title"] is None
    # The division head holds Tối mật: the Tuyệt mật one is not his to see.
    assert [p["id"] for p in call("GET", "/proposals", tok("head")).json()["results"]] == [
        mine["id"]
    ]
    assert call("GET", "/proposals", tok("cadre")).json()["results"] == []
    page = call("GET", "/proposals?limit=1", tok("director")).json()
    rest = call("GET", f"/proposals?limit=1&cursor={page['next_cursor']}", tok("director")).json()
    assert [p["id"] for p in page["results"] + rest["results"]] == [top["id"], mine["id"]]
    assert call("GET", "/proposals?status=approved", tok("director")).json()["results"] == []
    invalid(call("GET", "/proposals?status=done", tok("director")), "status")


def test_an_items_recalls_take_outs_and_grants(sx, tok, issued):
    item = issued("mat")
    first, second = item.copies.order_by("number")[:2]
    call(
        "POST",
        "/hand-overs",
        tok("clerk"),
        {"copies": [first.pk], "to_staff": sx.drafter.pk, "on": DAY},
    )
    call(
        "POST",
        f"/items/{item.pk}/recalls",
        tok("officer"),
        {"due_on": "2026-04-15", "reason": "Hết nhiệm vụ", "on": DAY},
    )
    call(
        "POST",
        f"/copies/{second.pk}/take-outs",
        tok("deputy"),
        {
            "person": sx.drafter.pk,
            "position": "Chuyên viên",
            "unit_name": "Phòng A",
            "purpose": "Họp",
            "place": "Hà Nội",
            "start_on": DAY,
            "due_on": "2026-04-03",
            "protection": "Cặp có khóa",
            "on": DAY,
        },
    )
    call(
        "POST",
        f"/items/{item.pk}/grants",
        tok("officer"),
        {"staff": sx.cadre.pk, "purpose": "Phối hợp", "on": DAY},
    )
    call(
        "POST",
        f"/items/{item.pk}/grants",
        tok("officer"),
        {"staff": sx.inspector.pk, "purpose": "Kiểm tra", "on": DAY},
    )
    recalls = assert_shape(
        "GET", "/items/{id}/recalls", call("GET", f"/items/{item.pk}/recalls", tok("clerk"))
    )
    assert len(recalls) == 1 and recalls[0]["item"] == item.pk and recalls[0]["departure"] is None
    assert [t["copy"] for t in recalls[0]["tasks"]] == [first.pk]
    take_outs = assert_shape(
        "GET", "/items/{id}/take-outs", call("GET", f"/items/{item.pk}/take-outs", tok("clerk"))
    )
    assert [t["copy"] for t in take_outs] == [second.pk]
    grants = assert_shape(
        "GET", "/items/{id}/grants", call("GET", f"/items/{item.pk}/grants", tok("officer"))
    )
    assert {g["staff"]["id"] for g in grants} == {sx.cadre.pk, sx.inspector.pk}
    # Who else may read it is for those who manage access: the cadre sees their own grant only.
    own = call("GET", f"/items/{item.pk}/grants", tok("cadre")).json()
    assert [g["staff"]["id"] for g in own] == [sx.cadre.pk]
    other = issued("mat")
    for tail in ("recalls", "take-outs", "grants"):
        hidden(call("GET", f"/items/{other.pk}/{tail}", tok("cadre")))
        hidden(call("GET", f"/items/999999/{tail}", tok("cadre")))


def test_deadlines_list_each_due_list_through_the_gate(sx, tok, issued):
    # Its last day to decide an extension (21/03) has passed; the period runs to 20/05.
    soon = set_period(issued("mat"), dt.date(2026, 5, 20), dt.date(2016, 5, 20))
    lapsed = set_period(issued("mat"), dt.date(2026, 3, 1), dt.date(2016, 3, 1))
    early = dt.date(2026, 3, 10)
    recalled = issued("mat", on=early)
    first = recalled.copies.order_by("number").first()
    call(
        "POST",
        "/hand-overs",
        tok("clerk"),
        {"copies": [first.pk], "to_staff": sx.drafter.pk, "on": "2026-03-20"},
    )
    call(
        "POST",
        f"/items/{recalled.pk}/recalls",
        tok("officer"),
        {"due_on": "2026-03-25", "on": "2026-03-20"},
    )
    out = issued("mat", on=early)
    out_copy = out.copies.order_by("number").first()
    call(
        "POST",
        f"/copies/{out_copy.pk}/take-outs",
        tok("deputy"),
        {
            "person": sx.drafter.pk,
            "position": "Chuyên viên",
            "unit_name": "Phòng A",
            "purpose": "Họp",
            "place": "Hà Nội",
            "start_on": "2026-03-20",
            "due_on": "2026-03-22",
            "protection": "Cặp có khóa",
            "on": "2026-03-20",
        },
    )
    response = call("GET", f"/deadlines?on={DAY}", tok("clerk"))
    lists = assert_shape("GET", "/deadlines", response)
    assert lists["on"] == DAY
    assert [r["item"]["id"] for r in lists["extensions"]["results"]] == [soon.pk]
    assert lists["extensions"]["results"][0]["decision_overdue"] is True
    assert [r["item"]["id"] for r in lists["lapsed"]["results"]] == [lapsed.pk]
    assert [r["task"]["copy"] for r in lists["recalls"]["results"]] == [first.pk]
    assert [r["take_out"]["copy"] for r in lists["take_outs"]["results"]] == [out_copy.pk]
    cadre = call("GET", f"/deadlines?on={DAY}", tok("cadre")).json()
    for key in ("extensions", "lapsed", "notices", "take_outs", "recalls"):
        assert cadre[key] == {"count": 0, "results": []}
    limited = call("GET", f"/deadlines?on={DAY}&limit=1&within_days=0", tok("clerk")).json()
    assert limited["lapsed"]["count"] == 1 and limited["extensions"]["results"][0]["item"]["id"]
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "chưa đến" in invalid(call("GET", f"/deadlines?on={future}", tok("clerk")))["error"]
    invalid(call("GET", "/deadlines?within_days=abc", tok("clerk")), "within_days")
    invalid(call("GET", "/deadlines?on=2026-02-30", tok("clerk")), "on")
