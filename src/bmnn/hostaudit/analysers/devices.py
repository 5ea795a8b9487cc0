"""Phones, tablets and Bluetooth pairings from the registry.

MTP/PTP phones never appear in USBSTOR: they show in Enum\\USB (WPD class, MTP or Apple drivers),
in SWD\\WPDBUSENUM and in SOFTWARE's Windows Portable Devices (with the model name). A composite
phone is one parent device (with the serial) and interface children (MI_00...) whose instance ids
start with the parent's ParentIdPrefix; they are reported as one phone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .. import devid
from ..config import normalise_mac
from ..context import AuditContext
from ..model import Evidence, Observation, Timestamp
from ..registry import Hive, Key
from .usb import ENUM_WPDBUS, PORTABLE_DEVICES, UsbInstance, inf_text, usb_instances, usbstor_in

NAME = "devices"

BTHPORT_DEVICES = r"CurrentControlSet\Services\BTHPORT\Parameters\Devices"
BTHPORT_KEYS = r"CurrentControlSet\Services\BTHPORT\Parameters\Keys"

# Drivers of phones: MTP (WUDFWpdMtp), Apple Mobile Device (usbaapl), Apple tethering (netaapl),
# RNDIS Internet sharing (usb_rndisx).
MTP_SERVICES = {"wudfwpdmtp", "wudfwpdfs", "wpdmtpdr"}
APPLE_SERVICES = {"usbaapl", "usbaapl64", "netaapl", "netaapl64"}
TETHERING_SERVICES = {"usb_rndisx", "rndismp", "rndismp6", "netaapl", "netaapl64"}
ADB_CLASS = "{3f966bd9-fa04-4ec5-991c-d326973b5128}"
_PHONE_WORDS = re.compile(
    r"\b(iPhone|iPad|iPod|Apple Mobile Device|Android|MTP|ADB Interface|"
    r"Galaxy|Redmi|Pixel)\b",
    re.I,
)
_TETHER_WORDS = re.compile(
    r"\b(RNDIS|Internet Sharing Device|Apple Mobile Device Ethernet)\b", re.I
)
# Bluetooth Class of Device, major classes (bits 8-12).
BT_MAJOR_CLASSES = {
    1: "computer",
    2: "phone",
    3: "network_access_point",
    4: "audio_video",
    5: "peripheral",
    6: "imaging",
    7: "wearable",
    8: "toy",
    9: "health",
}


def _text(u: UsbInstance) -> str:
    return " ".join(str(u.facts.get(f, "")) for f in ("friendly_name", "description", "mfg"))


def phone_reasons(u: UsbInstance) -> list[str]:
    """Why a USB instance looks like (part of) a phone or tablet; empty if it does not."""
    reasons = []
    service = str(u.facts.get("service", "")).lower()
    guid = str(u.facts.get("class_guid", "")).lower()
    if u.device_class == "wpd":
        reasons.append("wpd_class")
    if service in MTP_SERVICES:
        reasons.append("wpd_driver")
    if u.vid == "05ac" and 0x1290 <= int(u.pid, 16) <= 0x12AF:
        reasons.append("apple_ios_device")
    if service in APPLE_SERVICES:
        reasons.append("apple_driver")
    if guid == ADB_CLASS or "adb interface" in _text(u).lower():
        reasons.append("android_adb")
    if _PHONE_WORDS.search(_text(u)):
        reasons.append("description")
    if is_tethering(u):
        reasons.append("tethering")
    # A phone maker's vendor id alone is not a phone (Samsung also makes USB disks).
    if u.vid in devid.PHONE_VENDORS and u.device_class in ("image", "net", "modem"):
        reasons.append("phone_vendor_class")
    return reasons


def is_tethering(u: UsbInstance) -> bool:
    """A USB network interface a phone offers to share its Internet connection (RNDIS, Apple)."""
    service = str(u.facts.get("service", "")).lower()
    return u.device_class == "net" and (
        service in TETHERING_SERVICES or bool(_TETHER_WORDS.search(_text(u)))
    )


def _groups(usb: list[UsbInstance]) -> list[list[UsbInstance]]:
    """Parents first, each with its interface children (matched by ParentIdPrefix)."""
    groups: dict[int, list[UsbInstance]] = {}
    by_prefix: dict[tuple[str, str, str], UsbInstance] = {}
    for u in usb:
        if u.interface is None:
            groups[id(u)] = [u]
            if pre := str(u.facts.get("parent_id_prefix", "")):
                by_prefix[(u.vid, u.pid, pre.upper())] = u
    for u in usb:
        if u.interface is None:
            continue
        # A child's instance id is the parent's ParentIdPrefix plus "&<interface>".
        parent = by_prefix.get((u.vid, u.pid, u.instance.upper().rpartition("&")[0]))
        if parent is not None:
            groups[id(parent)].append(u)
        else:
            groups[id(u)] = [u]
    return list(groups.values())


class _Wpd:
    """A portable device named by SWD\\WPDBUSENUM or Windows Portable Devices\\Devices."""

    def __init__(self, hive: Hive, key: Key, facts: dict[str, Any], evidence: list[Evidence]):
        self.hive, self.key, self.facts, self.evidence = hive, key, facts, evidence
        self.used = False


def _portable_devices(ctx: AuditContext, system: Hive) -> list[_Wpd]:
    out = []
    root = system.key(ENUM_WPDBUS)
    for k in root.subkeys() if root is not None else []:
        if usbstor_in(k.name) is not None:  # a USB drive's volume, not a phone
            continue
        facts, ev = system.read(
            k,
            {
                "FriendlyName": "friendly_name",
                "ContainerID": "container_id",
                "DeviceDesc": "description",
                "Mfg": "mfg",
            },
        )
        facts = {f: inf_text(v) if isinstance(v, str) else v for f, v in facts.items()}
        facts["wpd_id"] = k.name
        out.append(_Wpd(system, k, facts, [system.evidence(k), *ev]))
    software = ctx.hive("SOFTWARE")
    root = software.key(PORTABLE_DEVICES) if software is not None else None
    for k in root.subkeys() if root is not None and software is not None else []:
        if usbstor_in(k.name) is not None:
            continue
        facts, ev = software.read(k, {"FriendlyName": "friendly_name"})
        facts["wpd_id"] = k.name
        out.append(_Wpd(software, k, facts, [software.evidence(k), *ev]))
    return out


def _matches(group: list[UsbInstance], wpd: _Wpd) -> bool:
    containers = {str(u.facts.get("container_id", "")).lower() for u in group} - {""}
    if str(wpd.facts.get("container_id", "")).lower() in containers:
        return True
    named = devid.parse(wpd.key.name)
    return (
        named is not None
        and named.bus == "USB"
        and any(
            (u.vid, u.pid, u.instance.upper()) == (named.vid, named.pid, named.instance.upper())
            for u in group
        )
    )


def _phones(ctx: AuditContext, system: Hive) -> Iterator[Observation]:
    usb = usb_instances(system, report_missing=False)
    wpds = _portable_devices(ctx, system)
    for group in _groups(usb):
        reasons = sorted({r for u in group for r in phone_reasons(u)})
        if not reasons:
            continue
        head = group[0]
        facts: dict[str, Any] = {
            "vid": head.vid,
            "pid": head.pid,
            "serial": head.instance,
            "serial_synthesised": head.facts["serial_synthesised"],
            "phone_reasons": reasons,
            "device_classes": sorted({u.device_class for u in group}),
            "services": sorted({str(u.facts["service"]) for u in group if u.facts.get("service")}),
            "tethering": any(is_tethering(u) for u in group),
        }
        if head.vid in devid.PHONE_VENDORS:
            facts["vendor"] = devid.PHONE_VENDORS[head.vid]
        for f in ("friendly_name", "description", "mfg", "container_id"):
            value = next((u.facts[f] for u in group if u.facts.get(f)), None)
            if value is not None:
                facts[f] = value
        evidence = [e for u in group for e in u.evidence]
        models = []
        for wpd in wpds:
            if _matches(group, wpd):
                wpd.used = True
                evidence += wpd.evidence
                name = wpd.facts.get("friendly_name")
                if name and name not in models:
                    models.append(name)
        if models:
            facts["model"] = models[0]
            facts["portable_device_names"] = models
        yield Observation("phone", head.identity, NAME, facts, head.times, evidence)
    for wpd in wpds:
        if wpd.used:
            continue
        facts = dict(wpd.facts, phone_reasons=["portable_device"])
        if "friendly_name" in facts:
            facts["model"] = facts["friendly_name"]
        yield Observation(
            "phone",
            f"WPD:{wpd.key.name}",
            NAME,
            facts,
            [Timestamp("key_last_written", wpd.key.last_written, "UTC")],
            wpd.evidence,
        )


def _bluetooth(system: Hive) -> Iterator[Observation]:
    root = system.key(BTHPORT_DEVICES)
    if root is None:
        return
    paired: dict[str, Evidence] = {}
    keys = system.key(BTHPORT_KEYS)
    for adapter in keys.subkeys() if keys is not None else []:
        for name in adapter.values():
            if (mac := normalise_mac(name)) is not None:
                # Only where the link key is: its bytes are secret and never copied out.
                paired[mac] = system.evidence(adapter, name)
    for k in root.subkeys():
        mac = normalise_mac(k.name)
        if mac is None:
            continue
        facts: dict[str, Any] = {"mac": mac, "paired": mac in paired}
        evidence = [system.evidence(k)]
        name_v = k.value("Name")
        if name_v is not None:
            raw = name_v.data if isinstance(name_v.data, bytes) else str(name_v.data).encode()
            facts["name"] = raw.split(b"\0", 1)[0].decode("utf-8", errors="replace").strip()
            evidence.append(system.evidence(k, name_v))
        cod = k.value("COD")
        if cod is not None and isinstance(cod.data, int):
            facts["class_of_device"] = cod.data
            facts["device_major_class"] = BT_MAJOR_CLASSES.get(cod.data >> 8 & 0x1F, "other")
            evidence.append(system.evidence(k, cod))
        if mac in paired:
            evidence.append(paired[mac])
        times = [Timestamp("key_last_written", k.last_written, "UTC")]
        for value_name, time_name in (
            ("LastSeen", "last_seen"),
            ("LastConnected", "last_connected"),
        ):
            v = k.value(value_name)
            when = system.time_of(k, v)
            if when is not None and v is not None:
                times.append(Timestamp(time_name, when, "UTC"))
                evidence.append(system.evidence(k, v))
        yield Observation("bluetooth", f"BT:{mac}", NAME, facts, times, evidence)


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    system = ctx.hive("SYSTEM")
    if system is None:
        return
    yield from _phones(ctx, system)
    yield from _bluetooth(system)
