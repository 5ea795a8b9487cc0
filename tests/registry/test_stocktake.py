"""Stocktake against the register, the draft loss incident it opens, and reporting it to the
head of the agency."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bmnn.oversight import services as oversight
from bmnn.oversight.models import Incident
from bmnn.registry.models import Copy, Stocktake, StocktakeLine
from bmnn.registry.services import stocktake
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR, ON

STATISTICS = "Luật 29/2018/QH14, Điều 12, khoản 1"
LOSS = "Luật 29/2018/QH14, Điều 25, khoản 3"
LATER = ON + dt.timedelta(days=2)


def _event(action: str) -> dict:
    found = next(e for e in ledger.recent(200) if e.action == action)
    return json.loads(found.payload)


def _head_seq() -> int:
    events = ledger.recent(1)
    return events[0].seq if events else 0


@pytest.fixture
def shelf(sx, issued):
    """Phòng A keeps a Mật item (copies 1 at the clerk, 2 out with the drafter, 3 sent away, 4
    destroyed) and a Tối mật item (2 copies at the clerk); the cadre of Phòng B holds copy 1 of
    a Mật item kept by Phòng B."""
    mat, toi_mat = issued("mat", copies=4), issued("toi_mat", copies=2)
    Copy.objects.filter(item=mat, number=2).update(custodian=sx.drafter, state=Copy.State.OUT)
    Copy.objects.filter(item=mat, number=3).update(
        custodian=None, state=Copy.State.SENT, holder_outside="UBND tỉnh"
    )
    Copy.objects.filter(item=mat, number=4).update(custodian=None, state=Copy.State.DESTROYED)
    other = issued("mat", copies=1)
    type(other).objects.filter(pk=other.pk).update(owner_unit=sx.other_division)
    Copy.objects.filter(item=other, number=1).update(custodian=sx.cadre)
    return mat, toi_mat, other


def _lines(take: Stocktake) -> dict[tuple[int, int], StocktakeLine]:
    return {(x.copy.item_id, x.copy.number): x for x in take.lines.select_related("copy")}


def test_unit_snapshot_lists_what_the_register_says_is_held(sx, shelf):
    mat, toi_mat, _ = shelf
    take = stocktake.start_stocktake(ACTOR, started_by=sx.officer, unit=sx.division, on=ON)
    assert set(_lines(take)) == {(mat.pk, 1), (mat.pk, 2), (toi_mat.pk, 1), (toi_mat.pk, 2)}
    assert all(x.presented is None for x in take.lines.all())
    payload = _event("registry.stocktake.start")
    assert payload["citation"] == STATISTICS and payload["unit"] == sx.division.pk


def test_agency_snapshot_includes_the_subunits(sx, shelf):
    take = stocktake.start_stocktake(ACTOR, started_by=sx.director, unit=sx.agency, on=ON)
    assert take.lines.count() == 5


def test_custodian_snapshot_lists_the_persons_copies(sx, shelf):
    _, _, other = shelf
    take = stocktake.start_stocktake(ACTOR, started_by=sx.officer, custodian=sx.cadre, on=ON)
    assert set(_lines(take)) == {(other.pk, 1)} and take.unit is None


def test_exactly_one_scope(sx, shelf):
    with pytest.raises(ValidationError):
        stocktake.start_stocktake(ACTOR, started_by=sx.officer, on=ON)
    with pytest.raises(ValidationError):
        stocktake.start_stocktake(
            ACTOR, started_by=sx.officer, unit=sx.division, custodian=sx.cadre, on=ON
        )
    assert not Stocktake.objects.exists()


@pytest.mark.parametrize("who", ["inspector", "clerk", "drafter", "cadre"])
def test_only_the_officer_or_a_leader_runs_it(sx, shelf, who):
    before = _head_seq()
    with pytest.raises(PermissionDenied):
        stocktake.start_stocktake(ACTOR, started_by=getattr(sx, who), unit=sx.division, on=ON)
    assert not Stocktake.objects.exists() and _head_seq() == before


def test_a_leader_runs_only_their_own_unit(sx, shelf):
    assert stocktake.start_stocktake(ACTOR, started_by=sx.head, unit=sx.division, on=ON)
    with pytest.raises(PermissionDenied):
        stocktake.start_stocktake(ACTOR, started_by=sx.head, unit=sx.other_division, on=ON)


def test_scope_above_the_runners_clearance_is_refused_without_naming_it(sx, shelf, issued):
    issued("tuyet_mat", copies=1)  # kept by the agency itself
    with pytest.raises(PermissionDenied, match="vượt quá mức được tiếp cận"):
        stocktake.start_stocktake(ACTOR, started_by=sx.deputy, unit=sx.agency, on=ON)
    assert not Stocktake.objects.exists()


def test_close_is_refused_while_a_line_is_unmarked(sx, shelf):
    take = stocktake.start_stocktake(ACTOR, started_by=sx.officer, unit=sx.division, on=ON)
    first = take.lines.order_by("pk").first()
    stocktake.mark(ACTOR, first, by=sx.officer, presented=True, on=LATER)
    before = _head_seq()
    with pytest.raises(Refused) as err:
        stocktake.close_stocktake(ACTOR, take, by=sx.officer, on=LATER)
    assert err.value.citation == STATISTICS and "Còn 3 bản" in err.value.message
    assert Stocktake.objects.get(pk=take.pk).closed_on is None
    assert not Incident.objects.exists() and _head_seq() == before


def test_one_missing_copy_drafts_a_loss_incident_listing_exactly_it(sx, shelf):
    mat = shelf[0]
    take = stocktake.start_stocktake(ACTOR, started_by=sx.officer, unit=sx.division, on=ON)
    lines = _lines(take)
    for key, line in lines.items():
        stocktake.mark(ACTOR, line, by=sx.officer, presented=key != (mat.pk, 2), on=LATER)
    missing = Copy.objects.get(item=mat, number=2)
    assert [x.copy for x in stocktake.discrepancies(sx.officer, take)] == [missing]

    stocktake.close_stocktake(ACTOR, take, by=sx.officer, on=LATER)
    take.refresh_from_db()
    assert take.closed_on == LATER and take.closed_by == sx.officer
    incident = Incident.objects.get()
    assert incident.kind == Incident.Kind.LOSS and incident.status == Incident.Status.DRAFT
    assert list(incident.copies.all()) == [missing]
    assert incident.stocktake == take and incident.citation == LOSS
    assert mat.number_symbol in incident.description and "bản số 2/4" in incident.description
    assert "Báo cáo thử" not in incident.description  # numbers only, never a summary
    # A draft incident is not a finding: the register still says what it said.
    missing.refresh_from_db()
    assert missing.state == Copy.State.OUT and missing.custodian == sx.drafter
    payload = _event("registry.stocktake.close")
    assert payload["missing"] == [missing.pk] and payload["incident"] == incident.pk
    assert _event("oversight.incident.open")["citation"] == LOSS


def test_everything_presented_opens_no_incident(sx, shelf):
    take = stocktake.start_stocktake(ACTOR, started_by=sx.officer, custodian=sx.cadre, on=ON)
    stocktake.mark(ACTOR, take.lines.get(), by=sx.officer, presented=True, on=ON)
    stocktake.close_stocktake(ACTOR, take, by=sx.officer, on=ON)
    assert not Incident.objects.exists()
    assert _event("registry.stocktake.close")["incident"] is None


def test_a_line_may_be_corrected_until_the_close_and_not_after(sx, shelf):
    take = stocktake.start_stocktake(ACTOR, started_by=sx.officer, custodian=sx.cadre, on=ON)
    line = take.lines.get()
    stocktake.mark(ACTOR, line, by=sx.officer, presented=False, on=ON)
    stocktake.mark(ACTOR, line, by=sx.officer, presented=True, note="Để nhầm tủ", on=ON)
    assert _event("registry.stocktake.mark")["previous"] is False
    stocktake.close_stocktake(ACTOR, take, by=sx.officer, on=ON)
    before = _head_seq()
    with pytest.raises(Refused) as err:
        stocktake.mark(ACTOR, line, by=sx.officer, presented=False, on=ON)
    assert err.value.citation == STATISTICS
    with pytest.raises(Refused) as err:
        stocktake.close_stocktake(ACTOR, take, by=sx.officer, on=ON)
    assert err.value.citation == STATISTICS and _head_seq() == before
    line.refresh_from_db()
    assert line.presented is True and line.note == "Để nhầm tủ"


def test_the_inspector_reads_but_does_not_mark(sx, shelf):
    mat, _, _ = shelf
    take = stocktake.start_stocktake(ACTOR, started_by=sx.officer, unit=sx.division, on=ON)
    line = _lines(take)[(mat.pk, 1)]
    with pytest.raises(PermissionDenied):
        stocktake.mark(ACTOR, line, by=sx.inspector, presented=True, on=ON)
    stocktake.mark(ACTOR, line, by=sx.officer, presented=False, on=ON)
    assert len(stocktake.stocktake_lines(sx.inspector, take)) == 4
    assert [x.pk for x in stocktake.discrepancies(sx.inspector, take)] == [line.pk]
    assert stocktake.summary(sx.inspector, take) == {
        "total": 4,
        "presented": 0,
        "missing": 1,
        "unmarked": 3,
        "tuyet_mat": 0,
        "toi_mat": 2,
        "mat": 2,
    }


def test_reads_go_through_the_need_to_know_gate(sx, shelf):
    mat, toi_mat, _ = shelf
    take = stocktake.start_stocktake(ACTOR, started_by=sx.officer, unit=sx.division, on=ON)
    for line in take.lines.all():
        stocktake.mark(ACTOR, line, by=sx.officer, presented=False, on=ON)
    # The cadre (Phòng B, clearance Mật) has no need to know Phòng A's items.
    assert stocktake.stocktake_lines(sx.cadre, take) == []
    assert stocktake.discrepancies(sx.cadre, take) == []
    # The drafter (Tối mật clearance) drafted both items and sees both.
    assert {x.copy.item_id for x in stocktake.discrepancies(sx.drafter, take)} == {
        mat.pk,
        toi_mat.pk,
    }


def _draft_incident(sx, shelf) -> Incident:
    take = stocktake.start_stocktake(ACTOR, started_by=sx.officer, custodian=sx.cadre, on=ON)
    stocktake.mark(ACTOR, take.lines.get(), by=sx.officer, presented=False, on=ON)
    stocktake.close_stocktake(ACTOR, take, by=sx.officer, on=ON)
    return Incident.objects.get(stocktake=take)


def test_reporting_the_incident_notifies_the_head_of_the_agency(sx, shelf):
    incident = _draft_incident(sx, shelf)
    reported = oversight.report_incident(ACTOR, incident, by=sx.officer, on=LATER)
    assert reported.status == Incident.Status.REPORTED and reported.reported_on == LATER
    assert reported.reported_to == sx.director  # the head, not the deputy
    assert reported.reported_by == sx.officer
    payload = _event("oversight.incident.report")
    assert payload["citation"] == LOSS and payload["to"] == sx.director.pk
    # Reporting is not confirming: the copy is still what the register said.
    assert incident.copies.get().state == Copy.State.HELD


def test_double_report_is_refused_citing_the_loss_rule(sx, shelf):
    incident = _draft_incident(sx, shelf)
    oversight.report_incident(ACTOR, incident, by=sx.officer, on=LATER)
    before = _head_seq()
    with pytest.raises(Refused) as err:
        oversight.report_incident(ACTOR, incident, by=sx.director, on=LATER)
    assert err.value.citation == LOSS and _head_seq() == before


def test_only_the_officer_or_a_leader_reports(sx, shelf):
    incident = _draft_incident(sx, shelf)
    for who in (sx.cadre, sx.clerk, sx.inspector):
        with pytest.raises(PermissionDenied):
            oversight.report_incident(ACTOR, incident, by=who, on=LATER)
    with pytest.raises(ValidationError, match="trước ngày phát hiện"):
        oversight.report_incident(ACTOR, incident, by=sx.officer, on=ON - dt.timedelta(days=1))
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.DRAFT
