"""The Windows collection plan, checked on Linux without running any Windows command: which
commands, which files, which bundle paths. A mounted Windows image (file copies only) is
collected for real."""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import sys
import types
from pathlib import Path

import pytest

from bmnn.hostaudit import collect as collect_mod
from bmnn.hostaudit.bundle import LOG_REL, verify_bundle
from bmnn.hostaudit.collect import (
    EVENT_CHANNELS,
    REDACTED,
    CommandStep,
    CopyStep,
    NetworkStep,
    UserProfile,
    collect,
    network_from_windows,
    windows_plan,
    windows_profiles,
)
from bmnn.hostaudit.root import ArtefactRoot
from tests.hostaudit.helpers import write_file as _write

NAM = "S-1-5-21-1004336348-1177238915-682003330-1001"
TUAN = "S-1-5-21-1004336348-1177238915-682003330-1002"
WLAN_IF = "{3F2A6B1C-0D4E-4F5A-9B8C-7D6E5F4A3B2C}"
KEY_MATERIAL = "01000000D08C9DDF0115D1118C7A00C04FC297EB0100000047"


def wlan_profile(ssid: str) -> str:
    return (
        '<?xml version="1.0"?>\n'
        '<WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1">\n'
        f"  <name>{ssid}</name>\n"
        f"  <SSIDConfig><SSID><hex>{ssid.encode().hex().upper()}</hex><name>{ssid}</name>"
        "</SSID></SSIDConfig>\n"
        "  <connectionType>ESS</connectionType><connectionMode>auto</connectionMode>\n"
        "  <MSM><security><authEncryption><authentication>WPA2PSK</authentication>"
        "<encryption>AES</encryption></authEncryption>\n"
        "    <sharedKey><keyType>passPhrase</keyType><protected>true</protected>"
        f"<keyMaterial>{KEY_MATERIAL}</keyMaterial></sharedKey>\n"
        "  </security></MSM>\n</WLANProfile>\n"
    )


def make_windows_drive(c: Path) -> dict[str, str]:
    """A system drive as seen from Linux (a mounted image), with the case Windows uses — and
    some folders in another case, which Windows would match all the same. rel -> redact kind."""
    files: dict[str, str] = {}

    def put(rel: str, data: str | bytes, redact: str = "") -> None:
        _write(c / rel, data)
        files[rel] = redact

    (c / "Windows/System32/drivers").mkdir(parents=True)
    put(
        "Windows/INF/setupapi.dev.log",
        ">>>  [Device Install (Hardware initiated) - USB\\VID_0781]\n",
    )
    put("Windows/INF/setupapi.dev.20250101_101010.log", ">>>  [Setup online Device Install]\n")
    put(
        f"ProgramData/Microsoft/Wlansvc/Profiles/Interfaces/{WLAN_IF}/{{A1}}.xml",
        wlan_profile("QuanCafe"),
        "wlan_xml",
    )
    # A profile saved as UTF-16, as some exports are.
    put(
        f"ProgramData/Microsoft/Wlansvc/Profiles/Interfaces/{WLAN_IF}/{{A2}}.xml",
        b"\xff\xfe" + wlan_profile("Nha Rieng").encode("utf-16-le"),
        "wlan_xml",
    )
    put("Users/nam/AppData/Local/Google/Chrome/User Data/Default/History", b"SQLite format 3\0c")
    put("Users/nam/AppData/Local/Google/Chrome/User Data/Default/History-journal", b"j")
    put("Users/nam/AppData/Local/Microsoft/Edge/User Data/Profile 1/History", b"SQLite format 3\0e")
    put("users/tuan/appdata/local/CocCoc/Browser/User Data/Default/History", b"SQLite format 3\0k")
    put("Users/nam/AppData/Roaming/Mozilla/Firefox/Profiles/x1.default/places.sqlite", b"SQLite f")
    put("Program Files (x86)/TeamViewer/Connections_incoming.txt", "123456789\tNam\t05-03-2026\n")
    put("Program Files (x86)/TeamViewer/TeamViewer15_Logfile.log", "2026/03/05 start\n")
    put("ProgramData/AnyDesk/connection_trace.txt", "Incoming 2026-03-05 10:11 123 456\n")
    put("Users/nam/AppData/Roaming/AnyDesk/ad.trace", "info 2026-03-05 10:11:12\n")
    # Decoys: documents, cookies, the SECURITY hive, logs the analysers do not read.
    _write(c / "Users/nam/Documents/bao-cao-mat.docx", b"PK secret")
    _write(c / "Users/nam/AppData/Local/Google/Chrome/User Data/Default/Cookies", b"cookies")
    _write(c / "Windows/System32/config/SECURITY", b"regf lsa secrets")
    _write(c / "Windows/System32/winevt/Logs/Application.evtx", b"ElfFile\0app")
    return files


