"""A person's own API tokens: issue one (shown once), see them, revoke one. The tokens let
another program on the independent LAN call /api/v1/ as this person, with the same checks."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bmnn.people.admin_forms import actor_of
from bmnn.web.api import tokens
from bmnn.web.models import ApiToken
from bmnn.web.registry_views import acting_staff


class TokenForm(forms.Form):
    label = forms.CharField(
        label="Tên gọi (phần mềm sẽ dùng mã)",
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    lifetime_days = forms.IntegerField(
        label="Thời hạn (ngày)",
        min_value=1,
        max_value=tokens.MAX_LIFETIME_DAYS,
        initial=tokens.DEFAULT_LIFETIME_DAYS,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )


@never_cache
@login_required
def api_tokens(request):
    staff = acting_staff(request)
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            row, issued = tokens.issue_token(
                actor_of(request.user),
                staff,
                label=form.cleaned_data["label"],
                lifetime_days=form.cleaned_data["lifetime_days"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"Đã cấp mã truy cập «{row.label}».")
            form = TokenForm()
    return render(
        request,
        "web/api_tokens.html",
        {"form": form, "issued": issued, "tokens": tokens.tokens_of(staff)},
    )


@require_POST
@login_required
def api_token_revoke(request, pk: int):
    staff = acting_staff(request)
    row = get_object_or_404(ApiToken, pk=pk, staff=staff)
    try:
        tokens.revoke_token(actor_of(request.user), row, reason="Người dùng tự thu hồi")
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, f"Đã thu hồi mã truy cập «{row.label}».")
    return redirect("api_tokens")
