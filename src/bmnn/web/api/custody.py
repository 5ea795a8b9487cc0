"""API handlers for who holds what: named envelopes and their opening, the receiver's signature
on a transfer, a person's departure (recall, commitment, close) and stocktakes. Same pattern as
views.py: the caller is the acting person of the service; receipts, transfers and stocktake
lines are found through the gate, departures and stocktakes within the caller's agency, and
what they list about items only as far as the caller may see."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from bmnn.oversight.models import Incident
from bmnn.people.models import Staff
from bmnn.people.selectors import subunits
from bmnn.registry import selectors
from bmnn.registry.models import Departure, Receipt, Stocktake, StocktakeLine, Transfer
from bmnn.registry.services import delivery, departure, incoming, stocktake
from bmnn.web.api import serializers as s
from bmnn.web.api.dispatch import Call
from bmnn.web.api.movements import NULL_PERSON, TRANSFER, _transfer_answer, _visible
from bmnn.web.api.schema import array_of, component, route
from bmnn.web.api.serializers import (
    BOOL,
    DATE,
    INT,
    LEVELS,
    NULL_DATE,
    NULL_INT,
    PERSON,
    STR,
    obj_schema,
    person,
)
from bmnn.web.api.views import ON, OPTIONAL_ID, body_schema, colleague, text, unit_of_agency

ID = {"type": "integer", "minimum": 1}


def _date(value):
    return value.isoformat() if value else None


def _agency_units(staff: Staff):
    return subunits(staff.org_unit.agency())


# ---------------------------------------------------------------------------- receipts

RECEIPT = component(
    "Receipt",
    obj_schema(
        {
            "id": INT,
            "entry": INT,
            "entry_number": INT,
            "item": s.ITEM_BRIEF,
            "received_on": DATE,
            "named_addressee": NULL_PERSON,
            "routed_to": NULL_PERSON,
            "routing_reason": STR,
            "express": BOOL,
            "sealed": BOOL,
            "opened_on": NULL_DATE,
            "opened_by": NULL_PERSON,
            "anomalies": array_of(STR),
        },
        "Việc nhận một tài liệu đến (số đến) và bì «Chỉ người có tên mới được bóc bì».",
    ),
)


def receipt_shape(r: Receipt) -> dict:
    return {
        "id": r.pk,
        "entry": r.entry_id,
        "entry_number": r.entry.number,
        "item": s.item_brief(r.entry.item),
        "received_on": _date(r.received_on),
        "named_addressee": person(r.named_addressee),
        "routed_to": person(r.routed_to),
        "routing_reason": r.routing_reason,
        "express": r.express,
        "sealed": r.sealed,
        "opened_on": _date(r.opened_on),
        "opened_by": person(r.opened_by),
        "anomalies": list(r.anomalies),
    }


def _receipts(staff):
    return Receipt.objects.filter(entry__item__in=selectors.visible_items(staff)).select_related(
        "entry__item", "named_addressee", "routed_to", "opened_by"
    )


@route(
    "GET",
    "/sealed-envelopes",
    summary="Các bì có tên người dùng (hoặc chuyển cho người dùng) đang chờ bóc.",
    tag="đăng ký",
    response=array_of(RECEIPT),
)
def sealed_envelopes(call: Call):
    waiting = incoming.sealed_envelopes_for(call.staff)
    found = _receipts(call.staff).filter(pk__in=waiting.values("pk")).order_by("received_on", "pk")
    return [receipt_shape(r) for r in found]


@route(
    "POST",
    "/receipts/{id}/open",
    summary="Người có tên trên bì (hoặc lãnh đạo được chuyển bì hỏa tốc) bóc bì, ghi tên loại "
    "và trích yếu.",
    tag="đăng ký",
    response=RECEIPT,
    request=body_schema(
        [],
        {
            "summary": text(5000, "Trích yếu (không được ghi với Tuyệt mật)."),
            "doc_type": text(128, "Tên loại."),
            "on": ON,
        },
    ),
)
def open_envelope(call: Call):
    staff, b = call.acting_staff(), call.body
    receipt = _receipts(staff).filter(pk=call.path["id"]).first()
    if receipt is None:
        raise Http404
    done = incoming.open_envelope(
        call.actor,
        receipt,
        staff,
        summary=b.get("summary", ""),
        doc_type=b.get("doc_type", ""),
        on=b.get("on"),
    )
    return receipt_shape(_receipts(staff).get(pk=done.pk))


# ---------------------------------------------------------------------------- transfers


@route(
    "POST",
    "/transfers/{id}/confirm",
    summary="Ghi họ tên và chữ ký người nhận vào dòng Sổ chuyển giao BMNN.",
    tag="giao nhận",
    response=TRANSFER,
    request=body_schema(
        ["receiver_name"],
        {"receiver_name": text(255, "Họ tên người ký nhận."), "on": ON},
    ),
)
def confirm_receipt(call: Call):
    staff = call.acting_staff()
    row = _visible(Transfer, staff, call.path["id"])
    done = delivery.confirm_receipt(
        call.actor, row, call.body["receiver_name"], on=call.body.get("on")
    )
    return _transfer_answer(done)


# ---------------------------------------------------------------------------- departures

DEPARTURE = component(
    "Departure",
    obj_schema(
        {
            "id": INT,
            "staff": PERSON,
            "reason": {"type": "string", "enum": Departure.Reason.values},
            "reason_name": STR,
            "leaves_on": DATE,
            "opened_by": PERSON,
            "opened_on": NULL_DATE,
            "commitment_number": STR,
            "commitment_on": NULL_DATE,
            "closed_on": NULL_DATE,
            "closed_by": NULL_PERSON,
            "recall": NULL_INT,
            "outstanding": {
                **INT,
                "description": "Số bản chưa nộp lại, kể cả bản người dùng không được biết.",
            },
            "outstanding_tasks": {
                **array_of(s.RECALL_TASK),
                "description": "Các bản chưa nộp lại mà người dùng được biết.",
            },
        },
        "Thủ tục thôi công tác: thu hồi, cam kết, kết thúc.",
    ),
)


def departure_shape(viewer: Staff, d: Departure) -> dict:
    recall = d.recalls.order_by("pk").first()
    return {
        "id": d.pk,
        "staff": person(d.staff),
        "reason": d.reason,
        "reason_name": d.get_reason_display(),
        "leaves_on": _date(d.leaves_on),
        "opened_by": person(d.opened_by),
        "opened_on": _date(d.opened_on),
        "commitment_number": d.commitment_number,
        "commitment_on": _date(d.commitment_on),
        "closed_on": _date(d.closed_on),
        "closed_by": person(d.closed_by),
        "recall": recall.pk if recall else None,
        "outstanding": len(departure.outstanding(d)),
        "outstanding_tasks": [s.recall_task(t) for t in departure.outstanding_for(viewer, d)],
    }


def _departure(staff: Staff, pk: int) -> Departure:
    """A departure of someone in the caller's agency (a staff list is not a secret)."""
    found = (
        Departure.objects.filter(pk=pk, staff__org_unit__in=_agency_units(staff))
        .select_related("staff", "opened_by", "closed_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


@route(
    "POST",
    "/departures",
    summary="Mở thủ tục thôi công tác: thu hồi mọi bản người đó đang quản lý.",
    tag="thôi công tác",
    status=201,
    response=DEPARTURE,
    request=body_schema(
        ["staff", "reason", "leaves_on"],
        {
            "staff": {**ID, "description": "Người thôi công tác."},
            "reason": {"type": "string", "enum": Departure.Reason.values},
            "leaves_on": {**DATE, "description": "Ngày thôi công tác (hạn nộp lại tài liệu)."},
            "on": ON,
        },
    ),
)
def open_departure(call: Call):
    staff, b = call.acting_staff(), call.body
    done = departure.open_departure(
        call.actor,
        colleague(staff, b["staff"], "staff"),
        reason=b["reason"],
        leaves_on=b["leaves_on"],
        opened_by=staff,
        on=b.get("on"),
    )
    return departure_shape(staff, _departure(staff, done.pk))


@route(
    "GET",
    "/departures/{id}",
    summary="Một thủ tục thôi công tác và các bản còn phải nộp lại.",
    tag="thôi công tác",
    response=DEPARTURE,
)
def get_departure(call: Call):
    staff = call.acting_staff()
    return departure_shape(staff, _departure(staff, call.path["id"]))


@route(
    "POST",
    "/departures/{id}/commitment",
    summary="Ghi nhận bản cam kết bảo vệ BMNN của người thôi công tác.",
    tag="thôi công tác",
    response=DEPARTURE,
    request=body_schema(
        ["commitment_number"],
        {"commitment_number": text(64, "Số bản cam kết."), "on": ON},
    ),
)
def record_commitment(call: Call):
    staff = call.acting_staff()
    found = _departure(staff, call.path["id"])
    departure.record_commitment(
        call.actor,
        found,
        by=staff,
        commitment_number=call.body["commitment_number"],
        on=call.body.get("on"),
    )
    return departure_shape(staff, _departure(staff, found.pk))


@route(
    "POST",
    "/departures/{id}/close",
    summary="Kết thúc thủ tục thôi công tác khi đã nộp lại đủ tài liệu và có bản cam kết.",
    tag="thôi công tác",
    response=DEPARTURE,
    request=body_schema([], {"on": ON}),
)
def close_departure(call: Call):
    staff = call.acting_staff()
    found = _departure(staff, call.path["id"])
    departure.close_departure(call.actor, found, by=staff, on=call.body.get("on"))
    return departure_shape(staff, _departure(staff, found.pk))


# ---------------------------------------------------------------------------- stocktakes

STOCKTAKE_LINE = component(
    "StocktakeLine",
    obj_schema(
        {
            "id": INT,
            "stocktake": INT,
            "copy": INT,
            "copy_label": STR,
            "item": s.ITEM_BRIEF,
            "custodian": NULL_PERSON,
            "presented": {
                "type": ["boolean", "null"],
                "description": "Có xuất trình; null là chưa kiểm.",
            },
            "note": STR,
            "marked_by": NULL_PERSON,
        },
        "Một bản trong đợt kiểm kê và kết quả kiểm.",
    ),
)

STOCKTAKE = component(
    "Stocktake",
    obj_schema(
        {
            "id": INT,
            "unit": {"oneOf": [s.UNIT, {"type": "null"}]},
            "custodian": NULL_PERSON,
            "started_by": PERSON,
            "started_on": DATE,
            "closed_on": NULL_DATE,
            "closed_by": NULL_PERSON,
            "incident": {
                "type": ["integer", "null"],
                "description": "Sự việc mất tài liệu (bản nháp) mở khi kết thúc mà thiếu bản.",
            },
            "counts": obj_schema(
                {name: INT for name in ("total", "presented", "missing", "unmarked", *LEVELS)},
                "Số dòng người dùng được biết: tổng, có, thiếu, chưa kiểm, theo độ mật.",
            ),
        },
        "Một đợt kiểm kê theo đơn vị hoặc theo người quản lý.",
    ),
)


def line_shape(x: StocktakeLine) -> dict:
    return {
        "id": x.pk,
        "stocktake": x.stocktake_id,
        "copy": x.copy_id,
        "copy_label": str(x.copy),
        "item": s.item_brief(x.copy.item),
        "custodian": person(x.copy.custodian),
        "presented": x.presented,
        "note": x.note,
        "marked_by": person(x.marked_by),
    }


def stocktake_shape(viewer: Staff, t: Stocktake) -> dict:
    incident = Incident.objects.filter(stocktake=t).order_by("pk").first()
    return {
        "id": t.pk,
        "unit": {"id": t.unit_id, "name": t.unit.name} if t.unit_id else None,
        "custodian": person(t.custodian),
        "started_by": person(t.started_by),
        "started_on": _date(t.started_on),
        "closed_on": _date(t.closed_on),
        "closed_by": person(t.closed_by),
        "incident": incident.pk if incident else None,
        "counts": stocktake.summary(viewer, t),
    }


def _stocktake(staff: Staff, pk: int) -> Stocktake:
    """A stocktake of a unit or a person of the caller's agency (the web page's rule)."""
    units = _agency_units(staff)
    found = (
        Stocktake.objects.filter(pk=pk)
        .filter(Q(unit__in=units) | Q(custodian__org_unit__in=units))
        .select_related("unit", "custodian", "started_by", "closed_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


@route(
    "POST",
    "/stocktakes",
    summary="Mở đợt kiểm kê theo đơn vị hoặc theo người quản lý (một trong hai).",
    tag="kiểm kê",
    status=201,
    response=STOCKTAKE,
    request=body_schema(
        [],
        {
            "unit": {**OPTIONAL_ID, "description": "Đơn vị được kiểm kê (kể cả đơn vị cấp dưới)."},
            "custodian": {**OPTIONAL_ID, "description": "Người quản lý được kiểm kê."},
            "on": ON,
        },
    ),
)
def start_stocktake(call: Call):
    staff, b = call.acting_staff(), call.body
    started = stocktake.start_stocktake(
        call.actor,
        started_by=staff,
        unit=unit_of_agency(staff, b.get("unit"), "unit"),
        custodian=colleague(staff, b.get("custodian"), "custodian"),
        on=b.get("on"),
    )
    return stocktake_shape(staff, _stocktake(staff, started.pk))


@route(
    "GET",
    "/stocktakes/{id}",
    summary="Một đợt kiểm kê và số dòng đã kiểm.",
    tag="kiểm kê",
    response=STOCKTAKE,
)
def get_stocktake(call: Call):
    staff = call.acting_staff()
    return stocktake_shape(staff, _stocktake(staff, call.path["id"]))


@route(
    "GET",
    "/stocktakes/{id}/lines",
    summary="Các dòng của đợt kiểm kê mà người dùng được biết.",
    tag="kiểm kê",
    response=array_of(STOCKTAKE_LINE),
)
def stocktake_lines(call: Call):
    staff = call.acting_staff()
    found = _stocktake(staff, call.path["id"])
    return [line_shape(x) for x in stocktake.stocktake_lines(staff, found)]


@route(
    "GET",
    "/stocktakes/{id}/discrepancies",
    summary="Các bản không được xuất trình trong đợt kiểm kê, mà người dùng được biết.",
    tag="kiểm kê",
    response=array_of(STOCKTAKE_LINE),
)
def stocktake_discrepancies(call: Call):
    staff = call.acting_staff()
    found = _stocktake(staff, call.path["id"])
    return [line_shape(x) for x in stocktake.discrepancies(staff, found)]


@route(
    "POST",
    "/stocktake-lines/{id}/mark",
    summary="Ghi một bản có hoặc không xuất trình (sửa được đến khi kết thúc kiểm kê).",
    tag="kiểm kê",
    response=STOCKTAKE_LINE,
    request=body_schema(
        ["presented"],
        {"presented": BOOL, "note": text(500), "on": ON},
    ),
)
def mark_line(call: Call):
    staff, b = call.acting_staff(), call.body
    line = (
        StocktakeLine.objects.filter(
            pk=call.path["id"], copy__item__in=selectors.visible_items(staff)
        )
        .select_related("stocktake")
        .first()
    )
    if line is None:
        raise Http404
    _stocktake(staff, line.stocktake_id)  # another agency's stocktake is as unknown as none
    done = stocktake.mark(
        call.actor,
        line,
        by=staff,
        presented=b["presented"],
        note=b.get("note", ""),
        on=b.get("on"),
    )
    done = StocktakeLine.objects.select_related("copy__item", "copy__custodian", "marked_by").get(
        pk=done.pk
    )
    return line_shape(done)


@route(
    "POST",
    "/stocktakes/{id}/close",
    summary="Kết thúc đợt kiểm kê đã kiểm hết; bản thiếu mở một sự việc mất tài liệu (nháp).",
    tag="kiểm kê",
    response=STOCKTAKE,
    request=body_schema([], {"on": ON}),
)
def close_stocktake(call: Call):
    staff = call.acting_staff()
    found = _stocktake(staff, call.path["id"])
    stocktake.close_stocktake(call.actor, found, by=staff, on=call.body.get("on"))
    return stocktake_shape(staff, _stocktake(staff, found.pk))
