"""Views of the web shell: login and logout, TOTP enrolment, dashboard, rulebook. Thin: the
rulebook answers, bmnn.web.ledger keeps the log, bmnn.web.services changes state."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from bmnn.rules import load_rulebook
from bmnn.web import ledger, registry_views, services
from bmnn.web.forms import LoginForm, RuleFilterForm, TotpConfirmForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "Đã đăng xuất khỏi hệ thống.")
        return response


@login_required
def dashboard(request):
    today = timezone.localdate()
    return render(
        request,
        "web/dashboard.html",
        {
            "today": today,
            "texts": load_rulebook().texts_in_force(today),
            "ledger": ledger.status(),
            # Counts and due lists of the registry: only what this person may see.
            "registry": registry_views.dashboard_registry(request.user, today),
        },
    )


@require_POST
@login_required
def ledger_verify(request):
    result = ledger.verify()
    if result.ok:
        messages.success(request, f"Sổ nhật ký toàn vẹn. {result.message}")
    else:
        messages.error(request, f"SỔ NHẬT KÝ KHÔNG CÒN TOÀN VẸN. {result.message}")
    return redirect("dashboard")


@never_cache
@login_required
def otp_setup(request):
    confirmed = list(devices_for_user(request.user, confirmed=True))
    if confirmed:
        return render(request, "web/otp_setup.html", {"confirmed": confirmed})
    device = services.pending_totp_device(request.user)
    form = TotpConfirmForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.confirm_totp_device(request.user, device)
        otp_login(request, device)
        messages.success(request, "Đã bật xác thực hai bước cho tài khoản.")
        return redirect("otp_setup")
    return render(
        request,
        "web/otp_setup.html",
        {
            "form": form,
            "secret": b32encode(device.bin_key).decode("ascii"),
            "config_url": device.config_url,
        },
    )


@dataclass(frozen=True)
class HolderRow:
    who: str
    detail: str  # the entry's own citation and note, when they differ from the version's
    confidence: str | None  # only when it differs from the version's


@dataclass(frozen=True)
class RuleRow:
    """One rule version as the rulebook page shows it."""

    id: str
    title: str
    levels: list[str]
    holders: list[HolderRow]
    citation: str
    confidence: str
    effective_from: date
    effective_to: date | None
    note: str


@login_required
def rulebook(request):
    rb = load_rulebook()
    form = RuleFilterForm(
        # No filter at all (first visit): the rules in force today.
        request.GET or {"on": timezone.localdate().strftime("%d/%m/%Y")},
        actions=[(code, name[:1].upper() + name[1:]) for code, name in rb.action_names.items()],
        levels=[(code, level.vi) for code, level in rb.levels.items()],
    )
    rows: list[RuleRow] = []
    on = None
    if form.is_valid():
        on = form.cleaned_data["on"]
        action, level = form.cleaned_data["action"], form.cleaned_data["level"]
        rows = [
            _rule_row(rb, v)
            for v in rb.rules(on)
            if (not action or v.action == action) and (not level or level in v.levels)
        ]
    context = {"form": form, "rules": rows, "on": on}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "web/_rule_table.html", context)
    return render(request, "web/rulebook.html", context)


def _rule_row(rb, version) -> RuleRow:
    note = version.note
    if version.delegation is not None:
        delegation = f"Được ủy quyền bằng văn bản theo {rb.cite(version.delegation.citation)}."
        note = f"{note} {delegation}".strip()
    return RuleRow(
        id=version.id,
        title=version.title,
        levels=[rb.levels[code].vi for code in version.levels if code in rb.levels],
        holders=[_holder_text(rb, version, holder) for holder in version.holders],
        citation=rb.cite(version.citation),
        confidence=version.confidence,
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        note=note,
    )


def _holder_text(rb, version, holder) -> HolderRow:
    """Who holds the authority, as the law lists them, with the entry's own citation."""
    if holder.same_as is not None:
        # The law's own cross-reference ("the persons in clause 1"), named by the rule it means.
        action, level = holder.same_as
        meant = [
            v
            for v in rb.versions
            if v.kind == "authority" and v.action == action and (level is None or level in v.levels)
        ]
        # The version in force when the referring one starts is the one the law points at.
        current = [v for v in meant if v.in_force(version.effective_from)] or meant
        title = current[0].title if current else action
        who = f"Những người nêu tại quy tắc «{title}»"
        if level:
            who += f", độ {rb.levels[level].vi}" if level in rb.levels else f", độ {level}"
    else:
        names = [rb.posts[p].vi if p in rb.posts else p for p in holder.posts]
        if holder.group is not None:
            names.insert(0, rb.groups.get(holder.group, (holder.group, ()))[0])
        who = "; ".join(names)
    detail = [rb.cite(holder.citation)] if holder.citation != version.citation else []
    if holder.note:
        detail.append(holder.note)
    confidence = holder.confidence if holder.confidence != version.confidence else None
    return HolderRow(who, "; ".join(detail), confidence)