def test_live_plan_commands_files_and_targets(tmp_path):
    c = tmp_path / "C"
    files = make_windows_drive(c)
    _write(c / "Users/tuan/NTUSER.DAT", b"regf tuan")
    profiles = [
        UserProfile("S-1-5-18", r"%systemroot%\system32\config\systemprofile"),
        UserProfile(NAM, r"C:\Users\nam"),
        UserProfile(TUAN, r"C:\Users\tuan"),
        UserProfile("S-1-5-21-1-2-3-1003", r"C:\Users\gone"),  # profile without its folder
    ]
    plan = windows_plan(
        c, live=True, profiles=profiles, loaded_sids={NAM, "S-1-5-18"}, system_root=r"C:\Windows"
    )

    reg, wevtutil = r"C:\Windows\System32\reg.exe", r"C:\Windows\System32\wevtutil.exe"
    ps = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"
    commands = {s.rel: s for s in plan.steps if isinstance(s, CommandStep)}
    for hive in ("SYSTEM", "SOFTWARE", "SAM"):
        step = commands[f"Windows/System32/config/{hive}"]
        assert step.argv == (reg, "save", f"HKLM\\{hive}", "{out}", "/y")
        assert step.output == "file" and not step.optional
    assert commands["Users/nam/NTUSER.DAT"].argv == (reg, "save", f"HKU\\{NAM}", "{out}", "/y")
    for channel in EVENT_CHANNELS:
        rel = f"Windows/System32/winevt/Logs/{channel.replace('/', '%4')}.evtx"
        assert commands[rel].argv == (wevtutil, "epl", channel, "{out}")
        assert commands[rel].optional  # a channel may be absent (disabled, older Windows)
    network = {rel: s for rel, s in commands.items() if rel.startswith("bmnn/live/windows/")}
    assert set(network) == {
        f"bmnn/live/windows/{n}.json"
        for n in ("adapters", "addresses", "routes", "neighbours", "dns")
    }
    for step in network.values():
        assert step.argv[:4] == (ps, "-NoProfile", "-NonInteractive", "-Command")
        assert "ConvertTo-Json" in step.argv[4] and step.argv[4].startswith("[Console]")
        assert (
            step.argv[4].split("; ", 1)[1].startswith("Get-Net") or "Get-DnsClient" in step.argv[4]
        )
    assert len(commands) == 3 + 1 + len(EVENT_CHANNELS) + 5

    # Only read-only commands: no reg load/add/delete, no new shadow copy, no netsh/ipconfig.
    for step in commands.values():
        assert step.argv[0] in (reg, wevtutil, ps)
        words = " ".join(step.argv).lower()
        for forbidden in (
            "reg load",
            "add",
            "delete",
            "vssadmin",
            "netsh",
            "ipconfig",
            "set-",
            "remove-",
            "invoke-webrequest",
            "test-connection",
        ):
            assert f" {forbidden}" not in f" {words}", (forbidden, step.argv)
        if step.argv[0] == reg:
            assert step.argv[1] == "save" and step.argv[3] == "{out}"

    copies = {s.rel: s for s in plan.steps if isinstance(s, CopyStep)}
    assert copies["Users/tuan/NTUSER.DAT"].source == str(c / "Users/tuan/NTUSER.DAT")
    del copies["Users/tuan/NTUSER.DAT"]
    assert {rel: s.redact or "" for rel, s in copies.items()} == files
    assert not any(
        "SECURITY" in s.rel or "Cookies" in s.rel or s.rel.endswith(".docx")
        for s in plan.steps
        if not isinstance(s, NetworkStep)
    )
    assert not any("S-1-5-18" in " ".join(s.argv) for s in commands.values())
    [net] = [s for s in plan.steps if isinstance(s, NetworkStep)]
    assert net.platform == "windows" and set(net.inputs.values()) == set(network)
    assert (
        str(c / "Users/gone/NTUSER.DAT"),
        "không có tệp NTUSER.DAT của S-1-5-21-1-2-3-1003",
    ) in (plan.notes)


