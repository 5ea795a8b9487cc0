"""API handlers for the rest of an item's life: adjustment of its level, the councils that
declassification and destruction need, the decisions themselves, destruction on the spot, the
stamp of declassification by law, and the written notices owed. Same pattern as views.py: the
caller is the acting person of the service; items, copies and decisions are found through the
gate, councils within the caller's agency."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from bmnn.people.selectors import subunits
from bmnn.registry import selectors
from bmnn.registry.models import Council, LifecycleDecision, SecretItem
from bmnn.registry.services import lifecycle
from bmnn.web.api.dispatch import Call
from bmnn.web.api.movements import DECISION, IDS, _gate_copies, _visible, _visible_copy
from bmnn.web.api.movements import decision as decision_shape
from bmnn.web.api.schema import array_of, component, route
from bmnn.web.api.serializers import DATE, INT, LEVEL, PERSON, STR, obj_schema, person
from bmnn.web.api.views import ON, OPTIONAL_ID, body_schema, catalogue_item, text

MEMBER = obj_schema(
    {"name": STR, "position": STR, "unit": STR}, "Một thành viên hội đồng: họ tên, chức vụ, đơn vị."
)
MEMBER_IN = body_schema(
    ["name", "position", "unit"],
    {"name": text(255), "position": text(255), "unit": text(255)},
)

COUNCIL = component(
    "Council",
    obj_schema(
        {
            "id": INT,
            "kind": {"type": "string", "enum": Council.Kind.values},
            "kind_name": STR,
            "established_by": PERSON,
            "establishment_number": STR,
            "established_on": DATE,
            "chair": STR,
            "members": array_of(MEMBER),
            "minutes_on": DATE,
            "items": {
                **array_of(INT),
                "description": "Các tài liệu trong danh sách mà người dùng được biết.",
            },
        },
        "Hội đồng giải mật hoặc tiêu hủy và danh sách tài liệu nó xem xét.",
    ),
)


def council_shape(c: Council, visible_ids: list[int]) -> dict:
    return {
        "id": c.pk,
        "kind": c.kind,
        "kind_name": c.get_kind_display(),
        "established_by": person(c.established_by),
        "establishment_number": c.establishment_number,
        "established_on": c.established_on.isoformat(),
        "chair": c.chair,
        "members": c.members,
        "minutes_on": c.minutes_on.isoformat(),
        "items": visible_ids,
    }


def _answer(row: LifecycleDecision) -> dict:
    return decision_shape(LifecycleDecision.objects.select_related("decided_by").get(pk=row.pk))


def _council(staff, pk: int | None, field: str = "council") -> Council | None:
    """A council set up within the caller's agency; another agency's is as unknown as none."""
    if pk is None:
        return None
    found = Council.objects.filter(
        pk=pk, established_by__org_unit__in=subunits(staff.org_unit.agency())
    ).first()
    if found is None:
        raise ValidationError({field: [f"Không có hội đồng số {pk} trong cơ quan."]})
    return found


def _gate_items(staff, ids: list[int], field: str = "items") -> list[SecretItem]:
    found = list(selectors.visible_items(staff).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        missing = sorted(set(ids) - {i.pk for i in found})
        raise ValidationError(
            {field: ["Không có tài liệu số: " + ", ".join(map(str, missing)) + "."]}
        )
    return found


# ---------------------------------------------------------------------------- adjustment


@route(
    "POST",
    "/items/{id}/adjustments",
    summary="Người có thẩm quyền điều chỉnh độ mật (tăng hoặc giảm), theo danh mục BMNN.",
    tag="vòng đời",
    status=201,
    response=DECISION,
    request=body_schema(
        ["new_level", "document_number"],
        {
            "new_level": {
                "type": ["string", "null"],
                "enum": [*LEVEL["enum"], None],
                "description": "Độ mật mới; null (bỏ độ mật) bị từ chối: đó là giải mật.",
            },
            "document_number": text(64, "Số quyết định."),
            "catalogue_item": {
                **OPTIONAL_ID,
                "description": "Mục danh mục BMNN của độ mật mới (luật bắt buộc).",
            },
            "on": ON,
        },
    ),
)
def adjust(call: Call):
    staff, b = call.acting_staff(), call.body
    item = selectors.item_for(staff, call.path["id"])
    row = lifecycle.adjust(
        call.actor,
        item,
        decided_by=staff,
        new_level=b["new_level"],
        document_number=b["document_number"],
        catalogue_item=catalogue_item(b.get("catalogue_item")),
        on=b.get("on"),
    )
    return _answer(row)


# ---------------------------------------------------------------------------- councils


@route(
    "POST",
    "/councils",
    summary="Thành lập Hội đồng giải mật hoặc Hội đồng tiêu hủy, kèm biên bản họp.",
    tag="vòng đời",
    status=201,
    response=COUNCIL,
    request=body_schema(
        [
            "kind",
            "establishment_number",
            "established_on",
            "chair",
            "members",
            "minutes",
            "minutes_on",
            "items",
        ],
        {
            "kind": {"type": "string", "enum": Council.Kind.values},
            "establishment_number": text(64, "Số quyết định thành lập."),
            "established_on": {**DATE, "description": "Ngày quyết định thành lập."},
            "chair": text(255, "Chủ tịch hội đồng: đại diện lãnh đạo cơ quan, họ tên và chức vụ."),
            "members": {"type": "array", "items": MEMBER_IN, "maxItems": 50},
            "minutes": text(20000, "Biên bản họp hội đồng."),
            "minutes_on": {**DATE, "description": "Ngày họp."},
            "items": {**IDS, "description": "Các tài liệu hội đồng xem xét."},
        },
    ),
)
def create_council(call: Call):
    staff, b = call.acting_staff(), call.body
    council = lifecycle.create_council(
        call.actor,
        kind=b["kind"],
        established_by=staff,
        establishment_number=b["establishment_number"],
        established_on=b["established_on"],
        chair=b["chair"],
        members=b["members"],
        minutes=b["minutes"],
        minutes_on=b["minutes_on"],
        items=_gate_items(staff, b["items"]),
    )
    council = Council.objects.select_related("established_by").get(pk=council.pk)
    return council_shape(council, sorted(i.pk for i in council.items.all()))


# ---------------------------------------------------------------------------- decisions


@route(
    "POST",
    "/items/{id}/declassifications",
    summary="Người có thẩm quyền quyết định giải mật (toàn bộ hoặc một phần) sau hội đồng.",
    tag="vòng đời",
    status=201,
    response=DECISION,
    request=body_schema(
        ["council", "document_number"],
        {
            "council": {**OPTIONAL_ID, "description": "Hội đồng giải mật đã xem xét tài liệu."},
            "document_number": text(64, "Số quyết định."),
            "partial_scope": text(5000, "Giải mật một phần: nêu rõ nội dung được giải mật."),
            "on": ON,
        },
    ),
)
def declassify(call: Call):
    staff, b = call.acting_staff(), call.body
    item = selectors.item_for(staff, call.path["id"])
    row = lifecycle.declassify(
        call.actor,
        item,
        decided_by=staff,
        council=_council(staff, b["council"]),
        document_number=b["document_number"],
        partial_scope=b.get("partial_scope", ""),
        on=b.get("on"),
    )
    return _answer(row)


@route(
    "POST",
    "/items/{id}/destructions",
    summary="Người có thẩm quyền quyết định tiêu hủy sau hội đồng; kèm biên bản tiêu hủy.",
    tag="vòng đời",
    status=201,
    response=DECISION,
    request=body_schema(
        ["council", "document_number", "record"],
        {
            "council": {**OPTIONAL_ID, "description": "Hội đồng tiêu hủy đã xem xét tài liệu."},
            "document_number": text(64, "Số quyết định."),
            "record": text(20000, "Biên bản tiêu hủy."),
            "copies": {
                **IDS,
                "description": "Các bản tiêu hủy; bỏ trống là mọi bản đang quản lý.",
            },
            "on": ON,
        },
    ),
)
def destroy(call: Call):
    staff, b = call.acting_staff(), call.body
    item = selectors.item_for(staff, call.path["id"])
    copies = None
    if "copies" in b:
        copies = [c for c in _gate_copies(staff, b["copies"]) if c.item_id == item.pk]
        if len(copies) != len(set(b["copies"])):
            raise ValidationError({"copies": ["Có bản không thuộc tài liệu này."]})
    row = lifecycle.destroy(
        call.actor,
        item,
        decided_by=staff,
        council=_council(staff, b["council"]),
        document_number=b["document_number"],
        record=b["record"],
        copies=copies,
        on=b.get("on"),
    )
    return _answer(row)


@route(
    "POST",
    "/copies/{id}/destroy-immediately",
    summary="Người đang quản lý tiêu hủy ngay một bản để tránh nguy hại, báo cáo bằng văn bản.",
    tag="vòng đời",
    status=201,
    response=DECISION,
    request=body_schema(
        ["report"],
        {"report": text(20000, "Báo cáo người đứng đầu cơ quan về việc tiêu hủy ngay."), "on": ON},
    ),
)
def destroy_immediately(call: Call):
    staff = call.acting_staff()
    copy = _visible_copy(staff, call.path["id"])
    row = lifecycle.destroy_immediately(
        call.actor, copy, holder=staff, report=call.body["report"], on=call.body.get("on")
    )
    return _answer(row)


@route(
    "POST",
    "/items/{id}/mark-lapsed",
    summary="Đóng dấu giải mật một tài liệu đã hết thời hạn bảo vệ mà không được gia hạn.",
    tag="vòng đời",
    status=201,
    response=DECISION,
    request=body_schema([], {"on": ON}),
)
def mark_lapsed(call: Call):
    staff = call.acting_staff()
    item = selectors.item_for(staff, call.path["id"])
    row = lifecycle.mark_lapsed(call.actor, item, by=staff, on=call.body.get("on"))
    return _answer(row)


@route(
    "POST",
    "/decisions/{id}/notice",
    summary="Ghi ngày đã gửi thông báo bằng văn bản về quyết định gia hạn, điều chỉnh, giải mật.",
    tag="vòng đời",
    response=DECISION,
    request=body_schema([], {"on": {**ON, "description": "Ngày đã gửi thông báo."}}),
)
def record_notice(call: Call):
    staff = call.acting_staff()
    row = _visible(LifecycleDecision, staff, call.path["id"])
    row = lifecycle.record_notice(call.actor, row, by=staff, on=call.body.get("on"))
    return _answer(row)
