"""USB devices from the registry: storage (Enum\\USBSTOR), every other USB device (Enum\\USB),
drive letters and volumes (MountedDevices, each user's MountPoints2), and volume serial numbers
and labels (EMDMgmt, VolumeInfoCache, portable-device names).

A storage device's observation also carries what other keys say about the same device (its
VID/PID, drive letters, volume serials and labels), so a drive can be matched across machines.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import devid
from ..context import AuditContext
from ..model import Evidence, Observation, Timestamp
from ..registry import Hive, Key

NAME = "usb"

ENUM_USBSTOR = r"CurrentControlSet\Enum\USBSTOR"
ENUM_USB = r"CurrentControlSet\Enum\USB"
ENUM_WPDBUS = r"CurrentControlSet\Enum\SWD\WPDBUSENUM"
MOUNTED_DEVICES = "MountedDevices"
MOUNTPOINTS2 = r"Software\Microsoft\Windows\CurrentVersion\Explorer\MountPoints2"
EMDMGMT = r"Microsoft\Windows NT\CurrentVersion\EMDMgmt"
VOLUME_INFO_CACHE = r"Microsoft\Windows Search\VolumeInfoCache"
PORTABLE_DEVICES = r"Microsoft\Windows Portable Devices\Devices"

# PnP device properties {83da6326-...}: Microsoft's names for 0064-0067 (DEVPKEY_Device_*).
DEVICE_PROPERTIES = "{83da6326-97a6-4088-9453-a1923f573b29}"  # under the instance's Properties
PROPERTY_TIMES: dict[str, str] = {
    "0064": "install_date",
    "0065": "first_install_date",
    "0066": "last_arrival_date",
    "0067": "last_removal_date",
}

_EMD_NAME = re.compile(r"^(?P<dev>.*\})(?P<label>.*)_(?P<vsn>\d+)$")
_DRIVE = re.compile(r"[A-Za-z]:\\?")


def inf_text(s: str) -> str:
    """The readable part of an INF-referenced string ("@oem1.inf,%id%;Apple Mobile Device")."""
    return s.rsplit(";", 1)[-1].strip() if s.startswith("@") else s.strip()


def usbstor_in(path: str) -> devid.DeviceId | None:
    """The USB disk a device path or wrapper id names (MountedDevices, EMDMgmt, WPD), if any."""
    device = devid.parse(path)
    return device if device is not None and device.bus == "USBSTOR" else None


def property_times(hive: Hive, key: Key) -> tuple[list[Timestamp], list[Evidence]]:
    """The four PnP property times of a device instance key, with Microsoft's names, and the
    key's own last-written time. Both layouts: a 0xFFFF0010 default value (Windows 8 and later)
    or a `00000000\\Data` value (Windows 7)."""
    times = [Timestamp("key_last_written", key.last_written, "UTC")]
    evidence = [hive.evidence(key)]
    props = key.subkey("Properties")
    props = props.subkey(DEVICE_PROPERTIES) if props is not None else None
    if props is None:
        return times, evidence
    for pid, name in PROPERTY_TIMES.items():
        pkey = props.subkey(pid)
        if pkey is None:
            continue
        value = pkey.value(None)
        holder = pkey
        if value is None and (sub := pkey.subkey("00000000")) is not None:
            holder, value = sub, sub.value("Data")
        when = hive.time_of(holder, value)
        if when is not None and value is not None:
            times.append(Timestamp(name, when, "UTC"))
            evidence.append(hive.evidence(holder, value))
    return times, evidence


# -- Enum\USB, shared with the devices analyser ------------------------------------------------
@dataclass
class UsbInstance:
    """One instance key under Enum\\USB\\VID_xxxx&PID_yyyy[&MI_nn]."""

    key: Key
    device: devid.DeviceId
    facts: dict[str, Any]
    times: list[Timestamp]
    evidence: list[Evidence]

    @property
    def vid(self) -> str:
        return self.device.vid

    @property
    def pid(self) -> str:
        return self.device.pid

    @property
    def interface(self) -> str | None:
        """ "00" for a composite device's interface MI_00, None for the device itself."""
        return self.device.usb_interface or None

    @property
    def instance(self) -> str:
        return self.device.instance

    @property
    def device_class(self) -> str:
        return self.facts["device_class"]

    @property
    def identity(self) -> str:
        return self.device.identity


