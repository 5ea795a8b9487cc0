"""The hive writer against two independent readers (regipy and, when installed, Debian's hivex),
and bmnn.hostaudit.registry / timezone / software on real hive files made by the writer."""

from __future__ import annotations

import shutil
import struct
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from regipy.registry import RegistryHive

from bmnn.hostaudit.context import AuditContext
from bmnn.hostaudit.registry import (
    DEVPROP_FILETIME,
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_QWORD,
    REG_SZ,
    decode_value,
    filetime,
    open_hive,
    signed32,
    systemtime,
)
from bmnn.hostaudit.root import ArtefactRoot
from bmnn.hostaudit.software import SoftwareClass, classify, parse_catalogue
from bmnn.hostaudit.timezone import WindowsZone, local_timestamp, machine_timezone
from tests.hostaudit.hive_writer import HiveWriter, systemtime_bytes, to_filetime

WHEN = datetime(2026, 3, 10, 1, 30, 15, 123456, tzinfo=UTC)
SYSTEM_REL = "Windows/System32/config/SYSTEM"


def sample_hive(leaf: str = "lh") -> HiveWriter:
    h = HiveWriter("SYSTEM", leaf=leaf)
    k = h.key(
        r"ControlSet001\Enum\USBSTOR\Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.00\4C53&0", written=WHEN
    )
    k.sz("FriendlyName", "SanDisk Cruzer USB Device").expand_sz("Path", r"%SystemRoot%\x")
    k.dword("Small", 7).dword("Bias", -420).qword("Big", 2**40 + 5)
    k.multi_sz("HardwareID", ["USBSTOR\\DiskSanDisk", "GenDisk"])
    k.binary("Blob", b"\x01\x02\x03\x04\x05").binary("Tiny", b"\xaa\xbb")
    k.binary("Huge", bytes(range(256)) * 80)  # 20 KB: stored as big data (db)
    k.sz("A", "a")  # short enough to live inside the value record
    k.sz(None, "mặc định")
    k.filetime(r"Properties\{83da6326-97a6-4088-9453-a1923f573b29}\0066", None, WHEN)
    h.key("Select").dword("Current", 1)
    h.key(r"ControlSet002\Control").sz("Which", "old")
    h.key(r"ControlSet001\Control").sz("Which", "current")
    h.key("Người dùng").sz("Tên", "Nguyễn Văn A")
    for i in range(1200):  # more than one leaf: an index root (ri)
        h.key(rf"Many\k{i:05d}").dword("n", i)
    return h


def make_root(tmp_path: Path, hive: HiveWriter | bytes, rel: str = SYSTEM_REL) -> AuditContext:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(hive if isinstance(hive, bytes) else hive.to_bytes())
    return AuditContext(ArtefactRoot(tmp_path))


# -- the writer, checked by other readers ------------------------------------------------------
def test_writer_output_reads_back_with_regipy(tmp_path):
    path = sample_hive().write(tmp_path / "SYSTEM")
    reg = RegistryHive(str(path))
    key = reg.get_key(r"\ControlSet001\Enum\USBSTOR\Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.00\4C53&0")
    values = {v.name: v for v in key.iter_values(trim_values=False)}
    assert values["FriendlyName"].value == "SanDisk Cruzer USB Device"
    assert values["Small"].value == 7
    assert values["Big"].value == 2**40 + 5
    assert values["HardwareID"].value == ["USBSTOR\\DiskSanDisk", "GenDisk"]
    assert values["Blob"].value == b"\x01\x02\x03\x04\x05"
    assert values["Huge"].value == bytes(range(256)) * 80
    assert values["(default)"].value == "mặc định"
    assert key.header.last_modified == to_filetime(WHEN)
    assert len(list(reg.get_key(r"\Many").iter_subkeys())) == 1200
    assert {s.name for s in reg.root.iter_subkeys()} == {
        "ControlSet001",
        "ControlSet002",
        "Many",
        "Người dùng",
        "Select",
    }


