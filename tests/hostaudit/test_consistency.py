"""Evidence-wiping signals across sources, over real files: a registry image from
windows_fixtures, real SQLite history databases, a real (emptied) wtmp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bmnn.hostaudit import consistency
from bmnn.hostaudit.analysers import browsers
from bmnn.hostaudit.audit import run_audit
from bmnn.hostaudit.context import AuditContext
from bmnn.hostaudit.model import Evidence, Observation, Timestamp
from bmnn.hostaudit.root import ArtefactRoot
from tests.hostaudit.files_fixtures import chromium_history, setupapi_section, write_setupapi
from tests.hostaudit.linux_fixtures import write_identity, write_wtmp
from tests.hostaudit.windows_fixtures import (
    SANDISK_DEVICE,
    SANDISK_SERIAL,
    WindowsImageOptions,
    build_windows_image,
)

WHEN = datetime(2026, 4, 1, 2, 3, 4, tzinfo=UTC)
OTHER_SERIAL = "0401396d8a2b7c5e9f10"


def _obs(kind, identity, facts, analyser, times=(), source="x") -> Observation:
    return Observation(
        kind,
        identity,
        analyser,
        facts,
        [Timestamp(n, t, "UTC") for n, t in times],
        [Evidence(source, "locator", "cd" * 32)],
    )


def _usbstor(serial=SANDISK_SERIAL, first=WHEN) -> Observation:
    return _obs(
        "usb_storage",
        f"USBSTOR:SanDisk/Cruzer_Blade/{serial}",
        {"serial": serial, "serial_synthesised": False},
        "usb",
        [("first_install_date", first)],
    )


def _setupapi(serial, when=WHEN) -> Observation:
    return _obs(
        "usb_event",
        f"USBSTOR:Kingston/DT/{serial}",
        {"serial": serial, "device_class": "disk"},
        "setupapi",
        [("setupapi_first_install", when)],
        source="Windows/INF/setupapi.dev.log",
    )


def _ctx(root: Path) -> AuditContext:
    return AuditContext(ArtefactRoot(root))


def test_usb_serial_in_setupapi_and_1006_but_not_in_usbstor(tmp_path: Path) -> None:
    image = build_windows_image(tmp_path / "img")
    event_1006 = _obs(
        "usb_event",
        f"USB:0951/1666/{OTHER_SERIAL}",
        {
            "usb_serial": OTHER_SERIAL,
            "serial": "DISK-SERIAL",
            "device_class": "disk",
            "channel": "Microsoft-Windows-Partition/Diagnostic",
            "event_id": 1006,
        },
        "win_events",
        [("event_time", WHEN + timedelta(hours=1))],
    )
    seen = [_usbstor(), _setupapi(SANDISK_SERIAL), _setupapi(OTHER_SERIAL.upper()), event_1006]
    derived = consistency.derive(_ctx(image.root), seen)
    assert [o.identity for o in derived] == [f"USBSTOR-MISSING:{OTHER_SERIAL.upper()}"]
    signal = derived[0]
    assert signal.kind == "log_cleared" and signal.analyser == "consistency"
    assert signal.facts["signal"] == "usb_trace_without_usbstor"
    assert len(signal.facts["sources"]) == 2 and "setupapi.dev.log" in signal.facts["sources"]
    assert {t.name for t in signal.times} == {"setupapi_first_install", "event_time"}
    assert len(signal.evidence) == 2


def test_made_up_serials_and_unreadable_usbstor_give_no_signal(tmp_path: Path) -> None:
    image = build_windows_image(tmp_path / "img")
    synthesised = _obs(
        "usb_event",
        "USBSTOR:G/F/7&2A8B&0",
        {"serial": "7&2A8B", "serial_synthesised": True, "device_class": "disk"},
        "setupapi",
    )
    assert consistency.derive(_ctx(image.root), [_usbstor(), synthesised]) == []
    no_system = build_windows_image(tmp_path / "nosys", WindowsImageOptions(omit={"system"}))
    assert consistency.derive(_ctx(no_system.root), [_setupapi(OTHER_SERIAL)]) == []


def test_usbstor_first_install_later_than_setupapi_means_recreated(tmp_path: Path) -> None:
    image = build_windows_image(tmp_path / "img")
    seen = [_usbstor(first=WHEN), _setupapi(SANDISK_SERIAL, WHEN - timedelta(days=90))]
    derived = consistency.derive(_ctx(image.root), seen)
    assert [o.facts["signal"] for o in derived] == ["usb_times_inconsistent"]
    assert {t.name for t in derived[0].times} == {"first_install_date", "setupapi_first_install"}
    # A few hours apart (clock, zone) is not a signal.
    close = [_usbstor(first=WHEN), _setupapi(SANDISK_SERIAL, WHEN - timedelta(hours=8))]
    assert consistency.derive(_ctx(image.root), close) == []


def test_deleted_usbstor_key_fails_the_wiping_rule_end_to_end(tmp_path: Path) -> None:
    image = build_windows_image(tmp_path / "img", WindowsImageOptions(omit={"usbstor"}))
    write_setupapi(
        image.root,
        [
            setupapi_section(
                f"USBSTOR\\{SANDISK_DEVICE}\\{SANDISK_SERIAL}&0",
                WHEN,
                class_guid="{4d36e967-e325-11ce-bfc1-08002be10318}",
            )
        ],
    )
    report = run_audit(image.root, now=WHEN)
    r = report.result("BMNN-AF-002")
    assert r.result == "fail"
    assert [f.identity for f in r.findings] == [f"USBSTOR-MISSING:{SANDISK_SERIAL}"]
    # Enum\USB and MountedDevices (same hive) remember it too, and setupapi.dev.log does.
    assert "Windows/INF/setupapi.dev.log" in {e.source for e in r.findings[0].evidence}
    assert "setupapi.dev.log" in r.findings[0].facts["sources"]


def _linux_home(tmp_path: Path) -> Path:
    root = tmp_path / "linux"
    write_identity(root)
    return root


def test_empty_history_with_leftover_journal_is_a_signal(tmp_path: Path) -> None:
    root = _linux_home(tmp_path)
    db = chromium_history(root / "home/an/.config/google-chrome/Default/History", [])
    (db.parent / "History-journal").write_bytes(b"\x00" * 512)
    ctx = _ctx(root)
    visits = list(browsers.analyse(ctx))
    assert visits == [] and not [p for p in ctx.problems if p.kind == "error"]
    derived = consistency.derive(ctx, visits)
    assert [o.facts["signal"] for o in derived] == ["browser_history_cleared"]
    assert derived[0].facts["browser"] == "Chrome"
    assert derived[0].facts["side_file_size"] == 512
    assert [e.source for e in derived[0].evidence] == [
        "home/an/.config/google-chrome/Default/History",
        "home/an/.config/google-chrome/Default/History-journal",
    ]


def test_history_with_visits_or_without_side_file_is_no_signal(tmp_path: Path) -> None:
    root = _linux_home(tmp_path)
    db = chromium_history(
        root / "home/an/.config/google-chrome/Default/History",
        [("https://dantri.com.vn/", "Dân trí", WHEN)],
    )
    (db.parent / "History-journal").write_bytes(b"\x00" * 512)
    chromium_history(root / "home/an/.config/chromium/Default/History", [])
    ctx = _ctx(root)
    visits = list(browsers.analyse(ctx))
    assert len(visits) == 1
    assert consistency.derive(ctx, visits) == []


def test_emptied_wtmp_is_a_truncated_log(tmp_path: Path) -> None:
    root = _linux_home(tmp_path)
    (root / "var/log").mkdir(parents=True)
    (root / "var/log/wtmp").write_bytes(b"")
    derived = consistency.derive(_ctx(root), [])
    assert [(o.facts["signal"], o.facts["channel"]) for o in derived] == [
        ("log_truncated", "var/log/wtmp")
    ]
    report = run_audit(root, now=WHEN)
    assert report.result("BMNN-AF-001").result == "fail"
    full = _linux_home(tmp_path / "b")
    write_wtmp(full, WHEN)
    assert consistency.derive(_ctx(full), []) == []


def test_one_missing_stick_spelled_in_two_cases_is_one_identity(tmp_path: Path) -> None:
    """setupapi (Windows 7) writes the id upper-case, event 1006 as the device reports it: one
    stick, one signal, named once."""
    image = build_windows_image(tmp_path / "img")
    upper = _setupapi(OTHER_SERIAL.upper())
    upper = Observation(
        upper.kind,
        "USBSTOR:KINGSTON/DT/" + OTHER_SERIAL.upper(),
        upper.analyser,
        upper.facts,
        upper.times,
        upper.evidence,
    )
    mixed = _setupapi(OTHER_SERIAL, when=WHEN + timedelta(days=2))
    derived = consistency.derive(_ctx(image.root), [_usbstor(), upper, mixed])
    (signal,) = derived
    assert signal.identity == f"USBSTOR-MISSING:{OTHER_SERIAL.upper()}"
    assert signal.facts["identities"] == ["USBSTOR:KINGSTON/DT/" + OTHER_SERIAL.upper()]
