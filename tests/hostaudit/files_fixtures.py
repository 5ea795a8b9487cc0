"""Fixture builders for the Windows file artefacts of bmnn.hostaudit: real files in a folder laid
out like a mounted Windows image (setupapi logs, Wlansvc profiles, event records as JSON lines
and as real .evtx files, Chromium and Firefox history databases, TeamViewer/AnyDesk logs).

Plain functions: each writes real files under a root folder given by the test (tmp_path) and
returns what it planted, so a test can compare. `build_windows_files(root)` writes the whole
set at once and can be laid over the registry image of `windows_fixtures.py`.

The .evtx writer is our own, from the published file format (file header, 64 KiB chunks with
CRC32 checksums, event records holding a Binary XML fragment with inline element and attribute
names and string values). Real Windows records use templates; the `evtx` wheel renders both to
the same JSON, which is what the adapter reads.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.hostaudit.helpers import write_file

# The machine's zone for local-time artefacts: Vietnam (no DST), as the auditor's default.
VN = timedelta(hours=7)
DEFAULT_WHEN = datetime(2026, 4, 1, 2, 3, 4, tzinfo=UTC)  # after Law 117/2025 took effect
COMPUTER = "PC-MAT-01"

EVTX_DIR = "Windows/System32/winevt/Logs"
PARTITION = "Microsoft-Windows-Partition/Diagnostic"
KERNEL_PNP = "Microsoft-Windows-Kernel-PnP/Configuration"
WLAN = "Microsoft-Windows-WLAN-AutoConfig/Operational"
NCSI = "Microsoft-Windows-NCSI/Operational"
TELEMETRY = "Microsoft-Windows-UniversalTelemetryClient/Operational"


def local_text(when: datetime, fmt: str) -> str:
    """`when` (aware) written as the machine's local wall clock (UTC+7)."""
    return (when.astimezone(UTC) + VN).strftime(fmt)


def _write(root: Path, rel: str, data: bytes | str) -> Path:
    return write_file(root / rel, data)


# -- event records --------------------------------------------------------------------------------
def event(
    channel: str,
    provider: str,
    event_id: int,
    record_id: int,
    when: datetime,
    data: dict | None = None,
    *,
    user_data: tuple[str, dict] | None = None,
    computer: str = COMPUTER,
    id_as_text: bool = False,
) -> dict:
    """One record in the `evtx` wheel's JSON shape (records_json()); `user_data` = (wrapper
    element, fields) for events that carry UserData instead of EventData."""
    eid: object = {"#text": event_id, "#attributes": {"Qualifiers": 0}} if id_as_text else event_id
    system = {
        "Provider": {"#attributes": {"Name": provider, "Guid": "{00000000-0000-0000-0000-0}"}},
        "EventID": eid,
        "EventRecordID": record_id,
        "TimeCreated": {"#attributes": {"SystemTime": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}},
        "Channel": channel,
        "Computer": computer,
    }
    body: dict = {"System": system}
    if user_data:
        wrapper, fields = user_data
        body["UserData"] = {wrapper: {"#attributes": {"xmlns": "http://x"}, **fields}}
    else:
        body["EventData"] = dict(data or {})
    return {
        "Event": {
            "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            **body,
        }
    }


def write_event_jsonl(root: Path, channel: str, records: list[dict], extra_lines=()) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(extra_lines)
    return _write(root, f"bmnn/events/{channel.replace('/', '%4')}.jsonl", "\n".join(lines) + "\n")


# -- .evtx writer ---------------------------------------------------------------------------------
_EPOCH_1601 = datetime(1601, 1, 1, tzinfo=UTC)


def _filetime(when: datetime) -> int:
    return (when - _EPOCH_1601) // timedelta(microseconds=1) * 10


