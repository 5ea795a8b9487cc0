"""The drafter proposes a level (phiếu đề xuất độ mật); a competent person decides.

The decision is the date the level was set: the protection period and the extension deadline
follow from it (rulebook `period`). A decision without a catalogue item is refused (Law
117/2025 Art. 5(1)); so is a level other than the catalogue item's.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from bmnn.catalogue.models import CatalogueDecision, CatalogueItem
from bmnn.people.models import OrgUnit, Staff
from bmnn.registry.models import LEVEL_RANK, Proposal, SecretItem
from bmnn.registry.rulebook import refuse, require, rule, stamp
from bmnn.registry.services._base import day, level_name, obj, require_active, search_text
from bmnn.rules import LEVELS, RuleError, load_rulebook
from bmnn.web import ledger
from bmnn.web.errors import Refused

PERIOD_KIND = {
    SecretItem.Kind.ACTIVITY: "activity",
    SecretItem.Kind.PLACE: "place",
}


def check_catalogue(item: CatalogueItem | None, level: str, on: dt.date) -> None:
    if item is None:
        raise refuse(
            "classify.catalogue",
            on,
            "Không được xác định bí mật nhà nước khi chưa chỉ ra căn cứ trong danh mục bí mật "
            "nhà nước (điểm, khoản, Điều của quyết định ban hành danh mục).",
        )
    if item.decision.status != CatalogueDecision.Status.ACTIVE:
        raise refuse(
            "classify.catalogue",
            on,
            f"{item.citation} đã được thay thế bởi quyết định khác; hãy chọn mục của danh mục "
            "đang có hiệu lực.",
        )
    if item.level != level:
        raise refuse(
            "classify.catalogue",
            on,
            f"Độ mật {level_name(level)} khác độ mật {level_name(item.level)} mà danh mục quy "
            f"định tại {item.citation}.",
        )


def propose(
    actor: str,
    drafter: Staff,
    *,
    title: str,
    level: str,
    catalogue_item: CatalogueItem | None,
    recipients_text: str,
    copies: int,
    copy_allowed: bool,
    kind: str = SecretItem.Kind.DOCUMENT,
    activity_period_years: int | None = None,
    lead_unit: OrgUnit | None = None,
    on: dt.date | None = None,
) -> Proposal:
    on = day(on)
    require_active(drafter, on)
    title, recipients_text = title.strip(), recipients_text.strip()
    if level not in LEVELS:
        raise ValidationError(f"Độ mật «{level}» không hợp lệ.")
    if kind not in SecretItem.Kind.values:
        raise ValidationError(f"Loại «{kind}» không hợp lệ.")
    if level == "tuyet_mat":
        # No summary is ever stored for Tuyệt mật, not even on the proposal.
        title = ""
    elif not title:
        raise ValidationError("Cần ghi tên loại và trích yếu của tài liệu.")
    if not recipients_text:
        raise refuse("proposal.required", on, "Phiếu đề xuất phải ghi nơi nhận.")
    if not isinstance(copies, int) or copies < 1:
        raise refuse("proposal.required", on, "Phiếu đề xuất phải ghi số lượng bản phát hành.")
    if LEVEL_RANK.get(drafter.clearance, 0) < LEVEL_RANK[level]:
        raise Refused(
            f"{drafter.full_name} chỉ được tiếp cận đến độ "
            f"{level_name(drafter.clearance) if drafter.clearance else '(không)'}; không soạn "
            f"thảo được tài liệu độ {level_name(level)}.",
            rule("proposal.required", on).citation,
        )
    check_catalogue(catalogue_item, level, on)
    if activity_period_years is not None:
        try:
            load_rulebook().period(
                level, on, PERIOD_KIND.get(kind, "document"), activity_period_years
            )
        except RuleError as exc:
            raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        proposal = Proposal.objects.create(
            title=title,
            kind=kind,
            drafter=drafter,
            lead_unit=lead_unit or drafter.org_unit,
            level=level,
            catalogue_item=catalogue_item,
            recipients_text=recipients_text,
            copies=copies,
            copy_allowed=copy_allowed,
            activity_period_years=activity_period_years,
            proposed_on=on,
        )
        ledger.record(
            actor,
            "registry.proposal.create",
            obj(proposal),
            {
                "drafter": drafter.pk,
                "level": level,
                "catalogue_item": catalogue_item.pk,
                "copies": copies,
                "copy_allowed": copy_allowed,
                "kind": kind,
                "activity_period_years": activity_period_years,
                "proposed_on": on.isoformat(),
            },
        )
    return proposal


def decide(
    actor: str,
    proposal: Proposal,
    decider: Staff,
    *,
    approve: bool,
    note: str = "",
    on: dt.date | None = None,
) -> Proposal:
    """Approve (the level is set today: a SecretItem exists from now on) or reject with a note.

    Both need `classify` authority for the level on that day, the decider's own or delegated.
    """
    on = day(on)
    note = note.strip()
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != Proposal.Status.PENDING:
            raise ValidationError("Phiếu đề xuất này đã được quyết định.")
        if on < proposal.proposed_on:
            raise ValidationError("Ngày quyết định trước ngày đề xuất.")
        decision = require(decider, "classify", proposal.level, on)
        proposal.decided_by, proposal.decided_on, proposal.decision_note = decider, on, note
        for key, value in stamp(decision).items():
            setattr(proposal, key, value)
        if not approve:
            if not note:
                raise ValidationError("Không duyệt thì phải ghi rõ lý do.")
            proposal.status = Proposal.Status.REJECTED
            proposal.save()
            ledger.record(
                actor,
                "registry.proposal.reject",
                obj(proposal),
                {"decider": decider.pk, "on": on.isoformat(), "note": note, **stamp(decision)},
            )
            return proposal
        item_catalogue = CatalogueItem.objects.select_related("decision").get(
            pk=proposal.catalogue_item_id
        )
        check_catalogue(item_catalogue, proposal.level, on)
        period = load_rulebook().period(
            proposal.level,
            on,
            PERIOD_KIND.get(proposal.kind, "document"),
            proposal.activity_period_years,
        )
        item = SecretItem(
            kind=proposal.kind,
            origin=SecretItem.Origin.OUTGOING,
            doc_type="",
            summary="" if proposal.level == "tuyet_mat" else proposal.title,
            level=proposal.level,
            catalogue_item=item_catalogue,
            classified_on=on,
            classified_by=decider,
            drafter=proposal.drafter,
            owner_unit=proposal.lead_unit,
            copy_allowed=proposal.copy_allowed,
            copies_issued=proposal.copies,
            recipients_text=proposal.recipients_text,
            period_kind=PERIOD_KIND.get(proposal.kind, "document"),
            period_years=period.years,
            expires_on=period.expires_on,
            extension_decision_by=period.extension_decision_by,
            status=SecretItem.Status.DRAFT,
            status_on=on,
        )
        item.search_text = search_text(item)
        item.save()
        proposal.status = Proposal.Status.APPROVED
        proposal.item = item
        proposal.save()
        ledger.record(
            actor,
            "registry.proposal.approve",
            obj(proposal),
            {
                "decider": decider.pk,
                "on": on.isoformat(),
                "item": item.pk,
                "level": item.level,
                "expires_on": period.expires_on.isoformat() if period.expires_on else None,
                "period_citation": period.citation,
                **stamp(decision),
            },
        )
    return proposal
