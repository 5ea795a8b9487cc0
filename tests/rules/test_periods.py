"""Protection periods (Art. 19), extension (Art. 20) and 15-day notices (Art. 20–22)."""

from datetime import date

import pytest

from bmnn.rules import RuleError


@pytest.mark.parametrize(
    ("level", "classified_on", "expires_on", "decide_by"),
    [
        ("tuyet_mat", date(2026, 3, 10), date(2056, 3, 10), date(2056, 1, 10)),
        ("toi_mat", date(2026, 3, 10), date(2046, 3, 10), date(2046, 1, 9)),
        ("mat", date(2021, 7, 15), date(2031, 7, 15), date(2031, 5, 16)),
    ],
)
def test_base_periods_30_20_10_years(rb, level, classified_on, expires_on, decide_by):
    period = rb.period(level, classified_on)
    assert (period.expires_on, period.extension_decision_by) == (expires_on, decide_by)
    assert period.years == {"tuyet_mat": 30, "toi_mat": 20, "mat": 10}[level]


def test_period_cites_the_law_in_force_when_the_level_was_set(rb):
    assert rb.period("mat", date(2025, 1, 1)).citation == "Luật 29/2018/QH14, Điều 19, khoản 1"
    assert rb.period("mat", date(2026, 3, 1)).citation == "Luật 117/2025/QH15, Điều 19, khoản 1"
    assert rb.period("mat", date(2026, 3, 1)).extension_citation == (
        "Luật 29/2018/QH14, Điều 20, khoản 2"
    )


def test_secret_classified_before_2019_uses_the_transitional_article(rb):
    period = rb.period("toi_mat", date(2010, 5, 1))
    assert period.expires_on == date(2030, 5, 1)
    assert period.citation == "Luật 29/2018/QH14, Điều 28"


def test_leap_day_ends_on_28_february_and_says_why(rb):
    # Civil Code Art. 148 has no rule for a missing 29/02 in year counts; by analogy with its
    # month rule (last day of the month) the period ends on 28/02. Tagged `unknown`.
    period = rb.period("mat", date(2024, 2, 29))
    assert period.expires_on == date(2034, 2, 28)
    assert period.extension_decision_by == date(2033, 12, 30)
    assert period.confidence == "unknown"
    assert "Bộ luật Dân sự 91/2015/QH13, Điều 148" in period.citation


def test_leap_day_to_a_leap_year_keeps_29_february(rb):
    period = rb.period("tuyet_mat", date(2024, 2, 29))  # 2054 is not leap…
    assert period.expires_on == date(2054, 2, 28)
    period = rb.period("toi_mat", date(2028, 2, 29))  # …2048 is
    assert period.expires_on == date(2048, 2, 29)
    assert period.confidence == "confirmed"


def test_activity_may_have_a_shorter_period(rb):
    period = rb.period("toi_mat", date(2026, 5, 1), kind="activity", years=3)
    assert period.expires_on == date(2029, 5, 1)
    assert period.extension_decision_by == date(2029, 3, 2)
    assert period.citation == "Luật 29/2018/QH14, Điều 19, khoản 2"
    assert period.confidence == "baseline"


def test_activity_without_a_shorter_period_gets_the_base_one(rb):
    assert rb.period("mat", date(2026, 5, 1), kind="activity").expires_on == date(2036, 5, 1)


@pytest.mark.parametrize("years", [10, 11, 0, -1])
def test_activity_period_must_be_shorter_than_base_and_positive(rb, years):
    with pytest.raises(RuleError, match="ngắn hơn 10 năm"):
        rb.period("mat", date(2026, 5, 1), kind="activity", years=years)


def test_only_activities_take_an_explicit_period(rb):
    with pytest.raises(RuleError, match="Chỉ bí mật về hoạt động"):
        rb.period("mat", date(2026, 5, 1), years=5)


def test_place_has_no_fixed_end(rb):
    period = rb.period("tuyet_mat", date(2026, 5, 1), kind="place")
    assert period.expires_on is None and period.extension_decision_by is None
    assert period.citation == "Luật 29/2018/QH14, Điều 19, khoản 3"
    with pytest.raises(RuleError, match="địa điểm"):
        rb.period("tuyet_mat", date(2026, 5, 1), kind="place", years=2)


def test_bad_period_input_raises(rb):
    with pytest.raises(RuleError):
        rb.period("mat", date(2026, 5, 1), kind="speech")
    with pytest.raises(RuleError):
        rb.period("secret", date(2026, 5, 1))


def test_extension_limit_is_the_base_period(rb):
    assert rb.extension_limit_years("tuyet_mat", date(2026, 5, 1)) == (
        30,
        "Luật 29/2018/QH14, Điều 20, khoản 2",
    )
    assert rb.extension_limit_years("mat", date(2022, 5, 1))[0] == 10
    with pytest.raises(RuleError):
        rb.extension_limit_years("mat", date(2018, 5, 1))


@pytest.mark.parametrize(
    ("event", "on", "due", "citation"),
    [
        ("extend", date(2026, 5, 1), date(2026, 5, 16), "Luật 29/2018/QH14, Điều 20, khoản 4"),
        ("adjust", date(2026, 5, 1), date(2026, 5, 16), "Luật 117/2025/QH15, Điều 21, khoản 5"),
        ("adjust", date(2021, 12, 20), date(2022, 1, 4), "Luật 29/2018/QH14, Điều 21, khoản 5"),
        ("declassify", date(2026, 5, 1), date(2026, 5, 16), "Luật 29/2018/QH14, Điều 22, khoản 6"),
    ],
)
def test_notice_due_15_days_after(rb, event, on, due, citation):
    assert rb.notice_due(event, on) == (due, citation)


def test_notice_for_unknown_event_raises(rb):
    with pytest.raises(RuleError):
        rb.notice_due("destroy", date(2026, 5, 1))
