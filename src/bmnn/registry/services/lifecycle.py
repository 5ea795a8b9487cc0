"""Extension, adjustment, declassification and destruction of secret items, and their notices.

Each decision is a LifecycleDecision row stamped with the rule that allowed it, written with the
item's new state and the ledger event in one transaction. Extension, adjustment and decided
declassification owe a written notice within 15 days (rulebook `notice_due`); the due lists in
bmnn.registry.deadlines show what is owed.

Two readings the law leaves open, chosen on the safe side:
- Adjustment: the period runs "from the date the level was determined" (Law 29/2018 Art. 19(1));
  an adjustment determines a new level, so the new level's period is counted from the adjustment
  date. `classified_on` keeps the original date (the register's history), `expires_on` and
  `extension_decision_by` follow the new period. Either way this protects at least as long as
  counting from the first classification would.
- Expiry without extension: declassified by law on the day after `expires_on` (Law 117/2025
  Art. 22(1)(a)); the agency still marks the item and, conservatively, notifies within the
  decided-declassification term (notice.declassify), since the law asks an agency to tell those
  who hold the secret.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from bmnn.catalogue.models import CatalogueItem
from bmnn.people.models import Staff
from bmnn.people.selectors import agency_head
from bmnn.registry.models import Copy, Council, LifecycleDecision, SecretItem
from bmnn.registry.rulebook import refuse, require, rule, stamp
from bmnn.registry.services._base import (
    REGISTER_KEEPERS,
    day,
    level_name,
    obj,
    require_active,
    require_role,
    search_text,
)
from bmnn.registry.services.classification import check_catalogue
from bmnn.rules import LEVELS, Decision, RuleError, load_rulebook
from bmnn.web import ledger
from bmnn.web.errors import Refused

LAPSE_MARKERS = REGISTER_KEEPERS | {Staff.Role.LEADER}
LIVE_COPY_STATES = (Copy.State.HELD, Copy.State.OUT)


# ---------------------------------------------------------------------- helpers
def add_years(start: dt.date, years: int) -> tuple[dt.date, str]:
    """`start` plus whole years, counted as the rulebook counts periods (Civil Code Art. 148):
    the same day and month; a 29/02 with no counterpart follows `period.counting`. Returns the
    date and the counting citation when 29/02 had to be shifted (else "")."""
    try:
        return start.replace(year=start.year + years), ""
    except ValueError:
        rb = load_rulebook()
        counting = rb.provision_near("period.counting", start)
        shifted = (
            dt.date(start.year + years, 3, 1)
            if counting.value.get("missing_day") == "next_day"
            else dt.date(start.year + years, 2, 28)
        )
        return shifted, rb.cite(counting.citation)


def extension_deadline(expires_on: dt.date) -> dt.date:
    """The last day to decide an extension of a period ending on `expires_on`."""
    version = load_rulebook().provision_near("extension.deadline", expires_on)
    return expires_on - dt.timedelta(days=int(version.value["days_before_expiry"]))


def _require_document_number(document_number: str) -> str:
    document_number = document_number.strip()
    if not document_number:
        raise ValidationError("Cần ghi số, ký hiệu của quyết định.")
    return document_number


def _require_classifier(decider: Staff, item: SecretItem, decision: Decision) -> None:
    """Extension, adjustment and declassification belong to the head of the agency that set the
    level (Law 29/2018 Art. 20(2), 21(3), 22(4)): not a receiving agency, not another agency."""
    if item.origin != SecretItem.Origin.OUTGOING:
        raise Refused(
            "Tài liệu này do cơ quan khác xác định độ mật; chỉ người đứng đầu cơ quan đã xác "
            "định độ mật mới có thẩm quyền quyết định.",
            decision.citation,
        )
    _require_same_agency(decider, item, decision)


def _require_same_agency(decider: Staff, item: SecretItem, decision: Decision) -> None:
    if decider.org_unit.agency() != item.owner_unit.agency():
        raise Refused(
            f"{decider.full_name} không thuộc cơ quan quản lý tài liệu này.", decision.citation
        )


def _locked_active(item: SecretItem) -> SecretItem:
    item = SecretItem.objects.select_for_update().select_related("owner_unit").get(pk=item.pk)
    if item.status != SecretItem.Status.ACTIVE:
        raise ValidationError(f"Tài liệu đang ở tình trạng «{item.get_status_display()}».")
    return item


def _decision_payload(decision: LifecycleDecision) -> dict:
    return {
        "item": decision.item_id,
        "kind": decision.kind,
        "decided_by": decision.decided_by_id,
        "decided_on": decision.decided_on.isoformat(),
        "document_number": decision.document_number,
        "notice_due": decision.notice_due.isoformat() if decision.notice_due else None,
        "notice_citation": decision.notice_citation,
        "citation": decision.citation,
        "confidence": decision.confidence,
        "rule_id": decision.rule_id,
    }


# ---------------------------------------------------------------------- extension
def extend(
    actor: str,
    item: SecretItem,
    *,
    decided_by: Staff,
    years: int,
    document_number: str,
    on: dt.date | None = None,
) -> LifecycleDecision:
    """Gia hạn: decided no later than 60 days before expiry, each time at most the level's base
    period; the new period runs on from the current expiry."""
    on = day(on)
    document_number = _require_document_number(document_number)
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ValidationError("Số năm gia hạn phải là số nguyên dương.")
    rb = load_rulebook()
    with transaction.atomic():
        item = _locked_active(item)
        if item.expires_on is None:
            raise refuse(
                "period.place",
                on,
                "Bí mật về địa điểm không có thời hạn cố định nên không gia hạn.",
            )
        decision = require(decided_by, "extend", item.level, on)
        _require_classifier(decided_by, item, decision)
        limit, limit_citation = rb.extension_limit_years(item.level, on)
        if years > limit:
            raise Refused(
                f"Mỗi lần gia hạn không quá {limit} năm đối với độ {level_name(item.level)}; "
                f"đề nghị gia hạn {years} năm.",
                limit_citation,
            )
        deadline = rb.provision_near("extension.deadline", on)
        last_day = item.expires_on - dt.timedelta(days=int(deadline.value["days_before_expiry"]))
        if on > last_day:
            raise Refused(
                f"Quyết định gia hạn phải có chậm nhất {deadline.value['days_before_expiry']} "
                f"ngày trước ngày hết thời hạn ({item.expires_on:%d/%m/%Y}), tức đến hết ngày "
                f"{last_day:%d/%m/%Y}.",
                rb.cite(deadline.citation),
            )
        new_expires, counting = add_years(item.expires_on, years)
        notice_due, notice_citation = rb.notice_due("extend", on)
        record = LifecycleDecision.objects.create(
            item=item,
            kind=LifecycleDecision.Kind.EXTEND,
            decided_by=decided_by,
            decided_on=on,
            document_number=document_number,
            old_level=item.level,
            new_level=item.level,
            years=years,
            old_expires_on=item.expires_on,
            new_expires_on=new_expires,
            notice_due=notice_due,
            notice_citation=notice_citation,
            **stamp(decision),
        )
        item.expires_on = new_expires
        item.extension_decision_by = extension_deadline(new_expires)
        item.save(update_fields=["expires_on", "extension_decision_by"])
        ledger.record(
            actor,
            "registry.lifecycle.extend",
            obj(record),
            {
                **_decision_payload(record),
                "years": years,
                "old_expires_on": record.old_expires_on.isoformat(),
                "new_expires_on": new_expires.isoformat(),
                "limit_citation": limit_citation,
                "counting_citation": counting,
            },
        )
    return record


# ---------------------------------------------------------------------- adjustment
def adjust(
    actor: str,
    item: SecretItem,
    *,
    decided_by: Staff,
    new_level: str | None,
    document_number: str,
    catalogue_item: CatalogueItem | None = None,
    on: dt.date | None = None,
) -> LifecycleDecision:
    """Điều chỉnh độ mật: raise or lower the level, on the catalogue, by one who may set both the
    old and the new level. Raising to Tuyệt mật erases the summary (none is kept for Tuyệt mật)."""
    on = day(on)
    if not new_level:
        raise refuse(
            "adjust.scope",
            on,
            "Điều chỉnh độ mật chỉ là tăng hoặc giảm giữa Tuyệt mật, Tối mật, Mật; bỏ độ mật là "
            "giải mật, phải làm thủ tục giải mật.",
        )
    if new_level not in LEVELS:
        raise ValidationError(f"Độ mật «{new_level}» không hợp lệ.")
    document_number = _require_document_number(document_number)
    rb = load_rulebook()
    with transaction.atomic():
        item = _locked_active(item)
        if new_level == item.level:
            raise ValidationError(f"Tài liệu đã ở độ {level_name(new_level)}.")
        old = require(decided_by, "adjust", item.level, on)
        new = require(decided_by, "adjust", new_level, on)
        _require_classifier(decided_by, item, new)
        if catalogue_item is not None:
            catalogue_item = CatalogueItem.objects.select_related("decision").get(
                pk=catalogue_item.pk
            )
        check_catalogue(catalogue_item, new_level, on)
        base_years = int(rb.provision_near("period.base", on).value[new_level])
        shorter = (
            item.period_years
            if item.period_kind == "activity"
            and item.period_years
            and item.period_years < base_years
            else None
        )
        try:
            period = rb.period(new_level, on, item.period_kind, shorter)
        except RuleError as exc:
            raise ValidationError(str(exc)) from exc
        notice_due, notice_citation = rb.notice_due("adjust", on)
        record = LifecycleDecision.objects.create(
            item=item,
            kind=LifecycleDecision.Kind.ADJUST,
            decided_by=decided_by,
            decided_on=on,
            document_number=document_number,
            old_level=item.level,
            new_level=new_level,
            years=period.years,
            old_expires_on=item.expires_on,
            new_expires_on=period.expires_on,
            notice_due=notice_due,
            notice_citation=notice_citation,
            **stamp(new),
        )
        item.level, item.catalogue_item = new_level, catalogue_item
        item.period_years = period.years
        item.expires_on, item.extension_decision_by = (
            period.expires_on,
            period.extension_decision_by,
        )
        if new_level == "tuyet_mat":
            item.summary = ""
        item.search_text = search_text(item)
        item.save(
            update_fields=[
                "level",
                "catalogue_item",
                "period_years",
                "expires_on",
                "extension_decision_by",
                "summary",
                "search_text",
            ]
        )
        ledger.record(
            actor,
            "registry.lifecycle.adjust",
            obj(record),
            {
                **_decision_payload(record),
                "old_level": record.old_level,
                "new_level": new_level,
                "catalogue_item": catalogue_item.pk,
                "old_level_authority": old.citation,
                "new_expires_on": period.expires_on.isoformat() if period.expires_on else None,
                "period_citation": period.citation,
            },
        )
    return record


# ---------------------------------------------------------------------- councils
def create_council(
    actor: str,
    *,
    kind: str,
    established_by: Staff,
    establishment_number: str,
    established_on: dt.date,
    chair: str,
    members: list[dict],
    minutes: str,
    minutes_on: dt.date,
    items: Iterable[SecretItem],
) -> Council:
    """Hội đồng giải mật / tiêu hủy: set up by one competent for every item on its list, with its
    members, its chair (a leader of the agency, by name and title) and the minutes of its
    meeting."""
    if kind not in Council.Kind.values:
        raise ValidationError(f"Loại hội đồng «{kind}» không hợp lệ.")
    rule_id = "declassify.council" if kind == Council.Kind.DECLASSIFY else "destroy.council"
    action = "declassify" if kind == Council.Kind.DECLASSIFY else "destroy"
    established_on, minutes_on = day(established_on), day(minutes_on)
    establishment_number, chair, minutes = (
        establishment_number.strip(),
        chair.strip(),
        minutes.strip(),
    )
    items = list(items)
    if minutes_on < established_on:
        raise ValidationError("Ngày họp hội đồng trước ngày quyết định thành lập.")
    rows = []
    for member in members or []:
        if not isinstance(member, dict):
            raise ValidationError("Mỗi thành viên hội đồng ghi họ tên, chức vụ, đơn vị.")
        row = {k: str(member.get(k, "")).strip() for k in ("name", "position", "unit")}
        if not all(row.values()):
            raise ValidationError("Mỗi thành viên hội đồng phải có họ tên, chức vụ, đơn vị.")
        rows.append(row)
    missing = [
        label
        for label, value in (
            ("số quyết định thành lập", establishment_number),
            ("chủ tịch hội đồng (đại diện lãnh đạo cơ quan)", chair),
            ("thành viên", rows),
            ("biên bản họp hội đồng", minutes),
            ("danh sách tài liệu, vật chứa đề nghị", items),
        )
        if not value
    ]
    if missing:
        raise refuse(rule_id, minutes_on, "Hồ sơ hội đồng còn thiếu: " + ", ".join(missing))
    with transaction.atomic():
        for item in items:
            item = SecretItem.objects.select_related("owner_unit").get(pk=item.pk)
            decision = require(established_by, action, item.level, established_on)
            if kind == Council.Kind.DECLASSIFY:
                _require_classifier(established_by, item, decision)
            else:
                _require_same_agency(established_by, item, decision)
        council = Council.objects.create(
            kind=kind,
            established_by=established_by,
            establishment_number=establishment_number,
            established_on=established_on,
            chair=chair,
            members=rows,
            minutes=minutes,
            minutes_on=minutes_on,
        )
        council.items.set(items)
        ledger.record(
            actor,
            "registry.council.create",
            obj(council),
            {
                "kind": kind,
                "established_by": established_by.pk,
                "establishment_number": establishment_number,
                "established_on": established_on.isoformat(),
                "minutes_on": minutes_on.isoformat(),
                "members": len(rows),
                "items": sorted(i.pk for i in items),
                "citation": rule(rule_id, minutes_on).citation,
            },
        )
    return council


def _check_council(council: Council | None, kind: str, item: SecretItem, on: dt.date) -> None:
    rule_id = "declassify.council" if kind == Council.Kind.DECLASSIFY else "destroy.council"
    name = Council.Kind(kind).label
    if council is None or council.kind != kind:
        raise refuse(rule_id, on, f"Cần có {name} xem xét trước khi quyết định.")
    if not council.minutes.strip() or council.minutes_on > on:
        raise refuse(rule_id, on, f"{name} chưa có biên bản họp trước ngày quyết định.")
    if not council.items.filter(pk=item.pk).exists():
        raise refuse(
            rule_id, on, f"Tài liệu này không có trong danh sách {name} ({council}) đã xem xét."
        )


# ---------------------------------------------------------------------- declassification
def declassify(
    actor: str,
    item: SecretItem,
    *,
    decided_by: Staff,
    council: Council | None,
    document_number: str,
    partial_scope: str = "",
    on: dt.date | None = None,
) -> LifecycleDecision:
    """Giải mật by decision, after the council. Partial: the decision states exactly what is
    released and the item stays protected for the rest; full: the item is declassified."""
    on = day(on)
    document_number = _require_document_number(document_number)
    partial_scope = partial_scope.strip()
    rb = load_rulebook()
    with transaction.atomic():
        item = _locked_active(item)
        decision = require(decided_by, "declassify", item.level, on)
        _require_classifier(decided_by, item, decision)
        _check_council(council, Council.Kind.DECLASSIFY, item, on)
        notice_due, notice_citation = rb.notice_due("declassify", on)
        record = LifecycleDecision.objects.create(
            item=item,
            kind=LifecycleDecision.Kind.DECLASSIFY,
            decided_by=decided_by,
            decided_on=on,
            document_number=document_number,
            old_level=item.level,
            partial_scope=partial_scope,
            council=council,
            notice_due=notice_due,
            notice_citation=notice_citation,
            **stamp(decision),
        )
        if not partial_scope:
            item.status, item.status_on = SecretItem.Status.DECLASSIFIED, on
            item.save(update_fields=["status", "status_on"])
        ledger.record(
            actor,
            "registry.lifecycle.declassify",
            obj(record),
            {
                **_decision_payload(record),
                "council": council.pk,
                "partial": bool(partial_scope),
                "council_citation": rule("declassify.council", on).citation,
            },
        )
    return record


def mark_lapsed(
    actor: str, item: SecretItem, *, by: Staff, on: dt.date | None = None
) -> LifecycleDecision:
    """Record the stamp "declassified by law" on an item whose period ended without extension,
    and the notice owed. The item was declassified the day after `expires_on`; this records when
    the agency marked it."""
    on = day(on)
    require_role(by, LAPSE_MARKERS, "đóng dấu giải mật")
    require_active(by, on)
    rb = load_rulebook()
    with transaction.atomic():
        item = _locked_active(item)
        if by.org_unit.agency() != item.owner_unit.agency():
            raise PermissionDenied(f"{by.full_name} không thuộc cơ quan quản lý tài liệu này.")
        if item.lapsed_marked_on is not None:
            raise ValidationError("Tài liệu này đã được đóng dấu giải mật.")
        if item.expires_on is None or item.expires_on >= on:
            until = f" (còn đến hết ngày {item.expires_on:%d/%m/%Y})" if item.expires_on else ""
            raise refuse(
                "declassify.automatic",
                on,
                f"Tài liệu chưa hết thời hạn bảo vệ{until}; chưa đương nhiên giải mật.",
            )
        ref = rule("declassify.automatic", on)
        notice_due, notice_citation = rb.notice_due("declassify", on)
        record = LifecycleDecision.objects.create(
            item=item,
            kind=LifecycleDecision.Kind.LAPSED,
            decided_by=by,
            decided_on=on,
            old_level=item.level,
            old_expires_on=item.expires_on,
            notice_due=notice_due,
            notice_citation=notice_citation,
            **ref.stamp(),
        )
        item.status = SecretItem.Status.DECLASSIFIED
        item.status_on = item.expires_on + dt.timedelta(days=1)
        item.lapsed_marked_on = on
        item.save(update_fields=["status", "status_on", "lapsed_marked_on"])
        ledger.record(
            actor,
            "registry.lifecycle.lapsed",
            obj(record),
            {**_decision_payload(record), "expired_on": item.expires_on.isoformat()},
        )
    return record


# ---------------------------------------------------------------------- destruction
def _settle_item(item: SecretItem, on: dt.date) -> bool:
    """Mark the item destroyed once no copy is left in the agency's hands."""
    if Copy.objects.filter(item=item, state__in=LIVE_COPY_STATES).exists():
        return False
    item.status, item.status_on = SecretItem.Status.DESTROYED, on
    item.save(update_fields=["status", "status_on"])
    return True


