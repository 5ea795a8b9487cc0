"""The API's handlers, each declared in the route table with its schemas (bmnn.web.api.schema).

Thin on purpose: reads start from the need-to-know gate (bmnn.registry.selectors), writes call
the same services as the web pages with the acting person the token or session belongs to, so
the API can do nothing the pages could not. Objects named in a request body are looked up within
the caller's agency (people, units) or through the gate (items, copies), and an unknown one is
a 422 that says which field, never a hint of what exists elsewhere.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from bmnn.catalogue.models import CatalogueItem
from bmnn.people.models import OrgUnit, Staff
from bmnn.people.selectors import subunits
from bmnn.registry import search as registry_search
from bmnn.registry import selectors
from bmnn.registry.models import (
    Copy,
    Proposal,
    Recall,
    RecallTask,
    Register,
    SecretItem,
)
from bmnn.registry.services import classification, incoming, outgoing, recall
from bmnn.registry.services._base import REGISTER_KEEPERS
from bmnn.web.api import serializers as s
from bmnn.web.api.dispatch import Call
from bmnn.web.api.schema import Param, array_of, openapi, page_of, route
from bmnn.web.api.serializers import BOOL, DATE, LEVEL

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
_CURSOR = re.compile(r"^[1-9]\d{0,17}$")


def body_schema(required: list[str], properties: dict) -> dict:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def text(max_length: int, description: str = "", required: bool = False) -> dict:
    schema: dict = {"type": "string", "maxLength": max_length}
    if required:
        schema["minLength"] = 1
    if description:
        schema["description"] = description
    return schema


ON = {**DATE, "description": "Ngày thực hiện (mặc định hôm nay; không được là ngày tương lai)."}
ID = {"type": "integer", "minimum": 1}
OPTIONAL_ID = {"type": ["integer", "null"], "minimum": 1}
LIMIT = Param(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    f"Số dòng mỗi trang (1–{MAX_LIMIT}, mặc định {DEFAULT_LIMIT}).",
)
CURSOR = Param("cursor", {"type": "string", "maxLength": 20}, "Con trỏ trang sau (next_cursor).")


# ---------------------------------------------------------------------------- lookups


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _agency(staff: Staff) -> OrgUnit:
    return staff.org_unit.agency()


def colleague(staff: Staff, pk: int | None, field: str) -> Staff | None:
    """A person of the caller's own agency, by id."""
    if pk is None:
        return None
    units = subunits(_agency(staff))
    found = (
        Staff.objects.select_related("org_unit", "user").filter(pk=pk, org_unit__in=units).first()
    )
    if found is None:
        raise _bad(field, f"Không có cán bộ số {pk} trong cơ quan.")
    return found


def unit_of_agency(staff: Staff, pk: int | None, field: str) -> OrgUnit | None:
    if pk is None:
        return None
    found = next((u for u in subunits(_agency(staff)) if u.pk == pk), None)
    if found is None:
        raise _bad(field, f"Không có đơn vị số {pk} trong cơ quan.")
    return found


def catalogue_item(pk: int | None, field: str = "catalogue_item") -> CatalogueItem | None:
    if pk is None:
        return None
    found = CatalogueItem.objects.select_related("decision").filter(pk=pk).first()
    if found is None:
        raise _bad(field, f"Không có mục danh mục số {pk}.")
    return found


