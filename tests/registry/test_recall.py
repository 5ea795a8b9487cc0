"""Recall notices ("Tài liệu thu hồi"): who may issue, which copies are recalled, the return."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bmnn.registry.models import Copy, Recall, RecallTask
from bmnn.registry.services import departure, recall
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR, ON

RECALL_CITATION = "Nghị định 26/2020/NĐ-CP, Điều 4, khoản 4"
DUE = ON + dt.timedelta(days=30)


def _event(action: str) -> dict:
    found = next(e for e in ledger.recent(200) if e.action == action)
    return json.loads(found.payload)


def _head_seq() -> int:
    events = ledger.recent(1)
    return events[0].seq if events else 0


def _give(item, number: int, **fields) -> None:
    # Stands in for the delivery service: only the custody columns change.
    assert Copy.objects.filter(item=item, number=number).update(**fields) == 1


def _copy(item, number: int) -> Copy:
    return Copy.objects.get(item=item, number=number)


@pytest.fixture
def spread(sx, issued):
    """A Mật item of Phòng A with 5 copies: 1 at the clerk, 2 with the cadre, 3 taken out by the
    drafter, 4 sent to the province, 5 destroyed."""
    item = issued("mat", copies=5)
    _give(item, 2, custodian=sx.cadre, location="Phòng B")
    _give(item, 3, custodian=sx.drafter, state=Copy.State.OUT)
    _give(item, 4, custodian=None, state=Copy.State.SENT, holder_outside="UBND tỉnh")
    _give(item, 5, custodian=None, state=Copy.State.DESTROYED)
    return item


def test_recall_opens_one_task_per_copy_outside_the_office(sx, spread):
    notice = recall.issue_recall(
        ACTOR, spread, issued_by=sx.head, due_on=DUE, reason="Sai sót", on=ON
    )
    tasks = {t.copy.number: t for t in notice.tasks.all()}
    assert set(tasks) == {2, 3, 4}
    assert tasks[2].holder == sx.cadre and tasks[3].holder == sx.drafter
    assert tasks[4].holder is None and tasks[4].holder_outside == "UBND tỉnh"
    assert notice.item == spread and notice.due_on == DUE and notice.departure is None
    payload = _event("registry.recall.issue")
    assert payload["citation"] == RECALL_CITATION and payload["rule_id"] == "recall.return/2026"
    assert sorted(payload["copies"]) == sorted(t.copy_id for t in tasks.values())


@pytest.mark.parametrize("who", ["officer", "director", "head"])
def test_leaders_of_the_owning_unit_and_the_officer_may_issue(sx, spread, who):
    notice = recall.issue_recall(ACTOR, spread, issued_by=getattr(sx, who), due_on=DUE, on=ON)
    assert notice.tasks.count() == 3


@pytest.mark.parametrize("who", ["drafter", "cadre", "clerk", "inspector"])
def test_others_may_not_issue_and_nothing_is_written(sx, spread, who):
    before = _head_seq()
    with pytest.raises(PermissionDenied):
        recall.issue_recall(ACTOR, spread, issued_by=getattr(sx, who), due_on=DUE, on=ON)
    assert not Recall.objects.exists() and _head_seq() == before


def test_due_date_must_follow_the_notice(sx, spread):
    with pytest.raises(ValidationError, match="Hạn gửi lại"):
        recall.issue_recall(ACTOR, spread, issued_by=sx.officer, due_on=ON, on=ON)
    assert not Recall.objects.exists()


def test_item_with_every_copy_in_the_office_has_nothing_to_recall(sx, issued):
    item = issued("mat", copies=2)
    with pytest.raises(ValidationError, match="không có gì thu hồi"):
        recall.issue_recall(ACTOR, item, issued_by=sx.officer, due_on=DUE, on=ON)
    assert not Recall.objects.exists()


def test_second_notice_while_one_is_open_is_refused_citing_the_rule(sx, spread):
    recall.issue_recall(ACTOR, spread, issued_by=sx.officer, due_on=DUE, on=ON)
    before = _head_seq()
    with pytest.raises(Refused) as err:
        recall.issue_recall(ACTOR, spread, issued_by=sx.director, due_on=DUE, on=ON)
    assert err.value.citation == RECALL_CITATION
    assert Recall.objects.count() == 1 and _head_seq() == before


def test_return_puts_the_copy_back_in_the_office(sx, spread):
    notice = recall.issue_recall(ACTOR, spread, issued_by=sx.officer, due_on=DUE, on=ON)
    task = notice.tasks.get(copy__number=4)
    recall.confirm_return(ACTOR, task, received_by=sx.clerk, on=ON + dt.timedelta(days=5))
    copy, task = _copy(spread, 4), RecallTask.objects.get(pk=task.pk)
    assert copy.state == Copy.State.HELD and copy.custodian == sx.clerk
    assert copy.holder_outside == ""
    assert task.returned_on == ON + dt.timedelta(days=5) and task.received_by == sx.clerk
    assert task.late is False
    payload = _event("registry.recall.return")
    assert payload["rule_id"] == "recall.return/2026" and payload["citation"] == RECALL_CITATION
    assert payload["late"] is False and payload["before"]["state"] == Copy.State.SENT


def test_late_return_is_taken_back_and_flagged(sx, spread):
    notice = recall.issue_recall(ACTOR, spread, issued_by=sx.officer, due_on=DUE, on=ON)
    task = notice.tasks.get(copy__number=3)
    recall.confirm_return(ACTOR, task, received_by=sx.officer, on=DUE + dt.timedelta(days=1))
    assert RecallTask.objects.get(pk=task.pk).late is True
    assert _copy(spread, 3).state == Copy.State.HELD
    assert _copy(spread, 3).custodian == sx.officer
    assert _event("registry.recall.return")["late"] is True


def test_double_return_is_refused_and_writes_nothing(sx, spread):
    notice = recall.issue_recall(ACTOR, spread, issued_by=sx.officer, due_on=DUE, on=ON)
    task = notice.tasks.get(copy__number=2)
    recall.confirm_return(ACTOR, task, received_by=sx.clerk, on=ON)
    before = _head_seq()
    with pytest.raises(Refused) as err:
        recall.confirm_return(ACTOR, task, received_by=sx.officer, on=ON + dt.timedelta(days=1))
    assert err.value.citation == RECALL_CITATION and "đã được nộp lại" in err.value.message
    assert _head_seq() == before and _copy(spread, 2).custodian == sx.clerk


def test_only_a_clerk_or_officer_receives_the_copy(sx, spread):
    notice = recall.issue_recall(ACTOR, spread, issued_by=sx.officer, due_on=DUE, on=ON)
    task = notice.tasks.get(copy__number=2)
    with pytest.raises(PermissionDenied):
        recall.confirm_return(ACTOR, task, received_by=sx.head, on=ON)
    assert RecallTask.objects.get(pk=task.pk).returned_on is None
    assert _copy(spread, 2).custodian == sx.cadre


def test_return_before_the_notice_or_in_the_future_is_invalid(sx, spread):
    notice = recall.issue_recall(ACTOR, spread, issued_by=sx.officer, due_on=DUE, on=ON)
    task = notice.tasks.get(copy__number=2)
    with pytest.raises(ValidationError, match="trước ngày thông báo"):
        recall.confirm_return(ACTOR, task, received_by=sx.clerk, on=ON - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="chưa đến"):
        recall.confirm_return(
            ACTOR, task, received_by=sx.clerk, on=dt.date.today() + dt.timedelta(days=1)
        )
    assert RecallTask.objects.get(pk=task.pk).returned_on is None


def test_one_return_satisfies_every_open_recall_of_the_copy(sx, spread):
    notice = recall.issue_recall(ACTOR, spread, issued_by=sx.officer, due_on=DUE, on=ON)
    leaving = departure.open_departure(
        ACTOR, sx.cadre, reason="transfer", leaves_on=DUE, opened_by=sx.officer, on=ON
    )
    assert len(departure.outstanding(leaving)) == 1
    recall.confirm_return(ACTOR, notice.tasks.get(copy__number=2), received_by=sx.clerk, on=ON)
    assert departure.outstanding(leaving) == []
    via_departure = RecallTask.objects.get(recall__departure=leaving)
    assert via_departure.returned_on == ON and via_departure.received_by == sx.clerk
    assert _event("registry.recall.return")["also_closed"] == [via_departure.pk]


def test_recall_tasks_go_through_the_need_to_know_gate(sx, issued):
    item = issued("toi_mat", copies=2)
    _give(item, 2, custodian=sx.drafter)
    notice = recall.issue_recall(ACTOR, item, issued_by=sx.officer, due_on=DUE, on=ON)
    assert [t.copy.number for t in recall.recall_tasks(sx.officer, notice)] == [2]
    assert recall.recall_tasks(sx.cadre, notice) == []  # clearance Mật only
    assert [t.pk for t in recall.overdue_tasks(sx.officer)] == [notice.tasks.get().pk]
    assert recall.overdue_tasks(sx.officer, on=ON) == []
    assert recall.overdue_tasks(sx.cadre) == []
