"""End to end over a folder laid out like a mounted Windows disk: real hives (windows_fixtures)
and real file artefacts (files_fixtures: setupapi, event records, Wi-Fi profile, browser
databases, remote-access logs), through every analyser, the consistency checks and the rules."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bmnn.hostaudit.audit import AuditReport, run_audit
from bmnn.hostaudit.config import AuditConfig
from tests.hostaudit.files_fixtures import build_windows_files
from tests.hostaudit.windows_fixtures import (
    MACHINE_GUID,
    SANDISK_IDENTITY,
    WIFI_SSID,
    WIRED_GATEWAY_MAC,
    WindowsImageOptions,
    build_windows_image,
)

NOW = datetime(2026, 5, 1, tzinfo=UTC)
AGENCY = AuditConfig.from_dict(
    {
        "agency": "Sở Nội vụ tỉnh Mẫu",
        "independent_lan": {"subnets": ["10.10.0.0/16"], "gateway_macs": [WIRED_GATEWAY_MAC]},
        "allowed_printers": [{"vid": "03f0", "pid": "2b17", "description": "HP phòng Văn thư"}],
        "clauses": {"usb": {"ref": "Quy chế của Sở, Điều 7, khoản 2"}},
    }
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> AuditReport:
    root = tmp_path_factory.mktemp("win")
    build_windows_image(root)
    build_windows_files(root)
    return run_audit(root, AGENCY, now=NOW)


def rows(report: AuditReport, check: str, exempted: bool = False):
    r = report.result(check)
    return r.exempted if exempted else r.findings


def test_identity_and_every_analyser_ran(report: AuditReport) -> None:
    assert report.platform == "windows"
    assert report.host["name"] == "MAY-SOAN-THAO-01"
    assert report.host["machine_id"] == MACHINE_GUID
    assert report.timezone.startswith("SE Asia Standard Time")
    assert {a.status for a in report.analysers} <= {"ok", "skipped"}, [
        (a.name, a.message) for a in report.analysers if a.status == "error"
    ]
    assert len(report.results) == 23 and report.rulebook_version


def test_network_history_cites_the_law_in_force_on_each_date(report: AuditReport) -> None:
    assert report.result("BMNN-NET-001").result == "fail"
    cafe = {
        f.time.name: f.basis[0].citation
        for f in rows(report, "BMNN-NET-001")
        if f.identity == f"WLAN:{WIFI_SSID}" and f.analyser == "win_network"
    }
    assert cafe == {
        "date_created": "Luật 29/2018/QH14, Điều 5, khoản 5",  # 01/10/2025
        "date_last_connected": "Luật 117/2025/QH15, Điều 5, khoản 2",  # 12/03/2026
    }


def test_approved_lan_gateway_is_exempt_only_from_1_march_2026(report: AuditReport) -> None:
    wired = [f for f in rows(report, "BMNN-NET-001") if f.identity == "NET:MANG-NOI-BO"]
    assert [f.time.name for f in wired] == ["date_created"]  # 2025: any network counted
    exempt = [f for f in rows(report, "BMNN-NET-001", True) if f.identity == "NET:MANG-NOI-BO"]
    assert [f.time.name for f in exempt] == ["date_last_connected"]
    assert WIRED_GATEWAY_MAC in exempt[0].note


def test_internet_evidence_fails_whatever_the_allow_lists(report: AuditReport) -> None:
    for check in ("BMNN-NET-002", "BMNN-NET-003", "BMNN-NET-005", "BMNN-RA-002"):
        r = report.result(check)
        assert r.result == "fail", check
        assert not r.exempted, check
    ncsi = rows(report, "BMNN-NET-002")[0]
    assert ncsi.basis[0].citation == "Luật 117/2025/QH15, Điều 5, khoản 2"
    assert ncsi.time.source_tz == "UTC"
    browsers = {f.facts.get("browser") for f in rows(report, "BMNN-NET-003")}
    assert {"Chrome", "Edge", "Cốc Cốc", "Firefox"} <= browsers


def test_offline_image_cannot_say_it_is_disconnected_now(report: AuditReport) -> None:
    assert report.result("BMNN-NET-004").result == "unknown"


def test_usb_storage_with_microsoft_time_names_and_agency_clause(report: AuditReport) -> None:
    sandisk = [f for f in rows(report, "BMNN-USB-001") if f.identity == SANDISK_IDENTITY]
    assert {f.time.name for f in sandisk} >= {
        "install_date",
        "first_install_date",
        "last_arrival_date",
        "last_removal_date",
    }
    assert all(f.basis[0].citation == "Quy chế của Sở, Điều 7, khoản 2" for f in sandisk)


def test_allow_listed_printer_is_not_a_finding(report: AuditReport) -> None:
    r = report.result("BMNN-USB-002")
    assert r.result == "pass"
    assert "HP phòng Văn thư" in r.exempted[0].note


def test_phones_remote_software_and_wiping(report: AuditReport) -> None:
    phones = {f.identity for f in rows(report, "BMNN-PHONE-001")}
    assert any(i.startswith("USB:05ac/") for i in phones)  # the iPhone
    assert report.result("BMNN-RA-001").result == "fail"
    assert report.result("BMNN-AF-001").result == "fail"  # Security 1102, System 104
    cleared = {f.facts.get("channel") for f in rows(report, "BMNN-AF-001")}
    assert {"Security", "Application"} <= cleared
    # The drive of the event logs and setupapi is not in this image's USBSTOR.
    assert report.result("BMNN-AF-002").result == "fail"


def test_every_evidence_hash_is_the_hash_of_its_source_file(report: AuditReport) -> None:
    root = Path(report.root)
    checked = 0
    for r in report.results:
        for f in (*r.findings, *r.exempted):
            for e in f.evidence:
                assert e.sha256 == hashlib.sha256((root / e.source).read_bytes()).hexdigest()
                checked += 1
    assert checked > 50


def test_history_before_2026_is_cited_under_law_29_2018(tmp_path: Path) -> None:
    old = WindowsImageOptions(
        usb_first_install=datetime(2024, 3, 1, tzinfo=UTC),
        usb_last_arrival=datetime(2025, 6, 1, tzinfo=UTC),
        usb_last_removal=datetime(2025, 6, 1, 2, tzinfo=UTC),
        wifi_last_connected=datetime(2025, 11, 1, 9, 0),
        wired_last_connected=datetime(2026, 2, 28, 16, 0),  # local; 09:00 UTC on 28/02
    )
    build_windows_image(tmp_path, old)
    r = run_audit(tmp_path, AGENCY, now=NOW).result("BMNN-NET-001")
    profiles = [f for f in r.findings if f.kind == "network_profile"]
    assert r.result == "fail" and len(profiles) == 6
    # The approved LAN did not exist in law then: any computer network counted.
    assert not [f for f in r.exempted if f.kind == "network_profile"]
    assert {f.basis[0].citation for f in profiles} == {"Luật 29/2018/QH14, Điều 5, khoản 5"}


def test_missing_software_hive_is_unknown_never_pass(tmp_path: Path) -> None:
    build_windows_image(tmp_path, WindowsImageOptions(omit={"software"}))
    report = run_audit(tmp_path, now=NOW)
    # SYSTEM and NTUSER still prove connections (a DHCP lease, a mapped share): a fail stands,
    # and says what could not be read.
    net = report.result("BMNN-NET-001")
    assert net.result == "fail"
    assert any("Chưa đọc được" in n and "SOFTWARE" in n for n in net.notes)
    for check in ("BMNN-SW-002", "BMNN-RA-001", "BMNN-CFG-001", "BMNN-CFG-002"):
        assert report.result(check).result == "unknown", check
    # Only what reads no hive passes: the user profile holds no browser history database.
    passed = {r.check_id: r for r in report.results if r.result == "pass"}
    assert set(passed) == {"BMNN-NET-003", "BMNN-AF-004"}
    assert all(
        any("Không tìm thấy cơ sở dữ liệu lịch sử trình duyệt" in n for n in r.notes)
        for r in passed.values()
    )