def destroy(
    actor: str,
    item: SecretItem,
    *,
    decided_by: Staff,
    council: Council | None,
    document_number: str,
    record: str,
    copies: Iterable[Copy] | None = None,
    on: dt.date | None = None,
) -> LifecycleDecision:
    """Tiêu hủy when no longer needed: the competent person decides after the destruction
    council; the destruction record (biên bản tiêu hủy) closes the dossier. `copies` default to
    every copy the agency holds; each must be held (not out, not sent away)."""
    on = day(on)
    document_number = _require_document_number(document_number)
    record = record.strip()
    with transaction.atomic():
        item = _locked_active(item)
        decision = require(decided_by, "destroy", item.level, on)
        _require_same_agency(decided_by, item, decision)
        _check_council(council, Council.Kind.DESTROY, item, on)
        if not record:
            raise refuse(
                "destroy.council",
                on,
                "Hồ sơ tiêu hủy phải có biên bản tiêu hủy.",
            )
        held = Copy.objects.select_for_update().filter(item=item)
        if copies is None:
            chosen = list(held.filter(state=Copy.State.HELD))
        else:
            wanted = {c.pk for c in copies}
            chosen = list(held.filter(pk__in=wanted))
            if len(chosen) != len(wanted):
                raise ValidationError("Có bản không thuộc tài liệu này.")
            not_held = [c for c in chosen if c.state != Copy.State.HELD]
            if not_held:
                raise ValidationError(
                    "Chỉ tiêu hủy được bản đang quản lý: "
                    + ", ".join(f"{c} ({c.get_state_display()})" for c in not_held)
                )
        if not chosen:
            raise ValidationError("Không còn bản nào đang quản lý để tiêu hủy.")
        row = LifecycleDecision.objects.create(
            item=item,
            kind=LifecycleDecision.Kind.DESTROY,
            decided_by=decided_by,
            decided_on=on,
            document_number=document_number,
            old_level=item.level,
            council=council,
            record=record,
            **stamp(decision),
        )
        row.copies.set(chosen)
        Copy.objects.filter(pk__in=[c.pk for c in chosen]).update(state=Copy.State.DESTROYED)
        whole = _settle_item(item, on)
        ledger.record(
            actor,
            "registry.lifecycle.destroy",
            obj(row),
            {
                **_decision_payload(row),
                "council": council.pk,
                "copies": sorted(c.pk for c in chosen),
                "item_destroyed": whole,
                "council_citation": rule("destroy.council", on).citation,
            },
        )
    return row


