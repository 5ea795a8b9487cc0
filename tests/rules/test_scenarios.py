"""Who may act, across the 2018 regime, the two-tier change of 01/07/2025 and the 2025 law."""

from datetime import date

import pytest

from bmnn.rules import RuleError

D = date.fromisoformat

# action, level, post, date, allowed, confidence, citation as TEXT:ARTICLE.CLAUSE.POINT where TEXT
# is 117 (Law 117/2025), 29 (Law 29/2018) or 29+81 (Law 29/2018 as amended by Law 81/2025).
TABLE = """
# copy (Điều 11), 2025 law
copy              toi_mat   giam_doc_so             2026-05-01 yes summary   117:11.2.d
copy              tuyet_mat giam_doc_so             2026-05-01 no  summary   117:11.1
copy              mat       truong_phong_thuoc_so   2026-05-01 yes summary   117:11.3.c
copy              toi_mat   truong_phong_thuoc_so   2026-05-01 no  summary   117:11.2
copy              mat       bo_truong               2026-05-01 yes summary   117:11.3.a
copy              mat       truong_ban_hdnd_xa      2026-05-01 yes summary   117:11.3
# copy, 2018 law as enacted and the district → commune change
copy              tuyet_mat bo_truong               2021-01-04 yes confirmed 29:11.1.h
copy              toi_mat   bo_truong               2021-01-04 yes confirmed 29:11.2.a
copy              toi_mat   chu_tich_ubnd_huyen     2025-03-01 yes confirmed 29:11.2.e
copy              toi_mat   chu_tich_ubnd_huyen     2025-08-01 no  summary   29+81:11.2
copy              mat       truong_phong_ubnd_huyen 2025-06-30 yes confirmed 29:11.3.c
copy              mat       truong_phong_ubnd_huyen 2025-07-01 no  summary   29+81:11.3
copy              toi_mat   chu_tich_ubnd_xa        2025-03-01 no  confirmed 29:11.2
copy              toi_mat   chu_tich_ubnd_xa        2025-08-01 yes summary   29+81:11.2
copy              toi_mat   chu_tich_ubnd_xa        2026-04-01 yes summary   117:11.2
copy              tuyet_mat chu_tich_ubnd_xa        2026-04-01 no  summary   117:11.1
# the generic head holds no copy authority of its own: the lists are by post
copy              mat       thu_truong_co_quan      2026-04-01 no  summary   117:11.3
copy              mat       can_bo                  2022-01-01 no  confirmed 29:11.3
# before Law 29/2018's authority articles took effect (01/07/2020): no rule, refused
copy              mat       giam_doc_so             2019-04-01 no  unknown   29:11.3
# provision to foreign parties (Điều 16)
provide_foreign   tuyet_mat thu_tuong               2020-09-01 yes confirmed 29:16.1.a
provide_foreign   tuyet_mat chu_tich_nuoc           2020-09-01 no  confirmed 29:16.1.a
provide_foreign   tuyet_mat chu_tich_nuoc           2026-04-01 yes confirmed 117:16.1.a
provide_foreign   toi_mat   bo_truong_bo_cong_an    2020-09-01 yes confirmed 29:16.1.b
provide_foreign   mat       thu_truong_bo           2020-09-01 no  confirmed 29:16.1.b
provide_foreign   mat       thu_truong_bo           2026-04-01 yes confirmed 117:16.1.b
provide_foreign   toi_mat   cap_pho_co_quan_11_1    2026-04-01 yes confirmed 117:16.1.b
provide_foreign   toi_mat   bo_truong_bo_quoc_phong 2026-04-01 yes confirmed 117:16.1.c
provide_foreign   toi_mat   chanh_an_tand_tinh      2020-09-01 no  confirmed 29:16.1.b
provide_foreign   toi_mat   chanh_an_tand_tinh      2026-04-01 yes confirmed 117:16.1.b
provide_foreign   toi_mat   giam_doc_so             2026-04-01 no  confirmed 117:16.1.b
# provision to Vietnamese parties (Điều 15) follows the copy lists
provide_domestic  toi_mat   giam_doc_so             2022-05-05 yes confirmed 29:15.1
provide_domestic  toi_mat   truong_phong_thuoc_so   2022-05-05 no  confirmed 29:15.1
provide_domestic  mat       truong_phong_ubnd_xa    2026-04-01 yes baseline  29:15.1
# taking out (Điều 14)
take_out_domestic tuyet_mat thu_truong_co_quan      2026-04-01 yes baseline  29:14.1
take_out_domestic mat       truong_phong_thuoc_so   2023-01-01 no  confirmed 29:14.1
take_out_abroad   mat       chu_tich_ubnd_tinh      2023-01-01 yes confirmed 29:14.2
take_out_abroad   mat       giam_doc_so             2023-01-01 no  confirmed 29:14.2
take_out_abroad   mat       thu_tuong               2023-01-01 yes unknown   29:14.2
# destruction (Điều 23): Tuyệt mật / Tối mật copy holders, any level
destroy           mat       giam_doc_so             2023-01-01 yes confirmed 29:23.3.a
destroy           mat       truong_phong_thuoc_so   2023-01-01 no  confirmed 29:23.3.a
destroy           tuyet_mat chu_tich_ubnd_xa        2026-04-01 yes baseline  29:23.3.a
# classify, adjust, extend, declassify
classify          mat       thu_truong_co_quan      2021-01-01 yes confirmed 29:10.2
classify          mat       thu_truong_co_quan      2026-04-01 yes summary   117:10
classify          mat       can_bo                  2026-04-01 no  summary   117:10
adjust            toi_mat   giam_doc_so             2026-04-01 yes summary   117:21.3
adjust            toi_mat   truong_phong_thuoc_so   2021-01-01 no  confirmed 29:21.3
extend            mat       thu_truong_co_quan      2019-06-01 yes confirmed 29:20.2
extend            mat       thu_truong_co_quan      2026-06-01 yes baseline  29:20.2
declassify        tuyet_mat chu_tich_ubnd_tinh      2026-06-01 yes baseline  29:22.4
"""
TEXTS = {
    "117": "Luật 117/2025/QH15",
    "29": "Luật 29/2018/QH14",
    "29+81": "Luật 29/2018/QH14 (sửa đổi bởi Luật 81/2025/QH15)",
}