_USB_VALUES = {
    "ClassGUID": "class_guid",
    "Class": "class_name",
    "Service": "service",
    "FriendlyName": "friendly_name",
    "DeviceDesc": "description",
    "Mfg": "mfg",
    "ParentIdPrefix": "parent_id_prefix",
    "ContainerID": "container_id",
    "LocationInformation": "location",
    "HardwareID": "hardware_id",
    "CompatibleIDs": "compatible_ids",
    "Driver": "driver",
}


def usb_instances(hive: Hive, report_missing: bool = True) -> list[UsbInstance]:
    """Every device instance of SYSTEM Enum\\USB with its facts, property times and evidence."""
    root = hive.key(ENUM_USB)
    if root is None:
        if report_missing and hive.control_set() is not None:
            hive.ctx.missing(
                NAME,
                f"{hive.rel}:{ENUM_USB}",
                "Không có khóa Enum\\USB (khóa này luôn có trên máy Windows: có thể đã bị xóa).",
            )
        return []
    out = []
    for dev in root.subkeys():
        for inst in dev.subkeys():
            device = devid.parse(f"USB\\{dev.name}\\{inst.name}")
            if device is None:  # ROOT_HUB30 and the like: not devices a person plugs in
                continue
            facts, evidence = hive.read(inst, _USB_VALUES)
            for f in ("description", "mfg", "friendly_name"):
                if isinstance(facts.get(f), str):
                    facts[f] = inf_text(facts[f])
            facts.update(device.facts())
            facts["device_class"] = devid.device_class(str(facts.get("class_guid", "")))
            times, tev = property_times(hive, inst)
            out.append(UsbInstance(inst, device, facts, times, evidence + tev))
    return out


# -- what other keys say about a USBSTOR device -------------------------------------------------
@dataclass
class _Links:
    facts: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    evidence: list[Evidence] = field(default_factory=list)

    def add(self, fact: str, value: str, ev: Evidence) -> None:
        if value and value not in self.facts[fact]:
            self.facts[fact].append(value)
        self.evidence.append(ev)


@dataclass
class _Mounted:
    """One distinct data blob of MountedDevices and the names (letters, volume GUIDs) that map
    to it."""

    data: bytes
    letters: list[str] = field(default_factory=list)
    guids: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def facts(self) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        d = self.data
        if d.startswith(b"DMIO:ID:") and len(d) >= 24:
            facts["gpt_partition_guid"] = "{" + str(uuid.UUID(bytes_le=bytes(d[8:24]))) + "}"
        elif len(d) == 12:
            facts["disk_signature"] = d[:4][::-1].hex().upper()
            facts["partition_offset"] = int.from_bytes(d[4:12], "little")
        else:
            text = d.decode("utf-16-le", errors="replace").split("\0", 1)[0]
            if text.startswith(("\\??\\", "_??_", "#", "\\\\?\\")):
                facts["device_path"] = text
                disk = usbstor_in(text)
                facts["removable"] = disk is not None or "RemovableMedia" in text
                if disk is not None:
                    facts.update(_disk_names(disk))
        return facts


def _disk_names(disk: devid.DeviceId) -> dict[str, Any]:
    """What a device path tells of the disk it points to."""
    out: dict[str, Any] = {"serial": disk.serial, "serial_synthesised": disk.serial_synthesised}
    if disk.vendor or disk.device_type:
        out.update(vendor=disk.vendor, product=disk.product)
    return out


def _mounted_devices(hive: Hive) -> dict[bytes, _Mounted]:
    key = hive.root.subkey(MOUNTED_DEVICES)
    if key is None:
        hive.ctx.missing(NAME, f"{hive.rel}:{MOUNTED_DEVICES}", "Không có khóa MountedDevices.")
        return {}
    out: dict[bytes, _Mounted] = {}
    for name, v in key.values().items():
        if not isinstance(v.data, bytes) or not v.data:
            continue
        entry = out.setdefault(v.raw, _Mounted(v.raw))
        entry.evidence.append(hive.evidence(key, v))
        if name.upper().startswith("\\DOSDEVICES\\"):
            entry.letters.append(name[12:].upper())
        elif (g := re.search(r"Volume(\{[0-9a-f-]{36}\})", name, re.I)) is not None:
            entry.guids.append(g[1].lower())
    return out


