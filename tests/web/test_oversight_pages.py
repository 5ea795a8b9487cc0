"""The incident pages: a stocktake that finds a copy missing drafts a loss incident; the officer
sees it and reports it to the head; people without the duty see nothing of it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bmnn.oversight.models import Incident
from bmnn.registry.services import stocktake
from tests.registry.conftest import ACTOR, _fast_passwords, issued, sx  # noqa: F401

pytestmark = pytest.mark.django_db


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


@pytest.fixture
def incident(sx, issued):  # noqa: F811
    item = issued("mat", copies=2)
    check = stocktake.start_stocktake(ACTOR, started_by=sx.officer, custodian=sx.clerk)
    lines = list(check.lines.select_related("copy").order_by("copy__number"))
    stocktake.mark(ACTOR, lines[0], by=sx.officer, presented=True)
    stocktake.mark(ACTOR, lines[1], by=sx.officer, presented=False, note="Không tìm thấy")
    stocktake.close_stocktake(ACTOR, check, by=sx.officer)
    found = Incident.objects.get(stocktake=check)
    assert list(found.copies.all()) == [lines[1].copy] and item.pk == lines[1].copy.item_id
    return found


def test_officer_sees_the_draft_and_reports_it_to_the_head(sx, incident):  # noqa: F811
    client = client_for(sx.officer)
    listing = client.get(reverse("incidents"))
    assert listing.status_code == 200
    assert reverse("incident", args=[incident.pk]) in listing.content.decode()
    page = client.get(reverse("incident", args=[incident.pk])).content.decode()
    assert "Bản số 2/2" in page and "Báo cáo người đứng đầu" in page
    stock = client.get(reverse("registry:stocktake", args=[incident.stocktake_id]))
    assert f"dự thảo sự cố số {incident.pk}" in stock.content.decode()
    response = client.post(reverse("incident_report", args=[incident.pk]))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.REPORTED and incident.reported_to == sx.director


def test_reporting_twice_is_refused_with_its_citation(sx, incident):  # noqa: F811
    client = client_for(sx.officer)
    client.post(reverse("incident_report", args=[incident.pk]))
    response = client.post(reverse("incident_report", args=[incident.pk]))
    assert response.status_code == 422
    assert "Căn cứ: Luật 29/2018/QH14, Điều 25, khoản 3" in response.content.decode()


@pytest.mark.parametrize("who", ["drafter", "cadre", "clerk"])
def test_people_without_the_duty_see_no_incident(sx, incident, who):  # noqa: F811
    client = client_for(getattr(sx, who))
    assert (
        reverse("incident", args=[incident.pk])
        not in client.get(reverse("incidents")).content.decode()
    )
    assert client.get(reverse("incident", args=[incident.pk])).status_code == 404
    assert client.post(reverse("incident_report", args=[incident.pk])).status_code == 404