def test_every_channel_the_event_analyser_reads_is_collected():
    from bmnn.hostaudit.analysers import win_events

    tree = ast.parse(inspect.getsource(win_events))
    read = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "events"
            and node.args
        ):
            arg = node.args[0]
            read.add(getattr(win_events, arg.id) if isinstance(arg, ast.Name) else arg.value)
    assert read, "the analyser reads no channel?"
    assert read <= set(EVENT_CHANNELS)


def test_mounted_image_is_collected_by_copy_and_verifies(tmp_path):
    """A Windows disk mounted on Linux: hives, user hives and .evtx files are plain files."""
    c = tmp_path / "C"
    files = make_windows_drive(c)
    for rel in (
        "Windows/System32/config/SYSTEM",
        "Windows/System32/config/SOFTWARE",
        "Windows/System32/config/SAM",
        "Users/nam/NTUSER.DAT",
        "users/tuan/NTUSER.DAT",
        "Windows/System32/winevt/Logs/System.evtx",
        "Windows/System32/winevt/Logs/Microsoft-Windows-Partition%4Diagnostic.evtx",
    ):
        _write(c / rel, b"regf-or-ElfFile " + rel.encode())
        files[rel] = ""

    out = tmp_path / "bundle"
    manifest = collect(out, root=c)

    assert manifest["platform"] == "windows" and manifest["live"] is False
    assert manifest["commands"] == []  # nothing is run against a mounted image
    got = {e["path"]: e for e in manifest["files"] if e["path"] != LOG_REL}
    assert set(got) == set(files)
    for rel, redact in files.items():
        source = (c / rel).read_bytes()
        if redact:
            assert got[rel]["source_sha256"] == hashlib.sha256(source).hexdigest()
        else:
            assert got[rel]["sha256"] == hashlib.sha256(source).hexdigest()
    for name in ("{A1}", "{A2}"):
        rel = f"ProgramData/Microsoft/Wlansvc/Profiles/Interfaces/{WLAN_IF}/{name}.xml"
        raw = (out / rel).read_bytes()
        text = raw[2:].decode("utf-16-le") if raw.startswith(b"\xff\xfe") else raw.decode()
        assert KEY_MATERIAL not in text and f"<keyMaterial>{REDACTED}</keyMaterial>" in text
        assert "<name>" in text and "<protected>true</protected>" in text
    assert verify_bundle(out) == []
    art = ArtefactRoot(out)
    assert art.find("windows/system32/config/system") == "Windows/System32/config/SYSTEM"
    assert art.glob("Users/*/NTUSER.DAT") == ["Users/nam/NTUSER.DAT", "users/tuan/NTUSER.DAT"]


def test_profiles_are_read_through_winreg(monkeypatch):
    """winreg exists only on Windows: a stand-in module with its API answers here."""
    hklm, hku = object(), object()
    tree = {
        (hklm, r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList"): [
            ("S-1-5-18", {"ProfileImagePath": r"%SystemRoot%\system32\config\systemprofile"}),
            (NAM, {"ProfileImagePath": r"C:\Users\nam"}),
            ("S-1-5-21-9-9-9-1005", {}),  # a broken entry without a path
        ],
    }
    opened = []

    class Key:
        def __init__(self, children):
            self.children = children

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def open_key(parent, sub, *args):
        opened.append((sub, args))
        if isinstance(parent, Key):
            values = dict(parent.children)[sub]
            return Key(values)
        return Key(tree[(parent, sub)])

    def enum_key(key, i):
        items = [NAM, f"{NAM}_Classes", ".DEFAULT"] if key is hku else [n for n, _ in key.children]
        if i >= len(items):
            raise OSError("no more")
        return items[i]

    def query_value(key, name):
        if name not in key.children:
            raise FileNotFoundError(name)
        return key.children[name], 1

    fake = types.SimpleNamespace(
        HKEY_LOCAL_MACHINE=hklm,
        HKEY_USERS=hku,
        OpenKey=open_key,
        EnumKey=enum_key,
        QueryValueEx=query_value,
    )
    monkeypatch.setitem(sys.modules, "winreg", fake)
    monkeypatch.setenv("SystemRoot", r"C:\Windows")

    profiles, loaded = windows_profiles()
    assert [p.sid for p in profiles] == ["S-1-5-18", NAM]
    assert profiles[1].name == "nam"
    assert loaded == {NAM, f"{NAM}_Classes", ".DEFAULT"}
    assert all(args == () for _, args in opened)  # default access: KEY_READ, never write