def copies_for(staff: Staff, item: SecretItem, ids: list[int], field: str = "copies") -> list[Copy]:
    found = list(selectors.copies_of(staff, item).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        missing = sorted(set(ids) - {c.pk for c in found})
        raise _bad(field, "Tài liệu không có bản số: " + ", ".join(map(str, missing)) + ".")
    return found


def visible_copy(staff: Staff | None, pk: int) -> Copy:
    found = (
        Copy.objects.filter(pk=pk, item__in=selectors.visible_items(staff))
        .select_related("custodian", "item")
        .first()
    )
    if found is None:
        raise Http404
    return found


def visible_proposals(staff: Staff | None):
    """The proposals a person may see: their own drafts, and within their agency and their
    clearance, for the leaders (who may decide) and the register keepers, all of them. The one
    rule for a proposal, which is no item yet and so not behind `visible_items`."""
    if staff is None or not staff.clearance:
        return Proposal.objects.none()
    seen = Q(drafter=staff)
    may_act = staff.role == Staff.Role.LEADER or staff.role in REGISTER_KEEPERS
    if may_act and staff.is_active_on(_today()):
        seen |= Q(
            lead_unit__in=subunits(_agency(staff)),
            level__in=selectors.levels_within(staff.clearance),
        )
    return Proposal.objects.filter(seen).select_related("drafter", "decided_by", "lead_unit")


def proposal_for(staff: Staff | None, pk: int) -> Proposal:
    """One proposal through `visible_proposals`; anyone else gets the same 404 as for a
    proposal that does not exist."""
    found = visible_proposals(staff).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _today():
    return timezone.localdate()


def _limit(call: Call) -> int:
    return call.query.get("limit", DEFAULT_LIMIT)


def _cursor(call: Call) -> int | None:
    raw = call.query.get("cursor")
    if raw is None:
        return None
    if not _CURSOR.match(raw):
        raise _bad("cursor", "Con trỏ trang không hợp lệ.")
    return int(raw)


# ---------------------------------------------------------------------------- the description


@route(
    "GET",
    "/openapi.json",
    summary="Mô tả API theo OpenAPI 3.1 (sinh từ bảng định tuyến).",
    tag="hệ thống",
    response={"type": "object", "description": "Tài liệu OpenAPI 3.1."},
)
def openapi_document(call: Call):
    return openapi()


# ---------------------------------------------------------------------------- reads


@route(
    "GET",
    "/items",
    summary="Danh sách tài liệu, vật chứa BMNN người dùng được biết (mới nhất trước).",
    tag="đọc",
    response=page_of(s.ITEM),
    query=(
        Param("level", LEVEL, "Lọc theo độ mật."),
        Param("status", {"type": "string", "enum": SecretItem.Status.values}, "Lọc tình trạng."),
        Param("origin", {"type": "string", "enum": SecretItem.Origin.values}, "Đi hoặc đến."),
        LIMIT,
        CURSOR,
    ),
)
def list_items(call: Call):
    items = selectors.visible_items(call.staff).select_related(
        "owner_unit", "catalogue_item__decision"
    )
    for name in ("level", "status", "origin"):
        if name in call.query:
            items = items.filter(**{name: call.query[name]})
    cursor, limit = _cursor(call), _limit(call)
    if cursor is not None:
        items = items.filter(pk__lt=cursor)
    rows = list(items.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "results": [s.item(i) for i in rows],
        "next_cursor": str(rows[-1].pk) if more else None,
    }


def _item(call: Call) -> SecretItem:
    selectors.item_for(call.staff, call.path["id"])  # 404 for hidden and missing alike
    return SecretItem.objects.select_related("owner_unit", "catalogue_item__decision").get(
        pk=call.path["id"]
    )


@route("GET", "/items/{id}", summary="Một tài liệu, vật chứa BMNN.", tag="đọc", response=s.ITEM)
def get_item(call: Call):
    return s.item(_item(call))


@route(
    "GET",
    "/items/{id}/copies",
    summary="Các bản của một tài liệu và người đang quản lý từng bản.",
    tag="đọc",
    response=array_of(s.COPY),
)
def item_copies(call: Call):
    item = selectors.item_for(call.staff, call.path["id"])
    return [s.copy(c) for c in selectors.copies_of(call.staff, item)]


@route(
    "GET",
    "/registers",
    summary="Các quyển sổ của cơ quan người dùng.",
    tag="đọc",
    response=array_of(s.REGISTER),
    query=(Param("kind", {"type": "string", "enum": Register.Kind.values}, "Loại sổ."),),
)
def list_registers(call: Call):
    return [s.register(r) for r in selectors.registers(call.staff, call.query.get("kind"))]


@route(
    "GET",
    "/registers/{id}/entries",
    summary="Các dòng của một quyển sổ mà người dùng được biết, theo số thứ tự.",
    tag="đọc",
    response=page_of(s.ENTRY),
    query=(LIMIT, CURSOR),
)
def register_entries(call: Call):
    book = selectors.registers(call.staff).filter(pk=call.path["id"]).first()
    if book is None:
        raise Http404
    entries = selectors.register_entries(call.staff, book)
    cursor, limit = _cursor(call), _limit(call)
    if cursor is not None:
        entries = entries.filter(number__gt=cursor)
    rows = list(entries[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "results": [s.entry(e) for e in rows],
        "next_cursor": str(rows[-1].number) if more else None,
    }


@route(
    "GET",
    "/counts",
    summary="Số tài liệu người dùng được biết, theo độ mật.",
    tag="đọc",
    response=s.COUNTS,
)
def counts(call: Call):
    return selectors.count_by_level(call.staff)


@route(
    "GET",
    "/search",
    summary="Tìm tài liệu theo số, ký hiệu, tên loại, trích yếu, cơ quan ban hành "
    "(không phân biệt dấu, hoa thường).",
    tag="đọc",
    response=array_of(s.ITEM),
    query=(
        Param("q", text(200, required=True), "Từ khóa.", required=True),
        LIMIT,
    ),
)
def search(call: Call):
    # A list, already in order and through the gate; the catalogue citation each answer names
    # is fetched for all of them in one query, not one per item.
    found = registry_search.search_items(call.staff, call.query["q"], limit=_limit(call))
    prefetch_related_objects(found, "catalogue_item__decision")
    return [s.item(i) for i in found]


# ---------------------------------------------------------------------------- classification


@route(
    "POST",
    "/proposals",
    summary="Người soạn thảo lập phiếu đề xuất độ mật.",
    tag="xác định độ mật",
    status=201,
    response=s.PROPOSAL,
    request=body_schema(
        ["title", "level", "catalogue_item", "recipients_text", "copies", "copy_allowed"],
        {
            "title": text(500, "Tên loại và trích yếu."),
            "level": LEVEL,
            "catalogue_item": {
                **OPTIONAL_ID,
                "description": "Mục danh mục BMNN làm căn cứ (luật bắt buộc; null bị từ chối).",
            },
            "recipients_text": text(5000, "Nơi nhận."),
            "copies": {"type": "integer", "minimum": 1, "maximum": 10000},
            "copy_allowed": BOOL,
            "kind": {"type": "string", "enum": SecretItem.Kind.values},
            "activity_period_years": {"type": ["integer", "null"], "minimum": 1, "maximum": 100},
            "lead_unit": OPTIONAL_ID,
            "on": ON,
        },
    ),
    errors=(403,),
)
def create_proposal(call: Call):
    staff, b = call.acting_staff(), call.body
    proposal = classification.propose(
        call.actor,
        staff,
        title=b["title"],
        level=b["level"],
        catalogue_item=catalogue_item(b["catalogue_item"]),
        recipients_text=b["recipients_text"],
        copies=b["copies"],
        copy_allowed=b["copy_allowed"],
        kind=b.get("kind", SecretItem.Kind.DOCUMENT),
        activity_period_years=b.get("activity_period_years"),
        lead_unit=unit_of_agency(staff, b.get("lead_unit"), "lead_unit"),
        on=b.get("on"),
    )
    return s.proposal(proposal)


@route(
    "GET",
    "/proposals/{id}",
    summary="Một phiếu đề xuất độ mật (người soạn, lãnh đạo và văn thư của cơ quan).",
    tag="xác định độ mật",
    response=s.PROPOSAL,
)
def get_proposal(call: Call):
    return s.proposal(proposal_for(call.staff, call.path["id"]))


@route(
    "POST",
    "/proposals/{id}/decision",
    summary="Người có thẩm quyền duyệt hoặc không duyệt phiếu đề xuất độ mật.",
    tag="xác định độ mật",
    response=s.PROPOSAL,
    request=body_schema(
        ["approve"],
        {
            "approve": BOOL,
            "note": text(5000, "Ý kiến; bắt buộc khi không duyệt."),
            "on": ON,
        },
    ),
)
def decide_proposal(call: Call):
    staff = call.acting_staff()
    proposal = proposal_for(staff, call.path["id"])
    decided = classification.decide(
        call.actor,
        proposal,
        staff,
        approve=call.body["approve"],
        note=call.body.get("note", ""),
        on=call.body.get("on"),
    )
    decided = Proposal.objects.select_related("drafter", "decided_by").get(pk=decided.pk)
    return s.proposal(decided)


# ---------------------------------------------------------------------------- registers


@route(
    "POST",
    "/items/{id}/register-outgoing",
    summary="Văn thư vào Sổ đăng ký BMNN đi và tạo các bản phát hành.",
    tag="đăng ký",
    status=201,
    response=s.ENTRY,
    request=body_schema(
        ["number_symbol", "doc_type", "signer"],
        {
            "number_symbol": text(128, "Số, ký hiệu."),
            "doc_type": text(128, "Tên loại."),
            "signer": text(255, "Người ký."),
            "summary": {
                "type": ["string", "null"],
                "maxLength": 5000,
                "description": "Trích yếu (không được ghi với Tuyệt mật).",
            },
            "keeping_unit": OPTIONAL_ID,
            "electronic_copies": BOOL,
            "note": text(5000),
            "on": ON,
        },
    ),
)
def register_outgoing(call: Call):
    staff, b = call.acting_staff(), call.body
    item = selectors.item_for(staff, call.path["id"])
    entry = outgoing.register_outgoing(
        call.actor,
        item,
        staff,
        number_symbol=b["number_symbol"],
        doc_type=b["doc_type"],
        signer=b["signer"],
        summary=b.get("summary"),
        keeping_unit=unit_of_agency(staff, b.get("keeping_unit"), "keeping_unit"),
        electronic_copies=b.get("electronic_copies", False),
        note=b.get("note", ""),
        on=b.get("on"),
    )
    return s.entry(entry)


@route(
    "POST",
    "/incoming",
    summary="Văn thư vào Sổ đăng ký BMNN đến một tài liệu nhận được.",
    tag="đăng ký",
    status=201,
    response=s.ENTRY,
    request=body_schema(
        ["issuer", "number_symbol", "document_date", "doc_type", "level", "receiving_unit"],
        {
            "issuer": text(255, "Cơ quan ban hành."),
            "number_symbol": text(128, "Số, ký hiệu."),
            "document_date": {**DATE, "description": "Ngày tháng của tài liệu."},
            "doc_type": text(128, "Tên loại."),
            "summary": text(5000, "Trích yếu (không ghi với Tuyệt mật, bì ghi tên người nhận)."),
            "level": LEVEL,
            "receiving_unit": ID,
            "copies": {"type": "integer", "minimum": 1, "maximum": 10000},
            "named_addressee": OPTIONAL_ID,
            "sealed": BOOL,
            "express": BOOL,
            "addressee_absent": BOOL,
            "anomalies": {"type": "array", "items": text(500), "maxItems": 50},
            "catalogue_item": OPTIONAL_ID,
            "copy_allowed": BOOL,
            "note": text(5000),
            "on": ON,
        },
    ),
)
def register_incoming(call: Call):
    staff, b = call.acting_staff(), call.body
    entry = incoming.register_incoming(
        call.actor,
        staff,
        issuer=b["issuer"],
        number_symbol=b["number_symbol"],
        document_date=b["document_date"],
        doc_type=b["doc_type"],
        summary=b.get("summary", ""),
        level=b["level"],
        receiving_unit=unit_of_agency(staff, b["receiving_unit"], "receiving_unit"),
        copies=b.get("copies", 1),
        named_addressee=colleague(staff, b.get("named_addressee"), "named_addressee"),
        sealed=b.get("sealed", False),
        express=b.get("express", False),
        addressee_absent=b.get("addressee_absent", False),
        anomalies=b.get("anomalies", ()),
        catalogue_item=catalogue_item(b.get("catalogue_item")),
        copy_allowed=b.get("copy_allowed", False),
        note=b.get("note", ""),
        on=b.get("on"),
    )
    return s.entry(entry)


# ---------------------------------------------------------------------------- recall


def _recall_answer(staff: Staff, rec: Recall) -> dict:
    rec = Recall.objects.select_related("issued_by").get(pk=rec.pk)
    return s.recall(rec, recall.recall_tasks(staff, rec))


@route(
    "POST",
    "/items/{id}/recalls",
    summary="Ra thông báo thu hồi tài liệu: mọi bản ở ngoài bộ phận lưu giữ phải gửi lại.",
    tag="thu hồi",
    status=201,
    response=s.RECALL,
    request=body_schema(
        ["due_on"],
        {"due_on": {**DATE, "description": "Hạn gửi lại."}, "reason": text(5000), "on": ON},
    ),
)
def issue_recall(call: Call):
    staff, b = call.acting_staff(), call.body
    item = selectors.item_for(staff, call.path["id"])
    rec = recall.issue_recall(
        call.actor,
        item,
        issued_by=staff,
        due_on=b["due_on"],
        reason=b.get("reason", ""),
        on=b.get("on"),
    )
    return _recall_answer(staff, rec)


@route(
    "POST",
    "/recall-tasks/{id}/return",
    summary="Văn thư, cán bộ bảo vệ BMNN xác nhận đã nhận lại một bản bị thu hồi.",
    tag="thu hồi",
    response=s.RECALL_TASK,
    request=body_schema([], {"on": ON}),
)
def confirm_recall_return(call: Call):
    staff = call.acting_staff()
    task = (
        RecallTask.objects.filter(pk=call.path["id"], copy__item__in=selectors.visible_items(staff))
        .select_related("recall")
        .first()
    )
    if task is None:
        raise Http404
    task = recall.confirm_return(call.actor, task, received_by=staff, on=call.body.get("on"))
    task = RecallTask.objects.select_related("copy", "holder", "received_by").get(pk=task.pk)
    return s.recall_task(task)
