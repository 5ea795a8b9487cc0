"""Written delegation to a deputy: each condition of the law refuses with its own citation."""

from datetime import date

import pytest

from bmnn.rules import Delegation, RuleError

ON = date(2026, 4, 1)
OLD = date(2023, 4, 1)
DEPUTY = "cap_pho_duoc_uy_quyen"


def decide(rb, action="copy", level="mat", on=ON, post=DEPUTY, **record):
    record.setdefault("delegator_post", "giam_doc_so")
    return rb.decide(action, level, post, on, delegation=Delegation(**record))


def test_deputy_under_a_valid_delegation_is_allowed(rb):
    decision = decide(
        rb,
        on=OLD,
        actions=frozenset({"copy"}),
        levels=frozenset({"mat", "toi_mat"}),
        valid_from=date(2023, 1, 1),
        valid_to=date(2023, 12, 31),
    )
    assert decision.allowed
    assert decision.confidence == "confirmed"
    assert decision.citation.startswith("Luật 29/2018/QH14, Điều 11, khoản 5")
    assert "Giám đốc sở" in decision.reason


def test_under_the_2025_law_the_delegation_rule_is_carried_forward(rb):
    decision = decide(rb)
    assert decision.allowed
    assert decision.confidence == "baseline"
    assert decision.rule_id == "copy.mat/2026"


def test_deputy_minister_may_act_for_the_minister(rb):
    decision = decide(rb, level="tuyet_mat", post="thu_truong_bo", delegator_post="bo_truong")
    assert decision.allowed


def test_delegation_outside_its_scope_is_refused(rb):
    by_action = decide(rb, actions=frozenset({"take_out_domestic"}))
    by_level = decide(rb, level="toi_mat", levels=frozenset({"mat"}))
    assert not by_action.allowed and "không bao gồm việc cho phép sao, chụp" in by_action.reason
    assert not by_level.allowed and "không bao gồm độ Tối mật" in by_level.reason
    assert by_action.citation == by_level.citation == "Luật 29/2018/QH14, Điều 11, khoản 5"


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [(date(2025, 1, 1), date(2026, 3, 31)), (date(2026, 4, 2), None)],
)
def test_delegation_outside_its_term_is_refused(rb, valid_from, valid_to):
    decision = decide(rb, valid_from=valid_from, valid_to=valid_to)
    assert not decision.allowed
    assert "không có hiệu lực vào ngày 01/04/2026" in decision.reason
    assert decision.citation == "Luật 29/2018/QH14, Điều 11, khoản 5"


def test_delegation_valid_on_its_first_and_last_day(rb):
    assert decide(rb, valid_from=ON, valid_to=ON).allowed


def test_delegation_from_a_mat_only_holder_is_refused(rb):
    decision = decide(rb, delegator_post="truong_phong_thuoc_so")
    assert not decision.allowed
    assert "Tuyệt mật, Tối mật" in decision.reason
    assert decision.citation == "Luật 29/2018/QH14, Điều 11, khoản 5"


def test_sub_delegation_is_refused(rb):
    by_post = decide(rb, delegator_post=DEPUTY)
    by_flag = decide(rb, delegator_is_delegate=True)
    for decision in (by_post, by_flag):
        assert not decision.allowed
        assert "không được ủy quyền tiếp" in decision.reason
        assert decision.citation == "Luật 29/2018/QH14, Điều 11, khoản 5"


def test_delegator_without_the_authority_is_refused(rb):
    decision = decide(rb, level="tuyet_mat")  # a provincial department head holds Tối mật only
    assert not decision.allowed
    assert "Người ủy quyền (Giám đốc sở" in decision.reason
    assert decision.citation == "Luật 117/2025/QH15, Điều 11, khoản 1"


def test_abolished_delegator_is_refused(rb):
    decision = decide(rb, delegator_post="chu_tich_ubnd_huyen", on=date(2025, 9, 1))
    assert not decision.allowed
    assert "không còn tồn tại" in decision.reason


def test_non_delegable_action_is_refused_citing_its_article(rb):
    decision = decide(rb, action="destroy")
    assert not decision.allowed
    assert "không được ủy quyền" in decision.reason
    assert decision.citation == "Luật 29/2018/QH14, Điều 23, khoản 3, điểm a"


def test_only_a_deputy_may_act_under_a_delegation(rb):
    decision = decide(rb, post="can_bo")
    assert not decision.allowed
    assert "Chỉ cấp phó" in decision.reason


def test_take_out_is_delegable_by_the_head_without_copy_authority(rb):
    # Art. 14(1): head of the agency or authorised deputy; no Art. 11 requirement.
    decision = decide(rb, action="take_out_domestic", delegator_post="thu_truong_co_quan", on=OLD)
    assert decision.allowed
    assert decision.citation.startswith("Luật 29/2018/QH14, Điều 14, khoản 1")


def test_take_out_sub_delegation_cites_the_analogy_as_unknown(rb):
    decision = decide(rb, action="take_out_domestic", delegator_post=DEPUTY, on=OLD)
    assert not decision.allowed
    assert decision.confidence == "unknown"


def test_classification_by_an_authorised_deputy_is_only_a_draft_rule(rb):
    old = decide(rb, action="classify", on=OLD)
    new = decide(rb, action="classify")
    assert not old.allowed  # Law 29 Art. 10 has no delegation
    assert new.allowed and new.confidence == "draft"
    assert new.citation.startswith("Nghị định 63/2026/NĐ-CP, điều khoản chưa xác định")


def test_direct_holder_needs_no_delegation(rb):
    decision = decide(rb, post="giam_doc_so", delegator_post=DEPUTY)
    assert decision.allowed
    assert decision.citation == "Luật 117/2025/QH15, Điều 11, khoản 3, điểm a"


def test_unknown_codes_in_a_delegation_raise(rb):
    with pytest.raises(RuleError):
        decide(rb, delegator_post="nobody")
    with pytest.raises(RuleError):
        decide(rb, actions=frozenset({"sell"}))
