"""Written delegations: what creating one refuses (with the rulebook's citation), how they feed
the rulebook through selectors.authority, and revocation as an event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bmnn.people import selectors, services
from bmnn.people.models import Delegation, Staff
from bmnn.web.errors import Refused

from .conftest import ACTOR, events_after, head

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 1)
END = dt.date(2027, 2, 28)
INSIDE = dt.date(2026, 6, 1)


def delegate(delegator: Staff, to: Staff, **extra) -> Delegation:
    terms = {
        "actions": ["copy", "take_out_domestic"],
        "levels": ["toi_mat", "mat"],
        "valid_from": START,
        "valid_to": END,
        "document_number": "01/GUQ-STN",
        "document_date": START,
        "content": "Ủy quyền cho phép sao, chụp và mang tài liệu ra khỏi nơi lưu giữ.",
    }
    terms.update(extra)
    return services.create_delegation(ACTOR, delegator=delegator, delegate=to, **terms)


def test_delegation_is_recorded_with_its_event(director, deputy):
    mark = head()
    record = delegate(director, deputy)
    assert record.delegator_post == "giam_doc_so"
    assert record.actions == ["copy", "take_out_domestic"]
    assert record.levels == ["toi_mat", "mat"]
    (event,) = events_after(mark)
    assert event.action == "people.delegation.create"
    assert event.object == f"people.Delegation:{record.pk}"
    data = event.payload_data()
    assert data["document_number"] == "01/GUQ-STN"
    assert data["valid_to"] == "2027-02-28"
    assert data["delegator"] == director.pk and data["delegate"] == deputy.pk


def test_to_rule_delegation(director, deputy):
    rule = delegate(director, deputy).to_rule_delegation()
    assert rule.delegator_post == "giam_doc_so"
    assert rule.actions == frozenset({"copy", "take_out_domestic"})
    assert rule.levels == frozenset({"toi_mat", "mat"})
    assert (rule.valid_from, rule.valid_to) == (START, END)
    assert rule.delegator_is_delegate is False


def test_deputy_is_allowed_under_the_delegation_and_refused_without(director, deputy):
    before = selectors.authority(deputy, "copy", "toi_mat", INSIDE)
    assert not before.allowed
    delegate(director, deputy)
    decision = selectors.authority(deputy, "copy", "toi_mat", INSIDE)
    assert decision.allowed
    assert "Điều 11" in decision.citation
    assert "ủy quyền" in decision.reason
    assert selectors.authority(deputy, "take_out_domestic", "mat", INSIDE).allowed
    # The director's own authority is unaffected.
    assert selectors.authority(director, "copy", "toi_mat", INSIDE).allowed


def test_deputy_is_refused_outside_the_scope(director, deputy):
    delegate(director, deputy)
    outside_action = selectors.authority(deputy, "destroy", "mat", INSIDE)
    assert not outside_action.allowed
    assert outside_action.citation
    outside_level = selectors.authority(deputy, "copy", "tuyet_mat", INSIDE)
    assert not outside_level.allowed
    assert outside_level.citation


def test_deputy_is_refused_outside_the_term(director, deputy):
    delegate(director, deputy)
    for day in (START - dt.timedelta(days=1), END + dt.timedelta(days=1)):
        decision = selectors.authority(deputy, "copy", "mat", day)
        assert not decision.allowed
        assert "thời hạn ủy quyền" in decision.reason
        assert decision.citation
    assert selectors.authority(deputy, "copy", "mat", END).allowed


def test_delegator_without_the_authority_is_refused(division_head, deputy):
    mark = head()
    # A division head may allow copies of Mật only: no Tối mật authority to give.
    with pytest.raises(Refused) as refused:
        delegate(division_head, deputy, actions=["copy"], levels=["toi_mat"])
    assert "không có thẩm quyền" in refused.value.message
    assert "Điều 11" in refused.value.citation
    # Only holders of Tuyệt mật/Tối mật copy authority may delegate it (Law 29/2018 Art. 11(5)).
    with pytest.raises(Refused) as refused:
        delegate(division_head, deputy, actions=["copy"], levels=["mat"])
    assert "khoản 5" in refused.value.citation
    assert events_after(mark) == []
    assert not Delegation.objects.exists()


def test_sub_delegation_is_refused(director, deputy, make_staff):
    second_deputy = make_staff("cap_pho_duoc_uy_quyen", position="Phó Giám đốc")
    delegate(director, deputy)
    with pytest.raises(Refused) as refused:
        delegate(deputy, second_deputy, document_number="02/GUQ-STN")
    assert "không được ủy quyền tiếp" in refused.value.message
    assert "Điều 11" in refused.value.citation and "khoản 5" in refused.value.citation


def test_sub_delegation_by_a_post_without_authority_is_refused(director, make_staff):
    # Someone whose post gives no authority, holding a delegation, passes it on.
    holder = make_staff("can_bo")
    other_deputy = make_staff("cap_pho_duoc_uy_quyen")
    Delegation.objects.create(  # written directly: the service would refuse a can_bo delegate
        delegator=director,
        delegator_post="giam_doc_so",
        delegate=holder,
        actions=["copy"],
        levels=["mat"],
        valid_from=START,
        valid_to=END,
        document_number="99/GUQ",
        document_date=START,
    )
    with pytest.raises(Refused) as refused:
        delegate(holder, other_deputy, actions=["copy"], levels=["mat"])
    assert "không được ủy quyền tiếp" in refused.value.message
    assert refused.value.citation


def test_invalid_term_is_refused_with_citation(director, deputy):
    with pytest.raises(Refused) as refused:
        delegate(director, deputy, valid_from=END, valid_to=START)
    assert "thời hạn ủy quyền" in refused.value.message
    assert "Điều 11" in refused.value.citation


def test_only_a_deputy_can_be_delegated_to(director, make_staff):
    clerk = make_staff("can_bo", Staff.Role.CLERK)
    with pytest.raises(Refused) as refused:
        delegate(director, clerk)
    assert "cấp phó" in refused.value.message
    assert "Điều 11" in refused.value.citation


def test_malformed_delegations_are_validation_errors(director, deputy):
    with pytest.raises(ValidationError):
        delegate(director, deputy, actions=[])
    with pytest.raises(ValidationError):
        delegate(director, deputy, actions=["fly"])
    with pytest.raises(ValidationError):
        delegate(director, deputy, levels=["bi_mat"])
    with pytest.raises(ValidationError):
        delegate(director, director)
    with pytest.raises(ValidationError):
        delegate(director, deputy, document_number=" ")


def test_revocation_is_an_event_and_ends_the_delegation_from_that_day(director, deputy):
    record = delegate(director, deputy)
    mark = head()
    at = timezone.make_aware(dt.datetime(2026, 9, 1, 10, 0))
    services.revoke_delegation(ACTOR, record, reason="Giám đốc thu hồi", at=at)
    record.refresh_from_db()
    assert record.revoked_at == at
    (event,) = events_after(mark)
    assert event.action == "people.delegation.revoke"
    assert event.payload_data()["reason"] == "Giám đốc thu hồi"
    # Decisions made before the revocation stay lawful; from its day on they are refused.
    assert selectors.authority(deputy, "copy", "mat", dt.date(2026, 8, 31)).allowed
    after = selectors.authority(deputy, "copy", "mat", dt.date(2026, 9, 1))
    assert not after.allowed
    assert "thu hồi" in after.reason
    assert record.to_rule_delegation().valid_to == dt.date(2026, 8, 31)
    with pytest.raises(ValidationError, match="đã bị thu hồi"):
        services.revoke_delegation(ACTOR, record, reason="Lần hai")


def test_departure_and_post_change_revoke_outstanding_delegations(director, deputy, make_staff):
    record = delegate(director, deputy)
    other_deputy = make_staff("cap_pho_duoc_uy_quyen")
    other = delegate(director, other_deputy, document_number="03/GUQ-STN")
    mark = head()
    services.record_departure(ACTOR, deputy, on=timezone.localdate(), reason="Nghỉ hưu")
    record.refresh_from_db()
    assert record.revoked_at is not None
    assert [e.action for e in events_after(mark)] == [
        "people.staff.departure",
        "people.delegation.revoke",
    ]
    services.change_post(ACTOR, director, "can_bo", position="Chuyên viên")
    other.refresh_from_db()
    assert other.revoked_at is not None
    assert not selectors.authority(other_deputy, "copy", "mat", timezone.localdate()).allowed


def test_a_departed_delegator_delegates_nothing(director, deputy):
    delegate(director, deputy)
    today = timezone.localdate()
    services.record_departure(ACTOR, director, on=today, reason="Chuyển công tác")
    assert not selectors.authority(deputy, "copy", "mat", today).allowed
    # Before the departure the delegation counted.
    assert selectors.authority(deputy, "copy", "mat", INSIDE).allowed


def test_a_person_not_in_service_holds_nothing(director):
    before_start = selectors.authority(director, "copy", "mat", dt.date(2025, 12, 1))
    assert not before_start.allowed
    assert "không công tác" in before_start.reason


def test_active_delegation_lists(director, deputy, make_staff):
    record = delegate(director, deputy)
    other_deputy = make_staff("cap_pho_duoc_uy_quyen")
    revoked = delegate(director, other_deputy, document_number="04/GUQ-STN")
    services.revoke_delegation(
        ACTOR, revoked, reason="Thu hồi", at=timezone.make_aware(dt.datetime(2026, 5, 1, 8))
    )
    assert selectors.active_delegations(INSIDE) == [record]
    assert selectors.delegations_to(deputy, INSIDE) == [record]
    assert selectors.delegations_to(deputy, END + dt.timedelta(days=1)) == []
    assert set(selectors.delegations_of(director)) == {record, revoked}
