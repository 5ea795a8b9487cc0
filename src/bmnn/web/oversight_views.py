"""Pages of incidents (lộ, mất BMNN): the list and one incident, with its report to the head.
Thin: reads from bmnn.oversight.selectors, the change through bmnn.oversight.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bmnn.oversight import selectors, services
from bmnn.oversight.services import REPORTERS
from bmnn.people.admin_forms import actor_of
from bmnn.web.errors import Refused
from bmnn.web.registry_views import PAGE_SIZE, acting_staff, show_refusal


@login_required
def incidents(request):
    staff = acting_staff(request)
    return render(
        request,
        "oversight/incidents.html",
        {"incidents": selectors.incidents_for(staff)[:PAGE_SIZE]},
    )


def _page(request, staff, found, status=200):
    return render(
        request,
        "oversight/incident.html",
        {
            "incident": found,
            "copies": selectors.incident_copies(staff, found),
            "may_report": staff.role in REPORTERS and found.status == found.Status.DRAFT,
        },
        status=status,
    )


@login_required
def incident(request, pk: int):
    staff = acting_staff(request)
    return _page(request, staff, get_object_or_404(selectors.incidents_for(staff), pk=pk))


@require_POST
@login_required
def incident_report(request, pk: int):
    staff = acting_staff(request)
    found = get_object_or_404(selectors.incidents_for(staff), pk=pk)
    try:
        services.report_incident(actor_of(request.user), found, by=staff, on=timezone.localdate())
    except Refused as exc:
        show_refusal(request, exc)
        return _page(request, staff, found, status=422)
    messages.success(request, "Đã báo cáo sự cố với người đứng đầu cơ quan.")
    return redirect("incident", pk=found.pk)