def destroy_immediately(
    actor: str, copy: Copy, *, holder: Staff, report: str, on: dt.date | None = None
) -> LifecycleDecision:
    """The person holding a copy destroys it at once because keeping it would cause harm, and
    reports in writing to the head of the agency (Law 29/2018 Art. 23(3)(c))."""
    on = day(on)
    report = report.strip()
    ref = rule("destroy.immediate", on)
    terms = load_rulebook().provision_near("destroy.immediate", on).value
    if not report:
        raise Refused(f"{terms['report']} về việc tiêu hủy ngay.", ref.citation)
    with transaction.atomic():
        copy = Copy.objects.select_for_update().select_related("item__owner_unit").get(pk=copy.pk)
        if copy.custodian_id != holder.pk or copy.state not in LIVE_COPY_STATES:
            raise PermissionDenied(
                f"Chỉ {terms['holder'].lower()} mới được tiêu hủy ngay; {holder.full_name} không "
                f"đang quản lý {copy}."
            )
        require_active(holder, on)
        item = SecretItem.objects.select_for_update().get(pk=copy.item_id)
        head = agency_head(item.owner_unit.agency(), on)
        row = LifecycleDecision.objects.create(
            item=item,
            kind=LifecycleDecision.Kind.DESTROY_IMMEDIATE,
            decided_by=holder,
            decided_on=on,
            old_level=item.level,
            record=report,
            reported_to=head,
            **ref.stamp(),
        )
        row.copies.set([copy])
        copy.state = Copy.State.DESTROYED
        copy.save(update_fields=["state"])
        whole = item.status == SecretItem.Status.ACTIVE and _settle_item(item, on)
        ledger.record(
            actor,
            "registry.lifecycle.destroy_immediate",
            obj(row),
            {
                **_decision_payload(row),
                "copy": copy.pk,
                "reported_to": head.pk if head else None,
                "item_destroyed": whole,
            },
        )
    return row


