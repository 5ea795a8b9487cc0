"""Reads of org units, staff, delegations, and the one question that matters: may this person
do this, at this level, on this day."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.db.models import Q, QuerySet

from bmnn.people.models import Delegation, OrgUnit, Staff
from bmnn.people.sorting import vi_sort_key
from bmnn.rules import Decision, load_rulebook


def authority(staff: Staff, action: str, level: str, on: dt.date) -> Decision:
    """The rulebook's decision for `staff` doing `action` on an item of `level` on `on`.

    The person's own post is asked first. If it refuses, each written delegation the person
    received is tried (newest first) with the person's own post: the rulebook checks that the
    post is a deputy's (the law lets only a cấp phó be delegated to) and the delegation itself:
    the delegator's authority, scope, term (shortened by a revocation), no sub-delegation.
    The first allowing decision wins. Otherwise the most specific refusal is returned: that of a
    delegation whose scope covers the action and level (expired, say), else the refusal of the
    person's own post.
    """
    rb = load_rulebook()
    own = rb.decide(action, level, staff.post_code, on=on)
    if not staff.is_active_on(on):
        return _refuse_inactive(own, staff, on)
    if own.allowed:
        return own
    specific: Decision | None = None
    for delegation in Delegation.objects.filter(delegate=staff).select_related("delegator"):
        if not delegation.delegator.is_active_on(on):
            continue  # a delegator who has left (or not yet started) delegates nothing
        decision = rb.decide(
            action, level, staff.post_code, on=on, delegation=delegation.to_rule_delegation()
        )
        if decision.allowed:
            return decision
        if specific is None and action in delegation.actions and level in delegation.levels:
            specific = _note_revocation(decision, delegation, on)
    return specific or own


def _note_revocation(decision: Decision, delegation: Delegation, on: dt.date) -> Decision:
    revoked = delegation.revoked_on()
    if revoked is None or on < revoked:
        return decision
    return replace(
        decision,
        reason=f"{decision.reason} Văn bản ủy quyền {delegation.document_number} đã bị thu hồi "
        f"từ ngày {revoked:%d/%m/%Y}: {delegation.revoked_reason}",
    )


def _refuse_inactive(own: Decision, staff: Staff, on: dt.date) -> Decision:
    # A person not (or no longer) in service holds no authority, whatever the post says.
    return replace(
        own,
        allowed=False,
        reason=f"{staff.full_name} không công tác tại cơ quan vào ngày {on:%d/%m/%Y}.",
    )


def delegations_to(staff: Staff, on: dt.date) -> list[Delegation]:
    """Written delegations to `staff` in force on `on` (term, not revoked before, delegator in
    service)."""
    return [
        d
        for d in Delegation.objects.filter(
            delegate=staff, valid_from__lte=on, valid_to__gte=on
        ).select_related("delegator")
        if d.effective_to() >= on and d.delegator.is_active_on(on)
    ]


def active_delegations(on: dt.date) -> list[Delegation]:
    """All delegations in force on `on`, newest first."""
    return [
        d
        for d in Delegation.objects.filter(valid_from__lte=on, valid_to__gte=on).select_related(
            "delegator", "delegate"
        )
        if d.effective_to() >= on and d.delegator.is_active_on(on) and d.delegate.is_active_on(on)
    ]


def delegations_of(staff: Staff) -> QuerySet[Delegation]:
    """Every delegation the person gave or received, revoked and expired ones included."""
    return Delegation.objects.filter(Q(delegator=staff) | Q(delegate=staff)).select_related(
        "delegator", "delegate"
    )


def org_units() -> list[OrgUnit]:
    """All units in Vietnamese alphabetical order."""
    return sorted(OrgUnit.objects.all(), key=lambda u: vi_sort_key(u.name))


def subunits(unit: OrgUnit) -> list[OrgUnit]:
    """`unit` and every unit below it."""
    children: dict[int | None, list[OrgUnit]] = {}
    for u in OrgUnit.objects.all():
        children.setdefault(u.parent_id, []).append(u)
    found, stack = [], [unit]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current.pk, []))
    return found


def _in_service(on: dt.date | None) -> QuerySet[Staff]:
    people = Staff.objects.select_related("org_unit", "user")
    if on is None:
        return people
    return people.filter(active_from__lte=on).filter(Q(left_on__isnull=True) | Q(left_on__gt=on))


def _by_name(people) -> list[Staff]:
    return sorted(people, key=lambda s: vi_sort_key(s.full_name))


def staff_in_unit(
    unit: OrgUnit, *, on: dt.date | None = None, include_subunits: bool = False
) -> list[Staff]:
    """Staff of `unit` (and, if asked, of the units below it) in Vietnamese name order; with `on`,
    only those in service that day."""
    units = subunits(unit) if include_subunits else [unit]
    return _by_name(_in_service(on).filter(org_unit__in=units))


def staff_by_unit(on: dt.date | None = None) -> list[tuple[OrgUnit, list[Staff]]]:
    """Every unit with its staff, both in Vietnamese order (two queries in all)."""
    grouped: dict[int, list[Staff]] = {}
    for person in _in_service(on):
        grouped.setdefault(person.org_unit_id, []).append(person)
    return [(unit, _by_name(grouped.get(unit.pk, []))) for unit in org_units()]


def agency_leaders(agency: OrgUnit, on: dt.date) -> list[Staff]:
    """Active leaders placed at the agency unit itself (the leadership, lãnh đạo cơ quan), the
    head first."""
    leaders = [
        s
        for s in Staff.objects.filter(org_unit=agency, role=Staff.Role.LEADER).order_by("pk")
        if s.is_active_on(on)
    ]
    head = agency_head(agency, on)
    return sorted(leaders, key=lambda s: s != head)


def agency_head(agency: OrgUnit, on: dt.date) -> Staff | None:
    """The head of the agency (người đứng đầu) on `on`: an active leader of the agency unit whose
    post is a head's: not a deputy's, not one held only through a delegation, not a cadre's."""
    posts = load_rulebook().posts
    for staff in Staff.objects.filter(org_unit=agency, role=Staff.Role.LEADER).order_by("pk"):
        post = posts.get(staff.post_code)
        if (
            staff.is_active_on(on)
            and post is not None
            and staff.post_code != "can_bo"
            and not post.deputy
            and not post.delegated_only
        ):
            return staff
    return None
