"""The JSON API (/api/v1/): the description made from the route table, token and session
authentication, the mapping of refusals to answers, and the need-to-know gate behind every read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from bmnn.people.selectors import authority
from bmnn.registry.models import Copy, Proposal, RecallTask, SecretItem
from bmnn.registry.rulebook import rule
from bmnn.rules import load_rulebook
from bmnn.web import ledger
from bmnn.web.api import tokens
from bmnn.web.api.schema import ROUTES, SCHEMAS, Problems, check
from bmnn.web.models import ApiToken
from tests.registry import conftest as registry_fixtures
from tests.registry.conftest import ON

# The registry's agency and its items, and its fast password hasher (autouse), bound here so
# that pytest finds them for this module without touching tests/web/conftest.py.
sx = registry_fixtures.sx
issued = registry_fixtures.issued
_fast_passwords = registry_fixtures._fast_passwords

BASE = "/api/v1"
TOP_SECRET_SUMMARY = "Kế hoạch phòng thủ XYZ-TUYỆT-MẬT"


def token_for(staff, **extra) -> str:
    return tokens.issue_token("user:test", staff, label="Phần mềm thử", **extra)[1]


def call(method, path, token=None, body=None, client=None, raw=None, **extra):
    client = client or Client()
    if token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    kwargs = {}
    if body is not None or raw is not None:
        kwargs["data"] = raw if raw is not None else json.dumps(body)
        kwargs["content_type"] = extra.pop("content_type", "application/json")
    return getattr(client, method.lower())(BASE + path, **kwargs, **extra)


def route_of(method: str, path: str):
    return next(r for r in ROUTES if r.method == method and r.path == path)


def assert_shape(method: str, path: str, response) -> dict:
    """The answer matches the response schema its route declares."""
    route = route_of(method, path)
    assert response.status_code == route.status, response.content.decode()
    data = response.json()
    problems = Problems()
    check(route.response, data, "", problems)
    assert problems.details == []
    return data


def events(action: str):
    return [e for e in ledger.recent(500) if e.action == action]


@pytest.fixture
def tok(sx):
    """Tokens of the agency's people, made on first use."""
    made = {}

    def get(name: str) -> str:
        if name not in made:
            made[name] = token_for(getattr(sx, name))
        return made[name]

    return get


def _propose(token, sx, level="mat", **extra):
    body = {
        "title": "Kế hoạch thử",
        "level": level,
        "catalogue_item": sx.items[level].pk,
        "recipients_text": "Phòng A; Lưu VT",
        "copies": 2,
        "copy_allowed": True,
        "on": ON.isoformat(),
    }
    body.update(extra)
    return call("POST", "/proposals", token, body)


def _draft(sx, tok, level="mat"):
    """An approved, not yet registered item."""
    drafter = "drafter" if level != "tuyet_mat" else "director"
    extra = {"title": TOP_SECRET_SUMMARY} if level == "tuyet_mat" else {}
    proposal = _propose(tok(drafter), sx, level, **extra).json()
    decided = call(
        "POST",
        f"/proposals/{proposal['id']}/decision",
        tok("director"),
        {"approve": True, "on": ON.isoformat()},
    ).json()
    return SecretItem.objects.get(pk=decided["item"])


# ---------------------------------------------------------------------------- description


def test_openapi_document_lists_every_route_of_the_table(sx, tok):
    doc = call("GET", "/openapi.json", tok("clerk")).json()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    assert {"bearerToken", "session"} <= set(doc["components"]["securitySchemes"])
    declared = {(r.method.lower(), r.path) for r in ROUTES}
    listed = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert listed == declared
    assert len(declared) >= 20
    text = json.dumps(doc)
    for name in SCHEMAS:
        assert name in doc["components"]["schemas"]
    # Every $ref points at a schema that exists.
    for chunk in text.split('"$ref": "')[1:]:
        target = chunk.split('"', 1)[0]
        assert target.removeprefix("#/components/schemas/") in doc["components"]["schemas"]
    for r in ROUTES:
        op = doc["paths"][r.path][r.method.lower()]
        assert op["summary"] and op["operationId"] == r.name
        assert str(r.status) in op["responses"]
        assert ("requestBody" in op) == (r.request is not None)
        # The URLconf serves exactly this path.
        concrete = BASE + r.path.replace("{id}", "1")
        assert resolve(concrete).func.__name__.startswith("api_")


