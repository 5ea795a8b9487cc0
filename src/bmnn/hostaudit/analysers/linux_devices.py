"""USB devices, phones and Bluetooth pairings of a Linux machine.

From the journal (`bmnn/journal.jsonl`, times = `__REALTIME_TIMESTAMP`, µs UTC), the kernel's
USB core lines, per bus path such as "1-1.2":

    usb 1-1: New USB device found, idVendor=0781, idProduct=5567, bcdDevice= 1.00
    usb 1-1: Product: Cruzer Blade / Manufacturer: SanDisk / SerialNumber: 4C530001...
    usb-storage 1-1:1.0: USB Mass Storage device detected
    scsi host6: usb-storage 1-1:1.0           (SCSI host 6 is that device)
    sd 6:0:0:0: [sdb] Attached SCSI removable disk
    rndis_host 1-1:1.0 usb0: register 'rndis_host' ... / ipheth 1-1:4.2: ... (phone tethering)
    usb 1-1: USB disconnect, device number 5

and udisksd's `Mounted /dev/sdb1 at /media/u/KEY on behalf of uid 1000`. Each connection is a
`usb_event`; each device (vendor/product/serial) is also one `usb_storage`, `phone` or
`usb_device` with the first and last time it was seen.

Bluetooth: `var/lib/bluetooth/<adapter>/<device mac>/info` ([General] Name, Class; a
[LinkKey] section means it was paired; the key itself is never read).
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterator

from ..context import UTC_LABEL, AuditContext
from ..devid import PHONE_VENDORS, identity_key
from ..eventlog import JournalEntry, iter_journal
from ..model import Evidence, Observation, Timestamp

NAME = "linux_devices"

_TETHER_DRIVERS = {"rndis_host", "ipheth", "cdc_ether", "cdc_ncm"}
_MODEM_DRIVERS = {"cdc_acm", "option", "qmi_wwan", "cdc_mbim"}

_NEW = re.compile(
    r"^usb (?P<bus>[\d.-]+): New USB device found, idVendor=(?P<vid>[0-9a-fA-F]{4}), "
    r"idProduct=(?P<pid>[0-9a-fA-F]{4})"
)
_STRING = re.compile(
    r"^usb (?P<bus>[\d.-]+): (?P<key>Product|Manufacturer|SerialNumber): (?P<v>.*)$"
)
_DISCONNECT = re.compile(r"^usb (?P<bus>[\d.-]+): USB disconnect")
_STORAGE = re.compile(r"^usb-storage (?P<bus>[\d.-]+):[\d.]+: USB Mass Storage device detected")
_SCSI_HOST = re.compile(r"^scsi host(?P<host>\d+): usb-storage (?P<bus>[\d.-]+):")
_SD = re.compile(
    r"^sd (?P<host>\d+):\d+:\d+:\d+: \[(?P<dev>sd[a-z]+)\] Attached SCSI (?P<what>.*)disk"
)
_DRIVER = re.compile(
    r"^(?P<driver>rndis_host|ipheth|cdc_ether|cdc_ncm|usblp|cdc_acm|option|qmi_wwan|cdc_mbim) "
    r"(?P<bus>[\d.-]+):[\d.]+"
)
_MOUNT = re.compile(r"Mounted (?P<dev>/dev/\S+) at (?P<at>.+?) on behalf of uid (?P<uid>\d+)")


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    yield from _journal(ctx)
    yield from _bluetooth(ctx)


# -- USB from the journal -------------------------------------------------------------------------
class _Connection:
    """One arrival of a device on a bus path, filled in by the lines that follow it."""

    def __init__(self, bus: str, vid: str, pid: str, entry: JournalEntry, ctx: AuditContext):
        self.bus, self.vid, self.pid = bus, vid.lower(), pid.lower()
        self.arrived = entry.time
        self.removed = None
        self.strings: dict[str, str] = {}
        self.storage = False
        self.drivers: set[str] = set()
        self.block_devices: list[str] = []
        self.mounts: list[dict] = []
        self.evidence: list[Evidence] = [ctx.evidence(entry.source, entry.locator, entry.message)]

    @property
    def serial(self) -> str:
        return self.strings.get("SerialNumber", "")

    @property
    def identity(self) -> str:
        return f"USB:{self.vid}/{self.pid}/{self.serial}"

    def is_phone_vendor(self) -> bool:
        # Apple also makes keyboards and mice; its iPhone/iPad product IDs are 0x12xx.
        return self.vid in PHONE_VENDORS and (self.vid != "05ac" or self.pid.startswith("12"))

    def category(self) -> tuple[str, str]:
        """(observation kind of the device, device_class)."""
        if self.drivers & _TETHER_DRIVERS:
            return ("phone" if self.is_phone_vendor() else "usb_device"), "net"
        if self.storage:
            return "usb_storage", "disk"
        if "usblp" in self.drivers:
            return "usb_device", "printer"
        if self.drivers & _MODEM_DRIVERS:
            return "usb_device", "modem"
        if self.is_phone_vendor():
            return "phone", "wpd"
        return "usb_device", "other"

    def facts(self) -> dict:
        _kind, device_class = self.category()
        facts = {
            "vid": self.vid,
            "pid": self.pid,
            "serial": self.serial,
            "serial_synthesised": False,
            "serial_missing": not self.serial,
            "vendor": self.strings.get("Manufacturer", ""),
            "product": self.strings.get("Product", ""),
            "bus_path": self.bus,
            "device_class": device_class,
            "phone_maker": PHONE_VENDORS.get(self.vid, ""),
        }
        if self.drivers:
            facts["driver"] = sorted(self.drivers & _TETHER_DRIVERS or self.drivers)[0]
            facts["drivers"] = sorted(self.drivers)
            facts["tethering"] = bool(self.drivers & _TETHER_DRIVERS)
        if self.block_devices:
            facts["block_devices"] = list(self.block_devices)
        if self.mounts:
            facts["mount_points"] = [m["mount_point"] for m in self.mounts]
            facts["uids"] = sorted({m["uid"] for m in self.mounts})
        return facts


def _journal(ctx: AuditContext) -> Iterator[Observation]:
    open_by_bus: dict[str, _Connection] = {}
    host_bus: dict[str, str] = {}  # SCSI host number -> bus path
    dev_bus: dict[str, str] = {}  # sdb -> bus path
    done: list[_Connection] = []
    for entry in iter_journal(ctx, NAME):
        msg = entry.message.strip()
        if entry.identifier == "kernel":
            if m := _NEW.match(msg):
                if old := open_by_bus.pop(m["bus"], None):
                    done.append(old)
                open_by_bus[m["bus"]] = _Connection(m["bus"], m["vid"], m["pid"], entry, ctx)
                continue
            conn = None
            if m := (
                _STRING.match(msg)
                or _STORAGE.match(msg)
                or _DRIVER.match(msg)
                or _DISCONNECT.match(msg)
                or _SCSI_HOST.match(msg)
            ):
                conn = _owner(open_by_bus, m["bus"])
                if conn is None:
                    continue
                if m.re is _STRING:
                    conn.strings[m["key"]] = m["v"].strip()
                elif m.re is _STORAGE:
                    conn.storage = True
                elif m.re is _DRIVER:
                    conn.drivers.add(m["driver"])
                elif m.re is _SCSI_HOST:
                    conn.storage = True
                    host_bus[m["host"]] = conn.bus
                elif m.re is _DISCONNECT:
                    conn.removed = entry.time
                    done.append(open_by_bus.pop(conn.bus))
            elif (m := _SD.match(msg)) and m["host"] in host_bus:
                conn = open_by_bus.get(host_bus[m["host"]])
                if conn is not None:
                    conn.block_devices.append(m["dev"])
                    dev_bus[m["dev"]] = conn.bus
            if conn is not None:
                conn.evidence.append(ctx.evidence(entry.source, entry.locator, msg))
        elif entry.identifier.startswith("udisks") and (m := _MOUNT.search(msg)):
            disk = re.sub(r"\d+$", "", m["dev"].rsplit("/", 1)[-1])
            conn = open_by_bus.get(dev_bus.get(disk, ""))
            mount = {
                "device": m["dev"],
                "mount_point": m["at"],
                "uid": int(m["uid"]),
                "time": entry.time,
                "evidence": ctx.evidence(entry.source, entry.locator, msg),
            }
            if conn is not None:
                conn.mounts.append(mount)
                conn.evidence.append(mount["evidence"])
            else:
                yield _lone_mount(mount)
    done.extend(open_by_bus.values())
    yield from _emit(done)


def _owner(open_by_bus: dict[str, _Connection], bus: str) -> _Connection | None:
    """The open connection a line belongs to: its bus path or the nearest parent hub path."""
    while bus:
        if bus in open_by_bus:
            return open_by_bus[bus]
        bus = bus.rpartition(".")[0] if "." in bus else ""
    return None


def _lone_mount(mount: dict) -> Observation:
    facts = {
        "event": "mounted",
        "device": mount["device"],
        "mount_point": mount["mount_point"],
        "uid": mount["uid"],
        "device_class": "disk",
    }
    return Observation(
        "usb_event",
        f"BLOCK:{mount['device']}",
        NAME,
        facts,
        (Timestamp("event_time", mount["time"], UTC_LABEL),),
        (mount["evidence"],),
    )


def _emit(connections: list[_Connection]) -> Iterator[Observation]:
    devices: dict[str, list[_Connection]] = {}  # by identity_key: one device, any spelling
    for conn in sorted(connections, key=lambda c: c.arrived):
        facts = {**conn.facts(), "event": "connected"}
        times = [Timestamp("event_time", conn.arrived, UTC_LABEL)]
        if conn.removed is not None:
            times.append(Timestamp("removal_time", conn.removed, UTC_LABEL))
        yield Observation(
            "usb_event", conn.identity, NAME, facts, tuple(times), tuple(conn.evidence[:20])
        )
        devices.setdefault(identity_key(conn.identity), []).append(conn)
    for conns in devices.values():
        identity = conns[0].identity
        kind, _ = conns[-1].category()
        facts = conns[-1].facts()
        facts["connections"] = len(conns)
        times = (
            Timestamp("first_seen", conns[0].arrived, UTC_LABEL),
            Timestamp("last_seen", conns[-1].arrived, UTC_LABEL),
        )
        evidence = tuple(c.evidence[0] for c in conns[:20])
        yield Observation(kind, identity, NAME, facts, times, evidence)


# -- Bluetooth ------------------------------------------------------------------------------------
# Major device classes of the Bluetooth Class of Device field (bits 8-12).
_BT_MAJOR = {
    1: "computer",
    2: "phone",
    3: "network",
    4: "audio",
    5: "peripheral",
    6: "imaging",
    7: "wearable",
    8: "toy",
    9: "health",
}
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


def _bluetooth(ctx: AuditContext) -> Iterator[Observation]:
    files = [r for r in ctx.root.glob("var/lib/bluetooth/*/*/info") if _MAC.match(r.split("/")[-2])]
    if not files:
        ctx.missing(NAME, "var/lib/bluetooth", "Không có dữ liệu ghép nối Bluetooth (BlueZ).")
        return
    for rel in files:
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        try:
            parser.read_string(ctx.root.read_text(rel), source=rel)
        except (OSError, configparser.Error) as exc:
            ctx.error(NAME, rel, f"Tệp thông tin thiết bị Bluetooth hỏng: {exc}")
            continue
        parts = rel.split("/")
        mac = parts[-2].lower()
        name = parser.get("General", "Name", fallback="") or parser.get(
            "General", "Alias", fallback=""
        )
        cod_text = parser.get("General", "Class", fallback="")
        try:
            cod = int(cod_text, 0) if cod_text else None
        except ValueError:
            cod = None
        major = _BT_MAJOR.get((cod >> 8) & 0x1F, "other") if cod is not None else "unknown"
        facts = {
            "mac": mac,
            "name": name,
            "adapter": parts[-3].lower(),
            "class_of_device": cod_text,
            "device_class": major,
            "paired": parser.has_section("LinkKey") or parser.has_section("LongTermKey"),
            "trusted": parser.get("General", "Trusted", fallback="").lower() == "true",
            "blocked": parser.get("General", "Blocked", fallback="").lower() == "true",
        }
        evidence = (ctx.evidence(rel, "[General]", f"Name={name}; Class={cod_text}"),)
        yield Observation("bluetooth", f"BT:{mac}", NAME, facts, (), evidence)
        if major == "phone":
            yield Observation(
                "phone", f"BT:{mac}", NAME, {**facts, "via": "bluetooth"}, (), evidence
            )
