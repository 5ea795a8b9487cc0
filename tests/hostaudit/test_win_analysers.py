"""The Windows registry analysers over a folder laid out like a mounted Windows disk, with real
hive files (tests/hostaudit/windows_fixtures.py)."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bmnn.hostaudit.analysers import by_name
from bmnn.hostaudit.context import AuditContext
from bmnn.hostaudit.model import KINDS, Observation
from bmnn.hostaudit.root import ArtefactRoot
from tests.hostaudit.hive_writer import to_filetime
from tests.hostaudit.windows_fixtures import (
    BT_MAC,
    ETH_GUID,
    GENERIC_IDENTITY,
    INSTALL_UNIX,
    IPHONE_IDENTITY,
    MACHINE_GUID,
    PIXEL_IDENTITY,
    PRINTER_IDENTITY,
    RNDIS_GUID,
    SAMSUNG_IDENTITY,
    SAMSUNG_MODEL,
    SANDISK_IDENTITY,
    SANDISK_LABEL,
    SANDISK_SERIAL,
    SANDISK_VOLUME_GUID,
    SANDISK_VSN,
    USER_SID,
    WIFI_GATEWAY_MAC,
    WIFI_GUID,
    WIFI_SSID,
    WIRED_GATEWAY_MAC,
    WindowsImageOptions,
    build_software,
    build_windows_image,
    local_to_utc,
)

MINE = ("win_identity", "usb", "devices", "win_network", "win_software", "win_posture")
VN_LABEL = "SE Asia Standard Time (UTC+07:00)"
WPD_CLASS = "{eec5ad98-8080-425f-922a-dabf3de3f69a}"


def audit(tmp_path: Path, name: str, **options) -> tuple[list[Observation], AuditContext]:
    image = build_windows_image(tmp_path / "img", WindowsImageOptions(**options))
    ctx = AuditContext(ArtefactRoot(image.root))
    spec = by_name(name)
    observations = list(spec.load()(ctx))
    for o in observations:
        assert o.kind in spec.kinds and o.kind in KINDS
        assert o.evidence, f"{o.identity} has no evidence"
        for ev in o.evidence:
            assert ev.source and ev.locator and len(ev.sha256) == 64
    return observations, ctx


def one(observations: list[Observation], kind: str, identity: str) -> Observation:
    found = [o for o in observations if o.kind == kind and o.identity == identity]
    assert len(found) == 1, f"{kind} {identity}: {len(found)} found"
    return found[0]


def test_every_analyser_of_mine_is_registered_and_runs_on_windows(tmp_path):
    image = build_windows_image(tmp_path)
    ctx = AuditContext(ArtefactRoot(image.root))
    assert ctx.platform == "windows"
    for name in MINE:
        spec = by_name(name)
        assert spec.platform == "windows"
        assert list(spec.load()(ctx))
    assert ctx.problems == []


# -- usb -----------------------------------------------------------------------------------------
def test_usb_storage_with_serial_times_and_linked_volumes(tmp_path):
    obs, ctx = audit(tmp_path, "usb")
    disk = one(obs, "usb_storage", SANDISK_IDENTITY)
    f = disk.facts
    assert (f["vendor"], f["product"], f["revision"], f["serial"]) == (
        "SanDisk",
        "Cruzer_Blade",
        "1.00",
        SANDISK_SERIAL,
    )
    assert f["serial_synthesised"] is False
    assert f["friendly_name"] == "SanDisk Cruzer Blade USB Device"
    assert f["container_id"] == "{a1b2c3d4-0000-5678-9abc-def012345678}"
    assert f["disk_id"] == "{9c1f3a2e-5b6d-11ef-8a6b-806e6f6e6963}"
    assert (f["vid"], f["pid"]) == ("0781", "5567")
    assert f["drive_letters"] == ["E:"] and f["volume_guids"] == [SANDISK_VOLUME_GUID]
    assert f["volume_serials"] == [SANDISK_VSN] and f["volume_labels"] == [SANDISK_LABEL]
    o = WindowsImageOptions()
    assert disk.time("install_date") == o.usb_first_install
    assert disk.time("first_install_date") == o.usb_first_install
    assert disk.time("last_arrival_date") == o.usb_last_arrival
    assert disk.time("last_removal_date") == o.usb_last_removal
    assert disk.time("key_last_written") == o.usb_last_arrival
    assert {t.source_tz for t in disk.times} == {"UTC"}
    arrival = next(e for e in disk.evidence if e.locator.endswith(r"\0066\(default)"))
    assert arrival.source == "Windows/System32/config/SYSTEM"
    assert arrival.locator.startswith(r"ControlSet001\Enum\USBSTOR")
    assert arrival.raw == struct.pack("<Q", to_filetime(o.usb_last_arrival)).hex()
    assert arrival.sha256 == ctx.root.sha256(arrival.source)


def test_usb_synthesised_serial(tmp_path):
    obs, _ = audit(tmp_path, "usb")
    generic = one(obs, "usb_storage", GENERIC_IDENTITY)
    assert generic.facts["serial_synthesised"] is True
    assert generic.facts["serial"] == "7&2A8B9C1D"
    assert "vid" not in generic.facts  # no Enum\USB entry shares a made-up serial


def test_usb_devices_have_their_class(tmp_path):
    obs, _ = audit(tmp_path, "usb")
    classes = {o.identity: o.facts["device_class"] for o in obs if o.kind == "usb_device"}
    assert classes[PRINTER_IDENTITY] == "printer"
    assert classes["USB:18d1/4ee4/8&3c5d7e9&0&0000"] == "net"
    assert classes["USB:04e8/6860/7&2b4c6a7&0&0000"] == "wpd"
    assert classes[f"USB:0781/5567/{SANDISK_SERIAL}"] == "other"
    assert not any("ROOT_HUB" in i for i in classes)
    rndis = one(obs, "usb_device", "USB:18d1/4ee4/8&3c5d7e9&0&0000")
    assert rndis.facts["description"] == "Remote NDIS based Internet Sharing Device"
    assert rndis.facts["usb_interface"] == "00"
    parent = one(obs, "usb_device", IPHONE_IDENTITY)
    assert parent.facts["parent_id_prefix"] == "6&1b2c3d4e&0"
    assert parent.time("first_install_date") == datetime(2025, 9, 9, 1, 0, tzinfo=UTC)


def test_mounts_and_volumes(tmp_path):
    obs, _ = audit(tmp_path, "usb")
    mounts = [o for o in obs if o.kind == "mount"]
    machine = next(
        m
        for m in mounts
        if m.facts["source"] == "MountedDevices" and m.facts.get("drive_letter") == "E:"
    )
    assert machine.identity == f"MOUNT:{SANDISK_VOLUME_GUID}"
    assert machine.facts["removable"] is True and machine.facts["serial"] == SANDISK_SERIAL
    assert machine.times == ()  # MountedDevices keeps no time per mapping
    fixed = next(m for m in mounts if m.facts.get("drive_letter") == "C:")
    assert fixed.facts["disk_signature"] == "D4C3B2A1" and "removable" not in fixed.facts
    user = next(
        m
        for m in mounts
        if m.facts["source"] == "MountPoints2" and m.facts.get("volume_guid") == SANDISK_VOLUME_GUID
    )
    assert user.facts["user"] == "nguyenvana" and user.facts["drive_letter"] == "E:"
    assert user.time("key_last_written") == WindowsImageOptions().usb_last_arrival
    assert user.evidence[0].source == "Users/nguyenvana/NTUSER.DAT"
    share = one(obs, "mount", "SHARE:\\\\fileserver\\tailieu")
    assert share.facts["network_share"] == "\\\\fileserver\\tailieu"
    volume = one(obs, "volume", f"VOL:{SANDISK_VSN}")
    assert volume.facts["volume_label"] == SANDISK_LABEL
    assert volume.facts["serial"] == SANDISK_SERIAL and volume.facts["source"] == "EMDMgmt"
    cache = one(obs, "volume", "VOL:E:")
    assert cache.facts["volume_label"] == SANDISK_LABEL and cache.facts["drive_type"] == 2


def test_usb_dates_follow_the_options(tmp_path):
    before = datetime(2026, 2, 20, 8, 0, tzinfo=UTC)
    obs, _ = audit(tmp_path, "usb", usb_last_arrival=before, usb_first_install=before)
    disk = one(obs, "usb_storage", SANDISK_IDENTITY)
    assert disk.time("last_arrival_date") == before == disk.earliest


def test_missing_usbstor_is_reported_not_clean(tmp_path):
    obs, ctx = audit(tmp_path, "usb", omit={"usbstor"})
    assert not [o for o in obs if o.kind == "usb_storage"]
    assert [(p.analyser, p.kind) for p in ctx.problems] == [("usb", "missing")]
    assert "USBSTOR" in ctx.problems[0].source


def test_missing_system_hive(tmp_path):
    obs, ctx = audit(tmp_path, "usb", omit={"system"})
    assert obs == []
    assert [(p.kind, p.source) for p in ctx.problems] == [
        ("missing", "Windows/System32/config/SYSTEM")
    ]


# -- devices -------------------------------------------------------------------------------------
def test_phones_are_found_with_their_model(tmp_path):
    obs, _ = audit(tmp_path, "devices")
    phones = {o.identity: o for o in obs if o.kind == "phone"}
    assert set(phones) == {IPHONE_IDENTITY, SAMSUNG_IDENTITY, PIXEL_IDENTITY}
    samsung = phones[SAMSUNG_IDENTITY].facts
    assert samsung["model"] == SAMSUNG_MODEL and samsung["vendor"] == "Samsung"
    assert {"wpd_class", "wpd_driver"} <= set(samsung["phone_reasons"])
    iphone = phones[IPHONE_IDENTITY].facts
    assert iphone["vendor"] == "Apple" and "apple_ios_device" in iphone["phone_reasons"]
    assert iphone["model"] == "Apple iPhone" and iphone["tethering"] is False
    pixel = phones[PIXEL_IDENTITY]
    assert pixel.facts["tethering"] is True and "net" in pixel.facts["device_classes"]
    assert pixel.time("first_install_date") == datetime(2026, 3, 20, 6, 0, tzinfo=UTC)
    assert PRINTER_IDENTITY not in phones


def test_phone_known_only_from_portable_devices(tmp_path):
    obs, _ = audit(tmp_path, "devices", omit={"usb"})
    phones = [o for o in obs if o.kind == "phone"]
    assert phones and all(o.identity.startswith("WPD:") for o in phones)
    assert {o.facts.get("model") for o in phones} >= {SAMSUNG_MODEL, "Apple iPhone"}
    assert all(o.facts["phone_reasons"] == ["portable_device"] for o in phones)


def test_bluetooth_pairing_without_the_link_key(tmp_path):
    obs, _ = audit(tmp_path, "devices")
    bt = one(obs, "bluetooth", f"BT:{BT_MAC}")
    assert bt.facts["name"] == SAMSUNG_MODEL and bt.facts["paired"] is True
    assert bt.facts["device_major_class"] == "phone"
    assert bt.time("last_connected") == datetime(2026, 3, 5, 2, 10, tzinfo=UTC)
    assert bt.time("last_seen") == datetime(2026, 3, 5, 2, 30, tzinfo=UTC)
    key_ev = [e for e in bt.evidence if r"\Keys" in e.locator]
    assert key_ev and all(e.raw == "" for e in key_ev)
    assert bytes(range(16)).hex() not in str(bt.as_dict())


# -- win_network --------------------------------------------------------------------------------
def test_network_profiles_in_utc_with_gateway(tmp_path):
    obs, ctx = audit(tmp_path, "win_network")
    o = WindowsImageOptions()
    wifi = one(obs, "network_profile", f"WLAN:{WIFI_SSID}")
    assert wifi.facts["name_type"] == "wireless" and wifi.facts["ssid"] == WIFI_SSID
    assert wifi.facts["gateway_mac"] == WIFI_GATEWAY_MAC
    assert wifi.facts["first_network"] == WIFI_SSID and "dns_suffix" not in wifi.facts
    assert wifi.facts["category"] == "public"
    created = next(t for t in wifi.times if t.name == "date_created")
    assert created.utc == local_to_utc(o.wifi_created) and created.source_tz == VN_LABEL
    assert wifi.time("date_last_connected") == local_to_utc(o.wifi_last_connected)
    assert any(e.locator.endswith("DateLastConnected") for e in wifi.evidence)
    wired = one(obs, "network_profile", "NET:MANG-NOI-BO")
    assert wired.facts["name_type"] == "wired" and wired.facts["gateway_mac"] == WIRED_GATEWAY_MAC
    assert wired.facts["dns_suffix"] == "coquan.local"
    mobile = one(obs, "network_profile", "NET:Viettel")
    assert mobile.facts["name_type"] == "mobile" and "gateway_mac" not in mobile.facts
    assert ctx.problems == []


def test_network_dates_before_and_after_the_new_law(tmp_path):
    obs, _ = audit(
        tmp_path,
        "win_network",
        wifi_created=datetime(2026, 3, 1, 6, 59),
        wifi_last_connected=datetime(2026, 3, 1, 7, 0),
    )
    wifi = one(obs, "network_profile", f"WLAN:{WIFI_SSID}")
    # Local 06:59 on 1 March is still 28 February in UTC.
    assert wifi.time("date_created") == datetime(2026, 2, 28, 23, 59, tzinfo=UTC)
    assert wifi.time("date_last_connected") == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def test_network_dates_without_a_time_zone_say_so(tmp_path):
    obs, ctx = audit(tmp_path, "win_network", omit={"timezone"})
    wifi = one(obs, "network_profile", f"WLAN:{WIFI_SSID}")
    stamp = next(t for t in wifi.times if t.name == "date_created")
    assert "mặc định" in stamp.source_tz
    assert [(p.analyser, p.kind) for p in ctx.problems] == [("timezone", "missing")]


def test_a_bad_systemtime_is_an_error(tmp_path):
    image = build_windows_image(tmp_path / "img")
    h = build_software(WindowsImageOptions())
    h.key(
        r"Microsoft\Windows NT\CurrentVersion\NetworkList\Profiles"
        r"\{1c2d3e4f-5061-4b7c-9d8e-0f1a2b3c4d5e}"
    ).binary("DateCreated", struct.pack("<8H", 2026, 14, 0, 40, 0, 0, 0, 0))
    h.write(image.hives["SOFTWARE"])
    ctx = AuditContext(ArtefactRoot(image.root))
    obs = list(by_name("win_network").load()(ctx))
    wifi = one(obs, "network_profile", f"WLAN:{WIFI_SSID}")
    assert wifi.time("date_created") is None and wifi.time("date_last_connected") is not None
    assert [p.kind for p in ctx.problems] == ["error"]
    assert "DateCreated" in ctx.problems[0].message


def test_adapters_and_their_kind(tmp_path):
    obs, _ = audit(tmp_path, "win_network")
    adapters = {o.facts["interface"]: o for o in obs if o.kind == "adapter"}
    assert adapters[ETH_GUID.lower()].facts["kind"] == "ethernet"
    assert adapters[ETH_GUID.lower()].facts["addresses"] == ["10.1.2.3"]
    wifi = adapters[WIFI_GUID.lower()]
    assert wifi.facts["kind"] == "wifi" and wifi.facts["dhcp_default_gateway"] == ["192.168.1.1"]
    assert wifi.time("lease_obtained") == datetime(2026, 3, 12, 2, 30, tzinfo=UTC)
    assert adapters[RNDIS_GUID.lower()].facts["kind"] == "rndis"


def test_missing_network_list_is_reported(tmp_path):
    obs, ctx = audit(tmp_path, "win_network", omit={"networklist"})
    assert not [o for o in obs if o.kind == "network_profile"]
    assert ("win_network", "missing") in [(p.analyser, p.kind) for p in ctx.problems]


# -- win_software -------------------------------------------------------------------------------
def test_installed_programs_classified(tmp_path):
    obs, _ = audit(tmp_path, "win_software")
    by = {o.identity: o for o in obs}
    assert by["SW:UltraViewer"].facts["category"] == "remote_access"
    assert by["SW:UltraViewer"].facts["publisher"] == "DucFabulous"
    assert by["SW:TeamViewer"].facts["scope"] == "machine_32bit"
    assert by["SW:OpenVPN"].facts["category"] == "vpn"
    assert by["SW:CCleaner"].facts["category"] == "cleaner"
    assert by["SW:Zalo"].facts["category"] == "chat_sync" and by["SW:Zalo"].facts["user"] == (
        "nguyenvana"
    )
    assert by["SW:Microsoft OneDrive"].facts["scope"] == "user"
    assert by["SW:7-Zip 23.01 (x64)"].facts["category"] is None
    assert not any("KB5034441" in i for i in by)
    installed = next(t for t in by["SW:UltraViewer"].times if t.name == "installed")
    assert installed.utc == datetime(2026, 3, 14, 17, 0, tzinfo=UTC)  # 15/03 00:00 at UTC+7
    assert installed.source_tz == VN_LABEL
    assert by["SW:UltraViewer"].time("key_last_written") == datetime(2026, 3, 15, 2, 0, tzinfo=UTC)


# -- win_posture --------------------------------------------------------------------------------
def policies(obs: list[Observation]) -> dict[str, Observation]:
    return {o.identity: o for o in obs if o.kind == "policy"}


def test_policies_absent_and_set(tmp_path):
    obs, _ = audit(tmp_path / "a", "win_posture")
    p = policies(obs)
    assert p["POLICY:removable_storage.deny_all"].facts["value"] == "absent"
    autorun = p["POLICY:autorun.no_drive_type_autorun"].facts
    assert autorun["value"] == 255 and "removable" in autorun["autorun_disabled_for"]
    assert p["POLICY:usbstor.start"].facts["start_mode"] == "on_demand"
    assert p["POLICY:removable_storage.removable_disks.deny_write"].facts["value"] == "absent"
    assert p["POLICY:removable_storage.deny_all@nguyenvana"].facts["scope"] == "user"
    obs, _ = audit(
        tmp_path / "b",
        "win_posture",
        deny_all=1,
        no_drive_type_autorun=0x91,
        usbstor_start=4,
        deny_device_classes=(WPD_CLASS,),
    )
    p = policies(obs)
    classes = p["POLICY:device_install.denydeviceclasses"].facts
    assert classes["value"] == 1 and classes["items"] == [WPD_CLASS]
    assert p["POLICY:removable_storage.deny_all"].facts["value"] == 1
    assert p["POLICY:autorun.no_drive_type_autorun"].facts["autorun_disabled_for"] == [
        "unknown",
        "network",
        "unknown_type",
    ]
    assert p["POLICY:usbstor.start"].facts["start_mode"] == "disabled"


def test_unreadable_software_hive_gives_no_absent_policy(tmp_path):
    image = build_windows_image(tmp_path / "img")
    image.hives["SOFTWARE"].write_bytes(b"regf" + bytes(100))
    ctx = AuditContext(ArtefactRoot(image.root))
    obs = list(by_name("win_posture").load()(ctx))
    p = policies(obs)
    assert "POLICY:removable_storage.deny_all" not in p  # unknown, never "absent"
    assert "POLICY:usbstor.start" in p  # SYSTEM is fine
    assert [(p.kind, p.source) for p in ctx.problems] == [
        ("error", "Windows/System32/config/SOFTWARE")
    ]
    # The other analysers still run on the same context.
    assert any(o.kind == "usb_storage" for o in by_name("usb").load()(ctx))


# -- win_identity -------------------------------------------------------------------------------
def test_identity_and_users(tmp_path):
    obs, ctx = audit(tmp_path, "win_identity")
    host = one(obs, "identity", "HOST:MAY-SOAN-THAO-01")
    f = host.facts
    assert f["computer_name"] == "MAY-SOAN-THAO-01"  # ControlSet001, not the old 002
    assert f["machine_guid"] == MACHINE_GUID and f["os_name"] == "Windows 10 Pro"
    assert f["os_build"] == "19045" and f["registered_owner"] == "Phòng Hành chính"
    assert f["timezone_key_name"] == "SE Asia Standard Time" and f["timezone_bias"] == -420
    assert f["timezone"] == VN_LABEL
    assert host.time("installed") == datetime.fromtimestamp(INSTALL_UNIX, UTC)
    user = one(obs, "user", "USER:nguyenvana")
    assert user.facts["sid"] == USER_SID and user.facts["sources"] == ["ProfileList", "SAM"]
    assert user.facts["profile_path"] == r"C:\Users\nguyenvana"
    assert user.facts["full_name"] == "Nguyễn Văn A" and user.facts["disabled"] is False
    assert user.time("last_logon") == datetime(2026, 4, 2, 1, 0, tzinfo=UTC)
    admin = one(obs, "user", "USER:Administrator")
    assert admin.facts["disabled"] is True and admin.facts["rid"] == 500
    assert one(obs, "user", "USER:SYSTEM").facts["account_type"] == "system"
    assert ctx.problems == []


def test_identity_without_sam(tmp_path):
    obs, ctx = audit(tmp_path, "win_identity", omit={"sam"})
    users = [o for o in obs if o.kind == "user"]
    assert {u.facts["sources"][0] for u in users} == {"ProfileList"}
    assert [(p.kind, p.source) for p in ctx.problems] == [
        ("missing", "Windows/System32/config/SAM")
    ]


def test_windows_11_is_named_so(tmp_path):
    image = build_windows_image(tmp_path / "img")
    h = build_software(WindowsImageOptions())
    h.key(r"Microsoft\Windows NT\CurrentVersion").sz("CurrentBuild", "22631")
    h.write(image.hives["SOFTWARE"])
    ctx = AuditContext(ArtefactRoot(image.root))
    host = next(o for o in by_name("win_identity").load()(ctx) if o.kind == "identity")
    assert host.facts["os_name"] == "Windows 11 Pro"
    assert host.facts["os_product_name"] == "Windows 10 Pro"


@pytest.mark.parametrize("name", MINE)
def test_analysers_survive_an_empty_image(tmp_path, name):
    (tmp_path / "Windows" / "System32").mkdir(parents=True)
    ctx = AuditContext(ArtefactRoot(tmp_path))
    assert list(by_name(name).load()(ctx)) == []
    assert ctx.problems and all(p.kind == "missing" for p in ctx.problems)