def test_unknown_method_is_405_with_allow(sx, tok):
    response = call("DELETE", "/items", tok("clerk"))
    assert response.status_code == 405
    assert response["Allow"] == "GET"


# ---------------------------------------------------------------------------- authentication


def test_without_credentials_the_answer_is_401_json(db):
    response = call("GET", "/items")
    assert response.status_code == 401
    assert "error" in response.json()
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_is_stored_only_as_its_hash_and_issuing_is_in_the_ledger(sx):
    row, raw = tokens.issue_token("user:admin", sx.clerk, label="Máy quét", lifetime_days=30)
    assert len(raw) >= 43
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert raw not in json.dumps(stored, default=str)
    issued_events = events("web.api_token.issue")
    assert issued_events and issued_events[0].object == f"web.ApiToken:{row.pk}"
    assert raw not in issued_events[0].payload
    assert row.expires_at - row.created_at == dt.timedelta(days=30)


def test_token_authenticates_and_acts_as_api_user(sx, tok, issued):
    item = issued("mat")
    response = call("GET", f"/items/{item.pk}", tok("clerk"))
    assert response.status_code == 200
    assert assert_shape("GET", "/items/{id}", response)["id"] == item.pk
    _propose(tok("drafter"), sx)
    assert events("registry.proposal.create")[0].actor == f"api:{sx.drafter.user.username}"


def test_expired_revoked_wrong_and_malformed_tokens_are_401(sx):
    past = timezone.now() - dt.timedelta(days=10)
    expired = tokens.issue_token("user:t", sx.clerk, label="cũ", lifetime_days=1, now=past)[1]
    row, revoked = tokens.issue_token("user:t", sx.clerk, label="thu hồi")
    tokens.revoke_token("user:admin", row, reason="Máy bị mất")
    assert events("web.api_token.revoke")[0].payload.find("Máy bị mất") >= 0
    for bad in (expired, revoked, revoked + "x", "khong-dung"):
        response = call("GET", "/items", bad)
        assert response.status_code == 401, bad
        assert "error" in response.json()
    assert call("GET", "/items", HTTP_AUTHORIZATION="Basic dTpw").status_code == 401
    with pytest.raises(ValidationError):
        tokens.revoke_token("user:admin", row)


def test_a_bad_token_does_not_fall_back_to_the_session(sx):
    client = Client()
    client.force_login(sx.clerk.user)
    assert call("GET", "/items", client=client).status_code == 200
    assert call("GET", "/items", "sai-ma", client=client).status_code == 401


def test_token_of_a_departed_person_stops_working(sx, tok):
    raw = tok("cadre")
    assert call("GET", "/counts", raw).status_code == 200
    sx.cadre.left_on = timezone.localdate()
    sx.cadre.save()
    assert call("GET", "/counts", raw).status_code == 401
    with pytest.raises(ValidationError):
        tokens.issue_token("user:t", sx.cadre, label="mới")


def test_token_lifetime_is_bounded(sx):
    with pytest.raises(ValidationError):
        tokens.issue_token("user:t", sx.clerk, label="dài", lifetime_days=366)
    with pytest.raises(ValidationError):
        tokens.issue_token("user:t", sx.clerk, label=" ")
    assert tokens.revoke_all("user:t", sx.clerk, reason="Chuyển công tác") == 0
    tokens.issue_token("user:t", sx.clerk, label="một")
    tokens.issue_token("user:t", sx.clerk, label="hai")
    assert tokens.revoke_all("user:t", sx.clerk, reason="Chuyển công tác") == 2
    assert all(t.revoked_at for t in tokens.tokens_of(sx.clerk))


