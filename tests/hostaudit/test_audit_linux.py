"""End to end over a Linux machine's artefacts (linux_fixtures): NetworkManager keyfiles and
state, journal export, wtmp, BlueZ, apt/dpkg logs, browser databases, remote-access logs and
the live collector's network state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bmnn.hostaudit.analysers import AnalyserSpec
from bmnn.hostaudit.audit import AuditReport, run_audit
from bmnn.hostaudit.config import AuditConfig
from bmnn.hostaudit.model import Observation
from bmnn.hostaudit.report import render
from tests.hostaudit.linux_fixtures import HOSTNAME, MACHINE_ID, build_linux_root, write_identity

NOW = datetime(2026, 5, 1, tzinfo=UTC)
LAN = AuditConfig.from_dict({"independent_lan": {"subnets": ["10.10.0.0/16"]}})


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> AuditReport:
    image = build_linux_root(tmp_path_factory.mktemp("linux"))
    return run_audit(image.root, LAN, now=NOW)


def test_identity_and_platform(report: AuditReport) -> None:
    assert report.platform == "linux"
    assert report.host["name"] == HOSTNAME and report.host["machine_id"] == MACHINE_ID
    assert "nguyenvana" in report.host["users"]
    assert {a.status for a in report.analysers} <= {"ok", "skipped"}
    windows_only = {r.check_id for r in report.results if r.result == "notapplicable"}
    assert windows_only == {"BMNN-CFG-001", "BMNN-CFG-002", "BMNN-AF-002"}


def test_cafe_wifi_fails_and_the_office_lan_is_exempt_after_march_2026(report) -> None:
    net = report.result("BMNN-NET-001")
    assert net.result == "fail"
    assert any(f.identity == "NET:QuanCaPhe-Free" for f in net.findings)
    assert all(f.basis[0].citation == "Luật 117/2025/QH15, Điều 5, khoản 2" for f in net.findings)
    office = [f for f in net.exempted if f.identity == "NET:LAN Co quan"]
    assert office and "10.10.5.1" in office[0].note


def test_internet_browsing_remote_sessions_and_remote_logon(report: AuditReport) -> None:
    hosts = {f.facts["host"] for f in report.result("BMNN-NET-003").findings}
    assert hosts == {"dantri.com.vn", "www.youtube.com"}
    assert report.result("BMNN-NET-002").result == "fail"  # NetworkManager connectivity full
    assert report.result("BMNN-RA-002").result == "fail"
    logon = report.result("BMNN-NET-006")
    # One SSH session from outside: its logon and its logoff are both times it was connected.
    assert {f.facts["remote_host"] for f in logon.findings} == {"203.0.113.99"}
    assert sorted(f.time.name for f in logon.findings) == ["logoff_time", "logon_time"]


def test_connected_at_collection_outside_the_lan(report: AuditReport) -> None:
    r = report.result("BMNN-NET-004")
    assert r.result == "fail"
    assert [f.identity for f in r.findings] == ["IF:wlp2s0"]
    assert [f.identity for f in r.exempted] == ["IF:enp3s0"]  # 10.10.5.21 is in the LAN
    assert r.findings[0].time.name == "collected_at"


def test_usb_stick_tethering_phone_and_bluetooth(report: AuditReport) -> None:
    usb = report.result("BMNN-USB-001")
    assert usb.result == "fail"
    assert {f.facts.get("serial") for f in usb.findings} == {"4C530001230101117344"}
    assert report.result("BMNN-NET-005").result == "fail"  # the Samsung shared its Internet
    assert report.result("BMNN-BT-001").result == "fail"
    assert report.result("BMNN-RA-001").result == "fail"  # TeamViewer from apt


def test_cleaner_installed_then_purged_is_still_a_wiping_sign(report: AuditReport) -> None:
    """BleachBit was installed, then purged: it may have run meanwhile (AF-003 cites both)."""
    r = report.result("BMNN-AF-003")
    assert r.result == "fail"
    rows = sorted((f.time.name, f.facts["event"], f.time.utc) for f in r.findings)
    assert [(name, event) for name, event, _ in rows] == [
        ("installed", "installed"),
        ("uninstalled", "purged"),
    ]
    assert all(f.identity == "SW:BleachBit" for f in r.findings)
    installed, purged = (t for _, _, t in rows)
    assert installed < purged
    # The tools that connect out still count only while installed.
    assert "SW:BleachBit" not in {f.identity for f in report.result("BMNN-SW-002").findings}


def test_mounted_image_without_journal_or_live_state(tmp_path: Path) -> None:
    image = build_linux_root(tmp_path, journal=False, live=False)
    report = run_audit(image.root, LAN, now=NOW)
    assert report.result("BMNN-NET-004").result == "unknown"
    # The keyfiles and NetworkManager state still prove the café Wi-Fi.
    assert report.result("BMNN-NET-001").result == "fail"
    data = json.loads(render(report, "json"))
    assert any(p["source"] == "bmnn/live/network.json" for p in data["problems"])


def test_disconnected_machine_on_its_lan_passes_connected_now(tmp_path: Path) -> None:
    image = build_linux_root(tmp_path, connected=False)
    assert run_audit(image.root, LAN, now=NOW).result("BMNN-NET-004").result == "pass"
    # Without the agency's LAN declared, even the office address is "outside".
    assert run_audit(image.root, now=NOW).result("BMNN-NET-004").result == "fail"


def test_history_before_2026_on_linux_cites_law_29_2018(tmp_path: Path) -> None:
    image = build_linux_root(tmp_path, when=datetime(2025, 6, 1, tzinfo=UTC), live=False)
    r = run_audit(image.root, LAN, now=NOW).result("BMNN-NET-001")
    assert r.result == "fail" and not r.exempted  # the office LAN counted too, in 2025
    assert {f.basis[0].citation for f in r.findings} == {"Luật 29/2018/QH14, Điều 5, khoản 5"}
    assert all(
        f.time.utc < datetime(2025, 6, 2, tzinfo=UTC) + timedelta(days=1)
        for f in r.findings
        if f.time
    )


def crashing_analyser(ctx):
    """An analyser that finds one thing, then hits a bug."""
    yield Observation(
        "software", "SW:AnyDesk", "broken", {"category": "remote_access", "product": "AnyDesk"}
    )
    raise RuntimeError("lỗi lập trình")


def test_an_analyser_crash_is_its_own_error_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bmnn.hostaudit import audit

    image = build_linux_root(tmp_path, journal=False, live=False)
    specs = [s for s in audit.ANALYSERS if s.name != "linux_software"]
    specs.append(
        AnalyserSpec(
            "linux_software",
            f"{__name__}:crashing_analyser",
            "linux",
            ("software",),
            "Phần mềm đã cài (apt, dpkg)",
        )
    )
    specs.append(AnalyserSpec("ghost", ".no_such_module:analyse", "any", ("software",), "x"))
    monkeypatch.setattr(audit, "ANALYSERS", tuple(specs))
    report = run_audit(image.root, now=NOW)
    runs = {a.name: a for a in report.analysers}
    assert runs["linux_software"].status == "error" and runs["linux_software"].observations == 1
    assert "lỗi lập trình" in runs["linux_software"].message
    assert runs["ghost"].status == "error"
    # What it found before the crash still counts; the other checks still ran.
    assert report.result("BMNN-RA-001").result == "fail"
    assert report.result("BMNN-SW-002").result == "error"
    assert report.result("BMNN-NET-001").result == "fail"


def test_home_folders_without_browser_history_pass_with_a_note(tmp_path: Path) -> None:
    write_identity(tmp_path)
    (tmp_path / "home/nguyenvana").mkdir(parents=True)
    (tmp_path / "home/nguyenvana/.bashrc").write_text("alias ll='ls -l'\n")
    report = run_audit(tmp_path, LAN, now=NOW)
    for check in ("BMNN-NET-003", "BMNN-AF-004"):
        r = report.result(check)
        assert r.result == "pass", check
        assert any(
            "không tìm thấy cơ sở dữ liệu lịch sử trình duyệt nào trong các hồ sơ người dùng"
            in n.lower()
            and "home/nguyenvana" in n
            for n in r.notes
        ), r.notes


def test_without_any_user_folder_browser_checks_are_unknown(tmp_path: Path) -> None:
    write_identity(tmp_path)
    report = run_audit(tmp_path, LAN, now=NOW)
    for check in ("BMNN-NET-003", "BMNN-AF-004"):
        assert report.result(check).result == "unknown", check


def test_the_cycle_collector_is_paused_only_during_the_audit(tmp_path: Path) -> None:
    import gc

    assert gc.isenabled()
    run_audit(build_linux_root(tmp_path / "ok").root)
    assert gc.isenabled()
    with pytest.raises(NotADirectoryError):
        run_audit(tmp_path / "absent")
    assert gc.isenabled()
    gc.disable()
    try:
        run_audit(build_linux_root(tmp_path / "again").root)
        assert not gc.isenabled()  # a caller's own choice is left as it was
    finally:
        gc.enable()