class _BinXml:
    """Binary XML tokens of one record, with names stored inline (offsets are chunk-relative)."""

    def __init__(self, base: int):
        self.buf = bytearray()
        self.base = base

    def _name(self, name: str) -> None:
        here = self.base + len(self.buf) + 4
        self.buf += struct.pack("<I", here)  # the name follows at once
        self.buf += struct.pack("<IHH", 0, 0, len(name)) + name.encode("utf-16-le") + b"\0\0"

    def _value(self, text: str) -> None:
        self.buf += b"\x05\x01" + struct.pack("<H", len(text)) + text.encode("utf-16-le")

    def element(self, tag: str, attrs: dict | None = None, text: str | None = None, children=()):
        attrs = attrs or {}
        self.buf += bytes([0x41 if attrs else 0x01])
        size_at = len(self.buf)
        self.buf += b"\0\0\0\0"
        self._name(tag)
        if attrs:
            list_at = len(self.buf)
            self.buf += b"\0\0\0\0"
            start = len(self.buf)
            items = list(attrs.items())
            for i, (key, value) in enumerate(items):
                self.buf += bytes([0x46 if i < len(items) - 1 else 0x06])
                self._name(key)
                self._value(str(value))
            struct.pack_into("<I", self.buf, list_at, len(self.buf) - start)
        if text is None and not children:
            self.buf += b"\x03"
        else:
            self.buf += b"\x02"
            if text is not None:
                self._value(text)
            for child in children:
                self.element(*child)
            self.buf += b"\x04"
        struct.pack_into("<I", self.buf, size_at, len(self.buf) - size_at - 4)