def test_session_post_needs_csrf_and_token_post_does_not(sx, tok):
    client = Client(enforce_csrf_checks=True)
    client.get("/dang-nhap/")  # sets the CSRF cookie, as the browser gets it
    client.force_login(sx.drafter.user)
    assert call("GET", "/counts", client=client).status_code == 200
    refused = _post_proposal(client, sx)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    assert not Proposal.objects.exists()
    csrf = client.cookies["csrftoken"].value
    accepted = _post_proposal(client, sx, HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201, accepted.content
    assert events("registry.proposal.create")[0].actor == f"user:{sx.drafter.user.username}"
    # A token request needs no CSRF token even from a client that enforces it.
    other = Client(enforce_csrf_checks=True)
    assert (
        _post_proposal(other, sx, HTTP_AUTHORIZATION=f"Bearer {tok('drafter')}").status_code == 201
    )


def _post_proposal(client, sx, **extra):
    body = {
        "title": "Kế hoạch thử",
        "level": "mat",
        "catalogue_item": sx.items["mat"].pk,
        "recipients_text": "Lưu VT",
        "copies": 1,
        "copy_allowed": False,
        "on": ON.isoformat(),
    }
    return call("POST", "/proposals", body=body, client=client, **extra)


def test_administrator_without_staff_record_sees_nothing_and_changes_nothing(sx, issued):
    issued("mat")
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("quantri-api", "", "Khong-Doan-2026")
    client = Client()
    client.force_login(admin)
    assert call("GET", "/items", client=client).json()["results"] == []
    assert call("GET", "/counts", client=client).json() == {"tuyet_mat": 0, "toi_mat": 0, "mat": 0}
    response = _post_proposal(client, sx)
    assert response.status_code == 403
    assert response.json()["citation"] is None


# ---------------------------------------------------------------------------- classification


def test_proposal_and_decision_through_the_api(sx, tok):
    created = _propose(tok("drafter"), sx, "toi_mat")
    proposal = assert_shape("POST", "/proposals", created)
    assert proposal["status"] == "pending" and proposal["title"] == "Kế hoạch thử"
    seen = call("GET", f"/proposals/{proposal['id']}", tok("director"))
    assert assert_shape("GET", "/proposals/{id}", seen)["id"] == proposal["id"]
    decided = call(
        "POST",
        f"/proposals/{proposal['id']}/decision",
        tok("director"),
        {"approve": True, "on": ON.isoformat()},
    )
    body = assert_shape("POST", "/proposals/{id}/decision", decided)
    assert body["status"] == "approved" and body["citation"] == "Luật 117/2025/QH15, Điều 10"
    item = SecretItem.objects.get(pk=body["item"])
    assert item.level == "toi_mat" and item.status == SecretItem.Status.DRAFT


def test_proposal_without_catalogue_item_is_403_citing_article_5(sx, tok):
    response = _propose(tok("drafter"), sx, catalogue_item=None)
    assert response.status_code == 403
    assert response.json() == {
        "error": response.json()["error"],
        "citation": "Luật 117/2025/QH15, Điều 5, khoản 1",
    }
    assert not Proposal.objects.exists()


def test_division_head_decision_is_403_citing_article_10(sx, tok):
    proposal = _propose(tok("drafter"), sx).json()
    response = call(
        "POST",
        f"/proposals/{proposal['id']}/decision",
        tok("head"),
        {"approve": True, "on": ON.isoformat()},
    )
    assert response.status_code == 403
    assert response.json()["citation"] == "Luật 117/2025/QH15, Điều 10"
    assert Proposal.objects.get(pk=proposal["id"]).status == Proposal.Status.PENDING


def test_proposal_of_another_person_is_404_for_an_ordinary_cadre(sx, tok):
    proposal = _propose(tok("drafter"), sx).json()
    hidden = call("GET", f"/proposals/{proposal['id']}", tok("cadre"))
    missing = call("GET", "/proposals/999999", tok("cadre"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


# ---------------------------------------------------------------------------- registers


def _register_body(**extra):
    body = {
        "number_symbol": "12/KH-STN",
        "doc_type": "Kế hoạch",
        "signer": "Giám Đốc",
        "on": ON.isoformat(),
    }
    body.update(extra)
    return body


def test_register_outgoing_creates_the_line_and_the_copies(sx, tok):
    item = _draft(sx, tok, "mat")
    response = call("POST", f"/items/{item.pk}/register-outgoing", tok("clerk"), _register_body())
    entry = assert_shape("POST", "/items/{id}/register-outgoing", response)
    assert entry["number"] == 1 and entry["item"]["id"] == item.pk and entry["copies"] == 2
    copies = call("GET", f"/items/{item.pk}/copies", tok("clerk"))
    listed = assert_shape("GET", "/items/{id}/copies", copies)
    assert [(c["number"], c["of_total"]) for c in listed] == [(1, 2), (2, 2)]
    assert events("registry.outgoing.register")[0].actor == f"api:{sx.clerk.user.username}"


def test_register_outgoing_with_a_top_secret_summary_is_403_citing_the_rule(sx, tok):
    item = _draft(sx, tok, "tuyet_mat")
    response = call(
        "POST",
        f"/items/{item.pk}/register-outgoing",
        tok("clerk"),
        _register_body(summary="Nội dung tóm tắt"),
    )
    assert response.status_code == 403
    assert response.json()["citation"] == rule("register.no_summary_tuyet_mat", ON).citation
    item.refresh_from_db()
    assert item.status == SecretItem.Status.DRAFT


def test_register_outgoing_by_a_drafter_is_403_without_citation(sx, tok):
    item = _draft(sx, tok, "mat")
    response = call("POST", f"/items/{item.pk}/register-outgoing", tok("drafter"), _register_body())
    assert response.status_code == 403
    assert response.json()["citation"] is None


def _incoming_body(sx, **extra):
    body = {
        "issuer": "Bộ Công an",
        "number_symbol": "77/BCA-A05",
        "document_date": "2026-03-30",
        "doc_type": "Công văn",
        "summary": "Về việc kiểm tra",
        "level": "mat",
        "receiving_unit": sx.office.pk,
        "copies": 1,
        "on": ON.isoformat(),
    }
    body.update(extra)
    return body


def test_register_incoming(sx, tok):
    response = call("POST", "/incoming", tok("clerk"), _incoming_body(sx))
    entry = assert_shape("POST", "/incoming", response)
    item = SecretItem.objects.get(pk=entry["item"]["id"])
    assert item.origin == SecretItem.Origin.INCOMING and item.number_symbol == "77/BCA-A05"


def test_register_incoming_named_envelope_with_summary_is_403_citing_the_rule(sx, tok):
    response = call(
        "POST", "/incoming", tok("clerk"), _incoming_body(sx, named_addressee=sx.director.pk)
    )
    assert response.status_code == 403
    assert response.json()["citation"] == rule("receipt.named_envelope", ON).citation


def test_a_person_of_another_agency_is_422_naming_the_field(sx, tok):
    response = call("POST", "/incoming", tok("clerk"), _incoming_body(sx, receiving_unit=999999))
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "receiving_unit"


# ---------------------------------------------------------------------------- movements


def test_copy_order_with_delegated_authority_and_refusal_when_not_allowed(sx, tok, issued):
    item = issued("mat", copy_allowed=True)
    body = {
        "requester": sx.drafter.pk,
        "authoriser": sx.deputy.pk,
        "form": "sao_y",
        "count": 2,
        "on": ON.isoformat(),
    }
    response = call("POST", f"/items/{item.pk}/copy-orders", tok("clerk"), body)
    order = assert_shape("POST", "/items/{id}/copy-orders", response)
    assert (order["first_number"], order["last_number"]) == (1, 2)
    assert Copy.objects.filter(item=item, form="sao_y").count() == 2
    closed = issued("mat", copy_allowed=False)
    refused = call("POST", f"/items/{closed.pk}/copy-orders", tok("clerk"), body)
    assert refused.status_code == 403
    assert refused.json()["citation"] == rule("copy.not_allowed", ON).citation


def test_delivery_and_the_envelope_rule(sx, tok, issued):
    item = issued("mat")
    first = item.copies.order_by("number").first()
    body = {
        "copies": [first.pk],
        "receiving_unit": "Công an tỉnh",
        "receiver_name": "Nguyễn Văn Nhận",
        "on": ON.isoformat(),
    }
    response = call("POST", f"/items/{item.pk}/deliveries", tok("clerk"), body)
    done = assert_shape("POST", "/items/{id}/deliveries", response)
    assert done["copies"] == [first.pk] and done["envelopes"] == 1
    top = issued("tuyet_mat")
    one = top.copies.order_by("number").first()
    refused = call(
        "POST",
        f"/items/{top.pk}/deliveries",
        tok("clerk"),
        {**body, "copies": [one.pk], "envelopes": 1},
    )
    assert refused.status_code == 403
    assert refused.json()["citation"] == rule("envelope.packing", ON).citation


def test_recall_after_a_hand_over_and_the_return(sx, tok, issued):
    item = issued("mat")
    first = item.copies.order_by("number").first()
    handed = call(
        "POST",
        "/hand-overs",
        tok("clerk"),
        {"copies": [first.pk], "to_staff": sx.drafter.pk, "on": ON.isoformat()},
    )
    assert_shape("POST", "/hand-overs", handed)
    body = {"due_on": "2026-04-15", "reason": "Hết nhiệm vụ", "on": ON.isoformat()}
    response = call("POST", f"/items/{item.pk}/recalls", tok("officer"), body)
    recall = assert_shape("POST", "/items/{id}/recalls", response)
    assert [t["copy"] for t in recall["tasks"]] == [first.pk]
    second = call("POST", f"/items/{item.pk}/recalls", tok("officer"), body)
    assert second.status_code == 403
    assert second.json()["citation"] == rule("recall.return", ON).citation
    task = recall["tasks"][0]["id"]
    back = call("POST", f"/recall-tasks/{task}/return", tok("clerk"), {"on": "2026-04-10"})
    assert assert_shape("POST", "/recall-tasks/{id}/return", back)["late"] is False
    assert RecallTask.objects.get(pk=task).returned_on == dt.date(2026, 4, 10)


def test_take_out_by_delegated_deputy_refused_for_division_head(sx, tok, issued):
    item = issued("mat")
    first = item.copies.order_by("number").first()
    body = {
        "person": sx.drafter.pk,
        "position": "Chuyên viên",
        "unit_name": "Phòng A",
        "purpose": "Họp",
        "place": "Hà Nội",
        "start_on": "2026-04-01",
        "due_on": "2026-04-03",
        "protection": "Cặp có khóa, mang theo người",
        "on": ON.isoformat(),
    }
    refused = call("POST", f"/copies/{first.pk}/take-outs", tok("head"), body)
    assert refused.status_code == 403
    assert refused.json()["citation"] == authority(sx.head, "take_out_domestic", "mat", ON).citation
    response = call("POST", f"/copies/{first.pk}/take-outs", tok("deputy"), body)
    row = assert_shape("POST", "/copies/{id}/take-outs", response)
    assert row["status"] == "approved"
    back = call(
        "POST",
        f"/take-outs/{row['id']}/return",
        tok("clerk"),
        {"report": "Đã dùng tại cuộc họp, không sao chụp.", "on": "2026-04-03"},
    )
    assert assert_shape("POST", "/take-outs/{id}/return", back)["status"] == "returned"
    no_report = call(
        "POST", f"/take-outs/{row['id']}/return", tok("clerk"), {"report": " ", "on": "2026-04-03"}
    )
    assert no_report.status_code in (403, 422)


def test_grant_lets_a_cadre_see_the_item_and_revoke_hides_it(sx, tok, issued):
    item = issued("mat")
    assert call("GET", f"/items/{item.pk}", tok("cadre")).status_code == 404
    response = call(
        "POST",
        f"/items/{item.pk}/grants",
        tok("officer"),
        {"staff": sx.cadre.pk, "purpose": "Phối hợp thực hiện", "on": ON.isoformat()},
    )
    row = assert_shape("POST", "/items/{id}/grants", response)
    assert call("GET", f"/items/{item.pk}", tok("cadre")).status_code == 200
    assert call("GET", "/counts", tok("cadre")).json()["mat"] == 1
    # Every field optional: no body at all is an empty object.
    revoked = call("POST", f"/grants/{row['id']}/revoke", tok("officer"), raw="")
    assert assert_shape("POST", "/grants/{id}/revoke", revoked)["revoked_on"]
    assert call("GET", f"/items/{item.pk}", tok("cadre")).status_code == 404


def test_provision_decided_by_one_without_authority_is_403_with_its_citation(sx, tok, issued):
    item = issued("mat")
    body = {
        "foreign": False,
        "requester_is_person": False,
        "requester_name": "Sở Tư pháp",
        "representative": "Trần Văn Đại Diện",
        "purpose": "Phối hợp xây dựng văn bản",
        "commitment": "Cam kết bảo vệ bí mật nhà nước",
        "requested_on": "2026-03-30",
        "approve": True,
        "on": ON.isoformat(),
    }
    # The drafter sees the item (they wrote it) but holds no authority to provide it.
    refused = call("POST", f"/items/{item.pk}/provisions", tok("drafter"), body)
    assert refused.status_code == 403
    expected = authority(sx.drafter, "provide_domestic", "mat", ON).citation
    assert expected and refused.json()["citation"] == expected
    response = call("POST", f"/items/{item.pk}/provisions", tok("director"), body)
    assert assert_shape("POST", "/items/{id}/provisions", response)["status"] == "approved"


def test_extension_beyond_the_limit_is_403_citing_the_limit(sx, tok, issued):
    item = issued("mat")
    limit, citation = load_rulebook().extension_limit_years("mat", timezone.localdate())
    body = {"years": limit + 1, "document_number": "5/QĐ-STN"}
    refused = call("POST", f"/items/{item.pk}/extensions", tok("director"), body)
    assert refused.status_code == 403
    assert refused.json()["citation"] == citation
    response = call(
        "POST", f"/items/{item.pk}/extensions", tok("director"), {**body, "years": limit}
    )
    assert assert_shape("POST", "/items/{id}/extensions", response)["years"] == limit


# ---------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("{not json", None),
        ("[1, 2]", None),
        (json.dumps({"copies": "3"}), "copies"),
        (json.dumps({"on": "2026-13-01"}), "on"),
        (json.dumps({"on": "01/04/2026"}), "on"),
        (json.dumps({"copy_allowed": "yes"}), "copy_allowed"),
        (json.dumps({"surprise": 1}), "surprise"),
        (json.dumps({"level": "bi_mat"}), "level"),
    ],
)
def test_malformed_input_is_422_with_details(sx, tok, raw, field):
    base = {
        "title": "Kế hoạch thử",
        "level": "mat",
        "catalogue_item": sx.items["mat"].pk,
        "recipients_text": "Lưu VT",
        "copies": 1,
        "copy_allowed": False,
    }
    if raw.startswith("{") and not raw.startswith("{not"):
        raw = json.dumps({**base, **json.loads(raw)})
    response = call("POST", "/proposals", tok("drafter"), raw=raw)
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["error"] and data["citation"] is None and data["details"]
    if field is not None:
        assert field in {d["field"] for d in data["details"]}
    assert not Proposal.objects.exists()


def test_missing_field_and_future_date_are_422(sx, tok):
    missing = call("POST", "/proposals", tok("drafter"), {"title": "x"})
    assert missing.status_code == 422
    assert "level" in {d["field"] for d in missing.json()["details"]}
    future = _propose(
        tok("drafter"), sx, on=(timezone.localdate() + dt.timedelta(days=1)).isoformat()
    )
    assert future.status_code == 422
    assert "chưa đến" in future.json()["error"]


def test_body_that_is_not_json_is_415_and_too_large_is_413(sx, tok):
    form = call("POST", "/proposals", tok("drafter"), raw="a=1", content_type="text/plain")
    assert form.status_code == 415
    huge = json.dumps({"title": "x" * (1024 * 1024 + 10)})
    assert call("POST", "/proposals", tok("drafter"), raw=huge).status_code == 413


def test_bad_query_parameters_are_422(sx, tok):
    for query in ("?limit=201", "?limit=0", "?limit=abc", "?cursor=-3", "?level=x", "?foo=1"):
        response = call("GET", "/items" + query, tok("clerk"))
        assert response.status_code == 422, query
        assert response.json()["details"]


# ---------------------------------------------------------------------------- the gate


def test_hidden_item_answers_exactly_like_a_missing_one(sx, tok, issued):
    item = issued("mat")
    for path in (f"/items/{item.pk}", f"/items/{item.pk}/copies"):
        hidden = call("GET", path, tok("cadre"))
        missing = call("GET", path.replace(str(item.pk), "999999"), tok("cadre"))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content == '{"error": "Không tìm thấy."}'.encode()
    draft = _draft(sx, tok, "mat")
    hidden = call("POST", f"/items/{draft.pk}/register-outgoing", tok("cadre"), _register_body())
    missing = call("POST", "/items/999999/register-outgoing", tok("cadre"), _register_body())
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_lists_counts_entries_and_search_never_include_hidden_items(sx, tok, issued):
    items = [issued("mat"), issued("toi_mat"), issued("tuyet_mat")]
    everything = call("GET", "/items", tok("clerk")).json()["results"]
    assert {i["id"] for i in everything} == {i.pk for i in items}
    # The drafter wrote the Mật and Tối mật ones; the director wrote the Tuyệt mật one.
    drafter = call("GET", "/items", tok("drafter")).json()["results"]
    assert {i["id"] for i in drafter} == {items[0].pk, items[1].pk}
    assert call("GET", "/counts", tok("drafter")).json() == {"tuyet_mat": 0, "toi_mat": 1, "mat": 1}
    assert call("GET", "/items", tok("cadre")).json()["results"] == []
    assert call("GET", "/counts", tok("cadre")).json() == {"tuyet_mat": 0, "toi_mat": 0, "mat": 0}
    assert call("GET", "/items?level=toi_mat", tok("clerk")).json()["results"][0]["id"] == (
        items[1].pk
    )
    books = assert_shape("GET", "/registers", call("GET", "/registers", tok("cadre")))
    outgoing = next(b for b in books if b["kind"] == "outgoing")
    assert "last_number" not in outgoing
    lines = call("GET", f"/registers/{outgoing['id']}/entries", tok("cadre"))
    assert assert_shape("GET", "/registers/{id}/entries", lines)["results"] == []
    lines = call("GET", f"/registers/{outgoing['id']}/entries", tok("drafter")).json()["results"]
    assert {e["item"]["id"] for e in lines} == {items[0].pk, items[1].pk}
    found = call("GET", "/search?q=bao cao thu", tok("clerk"))
    assert {i["id"] for i in assert_shape("GET", "/search", found)} == {items[0].pk, items[1].pk}
    assert call("GET", "/search?q=bao cao thu", tok("cadre")).json() == []


def test_pagination_by_cursor(sx, tok, issued):
    made = [issued("mat") for _ in range(3)]
    first = call("GET", "/items?limit=2", tok("clerk"))
    page = assert_shape("GET", "/items", first)
    assert [i["id"] for i in page["results"]] == [made[2].pk, made[1].pk]
    second = call("GET", f"/items?limit=2&cursor={page['next_cursor']}", tok("clerk")).json()
    assert [i["id"] for i in second["results"]] == [made[0].pk]
    assert second["next_cursor"] is None
    book = call("GET", "/registers?kind=outgoing", tok("clerk")).json()[0]["id"]
    lines = call("GET", f"/registers/{book}/entries?limit=2", tok("clerk")).json()
    rest = call(
        "GET", f"/registers/{book}/entries?limit=2&cursor={lines['next_cursor']}", tok("clerk")
    ).json()
    assert [e["number"] for e in lines["results"] + rest["results"]] == [1, 2, 3]


def test_a_top_secret_summary_never_appears_in_any_answer(sx, tok):
    proposal = _propose(tok("director"), sx, "tuyet_mat", title=TOP_SECRET_SUMMARY)
    answers = [proposal]
    pid = proposal.json()["id"]
    answers.append(call("GET", f"/proposals/{pid}", tok("director")))
    answers.append(
        call(
            "POST",
            f"/proposals/{pid}/decision",
            tok("director"),
            {"approve": True, "on": ON.isoformat()},
        )
    )
    item_id = answers[-1].json()["item"]
    answers.append(
        call("POST", f"/items/{item_id}/register-outgoing", tok("clerk"), _register_body())
    )
    answers.append(call("GET", f"/items/{item_id}", tok("clerk")))
    answers.append(call("GET", "/items", tok("clerk")))
    book = call("GET", "/registers?kind=outgoing", tok("clerk")).json()[0]["id"]
    answers.append(call("GET", f"/registers/{book}/entries", tok("clerk")))
    answers.append(call("GET", "/search?q=XYZ", tok("clerk")))
    answers.append(call("GET", "/search?q=ke hoach phong thu", tok("director")))
    for response in answers:
        assert response.status_code in (200, 201), response.content
        assert "XYZ" not in response.content.decode()
        assert "phòng thủ" not in response.content.decode()
    assert answers[4].json()["summary"] is None
