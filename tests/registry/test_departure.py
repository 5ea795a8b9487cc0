"""A person leaves: everything in their custody is recalled, the commitment is signed, then the
departure closes and the staff list records it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bmnn.people import services as people
from bmnn.people.models import Staff
from bmnn.registry.models import Copy, Departure, Recall, RecallTask
from bmnn.registry.services import departure, recall
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR, ON

HANDOVER = "Luật 29/2018/QH14, Điều 26, khoản 2, điểm d"
RECALL = "Luật 29/2018/QH14, Điều 25, khoản 4"
LEAVES = dt.date(2026, 5, 1)


def _event(action: str) -> dict:
    found = next(e for e in ledger.recent(200) if e.action == action)
    return json.loads(found.payload)


def _head_seq() -> int:
    events = ledger.recent(1)
    return events[0].seq if events else 0


@pytest.fixture
def holdings(sx, issued):
    """The cadre holds copy 2 of one Mật item and has taken out copy 1 of another; copy 3 of the
    first, sent outside, and the clerk's copies are not the cadre's."""
    first, second = issued("mat", copies=3), issued("mat", copies=2)
    Copy.objects.filter(item=first, number=2).update(custodian=sx.cadre)
    Copy.objects.filter(item=first, number=3).update(
        custodian=None, state=Copy.State.SENT, holder_outside="Bộ Nội vụ"
    )
    Copy.objects.filter(item=second, number=1).update(custodian=sx.cadre, state=Copy.State.OUT)
    return first, second


def _open(sx, reason="transfer", leaves_on=LEAVES, by=None):
    return departure.open_departure(
        ACTOR, sx.cadre, reason=reason, leaves_on=leaves_on, opened_by=by or sx.officer, on=ON
    )


def _return_all(sx, dep, on=ON + dt.timedelta(days=3)):
    for task in departure.outstanding(dep):
        recall.confirm_return(ACTOR, task, received_by=sx.clerk, on=on)


def test_opening_recalls_everything_in_the_persons_custody(sx, holdings):
    first, second = holdings
    dep = _open(sx)
    notice = Recall.objects.get(departure=dep)
    assert notice.item is None and notice.due_on == LEAVES and notice.issued_by == sx.officer
    copies = {(t.copy.item_id, t.copy.number) for t in departure.outstanding(dep)}
    assert copies == {(first.pk, 2), (second.pk, 1)}
    assert all(t.holder == sx.cadre for t in departure.outstanding(dep))
    payload = _event("registry.departure.open")
    assert payload["citation"] == RECALL and payload["rule_id"] == "departure.recall/2026"
    assert dep.opened_on == ON


@pytest.mark.parametrize("who", ["officer", "director"])
def test_officer_or_a_leader_above_the_person_may_open(sx, holdings, who):
    assert _open(sx, by=getattr(sx, who)).opened_by == getattr(sx, who)


@pytest.mark.parametrize("who", ["head", "drafter", "clerk", "inspector", "cadre"])
def test_others_may_not_open_and_nothing_is_written(sx, holdings, who):
    # The division head leads Phòng A; the cadre works in Phòng B. Nobody opens their own.
    before = _head_seq()
    with pytest.raises(PermissionDenied):
        _open(sx, by=getattr(sx, who))
    assert not Departure.objects.exists() and not Recall.objects.exists()
    assert _head_seq() == before


def test_unknown_reason_is_invalid(sx, holdings):
    with pytest.raises(ValidationError):
        _open(sx, reason="vacation")


def test_second_open_departure_is_refused_citing_the_recall_rule(sx, holdings):
    _open(sx)
    before = _head_seq()
    with pytest.raises(Refused) as err:
        _open(sx, by=sx.director)
    assert err.value.citation == RECALL
    assert Departure.objects.count() == 1 and RecallTask.objects.count() == 2
    assert _head_seq() == before


def test_cannot_close_until_all_returned_and_the_commitment_is_signed(sx, holdings):
    dep = _open(sx)
    later = ON + dt.timedelta(days=5)
    with pytest.raises(Refused) as err:
        departure.close_departure(ACTOR, dep, by=sx.officer, on=later)
    assert err.value.citation == HANDOVER and "Còn 2 bản" in err.value.message

    recall.confirm_return(ACTOR, departure.outstanding(dep)[0], received_by=sx.clerk, on=later)
    with pytest.raises(Refused, match="Còn 1 bản"):
        departure.close_departure(ACTOR, dep, by=sx.officer, on=later)

    _return_all(sx, dep, on=later)
    before = _head_seq()
    with pytest.raises(Refused) as err:
        departure.close_departure(ACTOR, dep, by=sx.officer, on=later)
    assert err.value.citation == HANDOVER and "cam kết" in err.value.message
    assert Departure.objects.get(pk=dep.pk).closed_on is None and _head_seq() == before

    departure.record_commitment(ACTOR, dep, by=sx.officer, commitment_number="12/CK", on=later)
    closed = departure.close_departure(ACTOR, dep, by=sx.officer, on=later)
    assert closed.closed_on == later and closed.closed_by == sx.officer
    staff = Staff.objects.select_related("user").get(pk=sx.cadre.pk)
    assert staff.left_on == LEAVES and staff.left_reason == "Chuyển công tác"
    assert staff.user.is_active is False
    payload = _event("registry.departure.close")
    assert payload["staff_departure_recorded"] is True and payload["citation"] == HANDOVER
    assert _event("people.staff.departure")["left_on"] == LEAVES.isoformat()
    assert not Copy.objects.filter(custodian=sx.cadre).exists()


def test_commitment_is_recorded_once(sx, holdings):
    dep = _open(sx)
    departure.record_commitment(ACTOR, dep, by=sx.officer, commitment_number="7/CK", on=ON)
    payload = _event("registry.departure.commitment")
    assert payload["citation"] == HANDOVER and payload["commitment_number"] == "7/CK"
    before = _head_seq()
    with pytest.raises(Refused) as err:
        departure.record_commitment(ACTOR, dep, by=sx.officer, commitment_number="8/CK", on=ON)
    assert err.value.citation == HANDOVER
    assert Departure.objects.get(pk=dep.pk).commitment_number == "7/CK"
    assert _head_seq() == before


def test_commitment_needs_a_number_and_a_manager(sx, holdings):
    dep = _open(sx)
    with pytest.raises(ValidationError):
        departure.record_commitment(ACTOR, dep, by=sx.officer, commitment_number=" ", on=ON)
    with pytest.raises(PermissionDenied):
        departure.record_commitment(ACTOR, dep, by=sx.clerk, commitment_number="1/CK", on=ON)
    assert Departure.objects.get(pk=dep.pk).commitment_on is None


def test_after_a_death_no_commitment_and_closing_needs_only_the_returns(sx, holdings):
    died = dt.date(2026, 3, 20)  # recorded after the day: the deadline is the notice's day
    dep = departure.open_departure(
        ACTOR, sx.cadre, reason="death", leaves_on=died, opened_by=sx.director, on=ON
    )
    assert Recall.objects.get(departure=dep).due_on == ON
    with pytest.raises(Refused) as err:
        departure.record_commitment(ACTOR, dep, by=sx.officer, commitment_number="1/CK", on=ON)
    assert err.value.citation == HANDOVER and "từ trần" in err.value.message
    with pytest.raises(Refused, match="chưa được nộp lại"):
        departure.close_departure(ACTOR, dep, by=sx.officer, on=ON)
    _return_all(sx, dep, on=ON)
    departure.close_departure(ACTOR, dep, by=sx.officer, on=ON)
    assert Staff.objects.get(pk=sx.cadre.pk).left_on == died


def test_future_leaving_day_closes_without_recording_the_departure_yet(sx, holdings):
    leaves = timezone.localdate() + dt.timedelta(days=20)
    dep = _open(sx, reason="retire", leaves_on=leaves)
    _return_all(sx, dep)
    departure.record_commitment(ACTOR, dep, by=sx.officer, commitment_number="3/CK", on=ON)
    departure.close_departure(ACTOR, dep, by=sx.officer, on=ON)
    assert Staff.objects.get(pk=sx.cadre.pk).left_on is None
    assert _event("registry.departure.close")["staff_departure_recorded"] is False


def test_person_already_recorded_as_left_is_not_recorded_twice(sx, holdings):
    people.record_departure(ACTOR, sx.cadre, on=ON, reason="Chuyển công tác")
    dep = _open(sx, leaves_on=ON)
    _return_all(sx, dep)
    departure.record_commitment(ACTOR, dep, by=sx.officer, commitment_number="4/CK", on=ON)
    departure.close_departure(ACTOR, dep, by=sx.officer, on=ON + dt.timedelta(days=3))
    assert Staff.objects.get(pk=sx.cadre.pk).left_on == ON
    assert _event("registry.departure.close")["staff_departure_recorded"] is False


def test_double_close_is_refused_and_a_new_departure_may_then_open(sx, holdings):
    dep = _open(sx, leaves_on=timezone.localdate() + dt.timedelta(days=9))
    _return_all(sx, dep)
    departure.record_commitment(ACTOR, dep, by=sx.officer, commitment_number="5/CK", on=ON)
    departure.close_departure(ACTOR, dep, by=sx.officer, on=ON)
    before = _head_seq()
    with pytest.raises(Refused) as err:
        departure.close_departure(ACTOR, dep, by=sx.director, on=ON)
    assert err.value.citation == HANDOVER and _head_seq() == before
    with pytest.raises(Refused, match="đã kết thúc"):
        departure.record_commitment(ACTOR, dep, by=sx.officer, commitment_number="6/CK", on=ON)


def test_person_with_nothing_in_custody_needs_only_the_commitment(sx, holdings):
    dep = departure.open_departure(
        ACTOR, sx.drafter, reason="quit", leaves_on=LEAVES, opened_by=sx.head, on=ON
    )
    assert departure.outstanding(dep) == [] and not Recall.objects.filter(departure=dep).exists()
    departure.record_commitment(ACTOR, dep, by=sx.head, commitment_number="9/CK", on=ON)
    departure.close_departure(ACTOR, dep, by=sx.head, on=ON)
    assert Staff.objects.get(pk=sx.drafter.pk).left_on == LEAVES


def test_outstanding_for_goes_through_the_need_to_know_gate(sx, issued):
    item = issued("toi_mat", copies=2)
    Copy.objects.filter(item=item, number=1).update(custodian=sx.drafter)
    dep = departure.open_departure(
        ACTOR, sx.drafter, reason="quit", leaves_on=LEAVES, opened_by=sx.officer, on=ON
    )
    assert [t.copy.item_id for t in departure.outstanding_for(sx.officer, dep)] == [item.pk]
    assert departure.outstanding_for(sx.cadre, dep) == []
    assert len(departure.outstanding(dep)) == 1
