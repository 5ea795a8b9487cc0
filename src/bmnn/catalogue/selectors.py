"""Reads of the catalogue."""

from __future__ import annotations

from django.db.models import QuerySet

from bmnn.catalogue.models import CatalogueDecision, CatalogueItem


def active_decisions(*, include_samples: bool = True) -> QuerySet[CatalogueDecision]:
    """Decisions in force (not replaced), newest first."""
    decisions = CatalogueDecision.objects.filter(status=CatalogueDecision.Status.ACTIVE)
    return decisions if include_samples else decisions.filter(is_sample=False)


def items(
    *, level: str | None = None, active_only: bool = True, include_samples: bool = True
) -> QuerySet[CatalogueItem]:
    """Catalogue items a classification may cite, optionally of one level."""
    found = CatalogueItem.objects.select_related("decision")
    if active_only:
        found = found.filter(decision__status=CatalogueDecision.Status.ACTIVE)
    if not include_samples:
        found = found.filter(decision__is_sample=False)
    if level is not None:
        found = found.filter(level=level)
    return found


def replacement_chain(decision: CatalogueDecision) -> list[CatalogueDecision]:
    """`decision` followed by each decision that replaced the previous one, up to the one in
    force."""
    chain = [decision]
    seen = {decision.pk}
    while chain[-1].replaced_by_id is not None and chain[-1].replaced_by_id not in seen:
        nxt = CatalogueDecision.objects.get(pk=chain[-1].replaced_by_id)
        seen.add(nxt.pk)
        chain.append(nxt)
    return chain
