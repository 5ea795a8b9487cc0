"""Admin forms whose "save" is a service call, so the admin cannot bypass the rules or the ledger.

The service runs while the form validates (inside the admin's own transaction), because that is
where Django admin can still show an error on the form: a ValidationError or a refusal (with its
citation) becomes a form error instead of a server error. The ModelAdmin's save_model then has
nothing left to do.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction

from bmnn.web.errors import Refused


def refusal_text(exc: Refused) -> str:
    return f"{exc.message} — Căn cứ: {exc.citation}" if exc.citation else exc.message


def actor_of(user) -> str:
    return f"user:{user.get_username()}"


class ServiceForm(forms.ModelForm):
    """Subclasses define `perform(self)`: call the service with `self.actor` and
    `self.cleaned_data`, return the saved instance (or None when nothing changed)."""

    actor = "system"

    def _post_clean(self) -> None:
        if self.errors:
            return
        try:
            # One form may call several services (a staff change form): all or none.
            with transaction.atomic():
                result = self.perform()
        except ValidationError as exc:
            self.add_error(None, exc)
        except Refused as exc:
            self.add_error(None, refusal_text(exc))
        else:
            if result is not None:
                self.instance = result


class ServiceAdmin(admin.ModelAdmin):
    """Hands the signed-in user to the form as the ledger actor; never saves or deletes itself.

    `add_form` creates; `change_form` (optional) is the service-backed change; `shown_fields` are
    the model fields shown read-only on an existing record. A record with no change form (per
    `form_for`) is view-only.
    """

    add_form: type[ServiceForm]
    change_form: type[ServiceForm] | None = None
    shown_fields: tuple[str, ...] = ()

    def form_for(self, obj) -> type[ServiceForm] | None:
        return self.add_form if obj is None else self.change_form

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        form = self.form_for(obj)
        editable = set(form.base_fields) if form else set()
        return [name for name in self.shown_fields if name not in editable]

    def get_fieldsets(self, request, obj=None):
        form = self.form_for(obj)
        editable = list(form.base_fields) if form else []
        return [(None, {"fields": [*self.get_readonly_fields(request, obj), *editable]})]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = self.form_for(obj)
        if form is None:
            kwargs["fields"] = []
        else:
            kwargs["form"] = type(form.__name__, (form,), {"actor": actor_of(request.user)})
            kwargs["fields"] = list(form.base_fields)
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and self.form_for(obj) is None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        """The form's service call already saved everything, with its ledger event."""

    def has_delete_permission(self, request, obj=None) -> bool:
        # Records end by events (departure, revocation, replacement), never by deletion.
        return False