def _citation(ref: str) -> str:
    text, numbers = ref.split(":")
    parts = numbers.split(".")
    labels = ["Điều", "khoản", "điểm"]
    return ", ".join(
        [TEXTS[text]] + [f"{label} {n}" for label, n in zip(labels, parts, strict=False)]
    )


def _scenarios():
    for line in TABLE.strip().splitlines():
        if line.startswith("#"):
            continue
        action, level, post, on, allowed, confidence, ref = line.split()
        yield pytest.param(
            action,
            level,
            post,
            D(on),
            allowed == "yes",
            confidence,
            _citation(ref),
            id=f"{action}-{level}-{post}-{on}",
        )


@pytest.mark.parametrize(
    ("action", "level", "post", "on", "allowed", "confidence", "citation"), list(_scenarios())
)
def test_scenario(rb, action, level, post, on, allowed, confidence, citation):
    decision = rb.decide(action, level, post, on)
    assert (decision.allowed, decision.confidence) == (allowed, confidence), decision.reason
    assert decision.citation == citation
    assert decision.reason
    assert decision.rule_id


def test_refusal_names_post_action_level_and_rule(rb):
    decision = rb.decide("copy", "toi_mat", "truong_phong_thuoc_so", D("2026-05-01"))
    assert decision.reason == (
        "Chức vụ Trưởng phòng thuộc sở, ban, ngành cấp tỉnh không có thẩm quyền cho phép sao, "
        "chụp tài liệu, vật chứa bí mật nhà nước độ Tối mật theo Luật 117/2025/QH15, Điều 11, "
        "khoản 2."
    )
    assert decision.rule_id == "copy.toi_mat/2026"


def test_post_that_no_longer_exists_is_refused_saying_so(rb):
    decision = rb.decide("copy", "toi_mat", "chu_tich_ubnd_huyen", D("2025-08-01"))
    assert "không còn tồn tại" in decision.reason
    assert "30/06/2025" in decision.reason


def test_commune_post_before_the_two_tier_model_is_refused_saying_so(rb):
    decision = rb.decide("copy", "toi_mat", "chu_tich_ubnd_xa", D("2025-03-01"))
    assert "chưa được áp dụng" in decision.reason
    assert "01/07/2025" in decision.reason


def test_holder_through_a_cross_reference_names_both_clauses(rb):
    decision = rb.decide("copy", "mat", "bo_truong", D("2021-01-04"))
    assert decision.citation == "Luật 29/2018/QH14, Điều 11, khoản 3, điểm a"
    assert "Luật 29/2018/QH14, Điều 11, khoản 1, điểm h" in decision.reason


def test_last_day_of_each_regime(rb):
    # 28/02/2026 is still Law 29 (with the commune posts); 01/03/2026 is Law 117.
    old = rb.decide("copy", "toi_mat", "giam_doc_so", D("2026-02-28"))
    new = rb.decide("copy", "toi_mat", "giam_doc_so", D("2026-03-01"))
    assert old.rule_id == "copy.toi_mat/2025"
    assert new.rule_id == "copy.toi_mat/2026"


@pytest.mark.parametrize(
    ("action", "level", "post"),
    [("copyy", "mat", "giam_doc_so"), ("copy", "secret", "giam_doc_so"), ("copy", "mat", "pope")],
)
def test_unknown_codes_raise_rule_error(rb, action, level, post):
    with pytest.raises(RuleError):
        rb.decide(action, level, post, D("2026-05-01"))


def test_bad_date_raises_rule_error(rb):
    with pytest.raises(RuleError, match="không hợp lệ"):
        rb.decide("copy", "mat", "giam_doc_so", "2026-05-01")


def test_explain_lists_holders_with_citations(rb):
    rows = {row.post: row for row in rb.explain("copy", "toi_mat", D("2026-04-01"))}
    assert rows["giam_doc_so"].citation == "Luật 117/2025/QH15, Điều 11, khoản 2, điểm d"
    assert rows["giam_doc_so"].delegable
    assert rows["thu_tuong"].confidence == "unknown"
    assert "chu_tich_ubnd_huyen" not in rows  # abolished
    assert "truong_phong_thuoc_so" not in rows


def test_explain_drops_posts_not_existing_on_the_date(rb):
    before = {row.post for row in rb.explain("copy", "toi_mat", D("2025-06-30"))}
    after = {row.post for row in rb.explain("copy", "toi_mat", D("2025-07-01"))}
    assert "chu_tich_ubnd_huyen" in before - after
    assert {"bi_thu_dang_uy_xa", "chu_tich_hdnd_xa", "chu_tich_ubnd_xa"} <= after - before


def test_explain_delegable_flag_follows_the_law(rb):
    on = D("2026-04-01")
    copy_mat = {row.post: row.delegable for row in rb.explain("copy", "mat", on)}
    assert copy_mat["giam_doc_so"] is True
    assert copy_mat["truong_phong_thuoc_so"] is False  # Mật-only holder (Art. 11(5))
    assert not any(row.delegable for row in rb.explain("destroy", "mat", on))
    assert all(row.delegable for row in rb.explain("take_out_domestic", "mat", on))