def test_network_state_from_powershell_json():
    adapters = [
        {
            "Name": "Wi-Fi",
            "InterfaceDescription": "Intel(R) Wi-Fi 6 AX201 160MHz",
            "ifIndex": 12,
            "Status": "Up",
            "MacAddress": "A0-B1-C2-D3-E4-F5",
            "MediaType": "Native 802.11",
            "PhysicalMediaType": "Native 802.11",
            "Virtual": False,
            "HardwareInterface": True,
        },
        {
            "Name": "Ethernet",
            "InterfaceDescription": "Realtek PCIe GbE",
            "ifIndex": 7,
            "Status": "Disconnected",
            "MacAddress": "00-11-22-33-44-55",
            "MediaType": "802.3",
            "PhysicalMediaType": "802.3",
            "Virtual": False,
            "HardwareInterface": True,
        },
        {
            "Name": "Ethernet 2",
            "InterfaceDescription": "Remote NDIS based Internet Sharing Device",
            "Status": "Up",
            "MacAddress": "02-AA-BB-CC-DD-EE",
            "MediaType": "802.3",
            "PhysicalMediaType": "Unspecified",
            "Virtual": False,
            "HardwareInterface": True,
        },
        {
            "Name": "vEthernet (WSL)",
            "InterfaceDescription": "Hyper-V Virtual Ethernet Adapter",
            "Status": "Up",
            "MacAddress": "00-15-5D-00-00-01",
            "MediaType": "802.3",
            "PhysicalMediaType": "Unspecified",
            "Virtual": True,
            "HardwareInterface": False,
        },
    ]
    addresses = [
        {
            "InterfaceAlias": "Wi-Fi",
            "IPAddress": "192.168.1.23",
            "PrefixLength": 24,
            "AddressFamily": 2,
        },
        {
            "InterfaceAlias": "Wi-Fi",
            "IPAddress": "fe80::1%12",
            "PrefixLength": 64,
            "AddressFamily": 23,
        },
    ]
    routes = [
        {"DestinationPrefix": "0.0.0.0/0", "NextHop": "192.168.1.1", "InterfaceAlias": "Wi-Fi"},
        {"DestinationPrefix": "192.168.1.0/24", "NextHop": "0.0.0.0", "InterfaceAlias": "Wi-Fi"},  # noqa: S104
        {"DestinationPrefix": "::/0", "NextHop": "::", "InterfaceAlias": "Wi-Fi"},
    ]
    neighbours = [
        {
            "IPAddress": "192.168.1.1",
            "LinkLayerAddress": "F4-F2-6D-00-00-01",
            "InterfaceAlias": "Wi-Fi",
            "State": 2,
        }
    ]
    dns = {"InterfaceAlias": "Wi-Fi", "AddressFamily": 2, "ServerAddresses": ["192.168.1.1"]}
    state = network_from_windows(adapters, addresses, routes, neighbours, dns)  # dns: one object

    kinds = {i["name"]: (i["kind"], i["up"]) for i in state["interfaces"]}
    assert kinds == {
        "Wi-Fi": ("wifi", True),
        "Ethernet": ("ethernet", False),
        "Ethernet 2": ("wwan", True),
        "vEthernet (WSL)": ("virtual", True),
    }
    wifi = state["interfaces"][0]
    assert wifi["mac"] == "a0:b1:c2:d3:e4:f5"
    assert wifi["addresses"] == ["192.168.1.23/24", "fe80::1/64"]
    assert state["routes"][0] == {"dst": "default", "gateway": "192.168.1.1", "dev": "Wi-Fi"}
    assert state["routes"][1]["gateway"] is None and state["routes"][2]["dst"] == "default"
    assert state["gateway_macs"] == {"192.168.1.1": "f4:f2:6d:00:00:01"}
    assert state["dns"] == ["192.168.1.1"]
    json.dumps(state)  # the shared format is plain JSON
    # ConvertTo-Json of one adapter is an object, of none is empty output.
    assert len(network_from_windows(adapters[0], None, None, None, None)["interfaces"]) == 1


def test_live_collection_on_windows_only_builds_on_windows(tmp_path, monkeypatch):
    """On a non-Windows host, root "/" is the running Linux system, never a Windows plan."""
    monkeypatch.setattr(collect_mod.sys, "platform", "linux")
    plan = collect_mod.build_plan(tmp_path / "out", root="/")
    assert plan.platform == "linux" and plan.live


@pytest.mark.parametrize("profile_path", [r"C:\Users\nam", r"D:\Profiles\nam\\"])
def test_profile_name_is_the_folder_name(profile_path):
    assert UserProfile(NAM, profile_path).name == "nam"