def _emdmgmt(hive: Hive, links: dict[tuple[str, str], _Links]) -> Iterator[Observation]:
    root = hive.key(EMDMGMT)
    if root is None:
        return
    for k in root.subkeys():
        m = _EMD_NAME.match(k.name)
        if m is None:
            continue
        vsn = devid.volume_serial_text(int(m["vsn"]) & 0xFFFFFFFF)
        facts: dict[str, Any] = {"volume_serial": vsn, "device_path": m["dev"], "source": "EMDMgmt"}
        if m["label"]:
            facts["volume_label"] = m["label"]
        evidence = [hive.evidence(k)]
        times = [Timestamp("key_last_written", k.last_written, "UTC")]
        tested = k.value("LastTestedTime")
        when = hive.time_of(k, tested)
        if when is not None and tested is not None:
            times.append(Timestamp("last_tested", when, "UTC"))
            evidence.append(hive.evidence(k, tested))
        disk = usbstor_in(m["dev"])
        if disk is not None:
            facts.update(_disk_names(disk))
            links[disk.ref].add("volume_serials", vsn, evidence[0])
            if m["label"]:
                links[disk.ref].add("volume_labels", m["label"], evidence[0])
        yield Observation("volume", f"VOL:{vsn}", NAME, facts, times, evidence)


def _volume_info_cache(hive: Hive) -> Iterator[Observation]:
    root = hive.key(VOLUME_INFO_CACHE)
    if root is None:
        return
    for k in root.subkeys():
        facts, evidence = hive.read(k, {"VolumeLabel": "volume_label", "DriveType": "drive_type"})
        facts.update(drive_letter=k.name.upper(), source="VolumeInfoCache")
        yield Observation(
            "volume",
            f"VOL:{k.name.upper()}",
            NAME,
            facts,
            [Timestamp("key_last_written", k.last_written, "UTC")],
            [hive.evidence(k), *evidence],
        )


def _portable_labels(ctx: AuditContext, system: Hive, links: dict[tuple[str, str], _Links]) -> None:
    """Volume labels Windows gave USB drives as portable devices (WPD names, SWD\\WPDBUSENUM)."""
    software = ctx.hive("SOFTWARE")
    sources: list[tuple[Hive, Key | None]] = [(system, system.key(ENUM_WPDBUS))]
    if software is not None:
        sources.append((software, software.key(PORTABLE_DEVICES)))
    for hive, root in sources:
        for k in root.subkeys() if root is not None else []:
            disk = usbstor_in(k.name)
            v = k.value("FriendlyName")
            name = v.text if v is not None else None
            # Windows names a drive without a label by its letter ("E:\\"): not a label.
            if disk is not None and v is not None and name and not _DRIVE.fullmatch(name):
                links[disk.ref].add("volume_labels", name, hive.evidence(k, v))


# -- the analyser --------------------------------------------------------------------------------
def analyse(ctx: AuditContext) -> Iterator[Observation]:
    system = ctx.hive("SYSTEM")
    if system is None:
        return
    links: dict[tuple[str, str], _Links] = defaultdict(_Links)
    mounted = _mounted_devices(system)
    for entry in mounted.values():
        facts = entry.facts()
        disk = usbstor_in(facts["device_path"]) if "serial" in facts else None
        if disk is not None:
            for letter in entry.letters:
                links[disk.ref].add("drive_letters", letter, entry.evidence[0])
            for guid in entry.guids:
                links[disk.ref].add("volume_guids", guid, entry.evidence[0])
    software = ctx.hive("SOFTWARE")
    volumes = list(_emdmgmt(software, links)) if software is not None else []
    if software is not None:
        volumes += list(_volume_info_cache(software))
    _portable_labels(ctx, system, links)

    usb = usb_instances(system)
    by_serial = {u.instance.upper(): u for u in usb if not u.facts["serial_synthesised"]}
    yield from _usbstor(ctx, system, links, by_serial)
    for u in usb:
        yield Observation("usb_device", u.identity, NAME, u.facts, u.times, u.evidence)
    yield from _mounts(mounted)
    yield from _mountpoints2(ctx, mounted)
    yield from volumes


