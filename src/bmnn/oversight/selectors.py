"""Reads of oversight records.

An incident belongs to the agency where it was opened. Its description names items by number
and copy only (no summary), so the agency's officers in charge of BMNN work, its leaders and
its inspectors see the list; the copies an incident names are shown only through the registry's
need-to-know gate.
"""

from __future__ import annotations

from django.db.models import QuerySet

from bmnn.oversight.models import Incident
from bmnn.people.models import Staff
from bmnn.people.selectors import subunits
from bmnn.registry.models import Copy
from bmnn.registry.selectors import visible_items

READERS = frozenset(
    {Staff.Role.CHUYEN_TRACH, Staff.Role.KIEM_NHIEM, Staff.Role.LEADER, Staff.Role.INSPECTOR}
)


def incidents_for(staff: Staff | None) -> QuerySet[Incident]:
    """Incidents of the person's agency, newest first; none for other roles."""
    if staff is None or staff.role not in READERS:
        return Incident.objects.none()
    units = subunits(staff.org_unit.agency())
    return (
        Incident.objects.filter(opened_by__org_unit__in=units)
        .select_related("opened_by", "reported_by", "reported_to", "stocktake")
        .order_by("-id")
    )


def incident_copies(staff: Staff | None, incident: Incident) -> QuerySet[Copy]:
    """The copies an incident names that the person may see."""
    return (
        incident.copies.filter(item__in=visible_items(staff))
        .select_related("item", "custodian")
        .order_by("item_id", "number")
    )
