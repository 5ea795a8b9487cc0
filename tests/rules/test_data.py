"""The shipped data: valid, complete, and consistent with shared/domain/posts.yaml."""

from datetime import date

import pytest

from bmnn.rules import ACTIONS, CONFIDENCE, LEVELS

# posts.yaml `lists` → the level whose copy list (Art. 11) names the post.
LIST_LEVEL = {"11.1": "tuyet_mat", "11.2": "toi_mat", "11.3": "mat"}


def _day_the_post_exists(post) -> date:
    # Inside the 2018 regime, and on a day the (district or commune) post existed.
    return post.valid_to or (post.valid_from and date(2025, 8, 1)) or date(2023, 1, 1)


def test_shipped_data_is_valid(rb):
    assert rb.check() == []


def test_every_shared_post_code_is_accepted(rb, shared_posts):
    assert set(shared_posts) <= set(rb.posts)
    for code, entry in shared_posts.items():
        assert rb.posts[code].vi == entry["vi"]
        assert rb.posts[code].tier == entry["tier"]
        until = entry.get("until")
        assert (rb.posts[code].valid_to.isoformat() if rb.posts[code].valid_to else None) == until
        # every shared code is an accepted input to decide, on any date
        assert rb.decide("copy", "mat", code, date(2026, 4, 1)).citation


def test_copy_lists_match_the_shared_posts_lists(rb, shared_posts):
    for code, entry in shared_posts.items():
        for listed in entry.get("lists", []):
            if listed == "16":
                continue
            level = LIST_LEVEL[listed[:4]]
            on = _day_the_post_exists(rb.posts[code])
            holders = {row.post for row in rb.explain("copy", level, on)}
            assert code in holders, (code, listed, on)


def test_foreign_provision_list_matches_the_shared_posts(rb, shared_posts):
    listed = {code for code, entry in shared_posts.items() if "16" in entry.get("lists", [])}
    holders = {row.post for row in rb.explain("provide_foreign", "toi_mat", date(2023, 1, 1))}
    assert listed <= holders


def test_commune_posts_appear_only_from_the_two_tier_model(rb):
    commune = {code for code, post in rb.posts.items() if post.tier == "commune"}
    district = {code for code, post in rb.posts.items() if post.tier == "district"}
    for level in LEVELS:
        before = {row.post for row in rb.explain("copy", level, date(2025, 6, 30))}
        after = {row.post for row in rb.explain("copy", level, date(2025, 7, 1))}
        assert not before & commune
        assert not after & district


@pytest.mark.parametrize(
    "on", [date(2020, 7, 1), date(2025, 7, 1), date(2026, 3, 1), date(2040, 1, 1)]
)
def test_every_action_and_level_has_exactly_one_answer_source(rb, on):
    for action in ACTIONS:
        for level in LEVELS:
            assert rb.explain(action, level, on), (action, level, on)


def test_every_rule_version_is_cited_and_tagged(rb):
    for version in rb.rules():
        assert version.citation is not None and version.citation.text in rb.texts
        assert version.confidence in CONFIDENCE
        assert rb.cite(version.citation).startswith(rb.texts[version.citation.text].name)


def test_old_rules_applied_after_the_new_law_are_tagged_baseline(rb):
    for version in rb.rules(date(2026, 3, 1)):
        if version.citation.text == "29/2018/QH14":
            assert version.confidence == "baseline", version.id


def test_rules_listing_filters_by_date(rb):
    all_versions = rb.rules()
    in_force = rb.rules(date(2026, 4, 1))
    assert set(in_force) < set(all_versions)
    assert all(v.in_force(date(2026, 4, 1)) for v in in_force)


@pytest.mark.parametrize(
    ("on", "codes"),
    [
        (date(2019, 6, 1), ["91/2015/QH13", "29/2018/QH14"]),
        (date(2025, 8, 1), ["91/2015/QH13", "29/2018/QH14", "26/2020/NĐ-CP", "81/2025/QH15"]),
        (date(2026, 3, 1), ["91/2015/QH13", "117/2025/QH15", "63/2026/NĐ-CP"]),
    ],
)
def test_texts_in_force(rb, on, codes):
    assert [t.code for t in rb.texts_in_force(on)] == codes


def test_old_texts_end_the_day_before_the_new_law(rb):
    for code in ("29/2018/QH14", "26/2020/NĐ-CP", "81/2025/QH15"):
        assert rb.texts[code].effective_to == date(2026, 2, 28)
    assert rb.texts["117/2025/QH15"].effective_from == date(2026, 3, 1)


def test_levels_and_envelope_letters(rb):
    assert list(rb.levels) == list(LEVELS)
    assert [rb.levels[c].letter for c in LEVELS] == ["A", "B", "C"]
    assert rb.levels["toi_mat"].vi == "Tối mật"


def test_prohibited_acts_by_regime(rb):
    new = {v.rule: v for v in rb.prohibited_acts(date(2026, 4, 1))}
    old = {v.rule: v for v in rb.prohibited_acts(date(2024, 4, 1))}
    assert len(old) == 9 and all(v.confidence == "confirmed" for v in old.values())
    confirmed = [v for v in new.values() if v.confidence == "confirmed"]
    assert sorted(v.citation.clause for v in confirmed) == [1, 2, 3, 4, 5]
    assert new["prohibited.tri_tue_nhan_tao"].confidence == "summary"
    assert new["prohibited.loi_dung"].confidence == "baseline"
    assert "mạng LAN độc lập" in new["prohibited.may_tinh_ket_noi"].value["vi"]
    assert all(v.value["vi"] for v in new.values())


def test_immediate_destruction_is_a_rule_the_registry_can_read(rb):
    rule = rb.provision("destroy.immediate", date(2026, 4, 1))
    assert rb.cite(rule.citation) == "Luật 29/2018/QH14, Điều 23, khoản 3, điểm c"
    assert rule.confidence == "baseline"
    assert "Người đang quản lý" in rule.value["holder"]


def test_action_names_are_vietnamese(rb):
    assert rb.action_names["copy"] == "cho phép sao, chụp"
    assert set(rb.action_names) == set(ACTIONS)
