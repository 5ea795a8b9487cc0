"""The JSON shapes the API answers with, each next to its schema (components.schemas).

A Tuyệt mật summary never leaves here: the database cannot hold one (a check constraint), and
every shape that could carry one writes null for Tuyệt mật anyway, so a bug upstream still
cannot leak it. The same holds for a Tuyệt mật proposal's title, which is its summary.
"""

from __future__ import annotations

import datetime as dt

from bmnn.people.models import LEVEL_CHOICES, LEVEL_NAMES, Staff
from bmnn.registry.models import (
    Copy,
    Proposal,
    Recall,
    RecallTask,
    Register,
    RegisterEntry,
    SecretItem,
)
from bmnn.web.api.schema import array_of, component

TOP = "tuyet_mat"
LEVELS = [code for code, _ in LEVEL_CHOICES]

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
NULL_STR = {"type": ["string", "null"]}
NULL_INT = {"type": ["integer", "null"]}
NULL_DATE = {"type": ["string", "null"], "format": "date"}
LEVEL = {"type": "string", "enum": LEVELS}


def obj_schema(properties: dict, description: str = "") -> dict:
    schema = {
        "type": "object",
        "required": sorted(properties),
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _summary(level: str, text: str) -> str | None:
    return None if level == TOP else text


ERROR = component(
    "Error",
    {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": STR,
            "citation": {
                "type": ["string", "null"],
                "description": "Căn cứ pháp lý của lời từ chối (văn bản, điều, khoản, điểm).",
            },
            "details": array_of(
                obj_schema({"field": NULL_STR, "message": STR}, "Một lỗi của dữ liệu gửi lên.")
            ),
        },
    },
)

PERSON = component("Person", obj_schema({"id": INT, "full_name": STR}))
UNIT = component("Unit", obj_schema({"id": INT, "name": STR}))


def person(staff: Staff | None) -> dict | None:
    return None if staff is None else {"id": staff.pk, "full_name": staff.full_name}


ITEM = component(
    "Item",
    obj_schema(
        {
            "id": INT,
            "kind": {"type": "string", "enum": SecretItem.Kind.values},
            "origin": {"type": "string", "enum": SecretItem.Origin.values},
            "number_symbol": STR,
            "doc_type": STR,
            "summary": {
                "type": ["string", "null"],
                "description": "Trích yếu; luôn null với độ Tuyệt mật.",
            },
            "level": LEVEL,
            "level_name": STR,
            "issuer": STR,
            "document_date": NULL_DATE,
            "classified_on": NULL_DATE,
            "status": {"type": "string", "enum": SecretItem.Status.values},
            "status_name": STR,
            "owner_unit": UNIT,
            "catalogue_citation": NULL_STR,
            "copy_allowed": BOOL,
            "copies_issued": INT,
            "recipients_text": STR,
            "expires_on": NULL_DATE,
            "extension_decision_by": NULL_DATE,
        },
        "Một tài liệu, vật chứa bí mật nhà nước.",
    ),
)


def item(i: SecretItem) -> dict:
    return {
        "id": i.pk,
        "kind": i.kind,
        "origin": i.origin,
        "number_symbol": i.number_symbol,
        "doc_type": i.doc_type,
        "summary": _summary(i.level, i.summary),
        "level": i.level,
        "level_name": LEVEL_NAMES[i.level],
        "issuer": i.issuer,
        "document_date": _date(i.document_date),
        "classified_on": _date(i.classified_on),
        "status": i.status,
        "status_name": i.get_status_display(),
        "owner_unit": {"id": i.owner_unit_id, "name": i.owner_unit.name},
        "catalogue_citation": i.catalogue_item.citation if i.catalogue_item_id else None,
        "copy_allowed": i.copy_allowed,
        "copies_issued": i.copies_issued,
        "recipients_text": i.recipients_text,
        "expires_on": _date(i.expires_on),
        "extension_decision_by": _date(i.extension_decision_by),
    }


ITEM_BRIEF = component(
    "ItemBrief",
    obj_schema(
        {
            "id": INT,
            "number_symbol": STR,
            "doc_type": STR,
            "level": LEVEL,
            "summary": {"type": ["string", "null"], "description": "Luôn null với Tuyệt mật."},
        }
    ),
)


def item_brief(i: SecretItem) -> dict:
    return {
        "id": i.pk,
        "number_symbol": i.number_symbol,
        "doc_type": i.doc_type,
        "level": i.level,
        "summary": _summary(i.level, i.summary),
    }


COPY = component(
    "Copy",
    obj_schema(
        {
            "id": INT,
            "number": INT,
            "of_total": INT,
            "form": {"type": "string", "enum": Copy.Form.values},
            "electronic": BOOL,
            "state": {"type": "string", "enum": Copy.State.values},
            "custodian": {"oneOf": [PERSON, {"type": "null"}]},
            "location": STR,
            "holder_outside": STR,
        },
        "Một bản (bản số x/y) của tài liệu.",
    ),
)


def copy(c: Copy) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "of_total": c.of_total,
        "form": c.form,
        "electronic": c.electronic,
        "state": c.state,
        "custodian": person(c.custodian),
        "location": c.location,
        "holder_outside": c.holder_outside,
    }


