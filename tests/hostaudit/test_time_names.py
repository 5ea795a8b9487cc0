"""Every time an analyser emits is known to the rules that read its kind: walked over the fixture
images (a Windows disk with its file artefacts, a Linux machine), so no dated observation is
judged as undated because a check's `times:` list forgot a name."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest

from bmnn.hostaudit.audit import run_audit
from bmnn.hostaudit.model import Observation
from bmnn.hostaudit.rulebook import Check, load_rulebook, parse_rulebook
from bmnn.hostaudit.times import TIME_NAMES, is_event, label
from tests.hostaudit.files_fixtures import build_windows_files
from tests.hostaudit.linux_fixtures import build_linux_root, write_identity
from tests.hostaudit.windows_fixtures import build_windows_image

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def observations(tmp_path_factory: pytest.TempPathFactory) -> list[Observation]:
    """What every analyser (and the cross-source checks) emit over every fixture image."""
    windows = tmp_path_factory.mktemp("windows")
    build_windows_image(windows)
    build_windows_files(windows)
    files_only = tmp_path_factory.mktemp("files")  # the file artefacts without hives
    build_windows_files(files_only)
    (files_only / "Windows/System32/placeholder").write_text("")
    linux = tmp_path_factory.mktemp("linux")
    build_linux_root(linux)
    cipher = tmp_path_factory.mktemp("cipher")  # the images hold no encryption software
    write_identity(cipher)
    apt = cipher / "var/log/apt/history.log"
    apt.parent.mkdir(parents=True)
    apt.write_text(
        "Start-Date: 2026-04-02  09:00:00\nCommandline: apt install veracrypt\n"
        "Install: veracrypt:amd64 (1.26.7-1)\nEnd-Date: 2026-04-02  09:00:30\n"
    )
    out: list[Observation] = []
    for root in (windows, files_only, linux, cipher):
        report = run_audit(root, now=NOW)
        assert report.platform in ("windows", "linux")
        out += report.observations
    return out


def _selected(check: Check, o: Observation) -> bool:
    return check.condition.selects(o.kind, {**o.facts, "identity": o.identity})


def test_the_fixtures_date_what_the_dated_rules_select(observations) -> None:
    # A walk over fixtures that emit nothing would prove nothing.
    dated = [c for c in load_rulebook().checks if c.condition.times]
    for check in dated:
        assert any(o.times and _selected(check, o) for o in observations), check.id
    assert len({t.name for o in observations for t in o.times}) >= 20


def test_every_emitted_time_name_is_declared(observations) -> None:
    unknown = sorted(
        {(o.kind, t.name, o.analyser) for o in observations for t in o.times}
        - {
            (o.kind, t.name, o.analyser)
            for o in observations
            for t in o.times
            if t.name in TIME_NAMES
        }
    )
    assert not unknown, f"thời điểm chưa khai báo trong times.py: {unknown}"


def test_every_event_time_of_a_selected_observation_is_read_by_the_rule(observations) -> None:
    missing: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for check in load_rulebook().checks:
        listed = check.condition.times
        if not listed:  # None: every event time counts; (): a state judged at audit time
            continue
        for o in observations:
            if not _selected(check, o):
                continue
            for t in o.times:
                if is_event(t.name) and t.name not in listed:
                    missing[(check.id, o.kind, t.name)].add(o.analyser)
    assert not missing, f"quy tắc bỏ sót thời điểm sự kiện: {dict(missing)}"


def test_linux_logon_and_logoff_are_both_rows_of_the_remote_logon_check(tmp_path) -> None:
    build_linux_root(tmp_path)
    r = run_audit(tmp_path, now=NOW).result("BMNN-NET-006")
    assert r.result == "fail"
    assert {f.time.name for f in r.findings} == {"logon_time", "logoff_time"}


def test_rulebook_refuses_an_undeclared_or_non_event_time() -> None:
    shipped = load_rulebook()
    assert not shipped.problems
    policy = "policy: {id: x, title: x, version: '1'}\n"
    family = """
family: bluetooth
title: x
checks:
  - id: BMNN-BT-009
    title: x
    description: x
    rationale: x
    remediation: x
    severity: low
    reads: {kinds: [bluetooth], facts: []}
    condition:
      match: [{kinds: [bluetooth]}]
      times: [last_seen, lastseen, key_last_written]
    basis:
      - agency: true
        quote: x
        confidence: unknown
"""
    rb = parse_rulebook({"policy.yaml": policy, "bluetooth.yaml": family})
    problems = [p for p in rb.problems if ".times" in p]
    assert len(problems) == 2
    assert "'lastseen'" in problems[0] and "times.py" in problems[0]
    assert "'key_last_written'" in problems[1] and "sự kiện" in problems[1]


def test_report_labels_come_from_the_catalogue() -> None:
    assert label("logoff_time") == "đăng xuất"
    assert label("not_a_name") == "not_a_name"
    assert not is_event("key_last_written") and is_event("not_a_name")
