"""Views of the registry pages: proposals and decisions, outgoing registration, the item list and
an item's file, the register books. Thin: reads start from bmnn.registry.selectors (the one
need-to-know gate), writes go through bmnn.registry.services.

Errors map the same way everywhere: Refused (the law says no) shows its message and citation and
answers 422; PermissionDenied (not this person's duty) answers 403; ValidationError (malformed
input) becomes form errors; an item outside the gate is 404 whether it exists or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Min, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bmnn.catalogue import selectors as catalogue
from bmnn.people.admin_forms import actor_of
from bmnn.people.models import LEVEL_NAMES, Staff
from bmnn.people.selectors import subunits
from bmnn.registry import deadlines, selectors
from bmnn.registry import search as search_module
from bmnn.registry.models import (
    Copy,
    Council,
    Departure,
    Proposal,
    Recall,
    Receipt,
    Register,
    RegisterEntry,
    SecretItem,
    Stocktake,
    TakeOut,
    Transfer,
)
from bmnn.registry.rulebook import rule
from bmnn.registry.services import (
    access,
    classification,
    copying,
    delivery,
    lifecycle,
    outgoing,
    recall,
    stocktake,
    takeout,
)
from bmnn.registry.services import departure as departure_service
from bmnn.registry.services import incoming as incoming_service
from bmnn.registry.services import provision as provision_service
from bmnn.registry.services._base import OFFICERS, REGISTER_KEEPERS
from bmnn.web.errors import Refused
from bmnn.web.registry_forms import (
    AdjustForm,
    CommitmentForm,
    ConfirmForm,
    ConfirmReceiptForm,
    CopyOrderForm,
    CouncilForm,
    DecisionForm,
    DeclassifyForm,
    DeliverForm,
    DepartureForm,
    DestroyForm,
    DestroyNowForm,
    ExtendForm,
    GrantForm,
    HandOverForm,
    IncomingForm,
    ItemFilterForm,
    NoticeForm,
    OpenEnvelopeForm,
    OutgoingForm,
    ProposalForm,
    ProvisionForm,
    RecallForm,
    ReturnForm,
    SearchForm,
    StocktakeForm,
    TakeOutForm,
)

PAGE_SIZE = 50

# Register kinds in the URL, Vietnamese without diacritics.
KIND_SLUGS = {
    "di": Register.Kind.OUTGOING,
    "den": Register.Kind.INCOMING,
    "sao-chup": Register.Kind.COPY,
    "chuyen-giao": Register.Kind.TRANSFER,
}
SLUG_OF = {kind: slug for slug, kind in KIND_SLUGS.items()}


# ---------------------------------------------------------------------------------------------
# Shared plumbing


def acting_staff(request) -> Staff:
    """The Staff acting, or 403: the system administrator has no staff record and no duty in
    the registry."""
    staff = selectors.staff_of(request.user)
    if staff is None:
        raise PermissionDenied(
            "Tài khoản này không gắn hồ sơ cán bộ nên không thực hiện được nghiệp vụ bí mật "
            "nhà nước."
        )
    return staff


def posted(request):
    """The POST data of a form submission (even an empty one), None on GET."""
    return request.POST if request.method == "POST" else None


def refusal_text(exc: Refused) -> str:
    return f"{exc.message} — Căn cứ: {exc.citation}" if exc.citation else exc.message


def show_refusal(request, exc: Refused) -> None:
    messages.error(request, refusal_text(exc))


def add_errors(form, exc: ValidationError) -> None:
    """Service validation errors onto the form: per field where the service named one."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _levels_for(staff: Staff) -> list[str]:
    return selectors.levels_within(staff.clearance)


# ---------------------------------------------------------------------------------------------
# 1. Proposals (phiếu đề xuất độ mật) and decisions


def pending_for(staff: Staff):
    """Proposals a leader is asked to decide: pending, from their own unit tree, within their
    clearance (a proposal above it is not theirs to read, let alone decide)."""
    if staff.role != Staff.Role.LEADER or not staff.clearance:
        return Proposal.objects.none()
    return Proposal.objects.filter(
        status=Proposal.Status.PENDING,
        lead_unit__in=subunits(staff.org_unit),
        level__in=_levels_for(staff),
    ).select_related("drafter", "lead_unit", "catalogue_item__decision")


def _may_propose(staff: Staff) -> bool:
    # Inspectors check; they do not draft. Without a clearance nobody drafts a secret.
    return bool(staff.clearance) and staff.role != Staff.Role.INSPECTOR


def _proposals_page(request, staff: Staff, form=None, status: int = 200, decision_errors=None):
    if form is None and _may_propose(staff):
        form = _proposal_form(staff)
    mine = (
        Proposal.objects.filter(drafter=staff)
        .select_related("decided_by", "catalogue_item__decision", "item")
        .order_by("-id")[:PAGE_SIZE]
    )
    return render(
        request,
        "registry/proposals.html",
        {
            "form": form,
            "pending": pending_for(staff),
            "mine": mine,
            "decision_form": DecisionForm(),
            "decision_errors": decision_errors or {},
        },
        status=status,
    )


def _proposal_form(staff: Staff, data=None) -> ProposalForm:
    return ProposalForm(
        data,
        levels=_levels_for(staff),
        options_url=reverse("registry:catalogue_options"),
    )


@login_required
def proposals(request):
    staff = acting_staff(request)
    if request.method != "POST":
        return _proposals_page(request, staff)
    if not _may_propose(staff):
        raise PermissionDenied("Cán bộ kiểm tra không soạn thảo tài liệu bí mật nhà nước.")
    form = _proposal_form(staff, request.POST)
    if not form.is_valid():
        return _proposals_page(request, staff, form=form)
    data = form.cleaned_data
    try:
        proposal = classification.propose(
            actor_of(request.user),
            staff,
            title=data["title"],
            level=data["level"],
            catalogue_item=data["catalogue_item"],
            recipients_text=data["recipients_text"],
            copies=data["copies"],
            copy_allowed=data["copy_allowed"],
            kind=data["kind"],
            activity_period_years=data["activity_period_years"],
        )
    except Refused as exc:
        show_refusal(request, exc)
        return _proposals_page(request, staff, form=form, status=422)
    except ValidationError as exc:
        add_errors(form, exc)
        return _proposals_page(request, staff, form=form)
    messages.success(
        request,
        f"Đã gửi phiếu đề xuất số {proposal.pk} (độ {LEVEL_NAMES[proposal.level]}) "
        "để người có thẩm quyền quyết định.",
    )
    return redirect("registry:proposals")


@require_GET
@login_required
def catalogue_options(request):
    """The <option>s of the catalogue select for one level (htmx swap on the proposal form)."""
    acting_staff(request)
    level = request.GET.get("level") or None
    if level is not None and level not in LEVEL_NAMES:
        level = None
    form = ProposalForm()
    form.fields["catalogue_item"].queryset = catalogue.items(level=level, active_only=True)
    return render(request, "registry/_catalogue_options.html", {"field": form["catalogue_item"]})