def _record_tree(rec: dict) -> tuple:
    system = [
        ("Provider", {"Name": rec["provider"]}),
        ("EventID", None, str(rec["event_id"])),
        ("EventRecordID", None, str(rec["record_id"])),
        ("TimeCreated", {"SystemTime": rec["time"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")}),
        ("Channel", None, rec["channel"]),
        ("Computer", None, rec.get("computer", COMPUTER)),
    ]
    data = [("Data", {"Name": k}, str(v)) for k, v in rec.get("data", {}).items()]
    return (
        "Event",
        {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
        None,
        [("System", None, None, system), ("EventData", None, None, data)],
    )


def write_evtx(path: Path, records: list[dict]) -> Path:
    """A real .evtx file with one chunk holding `records` (dicts: channel, provider, event_id,
    record_id, time, data). Checksums are correct, so the wheel's validation passes."""
    chunk = bytearray(65536)
    offset, last = 512, 512
    for rec in records:
        xml = _BinXml(offset + 24)
        xml.buf += b"\x0f\x01\x01\x00"  # fragment header, Binary XML 1.1
        xml.element(*_record_tree(rec))
        xml.buf += b"\x00"  # end of fragment
        size = 24 + len(xml.buf) + 4
        if offset + size > len(chunk):
            raise ValueError("too many records for one chunk")
        chunk[offset : offset + size] = (
            struct.pack("<4sIQQ", b"**\0\0", size, rec["record_id"], _filetime(rec["time"]))
            + bytes(xml.buf)
            + struct.pack("<I", size)
        )
        last, offset = offset, offset + size
    first_id, last_id = records[0]["record_id"], records[-1]["record_id"]
    struct.pack_into(
        "<8sQQQQIII",
        chunk,
        0,
        b"ElfChnk\0",
        first_id,
        last_id,
        first_id,
        last_id,
        128,
        last,
        offset,
    )
    struct.pack_into("<I", chunk, 52, zlib.crc32(bytes(chunk[512:offset])))
    struct.pack_into("<I", chunk, 124, zlib.crc32(bytes(chunk[:120]) + bytes(chunk[128:512])))
    header = bytearray(4096)
    struct.pack_into("<8sQQQIHHHH", header, 0, b"ElfFile\0", 0, 0, last_id + 1, 128, 1, 3, 4096, 1)
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(header) + bytes(chunk))
    return path


def evtx_path(root: Path, channel: str) -> Path:
    return root / EVTX_DIR / f"{channel.replace('/', '%4')}.evtx"


# -- volume boot records --------------------------------------------------------------------------
def fat32_vbr(serial: int, label: str = "KINGSTON") -> bytes:
    vbr = bytearray(512)
    vbr[0:3] = b"\xeb\x58\x90"
    vbr[3:11] = b"MSDOS5.0"
    struct.pack_into("<H", vbr, 0x0B, 512)
    vbr[0x42] = 0x29
    struct.pack_into("<I", vbr, 0x43, serial)
    vbr[0x47:0x52] = label.encode("ascii").ljust(11)[:11]
    vbr[0x52:0x5A] = b"FAT32   "
    vbr[0x1FE:0x200] = b"\x55\xaa"
    return bytes(vbr)


def ntfs_vbr(serial: int) -> bytes:
    vbr = bytearray(512)
    vbr[0:3] = b"\xeb\x52\x90"
    vbr[3:11] = b"NTFS    "
    struct.pack_into("<Q", vbr, 0x48, serial)
    vbr[0x1FE:0x200] = b"\x55\xaa"
    return bytes(vbr)


def exfat_vbr(serial: int) -> bytes:
    vbr = bytearray(512)
    vbr[0:3] = b"\xeb\x76\x90"
    vbr[3:11] = b"EXFAT   "
    struct.pack_into("<I", vbr, 0x64, serial)
    vbr[0x1FE:0x200] = b"\x55\xaa"
    return bytes(vbr)


def partition_1006(
    record_id: int,
    when: datetime,
    *,
    serial="4C530001230101117344",
    vbr0: bytes = b"",
    capacity: int = 16008609792,
    bus_type: int = 7,
    vid="0781",
    pid="5567",
) -> dict:
    data = {
        "Version": 2,
        "DiskNumber": 1,
        "Flags": 0,
        "Characteristics": 0,
        "IsSystem": "false",
        "BusType": bus_type,
        "Manufacturer": "SanDisk",
        "Model": "Cruzer Blade",
        "Revision": "1.00",
        "SerialNumber": serial,
        "ParentId": f"USB\\VID_{vid}&PID_{pid}\\{serial}",
        "DiskId": "{6a0d5e5f-1c11-4a61-9a0b-2c3d4e5f6a7b}",
        "Capacity": capacity,
        "PartitionStyle": 0,
        "Vbr0Bytes": len(vbr0),
        "Vbr0": vbr0.hex().upper(),
        "Vbr1Bytes": 0,
        "Vbr1": "",
    }
    return event(PARTITION, "Microsoft-Windows-Partition", 1006, record_id, when, data)


# -- setupapi -------------------------------------------------------------------------------------
def setupapi_section(
    instance_id: str,
    when: datetime,
    *,
    class_guid: str | None = None,
    status: str = "SUCCESS",
    how: str = "Device Install (Hardware initiated)",
) -> str:
    lines = [
        f">>>  [{how} - {instance_id}]",
        f">>>  Section start {local_text(when, '%Y/%m/%d %H:%M:%S.%f')[:-3]}",
        "     ump: Creating Install Process: DrvInst.exe 09:03:04.250",
        "     ndv: Retrieving device info...",
    ]
    if class_guid:
        lines.append(f"     dvi:      Class GUID of device changed to: {class_guid}.")
    lines += [
        f"<<<  Section end {local_text(when + timedelta(seconds=2), '%Y/%m/%d %H:%M:%S')}.000",
        f"<<<  [Exit status: {status}]",
        "",
    ]
    return "\n".join(lines)


def write_setupapi(
    root: Path, sections: list[str], *, encoding: str = "utf-8", name: str = "setupapi.dev.log"
) -> Path:
    text = "[Device Install Log]\n     OS Version = 10.0.19045\n\n" + "\n".join(sections)
    data = ("\ufeff" + text).encode("utf-16-le") if encoding == "utf-16" else text.encode()
    return _write(root, f"Windows/INF/{name}", data)


# -- Wlansvc profiles -----------------------------------------------------------------------------
SECRET_KEY = "MatKhauWifi-KhongDuocLo"  # planted in keyMaterial; must never come out


def wlan_profile_xml(
    name: str, ssid: str, *, mode: str = "auto", auth: str = "WPA2PSK", key: str = SECRET_KEY
) -> str:
    return f"""<?xml version="1.0"?>
<WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1">
  <name>{name}</name>
  <SSIDConfig><SSID><hex>{ssid.encode().hex().upper()}</hex><name>{ssid}</name></SSID></SSIDConfig>
  <connectionType>ESS</connectionType>
  <connectionMode>{mode}</connectionMode>
  <MSM><security>
    <authEncryption><authentication>{auth}</authentication><encryption>AES</encryption>
      <useOneX>false</useOneX></authEncryption>
    <sharedKey><keyType>passPhrase</keyType><protected>false</protected>
      <keyMaterial>{key}</keyMaterial></sharedKey>
  </security></MSM>
</WLANProfile>
"""


def write_wlan_profile(
    root: Path,
    xml: str,
    *,
    interface="{4A3B2C1D-0000-1111-2222-333344445555}",
    profile="{9F8E7D6C-AAAA-BBBB-CCCC-DDDDEEEEFFFF}",
) -> Path:
    rel = f"ProgramData/Microsoft/Wlansvc/Profiles/Interfaces/{interface}/{profile}.xml"
    return _write(root, rel, xml)


# -- browser history databases (the real schemas' relevant tables) --------------------------------
CHROMIUM_SCHEMA = """
CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT, url LONGVARCHAR, title LONGVARCHAR,
  visit_count INTEGER DEFAULT 0 NOT NULL, typed_count INTEGER DEFAULT 0 NOT NULL,
  last_visit_time INTEGER NOT NULL, hidden INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE visits(id INTEGER PRIMARY KEY, url INTEGER NOT NULL, visit_time INTEGER NOT NULL,
  from_visit INTEGER, transition INTEGER DEFAULT 0 NOT NULL, segment_id INTEGER,
  visit_duration INTEGER DEFAULT 0 NOT NULL, incremented_omnibox_typed_score BOOLEAN DEFAULT
  FALSE NOT NULL, opener_visit INTEGER, originator_cache_guid TEXT, originator_visit_id INTEGER,
  originator_from_visit INTEGER, originator_opener_visit INTEGER, is_known_to_sync BOOLEAN
  DEFAULT FALSE NOT NULL, consider_for_ntp_most_visited BOOLEAN DEFAULT FALSE NOT NULL,
  external_referrer_url TEXT, visited_link_id INTEGER);
CREATE TABLE downloads(id INTEGER PRIMARY KEY, guid VARCHAR NOT NULL,
  current_path LONGVARCHAR NOT NULL, target_path LONGVARCHAR NOT NULL,
  start_time INTEGER NOT NULL, received_bytes INTEGER NOT NULL, total_bytes INTEGER NOT NULL,
  state INTEGER NOT NULL, danger_type INTEGER NOT NULL, interrupt_reason INTEGER NOT NULL,
  hash BLOB NOT NULL, end_time INTEGER NOT NULL, opened INTEGER NOT NULL,
  last_access_time INTEGER NOT NULL, transient INTEGER NOT NULL, referrer VARCHAR NOT NULL,
  site_url VARCHAR NOT NULL, tab_url VARCHAR NOT NULL, tab_referrer_url VARCHAR NOT NULL,
  http_method VARCHAR NOT NULL, by_ext_id VARCHAR NOT NULL, by_ext_name VARCHAR NOT NULL,
  etag VARCHAR NOT NULL, last_modified VARCHAR NOT NULL, mime_type VARCHAR(255) NOT NULL,
  original_mime_type VARCHAR(255) NOT NULL);
CREATE TABLE downloads_url_chains(id INTEGER NOT NULL, chain_index INTEGER NOT NULL,
  url LONGVARCHAR NOT NULL, PRIMARY KEY (id, chain_index));
"""
FIREFOX_SCHEMA = """
CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR,
  rev_host LONGVARCHAR, visit_count INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0 NOT NULL,
  typed INTEGER DEFAULT 0 NOT NULL, frecency INTEGER DEFAULT -1 NOT NULL,
  last_visit_date INTEGER, guid TEXT, foreign_count INTEGER DEFAULT 0 NOT NULL,
  url_hash INTEGER DEFAULT 0 NOT NULL, description TEXT, preview_image_url TEXT,
  site_name TEXT, origin_id INTEGER, recalc_frecency INTEGER NOT NULL DEFAULT 0,
  alt_frecency INTEGER, recalc_alt_frecency INTEGER NOT NULL DEFAULT 0);
CREATE TABLE moz_historyvisits(id INTEGER PRIMARY KEY, from_visit INTEGER, place_id INTEGER,
  visit_date INTEGER, visit_type INTEGER, session INTEGER, source INTEGER DEFAULT 0 NOT NULL,
  triggeringPlaceId INTEGER);
CREATE TABLE moz_bookmarks(id INTEGER PRIMARY KEY, type INTEGER, fk INTEGER DEFAULT NULL,
  parent INTEGER, position INTEGER, title LONGVARCHAR, dateAdded INTEGER, lastModified INTEGER);
"""


def webkit(when: datetime) -> int:
    return (when - _EPOCH_1601) // timedelta(microseconds=1)


def prtime(when: datetime) -> int:
    return (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _chromium_rows(con: sqlite3.Connection, visits, downloads) -> None:
    url_ids: dict[str, int] = {}
    for url, title, when in visits:
        if url not in url_ids:
            cur = con.execute(
                "INSERT INTO urls(url, title, visit_count, last_visit_time) VALUES (?, ?, 0, 0)",
                (url, title),
            )
            url_ids[url] = cur.lastrowid
        con.execute(
            "INSERT INTO visits(url, visit_time, transition) VALUES (?, ?, ?)",
            (url_ids[url], webkit(when), 0x30000001),
        )
        con.execute(
            "UPDATE urls SET visit_count = visit_count + 1, last_visit_time = ? WHERE id = ?",
            (webkit(when), url_ids[url]),
        )
    for number, (url, target, when) in enumerate(downloads, 1):
        con.execute(
            "INSERT INTO downloads VALUES (?, ?, ?, ?, ?, 1, 1, 1, 0, 0, x'', ?, 0, 0, 0, '', '',"
            " '', '', 'GET', '', '', '', '', 'application/pdf', 'application/pdf')",
            (number, f"guid-{number}", target, target, webkit(when), webkit(when)),
        )
        con.execute("INSERT INTO downloads_url_chains VALUES (?, 0, ?)", (number, url))


def chromium_history(
    path: Path,
    visits: list[tuple[str, str, datetime]],
    downloads: list[tuple[str, str, datetime]] = (),
    wal_visits: list[tuple[str, str, datetime]] = (),
) -> Path:
    """A Chromium `History` database. `wal_visits` are written in WAL mode and left in the
    -wal file (not checkpointed), as a running browser leaves them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(CHROMIUM_SCHEMA)
    con.execute("INSERT INTO meta VALUES ('version', '70')")
    _chromium_rows(con, visits, downloads)
    con.commit()
    if wal_visits:
        staging = path.parent / (path.name + ".staging")
        staging.mkdir()
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA wal_autocheckpoint=0")
        _chromium_rows(con, wal_visits, ())
        con.commit()
        # Copy while the connection holds the WAL: closing would checkpoint it into the DB.
        shutil.copyfile(path, staging / path.name)
        shutil.copyfile(path.with_name(path.name + "-wal"), staging / (path.name + "-wal"))
        con.close()
        for name in (path.name, path.name + "-wal"):
            shutil.move(staging / name, path.parent / name)
        staging.rmdir()
        shm = path.with_name(path.name + "-shm")
        shm.unlink(missing_ok=True)
    else:
        con.close()
    return path


def firefox_places(path: Path, visits: list[tuple[str, str, datetime]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(FIREFOX_SCHEMA)
    ids: dict[str, int] = {}
    for url, title, when in visits:
        if url not in ids:
            cur = con.execute(
                "INSERT INTO moz_places(url, title, rev_host, visit_count, "
                "last_visit_date) VALUES (?, ?, '', 0, ?)",
                (url, title, prtime(when)),
            )
            ids[url] = cur.lastrowid
        con.execute(
            "INSERT INTO moz_historyvisits(place_id, visit_date, visit_type, session) "
            "VALUES (?, ?, 1, 0)",
            (ids[url], prtime(when)),
        )
    con.commit()
    con.close()
    return path


# -- remote-access logs ---------------------------------------------------------------------------
def teamviewer_incoming_line(
    peer_id: str, name: str, start: datetime, end: datetime, user: str = "nguyenvana"
) -> str:
    fmt = "%d-%m-%Y %H:%M:%S"
    return "\t".join(
        [
            peer_id,
            name,
            local_text(start, fmt),
            local_text(end, fmt),
            user,
            "RemoteControl",
            "{7ca6431e-30f6-45e3-9ac6-0ef1e0cecb6a}",
        ]
    )


def teamviewer_logfile_lines(when: datetime, peer_id: str, address: str) -> list[str]:
    def t(delta: int) -> str:
        return local_text(when + timedelta(seconds=delta), "%Y/%m/%d %H:%M:%S.123")

    return [
        f"{t(0)} 2804 3076 S0   Start TeamViewer 15.51.5",
        f"{t(1)} 2804 3076 S0   UDPv4: punch received a={address}:55408: (*)",
        f"{t(2)} 2804 3076 S0   CPersistentParticipantManager::AddParticipant: [{peer_id},-1] "
        "type=3 name=Kỹ thuật viên",
        f"{t(3)} 1052 5128 G1   Send file C:\\Users\\nguyenvana\\Documents\\BaoCao.docx",
        f"{t(60)} 2804 3076 S0   Net: RoutingSessions: We left session, SLID=2",
    ]


def anydesk_trace_lines(when: datetime, peer_id: str, alias: str, relay_ip: str) -> list[str]:
    def t(delta: int) -> str:
        return (when + timedelta(seconds=delta)).strftime("%Y-%m-%d %H:%M:%S.567")

    return [
        f"   info {t(0)}       gsvc   3880   4228                  app.backend_session - "
        f"Logged in from {relay_ip}:443 on relay 5a7c3f60.",
        f"   info {t(5)}       back   3880   4228   21             app.session - "
        f"Incoming session request: {alias} ({peer_id})",
        f"   info {t(9)}       back   3880   4228   21             app.session - "
        "Authenticated by local user.",
        f"   info {t(10)}      back   3880   4228   21             app.session - "
        "Remote OS: Windows, Connected via IPv4.",
        f"   info {t(600)}     back   3880   4228   21             app.session - Session closed "
        "by user.",
    ]


# -- the whole Windows file set -------------------------------------------------------------------
@dataclass
class WindowsFiles:
    root: Path
    when: datetime
    usb_serial: str = "4C530001230101117344"
    usb_vid: str = "0781"
    usb_pid: str = "5567"
    volume_serial: str = "1A2B-3C4D"
    ssid: str = "QuanCaPhe-Free"
    urls: list[str] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)


def build_windows_files(
    root: Path,
    *,
    when: datetime = DEFAULT_WHEN,
    evtx_channel: str | None = PARTITION,
    usb_serial: str = "4C530001230101117344",
) -> WindowsFiles:
    """Every Windows file artefact B's analysers read, all around `when` (UTC): a SanDisk USB
    stick (setupapi, Partition 1006 with a FAT32 VBR, Kernel-PnP, UserPnp), a café Wi-Fi
    (profile, WLAN-AutoConfig 8001/8003), Internet reached (NCSI 4042, telemetry 55), a cleared
    Security log (1102) and System log (104), logons (4624 local and remote), history in
    Chrome, Edge, Cốc Cốc and Firefox, and TeamViewer/AnyDesk sessions. `evtx_channel` is
    written as a real .evtx file, the other channels as JSON lines. Give `usb_serial` the
    registry image's serial (windows_fixtures.SANDISK_SERIAL) for one stick seen everywhere,
    or another one for a stick the event logs remember but USBSTOR does not."""
    out = WindowsFiles(root=root, when=when, usb_serial=usb_serial)
    serial, vid, pid = out.usb_serial, out.usb_vid, out.usb_pid
    stor = f"USBSTOR\\Disk&Ven_SanDisk&Prod_Cruzer_Blade&Rev_1.00\\{serial}&0"
    out.paths["setupapi"] = write_setupapi(
        root,
        [
            setupapi_section(
                "PCI\\VEN_8086&DEV_A370&SUBSYS_00000000&REV_10\\3&11583659&0&A3",
                when - timedelta(days=300),
            ),
            setupapi_section(
                f"USB\\VID_{vid}&PID_{pid}\\{serial}",
                when,
                class_guid="{36fc9e60-c465-11cf-8056-444553540000}",
            ),
            setupapi_section(
                stor,
                when + timedelta(seconds=3),
                class_guid="{4d36e967-e325-11ce-bfc1-08002be10318}",
            ),
        ],
    )
    out.paths["wlan"] = write_wlan_profile(root, wlan_profile_xml(out.ssid, out.ssid))

    channels: dict[str, list[dict]] = {
        PARTITION: [
            partition_1006(11, when, serial=serial, vbr0=fat32_vbr(0x1A2B3C4D), vid=vid, pid=pid),
            partition_1006(
                12, when + timedelta(hours=1), serial=serial, capacity=0, vid=vid, pid=pid
            ),
            partition_1006(13, when - timedelta(days=1), serial="WD-INTERNAL", bus_type=11),
        ],
        KERNEL_PNP: [
            event(
                KERNEL_PNP,
                "Microsoft-Windows-Kernel-PnP",
                400,
                21,
                when + timedelta(seconds=4),
                {
                    "DeviceInstanceId": stor,
                    "DriverName": "disk.inf",
                    "ClassGuid": "{4d36e967-e325-11ce-bfc1-08002be10318}",
                    "Status": 0,
                },
            ),
            event(
                KERNEL_PNP,
                "Microsoft-Windows-Kernel-PnP",
                410,
                22,
                when + timedelta(seconds=5),
                {"DeviceInstanceId": "ACPI\\PNP0A08\\0", "DriverName": "pci.sys"},
            ),
        ],
        "System": [
            event(
                "System",
                "Microsoft-Windows-UserPnp",
                20001,
                31,
                when + timedelta(seconds=6),
                user_data=(
                    "InstallDeviceID",
                    {
                        "DriverName": "wpdfs.inf",
                        "DriverVersion": "10.0.19041.1",
                        "DeviceInstanceID": f"SWD\\WPDBUSENUM\\_??_USBSTOR#DISK&VEN_SANDISK&PROD_"
                        f"CRUZER_BLADE&REV_1.00#{serial}&0#{{53f56307-b6bf-11d0"
                        f"-94f2-00a0c91efb8b}}",
                        "SetupClass": "{EEC5AD98-8080-425F-922A-DABF3DE3F69A}",
                        "DriverDescription": "CRUZER BLADE",
                        "InstallStatus": "0x0",
                    },
                ),
            ),
            event(
                "System",
                "Microsoft-Windows-Eventlog",
                104,
                32,
                when + timedelta(days=1),
                user_data=(
                    "LogFileCleared",
                    {
                        "SubjectUserName": "nguyenvana",
                        "SubjectDomainName": "PC-MAT-01",
                        "Channel": "Application",
                        "BackupPath": "",
                    },
                ),
            ),
            event("System", "Service Control Manager", 7036, 33, when, {"param1": "x"}),
        ],
        WLAN: [
            event(
                WLAN,
                "Microsoft-Windows-WLAN-AutoConfig",
                8001,
                41,
                when + timedelta(hours=2),
                {
                    "InterfaceGuid": "{4a3b2c1d-0000-1111-2222-333344445555}",
                    "InterfaceDescription": "Intel(R) Wi-Fi 6 AX201 160MHz",
                    "ConnectionMode": "Automatic connection with a profile",
                    "ProfileName": out.ssid,
                    "SSID": out.ssid,
                    "BSSType": "Infrastructure",
                    "PHYType": "802.11ac",
                    "AuthenticationAlgorithm": "WPA2-Personal",
                    "CipherAlgorithm": "AES-CCMP",
                    "OnexEnabled": 0,
                    "ConnectionId": "0x1",
                    "NonBroadcast": "false",
                    "BSSID": "A4-2B-B0-11-22-33",
                },
            ),
            event(
                WLAN,
                "Microsoft-Windows-WLAN-AutoConfig",
                8003,
                42,
                when + timedelta(hours=3),
                {
                    "ProfileName": out.ssid,
                    "SSID": out.ssid,
                    "Reason": "The network is disconnected by the user.",
                },
            ),
            event(WLAN, "Microsoft-Windows-WLAN-AutoConfig", 11000, 43, when, {"SSID": "x"}),
        ],
        NCSI: [
            event(
                NCSI,
                "Microsoft-Windows-NCSI",
                4042,
                51,
                when + timedelta(hours=2, minutes=1),
                {
                    "InterfaceGuid": "{4a3b2c1d-0000-1111-2222-333344445555}",
                    "Family": "V4",
                    "Capability": "Internet",
                    "ChangeReason": "ActiveHttpProbeSucceeded",
                },
            ),
            event(
                NCSI,
                "Microsoft-Windows-NCSI",
                4042,
                52,
                when + timedelta(hours=3),
                {
                    "InterfaceGuid": "{4a3b2c1d-0000-1111-2222-333344445555}",
                    "Family": "V4",
                    "Capability": "None",
                    "ChangeReason": "NoConnectivity",
                },
            ),
        ],
        TELEMETRY: [
            event(
                TELEMETRY,
                "Microsoft-Windows-UniversalTelemetryClient",
                55,
                61,
                when + timedelta(hours=2, minutes=2),
                {"IsInternetAvailable": "true", "Details": "{}"},
            ),
        ],
        "Security": [
            event(
                "Security",
                "Microsoft-Windows-Eventlog",
                1102,
                71,
                when + timedelta(days=1),
                user_data=(
                    "LogFileCleared",
                    {
                        "SubjectUserSid": "S-1-5-21-1-2-3-1001",
                        "SubjectUserName": "nguyenvana",
                        "SubjectDomainName": "PC-MAT-01",
                        "SubjectLogonId": "0x3e7",
                    },
                ),
            ),
            event(
                "Security",
                "Microsoft-Windows-Security-Auditing",
                4624,
                72,
                when,
                {
                    "TargetUserName": "nguyenvana",
                    "TargetDomainName": "PC-MAT-01",
                    "TargetUserSid": "S-1-5-21-1-2-3-1001",
                    "LogonType": 2,
                    "IpAddress": "127.0.0.1",
                    "WorkstationName": "PC-MAT-01",
                    "LogonProcessName": "User32",
                },
            ),
            event(
                "Security",
                "Microsoft-Windows-Security-Auditing",
                4624,
                73,
                when + timedelta(minutes=30),
                {
                    "TargetUserName": "quantri",
                    "TargetDomainName": "PC-MAT-01",
                    "LogonType": 10,
                    "IpAddress": "203.0.113.45",
                    "WorkstationName": "LAPTOP-X",
                    "LogonProcessName": "User32",
                },
            ),
            event(
                "Security",
                "Microsoft-Windows-Security-Auditing",
                4624,
                74,
                when,
                {
                    "TargetUserName": "SYSTEM",
                    "TargetDomainName": "NT AUTHORITY",
                    "LogonType": 5,
                    "IpAddress": "-",
                },
            ),
        ],
    }
    for channel, records in channels.items():
        if channel == evtx_channel:
            simple = [_evtx_record(r) for r in records]
            out.paths[channel] = write_evtx(evtx_path(root, channel), simple)
        else:
            out.paths[channel] = write_event_jsonl(root, channel, records)

    user = "Users/nguyenvana/AppData"
    out.urls = [
        "https://vnexpress.net/thoi-su",
        "https://mail.google.com/mail/u/0/",
        "https://coccoc.com/search?query=bi+mat",
        "https://www.facebook.com/",
        "http://intranet.coquan.local/vanban",
    ]
    visit = when + timedelta(hours=2, minutes=5)
    out.paths["chrome"] = chromium_history(
        root / f"{user}/Local/Google/Chrome/User Data/Default/History",
        [
            (out.urls[0], "Thời sự - VnExpress", visit),
            (out.urls[0], "Thời sự - VnExpress", visit + timedelta(minutes=1)),
            (out.urls[4], "Văn bản nội bộ", visit + timedelta(minutes=2)),
        ],
        downloads=[
            (
                "https://vnexpress.net/tai-lieu.pdf",
                "C:\\Users\\nguyenvana\\Downloads\\tai-lieu.pdf",
                visit + timedelta(minutes=3),
            )
        ],
        wal_visits=[(out.urls[1], "Gmail", visit + timedelta(minutes=4))],
    )
    out.paths["edge"] = chromium_history(
        root / f"{user}/Local/Microsoft/Edge/User Data/Profile 1/History",
        [("https://www.bing.com/search?q=thoi+tiet", "thời tiết - Tìm kiếm", visit)],
    )
    out.paths["coccoc"] = chromium_history(
        root / f"{user}/Local/CocCoc/Browser/User Data/Default/History",
        [(out.urls[2], "bi mat - Cốc Cốc", visit)],
    )
    out.paths["firefox"] = firefox_places(
        root / f"{user}/Roaming/Mozilla/Firefox/Profiles/ab12cd34.default-release/places.sqlite",
        [(out.urls[3], "Facebook", visit)],
    )

    out.paths["teamviewer"] = _write(
        root,
        "Program Files/TeamViewer/Connections_incoming.txt",
        teamviewer_incoming_line(
            "514162531",
            "Kỹ thuật viên",
            when + timedelta(hours=4),
            when + timedelta(hours=4, minutes=16),
        )
        + "\n",
    )
    out.paths["teamviewer_log"] = _write(
        root,
        "Program Files/TeamViewer/TeamViewer15_Logfile.log",
        "\n".join(teamviewer_logfile_lines(when + timedelta(hours=4), "514162531", "203.0.113.7"))
        + "\n",
    )
    out.paths["anydesk"] = _write(
        root,
        "ProgramData/AnyDesk/ad_svc.trace",
        "\n".join(
            anydesk_trace_lines(
                when + timedelta(hours=5), "123456789", "support-pc", "198.51.100.20"
            )
        )
        + "\n",
    )
    out.paths["anydesk_connections"] = _write(
        root,
        "ProgramData/AnyDesk/connection_trace.txt",
        f"Incoming    {(when + timedelta(hours=5)).strftime('%Y-%m-%d, %H:%M')}    User    "
        "support-pc 123456789\n",
    )
    return out


def _evtx_record(rec: dict) -> dict:
    """A JSON-shaped record flattened for write_evtx (EventData fields only)."""
    system = rec["Event"]["System"]
    body = rec["Event"].get("EventData") or {}
    if "UserData" in rec["Event"]:
        (inner,) = rec["Event"]["UserData"].values()
        body = {k: v for k, v in inner.items() if k != "#attributes"}
    event_id = system["EventID"]
    return {
        "channel": system["Channel"],
        "provider": system["Provider"]["#attributes"]["Name"],
        "event_id": event_id["#text"] if isinstance(event_id, dict) else event_id,
        "record_id": system["EventRecordID"],
        "time": datetime.strptime(
            system["TimeCreated"]["#attributes"]["SystemTime"], "%Y-%m-%dT%H:%M:%S.%fZ"
        ).replace(tzinfo=UTC),
        "computer": system["Computer"],
        "data": body,
    }
