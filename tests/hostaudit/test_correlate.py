"""Correlation across machines over real fixture roots: the SanDisk drive seen on a secret
computer and on the agency's Internet computer is reported with both machines and their
times; serials Windows made up are never matched."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bmnn.hostaudit.config import AuditConfig
from bmnn.hostaudit.correlate import correlate, device_keys
from bmnn.hostaudit.model import Observation
from bmnn.hostaudit.report import render_correlation
from tests.hostaudit.files_fixtures import build_windows_files, setupapi_section, write_setupapi
from tests.hostaudit.linux_fixtures import (
    HOSTNAME,
    build_linux_root,
    usb_storage_lines,
    write_identity,
    write_journal,
)
from tests.hostaudit.windows_fixtures import (
    CLASS_DISK,
    GENERIC_INSTANCE,
    SANDISK_DEVICE,
    SANDISK_IDENTITY,
    SANDISK_SERIAL,
    SANDISK_VSN,
    WindowsImageOptions,
    build_windows_image,
)

NOW = datetime(2026, 5, 1, tzinfo=UTC)
ROLES = AuditConfig.from_dict(
    {
        "machines": {
            "MAY-SOAN-THAO-01": "secret",
            "MAY-INTERNET-01": "internet",
            "may-mat-01": "secret",
        }
    }
)


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("agency")
    secret = build_windows_image(base / "secret").root
    internet = build_windows_image(
        base / "internet", WindowsImageOptions(computer_name="MAY-INTERNET-01")
    ).root
    files = build_windows_files(internet)  # the Internet machine also saw the Linux drive
    linux = build_linux_root(base / "linux").root
    assert files.usb_serial == "4C530001230101117344"
    return {"secret": secret, "internet": internet, "linux": linux}


def test_drive_on_secret_and_internet_machines_is_reported_with_times(machines) -> None:
    corr = correlate(list(machines.values()), ROLES, now=NOW)
    assert [m.host for m in corr.machines] == ["MAY-SOAN-THAO-01", "MAY-INTERNET-01", "may-mat-01"]
    assert [m.role for m in corr.machines] == ["secret", "internet", "secret"]
    crossing = {(c.key_type, c.value): c for c in corr.crossings}
    sandisk = crossing[("usb_serial", SANDISK_SERIAL)]
    assert sandisk.hosts == ["MAY-INTERNET-01", "MAY-SOAN-THAO-01"]
    for host in sandisk.hosts:
        sights = sandisk.on(host)
        assert any(s.kind == "usb_storage" for s in sights)
        assert all(s.first is not None for s in sights)
        assert all(e.sha256 for s in sights for e in s.evidence)
    assert ("volume_serial", SANDISK_VSN) in crossing
    linux_drive = crossing[("usb_serial", "4C530001230101117344")]
    assert linux_drive.hosts == ["MAY-INTERNET-01", "may-mat-01"]
    assert {s.analyser for s in linux_drive.on("MAY-INTERNET-01")} >= {"setupapi", "win_events"}


def test_made_up_serials_are_never_matched(machines) -> None:
    corr = correlate([machines["secret"], machines["internet"]], ROLES, now=NOW)
    values = {link.value for link in corr.links}
    assert not any(GENERIC_INSTANCE.split("&")[1] in v for v in values)
    assert any("tự sinh" in n for n in corr.notes)


def test_without_an_internet_machine_links_are_listed_but_none_crosses(machines) -> None:
    corr = correlate([machines["secret"], machines["internet"]], None, now=NOW)
    assert not corr.crossings  # both default to "secret"
    assert any(link.value == SANDISK_SERIAL for link in corr.links)
    assert any("role: internet" in n for n in corr.notes)


def test_configs_per_root_and_correlation_reports(machines) -> None:
    configs = {
        str(machines["secret"]): AuditConfig.from_dict({"role": "secret"}),
        str(machines["internet"]): AuditConfig.from_dict({"role": "internet"}),
    }
    corr = correlate([machines["secret"], machines["internet"]], configs, now=NOW)
    assert any(c.value == SANDISK_SERIAL for c in corr.crossings)
    data = json.loads(render_correlation(corr, "json"))
    assert data["format"] == "bmnn-host-correlation/1"
    assert data["crossings"][0]["machines"][0]["first"]
    html = render_correlation(corr, "html")
    assert "ĐỐI CHIẾU THIẾT BỊ" in html and SANDISK_SERIAL in html and "MAY-INTERNET-01" in html
    text = render_correlation(corr, "text")
    assert "cả máy mật và máy Internet" in text
    assert render_correlation(corr, "pdf")[:5] == b"%PDF-"


def _o(kind, facts, identity="X") -> Observation:
    return Observation(kind, identity, "t", facts)


def test_device_keys() -> None:
    stor = _o("usb_storage", {"serial": "4c53&0", "volume_serials": ["1a2b-3c4d"]})
    assert device_keys(stor) == [("volume_serial", "1A2B-3C4D")]  # "4C53" is too short
    good = _o("usb_storage", {"serial": "AA0011223344&0", "volume_serials": ["1A2B-3C4D"]})
    assert device_keys(good) == [("usb_serial", "AA0011223344"), ("volume_serial", "1A2B-3C4D")]
    e1006 = _o(
        "usb_event",
        {"usb_serial": "AA0011223344", "serial": "WD-123456", "device_class": "disk"},
        "USB:0951/1666/AA0011223344",
    )
    assert ("usb_serial", "AA0011223344") in device_keys(e1006)
    for placeholder in ("0000000000", "0123456789ABCDEF"):
        assert device_keys(_o("usb_storage", {"serial": placeholder})) == []
    mouse = _o("usb_device", {"serial": "ABCDEF123456", "device_class": "hid"})
    assert device_keys(mouse) == []
    made_up = _o("usb_storage", {"serial": "7&2A8B9C1D", "serial_synthesised": True})
    assert device_keys(made_up) == []


def test_one_stick_spelled_in_other_cases_on_each_machine_is_one_link(tmp_path: Path) -> None:
    """The secret machine's setupapi (Windows 7 style) writes the id upper-case next to the
    registry's "SanDisk"; the Linux Internet machine's kernel reports the serial lower-case."""
    secret = build_windows_image(tmp_path / "secret").root
    upper_id = f"USBSTOR\\{SANDISK_DEVICE.upper()}\\{SANDISK_SERIAL}&0"
    write_setupapi(secret, [setupapi_section(upper_id, NOW, class_guid=CLASS_DISK)])
    internet = tmp_path / "internet"
    write_identity(internet)
    write_journal(internet, usb_storage_lines(NOW, serial=SANDISK_SERIAL.lower()))
    roles = AuditConfig.from_dict(
        {"machines": {"MAY-SOAN-THAO-01": "secret", HOSTNAME: "internet"}}
    )
    corr = correlate([secret, internet], roles, now=NOW)
    (link,) = [c for c in corr.crossings if c.key_type == "usb_serial"]
    assert link.value == SANDISK_SERIAL and link.hosts == ["MAY-SOAN-THAO-01", HOSTNAME]
    assert link.identities_on("MAY-SOAN-THAO-01") == [SANDISK_IDENTITY]
    assert link.identities_on(HOSTNAME) == [f"USB:0781/5567/{SANDISK_SERIAL.lower()}"]
    machine = link.as_dict()["machines"][0]
    assert machine["host"] == "MAY-SOAN-THAO-01" and machine["identities"] == [SANDISK_IDENTITY]