@require_POST
@login_required
def decide(request, pk: int):
    staff = acting_staff(request)
    proposal = get_object_or_404(pending_for(staff), pk=pk)
    approve = request.POST.get("decision") == "approve"
    form = DecisionForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    try:
        proposal = classification.decide(
            actor_of(request.user), proposal, staff, approve=approve, note=note
        )
    except Refused as exc:
        show_refusal(request, exc)
        return _proposals_page(request, staff, status=422)
    except ValidationError as exc:
        return _proposals_page(request, staff, decision_errors={proposal.pk: exc.messages})
    if approve:
        messages.success(
            request,
            f"Đã duyệt phiếu đề xuất số {proposal.pk}: xác định độ "
            f"{LEVEL_NAMES[proposal.level]} — Căn cứ: {proposal.citation}. "
            "Văn thư vào Sổ đăng ký bí mật nhà nước đi trước khi phát hành.",
        )
    else:
        messages.info(request, f"Đã không duyệt phiếu đề xuất số {proposal.pk}.")
    return redirect("registry:proposals")


# ---------------------------------------------------------------------------------------------
# 2. Outgoing registration (Sổ đăng ký bí mật nhà nước đi)


def _require_keeper(staff: Staff) -> None:
    if staff.role not in REGISTER_KEEPERS:
        raise PermissionDenied("Chỉ văn thư và cán bộ bảo vệ bí mật nhà nước vào sổ đăng ký.")


def _awaiting_registration(staff: Staff):
    return (
        selectors.visible_items(staff)
        .filter(status=SecretItem.Status.DRAFT, origin=SecretItem.Origin.OUTGOING)
        .select_related("owner_unit", "classified_by", "drafter", "catalogue_item__decision")
        .order_by("-id")
    )


@login_required
def outgoing_list(request):
    staff = acting_staff(request)
    _require_keeper(staff)
    return render(
        request,
        "registry/outgoing_list.html",
        {"items": _awaiting_registration(staff)[:200]},
    )


