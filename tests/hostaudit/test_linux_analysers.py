"""Linux analysers (identity, network, devices, software) and connected_now, on a real folder laid
out like a Linux disk or live bundle (linux_fixtures)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest

from bmnn.hostaudit.analysers import ANALYSERS, by_name
from bmnn.hostaudit.analysers.linux_identity import UTMP, is_remote_host, os_release
from bmnn.hostaudit.analysers.linux_network import decode_ssid, parse_lease
from bmnn.hostaudit.context import AuditContext
from bmnn.hostaudit.root import ArtefactRoot
from tests.hostaudit import linux_fixtures as lf
from tests.hostaudit.helpers import assert_analysers_keep_the_contract, dump, of_kind, run

WHEN = lf.DEFAULT_WHEN
BEFORE = datetime(2025, 12, 24, 3, 0, 0, tzinfo=UTC)
LAW_CHANGE = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def image(tmp_path):
    return lf.build_linux_root(tmp_path)


# -- identity -------------------------------------------------------------------------------------
def test_identity_users_and_logons(image):
    obs, ctx = run(image.root, "linux_identity")
    assert ctx.problems == []
    (ident,) = of_kind(obs, "identity")
    assert ident.identity == f"HOST:{lf.HOSTNAME}"
    assert ident.facts["machine_id"] == lf.MACHINE_ID
    assert ident.facts["os_name"] == "Ubuntu 24.04.1 LTS" and ident.facts["os_version"] == "24.04"
    assert ident.facts["timezone"] == "Asia/Ho_Chi_Minh (UTC+07:00)"
    users = {o.facts["user"]: o for o in of_kind(obs, "user")}
    assert set(users) == {"root", "nguyenvana", "tranthib"}  # no daemon, no nobody
    assert users["nguyenvana"].facts["gecos"].startswith("Nguyễn Văn A")
    assert users["nguyenvana"].evidence[0].locator == "line 3"
    logons = {o.facts["user"]: o for o in of_kind(obs, "logon")}
    assert set(logons) == {"nguyenvana", "tranthib"}
    local = logons["nguyenvana"]
    assert local.facts["remote"] is False and "remote_host" not in local.facts
    assert local.time("logon_time") == WHEN + timedelta(microseconds=123456)
    remote = logons["tranthib"]
    assert remote.facts["remote_host"] == "203.0.113.99"
    assert remote.facts["address"] == "203.0.113.99" and remote.facts["line"] == "pts/0"
    assert remote.time("logoff_time") == WHEN + timedelta(minutes=40, microseconds=123456)
    assert remote.evidence[0].locator == f"record 2 (byte {2 * UTMP.size})"


def test_wtmp_cut_off_is_an_error_and_whole_records_still_read(tmp_path):
    lf.write_identity(tmp_path)
    lf.write_wtmp(tmp_path, WHEN, truncated=True)
    obs, ctx = run(tmp_path, "linux_identity")
    assert len(of_kind(obs, "logon")) == 2
    (error,) = ctx.problems
    assert error.kind == "error" and "cắt cụt" in error.message


def test_missing_identity_files_are_reported(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/hostname").write_text("may-le\n")
    obs, ctx = run(tmp_path, "linux_identity")
    assert of_kind(obs, "identity")[0].facts["hostname"] == "may-le"
    missing = {p.source for p in ctx.problems if p.kind == "missing"}
    assert {"etc/machine-id", "etc/os-release", "etc/passwd", "var/log/wtmp"} <= missing


@pytest.mark.parametrize(
    ("host", "remote"),
    [
        ("", False),
        (":0", False),
        (":1.0", False),
        ("tty2", False),
        ("pts/3", False),
        ("127.0.0.1", False),
        ("localhost", False),
        ("10.0.0.5", True),
        ("ws-07.coquan.local", True),
    ],
)
def test_is_remote_host(host, remote):
    assert is_remote_host(host) is remote


def test_os_release_parsing():
    assert os_release('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n# c\nID=debian\n') == {
        "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)",
        "ID": "debian",
    }


# -- NetworkManager -------------------------------------------------------------------------------
def test_keyfiles_state_and_deleted_profile(image):
    obs, _ctx = run(image.root, "linux_network")
    profiles = {o.facts["uuid"] or o.identity: o for o in of_kind(obs, "network_profile")}
    office = profiles[lf.UUID_OFFICE]
    assert office.identity == "NET:LAN Co quan"
    assert office.facts["connection_type"] == "ethernet" and office.facts["name_type"] == "wired"
    assert office.facts["addresses"] == ["10.10.5.21/24"] and office.facts["gateway"] == "10.10.5.1"
    assert office.time("last_activated") == WHEN - timedelta(days=30)
    cafe = profiles[lf.UUID_CAFE]
    assert cafe.facts["ssid"] == "QuanCaPhe-Free" and cafe.facts["name_type"] == "wireless"
    assert cafe.facts["state"] == "activated"
    # the timestamps file is later than the keyfile's own timestamp: the latest wins
    assert cafe.time("last_activated") == WHEN + timedelta(hours=1)
    assert cafe.facts["bssids"] == ["a4:2b:b0:11:22:33", "a4:2b:b0:11:22:34"]
    assert cafe.facts["lease_address"] == "192.168.1.23" and cafe.facts["gateway"] == "192.168.1.1"
    assert {e.source for e in cafe.evidence} == {
        "etc/NetworkManager/system-connections/QuanCaPhe-Free.nmconnection",
        "var/lib/NetworkManager/timestamps",
        "var/lib/NetworkManager/seen-bssids",
        f"var/lib/NetworkManager/internal-{lf.UUID_CAFE}-wlp2s0.lease",
    }
    mobile = profiles[lf.UUID_MOBILE]
    assert mobile.facts["connection_type"] == "gsm" and mobile.facts["name_type"] == "mobile"
    assert mobile.facts["apn"] == "v-internet" and mobile.times == ()
    deleted = profiles[lf.UUID_DELETED]
    assert deleted.facts["profile_missing"] is True
    assert deleted.time("last_activated") == WHEN - timedelta(days=3)
    (wifi,) = of_kind(obs, "wifi_profile")
    assert wifi.identity == "WLAN:QuanCaPhe-Free" and wifi.facts["connection_mode"] == "auto"
    assert wifi.facts["authentication"] == "wpa-psk" and wifi.facts["state"] == "activated"
    text = dump(obs)
    assert lf.SECRET_PSK not in text and "secret-too" not in text


def test_journal_network_events_internet_and_adapters(image):
    obs, _ctx = run(image.root, "linux_network")
    events = [
        (o.facts["event"], o.facts.get("source", "NM")) for o in of_kind(obs, "network_event")
    ]
    assert events == [
        ("connected", "wpa_supplicant"),
        ("connected", "NM"),
        ("default_route", "NM"),
        ("deactivated", "NM"),
        ("disconnected", "wpa_supplicant"),
    ]
    nm_connected = of_kind(obs, "network_event")[1]
    assert nm_connected.facts["profile_name"] == "QuanCaPhe-Free"
    assert nm_connected.facts["uuid"] == lf.UUID_CAFE
    assert nm_connected.facts["ssid"] == "QuanCaPhe-Free"
    assert nm_connected.time("event_time") == WHEN + timedelta(seconds=3)
    assert nm_connected.evidence[0].source == "bmnn/journal.jsonl"
    wpa = of_kind(obs, "network_event")[0]
    assert wpa.facts["bssid"] == "a4:2b:b0:11:22:33" and wpa.facts["ssid"] == "QuanCaPhe-Free"
    reach = of_kind(obs, "internet_reachable")
    assert [(o.facts["connectivity"], o.facts["reachable"]) for o in reach] == [
        ("full", True),
        ("none", False),
    ]
    assert reach[0].facts["interface"] == "wlp2s0"
    adapters = {o.facts["interface"]: o for o in of_kind(obs, "adapter")}
    assert adapters["wlp2s0"].facts["kind"] == "wifi"
    assert adapters["usb0"].facts["kind"] == "rndis"
    assert adapters["usb0"].facts["driver"] == "rndis_host"
    assert adapters["usb0"].facts["mac"] == "5a:11:22:33:44:55"
    assert adapters["enp3s0"].facts["kind"] == "ethernet"  # from the live file
    assert "lo" not in adapters


def test_mounted_image_without_journal_reports_it_missing(tmp_path):
    lf.build_linux_root(tmp_path, journal=False, live=False)
    obs, ctx = run(tmp_path, "linux_network")
    assert of_kind(obs, "network_profile") and not of_kind(obs, "network_event")
    (missing,) = [p for p in ctx.problems if p.kind == "missing"]
    assert missing.source == "bmnn/journal.jsonl" and missing.analyser == "linux_network"


def test_broken_keyfile_is_an_error_others_read(tmp_path):
    lf.build_linux_root(tmp_path)
    bad = tmp_path / "etc/NetworkManager/system-connections/hong.nmconnection"
    bad.write_text("[connection\nid=x\n")
    (tmp_path / "etc/NetworkManager/system-connections/khong-muc.nmconnection").write_text(
        "[wifi]\nssid=abc\n"
    )
    obs, ctx = run(tmp_path, "linux_network")
    assert (
        len([o for o in of_kind(obs, "network_profile") if not o.facts.get("profile_missing")]) == 3
    )
    errors = sorted(p.source for p in ctx.problems if p.kind == "error")
    assert errors == [
        "etc/NetworkManager/system-connections/hong.nmconnection",
        "etc/NetworkManager/system-connections/khong-muc.nmconnection",
    ]


def test_ssid_byte_list_and_dhclient_lease():
    assert decode_ssid("81;117;97;110;") == "Quan"
    assert decode_ssid("Cafe 2") == "Cafe 2"
    lease = parse_lease(
        'lease {\n  interface "eth0";\n  fixed-address 10.0.0.9;\n'
        "  option routers 10.0.0.1;\n  option dhcp-server-identifier 10.0.0.1;\n}"
    )
    assert lease == {
        "lease_address": "10.0.0.9",
        "gateway": "10.0.0.1",
        "dhcp_server": "10.0.0.1",
        "interface": "eth0",
    }


# -- devices --------------------------------------------------------------------------------------
def test_usb_storage_from_the_kernel_journal_with_mount(image):
    obs, _ctx = run(image.root, "linux_devices")
    (stick,) = of_kind(obs, "usb_storage")
    assert stick.identity == f"USB:0781/5567/{image.usb_serial}"
    assert stick.facts["vendor"] == "SanDisk" and stick.facts["product"] == "Cruzer Blade"
    assert stick.facts["device_class"] == "disk" and stick.facts["block_devices"] == ["sdb"]
    assert stick.facts["mount_points"] == ["/media/nguyenvana/KINGSTON"]
    assert stick.facts["uids"] == [1000]
    assert stick.time("first_seen") == WHEN + timedelta(hours=2, milliseconds=100)
    events = [o for o in of_kind(obs, "usb_event") if o.identity == stick.identity]
    (arrival,) = events
    assert arrival.facts["event"] == "connected"
    assert arrival.time("event_time") == WHEN + timedelta(hours=2, milliseconds=100)
    assert any("Attached SCSI removable disk" in e.raw for e in arrival.evidence)
    assert any("on behalf of uid 1000" in e.raw for e in arrival.evidence)


def test_tethering_phone_and_bluetooth_pairing(image):
    obs, _ctx = run(image.root, "linux_devices")
    phones = {o.identity: o for o in of_kind(obs, "phone")}
    samsung = phones["USB:04e8/6863/R58M12ABCDE"]
    assert samsung.facts["phone_maker"] == "Samsung" and samsung.facts["tethering"] is True
    assert samsung.facts["driver"] == "rndis_host" and samsung.facts["device_class"] == "net"
    (event,) = [o for o in of_kind(obs, "usb_event") if o.identity == samsung.identity]
    assert event.time("removal_time") == WHEN + timedelta(hours=3, minutes=20, milliseconds=500)
    bt = {o.facts["mac"]: o for o in of_kind(obs, "bluetooth")}
    phone = bt[lf.PHONE_MAC.lower()]
    assert phone.facts["name"] == "Galaxy A54 của A" and phone.facts["device_class"] == "phone"
    assert phone.facts["paired"] is True and phone.facts["trusted"] is True
    assert bt[lf.HEADSET_MAC.lower()].facts["device_class"] == "audio"
    assert bt[lf.HEADSET_MAC.lower()].facts["paired"] is False
    assert f"BT:{lf.PHONE_MAC.lower()}" in phones
    assert "0123456789ABCDEF" not in dump(obs)  # the link key is never read out


def test_an_apple_keyboard_is_not_a_phone(tmp_path):
    lines = [
        (
            WHEN,
            "usb 3-2: New USB device found, idVendor=05ac, idProduct=024f, bcdDevice= 1.20",
            "kernel",
        ),
        (WHEN, "usb 3-2: Product: Apple Keyboard", "kernel"),
    ]
    lf.write_journal(tmp_path, lines)
    obs, _ctx = run(tmp_path, "linux_devices")
    assert not of_kind(obs, "phone")
    (device,) = of_kind(obs, "usb_device")
    assert device.facts["device_class"] == "other" and device.facts["serial_missing"] is True


# -- software -------------------------------------------------------------------------------------
def test_packages_from_apt_dpkg_and_status(image):
    obs, ctx = run(image.root, "linux_software")
    assert ctx.problems == []
    rows = sorted((o.facts["product"], o.facts["event"], o.evidence[0].source) for o in obs)
    assert rows == [
        ("BleachBit", "installed", "var/log/apt/history.log"),
        ("BleachBit", "purged", "var/log/apt/history.log"),
        ("OpenVPN", "present", "var/lib/dpkg/status"),
        ("TeamViewer", "installed", "var/log/apt/history.log"),
        ("TeamViewer", "installed", "var/log/dpkg.log"),
        ("TeamViewer", "present", "var/lib/dpkg/status"),
    ]  # vim, bash and the removed anydesk (config-files only) are not reported
    apt = next(
        o
        for o in obs
        if o.facts["event"] == "installed"
        and "apt" in o.facts["source"]
        and o.facts["product"] == "TeamViewer"
    )
    assert apt.identity == "SW:TeamViewer" and apt.facts["category"] == "remote_access"
    assert apt.facts["version"] == "15.51.5"
    assert apt.facts["commandline"] == "apt install ./teamviewer_15.51.5_amd64.deb"
    assert apt.facts["requested_by"] == "nguyenvana (1000)"
    assert apt.time("installed") == WHEN  # local Start-Date converted with the machine's zone
    purge = next(o for o in obs if o.facts["event"] == "purged")
    assert [t.name for t in purge.times] == ["uninstalled"]  # a removal is dated as one
    assert purge.time("uninstalled") == WHEN + timedelta(days=1)
    status = next(
        o for o in obs if o.facts["event"] == "present" and o.facts["product"] == "TeamViewer"
    )
    assert status.facts["publisher"].startswith("TeamViewer GmbH")


def test_rotated_gzip_apt_history_is_read(tmp_path):
    lf.write_identity(tmp_path)
    text = (
        "Start-Date: 2025-12-24  10:00:00\nCommandline: apt install anydesk\n"
        "Install: anydesk:amd64 (6.3.2)\nEnd-Date: 2025-12-24  10:00:09\n"
    )
    path = tmp_path / "var/log/apt/history.log.1.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(text.encode()))
    (tmp_path / "var/log/apt/history.log.2.gz").write_bytes(b"not gzip")
    obs, ctx = run(tmp_path, "linux_software")
    (anydesk,) = obs
    assert anydesk.identity == "SW:AnyDesk" and anydesk.time("installed") == BEFORE
    (error,) = ctx.problems
    assert error.kind == "error" and error.source.endswith("history.log.2.gz")


def test_no_package_data_is_missing(tmp_path):
    lf.write_identity(tmp_path)
    obs, ctx = run(tmp_path, "linux_software")
    assert obs == [] and [p.kind for p in ctx.problems] == ["missing"]


# -- connected now --------------------------------------------------------------------------------
def test_connected_now_from_the_live_file(image):
    obs, ctx = run(image.root, "connected_now")
    assert ctx.problems == []
    by = {o.facts["interface"]: o for o in obs}
    assert set(by) == {"enp3s0", "wlp2s0"}  # loopback left out
    wifi = by["wlp2s0"]
    assert wifi.identity == "IF:wlp2s0" and wifi.facts["kind"] == "wifi"
    assert wifi.facts["default_route"] is True and wifi.facts["gateway"] == "192.168.1.1"
    assert wifi.facts["gateway_mac"] == "a4:2b:b0:11:22:33"
    assert wifi.facts["addresses"] == ["192.168.1.23/24"] and wifi.facts["up"] is True
    assert wifi.time("collected_at") == WHEN + timedelta(days=2)
    lan = by["enp3s0"]
    assert lan.facts["default_route"] is False and lan.facts["gateway"] == ""
    assert lan.evidence[0].source == "bmnn/live/network.json"


def test_connected_now_down_interface_is_not_reported(tmp_path):
    lf.build_linux_root(tmp_path, connected=False)
    obs, _ctx = run(tmp_path, "connected_now")
    assert [o.facts["interface"] for o in obs] == ["enp3s0"]


def test_connected_now_absent_is_missing_never_clean(tmp_path):
    lf.build_linux_root(tmp_path, live=False)
    obs, ctx = run(tmp_path, "connected_now")
    assert obs == []
    (missing,) = ctx.problems
    assert missing.kind == "missing"
    assert missing.message == (
        "Không có dữ liệu trạng thái mạng lúc thu thập (chỉ có khi kiểm tra trực tiếp)"
    )


@pytest.mark.parametrize("content", ["{không phải json", '{"collected_at": "x"}', "[]"])
def test_connected_now_broken_file_is_an_error(tmp_path, content):
    lf._write(tmp_path, "bmnn/live/network.json", content)
    obs, ctx = run(tmp_path, "connected_now")
    assert obs == [] and [p.kind for p in ctx.problems] == ["error"]


# -- the whole Linux root -------------------------------------------------------------------------
def test_every_observation_is_of_a_kind_its_analyser_declares(image):
    ctx = AuditContext(ArtefactRoot(image.root))
    assert ctx.platform == "linux"
    names = [a.name for a in ANALYSERS if a.platform in ("linux", "any")]
    assert_analysers_keep_the_contract(ctx, names)


def test_history_before_the_law_change_stays_before_it(tmp_path):
    lf.build_linux_root(tmp_path, when=BEFORE)
    ctx = AuditContext(ArtefactRoot(tmp_path))
    for name in ("linux_network", "linux_devices"):
        times = [t.utc for o in by_name(name).load()(ctx) for t in o.times]
        assert times and max(times) < LAW_CHANGE, name
