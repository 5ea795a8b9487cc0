"""Properties over every valid input: the engine always answers, and always says why."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bmnn.rules import ACTIONS, CONFIDENCE, LEVELS, Delegation, load_rulebook

RB = load_rulebook()
POSTS = sorted(RB.posts)
DAYS = st.dates(min_value=date(2015, 1, 1), max_value=date(2045, 12, 31))
DELEGATIONS = st.one_of(
    st.none(),
    st.builds(
        Delegation,
        delegator_post=st.sampled_from(POSTS),
        actions=st.one_of(st.none(), st.frozensets(st.sampled_from(ACTIONS), min_size=1)),
        levels=st.one_of(st.none(), st.frozensets(st.sampled_from(LEVELS), min_size=1)),
        valid_from=st.one_of(st.none(), DAYS),
        valid_to=st.one_of(st.none(), DAYS),
        delegator_is_delegate=st.booleans(),
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    action=st.sampled_from(ACTIONS),
    level=st.sampled_from(LEVELS),
    post=st.sampled_from(POSTS),
    on=DAYS,
    delegation=DELEGATIONS,
)
def test_decide_always_answers_with_a_citation(action, level, post, on, delegation):
    decision = RB.decide(action, level, post, on, delegation=delegation)
    assert isinstance(decision.allowed, bool)
    assert decision.citation.strip()
    assert decision.reason.strip()
    assert decision.confidence in CONFIDENCE
    assert set(decision.as_dict()) >= {"allowed", "citation", "confidence", "reason"}


@settings(max_examples=200, deadline=None)
@given(action=st.sampled_from(ACTIONS), level=st.sampled_from(LEVELS), on=DAYS)
def test_explain_agrees_with_decide(action, level, on):
    holders = {row.post for row in RB.explain(action, level, on)}
    for post in POSTS:
        assert RB.decide(action, level, post, on).allowed == (post in holders)


@settings(max_examples=200, deadline=None)
@given(level=st.sampled_from(LEVELS), classified_on=st.dates(date(1990, 1, 1), date(2060, 12, 31)))
def test_period_is_base_years_later_with_the_60_day_deadline(level, classified_on):
    period = RB.period(level, classified_on)
    years = {"tuyet_mat": 30, "toi_mat": 20, "mat": 10}[level]
    assert period.years == years
    assert period.expires_on.year == classified_on.year + years
    assert period.extension_decision_by == period.expires_on - timedelta(days=60)
    assert period.citation


@settings(max_examples=100, deadline=None)
@given(level=st.sampled_from(LEVELS), on=DAYS, post=st.sampled_from(POSTS))
def test_higher_copy_authority_includes_lower(level, on, post):
    # Art. 11: the Tối mật list includes the Tuyệt mật list, the Mật list the Tối mật list.
    rank = LEVELS.index(level)
    if RB.decide("copy", level, post, on).allowed:
        for lower in LEVELS[rank:]:
            assert RB.decide("copy", lower, post, on).allowed
