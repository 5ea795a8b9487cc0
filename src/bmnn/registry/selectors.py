"""Every read of the registry, through the one need-to-know gate: `visible_items`.

A person sees an item only within their clearance and only with a need to know, which comes from:
- an explicit grant (purpose, expiry) or a recipient grant, not revoked, not expired;
- custody of one of its copies;
- having drafted it or set its level;
- the register duty: clerks, the officers in charge of BMNN work and inspectors see the items of
  their own agency (they keep and check the registers);
- leading the unit that keeps it (a division head sees their division's, the head of the agency
  the agency's).
An item outside the gate does not exist for that person: not in lists, search, counts, exports
or the API, and a direct URL answers 404 (`item_for`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from bmnn.people.models import OrgUnit, Staff
from bmnn.people.selectors import subunits
from bmnn.registry.models import (
    LEVEL_RANK,
    Copy,
    Grant,
    Register,
    RegisterEntry,
    SecretItem,
)

REGISTER_ROLES = frozenset(
    {Staff.Role.CLERK, Staff.Role.CHUYEN_TRACH, Staff.Role.KIEM_NHIEM, Staff.Role.INSPECTOR}
)
HELD_STATES = (Copy.State.HELD, Copy.State.OUT)


def levels_within(clearance: str) -> list[str]:
    """The level codes a clearance covers (none for a blank clearance)."""
    rank = LEVEL_RANK.get(clearance, 0)
    return [code for code, r in LEVEL_RANK.items() if r <= rank]


def staff_of(user) -> Staff | None:
    """The Staff row of a logged-in user, or None (the system administrator has none and sees no
    secret)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.staff
    except Staff.DoesNotExist:
        return None


def _agency_units(staff: Staff) -> list[OrgUnit]:
    return subunits(staff.org_unit.agency())


def visible_items(staff: Staff | None, on: dt.date | None = None) -> QuerySet[SecretItem]:
    """The items `staff` may see on `on` (today by default). The one gate: every other read of
    items, copies, entries and decisions starts from it."""
    if staff is None or not staff.clearance:
        return SecretItem.objects.none()
    on = on or timezone.localdate()
    if not staff.is_active_on(on):
        return SecretItem.objects.none()
    items = SecretItem.objects.filter(level__in=levels_within(staff.clearance))
    grants = Grant.objects.filter(staff=staff, revoked_on__isnull=True).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    custody = Copy.objects.filter(custodian=staff, state__in=HELD_STATES)
    if not sees_units(staff):
        return items.filter(pk__in=_personal_items(staff, grants, custody))
    units = _agency_units(staff) if staff.role in REGISTER_ROLES else subunits(staff.org_unit)
    need = _by_ids(grants) | _by_ids(custody) | Q(drafter=staff) | Q(classified_by=staff)
    return items.filter(need | Q(owner_unit__in=units))


def sees_units(staff: Staff) -> bool:
    """Whether the gate opens whole units to `staff` (clerks and BMNN staff: their agency;
    leaders: their units) rather than only what they were given, hold, drafted or classified."""
    return staff is not None and (staff.role in REGISTER_ROLES or staff.role == Staff.Role.LEADER)


def _personal_items(staff: Staff, grants: QuerySet, custody: QuerySet) -> QuerySet:
    """The ids of what a person sees without a unit-wide duty: granted, held, drafted or
    classified by them, as one UNION of indexed lookups. The same four terms OR-ed made SQLite
    scan every item (380 ms at 1,000,000 items for a drafter who sees 2,880; the UNION: 16 ms,
    bench/README.md); people with a unit-wide duty keep the OR form, whose newest-first scan stops
    early because they see most items."""
    mine = SecretItem.objects.order_by()
    return (
        grants.order_by()
        .values("item_id")
        .union(
            custody.order_by().values("item_id"),
            mine.filter(drafter=staff).values("id"),
            mine.filter(classified_by=staff).values("id"),
        )
    )


# Up to this many items a person holds or was granted are named by id; beyond it, by EXISTS.
_ID_LIST_LIMIT = 2000


def _by_ids(rows: QuerySet) -> Q:
    """The items of `rows` (grants or copies of one person) as a filter on the item id.

    Most people hold or were granted a few items: naming them lets the planners use the
    primary key (and the other indexed terms of the OR) instead of testing a correlated EXISTS
    on every item, which made search slow for a drafter at 100,000 items. A clerk who holds
    thousands of copies gets the EXISTS form, which stays correct at any size."""
    ids = list(rows.order_by().values_list("item_id", flat=True).distinct()[: _ID_LIST_LIMIT + 1])
    if len(ids) <= _ID_LIST_LIMIT:
        return Q(pk__in=ids)
    return Q(Exists(rows.filter(item=OuterRef("pk"))))


def item_for(staff: Staff | None, pk: int) -> SecretItem:
    """One item by id, or 404 whether it does not exist or is hidden: the answer is the same."""
    found = visible_items(staff).filter(pk=pk).first()
    if found is None:
        raise Http404("Không tìm thấy tài liệu.")
    return found


def _gated(staff: Staff | None, field: str = "item_id"):
    """The gate as a correlated EXISTS on the row's item: the planners then walk the row's own
    index and test each item, instead of building the whole visible set first (an IN subquery
    costs seconds on SQLite at a million items)."""
    return Exists(visible_items(staff).filter(pk=OuterRef(field)))


def copies_of(staff: Staff | None, item: SecretItem) -> QuerySet[Copy]:
    return Copy.objects.filter(_gated(staff), item=item).select_related("custodian")


def registers(staff: Staff | None, kind: str | None = None) -> QuerySet[Register]:
    """Register books of the person's agency (a book's existence is not a secret)."""
    if staff is None:
        return Register.objects.none()
    books = Register.objects.filter(agency=staff.org_unit.agency())
    return books.filter(kind=kind) if kind else books


def register_entries(staff: Staff | None, register: Register) -> QuerySet[RegisterEntry]:
    """The lines of one book that `staff` may see, in number order."""
    return (
        RegisterEntry.objects.filter(_gated(staff), register=register)
        .select_related("item", "entered_by", "item__owner_unit")
        .order_by("number")
    )


def count_by_level(staff: Staff | None) -> dict[str, int]:
    """Counts the dashboard shows: only what the person may see."""
    counts = dict.fromkeys(LEVEL_RANK, 0)
    rows = visible_items(staff).order_by().values("level").annotate(n=Count("id"))
    counts.update({row["level"]: row["n"] for row in rows})
    return counts
