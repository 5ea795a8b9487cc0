"""An agency's override file: validated like the shipped data, refused when broken."""

from datetime import date
from textwrap import dedent

import pytest

from bmnn.rules import OVERRIDES_ENV, RuleError, load_rulebook

AGENCY_TEXT = """
texts:
  "QC-01/2026":
    name: "Quy chế 01/2026/QC-STP"
    title: "Quy chế bảo vệ bí mật nhà nước của Sở Tư pháp"
    effective_from: 2026-04-01
    confidence: confirmed
"""


def write(tmp_path, body: str, name: str = "agency.yaml"):
    path = tmp_path / name
    path.write_text(dedent(body), encoding="utf-8")
    return path


def test_valid_override_adds_an_agency_rule(tmp_path):
    path = write(
        tmp_path,
        AGENCY_TEXT
        + """
rules:
  - id: agency.destroy_by_deputy_head
    action: destroy
    levels: [mat]
    title: "Phó Giám đốc được quyết định tiêu hủy tài liệu Mật (quy chế nội bộ)"
    versions:
      - id: agency.destroy_by_deputy_head/2026
        effective_from: 2026-04-01
        citation: {text: "QC-01/2026", article: 7, clause: 2}
        confidence: confirmed
        holders:
          - {posts: [truong_phong_thuoc_so]}
""",
    )
    rb = load_rulebook(path)
    assert rb.check() == []
    decision = rb.decide("destroy", "mat", "truong_phong_thuoc_so", date(2026, 5, 1))
    assert decision.allowed
    assert decision.citation == "Quy chế 01/2026/QC-STP, Điều 7, khoản 2"
    assert rb.rules(date(2026, 5, 1))[0].source in {"bmnn", "agency.yaml"}
    # before its effective date the shipped rule alone answers
    assert not rb.decide("destroy", "mat", "truong_phong_thuoc_so", date(2026, 3, 15)).allowed


def test_override_can_replace_a_shipped_rule(tmp_path):
    path = write(
        tmp_path,
        AGENCY_TEXT
        + """
rules:
  - id: period.counting
    replace: true
    versions:
      - id: period.counting/agency
        effective_from: 2017-01-01
        citation: {text: "91/2015/QH13", article: 148}
        confidence: unknown
        value: {missing_day: next_day}
""",
    )
    rb = load_rulebook(path)
    assert rb.period("mat", date(2024, 2, 29)).expires_on == date(2034, 3, 1)


def test_override_from_the_environment(tmp_path, monkeypatch):
    path = write(tmp_path, AGENCY_TEXT)
    monkeypatch.setenv(OVERRIDES_ENV, str(path))
    rb = load_rulebook()
    assert "QC-01/2026" in rb.texts
    monkeypatch.delenv(OVERRIDES_ENV)
    assert "QC-01/2026" not in load_rulebook().texts