REGISTER = component(
    "Register",
    obj_schema(
        {
            "id": INT,
            "kind": {"type": "string", "enum": Register.Kind.values},
            "kind_name": STR,
            "year": INT,
            "book": INT,
            "opened_on": DATE,
            "closed_on": NULL_DATE,
        },
        "Một quyển sổ. Không nêu số dòng cuối: số dòng của sổ là số đếm cả tài liệu người "
        "dùng không được biết.",
    ),
)


def register(r: Register) -> dict:
    return {
        "id": r.pk,
        "kind": r.kind,
        "kind_name": r.get_kind_display(),
        "year": r.year,
        "book": r.book,
        "opened_on": _date(r.opened_on),
        "closed_on": _date(r.closed_on),
    }


ENTRY = component(
    "RegisterEntry",
    obj_schema(
        {
            "id": INT,
            "register": INT,
            "number": INT,
            "entered_on": DATE,
            "entered_by": PERSON,
            "item": ITEM_BRIEF,
            "recipients_text": STR,
            "copies": INT,
            "note": STR,
        },
        "Một dòng sổ.",
    ),
)


def entry(e: RegisterEntry) -> dict:
    return {
        "id": e.pk,
        "register": e.register_id,
        "number": e.number,
        "entered_on": _date(e.entered_on),
        "entered_by": person(e.entered_by),
        "item": item_brief(e.item),
        "recipients_text": e.recipients_text,
        "copies": e.copies,
        "note": e.note,
    }


PROPOSAL = component(
    "Proposal",
    obj_schema(
        {
            "id": INT,
            "title": {"type": ["string", "null"], "description": "Luôn null với Tuyệt mật."},
            "kind": {"type": "string", "enum": SecretItem.Kind.values},
            "level": LEVEL,
            "catalogue_item": NULL_INT,
            "recipients_text": STR,
            "copies": INT,
            "copy_allowed": BOOL,
            "activity_period_years": NULL_INT,
            "proposed_on": DATE,
            "status": {"type": "string", "enum": Proposal.Status.values},
            "drafter": PERSON,
            "decided_by": {"oneOf": [PERSON, {"type": "null"}]},
            "decided_on": NULL_DATE,
            "decision_note": STR,
            "item": NULL_INT,
            "citation": STR,
            "rule_id": STR,
            "confidence": STR,
        },
        "Phiếu đề xuất độ mật và quyết định của người có thẩm quyền.",
    ),
)


def proposal(p: Proposal) -> dict:
    return {
        "id": p.pk,
        "title": _summary(p.level, p.title),
        "kind": p.kind,
        "level": p.level,
        "catalogue_item": p.catalogue_item_id,
        "recipients_text": p.recipients_text,
        "copies": p.copies,
        "copy_allowed": p.copy_allowed,
        "activity_period_years": p.activity_period_years,
        "proposed_on": _date(p.proposed_on),
        "status": p.status,
        "drafter": person(p.drafter),
        "decided_by": person(p.decided_by),
        "decided_on": _date(p.decided_on),
        "decision_note": p.decision_note,
        "item": p.item_id,
        "citation": p.citation,
        "rule_id": p.rule_id,
        "confidence": p.confidence,
    }


COUNTS = component(
    "Counts",
    obj_schema(
        {code: INT for code in LEVELS},
        "Số tài liệu người dùng được biết, theo độ mật.",
    ),
)

RECALL_TASK = component(
    "RecallTask",
    obj_schema(
        {
            "id": INT,
            "copy": INT,
            "copy_label": STR,
            "holder": {"oneOf": [PERSON, {"type": "null"}]},
            "holder_outside": STR,
            "returned_on": NULL_DATE,
            "received_by": {"oneOf": [PERSON, {"type": "null"}]},
            "late": BOOL,
        }
    ),
)

RECALL = component(
    "Recall",
    obj_schema(
        {
            "id": INT,
            "item": {
                "type": ["integer", "null"],
                "description": "Tài liệu bị thu hồi; null với thu hồi khi thôi công tác.",
            },
            "departure": {
                "type": ["integer", "null"],
                "description": "Thủ tục thôi công tác đã ra thông báo thu hồi này (nếu có).",
            },
            "issued_by": PERSON,
            "issued_on": DATE,
            "due_on": DATE,
            "reason": STR,
            "tasks": array_of(RECALL_TASK),
        },
        "Thông báo thu hồi tài liệu và các bản phải gửi lại.",
    ),
)


def recall_task(t: RecallTask) -> dict:
    return {
        "id": t.pk,
        "copy": t.copy_id,
        "copy_label": str(t.copy),
        "holder": person(t.holder),
        "holder_outside": t.holder_outside,
        "returned_on": _date(t.returned_on),
        "received_by": person(t.received_by),
        "late": t.late,
    }


def recall(r: Recall, tasks: list[RecallTask]) -> dict:
    return {
        "id": r.pk,
        "item": r.item_id,
        "departure": r.departure_id,
        "issued_by": person(r.issued_by),
        "issued_on": _date(r.issued_on),
        "due_on": _date(r.due_on),
        "reason": r.reason,
        "tasks": [recall_task(t) for t in tasks],
    }
