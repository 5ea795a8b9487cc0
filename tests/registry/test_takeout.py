"""Taking a copy out of storage: request, decision by the competent person, return, overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bmnn.registry import deadlines
from bmnn.registry.models import Copy, TakeOut
from bmnn.registry.services import takeout
from bmnn.web import ledger
from bmnn.web.errors import Refused

from .conftest import ACTOR, ON

TAKE_OUT_DOMESTIC = "Luật 29/2018/QH14, Điều 14, khoản 1"
TAKE_OUT_ABROAD = "Luật 29/2018/QH14, Điều 14, khoản 2"
REQUEST = "Nghị định 26/2020/NĐ-CP, Điều 5, khoản 2"
RETURN = "Nghị định 26/2020/NĐ-CP, Điều 5, khoản 1"


def _request(sx, copy, *, decided_by=None, on=ON, **extra):
    args = dict(
        person=sx.drafter,
        position="Chuyên viên",
        unit_name="Phòng A",
        purpose="Báo cáo tại cuộc họp giao ban",
        place="UBND tỉnh",
        start_on=on,
        due_on=on + dt.timedelta(days=2),
        protection="Cặp có khóa, mang theo người, không để trên xe",
        decided_by=decided_by or sx.director,
        on=on,
    )
    args.update(extra)
    return takeout.request_take_out(ACTOR, copy, **args)


def _first_copy(item):
    return item.copies.order_by("number").first()


def test_director_permits_a_domestic_take_out_and_the_copy_goes_out(sx, issued):
    item = issued("toi_mat")
    copy = _first_copy(item)
    row = _request(sx, copy)
    assert row.status == TakeOut.Status.APPROVED and row.decided_on == ON
    assert row.citation == TAKE_OUT_DOMESTIC and row.rule_id == "take_out_domestic/2026"
    copy.refresh_from_db()
    assert copy.state == Copy.State.OUT
    assert copy.custodian == sx.drafter and copy.location == "UBND tỉnh"
    assert row.released_by == sx.clerk and row.from_location == "Văn thư"
    event = ledger.recent(1)[0]
    assert event.action == "registry.take_out.approve" and event.payload_data()["copy"] == copy.pk


def test_deputy_permits_under_written_delegation_but_not_beyond_its_levels(sx, issued):
    row = _request(sx, _first_copy(issued("mat")), decided_by=sx.deputy)
    assert row.status == TakeOut.Status.APPROVED
    assert TAKE_OUT_DOMESTIC in row.citation
    secret = issued("tuyet_mat")
    with pytest.raises(Refused) as err:
        _request(sx, _first_copy(secret), decided_by=sx.deputy, person=sx.director)
    assert err.value.citation == TAKE_OUT_DOMESTIC
    assert "Tuyệt mật" in err.value.message
    assert not TakeOut.objects.filter(item=secret).exists()


def test_a_so_director_cannot_permit_taking_out_abroad(sx, issued):
    copy = _first_copy(issued("mat"))
    with pytest.raises(Refused) as err:
        _request(sx, copy, abroad=True, place="Viêng Chăn, Lào")
    assert err.value.citation == TAKE_OUT_ABROAD
    assert "nước ngoài" in err.value.message
    assert not TakeOut.objects.exists()
    copy.refresh_from_db()
    assert copy.state == Copy.State.HELD and copy.custodian == sx.clerk


@pytest.mark.parametrize(
    "field, label",
    [
        ("position", "chức vụ"),
        ("unit_name", "đơn vị công tác"),
        ("purpose", "mục đích sử dụng"),
        ("place", "địa điểm công tác"),
        ("protection", "biện pháp bảo vệ"),
        ("due_on", "thời gian"),
    ],
)
def test_a_request_missing_what_decree_26_lists_is_refused(sx, issued, field, label):
    copy = _first_copy(issued("mat"))
    with pytest.raises(Refused) as err:
        _request(sx, copy, **{field: None if field == "due_on" else "  "})
    assert err.value.citation == REQUEST and label in err.value.message
    assert not TakeOut.objects.exists()


def test_request_under_decree_26_before_the_change_cites_the_confirmed_rule(sx, issued):
    before = dt.date(2026, 2, 10)
    item = issued("mat", on=dt.date(2026, 2, 2))
    with pytest.raises(Refused) as err:
        _request(sx, _first_copy(item), protection="", on=before)
    assert err.value.citation == REQUEST
    row = _request(sx, _first_copy(item), on=before)
    assert row.rule_id == "take_out_domestic/2020" and row.confidence == "confirmed"
    after = _request(sx, item.copies.get(number=2), on=ON)
    assert after.rule_id == "take_out_domestic/2026" and after.confidence == "baseline"


def test_refusal_is_written_with_its_reason_and_the_copy_stays(sx, issued):
    copy = _first_copy(issued("mat"))
    with pytest.raises(ValidationError):
        _request(sx, copy, approve=False)
    assert not TakeOut.objects.exists()
    row = _request(sx, copy, approve=False, refusal_reason="Không cần thiết mang bản gốc")
    assert row.status == TakeOut.Status.REFUSED
    assert row.refusal_reason == "Không cần thiết mang bản gốc"
    assert row.citation == TAKE_OUT_DOMESTIC
    copy.refresh_from_db()
    assert copy.state == Copy.State.HELD
    assert ledger.recent(1)[0].action == "registry.take_out.refuse"


def test_a_copy_already_out_cannot_go_out_again(sx, issued):
    copy = _first_copy(issued("mat"))
    _request(sx, copy)
    with pytest.raises(ValidationError, match="Đang mang ra ngoài"):
        _request(sx, copy, person=sx.head)
    assert TakeOut.objects.count() == 1


def test_person_without_clearance_cannot_carry_it(sx, issued):
    copy = _first_copy(issued("toi_mat"))
    with pytest.raises(PermissionDenied):
        _request(sx, copy, person=sx.cadre)
    assert not TakeOut.objects.exists()


def test_return_needs_the_report_on_use_and_puts_the_copy_back(sx, issued):
    copy = _first_copy(issued("mat"))
    row = _request(sx, copy)
    with pytest.raises(Refused) as err:
        takeout.return_copy(ACTOR, row, report=" ", received_by=sx.clerk, on=ON)
    assert err.value.citation == RETURN
    row.refresh_from_db()
    assert row.status == TakeOut.Status.APPROVED
    back = takeout.return_copy(
        ACTOR, row, report="Đã sử dụng tại cuộc họp, không sao chụp", received_by=sx.clerk, on=ON
    )
    assert back.status == TakeOut.Status.RETURNED and back.returned_on == ON
    copy.refresh_from_db()
    assert copy.state == Copy.State.HELD
    assert copy.custodian == sx.clerk and copy.location == "Văn thư"
    with pytest.raises(ValidationError):
        takeout.return_copy(ACTOR, back, report="Lần nữa", received_by=sx.clerk, on=ON)


def test_overdue_take_outs_are_listed_for_those_who_may_see_them(sx, issued):
    late = _request(sx, _first_copy(issued("mat")))
    _request(sx, _first_copy(issued("mat")), due_on=dt.date(2026, 12, 31), on=ON)
    on = dt.date(2026, 4, 10)
    assert list(deadlines.overdue_take_outs(sx.officer, on)) == [late]
    assert list(deadlines.overdue_take_outs(sx.cadre, on)) == []  # no need to know
    assert list(deadlines.overdue_take_outs(sx.officer, ON)) == []  # not yet due
    takeout.return_copy(ACTOR, late, report="Đã dùng xong", received_by=sx.clerk, on=on)
    assert list(deadlines.overdue_take_outs(sx.officer, on)) == []
