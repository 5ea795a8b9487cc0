"""Due lists: extensions to decide, notices owed, lapsed items, overdue take-outs and recalls,
each only as far as the person may see."""

from __future__ import annotations

import datetime as dt

from bmnn.registry import deadlines
from bmnn.registry.models import Recall, RecallTask
from bmnn.registry.services import lifecycle

from .conftest import ACTOR, ON
from .test_lifecycle import set_period

D = dt.timedelta


def test_extensions_coming_due_within_the_window_and_overdue_decisions(sx, issued):
    soon = set_period(issued("mat"), ON + D(days=90))  # decide by ON+30
    missed = set_period(issued("mat"), ON + D(days=50))  # decide by ON-10, still protected
    set_period(issued("mat"), dt.date(2036, 4, 1))  # far off
    set_period(issued("mat"), ON - D(days=1))  # expired: a lapse, not an extension
    secret = set_period(issued("tuyet_mat"), ON + D(days=90))
    rows = list(deadlines.extensions_coming_due(sx.officer, ON))
    assert rows == [missed, soon, secret]
    flags = {r.pk: r.decision_overdue for r in rows}
    assert flags == {missed.pk: True, soon.pk: False, secret.pk: False}
    # The drafter of the Mật items sees them; not the Tuyệt mật one (clearance Tối mật).
    assert set(deadlines.extensions_coming_due(sx.drafter, ON)) == {missed, soon}
    assert list(deadlines.extensions_coming_due(sx.cadre, ON)) == []
    assert list(deadlines.extensions_coming_due(sx.officer, ON, within_days=10)) == [missed]


def test_lapsed_items_leave_the_list_once_marked(sx, issued):
    lapsed = set_period(issued("mat"), dt.date(2026, 3, 15), dt.date(2016, 3, 15))
    set_period(issued("mat"), ON)  # last day today: not yet lapsed
    assert list(deadlines.lapsed_items(sx.officer, ON)) == [lapsed]
    assert list(deadlines.lapsed_items(sx.cadre, ON)) == []
    lifecycle.mark_lapsed(ACTOR, lapsed, by=sx.officer, on=ON)
    assert list(deadlines.lapsed_items(sx.officer, ON)) == []


def test_notices_owed_until_recorded_and_flagged_when_late(sx, issued):
    item = set_period(issued("mat"), dt.date(2031, 5, 10), dt.date(2021, 5, 10))
    decision = lifecycle.extend(
        ACTOR, item, decided_by=sx.director, years=5, document_number="1", on=ON
    )
    owed = list(deadlines.notices_owed(sx.officer, ON))
    assert owed == [decision] and owed[0].overdue is False
    late = list(deadlines.notices_owed(sx.officer, ON + D(days=16)))
    assert late[0].overdue is True
    assert list(deadlines.notices_owed(sx.cadre, ON)) == []
    assert list(deadlines.notices_owed(sx.officer, ON - D(days=1))) == []  # not yet decided
    lifecycle.record_notice(ACTOR, decision, by=sx.clerk, on=ON + D(days=3))
    assert list(deadlines.notices_owed(sx.officer, ON + D(days=20))) == []


def test_overdue_recalls_are_those_past_due_and_not_returned(sx, issued):
    item = issued("mat", copies=2)
    first, second = item.copies.order_by("number")
    recall = Recall.objects.create(
        item=item, issued_by=sx.director, issued_on=ON, due_on=ON + D(days=5), reason="Thu hồi"
    )
    open_task = RecallTask.objects.create(recall=recall, copy=first, holder=sx.clerk)
    RecallTask.objects.create(
        recall=recall, copy=second, holder=sx.clerk, returned_on=ON + D(days=2)
    )
    assert list(deadlines.overdue_recalls(sx.officer, ON + D(days=5))) == []  # due today
    assert list(deadlines.overdue_recalls(sx.officer, ON + D(days=6))) == [open_task]
    assert list(deadlines.overdue_recalls(sx.cadre, ON + D(days=6))) == []
