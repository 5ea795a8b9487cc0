"""The auditor's rulebook: the shipped YAML is valid, cites only known texts, mirrors the legal
rulebook word for word, and broken data is refused with one Vietnamese line per problem."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from bmnn.hostaudit.evaluate import ALLOW_LISTS
from bmnn.hostaudit.model import KINDS, SEVERITIES
from bmnn.hostaudit.rulebook import (
    EXEMPTIONS,
    FAMILIES,
    Matcher,
    RulebookError,
    load_rulebook,
    parse_rulebook,
)
from bmnn.rules import load_rulebook as load_legal

LAW_29_TEXT = Path(__file__).resolve().parents[3] / "shared/reference/texts/luat-29-2018-QH14.txt"

POLICY = """
policy:
  id: test
  title: "Thử"
  version: "1"
"""


def _check(**over: str) -> str:
    """One check of family network as YAML, with fields replaced by `over`."""
    fields = {
        "id": "BMNN-NET-901",
        "severity": "high",
        "kinds": "[network_profile]",
        "facts": "[name_type]",
        "condition": "match:\n        - kinds: [network_profile]",
        "basis": (
            '- text: "117/2025/QH15"\n        article: 5\n        clause: 2\n'
            '        quote: "Câu chữ."\n        effective_from: 2026-03-01\n'
            "        confidence: confirmed"
        ),
    }
    fields.update(over)
    return f"""
family: network
title: "Mạng"
checks:
  - id: {fields["id"]}
    title: "Thử"
    description: "Mô tả"
    rationale: "Lý do"
    remediation: "Khắc phục"
    severity: {fields["severity"]}
    reads:
      kinds: {fields["kinds"]}
      facts: {fields["facts"]}
    condition:
      {fields["condition"]}
    basis:
      {fields["basis"]}
