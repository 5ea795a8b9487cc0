"""API handlers for what happens to registered items: copying, delivery and hand-over, taking
out and return, need-to-know grants, provision, extension. Same pattern as views.py: the caller
is the acting person of the service, other people and copies are looked up in the caller's
agency or through the gate."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404

from bmnn.registry import selectors
from bmnn.registry.models import (
    Copy,
    CopyOrder,
    Grant,
    LifecycleDecision,
    Provision,
    TakeOut,
    Transfer,
)
from bmnn.registry.services import access, copying, delivery, lifecycle, provision, takeout
from bmnn.web.api.dispatch import Call
from bmnn.web.api.schema import array_of, component, route
from bmnn.web.api.serializers import (
    BOOL,
    DATE,
    INT,
    NULL_DATE,
    NULL_INT,
    PERSON,
    STR,
    obj_schema,
    person,
)
from bmnn.web.api.views import ON, OPTIONAL_ID, body_schema, colleague, copies_for, text

ID = {"type": "integer", "minimum": 1}
IDS = {"type": "array", "items": ID, "maxItems": 1000}
NULL_PERSON = {"oneOf": [PERSON, {"type": "null"}]}
STAMP = {"citation": STR, "rule_id": STR, "confidence": STR}


def _date(value):
    return value.isoformat() if value else None


def _stamp(row) -> dict:
    return {"citation": row.citation, "rule_id": row.rule_id, "confidence": row.confidence}


def _visible(model, staff, pk: int):
    """A row about an item, found only if the item passes the gate (else 404)."""
    found = model.objects.filter(pk=pk, item__in=selectors.visible_items(staff)).first()
    if found is None:
        raise Http404
    return found


def _gate_copies(staff, ids: list[int], field: str = "copies") -> list[Copy]:
    found = list(Copy.objects.filter(pk__in=ids, item__in=selectors.visible_items(staff)))
    if len(found) != len(set(ids)):
        missing = sorted(set(ids) - {c.pk for c in found})
        raise ValidationError({field: ["Không có bản số: " + ", ".join(map(str, missing)) + "."]})
    return found


# ---------------------------------------------------------------------------- shapes

COPY_ORDER = component(
    "CopyOrder",
    obj_schema(
        {
            "id": INT,
            "item": INT,
            "form": {"type": "string", "enum": Copy.Form.values},
            "count": INT,
            "first_number": NULL_INT,
            "last_number": NULL_INT,
            "spoiled": INT,
            "ordered_on": DATE,
            "requester": PERSON,
            "authoriser": PERSON,
            "copier": PERSON,
            "register_number": NULL_INT,
            **STAMP,
        },
        "Lệnh sao, chụp và dòng của nó trong Sổ quản lý sao, chụp.",
    ),
)


def copy_order(o: CopyOrder) -> dict:
    return {
        "id": o.pk,
        "item": o.item_id,
        "form": o.form,
        "count": o.count,
        "first_number": o.first_number,
        "last_number": o.last_number,
        "spoiled": o.spoiled,
        "ordered_on": _date(o.ordered_on),
        "requester": person(o.requester),
        "authoriser": person(o.authoriser),
        "copier": person(o.copier),
        "register_number": o.entry.number if o.entry_id else None,
        **_stamp(o),
    }


TRANSFER = component(
    "Transfer",
    obj_schema(
        {
            "id": INT,
            "item": INT,
            "copies": array_of(INT),
            "transferred_on": DATE,
            "internal": BOOL,
            "envelopes": INT,
            "receiving_unit": STR,
            "receiver_name": STR,
            "receiver": NULL_PERSON,
            "sender": PERSON,
            "signed": BOOL,
            "register_number": NULL_INT,
            **STAMP,
        },
        "Một lần giao hoặc bàn giao nội bộ, dòng của Sổ chuyển giao BMNN.",
    ),
)


def transfer(t: Transfer) -> dict:
    return {
        "id": t.pk,
        "item": t.item_id,
        "copies": sorted(c.pk for c in t.copies.all()),
        "transferred_on": _date(t.transferred_on),
        "internal": t.internal,
        "envelopes": t.envelopes,
        "receiving_unit": t.receiving_unit,
        "receiver_name": t.receiver_name,
        "receiver": person(t.receiver),
        "sender": person(t.sender),
        "signed": t.signed,
        "register_number": t.entry.number if t.entry_id else None,
        **_stamp(t),
    }


TAKE_OUT = component(
    "TakeOut",
    obj_schema(
        {
            "id": INT,
            "item": INT,
            "copy": INT,
            "person": PERSON,
            "abroad": BOOL,
            "place": STR,
            "start_on": DATE,
            "due_on": DATE,
            "status": {"type": "string", "enum": TakeOut.Status.values},
            "decided_by": PERSON,
            "decided_on": NULL_DATE,
            "refusal_reason": STR,
            "returned_on": NULL_DATE,
            **STAMP,
        },
        "Việc mang tài liệu ra khỏi nơi lưu giữ: đề nghị, quyết định, nộp lại.",
    ),
)


def take_out(t: TakeOut) -> dict:
    return {
        "id": t.pk,
        "item": t.item_id,
        "copy": t.copy_id,
        "person": person(t.person),
        "abroad": t.abroad,
        "place": t.place,
        "start_on": _date(t.start_on),
        "due_on": _date(t.due_on),
        "status": t.status,
        "decided_by": person(t.decided_by),
        "decided_on": _date(t.decided_on),
        "refusal_reason": t.refusal_reason,
        "returned_on": _date(t.returned_on),
        **_stamp(t),
    }


GRANT = component(
    "Grant",
    obj_schema(
        {
            "id": INT,
            "item": INT,
            "staff": PERSON,
            "source": {"type": "string", "enum": Grant.Source.values},
            "purpose": STR,
            "valid_to": NULL_DATE,
            "granted_by": PERSON,
            "granted_on": DATE,
            "revoked_on": NULL_DATE,
        },
        "Quyền tiếp cận một tài liệu cho một người, có mục đích và thời hạn.",
    ),
)


def grant(g: Grant) -> dict:
    return {
        "id": g.pk,
        "item": g.item_id,
        "staff": person(g.staff),
        "source": g.source,
        "purpose": g.purpose,
        "valid_to": _date(g.valid_to),
        "granted_by": person(g.granted_by),
        "granted_on": _date(g.granted_on),
        "revoked_on": _date(g.revoked_on),
    }


PROVISION = component(
    "Provision",
    obj_schema(
        {
            "id": INT,
            "item": INT,
            "foreign": BOOL,
            "requester_name": STR,
            "purpose": STR,
            "requested_on": DATE,
            "decided_by": PERSON,
            "decided_on": DATE,
            "status": {"type": "string", "enum": Provision.Status.values},
            "refusal_reason": STR,
            **STAMP,
        },
        "Quyết định cung cấp, chuyển giao BMNN cho cơ quan, tổ chức, cá nhân.",
    ),
)


def provision_shape(p: Provision) -> dict:
    return {
        "id": p.pk,
        "item": p.item_id,
        "foreign": p.foreign,
        "requester_name": p.requester_name,
        "purpose": p.purpose,
        "requested_on": _date(p.requested_on),
        "decided_by": person(p.decided_by),
        "decided_on": _date(p.decided_on),
        "status": p.status,
        "refusal_reason": p.refusal_reason,
        **_stamp(p),
    }


DECISION = component(
    "LifecycleDecision",
    obj_schema(
        {
            "id": INT,
            "item": INT,
            "kind": {"type": "string", "enum": LifecycleDecision.Kind.values},
            "decided_by": PERSON,
            "decided_on": DATE,
            "document_number": STR,
            "years": NULL_INT,
            "old_expires_on": NULL_DATE,
            "new_expires_on": NULL_DATE,
            "notice_due": NULL_DATE,
            "notified_on": NULL_DATE,
            "old_level": STR,
            "new_level": STR,
            "partial_scope": STR,
            "council": NULL_INT,
            "copies": array_of(INT),
            **STAMP,
        },
        "Quyết định gia hạn, điều chỉnh, giải mật, tiêu hủy; dấu giải mật đương nhiên.",
    ),
)


def decision(d: LifecycleDecision) -> dict:
    return {
        "id": d.pk,
        "item": d.item_id,
        "kind": d.kind,
        "decided_by": person(d.decided_by),
        "decided_on": _date(d.decided_on),
        "document_number": d.document_number,
        "years": d.years,
        "old_expires_on": _date(d.old_expires_on),
        "new_expires_on": _date(d.new_expires_on),
        "notice_due": _date(d.notice_due),
        "notified_on": _date(d.notified_on),
        "old_level": d.old_level,
        "new_level": d.new_level,
        "partial_scope": d.partial_scope,
        "council": d.council_id,
        "copies": sorted(c.pk for c in d.copies.all()),
        **_stamp(d),
    }


# ---------------------------------------------------------------------------- copying


@route(
    "POST",
    "/items/{id}/copy-orders",
    summary="Người sao, chụp ghi lệnh sao, chụp đã được người có thẩm quyền cho phép.",
    tag="sao, chụp",
    status=201,
    response=COPY_ORDER,
    request=body_schema(
        ["requester", "authoriser", "form", "count"],
        {
            "requester": {**ID, "description": "Người đề nghị sao, chụp."},
            "authoriser": {**ID, "description": "Người có thẩm quyền cho phép."},
            "form": {"type": "string", "enum": sorted(copying.COPY_FORMS)},
            "count": {"type": "integer", "minimum": 1, "maximum": 10000},
            "recipients_text": text(5000),
            "spoiled": {"type": "integer", "minimum": 0, "maximum": 10000},
            "electronic": BOOL,
            "note": text(5000),
            "on": ON,
        },
    ),
)
def order_copies(call: Call):
    staff, b = call.acting_staff(), call.body
    item = selectors.item_for(staff, call.path["id"])
    order = copying.order_copies(
        call.actor,
        item,
        requester=colleague(staff, b["requester"], "requester"),
        authoriser=colleague(staff, b["authoriser"], "authoriser"),
        copier=staff,
        form=b["form"],
        count=b["count"],
        recipients_text=b.get("recipients_text", ""),
        spoiled=b.get("spoiled", 0),
        electronic=b.get("electronic", False),
        note=b.get("note", ""),
        on=b.get("on"),
    )
    order = CopyOrder.objects.select_related("entry", "requester", "authoriser", "copier").get(
        pk=order.pk
    )
    return copy_order(order)


# ---------------------------------------------------------------------------- delivery


def _transfer_answer(t: Transfer) -> dict:
    t = Transfer.objects.select_related("entry", "receiver", "sender").get(pk=t.pk)
    return transfer(t)


@route(
    "POST",
    "/items/{id}/deliveries",
    summary="Văn thư giao các bản đang giữ cho nơi nhận (Sổ chuyển giao BMNN).",
    tag="giao nhận",
    status=201,
    response=TRANSFER,
    request=body_schema(
        ["copies", "receiving_unit", "receiver_name"],
        {
            "copies": IDS,
            "receiving_unit": text(255, "Nơi nhận."),
            "receiver_name": text(255, "Họ tên người nhận."),
            "receiver": {**OPTIONAL_ID, "description": "Người nhận trong cơ quan (nếu có)."},
            "envelopes": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000},
            "note": text(5000),
            "on": ON,
        },
    ),
)
def deliver(call: Call):
    staff, b = call.acting_staff(), call.body
    item = selectors.item_for(staff, call.path["id"])
    receiver = None
    if b.get("receiver") is not None:
        receiver = colleague(staff, b["receiver"], "receiver")
    done = delivery.deliver(
        call.actor,
        item,
        copies_for(staff, item, b["copies"]),
        sender=staff,
        receiving_unit=b["receiving_unit"],
        receiver_name=b["receiver_name"],
        receiver=receiver,
        envelopes=b.get("envelopes"),
        note=b.get("note", ""),
        on=b.get("on"),
    )
    return _transfer_answer(done)


@route(
    "POST",
    "/hand-overs",
    summary="Người đang quản lý bàn giao bản cho người khác trong cơ quan.",
    tag="giao nhận",
    status=201,
    response=TRANSFER,
    request=body_schema(
        ["copies", "to_staff"],
        {"copies": IDS, "to_staff": ID, "note": text(5000), "on": ON},
    ),
)
def hand_over(call: Call):
    staff, b = call.acting_staff(), call.body
    done = delivery.hand_over(
        call.actor,
        _gate_copies(staff, b["copies"]),
        from_staff=staff,
        to_staff=colleague(staff, b["to_staff"], "to_staff"),
        note=b.get("note", ""),
        on=b.get("on"),
    )
    return _transfer_answer(done)


# ---------------------------------------------------------------------------- taking out


@route(
    "POST",
    "/copies/{id}/take-outs",
    summary="Người có thẩm quyền quyết định đề nghị mang một bản ra khỏi nơi lưu giữ.",
    tag="mang ra ngoài",
    status=201,
    response=TAKE_OUT,
    request=body_schema(
        ["person", "position", "unit_name", "purpose", "place", "start_on", "due_on", "protection"],
        {
            "person": {**ID, "description": "Người mang tài liệu."},
            "position": text(255),
            "unit_name": text(255),
            "purpose": text(5000),
            "place": text(255),
            "start_on": DATE,
            "due_on": DATE,
            "protection": text(5000, "Biện pháp bảo vệ."),
            "abroad": BOOL,
            "approve": BOOL,
            "refusal_reason": text(5000),
            "on": ON,
        },
    ),
)
def request_take_out(call: Call):
    staff, b = call.acting_staff(), call.body
    copy = _visible_copy(staff, call.path["id"])
    row = takeout.request_take_out(
        call.actor,
        copy,
        person=colleague(staff, b["person"], "person"),
        position=b["position"],
        unit_name=b["unit_name"],
        purpose=b["purpose"],
        place=b["place"],
        start_on=b["start_on"],
        due_on=b["due_on"],
        protection=b["protection"],
        abroad=b.get("abroad", False),
        decided_by=staff,
        approve=b.get("approve", True),
        refusal_reason=b.get("refusal_reason", ""),
        on=b.get("on"),
    )
    return take_out(TakeOut.objects.select_related("person", "decided_by").get(pk=row.pk))


def _visible_copy(staff, pk: int) -> Copy:
    found = Copy.objects.filter(pk=pk, item__in=selectors.visible_items(staff)).first()
    if found is None:
        raise Http404
    return found


@route(
    "POST",
    "/take-outs/{id}/return",
    summary="Nhận lại bản đã mang ra ngoài, kèm báo cáo việc quản lý, sử dụng.",
    tag="mang ra ngoài",
    response=TAKE_OUT,
    request=body_schema(["report"], {"report": text(10000), "on": ON}),
)
def return_take_out(call: Call):
    staff = call.acting_staff()
    row = _visible(TakeOut, staff, call.path["id"])
    row = takeout.return_copy(
        call.actor, row, report=call.body["report"], received_by=staff, on=call.body.get("on")
    )
    return take_out(TakeOut.objects.select_related("person", "decided_by").get(pk=row.pk))


# ---------------------------------------------------------------------------- access


@route(
    "POST",
    "/items/{id}/grants",
    summary="Cấp quyền tiếp cận tài liệu cho một người, có mục đích và thời hạn.",
    tag="tiếp cận",
    status=201,
    response=GRANT,
    request=body_schema(
        ["staff", "purpose"],
        {"staff": ID, "purpose": text(500), "valid_to": NULL_DATE, "on": ON},
    ),
)
def grant_access(call: Call):
    staff, b = call.acting_staff(), call.body
    item = selectors.item_for(staff, call.path["id"])
    row = access.grant(
        call.actor,
        item,
        colleague(staff, b["staff"], "staff"),
        granted_by=staff,
        purpose=b["purpose"],
        valid_to=b.get("valid_to"),
        on=b.get("on"),
    )
    return grant(Grant.objects.select_related("staff", "granted_by").get(pk=row.pk))


@route(
    "POST",
    "/grants/{id}/revoke",
    summary="Thu hồi quyền tiếp cận đã cấp.",
    tag="tiếp cận",
    response=GRANT,
    request=body_schema([], {"on": ON}),
)
def revoke_access(call: Call):
    staff = call.acting_staff()
    row = _visible(Grant, staff, call.path["id"])
    row = access.revoke(call.actor, row, by=staff, on=call.body.get("on"))
    return grant(Grant.objects.select_related("staff", "granted_by").get(pk=row.pk))


# ---------------------------------------------------------------------------- provision


@route(
    "POST",
    "/items/{id}/provisions",
    summary="Người có thẩm quyền quyết định đề nghị cung cấp, chuyển giao BMNN.",
    tag="cung cấp",
    status=201,
    response=PROVISION,
    request=body_schema(
        [
            "foreign",
            "requester_is_person",
            "requester_name",
            "purpose",
            "commitment",
            "requested_on",
            "approve",
        ],
        {
            "foreign": BOOL,
            "requester_is_person": BOOL,
            "requester_name": text(255),
            "representative": text(255),
            "identity_number": text(64),
            "nationality": text(64),
            "address": text(255),
            "position": text(255),
            "purpose": text(5000),
            "commitment": text(5000),
            "no_third_party": BOOL,
            "cooperation_basis": text(500),
            "requested_on": DATE,
            "approve": BOOL,
            "refusal_reason": text(5000),
            "on": ON,
        },
    ),
)
def decide_provision(call: Call):
    staff, b = call.acting_staff(), call.body
    item = selectors.item_for(staff, call.path["id"])
    optional = (
        "representative",
        "identity_number",
        "nationality",
        "address",
        "position",
        "cooperation_basis",
        "refusal_reason",
    )
    row = provision.decide_provision(
        call.actor,
        item,
        foreign=b["foreign"],
        requester_is_person=b["requester_is_person"],
        requester_name=b["requester_name"],
        purpose=b["purpose"],
        commitment=b["commitment"],
        no_third_party=b.get("no_third_party", False),
        requested_on=b["requested_on"],
        decided_by=staff,
        approve=b["approve"],
        on=b.get("on"),
        **{name: b.get(name, "") for name in optional},
    )
    return provision_shape(Provision.objects.select_related("decided_by").get(pk=row.pk))


# ---------------------------------------------------------------------------- lifecycle


@route(
    "POST",
    "/items/{id}/extensions",
    summary="Người có thẩm quyền gia hạn thời hạn bảo vệ bí mật nhà nước.",
    tag="vòng đời",
    status=201,
    response=DECISION,
    request=body_schema(
        ["years", "document_number"],
        {
            "years": {"type": "integer", "minimum": 1, "maximum": 100},
            "document_number": text(64, "Số quyết định."),
            "on": ON,
        },
    ),
)
def extend(call: Call):
    staff, b = call.acting_staff(), call.body
    item = selectors.item_for(staff, call.path["id"])
    row = lifecycle.extend(
        call.actor,
        item,
        decided_by=staff,
        years=b["years"],
        document_number=b["document_number"],
        on=b.get("on"),
    )
    return decision(LifecycleDecision.objects.select_related("decided_by").get(pk=row.pk))
