"""API reads not tied to one act: the proposals a person may see, an item's recalls, take-outs
and grants, and the due lists (bmnn.registry.deadlines). Each starts from a gate: the proposal
rule of views.visible_proposals, or `selectors.visible_items` / `item_for` for the rest."""

from __future__ import annotations

from django.db.models import Q

from bmnn.registry import deadlines as due
from bmnn.registry import selectors
from bmnn.registry.models import Grant, Proposal, Recall, TakeOut
from bmnn.registry.services import access, recall
from bmnn.registry.services._base import day
from bmnn.web.api import serializers as s
from bmnn.web.api.dispatch import Call
from bmnn.web.api.movements import DECISION, GRANT, TAKE_OUT, decision, grant, take_out
from bmnn.web.api.schema import Param, array_of, component, page_of, route
from bmnn.web.api.serializers import BOOL, DATE, INT, obj_schema
from bmnn.web.api.views import CURSOR, LIMIT, _cursor, _limit, visible_proposals

MAX_WITHIN_DAYS = 366


def _date(value):
    return value.isoformat() if value else None


# ---------------------------------------------------------------------------- proposals


@route(
    "GET",
    "/proposals",
    summary="Các phiếu đề xuất độ mật người dùng được biết (mới nhất trước).",
    tag="xác định độ mật",
    response=page_of(s.PROPOSAL),
    query=(
        Param("status", {"type": "string", "enum": Proposal.Status.values}, "Lọc tình trạng."),
        LIMIT,
        CURSOR,
    ),
)
def list_proposals(call: Call):
    rows = visible_proposals(call.staff)
    if "status" in call.query:
        rows = rows.filter(status=call.query["status"])
    cursor, limit = _cursor(call), _limit(call)
    if cursor is not None:
        rows = rows.filter(pk__lt=cursor)
    page = list(rows.order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "results": [s.proposal(p) for p in page],
        "next_cursor": str(page[-1].pk) if more else None,
    }


# ---------------------------------------------------------------------------- one item's


@route(
    "GET",
    "/items/{id}/recalls",
    summary="Các thông báo thu hồi có bản của tài liệu này (kể cả khi thôi công tác).",
    tag="thu hồi",
    response=array_of(s.RECALL),
)
def item_recalls(call: Call):
    item = selectors.item_for(call.staff, call.path["id"])
    found = (
        Recall.objects.filter(Q(item=item) | Q(tasks__copy__item=item))
        .select_related("issued_by")
        .distinct()
        .order_by("-issued_on", "-pk")
    )
    # A departure's recall spans other items too: under this item, only this item's copies.
    return [
        s.recall(r, [t for t in recall.recall_tasks(call.staff, r) if t.copy.item_id == item.pk])
        for r in found
    ]


@route(
    "GET",
    "/items/{id}/take-outs",
    summary="Các lần đề nghị mang bản của tài liệu này ra khỏi nơi lưu giữ.",
    tag="mang ra ngoài",
    response=array_of(TAKE_OUT),
)
def item_take_outs(call: Call):
    item = selectors.item_for(call.staff, call.path["id"])
    rows = (
        TakeOut.objects.filter(item=item)
        .select_related("person", "decided_by")
        .order_by("-start_on", "-pk")
    )
    return [take_out(t) for t in rows]


@route(
    "GET",
    "/items/{id}/grants",
    summary="Quyền tiếp cận tài liệu: người có thẩm quyền cấp thấy mọi quyền, người khác chỉ "
    "thấy quyền của chính mình.",
    tag="tiếp cận",
    response=array_of(GRANT),
)
def item_grants(call: Call):
    staff = call.staff
    item = selectors.item_for(staff, call.path["id"])
    rows = Grant.objects.filter(item=item).select_related("staff", "granted_by")
    # Who else may read an item is itself need-to-know: the list is for those who manage it.
    if not access.may_grant(staff, item, day(None)):
        rows = rows.filter(staff=staff)
    return [grant(g) for g in rows.order_by("-granted_on", "-pk")]


# ---------------------------------------------------------------------------- due lists

