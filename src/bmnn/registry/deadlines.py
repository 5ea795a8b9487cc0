"""Due lists: what the law says must be done by a date, as the person may see it.

Every list starts from `selectors.visible_items(staff, on)`: an item outside a person's need to
know is not in their lists either. Read only; the acts are in bmnn.registry.services.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from bmnn.people.models import Staff
from bmnn.registry.models import Copy, LifecycleDecision, RecallTask, SecretItem, TakeOut
from bmnn.registry.selectors import visible_items


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def extensions_coming_due(
    staff: Staff | None, on: dt.date, within_days: int = 60
) -> QuerySet[SecretItem]:
    """Protected items whose last day to decide an extension falls within `within_days` of `on`,
    or has passed while the period still runs (`decision_overdue`: an extension now is late)."""
    horizon = on + dt.timedelta(days=within_days)
    return (
        visible_items(staff, on)
        .filter(
            status=SecretItem.Status.ACTIVE,
            expires_on__gte=on,
            extension_decision_by__lte=horizon,
        )
        .annotate(decision_overdue=_flag(Q(extension_decision_by__lt=on)))
        .select_related("owner_unit")
        .order_by("extension_decision_by", "pk")
    )


def lapsed_items(staff: Staff | None, on: dt.date) -> QuerySet[SecretItem]:
    """Items whose period ended without extension and which nobody has marked yet: declassified
    by law, to be stamped and notified (services.lifecycle.mark_lapsed)."""
    return (
        visible_items(staff, on)
        .filter(
            status=SecretItem.Status.ACTIVE,
            expires_on__lt=on,
            lapsed_marked_on__isnull=True,
        )
        .select_related("owner_unit")
        .order_by("expires_on", "pk")
    )


def notices_owed(staff: Staff | None, on: dt.date) -> QuerySet[LifecycleDecision]:
    """Decisions whose written notice has not been sent; `overdue` once its last day passed."""
    return (
        LifecycleDecision.objects.filter(
            item__in=visible_items(staff, on),
            decided_on__lte=on,
            notice_due__isnull=False,
            notified_on__isnull=True,
        )
        .annotate(overdue=_flag(Q(notice_due__lt=on)))
        .select_related("item", "decided_by")
        .order_by("notice_due", "pk")
    )


def overdue_take_outs(staff: Staff | None, on: dt.date) -> QuerySet[TakeOut]:
    """Copies taken out with permission and still out after their due date."""
    return (
        TakeOut.objects.filter(
            item__in=visible_items(staff, on),
            status=TakeOut.Status.APPROVED,
            returned_on__isnull=True,
            copy__state=Copy.State.OUT,
            due_on__lt=on,
        )
        .select_related("item", "copy", "person")
        .order_by("due_on", "pk")
    )


def overdue_recalls(staff: Staff | None, on: dt.date) -> QuerySet[RecallTask]:
    """Copies under a recall whose return date has passed and which are not back."""
    return (
        RecallTask.objects.filter(
            copy__item__in=visible_items(staff, on),
            recall__issued_on__lte=on,
            recall__due_on__lt=on,
            returned_on__isnull=True,
        )
        .select_related("recall", "copy", "copy__item", "holder")
        .order_by("recall__due_on", "pk")
    )
