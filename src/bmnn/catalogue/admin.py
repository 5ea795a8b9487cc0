"""Django admin for the catalogue: read, plus adds and replacement through the services."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib import admin

from bmnn.catalogue import services
from bmnn.catalogue.models import CatalogueDecision, CatalogueItem
from bmnn.people.admin_forms import ServiceAdmin, ServiceForm

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecisionAddForm(ServiceForm):
    class Meta:
        model = CatalogueDecision
        fields = ("number", "date", "issuer", "title", "note", "is_sample")
        widgets: ClassVar[dict] = {"date": _DATE}

    def perform(self):
        return services.create_decision(self.actor, **self.cleaned_data)


class DecisionReplaceForm(ServiceForm):
    replaced_by = forms.ModelChoiceField(
        label="Được thay thế bởi quyết định",
        queryset=CatalogueDecision.objects.filter(status=CatalogueDecision.Status.ACTIVE),
        required=False,
        help_text="Quyết định cũ vẫn được lưu, đánh dấu là đã được thay thế.",
    )

    class Meta:
        model = CatalogueDecision
        fields = ("replaced_by",)

    def perform(self):
        new = self.cleaned_data["replaced_by"]
        if new is None:
            return None
        return services.replace_decision(self.actor, self.instance, new)


class ItemInline(admin.TabularInline):
    model = CatalogueItem
    fields = ("article", "clause", "point", "level", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CatalogueDecision)
class CatalogueDecisionAdmin(ServiceAdmin):
    add_form = DecisionAddForm
    change_form = DecisionReplaceForm
    shown_fields = (*DecisionAddForm.Meta.fields, "status", "replaced_by", "created_at")
    inlines = (ItemInline,)
    list_display = ("number", "date", "issuer", "title", "status", "is_sample")
    list_filter = ("status", "is_sample")
    search_fields = ("number", "title", "issuer")

    def get_inlines(self, request, obj):
        # A new decision has no items yet; they are added one by one through add_item.
        return self.inlines if obj is not None else ()

    def form_for(self, obj):
        if obj is not None and obj.status != CatalogueDecision.Status.ACTIVE:
            return None
        return super().form_for(obj)


class ItemAddForm(ServiceForm):
    decision = forms.ModelChoiceField(
        label="Quyết định",
        queryset=CatalogueDecision.objects.filter(status=CatalogueDecision.Status.ACTIVE),
    )

    class Meta:
        model = CatalogueItem
        fields = ("decision", "article", "clause", "point", "level", "text")

    def perform(self):
        data = dict(self.cleaned_data)
        return services.add_item(self.actor, data.pop("decision"), **data)


@admin.register(CatalogueItem)
class CatalogueItemAdmin(ServiceAdmin):
    add_form = ItemAddForm
    shown_fields = tuple(ItemAddForm.Meta.fields)
    list_display = ("citation", "level", "text")
    list_filter = ("level", "decision__status")
    search_fields = ("text", "decision__number")
    list_select_related = ("decision",)
