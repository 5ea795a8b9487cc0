"""Analysers of Windows files (setupapi, Wlansvc profiles, event logs), remote-access logs and
browser history, on real files written by files_fixtures."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bmnn.hostaudit.analysers.browsers import host_of
from bmnn.hostaudit.analysers.setupapi import decode_log
from bmnn.hostaudit.analysers.win_events import internet_flag, volume_serial
from bmnn.hostaudit.context import AuditContext
from bmnn.hostaudit.root import ArtefactRoot
from tests.hostaudit import files_fixtures as ff
from tests.hostaudit.helpers import assert_analysers_keep_the_contract, dump, of_kind, run

WHEN = ff.DEFAULT_WHEN  # 2026-04-01 02:03:04 UTC = 09:03:04 in Vietnam
BEFORE = datetime(2025, 11, 20, 1, 0, 0, tzinfo=UTC)  # under Law 29/2018


# -- setupapi -------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_setupapi_first_install_in_utc_from_local_time(tmp_path, encoding):
    ff.write_setupapi(
        tmp_path,
        [
            ff.setupapi_section("USB\\VID_0781&PID_5567\\4C530001230101117344", WHEN),
            ff.setupapi_section(
                "USBSTOR\\Disk&Ven_SanDisk&Prod_Cruzer_Blade&Rev_1.00\\4C530001230101117344&0",
                WHEN + timedelta(seconds=3),
                class_guid="{4d36e967-e325-11ce-bfc1-08002be10318}",
            ),
            ff.setupapi_section("PCI\\VEN_8086&DEV_A370\\3&11583659&0&A3", WHEN),
        ],
        encoding=encoding,
    )
    obs, _ctx = run(tmp_path, "setupapi")
    assert [o.identity for o in obs] == [
        "USB:0781/5567/4C530001230101117344",
        "USBSTOR:SanDisk/Cruzer_Blade/4C530001230101117344",
    ]  # the PCI device is not a USB device and is not reported
    usb, stor = obs
    assert usb.kind == "usb_event" and usb.facts["vid"] == "0781" and usb.facts["pid"] == "5567"
    assert usb.time("setupapi_first_install") == WHEN  # 09:03:04 local -> 02:03:04 UTC
    assert usb.times[0].source_tz.startswith("UTC+07:00")
    assert stor.facts["vendor"] == "SanDisk" and stor.facts["product"] == "Cruzer_Blade"
    assert stor.facts["revision"] == "1.00" and stor.facts["serial_synthesised"] is False
    assert stor.facts["device_class"] == "disk" and stor.facts["exit_status"] == "SUCCESS"
    assert stor.evidence[0].source == "Windows/INF/setupapi.dev.log"
    assert stor.evidence[0].locator.startswith("line ")
    assert "Section start" in stor.evidence[0].raw
    assert (
        stor.evidence[0].sha256
        == hashlib.sha256((tmp_path / "Windows/INF/setupapi.dev.log").read_bytes()).hexdigest()
    )


def test_setupapi_uses_the_machine_zone_when_known(tmp_path):
    # A machine whose zone says UTC (here a dual-boot image whose Linux side names the zone):
    # the same wall-clock text is then a different instant.
    ff.write_setupapi(tmp_path, [ff.setupapi_section("USB\\VID_1234&PID_5678\\ABC", WHEN)])
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/hostname").write_text("may-kep\n")
    (tmp_path / "etc/timezone").write_text("Etc/UTC\n")
    (obs,), ctx = run(tmp_path, "setupapi")
    assert ctx.problems == []
    assert obs.time("setupapi_first_install") == WHEN + timedelta(hours=7)
    assert obs.times[0].source_tz.startswith("Etc/UTC")


def test_setupapi_old_xp_format_and_rotated_logs(tmp_path):
    xp = (
        "[2009/05/12 10:09:11 1234.5 Driver Install]\n"
        "#-019 Searching for hardware ID(s): usbstor\\disksandisk\n"
        '#I121 Device install of "USBSTOR\\DISK&VEN_SANDISK&PROD_U3_CRUZER_MICRO&REV_3.27\\'
        '0000185A5B71F6EE&0" finished successfully.\n'
    )
    (tmp_path / "Windows").mkdir()
    (tmp_path / "Windows/setupapi.log").write_text(xp)
    ff.write_setupapi(
        tmp_path,
        [ff.setupapi_section("USB\\VID_0951&PID_1666\\E0D55EA5", BEFORE)],
        name="setupapi.dev.20251120_010000.log",
    )
    obs, _ctx = run(tmp_path, "setupapi")
    identities = {o.identity: o for o in obs}
    old = identities["USBSTOR:SANDISK/U3_CRUZER_MICRO/0000185A5B71F6EE"]
    assert old.time("setupapi_first_install") == datetime(2009, 5, 12, 3, 9, 11, tzinfo=UTC)
    assert identities["USB:0951/1666/E0D55EA5"].time("setupapi_first_install") == BEFORE


def test_setupapi_absent_is_missing(tmp_path):
    obs, ctx = run(tmp_path, "setupapi")
    assert obs == []
    assert [p.kind for p in ctx.problems] == ["missing"]


def test_setupapi_decodes_utf16_without_bom():
    text = ">>>  [Device Install (Hardware initiated) - USB\\VID_0001&PID_0002\\X]\n"
    assert decode_log(text.encode("utf-16-le")) == text


# -- Wlansvc profiles -----------------------------------------------------------------------------
def test_wlan_profile_facts_and_key_material_never_output(tmp_path):
    ff.write_wlan_profile(
        tmp_path, ff.wlan_profile_xml("Quán cà phê", "QuanCaPhe-Free", mode="manual")
    )
    obs, ctx = run(tmp_path, "wlan_profiles")
    (profile,) = obs
    assert ctx.problems == []
    assert profile.kind == "wifi_profile" and profile.identity == "WLAN:QuanCaPhe-Free"
    assert profile.facts["profile_name"] == "Quán cà phê"
    assert profile.facts["ssid_hex"] == b"QuanCaPhe-Free".hex().upper()
    assert profile.facts["connection_type"] == "ESS"
    assert profile.facts["connection_mode"] == "manual"
    assert profile.facts["authentication"] == "WPA2PSK"
    assert profile.facts["interface_guid"] == "{4A3B2C1D-0000-1111-2222-333344445555}"
    assert ff.SECRET_KEY not in dump(obs)


def test_wlan_profile_ssid_from_hex_only(tmp_path):
    xml = ff.wlan_profile_xml("p", "x").replace("<name>x</name></SSID>", "</SSID>")
    xml = xml.replace("78</hex>", "5669e1bb8774</hex>")  # "Việt" in UTF-8 hex
    ff.write_wlan_profile(tmp_path, xml)
    (profile,), _ctx = run(tmp_path, "wlan_profiles")
    assert profile.facts["ssid"] == "Việt"


@pytest.mark.parametrize(
    ("xml", "word"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            '<WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1"><name>&e;</name>'
            "</WLANProfile>",
            "DOCTYPE",
        ),
        ("<WLANProfile><name>broken", "XML hỏng"),
        ("<html><body>not a profile</body></html>", "WLANProfile"),
    ],
)
def test_wlan_hostile_or_broken_profile_is_an_error(tmp_path, xml, word):
    ff.write_wlan_profile(tmp_path, xml)
    obs, ctx = run(tmp_path, "wlan_profiles")
    assert obs == []
    (error,) = ctx.problems
    assert error.kind == "error" and word in error.message
    assert "root:" not in dump(obs) + error.message


# -- event logs -----------------------------------------------------------------------------------
def test_volume_serials_from_fat32_ntfs_exfat_boot_records():
    assert volume_serial(ff.fat32_vbr(0x1A2B3C4D, "KINGSTON")) == (
        "FAT32",
        "1A2B-3C4D",
        "1A2B3C4D",
        "KINGSTON",
    )
    fs, vsn, full, _label = volume_serial(ff.ntfs_vbr(0x0123456789ABCDEF))
    assert (fs, vsn, full) == ("NTFS", "89AB-CDEF", "0123456789ABCDEF")
    assert volume_serial(ff.exfat_vbr(0xCAFEBABE))[:2] == ("exFAT", "CAFE-BABE")
    assert volume_serial(b"\x00" * 512) is None
    assert volume_serial(b"short") is None


def _events(tmp_path, channel, records, *, evtx=False):
    if evtx:
        ff.write_evtx(ff.evtx_path(tmp_path, channel), [ff._evtx_record(r) for r in records])
    else:
        ff.write_event_jsonl(tmp_path, channel, records)


@pytest.mark.parametrize("evtx", [False, True], ids=["json", "evtx"])
def test_partition_1006_device_and_volume(tmp_path, evtx):
    _events(
        tmp_path,
        ff.PARTITION,
        [
            ff.partition_1006(11, WHEN, vbr0=ff.fat32_vbr(0x1A2B3C4D)),
            ff.partition_1006(12, WHEN + timedelta(hours=1), capacity=0),
            ff.partition_1006(13, WHEN, serial="WD-SATA-INTERNAL", bus_type=11),
        ],
        evtx=evtx,
    )
    obs, _ctx = run(tmp_path, "win_events")
    events = of_kind(obs, "usb_event")
    # The disk is named as its USBSTOR key names it; the USB device (ParentId) is in the facts.
    assert [(o.identity, o.facts["event"]) for o in events] == [
        ("USBSTOR:SanDisk/Cruzer_Blade/4C530001230101117344", "connected"),
        ("USBSTOR:SanDisk/Cruzer_Blade/4C530001230101117344", "disconnected"),
    ]  # the internal SATA disk is not a removable device
    first = events[0]
    assert (first.facts["vid"], first.facts["pid"]) == ("0781", "5567")
    assert first.facts["usb_serial"] == "4C530001230101117344"
    assert first.facts["manufacturer"] == "SanDisk" and first.facts["model"] == "Cruzer Blade"
    assert first.facts["serial"] == "4C530001230101117344"
    assert first.facts["capacity"] == 16008609792 and first.facts["bus_name"] == "USB"
    assert first.facts["device_class"] == "disk"
    assert first.facts["volume_serials"] == ["1A2B-3C4D"]
    assert first.time("event_time") == WHEN and first.times[0].source_tz == "UTC"
    (volume,) = of_kind(obs, "volume")
    assert volume.identity == "VOL:1A2B-3C4D"
    assert volume.facts["file_system"] == "FAT32" and volume.facts["label"] == "KINGSTON"
    assert volume.facts["device"] == first.identity
    assert volume.evidence[0].locator == ("record 11" if evtx else "line 1")


def test_pnp_userpnp_wlan_ncsi_cleared_logons(tmp_path):
    files = ff.build_windows_files(tmp_path, evtx_channel="Security", usb_serial="0123ABCD0001")
    obs, _ctx = run(tmp_path, "win_events")
    by = {(o.kind, o.facts.get("channel"), o.facts.get("event_id")): o for o in obs}
    pnp = by[("usb_event", ff.KERNEL_PNP, 400)]
    assert pnp.identity == "USBSTOR:SanDisk/Cruzer_Blade/0123ABCD0001"
    assert pnp.facts["event"] == "configured" and pnp.facts["driver_name"] == "disk.inf"
    assert not any(o.facts.get("event_id") == 410 for o in obs)  # ACPI device, not USB
    userpnp = by[("usb_event", "System", 20001)]
    assert userpnp.facts["device_class"] == "wpd"
    assert userpnp.facts["serial"] == files.usb_serial == "0123ABCD0001"
    connected = by[("network_event", ff.WLAN, 8001)]
    assert connected.identity == "WLAN:QuanCaPhe-Free" and connected.facts["event"] == "connected"
    assert connected.facts["bssid"] == "a4:2b:b0:11:22:33"
    assert connected.time("event_time") == WHEN + timedelta(hours=2)
    assert by[("network_event", ff.WLAN, 8003)].facts["event"] == "disconnected"
    assert not any(o.facts.get("event_id") == 11000 for o in obs)
    reach = [o for o in of_kind(obs, "internet_reachable") if o.facts["channel"] == ff.NCSI]
    assert [o.facts["reachable"] for o in reach] == [True, False]
    assert by[("internet_reachable", ff.TELEMETRY, 55)].facts["reachable"] is True
    cleared = {o.identity: o for o in of_kind(obs, "log_cleared")}
    assert cleared["LOG:Security"].facts["user"] == "nguyenvana"
    assert cleared["LOG:Security"].evidence[0].locator == "record 71"  # read from the .evtx
    assert cleared["LOG:Application"].facts["event_channel"] == "System"
    logons = {o.facts["user"]: o for o in of_kind(obs, "logon")}
    assert set(logons) == {"nguyenvana", "quantri"}  # SYSTEM service logon left out
    assert "remote_host" not in logons["nguyenvana"].facts
    assert logons["quantri"].facts["remote_host"] == "203.0.113.45"
    assert logons["quantri"].facts["logon_type_name"] == "remote_interactive"


def test_internet_flag_values():
    assert internet_flag("Internet") is True and internet_flag(2) is True
    assert internet_flag("true") is True
    assert internet_flag("Local") is False and internet_flag("false") is False
    assert internet_flag("Constrained") is None  # unknown is never "no Internet"


# -- remote-access logs ---------------------------------------------------------------------------
def test_teamviewer_and_anydesk_sessions(tmp_path):
    ff.build_windows_files(tmp_path)
    obs, _ctx = run(tmp_path, "remote_logs")
    assert {o.kind for o in obs} == {"remote_session"}
    sessions = {(o.facts["software"], o.facts["event"], o.evidence[0].source): o for o in obs}
    tv = sessions[("TeamViewer", "session", "Program Files/TeamViewer/Connections_incoming.txt")]
    assert tv.facts["peer_id"] == "514162531" and tv.facts["direction"] == "incoming"
    assert tv.facts["local_user"] == "nguyenvana" and tv.facts["session_type"] == "RemoteControl"
    assert tv.time("session_start") == WHEN + timedelta(hours=4)
    assert tv.time("session_end") == WHEN + timedelta(hours=4, minutes=16)
    assert "giả định" in tv.times[0].source_tz  # the log's zone is an assumption, said so
    log = [o for o in obs if o.evidence[0].source.endswith("_Logfile.log")]
    assert {o.facts["event"] for o in log} == {
        "peer_address",
        "participant",
        "file_transfer",
        "session_left",
    }
    transfer = next(o for o in log if o.facts["event"] == "file_transfer")
    assert transfer.facts["file"].endswith("BaoCao.docx") and transfer.facts["transfer"] == "sent"
    ad = sessions[("AnyDesk", "session", "ProgramData/AnyDesk/ad_svc.trace")]
    assert ad.facts["peer_id"] == "123456789" and ad.facts["peer_alias"] == "support-pc"
    assert ad.facts["authentication"] == "local user" and ad.facts["status"] == "closed"
    assert ad.facts["remote_os"] == "Windows" and ad.facts["connected_via"] == "IPv4"
    assert ad.time("session_start") == WHEN + timedelta(hours=5, seconds=5)
    assert ad.time("session_end") == WHEN + timedelta(hours=5, seconds=600)
    relay = sessions[("AnyDesk", "relay_login", "ProgramData/AnyDesk/ad_svc.trace")]
    assert relay.facts["peer_address"] == "198.51.100.20"
    trace = sessions[("AnyDesk", "session", "ProgramData/AnyDesk/connection_trace.txt")]
    assert trace.facts["authentication"] == "User" and trace.facts["rejected"] is False


def test_anydesk_session_cut_off_is_reported_open(tmp_path):
    lines = ff.anydesk_trace_lines(WHEN, "111222333", "x", "198.51.100.1")[:3]
    (tmp_path / "ProgramData/AnyDesk").mkdir(parents=True)
    (tmp_path / "ProgramData/AnyDesk/ad.trace").write_text("\n".join(lines))
    obs, _ctx = run(tmp_path, "remote_logs")
    (session,) = [o for o in obs if o.facts["event"] == "session"]
    assert session.facts["status"] == "open_or_cut" and session.time("session_end") is None


def test_teamviewer_bad_lines_are_an_error(tmp_path):
    (tmp_path / "Program Files/TeamViewer").mkdir(parents=True)
    good = ff.teamviewer_incoming_line("1", "a", WHEN, WHEN + timedelta(minutes=1))
    (tmp_path / "Program Files/TeamViewer/Connections_incoming.txt").write_text(
        good + "\nrác không đúng định dạng\n"
    )
    obs, ctx = run(tmp_path, "remote_logs")
    assert len(obs) == 1
    (error,) = ctx.problems
    assert error.kind == "error" and "1 dòng" in error.message


def test_no_remote_access_logs_is_missing(tmp_path):
    obs, ctx = run(tmp_path, "remote_logs")
    assert obs == [] and [p.kind for p in ctx.problems] == ["missing"]


# -- browsers -------------------------------------------------------------------------------------
def _snapshot(root):
    return {
        p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in root.rglob("*")
        if p.is_file()
    }


def test_browser_visits_every_visit_with_wal_and_downloads_root_untouched(tmp_path):
    files = ff.build_windows_files(tmp_path)
    before = _snapshot(tmp_path)
    obs, ctx = run(tmp_path, "browsers")
    assert _snapshot(tmp_path) == before  # nothing written, no journal/shm left beside the DBs
    assert ctx.problems == []
    visits = [o for o in obs if o.facts["event"] == "visit"]
    chrome = [o for o in visits if o.facts["browser"] == "Chrome"]
    assert [o.facts["url"] for o in chrome] == [
        files.urls[0],
        files.urls[0],
        files.urls[4],
        files.urls[1],
    ]  # both visits; WAL-only too
    gmail = chrome[-1]
    assert gmail.identity == "URL:mail.google.com" and gmail.facts["host"] == "mail.google.com"
    assert gmail.time("visit_time") == WHEN + timedelta(hours=2, minutes=9)
    assert gmail.facts["user"] == "nguyenvana" and gmail.facts["profile"] == "Default"
    assert gmail.evidence[0].locator == "table visits rowid 4"
    assert gmail.times[0].source_tz == "UTC"
    browsers = {o.facts["browser"] for o in visits}
    assert browsers == {"Chrome", "Edge", "Cốc Cốc", "Firefox"}
    firefox = next(o for o in visits if o.facts["browser"] == "Firefox")
    assert firefox.facts["profile"] == "ab12cd34.default-release"
    assert firefox.time("visit_time") == WHEN + timedelta(hours=2, minutes=5)
    (download,) = [o for o in obs if o.facts["event"] == "download"]
    assert download.facts["target_path"].endswith("tai-lieu.pdf")
    assert download.facts["url"] == "https://vnexpress.net/tai-lieu.pdf"


def test_unknown_chromium_fork_found_by_schema(tmp_path):
    ff.chromium_history(
        tmp_path / "Users/u/AppData/Local/LaLaBrowser/Profile X/History",
        [("https://example.org/", "Ví dụ", WHEN)],
    )
    ff.chromium_history(
        tmp_path / "Users/u/AppData/Local/BraveSoftware/Brave-Browser/User Data/Default/History",
        [("https://brave.com/", "Brave", WHEN)],
    )
    obs, _ctx = run(tmp_path, "browsers")
    assert {(o.facts["browser"], o.facts["host"]) for o in obs} == {
        ("other", "example.org"),
        ("Brave", "brave.com"),
    }


def test_host_of_never_raises_on_a_malformed_url():
    assert host_of("HTTPS://VnExpress.NET/a") == ("vnexpress.net", "https")
    assert host_of("http://[::1") == ("", "")  # urlsplit raises on it
    assert host_of("file:///C:/Users/a/bao-cao.docx") == ("", "file")


def test_broken_history_is_an_error_other_sqlite_ignored(tmp_path):
    history = tmp_path / "Users/u/AppData/Local/Google/Chrome/User Data/Default/History"
    history.parent.mkdir(parents=True)
    history.write_bytes(b"\x00" * 100)  # not SQLite
    ff.firefox_places(tmp_path / "home/u/.mozilla/firefox/p/places.sqlite", [])
    cookies = tmp_path / "home/u/.mozilla/firefox/p/cookies.sqlite"
    con = sqlite3.connect(cookies)
    con.execute("CREATE TABLE moz_cookies(id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    obs, ctx = run(tmp_path, "browsers")
    assert obs == []  # an empty Firefox history: read, nothing visited
    (error,) = ctx.problems
    assert error.kind == "error" and error.source.endswith("Default/History")


def test_corrupt_sqlite_history_is_an_error(tmp_path):
    path = ff.chromium_history(
        tmp_path / "home/u/.config/chromium/Default/History",
        [("https://a.example/", "a", WHEN)] * 50,
    )
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xa5" * 3996  # the schema page destroyed, header kept
    path.write_bytes(bytes(data))
    obs, ctx = run(tmp_path, "browsers")
    assert obs == []
    assert [p.kind for p in ctx.problems] == ["error"]


def test_no_user_profile_at_all_is_missing(tmp_path):
    (tmp_path / "Windows/System32").mkdir(parents=True)
    (tmp_path / "Windows/System32/x.dll").write_bytes(b"MZ")
    obs, ctx = run(tmp_path, "browsers")
    assert obs == [] and [p.kind for p in ctx.problems] == ["missing"]


def test_profiles_searched_without_history_are_recorded_as_searched(tmp_path):
    """User folders present, none holding a browser history database: the search is recorded
    (a `collection` observation), not reported as missing."""
    ff._write(tmp_path, "Users/alice/NTUSER.DAT", b"regf" + b"\0" * 60)
    ff._write(tmp_path, "Users/alice/Documents/bao-cao.docx", b"PK")
    ff._write(tmp_path, "home/bob/.bashrc", "export PS1='$ '\n")
    ff._write(tmp_path, "home/bob/.config/google-chrome/Default/Preferences", "{}")
    obs, ctx = run(tmp_path, "browsers")
    assert ctx.problems == []
    (searched,) = obs
    assert searched.kind == "collection" and searched.analyser == "browsers"
    assert searched.facts["profiles"] == ["Users/alice", "home/bob"]
    assert searched.facts["databases"] == 0
    assert "không tìm thấy cơ sở dữ liệu lịch sử trình duyệt nào" in searched.facts["note"].lower()
    sources = [e.source for e in searched.evidence]
    assert sources == ["Users/alice/NTUSER.DAT", "home/bob/.bashrc"]
    assert all(len(e.sha256) == 64 for e in searched.evidence)


# -- the whole Windows file set -------------------------------------------------------------------
def test_every_observation_is_of_a_kind_its_analyser_declares(tmp_path):
    ff.build_windows_files(tmp_path)
    ctx = AuditContext(ArtefactRoot(tmp_path))
    names = ("setupapi", "wlan_profiles", "win_events", "remote_logs", "browsers")
    assert_analysers_keep_the_contract(ctx, names)


def test_dates_before_the_new_law_move_with_the_fixture(tmp_path):
    ff.build_windows_files(tmp_path, when=BEFORE)
    obs, _ctx = run(tmp_path, "win_events")
    times = [o.earliest for o in obs if o.earliest]
    assert times and max(times) < datetime(2026, 3, 1, tzinfo=UTC)