@login_required
def outgoing_register(request, pk: int):
    staff = acting_staff(request)
    _require_keeper(staff)
    item = get_object_or_404(_awaiting_registration(staff), pk=pk)
    units = subunits(item.owner_unit.agency())
    form = OutgoingForm(posted(request), item=item, units=units)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = outgoing.register_outgoing(
                actor_of(request.user),
                item,
                staff,
                number_symbol=data["number_symbol"],
                doc_type=data["doc_type"],
                signer=data["signer"],
                summary=data.get("summary") if "summary" in form.fields else None,
                keeping_unit=data["keeping_unit"],
                electronic_copies=data["electronic_copies"],
                note=data["note"],
            )
        except Refused as exc:
            show_refusal(request, exc)
            status = 422
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã vào {entry.register}, số thứ tự {entry.number:02d}; "
                f"{entry.copies} bản phát hành do văn thư quản lý.",
            )
            return redirect("registry:item", pk=item.pk)
    today = timezone.localdate()
    return render(
        request,
        "registry/outgoing_form.html",
        {
            "item": item,
            "form": form,
            "no_summary_rule": rule("register.no_summary_tuyet_mat", today),
            "register_rule": rule("register.outgoing", today),
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# 3. Items and an item's file


@dataclass
class Page:
    """One page of a keyset ("next page") pagination: no COUNT over a million rows, no OFFSET."""

    rows: list
    has_previous: bool
    has_next: bool

    @property
    def first_id(self) -> int | None:
        return self.rows[0].pk if self.rows else None

    @property
    def last_id(self) -> int | None:
        return self.rows[-1].pk if self.rows else None


def _cursor(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def keyset_page(queryset, after: int | None, before: int | None, size: int = PAGE_SIZE) -> Page:
    """Newest first. `after`: the rows older than that id (next page); `before`: the rows newer
    than that id (previous page)."""
    if before is not None:
        rows = list(queryset.filter(pk__gt=before).order_by("id")[: size + 1])
        has_previous = len(rows) > size
        return Page(rows[:size][::-1], has_previous=has_previous, has_next=True)
    if after is not None:
        queryset = queryset.filter(pk__lt=after)
    rows = list(queryset.order_by("-id")[: size + 1])
    return Page(rows[:size], has_previous=after is not None, has_next=len(rows) > size)


@login_required
def items(request):
    staff = selectors.staff_of(request.user)
    form = ItemFilterForm(request.GET or None)
    found = selectors.visible_items(staff).select_related("owner_unit")
    if form.is_valid():
        if form.cleaned_data["level"]:
            found = found.filter(level=form.cleaned_data["level"])
        if form.cleaned_data["status"]:
            found = found.filter(status=form.cleaned_data["status"])
    page = keyset_page(found, _cursor(request.GET.get("sau")), _cursor(request.GET.get("truoc")))
    return render(request, "registry/items.html", {"form": form, "page": page})


@dataclass
class HistoryRow:
    on: dt.date | None
    what: str
    detail: str
    citation: str = ""
    confidence: str = ""
    extra: list[str] = field(default_factory=list)


def _name(staff: Staff | None) -> str:
    return staff.full_name if staff is not None else ""


def item_history(item: SecretItem) -> list[HistoryRow]:
    """Every decision on the item, each with the rule it rested on, oldest first. `item` came
    through the gate, so its own rows may be read."""
    rows: list[HistoryRow] = []
    proposal = Proposal.objects.filter(item=item).select_related("decided_by", "drafter").first()
    if proposal is not None:
        rows.append(
            HistoryRow(
                proposal.decided_on,
                "Xác định độ mật",
                f"{_name(proposal.decided_by)} duyệt phiếu đề xuất số {proposal.pk} của "
                f"{_name(proposal.drafter)}: độ {LEVEL_NAMES[proposal.level]}.",
                proposal.citation,
                proposal.confidence,
            )
        )
    for order in item.copy_orders.select_related("requester", "authoriser", "copier"):
        numbers = (
            f" (bản số {order.first_number}–{order.last_number})"
            if order.first_number is not None
            else ""
        )
        rows.append(
            HistoryRow(
                order.ordered_on,
                order.get_form_display(),
                f"{order.count} bản{numbers}; người đề nghị {_name(order.requester)}, người "
                f"cho phép {_name(order.authoriser)}, người thực hiện {_name(order.copier)}.",
                order.citation,
                order.confidence,
            )
        )
    for transfer in item.transfers.select_related("sender"):
        what = "Bàn giao nội bộ" if transfer.internal else "Giao tài liệu"
        signed = "đã ký nhận" if transfer.signed else "chưa ký nhận"
        rows.append(
            HistoryRow(
                transfer.transferred_on,
                what,
                f"{_name(transfer.sender)} giao cho {transfer.receiver_name} "
                f"({transfer.receiving_unit}), {transfer.envelopes} bì; {signed}.",
                transfer.citation,
                transfer.confidence,
            )
        )
    for take_out in item.take_outs.select_related("person", "decided_by"):
        detail = (
            f"{_name(take_out.person)} mang ra {take_out.place}, từ {take_out.start_on:%d/%m/%Y}"
            f" đến {take_out.due_on:%d/%m/%Y}; {take_out.get_status_display().lower()} "
            f"({_name(take_out.decided_by)})."
        )
        if take_out.returned_on:
            detail += f" Nộp lại ngày {take_out.returned_on:%d/%m/%Y}."
        if take_out.refusal_reason:
            detail += f" Lý do: {take_out.refusal_reason}"
        rows.append(
            HistoryRow(
                take_out.start_on,
                "Mang ra nước ngoài" if take_out.abroad else "Mang ra khỏi nơi lưu giữ",
                detail,
                take_out.citation,
                take_out.confidence,
            )
        )
    for provision in item.provisions.select_related("decided_by"):
        detail = (
            f"{provision.get_status_display()} cho {provision.requester_name}"
            f"{' (nước ngoài)' if provision.foreign else ''} — {_name(provision.decided_by)}."
        )
        if provision.refusal_reason:
            detail += f" Lý do: {provision.refusal_reason}"
        rows.append(
            HistoryRow(
                provision.decided_on,
                "Cung cấp, chuyển giao",
                detail,
                provision.citation,
                provision.confidence,
            )
        )
    for decision in item.decisions.select_related("decided_by"):
        parts = [_name(decision.decided_by)]
        if decision.document_number:
            parts.append(f"quyết định số {decision.document_number}")
        if decision.old_level and decision.new_level:
            parts.append(
                f"từ {LEVEL_NAMES.get(decision.old_level, decision.old_level)} thành "
                f"{LEVEL_NAMES.get(decision.new_level, decision.new_level)}"
            )
        if decision.years:
            parts.append(f"{decision.years} năm")
        if decision.new_expires_on:
            parts.append(f"đến ngày {decision.new_expires_on:%d/%m/%Y}")
        if decision.partial_scope:
            parts.append(f"một phần: {decision.partial_scope}")
        row = HistoryRow(
            decision.decided_on,
            decision.get_kind_display(),
            "; ".join(parts) + ".",
            decision.citation,
            decision.confidence,
        )
        if decision.notice_due:
            notified = (
                f"đã thông báo ngày {decision.notified_on:%d/%m/%Y}"
                if decision.notified_on
                else "chưa thông báo"
            )
            row.extra.append(
                f"Hạn thông báo {decision.notice_due:%d/%m/%Y} ({notified})"
                + (f" — Căn cứ: {decision.notice_citation}" if decision.notice_citation else "")
            )
        rows.append(row)
    rows.sort(key=lambda r: r.on or dt.date.min)
    return rows


@login_required
def item_detail(request, pk: int, status: int = 200):
    staff = selectors.staff_of(request.user)
    item = selectors.item_for(staff, pk)
    entries = list(
        RegisterEntry.objects.filter(item=item)
        .select_related("register", "entered_by")
        .order_by("entered_on", "id")
    )
    for entry in entries:
        entry.slug = SLUG_OF[entry.register.kind]
    return render(
        request,
        "registry/item_detail.html",
        {
            "item": item,
            "copies": selectors.copies_of(staff, item),
            "entries": entries,
            "history": item_history(item),
            "today": timezone.localdate(),
            "unsigned": item.transfers.filter(signed=False, internal=False).order_by("pk"),
            "recalls": item.recalls.order_by("-issued_on", "-pk"),
            "actions": _actions(staff, item),
            "receipt_form": ConfirmReceiptForm(),
        },
        status=status,
    )


def _actions(staff: Staff | None, item: SecretItem) -> list[tuple[str, str]]:
    """The acts the page offers on this item (the services still decide)."""
    if staff is None:
        return []
    today = timezone.localdate()
    actions = []
    keeper = staff.role in REGISTER_KEEPERS
    leader = staff.role == Staff.Role.LEADER
    # A notice stays owed after the decision (a declassified item still owes its notice).
    if staff.role in NOTICE_KEEPERS:
        for owed in _notices_owed(item):
            actions.append(
                (
                    reverse("registry:record_notice", args=[item.pk, owed.pk]),
                    f"Ghi thông báo {owed.get_kind_display().lower()}",
                )
            )
    if item.status in access.GRANTABLE and access.may_grant(staff, item, today):
        actions.append((reverse("registry:access", args=[item.pk]), "Quyền tiếp cận"))
    if item.status != SecretItem.Status.ACTIVE:
        return actions
    if item.copy_allowed and staff.role != Staff.Role.INSPECTOR:
        actions.append((reverse("registry:copy", args=[item.pk]), "Sao, chụp"))
    if keeper:
        actions.append((reverse("registry:deliver", args=[item.pk]), "Giao tài liệu"))
    if staff.role != Staff.Role.INSPECTOR:
        actions.append((reverse("registry:hand_over", args=[item.pk]), "Bàn giao nội bộ"))
    if staff.role in OFFICERS or staff.role == Staff.Role.LEADER:
        actions.append((reverse("registry:issue_recall", args=[item.pk]), "Thu hồi"))
    if leader:
        for name, label in (
            ("take_out", "Mang ra khỏi nơi lưu giữ"),
            ("provide", "Cung cấp, chuyển giao"),
            ("extend", "Gia hạn"),
            ("adjust", "Điều chỉnh độ mật"),
            ("council", "Thành lập hội đồng"),
            ("declassify", "Giải mật"),
            ("destroy", "Tiêu hủy"),
        ):
            actions.append((reverse(f"registry:{name}", args=[item.pk]), label))
    if keeper:
        for row in _open_take_outs(staff, item):
            actions.append(
                (
                    reverse("registry:take_out_return", args=[item.pk, row.pk]),
                    f"Nộp lại {row.copy} ({row.person.full_name})",
                )
            )
    if staff.role in lifecycle.LAPSE_MARKERS and item.expires_on and item.expires_on < today:
        actions.append((reverse("registry:mark_lapsed", args=[item.pk]), "Đóng dấu giải mật"))
    if _own_live_copies(staff, item).exists():
        actions.append((reverse("registry:destroy_now", args=[item.pk]), "Tiêu hủy ngay"))
    return actions


# ---------------------------------------------------------------------------------------------
# 4. Register books


@login_required
def registers(request):
    staff = selectors.staff_of(request.user)
    books = [
        {"book": book, "slug": SLUG_OF[book.kind]}
        for book in selectors.registers(staff).select_related("agency")
    ]
    return render(request, "registry/registers.html", {"books": books})


_RELATED = {
    Register.Kind.OUTGOING: (),
    Register.Kind.INCOMING: ("receipt", "receipt__receiving_unit"),
    Register.Kind.COPY: (
        "copy_order",
        "copy_order__requester",
        "copy_order__authoriser",
        "copy_order__copier",
    ),
    Register.Kind.TRANSFER: ("transfer",),
}


@login_required
def register_book(request, kind: str, year: int, book: int = 1):
    staff = selectors.staff_of(request.user)
    if kind not in KIND_SLUGS:
        raise Http404("Không có loại sổ này.")
    register = get_object_or_404(
        selectors.registers(staff, KIND_SLUGS[kind]).select_related("agency__parent"),
        year=year,
        book=book,
    )
    entries = selectors.register_entries(staff, register).select_related(*_RELATED[register.kind])
    span = entries.aggregate(
        first_on=Min("entered_on"),
        last_on=Max("entered_on"),
        first_number=Min("number"),
        last_number=Max("number"),
    )
    return render(
        request,
        f"registry/register_{register.kind}.html",
        {
            "register": register,
            "agency": register.agency,
            "superior": register.agency.parent,
            "entries": entries,
            "span": span,
            "slug": kind,
        },
    )


# ---------------------------------------------------------------------------------------------
# Dashboard card


DUE_LIMIT = 10


def dashboard_registry(user, today: dt.date) -> dict | None:
    """Counts by level and the due lists for the dashboard, through the gate; None for an account
    without a staff record (it sees no secret, so it gets no card)."""
    staff = selectors.staff_of(user)
    if staff is None:
        return None
    counts = selectors.count_by_level(staff)
    levels = [
        {"code": code, "name": LEVEL_NAMES[code], "count": counts.get(code, 0)}
        for code in ("tuyet_mat", "toi_mat", "mat")
        if code in _levels_for(staff)
    ]
    due = [
        (
            "extensions",
            "Sắp đến hạn quyết định gia hạn",
            deadlines.extensions_coming_due(staff, today),
        ),
        (
            "lapsed",
            "Hết thời hạn bảo vệ, chưa đóng dấu giải mật",
            deadlines.lapsed_items(staff, today),
        ),
        ("notices", "Quyết định chưa thông báo", deadlines.notices_owed(staff, today)),
        (
            "take_outs",
            "Quá hạn nộp lại tài liệu mang ra ngoài",
            deadlines.overdue_take_outs(staff, today),
        ),
        ("recalls", "Quá hạn gửi lại tài liệu thu hồi", deadlines.overdue_recalls(staff, today)),
    ]
    lists = []
    for key, title, queryset in due:
        rows = list(queryset[: DUE_LIMIT + 1])
        lists.append(
            {"key": key, "title": title, "rows": rows[:DUE_LIMIT], "more": len(rows) > DUE_LIMIT}
        )
    return {"levels": levels, "due": lists}


# ---------------------------------------------------------------------------------------------
# 5. The other services: incoming, copying, delivery, recall, stocktake, search


def submit(request, form, perform):
    """Run `perform(cleaned_data)` (a service call) for a valid bound form.

    Returns (result, status): the service's result on success; None with 422 when the law
    refused (message and citation shown), None with 200 when the form or the service found
    the input malformed (errors on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None, 200
    try:
        return perform(form.cleaned_data), 200
    except Refused as exc:
        show_refusal(request, exc)
        return None, 422
    except ValidationError as exc:
        add_errors(form, exc)
        return None, 200


def agency_staff(agency):
    """The active staff of an agency, for person pickers (a staff list is not a secret)."""
    today = timezone.localdate()
    return (
        Staff.objects.filter(org_unit__in=subunits(agency), active_from__lte=today)
        .exclude(left_on__lte=today)
        .select_related("org_unit")
        .order_by("full_name", "pk")
    )


def _agency_of(staff: Staff):
    return staff.org_unit.agency()


# --- incoming (Sổ đăng ký bí mật nhà nước đến)


def sealed_for(staff: Staff):
    """Sealed named envelopes waiting for this person to open them."""
    return (
        Receipt.objects.filter(sealed=True, entry__item__in=selectors.visible_items(staff))
        .filter(Q(named_addressee=staff) | Q(routed_to=staff))
        .select_related("entry__item", "entry__register")
        .order_by("received_on", "pk")
    )


@login_required
def incoming(request):
    staff = acting_staff(request)
    keeper = staff.role in REGISTER_KEEPERS
    form = None
    status = 200
    if keeper:
        agency = _agency_of(staff)
        form = IncomingForm(posted(request), units=subunits(agency), staff=agency_staff(agency))

        def perform(data):
            return incoming_service.register_incoming(
                actor_of(request.user),
                staff,
                issuer=data["issuer"],
                number_symbol=data["number_symbol"],
                document_date=data["document_date"],
                doc_type=data["doc_type"],
                summary=data["summary"],
                level=data["level"],
                receiving_unit=data["receiving_unit"],
                copies=data["copies"],
                named_addressee=data["named_addressee"],
                sealed=data["sealed"],
                express=data["express"],
                addressee_absent=data["addressee_absent"],
                anomalies=data["anomalies"],
                copy_allowed=data["copy_allowed"],
                note=data["note"],
            )

        entry, status = submit(request, form, perform)
        if entry is not None:
            messages.success(request, f"Đã vào {entry.register}, số đến {entry.number:02d}.")
            return redirect("registry:item", pk=entry.item_id)
    elif request.method == "POST":
        raise PermissionDenied("Chỉ văn thư và cán bộ bảo vệ bí mật nhà nước vào sổ đến.")
    return render(
        request,
        "registry/incoming.html",
        {
            "form": form,
            "sealed": sealed_for(staff),
            "open_form": OpenEnvelopeForm(),
            "no_summary_rule": rule("register.no_summary_tuyet_mat", timezone.localdate()),
        },
        status=status,
    )


@require_POST
@login_required
def open_envelope(request, pk: int):
    staff = acting_staff(request)
    receipt = get_object_or_404(sealed_for(staff), pk=pk)
    form = OpenEnvelopeForm(request.POST)
    done, status = submit(
        request,
        form,
        lambda data: incoming_service.open_envelope(
            actor_of(request.user),
            receipt,
            staff,
            summary=data["summary"],
            doc_type=data["doc_type"],
        ),
    )
    if done is not None:
        messages.success(request, f"Đã bóc bì số đến {receipt.entry.number:02d}.")
        return redirect("registry:item", pk=receipt.entry.item_id)
    for error in form.non_field_errors():
        messages.error(request, error)
    return render(
        request,
        "registry/incoming.html",
        {"form": None, "sealed": sealed_for(staff), "open_form": form},
        status=status,
    )


# --- copying (Sổ quản lý sao, chụp)


@login_required
def copy_order(request, pk: int):
    staff = acting_staff(request)
    item = selectors.item_for(staff, pk)
    people = agency_staff(item.owner_unit.agency())
    form = CopyOrderForm(
        posted(request),
        staff=people,
        leaders=people.filter(role=Staff.Role.LEADER),
        initial={"requester": staff.pk, "copier": staff.pk},
    )
    order, status = submit(
        request,
        form,
        lambda data: copying.order_copies(
            actor_of(request.user),
            item,
            requester=data["requester"],
            authoriser=data["authoriser"],
            copier=data["copier"],
            form=data["form"],
            count=data["count"],
            recipients_text=data["recipients_text"],
            spoiled=data["spoiled"] or 0,
            electronic=data["electronic"],
            note=data["note"],
        ),
    )
    if order is not None:
        messages.success(
            request,
            f"Đã vào Sổ quản lý sao, chụp: {order.get_form_display()} {order.count} bản "
            f"(bản số {order.first_number}–{order.last_number}) — Căn cứ: {order.citation}.",
        )
        return redirect("registry:item", pk=item.pk)
    return render(
        request,
        "registry/action_form.html",
        {
            "item": item,
            "form": form,
            "title": "Sao, chụp tài liệu",
            "submit": "Ghi sổ sao, chụp",
            "rules": [rule("copy.register", timezone.localdate())],
        },
        status=status,
    )


# --- delivery and hand-over (Sổ chuyển giao)


def _held_by(staff: Staff, item: SecretItem):
    return selectors.copies_of(staff, item).filter(state=Copy.State.HELD, custodian=staff)


@login_required
def deliver(request, pk: int):
    staff = acting_staff(request)
    _require_keeper(staff)
    item = selectors.item_for(staff, pk)
    form = DeliverForm(
        posted(request),
        copies=_held_by(staff, item),
        staff=agency_staff(item.owner_unit.agency()),
    )
    transfer, status = submit(
        request,
        form,
        lambda data: delivery.deliver(
            actor_of(request.user),
            item,
            list(data["copies"]),
            sender=staff,
            receiving_unit=data["receiving_unit"],
            receiver_name=data["receiver_name"],
            receiver=data["receiver"],
            envelopes=data["envelopes"],
            note=data["note"],
        ),
    )
    if transfer is not None:
        messages.success(
            request,
            f"Đã vào Sổ chuyển giao: giao {transfer.copies.count()} bản cho "
            f"{transfer.receiver_name}, {transfer.envelopes} bì — Căn cứ: {transfer.citation}.",
        )
        return redirect("registry:item", pk=item.pk)
    return render(
        request,
        "registry/action_form.html",
        {
            "item": item,
            "form": form,
            "title": "Giao tài liệu",
            "submit": "Ghi sổ chuyển giao",
            "rules": [rule("register.transfer", timezone.localdate())],
        },
        status=status,
    )


@login_required
def hand_over(request, pk: int):
    staff = acting_staff(request)
    item = selectors.item_for(staff, pk)
    form = HandOverForm(
        posted(request),
        copies=_held_by(staff, item),
        staff=agency_staff(item.owner_unit.agency()).exclude(pk=staff.pk),
    )
    transfer, status = submit(
        request,
        form,
        lambda data: delivery.hand_over(
            actor_of(request.user),
            list(data["copies"]),
            from_staff=staff,
            to_staff=data["to_staff"],
            note=data["note"],
        ),
    )
    if transfer is not None:
        messages.success(request, f"Đã bàn giao cho {transfer.receiver_name}.")
        return redirect("registry:item", pk=item.pk)
    return render(
        request,
        "registry/action_form.html",
        {
            "item": item,
            "form": form,
            "title": "Bàn giao nội bộ",
            "submit": "Bàn giao",
            "rules": [rule("register.transfer", timezone.localdate())],
        },
        status=status,
    )


@require_POST
@login_required
def confirm_receipt(request, pk: int):
    staff = acting_staff(request)
    transfer = get_object_or_404(
        Transfer.objects.filter(item__in=selectors.visible_items(staff), signed=False), pk=pk
    )
    form = ConfirmReceiptForm(request.POST)
    done, status = submit(
        request,
        form,
        lambda data: delivery.confirm_receipt(
            actor_of(request.user), transfer, data["receiver_name"]
        ),
    )
    if done is not None:
        messages.success(request, f"Đã ghi ký nhận của {done.receiver_name}.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        if status == 200:
            status = 400
        return item_detail(request, transfer.item_id, status=status)
    return redirect("registry:item", pk=transfer.item_id)


# --- recall ("Tài liệu thu hồi")


@login_required
def issue_recall(request, pk: int):
    staff = acting_staff(request)
    item = selectors.item_for(staff, pk)
    form = RecallForm(posted(request))
    issued_recall, status = submit(
        request,
        form,
        lambda data: recall.issue_recall(
            actor_of(request.user),
            item,
            issued_by=staff,
            due_on=data["due_on"],
            reason=data["reason"],
        ),
    )
    if issued_recall is not None:
        messages.success(
            request, f"Đã thông báo thu hồi, hạn gửi lại {issued_recall.due_on:%d/%m/%Y}."
        )
        return redirect("registry:recall", pk=issued_recall.pk)
    return render(
        request,
        "registry/action_form.html",
        {
            "item": item,
            "form": form,
            "title": "Thu hồi tài liệu",
            "submit": "Thông báo thu hồi",
            "rules": [rule("recall.return", timezone.localdate())],
        },
        status=status,
    )


def _visible_recall(staff: Staff | None, pk: int) -> Recall:
    found = (
        Recall.objects.filter(pk=pk)
        .filter(
            Q(item__in=selectors.visible_items(staff))
            | Q(tasks__copy__item__in=selectors.visible_items(staff))
        )
        .select_related("item", "issued_by")
        .distinct()
        .first()
    )
    if found is None:
        raise Http404("Không tìm thấy thông báo thu hồi.")
    return found


@login_required
def recall_detail(request, pk: int):
    staff = selectors.staff_of(request.user)
    found = _visible_recall(staff, pk)
    return render(
        request,
        "registry/recall.html",
        {
            "recall": found,
            "tasks": recall.recall_tasks(staff, found),
            "today": timezone.localdate(),
            "keeper": staff is not None and staff.role in REGISTER_KEEPERS,
        },
    )


@require_POST
@login_required
def confirm_return(request, pk: int, task: int):
    staff = acting_staff(request)
    found = _visible_recall(staff, pk)
    task_row = next((t for t in recall.recall_tasks(staff, found) if t.pk == task), None)
    if task_row is None:
        raise Http404("Không tìm thấy bản cần thu hồi.")
    try:
        recall.confirm_return(actor_of(request.user), task_row, received_by=staff)
    except Refused as exc:
        show_refusal(request, exc)
        return render(
            request,
            "registry/recall.html",
            {
                "recall": found,
                "tasks": recall.recall_tasks(staff, found),
                "today": timezone.localdate(),
                "keeper": staff.role in REGISTER_KEEPERS,
            },
            status=422,
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, f"Đã nhận lại {task_row.copy}.")
    return redirect("registry:recall", pk=found.pk)


# --- stocktake (kiểm kê)


def _stocktakes(staff: Staff):
    units = subunits(_agency_of(staff))
    return (
        Stocktake.objects.filter(Q(unit__in=units) | Q(custodian__org_unit__in=units))
        .select_related("unit", "custodian", "started_by")
        .order_by("-id")
    )


@login_required
def stocktakes(request):
    staff = acting_staff(request)
    agency = _agency_of(staff)
    form = StocktakeForm(posted(request), units=subunits(agency), staff=agency_staff(agency))
    started, status = submit(
        request,
        form,
        lambda data: stocktake.start_stocktake(
            actor_of(request.user),
            started_by=staff,
            unit=data["unit"],
            custodian=data["custodian"],
        ),
    )
    if started is not None:
        messages.success(request, f"Đã mở đợt kiểm kê số {started.pk}.")
        return redirect("registry:stocktake", pk=started.pk)
    return render(
        request,
        "registry/stocktakes.html",
        {"form": form, "stocktakes": _stocktakes(staff)[:PAGE_SIZE]},
        status=status,
    )


def _stocktake_page(request, staff, found, status=200):
    return render(
        request,
        "registry/stocktake.html",
        {
            "stocktake": found,
            "lines": stocktake.stocktake_lines(staff, found),
            "counts": stocktake.summary(staff, found),
        },
        status=status,
    )


@login_required
def stocktake_detail(request, pk: int):
    staff = acting_staff(request)
    found = get_object_or_404(_stocktakes(staff), pk=pk)
    return _stocktake_page(request, staff, found)


def _stocktake_act(request, staff, found, perform, success: str):
    try:
        perform()
    except Refused as exc:
        show_refusal(request, exc)
        return _stocktake_page(request, staff, found, status=422)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return _stocktake_page(request, staff, found, status=400)
    messages.success(request, success)
    return redirect("registry:stocktake", pk=found.pk)


@require_POST
@login_required
def stocktake_mark(request, pk: int, line: int):
    staff = acting_staff(request)
    found = get_object_or_404(_stocktakes(staff), pk=pk)
    row = next((x for x in stocktake.stocktake_lines(staff, found) if x.pk == line), None)
    if row is None:
        raise Http404("Không tìm thấy dòng kiểm kê.")
    presented = request.POST.get("presented") == "yes"
    return _stocktake_act(
        request,
        staff,
        found,
        lambda: stocktake.mark(
            actor_of(request.user),
            row,
            by=staff,
            presented=presented,
            note=request.POST.get("note", "")[:500],
        ),
        f"Đã ghi {row.copy}: {'có' if presented else 'KHÔNG'} xuất trình.",
    )


@require_POST
@login_required
def stocktake_close(request, pk: int):
    staff = acting_staff(request)
    found = get_object_or_404(_stocktakes(staff), pk=pk)
    return _stocktake_act(
        request,
        staff,
        found,
        lambda: stocktake.close_stocktake(actor_of(request.user), found, by=staff),
        f"Đã khóa đợt kiểm kê số {found.pk}.",
    )


# --- search


@login_required
def search(request):
    staff = selectors.staff_of(request.user)
    form = SearchForm(request.GET or None)
    found = []
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        found = list(search_module.search_items(staff, query, limit=PAGE_SIZE))
    return render(request, "registry/search.html", {"form": form, "found": found, "query": query})


# ---------------------------------------------------------------------------------------------
# 6. Access grants, take-out, provision, lifecycle decisions, departures


def _require_leader(staff: Staff, what: str) -> None:
    # The rulebook still decides whether this leader holds the authority (422 with its article).
    if staff.role != Staff.Role.LEADER:
        raise PermissionDenied(f"Chỉ lãnh đạo có thẩm quyền {what}.")


def _action_page(request, item, form, title, submit_label, rule_ids, status, **extra):
    today = timezone.localdate()
    return render(
        request,
        extra.pop("template", "registry/action_form.html"),
        {
            "item": item,
            "form": form,
            "title": title,
            "submit": submit_label,
            "rules": [rule(rule_id, today) for rule_id in rule_ids],
            **extra,
        },
        status=status,
    )


# --- access grants


def _live_grants(item: SecretItem):
    today = timezone.localdate()
    return (
        item.grants.filter(revoked_on__isnull=True)
        .exclude(valid_to__lt=today)
        .select_related("staff", "granted_by")
        .order_by("pk")
    )


@login_required
def access_grant(request, pk: int):
    staff = acting_staff(request)
    item = selectors.item_for(staff, pk)
    if not access.may_grant(staff, item, timezone.localdate()):
        raise PermissionDenied(
            "Chỉ lãnh đạo đơn vị lưu, người đứng đầu cơ quan hoặc cán bộ bảo vệ bí mật nhà nước "
            "cấp quyền tiếp cận."
        )
    form = GrantForm(posted(request), staff=agency_staff(item.owner_unit.agency()))
    row, status = submit(
        request,
        form,
        lambda data: access.grant(
            actor_of(request.user),
            item,
            data["staff"],
            granted_by=staff,
            purpose=data["purpose"],
            valid_to=data["valid_to"],
        ),
    )
    if row is not None:
        messages.success(request, f"Đã cấp quyền tiếp cận cho {row.staff.full_name}.")
        return redirect("registry:access", pk=item.pk)
    return _action_page(
        request,
        item,
        form,
        "Cấp quyền tiếp cận",
        "Cấp quyền",
        [],
        status,
        template="registry/access.html",
        grants=_live_grants(item),
    )


@require_POST
@login_required
def access_revoke(request, pk: int, grant: int):
    staff = acting_staff(request)
    item = selectors.item_for(staff, pk)
    row = get_object_or_404(_live_grants(item), pk=grant)
    try:
        access.revoke(actor_of(request.user), row, by=staff)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, f"Đã thu hồi quyền tiếp cận của {row.staff.full_name}.")
    return redirect("registry:access", pk=item.pk)


# --- take-out (mang ra khỏi nơi lưu giữ)


@login_required
def take_out(request, pk: int):
    staff = acting_staff(request)
    _require_leader(staff, "cho phép mang tài liệu ra khỏi nơi lưu giữ")
    item = selectors.item_for(staff, pk)
    form = TakeOutForm(
        posted(request),
        copies=selectors.copies_of(staff, item).filter(state=Copy.State.HELD),
        staff=agency_staff(item.owner_unit.agency()),
    )
    row, status = submit(
        request,
        form,
        lambda data: takeout.request_take_out(
            actor_of(request.user),
            data["copy"],
            person=data["person"],
            position=data["position"],
            unit_name=data["unit_name"],
            purpose=data["purpose"],
            place=data["place"],
            start_on=data["start_on"],
            due_on=data["due_on"],
            protection=data["protection"],
            abroad=data["abroad"],
            decided_by=staff,
            approve=data["decision"] == "approve",
            refusal_reason=data["refusal_reason"],
        ),
    )
    if row is not None:
        if row.status == TakeOut.Status.APPROVED:
            messages.success(
                request,
                f"Đã cho phép {row.person.full_name} mang {row.copy} ra khỏi nơi lưu giữ đến "
                f"ngày {row.due_on:%d/%m/%Y} — Căn cứ: {row.citation}.",
            )
        else:
            messages.info(request, f"Đã ghi văn bản không cho phép: {row.refusal_reason}")
        return redirect("registry:item", pk=item.pk)
    return _action_page(
        request,
        item,
        form,
        "Mang tài liệu ra khỏi nơi lưu giữ",
        "Ghi quyết định",
        ["take_out.request"],
        status,
    )


def _open_take_outs(staff: Staff | None, item: SecretItem):
    return (
        TakeOut.objects.filter(
            item__in=selectors.visible_items(staff).filter(pk=item.pk),
            status=TakeOut.Status.APPROVED,
        )
        .select_related("copy", "person")
        .order_by("due_on", "pk")
    )


@login_required
def take_out_return(request, pk: int, take_out: int):
    staff = acting_staff(request)
    _require_keeper(staff)
    item = selectors.item_for(staff, pk)
    row = get_object_or_404(_open_take_outs(staff, item), pk=take_out)
    form = ReturnForm(posted(request))
    done, status = submit(
        request,
        form,
        lambda data: takeout.return_copy(
            actor_of(request.user), row, report=data["report"], received_by=staff
        ),
    )
    if done is not None:
        messages.success(request, f"Đã nhận lại {row.copy} từ {row.person.full_name}.")
        return redirect("registry:item", pk=item.pk)
    return _action_page(
        request,
        item,
        form,
        f"Nộp lại {row.copy} ({row.person.full_name})",
        "Nhận lại",
        ["take_out.return"],
        status,
    )


# --- provision (cung cấp, chuyển giao)


@login_required
def provide(request, pk: int):
    staff = acting_staff(request)
    _require_leader(staff, "quyết định cung cấp, chuyển giao bí mật nhà nước")
    item = selectors.item_for(staff, pk)
    form = ProvisionForm(posted(request))
    row, status = submit(
        request,
        form,
        lambda data: provision_service.decide_provision(
            actor_of(request.user),
            item,
            foreign=data["foreign"] == "foreign",
            requester_is_person=data["requester_kind"] == "person",
            requester_name=data["requester_name"],
            representative=data["representative"],
            identity_number=data["identity_number"],
            nationality=data["nationality"],
            address=data["address"],
            position=data["position"],
            purpose=data["purpose"],
            commitment=data["commitment"],
            no_third_party=data["no_third_party"],
            cooperation_basis=data["cooperation_basis"],
            requested_on=data["requested_on"],
            decided_by=staff,
            approve=data["decision"] == "approve",
            refusal_reason=data["refusal_reason"],
        ),
    )
    if row is not None:
        messages.success(
            request,
            f"Đã ghi quyết định {row.get_status_display().lower()} cung cấp cho "
            f"{row.requester_name} — Căn cứ: {row.citation}.",
        )
        return redirect("registry:item", pk=item.pk)
    return _action_page(
        request,
        item,
        form,
        "Cung cấp, chuyển giao",
        "Ghi quyết định",
        ["provide.request", "provide.foreign_request", "provide.refusal"],
        status,
    )


# --- lifecycle decisions


def _decision_done(request, item, record, what: str):
    notice = (
        f" Hạn thông báo bằng văn bản: {record.notice_due:%d/%m/%Y}." if record.notice_due else ""
    )
    messages.success(request, f"Đã ghi {what} — Căn cứ: {record.citation}.{notice}")
    return redirect("registry:item", pk=item.pk)


@login_required
def extend(request, pk: int):
    staff = acting_staff(request)
    _require_leader(staff, "gia hạn thời hạn bảo vệ")
    item = selectors.item_for(staff, pk)
    form = ExtendForm(posted(request))
    record, status = submit(
        request,
        form,
        lambda data: lifecycle.extend(
            actor_of(request.user),
            item,
            decided_by=staff,
            years=data["years"],
            document_number=data["document_number"],
        ),
    )
    if record is not None:
        return _decision_done(
            request, item, record, f"gia hạn đến ngày {record.new_expires_on:%d/%m/%Y}"
        )
    return _action_page(
        request, item, form, "Gia hạn thời hạn bảo vệ", "Ghi quyết định gia hạn", [], status
    )


@login_required
def adjust(request, pk: int):
    staff = acting_staff(request)
    _require_leader(staff, "điều chỉnh độ mật")
    item = selectors.item_for(staff, pk)
    form = AdjustForm(posted(request), current=item.level)
    record, status = submit(
        request,
        form,
        lambda data: lifecycle.adjust(
            actor_of(request.user),
            item,
            decided_by=staff,
            new_level=data["new_level"] or None,
            document_number=data["document_number"],
            catalogue_item=data["catalogue_item"],
        ),
    )
    if record is not None:
        return _decision_done(
            request, item, record, f"điều chỉnh thành độ {LEVEL_NAMES[record.new_level]}"
        )
    return _action_page(
        request, item, form, "Điều chỉnh độ mật", "Ghi quyết định", ["adjust.scope"], status
    )


@login_required
def create_council(request, pk: int):
    staff = acting_staff(request)
    _require_leader(staff, "thành lập hội đồng giải mật, tiêu hủy")
    item = selectors.item_for(staff, pk)
    form = CouncilForm(posted(request), initial={"kind": request.GET.get("loai", "")})

    def perform(data):
        items = [item]
        others = data["other_items"]
        found = {i.pk: i for i in selectors.visible_items(staff).filter(pk__in=others)}
        missing = [str(n) for n in others if n not in found]
        if missing:
            # Hidden and unknown answer the same: the person may not list what they cannot see.
            raise ValidationError(
                {"other_items": f"Không tìm thấy tài liệu mã số {', '.join(missing)}."}
            )
        items += [found[n] for n in others if n != item.pk]
        return lifecycle.create_council(
            actor_of(request.user),
            kind=data["kind"],
            established_by=staff,
            establishment_number=data["establishment_number"],
            established_on=data["established_on"],
            chair=data["chair"],
            members=data["members"],
            minutes=data["minutes"],
            minutes_on=data["minutes_on"],
            items=items,
        )

    council, status = submit(request, form, perform)
    if council is not None:
        messages.success(
            request,
            f"Đã ghi {council.get_kind_display().lower()} theo quyết định số "
            f"{council.establishment_number} ({council.items.count()} tài liệu).",
        )
        return redirect("registry:item", pk=item.pk)
    return _action_page(
        request,
        item,
        form,
        "Thành lập hội đồng",
        "Ghi hồ sơ hội đồng",
        ["declassify.council", "destroy.council"],
        status,
    )


def _councils(item: SecretItem, kind: str):
    return Council.objects.filter(kind=kind, items=item).order_by("-established_on", "-pk")


@login_required
def declassify(request, pk: int):
    staff = acting_staff(request)
    _require_leader(staff, "quyết định giải mật")
    item = selectors.item_for(staff, pk)
    form = DeclassifyForm(posted(request), councils=_councils(item, Council.Kind.DECLASSIFY))
    record, status = submit(
        request,
        form,
        lambda data: lifecycle.declassify(
            actor_of(request.user),
            item,
            decided_by=staff,
            council=data["council"],
            document_number=data["document_number"],
            partial_scope=data["partial_scope"],
        ),
    )
    if record is not None:
        what = "giải mật một phần" if record.partial_scope else "giải mật toàn bộ"
        return _decision_done(request, item, record, what)
    return _action_page(
        request, item, form, "Giải mật", "Ghi quyết định giải mật", ["declassify.council"], status
    )


@login_required
def destroy(request, pk: int):
    staff = acting_staff(request)
    _require_leader(staff, "quyết định tiêu hủy")
    item = selectors.item_for(staff, pk)
    form = DestroyForm(
        posted(request),
        councils=_councils(item, Council.Kind.DESTROY),
        copies=selectors.copies_of(staff, item).filter(state=Copy.State.HELD),
    )
    record, status = submit(
        request,
        form,
        lambda data: lifecycle.destroy(
            actor_of(request.user),
            item,
            decided_by=staff,
            council=data["council"],
            document_number=data["document_number"],
            record=data["record"],
            copies=list(data["copies"]) or None,
        ),
    )
    if record is not None:
        return _decision_done(request, item, record, f"tiêu hủy {record.copies.count()} bản")
    return _action_page(
        request, item, form, "Tiêu hủy", "Ghi quyết định tiêu hủy", ["destroy.council"], status
    )


def _own_live_copies(staff: Staff, item: SecretItem):
    return selectors.copies_of(staff, item).filter(
        custodian=staff, state__in=lifecycle.LIVE_COPY_STATES
    )


@login_required
def destroy_now(request, pk: int):
    staff = acting_staff(request)
    item = selectors.item_for(staff, pk)
    copies = _own_live_copies(staff, item)
    if not copies.exists():
        raise PermissionDenied("Chỉ người đang quản lý bản tài liệu mới được tiêu hủy ngay.")
    form = DestroyNowForm(posted(request), copies=copies)
    record, status = submit(
        request,
        form,
        lambda data: lifecycle.destroy_immediately(
            actor_of(request.user), data["copy"], holder=staff, report=data["report"]
        ),
    )
    if record is not None:
        return _decision_done(request, item, record, "tiêu hủy ngay và báo cáo")
    return _action_page(
        request,
        item,
        form,
        "Tiêu hủy ngay để tránh nguy hại",
        "Ghi tiêu hủy ngay",
        ["destroy.immediate"],
        status,
    )


@login_required
def mark_lapsed(request, pk: int):
    staff = acting_staff(request)
    if staff.role not in lifecycle.LAPSE_MARKERS:
        raise PermissionDenied(
            "Chỉ văn thư, cán bộ bảo vệ bí mật nhà nước hoặc lãnh đạo đóng dấu giải mật."
        )
    item = selectors.item_for(staff, pk)
    form = ConfirmForm(posted(request))
    record, status = submit(
        request, form, lambda data: lifecycle.mark_lapsed(actor_of(request.user), item, by=staff)
    )
    if record is not None:
        return _decision_done(request, item, record, "giải mật đương nhiên")
    return _action_page(
        request,
        item,
        form,
        "Đóng dấu giải mật (hết thời hạn bảo vệ)",
        "Đóng dấu giải mật",
        ["declassify.automatic"],
        status,
    )


NOTICE_KEEPERS = REGISTER_KEEPERS | {Staff.Role.LEADER}


def _notices_owed(item: SecretItem):
    return item.decisions.filter(notice_due__isnull=False, notified_on__isnull=True).order_by(
        "notice_due", "pk"
    )


@login_required
def record_notice(request, pk: int, decision: int):
    staff = acting_staff(request)
    if staff.role not in NOTICE_KEEPERS:
        raise PermissionDenied(
            "Chỉ lãnh đạo, văn thư hoặc cán bộ bảo vệ bí mật nhà nước ghi việc thông báo."
        )
    item = selectors.item_for(staff, pk)
    row = get_object_or_404(_notices_owed(item), pk=decision)
    form = NoticeForm(posted(request), initial={"notified_on": timezone.localdate()})
    done, status = submit(
        request,
        form,
        lambda data: lifecycle.record_notice(
            actor_of(request.user), row, by=staff, on=data["notified_on"]
        ),
    )
    if done is not None:
        late = " (quá hạn)" if done.notified_on > done.notice_due else ""
        messages.success(
            request,
            f"Đã ghi thông báo {done.get_kind_display().lower()} ngày "
            f"{done.notified_on:%d/%m/%Y}{late}.",
        )
        return redirect("registry:item", pk=item.pk)
    return _action_page(
        request,
        item,
        form,
        f"Thông báo {row.get_kind_display().lower()} (hạn {row.notice_due:%d/%m/%Y})",
        "Ghi đã thông báo",
        [],
        status,
        notice_citation=row.notice_citation,
    )


# --- departures (thôi công tác)


DEPARTURE_MANAGERS = OFFICERS | {Staff.Role.LEADER}


def _require_departure_manager(staff: Staff) -> None:
    # The service narrows further (a leader only for their own unit tree).
    if staff.role not in DEPARTURE_MANAGERS:
        raise PermissionDenied(
            "Chỉ cán bộ bảo vệ bí mật nhà nước hoặc lãnh đạo đơn vị làm thủ tục thôi công tác."
        )


def _departures(staff: Staff):
    return (
        Departure.objects.filter(staff__org_unit__in=subunits(_agency_of(staff)))
        .select_related("staff", "opened_by", "closed_by")
        .order_by("-pk")
    )


@login_required
def departures(request):
    staff = acting_staff(request)
    _require_departure_manager(staff)
    form = DepartureForm(
        posted(request), staff=agency_staff(_agency_of(staff)).exclude(pk=staff.pk)
    )
    opened, status = submit(
        request,
        form,
        lambda data: departure_service.open_departure(
            actor_of(request.user),
            data["staff"],
            reason=data["reason"],
            leaves_on=data["leaves_on"],
            opened_by=staff,
        ),
    )
    if opened is not None:
        messages.success(
            request,
            f"Đã mở thủ tục thôi công tác của {opened.staff.full_name}; thu hồi mọi tài liệu "
            "đang quản lý.",
        )
        return redirect("registry:departure", pk=opened.pk)
    return render(
        request,
        "registry/departures.html",
        {
            "form": form,
            "departures": _departures(staff)[:PAGE_SIZE],
            "recall_rule": rule("departure.recall", timezone.localdate()),
        },
        status=status,
    )


def _departure_page(request, staff, found, status=200, commitment_form=None):
    return render(
        request,
        "registry/departure.html",
        {
            "departure": found,
            "tasks": departure_service.outstanding_for(staff, found),
            "open_count": len(departure_service.outstanding(found)),
            "recalls": found.recalls.order_by("pk"),
            "commitment_form": commitment_form or CommitmentForm(),
            "handover_rule": rule("departure.handover", timezone.localdate()),
        },
        status=status,
    )


@login_required
def departure_detail(request, pk: int):
    staff = acting_staff(request)
    _require_departure_manager(staff)
    found = get_object_or_404(_departures(staff), pk=pk)
    return _departure_page(request, staff, found)


@require_POST
@login_required
def departure_commitment(request, pk: int):
    staff = acting_staff(request)
    _require_departure_manager(staff)
    found = get_object_or_404(_departures(staff), pk=pk)
    form = CommitmentForm(request.POST)
    done, status = submit(
        request,
        form,
        lambda data: departure_service.record_commitment(
            actor_of(request.user),
            found,
            by=staff,
            commitment_number=data["commitment_number"],
        ),
    )
    if done is not None:
        messages.success(request, f"Đã ghi nhận bản cam kết số {done.commitment_number}.")
        return redirect("registry:departure", pk=found.pk)
    return _departure_page(request, staff, found, status=status, commitment_form=form)


@require_POST
@login_required
def departure_close(request, pk: int):
    staff = acting_staff(request)
    _require_departure_manager(staff)
    found = get_object_or_404(_departures(staff), pk=pk)
    try:
        departure_service.close_departure(actor_of(request.user), found, by=staff)
    except Refused as exc:
        show_refusal(request, exc)
        return _departure_page(request, staff, found, status=422)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return _departure_page(request, staff, found, status=400)
    messages.success(request, f"Đã kết thúc thủ tục thôi công tác của {found.staff.full_name}.")
    return redirect("registry:departure", pk=found.pk)