def _usbstor(
    ctx: AuditContext,
    hive: Hive,
    links: dict[tuple[str, str], _Links],
    by_serial: dict[str, UsbInstance],
) -> Iterator[Observation]:
    root = hive.key(ENUM_USBSTOR)
    if root is None:
        if hive.control_set() is not None:
            ctx.missing(
                NAME,
                f"{hive.rel}:{ENUM_USBSTOR}",
                "Không có khóa Enum\\USBSTOR (chưa "
                "từng có thiết bị lưu trữ USB, hoặc khóa đã bị xóa).",
            )
        return
    for dev in root.subkeys():
        for inst in dev.subkeys():
            disk = devid.parse(f"USBSTOR\\{dev.name}\\{inst.name}")
            if disk is None:
                continue
            facts, evidence = hive.read(
                inst,
                {
                    "FriendlyName": "friendly_name",
                    "ContainerID": "container_id",
                    "HardwareID": "hardware_id",
                    "ClassGUID": "class_guid",
                    "Service": "service",
                    "DeviceDesc": "description",
                    "Mfg": "mfg",
                },
            )
            for f in ("description", "mfg"):
                if isinstance(facts.get(f), str):
                    facts[f] = inf_text(facts[f])
            facts.update(disk.facts())
            serial = disk.serial
            part = inst.subkey("Device Parameters")
            part = part.subkey("Partmgr") if part is not None else None
            if part is not None:
                pf, pev = hive.read(part, {"DiskId": "disk_id"})
                facts.update(pf)
                evidence += pev
            times, tev = property_times(hive, inst)
            evidence += tev
            parent = by_serial.get(serial.upper())
            if parent is not None:
                facts.update(vid=parent.vid, pid=parent.pid)
                evidence.append(hive.evidence(parent.key))
            link = links.get(disk.ref)
            if link is not None:
                facts.update({k: list(v) for k, v in link.facts.items()})
                evidence += link.evidence
            yield Observation("usb_storage", disk.identity, NAME, facts, times, evidence)


def _mounts(mounted: dict[bytes, _Mounted]) -> Iterator[Observation]:
    for entry in mounted.values():
        base = entry.facts()
        base["source"] = "MountedDevices"
        names = entry.guids or [None]
        for guid in names:
            facts = dict(base)
            if guid:
                facts["volume_guid"] = guid
            if entry.letters:
                facts["drive_letter"] = entry.letters[0]
                if len(entry.letters) > 1:
                    facts["drive_letters"] = list(entry.letters)
            if not guid and not entry.letters:
                continue
            # MountedDevices keeps no time per entry: only the whole key's, which is not this
            # mapping's time, so none is given.
            yield Observation(
                "mount", f"MOUNT:{guid or entry.letters[0]}", NAME, facts, (), entry.evidence
            )


def _mountpoints2(ctx: AuditContext, mounted: dict[bytes, _Mounted]) -> Iterator[Observation]:
    by_guid = {g: e for e in mounted.values() for g in e.guids}
    for user, hive in ctx.user_hives():
        root = hive.key(MOUNTPOINTS2)
        if root is None:
            continue
        for k in root.subkeys():
            facts: dict[str, Any] = {"user": user, "source": "MountPoints2"}
            name = k.name
            evidence = [hive.evidence(k)]
            if re.fullmatch(r"\{[0-9a-fA-F-]{36}\}", name):
                guid = name.lower()
                facts["volume_guid"] = guid
                identity = f"MOUNT:{guid}"
                if (entry := by_guid.get(guid)) is not None:
                    facts.update({f: v for f, v in entry.facts().items() if f not in facts})
                    if entry.letters:
                        facts["drive_letter"] = entry.letters[0]
                    evidence += entry.evidence
            elif name.startswith("##"):
                share = "\\\\" + name[2:].replace("#", "\\")
                facts["network_share"] = share
                identity = f"SHARE:{share}"
            else:
                facts["drive_letter"] = f"{name.upper()}:" if len(name) == 1 else name
                identity = f"MOUNT:{facts['drive_letter']}"
            yield Observation(
                "mount",
                identity,
                NAME,
                facts,
                [Timestamp("key_last_written", k.last_written, "UTC")],
                evidence,
            )