"""


def _problems(network: str, policy: str = POLICY) -> list[str]:
    files = {"network.yaml": network}
    if policy:
        files["policy.yaml"] = policy
    return list(parse_rulebook(files).problems)


# -- the shipped data ------------------------------------------------------------------------
def test_shipped_rulebook_has_no_problems() -> None:
    rb = load_rulebook(strict=False)
    assert rb.problems == ()
    assert {c.family for c in rb.checks} == set(FAMILIES)
    assert re.fullmatch(r"\d{4}\.\d+\.\d+\+[0-9a-f]{12}", rb.version)
    assert len({c.id for c in rb.checks}) == len(rb.checks)


def test_every_check_is_complete_and_reads_known_kinds() -> None:
    for c in load_rulebook().checks:
        assert c.title and c.description and c.rationale and c.remediation, c.id
        assert c.severity in SEVERITIES
        assert set(c.kinds) <= set(KINDS)
        assert c.basis, c.id
        # Checks resting on the agency's regulation say so honestly: not a confirmed law.
        agency = c.agency_basis
        if agency is not None:
            assert agency.confidence in ("unknown", "baseline"), c.id


def test_network_history_cites_2018_then_2026_wording() -> None:
    net = load_rulebook().check("BMNN-NET-001")
    old, new = sorted(net.laws, key=lambda b: b.effective_from)
    assert (old.text, old.article, old.clause) == ("29/2018/QH14", 5, 5)
    assert old.effective_to == date(2026, 2, 28) and old.history
    assert "đã kết nối hoặc đang kết nối" in old.quote and not old.exempt
    assert (new.text, new.article, new.clause) == ("117/2025/QH15", 5, 2)
    assert new.effective_from == date(2026, 3, 1) and new.effective_to is None
    assert "trừ mạng LAN độc lập" in new.quote and new.exempt == ("approved_lan",)


def test_internet_checks_never_exempt_an_approved_lan() -> None:
    rb = load_rulebook()
    for cid in ("BMNN-NET-002", "BMNN-NET-003", "BMNN-NET-005", "BMNN-RA-002"):
        c = rb.check(cid)
        assert all("approved_lan" not in b.exempt for b in c.laws), cid
        assert "approved_lan" not in c.condition.exempt


def test_network_quotes_equal_the_legal_rulebook() -> None:
    legal = {v.id: v for v in load_legal().versions}
    seen = 0
    for c in load_rulebook().checks:
        for b in c.laws:
            if b.rule:
                assert b.quote == legal[b.rule].value["vi"]
                seen += 1
    assert seen >= 12  # every Art. 5 citation of the network and remote families


@pytest.mark.skipif(not LAW_29_TEXT.is_file(), reason="shared/reference texts not present")
def test_quotes_of_law_29_2018_are_verbatim() -> None:
    text = " ".join(LAW_29_TEXT.read_text(encoding="utf-8").split())
    for c in load_rulebook().checks:
        for b in c.laws:
            if b.text != "29/2018/QH14":
                continue
            # A quote may join the clause head and its point: "...sau đây: a) Tuân thủ ..."
            for part in re.split(r"(?<=:) (?=[a-zđ]\) )", b.quote):
                assert part.rstrip(".") in text, (c.id, part)


def test_allow_lists_match_the_rulebook_vocabulary() -> None:
    assert set(ALLOW_LISTS) == set(EXEMPTIONS)


def test_load_is_cached_and_strict() -> None:
    assert load_rulebook() is load_rulebook()


# -- broken data ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"basis": '- text: "99/2099/QH99"\n        article: 5\n        quote: "x"\n'
                   "        effective_from: 2026-03-01\n        confidence: confirmed"},
         "không có trong danh mục văn bản"),
        ({"kinds": "[network_thing]"}, "không có trong KINDS"),
        ({"condition": "match:\n        - kinds: [network_profile]\n"
                       "          all: [{fact: gateway_mac, eq: x}]"},
         "không khai báo trong reads.facts"),
        ({"condition": "match:\n        - kinds: [network_profile]\n"
                       "          all: [{fact: name_type, like: x}]"},
         "cần đúng một phép so sánh"),
        ({"condition": "match:\n        - kinds: [network_profile]\n      exempt: [friends]"},
         "danh sách cho phép 'friends'"),
        ({"severity": "terrible"}, "severity 'terrible'"),
        ({"id": "NET-1"}, "phải có dạng BMNN-XXX-001"),
        ({"condition": "match:\n        - kinds: [network_profile]\n"
                       "          all: [{fact: name_type, regex: '(['}]"},
         "biểu thức chính quy sai"),
        ({"basis": '- text: "117/2025/QH15"\n        article: 5\n        clause: 2\n'
                   '        quote: "Khác nguyên văn."\n        effective_from: 2026-03-01\n'
                   "        confidence: confirmed\n"
                   "        rule: prohibited.may_tinh_ket_noi/2026"},
         "câu chữ (quote) khác với quy tắc"),
        ({"basis": '- text: "29/2018/QH14"\n        article: 5\n        clause: 5\n'
                   '        quote: "x"\n        effective_from: 2020-07-01\n'
                   "        confidence: confirmed\n"
                   '      - text: "117/2025/QH15"\n        article: 5\n        clause: 2\n'
                   '        quote: "y"\n        effective_from: 2026-03-01\n'
                   "        confidence: confirmed"},
         "chồng lấn"),
        ({"basis": '- text: "29/2018/QH14"\n        article: 5\n        clause: 5\n'
                   '        quote: "x"\n        effective_from: 2020-07-01\n'
                   "        confidence: confirmed"},
         "vượt ra ngoài hiệu lực của 29/2018/QH14"),
    ],
)  # fmt: skip
def test_broken_checks_are_reported_in_vietnamese(over: dict, expected: str) -> None:
    problems = _problems(_check(**over))
    assert any(expected in p for p in problems), problems
    assert all("\n" not in p for p in problems)


def test_valid_test_check_has_no_problem() -> None:
    assert _problems(_check()) == []


def test_missing_policy_broken_yaml_and_duplicates() -> None:
    assert any("thiếu tệp policy.yaml" in p for p in _problems(_check(), policy=""))
    assert any("không phải YAML hợp lệ" in p for p in _problems("checks: [oops"))
    twice = _check() + _check().split("checks:\n", 1)[1]
    assert any("mã quy tắc trùng" in p for p in _problems(twice))


def test_strict_load_refuses_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    from bmnn.hostaudit import rulebook

    broken = parse_rulebook({"network.yaml": _check(severity="x"), "policy.yaml": POLICY})
    monkeypatch.setattr(rulebook, "_shipped", lambda: broken)
    with pytest.raises(RulebookError, match="Bộ quy tắc kiểm tra máy tính có lỗi"):
        rulebook.load_rulebook()


def test_shipped_files_are_one_family_each() -> None:
    folder = resources.files("bmnn.hostaudit") / "rules"
    names = sorted(e.name for e in folder.iterdir() if e.name.endswith(".yaml"))
    assert names == sorted([*(f"{f}.yaml" for f in FAMILIES), "policy.yaml"])


# -- matchers ---------------------------------------------------------------------------------
def test_matchers_on_scalars_lists_and_absent_facts() -> None:
    facts = {"name_type": "Wireless", "addresses": ["10.0.0.1/8", "fe80::1/64"], "n": 0}
    assert Matcher("name_type", "eq", "wireless").holds(facts)  # case-insensitive
    assert Matcher("addresses", "regex", r"^fe80:").holds(facts)
    assert Matcher("addresses", "in", ["10.0.0.1/8"]).holds(facts)
    assert Matcher("gateway", "ne", "x").holds(facts)  # absent is "not equal"
    assert not Matcher("gateway", "eq", "x").holds(facts)
    assert Matcher("gateway", "present", False).holds(facts)
    assert Matcher("n", "truthy", False).holds(facts)
    assert not Matcher("n", "eq", False).holds(facts)  # 0 is not False