EXTENSION_DUE = component(
    "ExtensionDue",
    obj_schema(
        {
            "item": s.ITEM_BRIEF,
            "expires_on": DATE,
            "extension_decision_by": DATE,
            "decision_overdue": {
                **BOOL,
                "description": "Đã quá hạn quyết định gia hạn (thời hạn bảo vệ vẫn còn).",
            },
        }
    ),
)
LAPSED_DUE = component(
    "LapsedDue",
    obj_schema(
        {"item": s.ITEM_BRIEF, "expires_on": DATE},
        "Hết thời hạn bảo vệ, không gia hạn: đương nhiên giải mật, chưa đóng dấu.",
    ),
)
NOTICE_DUE = component(
    "NoticeDue",
    obj_schema(
        {"decision": DECISION, "item": s.ITEM_BRIEF, "overdue": BOOL},
        "Quyết định chưa thông báo bằng văn bản.",
    ),
)
TAKE_OUT_DUE = component(
    "TakeOutDue",
    obj_schema(
        {"take_out": TAKE_OUT, "item": s.ITEM_BRIEF, "copy_label": {"type": "string"}},
        "Bản mang ra ngoài đã quá hạn nộp lại.",
    ),
)
RECALL_DUE = component(
    "RecallDue",
    obj_schema(
        {
            "task": s.RECALL_TASK,
            "recall": INT,
            "due_on": DATE,
            "item": s.ITEM_BRIEF,
        },
        "Bản bị thu hồi đã quá hạn gửi lại.",
    ),
)


def _list_of(schema: dict) -> dict:
    return obj_schema(
        {
            "count": {**INT, "description": "Tổng số dòng (chỉ những gì người dùng được biết)."},
            "results": array_of(schema),
        }
    )


DEADLINES = component(
    "Deadlines",
    obj_schema(
        {
            "on": DATE,
            "extensions": _list_of(EXTENSION_DUE),
            "lapsed": _list_of(LAPSED_DUE),
            "notices": _list_of(NOTICE_DUE),
            "take_outs": _list_of(TAKE_OUT_DUE),
            "recalls": _list_of(RECALL_DUE),
        },
        "Việc phải làm theo hạn luật định, trong phạm vi người dùng được biết.",
    ),
)


def _cut(rows, limit: int, shape) -> dict:
    return {"count": rows.count(), "results": [shape(r) for r in rows[:limit]]}


@route(
    "GET",
    "/deadlines",
    summary="Danh sách đến hạn: gia hạn, hết hạn chưa đóng dấu, thông báo, mang ra ngoài quá "
    "hạn, thu hồi quá hạn.",
    tag="đọc",
    response=DEADLINES,
    query=(
        Param("on", DATE, "Tính đến ngày (mặc định hôm nay; không được là ngày tương lai)."),
        Param(
            "within_days",
            {"type": "integer", "minimum": 0, "maximum": MAX_WITHIN_DAYS},
            "Gia hạn: hạn quyết định trong bao nhiêu ngày tới (mặc định 60).",
        ),
        LIMIT,
    ),
)
def deadlines(call: Call):
    staff, limit = call.staff, _limit(call)
    on = day(call.query.get("on"))
    within = call.query.get("within_days", 60)
    return {
        "on": on.isoformat(),
        "extensions": _cut(
            due.extensions_coming_due(staff, on, within),
            limit,
            lambda i: {
                "item": s.item_brief(i),
                "expires_on": _date(i.expires_on),
                "extension_decision_by": _date(i.extension_decision_by),
                "decision_overdue": i.decision_overdue,
            },
        ),
        "lapsed": _cut(
            due.lapsed_items(staff, on),
            limit,
            lambda i: {"item": s.item_brief(i), "expires_on": _date(i.expires_on)},
        ),
        "notices": _cut(
            due.notices_owed(staff, on).prefetch_related("copies"),
            limit,
            lambda d: {"decision": decision(d), "item": s.item_brief(d.item), "overdue": d.overdue},
        ),
        "take_outs": _cut(
            due.overdue_take_outs(staff, on).select_related("decided_by"),
            limit,
            lambda t: {
                "take_out": take_out(t),
                "item": s.item_brief(t.item),
                "copy_label": str(t.copy),
            },
        ),
        "recalls": _cut(
            due.overdue_recalls(staff, on).select_related("received_by"),
            limit,
            lambda t: {
                "task": s.recall_task(t),
                "recall": t.recall_id,
                "due_on": _date(t.recall.due_on),
                "item": s.item_brief(t.copy.item),
            },
        ),
    }