@pytest.mark.skipif(shutil.which("hivexsh") is None, reason="Debian libhivex-bin not installed")
def test_writer_output_reads_back_with_hivex(tmp_path):
    path = sample_hive().write(tmp_path / "SYSTEM")
    usb = r"ControlSet001\Enum\USBSTOR\Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.00\4C53&0"
    script = "\n".join(
        [
            f"cd {usb}",
            "lsval FriendlyName",
            "lsval Bias",
            "lsval Small",
            "cd \\Người dùng",
            "lsval Tên",
            "cd \\Many\\k01199",
            "lsval n",
            "cd \\",
            "ls",
            "",
        ]
    )
    out = subprocess.run(
        ["hivexsh", str(path)], input=script, capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.splitlines() == [
        "SanDisk Cruzer USB Device",
        "-420",
        "7",
        "Nguyễn Văn A",
        "1199",
        "ControlSet001",
        "ControlSet002",
        "Many",
        "Người dùng",
        "Select",
    ]
    # hivexml walks every key and value of the file and fails on a malformed cell.
    xml = subprocess.run(["hivexml", str(path)], capture_output=True, check=True, timeout=60)
    assert b'name="k00000"' in xml.stdout and b"2026-03-10T01:30:15" in xml.stdout


# -- the reader ----------------------------------------------------------------------------------
@pytest.mark.parametrize("leaf", ["lh", "lf", "li"])
def test_reader_decodes_every_value_type(tmp_path, leaf):
    ctx = make_root(tmp_path, sample_hive(leaf))
    hive = ctx.hive("SYSTEM")
    assert hive is not None and hive.name == "SYSTEM" and hive.rel == SYSTEM_REL
    key = hive.key(r"currentcontrolset\enum\usbstor\DISK&VEN_SANDISK&PROD_CRUZER&REV_1.00\4c53&0")
    assert key is not None
    assert key.path == r"ControlSet001\Enum\USBSTOR\Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.00\4C53&0"
    assert key.name == "4C53&0"
    assert key.last_written == WHEN.replace(microsecond=123456)
    v = key.values()
    assert (v["FriendlyName"].type, v["FriendlyName"].data) == (REG_SZ, "SanDisk Cruzer USB Device")
    assert (v["Path"].type, v["Path"].data) == (REG_EXPAND_SZ, r"%SystemRoot%\x")
    assert (v["Small"].type, v["Small"].data) == (REG_DWORD, 7)
    assert signed32(v["Bias"].data) == -420
    assert (v["Big"].type, v["Big"].data) == (REG_QWORD, 2**40 + 5)
    assert (v["HardwareID"].type, v["HardwareID"].data) == (
        REG_MULTI_SZ,
        ["USBSTOR\\DiskSanDisk", "GenDisk"],
    )
    assert (v["Blob"].type, v["Blob"].data) == (REG_BINARY, b"\x01\x02\x03\x04\x05")
    assert v["Tiny"].data == b"\xaa\xbb" and v["Tiny"].raw == b"\xaa\xbb"
    assert v["Huge"].data == bytes(range(256)) * 80
    assert v["A"].data == "a" and v["A"].raw == "a\0".encode("utf-16-le")
    assert key.value(None).data == "mặc định" and key.value("(default)") is key.values()[""]
    assert key.value("friendlyname") is not None and key.value("nope") is None
    prop = hive.key(key.path + r"\Properties\{83DA6326-97A6-4088-9453-A1923F573B29}\0066")
    assert prop.value(None).type == DEVPROP_FILETIME
    assert hive.time_of(prop, prop.value(None)) == WHEN.replace(microsecond=123456)
    assert hive.key(r"Người DÙNG").value("tên").data == "Nguyễn Văn A"
    many = hive.key("Many")
    assert len(many.subkeys()) == 1200
    assert many.subkey("K00777").value("n").data == 777
    assert many.subkey("k99999") is None
    assert hive.key(r"Many\k00001\nothing") is None
    assert ctx.problems == []


def test_current_control_set_follows_select_current(tmp_path):
    h = sample_hive()
    h.key("Select").dword("Current", 2)
    hive = make_root(tmp_path, h).hive("SYSTEM")
    assert hive.key(r"CurrentControlSet\Control").value("Which").data == "old"
    assert hive.key(r"CurrentControlSet\Control").path == r"ControlSet002\Control"


def test_current_control_set_without_select(tmp_path):
    one = HiveWriter("SYSTEM")
    one.key(r"ControlSet001\Control").sz("Which", "only")
    ctx = make_root(tmp_path / "a", one)
    assert ctx.hive("SYSTEM").key(r"CurrentControlSet\Control").value("Which").data == "only"
    two = HiveWriter("SYSTEM")
    two.key(r"ControlSet001\Control").sz("Which", "1")
    two.key(r"ControlSet002\Control").sz("Which", "2")
    ctx = make_root(tmp_path / "b", two)
    assert ctx.hive("SYSTEM").key(r"CurrentControlSet\Control") is None
    assert [p.kind for p in ctx.problems] == ["error"]
    assert "Select\\Current" in ctx.problems[0].message


def test_evidence_names_the_file_the_value_and_its_hash(tmp_path):
    ctx = make_root(tmp_path, sample_hive())
    hive = ctx.hive("SYSTEM")
    key = hive.key(r"CurrentControlSet\Control")
    ev = hive.evidence(key, key.value("Which"))
    assert ev.source == SYSTEM_REL
    assert ev.locator == r"ControlSet001\Control\Which"
    assert ev.raw == "current\0".encode("utf-16-le").hex()
    assert ev.sha256 == ctx.root.sha256(SYSTEM_REL) and len(ev.sha256) == 64
    assert hive.evidence(key).locator == r"ControlSet001\Control"


def test_time_decoders():
    assert filetime(to_filetime(WHEN)) == WHEN
    assert filetime(struct.pack("<Q", to_filetime(WHEN))) == WHEN
    assert filetime(0) == datetime(1601, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        filetime(0xFFFFFFFFFFFFFFFF)
    local = datetime(2026, 3, 12, 9, 30, 5, 250000)
    assert systemtime(systemtime_bytes(local)) == local
    with pytest.raises(ValueError):
        systemtime(struct.pack("<8H", 2026, 13, 0, 1, 0, 0, 0, 0))
    with pytest.raises(ValueError):
        systemtime(b"\x01\x02")
    assert decode_value(REG_DWORD, b"\x01") == b"\x01"  # too short for its type: kept as bytes
    assert decode_value(REG_SZ, b"a\x00b") == "a"  # odd length, cut at NUL


# -- broken files ------------------------------------------------------------------------------
def test_not_a_hive_is_an_error_not_a_crash(tmp_path):
    ctx = make_root(tmp_path, b"MZ this is not a registry hive" * 300)
    assert ctx.hive("SYSTEM") is None
    assert [(p.kind, p.source) for p in ctx.problems] == [("error", SYSTEM_REL)]
    assert "không phải hive" in ctx.problems[0].message


def test_empty_and_missing_hives(tmp_path):
    ctx = make_root(tmp_path, b"")
    assert ctx.hive("SYSTEM") is None and ctx.problems[0].kind == "error"
    assert ctx.hive("SOFTWARE") is None
    assert ctx.problems[-1].kind == "missing"
    assert ctx.problems[-1].source == "Windows/System32/config/SOFTWARE"


def test_bad_checksum_and_dirty_hive_are_reported_but_still_read(tmp_path):
    data = bytearray(sample_hive().to_bytes())
    struct.pack_into("<I", data, 8, 7)  # secondary sequence number != primary: unsaved changes
    ctx = make_root(tmp_path, bytes(data))
    hive = ctx.hive("SYSTEM")
    assert hive is not None
    assert hive.key(r"CurrentControlSet\Control").value("Which").data == "current"
    messages = " ".join(p.message for p in ctx.problems)
    assert "checksum" in messages and ".LOG1" in messages
    assert {p.kind for p in ctx.problems} == {"error"}


def test_truncated_hive_is_reported(tmp_path):
    data = sample_hive().to_bytes()
    ctx = make_root(tmp_path, data[: len(data) // 2])
    hive = ctx.hive("SYSTEM")
    assert hive is not None
    assert any("cắt cụt" in p.message for p in ctx.problems)
    # The keys written last lie past the cut: not found, and said so (no exception).
    assert hive.key(r"Many\k01199") is None
    assert any("cấu trúc hỏng" in p.message for p in ctx.problems)


def test_a_damaged_key_is_reported_once_and_the_rest_is_read(tmp_path):
    h = HiveWriter("SYSTEM")
    h.key("Good").sz("v", "ok")
    h.key("Bad").key("Child").sz("v", "lost")
    data = bytearray(h.to_bytes())
    ctx = make_root(tmp_path, bytes(data))
    bad = ctx.hive("SYSTEM").key("Bad")
    # Point Bad's subkey list at a cell that is not a list, then re-open the file.
    pos = 4096 + bad._offset + 4
    struct.pack_into("<I", data, pos + 28, 0x10)
    ctx = make_root(tmp_path, bytes(data))
    hive = ctx.hive("SYSTEM")
    assert hive.key(r"Bad\Child") is None
    assert hive.key("Bad").subkeys() == []
    assert hive.key("Good").value("v").data == "ok"
    errors = [p for p in ctx.problems if "Bad" in p.message]
    assert len(errors) == 1 and errors[0].kind == "error"


def test_a_damaged_value_is_skipped_and_reported(tmp_path):
    h = HiveWriter("SYSTEM")
    h.key("K").sz("first", "1").sz("second", "2")
    data = bytearray(h.to_bytes())
    ctx = make_root(tmp_path, bytes(data))
    key = ctx.hive("SYSTEM").key("K")
    nk = key._nk.header
    list_pos = 4096 + nk.values_list_offset + 4
    struct.pack_into("<I", data, list_pos, 0x7FFFFFF0)  # first value points outside the file
    ctx = make_root(tmp_path, bytes(data))
    values = ctx.hive("SYSTEM").key("K").values()
    assert list(values) == ["second"]
    assert any(p.kind == "error" and "K" in p.message for p in ctx.problems)


def test_open_hive_on_unreadable_file(tmp_path):
    ctx = make_root(tmp_path, sample_hive())
    assert open_hive(ctx, "does/not/exist", "SYSTEM") is None
    assert ctx.problems[-1].kind == "error"


# -- time zone ---------------------------------------------------------------------------------
def tz_hive(
    key_name: str,
    bias: int,
    daylight: int = 0,
    std_start: bytes = bytes(16),
    dst_start: bytes = bytes(16),
) -> HiveWriter:
    h = HiveWriter("SYSTEM")
    h.key("Select").dword("Current", 1)
    h.key(r"ControlSet001\Control\TimeZoneInformation").sz("TimeZoneKeyName", key_name).dword(
        "Bias", bias
    ).dword("StandardBias", 0).dword("DaylightBias", daylight).binary(
        "StandardStart", std_start
    ).binary("DaylightStart", dst_start)
    return h


def test_windows_time_zone_vietnam(tmp_path):
    ctx = make_root(tmp_path, tz_hive("SE Asia Standard Time", -420))
    tz, label = machine_timezone(ctx)
    assert label == "SE Asia Standard Time (UTC+07:00)"
    local = datetime(2026, 3, 1, 6, 30)
    assert local.replace(tzinfo=tz).astimezone(UTC) == datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
    stamp = local_timestamp(ctx, "date_created", local)
    assert stamp.utc == datetime(2026, 2, 28, 23, 30, tzinfo=UTC) and stamp.source_tz == label


def test_windows_time_zone_with_daylight_saving(tmp_path):
    # Pacific: UTC-8, summer UTC-7 from the 2nd Sunday of March to the 1st Sunday of November.
    std = struct.pack("<8H", 0, 11, 0, 1, 2, 0, 0, 0)
    dst = struct.pack("<8H", 0, 3, 0, 2, 2, 0, 0, 0)
    ctx = make_root(tmp_path, tz_hive("Pacific Standard Time", 480, -60, std, dst))
    tz, label = machine_timezone(ctx)
    assert label == "Pacific Standard Time (UTC-08:00, giờ mùa hè UTC-07:00)"
    winter = datetime(2026, 1, 15, 12, 0).replace(tzinfo=tz).astimezone(UTC)
    summer = datetime(2026, 7, 15, 12, 0).replace(tzinfo=tz).astimezone(UTC)
    assert winter.hour == 20 and summer.hour == 19
    # 2026: DST begins 8 March, ends 1 November.
    assert datetime(2026, 3, 8, 1, 59, tzinfo=tz).utcoffset() == timedelta(hours=-8)
    assert datetime(2026, 3, 8, 3, 0, tzinfo=tz).utcoffset() == timedelta(hours=-7)
    assert datetime(2026, 11, 1, 0, 30, tzinfo=tz).utcoffset() == timedelta(hours=-7)
    assert datetime(2026, 11, 1, 2, 30, tzinfo=tz).utcoffset() == timedelta(hours=-8)


def test_windows_zone_southern_hemisphere_last_weekday():
    # Australia/Sydney rule: UTC+10, summer from the 1st Sunday of October to the 1st of April.
    std = struct.pack("<8H", 0, 4, 0, 1, 3, 0, 0, 0)
    dst = struct.pack("<8H", 0, 10, 0, 1, 2, 0, 0, 0)
    tz = WindowsZone("AUS Eastern Standard Time", -600, 0, -60, std, dst)
    assert datetime(2026, 1, 10, tzinfo=tz).utcoffset() == timedelta(hours=11)
    assert datetime(2026, 6, 10, tzinfo=tz).utcoffset() == timedelta(hours=10)
    last = WindowsZone(
        "X",
        0,
        0,
        -60,
        struct.pack("<8H", 0, 10, 0, 5, 3, 0, 0, 0),
        struct.pack("<8H", 0, 3, 0, 5, 2, 0, 0, 0),
    )  # "5th" = last Sunday
    assert datetime(2026, 3, 29, 3, 0, tzinfo=last).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 3, 28, 3, 0, tzinfo=last).utcoffset() == timedelta(0)


def test_missing_time_zone_falls_back_to_vietnam_and_says_so(tmp_path):
    h = HiveWriter("SYSTEM")
    h.key("Select").dword("Current", 1)
    h.key(r"ControlSet001\Control")
    ctx = make_root(tmp_path, h)
    tz, label = ctx.local_tz()
    assert datetime(2026, 1, 1, tzinfo=tz).utcoffset() == timedelta(hours=7)
    assert "mặc định" in label
    assert [(p.analyser, p.kind) for p in ctx.problems] == [("timezone", "missing")]


def test_bad_bias_is_an_error(tmp_path):
    ctx = make_root(tmp_path, tz_hive("Broken", 100000))
    assert machine_timezone(ctx) is None
    assert ctx.problems[-1].kind == "error"


def test_linux_time_zone(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "hostname").write_text("may-mat\n")
    (tmp_path / "etc" / "timezone").write_text("Asia/Ho_Chi_Minh\n")
    ctx = AuditContext(ArtefactRoot(tmp_path))
    tz, label = machine_timezone(ctx)
    assert label == "Asia/Ho_Chi_Minh (UTC+07:00)"
    assert datetime(2026, 5, 1, tzinfo=tz).utcoffset() == timedelta(hours=7)


def test_linux_localtime_symlink_and_unknown_zone(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text('PRETTY_NAME="Debian"\n')
    (tmp_path / "etc" / "localtime").symlink_to("/usr/share/zoneinfo/Europe/Paris")
    ctx = AuditContext(ArtefactRoot(tmp_path))
    tz, label = machine_timezone(ctx)
    assert label == "Europe/Paris"
    assert datetime(2026, 7, 1, tzinfo=tz).utcoffset() == timedelta(hours=2)
    (tmp_path / "etc" / "timezone").write_text("Not/AZone\n")
    ctx = AuditContext(ArtefactRoot(tmp_path))
    assert machine_timezone(ctx) is not None  # falls through to etc/localtime
    assert ctx.problems[0].kind == "error" and "Not/AZone" in ctx.problems[0].message


# -- software classification ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "publisher", "category", "product"),
    [
        ("UltraViewer version 6.6.110", "DucFabulous", "remote_access", "UltraViewer"),
        ("Trình điều khiển", "DucFabulous Co.,ltd", "remote_access", "UltraViewer"),
        ("TeamViewer", "TeamViewer", "remote_access", "TeamViewer"),
        ("AnyDesk", "philandro Software GmbH", "remote_access", "AnyDesk"),
        ("Chrome Remote Desktop Host", "Google LLC", "remote_access", "Chrome Remote Desktop"),
        ("Zalo", "VNG Corp.", "chat_sync", "Zalo"),
        ("Microsoft OneDrive", "Microsoft Corporation", "chat_sync", "Microsoft OneDrive"),
        ("Google Drive", "Google LLC", "chat_sync", "Google Drive"),
        ("OpenVPN 2.6.8-I001 amd64", "OpenVPN, Inc.", "vpn", "OpenVPN"),
        ("Radmin VPN 1.4", "Famatech Corp.", "vpn", "Radmin VPN"),
        ("Radmin Viewer 3.5.2", "Famatech Corp.", "remote_access", "Radmin"),
        ("Hotspot Shield 12.1", "Pango", "vpn", "Hotspot Shield"),
        ("Avast SecureLine VPN", "Avast", "vpn", "VPN khác"),
        ("CCleaner", "Piriform", "cleaner", "CCleaner"),
        ("USBOblivion", "", "cleaner", "USBOblivion"),
        ("Cốc Cốc", "Công ty TNHH Cốc Cốc", "browser", "Cốc Cốc"),
        ("Google Chrome", "Google LLC", "browser", "Google Chrome"),
        ("google-chrome-stable", "", "browser", "Google Chrome"),
        ("VeraCrypt", "IDRIX", "cipher", "VeraCrypt"),
    ],
)
def test_classify_known_products(name, publisher, category, product):
    assert classify(name, publisher) == SoftwareClass(category, product)


@pytest.mark.parametrize(
    "name",
    [
        "7-Zip 23.01 (x64)",
        "Microsoft Edge WebView2 Runtime",
        "Zoom Player MAX",
        "Microsoft Office Professional Plus 2019",
        "",
    ],
)
def test_classify_ordinary_programs(name):
    assert classify(name, "Microsoft Corporation") is None


def test_catalogue_validation_messages():
    cats = {c: c for c in ("remote_access", "chat_sync", "vpn", "cleaner", "browser", "cipher")}
    ok = {"categories": cats, "products": [{"product": "X", "category": "vpn", "names": ["x"]}]}
    assert parse_catalogue(ok)[1][0].cls.product == "X"
    bad_regex = {
        "categories": cats,
        "products": [{"product": "X", "category": "vpn", "names": ["(unclosed"]}],
    }
    with pytest.raises(ValueError, match="biểu thức sai"):
        parse_catalogue(bad_regex)
    bad_cat = {
        "categories": cats,
        "products": [{"product": "X", "category": "game", "names": ["x"]}],
    }
    with pytest.raises(ValueError, match="loại 'game'"):
        parse_catalogue(bad_cat)
    dup = {"categories": cats, "products": [ok["products"][0], ok["products"][0]]}
    with pytest.raises(ValueError, match="hai lần"):
        parse_catalogue(dup)
