"""Django admin for org units, staff and delegations; every write goes through the services."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from bmnn.people import services
from bmnn.people.admin_forms import ServiceAdmin, ServiceForm
from bmnn.people.models import LEVEL_CHOICES, Delegation, OrgUnit, Staff
from bmnn.rules import ACTIONS, load_rulebook


def _post_choices():
    return [(code, f"{post.vi} ({code})") for code, post in load_rulebook().posts.items()]


def _action_choices():
    names = load_rulebook().action_names
    return [(code, names.get(code, code).capitalize()) for code in ACTIONS]


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- org units ---------------------------------------------------------------------------------


class OrgUnitAddForm(ServiceForm):
    class Meta:
        model = OrgUnit
        fields = ("name", "short_code", "kind", "parent", "superior_agency_name")

    def perform(self):
        return services.create_org_unit(self.actor, **self.cleaned_data)


@admin.register(OrgUnit)
class OrgUnitAdmin(ServiceAdmin):
    add_form = OrgUnitAddForm
    shown_fields = (*OrgUnitAddForm.Meta.fields, "created_at")
    list_display = ("name", "short_code", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "short_code")


# --- staff -------------------------------------------------------------------------------------


class StaffAddForm(ServiceForm):
    username = forms.CharField(label="Tên đăng nhập", max_length=150)
    password1 = forms.CharField(label="Mật khẩu", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Nhập lại mật khẩu", widget=forms.PasswordInput, strip=False)
    post_code = forms.ChoiceField(label="Chức vụ", choices=_post_choices)

    class Meta:
        model = Staff
        fields = (
            "username",
            "password1",
            "password2",
            "full_name",
            "org_unit",
            "post_code",
            "position",
            "role",
            "clearance",
            "active_from",
        )
        widgets: ClassVar[dict] = {"active_from": _DATE}

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise ValidationError("Hai lần nhập mật khẩu không khớp.")
        return data

    def perform(self):
        data = dict(self.cleaned_data)
        data["password"] = data.pop("password1")
        data.pop("password2")
        return services.create_staff(self.actor, **data)


class StaffChangeForm(ServiceForm):
    post_code = forms.ChoiceField(label="Chức vụ", choices=_post_choices)

    class Meta:
        model = Staff
        fields = (
            "org_unit",
            "post_code",
            "position",
            "role",
            "clearance",
            "left_on",
            "left_reason",
        )
        widgets: ClassVar[dict] = {"left_on": _DATE}

    def perform(self):
        staff, data, changed = self.instance, self.cleaned_data, set(self.changed_data)
        if "role" in changed:
            staff = services.change_role(self.actor, staff, data["role"])
        if "clearance" in changed:
            staff = services.change_clearance(self.actor, staff, data["clearance"])
        if changed & {"org_unit", "post_code", "position"}:
            staff = services.change_post(
                self.actor,
                staff,
                data["post_code"],
                position=data["position"],
                org_unit=data["org_unit"],
            )
        if "left_on" in changed and data["left_on"]:
            staff = services.record_departure(
                self.actor, staff, on=data["left_on"], reason=data["left_reason"]
            )
        return staff if changed else None


@admin.register(Staff)
class StaffAdmin(ServiceAdmin):
    add_form = StaffAddForm
    change_form = StaffChangeForm
    shown_fields = ("user", "full_name", "active_from", *StaffChangeForm.Meta.fields)
    list_display = ("full_name", "org_unit", "post_code", "role", "clearance", "left_on")
    list_filter = ("role", "clearance", "org_unit")
    search_fields = ("full_name", "user__username", "position")
    list_select_related = ("org_unit",)

    def form_for(self, obj):
        # A departed person's record is history: nothing left to change.
        if obj is not None and obj.left_on is not None:
            return None
        return super().form_for(obj)


# --- delegations -------------------------------------------------------------------------------


class DelegationAddForm(ServiceForm):
    actions = forms.MultipleChoiceField(
        label="Các việc được ủy quyền",
        choices=_action_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    levels = forms.MultipleChoiceField(
        label="Các độ mật", choices=LEVEL_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Delegation
        fields = (
            "delegator",
            "delegate",
            "actions",
            "levels",
            "valid_from",
            "valid_to",
            "document_number",
            "document_date",
            "content",
        )
        widgets: ClassVar[dict] = {"valid_from": _DATE, "valid_to": _DATE, "document_date": _DATE}

    def perform(self):
        return services.create_delegation(self.actor, **self.cleaned_data)


class DelegationRevokeForm(ServiceForm):
    revoke = forms.BooleanField(label="Thu hồi ủy quyền này", required=False)

    class Meta:
        model = Delegation
        fields = ("revoke", "revoked_reason")

    def perform(self):
        if not self.cleaned_data["revoke"]:
            return None
        return services.revoke_delegation(
            self.actor, self.instance, reason=self.cleaned_data["revoked_reason"]
        )


@admin.register(Delegation)
class DelegationAdmin(ServiceAdmin):
    add_form = DelegationAddForm
    change_form = DelegationRevokeForm
    shown_fields = (
        *DelegationAddForm.Meta.fields,
        "delegator_post",
        "created_at",
        "revoked_at",
        "revoked_reason",
    )
    list_display = (
        "document_number",
        "delegator",
        "delegate",
        "valid_from",
        "valid_to",
        "revoked_at",
    )
    search_fields = ("document_number", "delegator__full_name", "delegate__full_name")
    list_select_related = ("delegator", "delegate")

    def form_for(self, obj):
        if obj is not None and obj.revoked_at is not None:
            return None
        return super().form_for(obj)