# ---------------------------------------------------------------------- notices
def record_notice(
    actor: str, decision: LifecycleDecision, *, by: Staff, on: dt.date
) -> LifecycleDecision:
    """The written notice of an extension, adjustment or declassification was sent on `on`;
    recorded by a register keeper or leader of the item's agency, as a lapsed item's stamp."""
    on = day(on)
    require_role(by, LAPSE_MARKERS, "ghi nhận việc thông báo")
    with transaction.atomic():
        decision = (
            LifecycleDecision.objects.select_for_update(of=("self",))
            .select_related("item__owner_unit")
            .get(pk=decision.pk)
        )
        if by.org_unit.agency() != decision.item.owner_unit.agency():
            raise PermissionDenied(f"{by.full_name} không thuộc cơ quan quản lý tài liệu này.")
        if decision.notice_due is None:
            raise ValidationError("Quyết định này không phải thông báo bằng văn bản.")
        if decision.notified_on is not None:
            raise ValidationError(
                f"Đã ghi thông báo ngày {decision.notified_on:%d/%m/%Y} cho quyết định này."
            )
        if on < decision.decided_on:
            raise ValidationError("Ngày thông báo trước ngày quyết định.")
        decision.notified_on = on
        decision.save(update_fields=["notified_on"])
        ledger.record(
            actor,
            "registry.lifecycle.notice",
            obj(decision),
            {
                "item": decision.item_id,
                "kind": decision.kind,
                "notified_on": on.isoformat(),
                "notice_due": decision.notice_due.isoformat(),
                "late": on > decision.notice_due,
                "notice_citation": decision.notice_citation,
                "by": by.pk,
            },
        )
    return decision