BROKEN = {
    "uncited": (
        """
        rules:
          - id: agency.copy
            action: copy
            levels: [mat]
            versions:
              - id: agency.copy/1
                effective_from: 2026-04-01
                confidence: confirmed
                holders: [{posts: [can_bo]}]
        """,
        "chưa có căn cứ pháp lý",
    ),
    "overlapping": (
        """
        rules:
          - id: copy.mat
            versions:
              - id: copy.mat/agency
                effective_from: 2026-06-01
                citation: {text: "117/2025/QH15", article: 11, clause: 3}
                confidence: summary
                holders: [{posts: [can_bo]}]
        """,
        "chồng lấn thời gian",
    ),
    "unknown post": (
        """
        rules:
          - id: agency.copy
            action: copy
            levels: [mat]
            versions:
              - id: agency.copy/1
                effective_from: 2026-04-01
                citation: {text: "117/2025/QH15", article: 11, clause: 3}
                confidence: summary
                holders: [{posts: [pho_giam_doc_so]}]
        """,
        "chức vụ không tồn tại 'pho_giam_doc_so'",
    ),
    "unknown text": (
        """
        rules:
          - id: agency.copy
            action: copy
            levels: [mat]
            versions:
              - id: agency.copy/1
                effective_from: 2026-04-01
                citation: {text: "QC-99", article: 1}
                confidence: confirmed
                holders: [{posts: [can_bo]}]
        """,
        "không có trong danh mục văn bản",
    ),
    "bad tag and level": (
        """
        rules:
          - id: agency.copy
            action: copy
            levels: [secret]
            versions:
              - id: agency.copy/1
                effective_from: 2026-04-01
                citation: {text: "117/2025/QH15", article: 11}
                confidence: likely
                holders: [{posts: [can_bo]}]
        """,
        "nhãn độ tin cậy không hợp lệ 'likely'",
    ),
    "dates reversed": (
        """
        rules:
          - id: agency.copy
            action: copy
            levels: [mat]
            versions:
              - id: agency.copy/1
                effective_from: 2026-04-01
                effective_to: 2026-03-01
                citation: {text: "117/2025/QH15", article: 11}
                confidence: summary
                holders: [{posts: [can_bo]}]
        """,
        "ngày hết hiệu lực trước ngày có hiệu lực",
    ),
    "typo in a key": (
        """
        rules:
          - id: agency.copy
            action: copy
            levels: [mat]
            versions:
              - id: agency.copy/1
                effective_from: 2026-04-01
                citaton: {text: "117/2025/QH15", article: 11}
                confidence: summary
                holders: [{posts: [can_bo]}]
        """,
        "khóa không hợp lệ 'citaton'",
    ),
    "redefined post": (
        """
        posts:
          giam_doc_so: {vi: "Giám đốc", tier: province}
        """,
        "chức vụ 'giam_doc_so' đã được định nghĩa",
    ),
    "unknown action": (
        """
        rules:
          - id: agency.sell
            action: sell
            versions:
              - id: agency.sell/1
                effective_from: 2026-04-01
                citation: {text: "117/2025/QH15", article: 5}
                confidence: summary
                holders: [{posts: [can_bo]}]
        """,
        "hành vi không hợp lệ 'sell'",
    ),
    "replaced rule leaves a gap": (
        """
        rules:
          - id: destroy
            action: destroy
            replace: true
            versions:
              - id: destroy/agency-old
                effective_from: 2020-07-01
                effective_to: 2025-12-31
                citation: {text: "29/2018/QH14", article: 23, clause: 3, point: a}
                confidence: confirmed
                holders: [{posts: [giam_doc_so]}]
              - id: destroy/agency-new
                effective_from: 2026-03-01
                citation: {text: "29/2018/QH14", article: 23, clause: 3, point: a}
                confidence: baseline
                holders: [{posts: [giam_doc_so]}]
        """,
        "thẩm quyền destroy/mat: không có quy định từ 2026-01-01 đến 2026-02-28",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_override_is_caught(tmp_path, case):
    body, expected = BROKEN[case]
    path = write(tmp_path, body)
    problems = load_rulebook(path, strict=False).check()
    assert any(expected in p for p in problems), problems
    with pytest.raises(RuleError, match="không dùng được"):
        load_rulebook(path)


def test_unreadable_override_raises(tmp_path):
    with pytest.raises(RuleError, match="Không tìm thấy"):
        load_rulebook(tmp_path / "missing.yaml")
    with pytest.raises(RuleError, match="YAML"):
        load_rulebook(write(tmp_path, "rules: [unclosed"))
    with pytest.raises(RuleError, match="ngày không hợp lệ"):
        load_rulebook(
            write(
                tmp_path,
                """
                rules:
                  - id: x
                    versions: [{id: x/1, effective_from: "01/03/2026"}]
                """,
            )
        )


def test_edited_override_is_reloaded(tmp_path):
    path = write(tmp_path, AGENCY_TEXT)
    assert "QC-01/2026" in load_rulebook(path).texts
    path.write_text("texts: {}\n", encoding="utf-8")
    import os

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert "QC-01/2026" not in load_rulebook(path).texts
