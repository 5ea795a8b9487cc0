"""Device instance ids: the one parser every source uses to name a USB or Bluetooth device.

Windows names a device by its PnP instance id, `<bus>\\<device>\\<instance>`:

    USB\\VID_0781&PID_5567\\4C530001230101117344                   a USB device (Enum\\USB)
    USB\\VID_046D&PID_C52B&MI_00\\7&2A4F1C4B&0&0000                one interface of a composite
    USBSTOR\\Disk&Ven_SanDisk&Prod_Cruzer_Blade&Rev_1.00\\4C530001230101117344&0   its disk
    BTHENUM\\{0000110a-...}_LOCALMFG&000f\\7&2a1b&0&AABBCCDDEEFF_C00000000        Bluetooth

and writes the same id, with "#" for "\\", inside device paths and wrapper ids:

    \\??\\USBSTOR#Disk&Ven_SanDisk&...#4C53...&0#{53f56307-...}     MountedDevices, EMDMgmt
    SWD\\WPDBUSENUM\\_??_USBSTOR#Disk&...#4C53...&0#{...}           a drive as a portable device
    STORAGE\\Volume\\_??_USBSTOR#Disk&...                           its volume (Kernel-PnP)
    _??_USB#VID_05AC&PID_12A8#<serial>#{...}                        a phone (Portable Devices)

The registry analysers (usb, devices), setupapi and the event logs (win_events) all read ids
through `parse()`, so one stick has one identity and one serial in every source:

- the trailing "&<n>" of a USBSTOR instance is the LUN, not part of the serial;
- an instance with "&" as its second character was made up by Windows (the device reports no
  serial): it names no device across machines (`serial_synthesised`);
- ids are compared case-insensitively (`identity_key`): Windows 7 setupapi and Kernel-PnP write
  them upper-case ("VEN_SANDISK"), the registry as the device reports them ("Ven_SanDisk");
- a volume serial number is written one way everywhere ("1A2B-3C4D", `volume_serial_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .config import normalise_mac

# Device setup class GUIDs (Microsoft's system-defined classes) -> the device_class fact.
CLASS_GUIDS: dict[str, str] = {
    "{4d36e967-e325-11ce-bfc1-08002be10318}": "disk",
    "{4d36e972-e325-11ce-bfc1-08002be10318}": "net",
    "{4d36e979-e325-11ce-bfc1-08002be10318}": "printer",
    "{eec5ad98-8080-425f-922a-dabf3de3f69a}": "wpd",
    "{e0cbf06c-cd8b-4647-bb8a-263b43f0f974}": "bluetooth",
    "{6bdd1fc6-810f-11d0-bec7-08002be2092f}": "image",
    "{745a17a0-74d3-11d0-b6fe-00a0c90f57da}": "hid",
    "{4d36e96d-e325-11ce-bfc1-08002be10318}": "modem",
}

# USB vendor ids of phone and tablet makers (usb.ids; endpoint.md §2.1, list unverified). Each
# analyser says how much a vendor id alone tells (on Windows, nothing without a phone-like class).
PHONE_VENDORS: dict[str, str] = {
    "05ac": "Apple",
    "04e8": "Samsung",
    "18d1": "Google",
    "2717": "Xiaomi",
    "22d9": "OPPO",
    "12d1": "Huawei",
    "2d95": "vivo",
    "22b8": "Motorola",
    "1004": "LG",
    "0fce": "Sony",
    "0bb4": "HTC",
    "0421": "Nokia",
    "2a70": "OnePlus",
    "19d2": "ZTE",
    "1ebf": "Coolpad",
    "0e8d": "MediaTek",
}

_USB_DEVICE = re.compile(r"^VID_(?P<vid>[0-9A-F]{4})&PID_(?P<pid>[0-9A-F]{4})", re.I)
_MI = re.compile(r"&MI_(?P<mi>[0-9A-F]{2})", re.I)
_STOR_DEVICE = re.compile(
    r"^(?P<type>[^&\\]+)&Ven_(?P<ven>[^&\\]*)&Prod_(?P<prod>[^&\\]*)(?:&Rev_(?P<rev>[^&\\]*))?",
    re.I,
)
_LUN = re.compile(r"&\d+$")
_BT_MAC = re.compile(r"[&_](?P<mac>[0-9A-Fa-f]{12})(?:_[0-9A-Fa-f]+)?$")
_BT_BUSES = ("BTHENUM", "BTHLE", "BTHLEDEVICE")
# A USB or USBSTOR id written with "#" for "\\" inside a longer name (not preceded by a letter
# or digit, so "WPDBUSENUM#" is not read as one).
_WRAPPED = re.compile(r"(?<![A-Z0-9])(?P<bus>USBSTOR|USB)#", re.I)


def is_synthesised(instance: str) -> bool:
    """Windows made the instance id up (the device has no unique serial): `&` as 2nd char."""
    return len(instance) > 1 and instance[1] == "&"


def device_class(class_guid: str, default: str = "other") -> str:
    """The device_class word of a setup class GUID (any case, braces as Windows writes them)."""
    return CLASS_GUIDS.get((class_guid or "").strip().lower(), default)


def identity_key(identity: str) -> str:
    """What two identities are compared by: the same device may be written in either case."""
    return identity.casefold()


def distinct_identities(identities: Iterable[str]) -> list[str]:
    """Each identity once whatever its case (the first spelling met), sorted."""
    seen: dict[str, str] = {}
    for identity in identities:
        seen.setdefault(identity_key(identity), identity)
    return [seen[k] for k in sorted(seen)]


def volume_serial_text(n: int) -> str:
    """A 32-bit volume serial number as Windows shows it ("1A2B-3C4D"): EMDMgmt and the boot
    sectors of event 1006 write it so, and correlation matches it across machines."""
    return f"{n >> 16 & 0xFFFF:04X}-{n & 0xFFFF:04X}"


def storage_identity(vendor: str, product: str, serial: str) -> str:
    """The identity of a USB disk, spelled as its USBSTOR key is (spaces as "_")."""
    return "USBSTOR:{}/{}/{}".format(
        *(s.strip().replace(" ", "_") for s in (vendor, product, serial))
    )


@dataclass(frozen=True)
class DeviceId:
    """One parsed instance id. Text fields keep the case the source wrote."""

    bus: str  # "USB", "USBSTOR" or "BTH"
    instance_id: str  # the whole id as the source wrote it
    device: str = ""  # the device part: "VID_0781&PID_5567", "Disk&Ven_...&Rev_1.00"
    instance: str = ""  # the instance part: "4C53...&0"
    vid: str = ""  # lower-case hex, as usb.ids and Linux write it
    pid: str = ""
    usb_interface: str = ""  # "00" for interface MI_00 of a composite device
    device_type: str = ""  # USBSTOR: Disk, CdRom, Other
    vendor: str = ""
    product: str = ""
    revision: str = ""
    serial: str = ""  # USBSTOR without the LUN; USB the instance as written
    serial_synthesised: bool = False
    mac: str = ""  # Bluetooth, "aa:bb:cc:dd:ee:ff"
    portable: bool = False  # named inside a portable-device (WPD) id

    @property
    def identity(self) -> str:
        if self.bus == "USBSTOR":
            return storage_identity(self.vendor, self.product, self.serial)
        if self.bus == "USB":
            return f"USB:{self.vid}/{self.pid}/{self.serial}"
        return f"BT:{self.mac}"

    @property
    def ref(self) -> tuple[str, str]:
        """(device, instance) upper-case: the USBSTOR key a device path points to."""
        return self.device.upper(), self.instance.upper()

    @property
    def device_class(self) -> str:
        """What the id alone says; "" where only the setup class can tell (USB devices)."""
        if self.bus == "USBSTOR":
            return "disk"
        if self.bus == "BTH":
            return "bluetooth"
        return "wpd" if self.portable else ""

    def facts(self) -> dict[str, Any]:
        """The facts every source reports for the device (names as the rules read them)."""
        out: dict[str, Any] = {"instance_id": self.instance_id}
        if self.bus == "USB":
            out.update(vid=self.vid, pid=self.pid, serial=self.serial)
            if self.usb_interface:
                out["usb_interface"] = self.usb_interface
        elif self.bus == "USBSTOR":
            out.update(
                device_type=self.device_type,
                vendor=self.vendor,
                product=self.product,
                revision=self.revision,
                serial=self.serial,
            )
        else:
            out["mac"] = self.mac
        if self.bus != "BTH":
            out["serial_synthesised"] = self.serial_synthesised
        if self.device_class:
            out["device_class"] = self.device_class
        return out


def parse(text: str) -> DeviceId | None:
    """The USB, USB storage or Bluetooth device an instance id, device path or wrapper id
    names; None for anything else (PCI, ACPI, root hubs...)."""
    text = (text or "").strip()
    parts = text.split("\\")
    bus = parts[0].upper()
    if bus not in ("USB", "USBSTOR", *_BT_BUSES) and (m := _WRAPPED.search(text)):
        inner = text[m.start("bus") :].split("#")
        found = _parse_parts(inner[0].upper(), inner[1:3], text)
        if found is None:
            return None
        portable = "WPD" in text[: m.start("bus")].upper()
        return replace(found, portable=True) if portable else found
    return _parse_parts(bus, parts[1:], text)


def _parse_parts(bus: str, rest: list[str], text: str) -> DeviceId | None:
    device = rest[0] if rest else ""
    instance = rest[1] if len(rest) > 1 else ""
    if bus == "USBSTOR" and device and instance:
        m = _STOR_DEVICE.match(device)
        # A device part not in the Ven_/Prod_ form is still a USB disk: reported, never dropped.
        return DeviceId(
            "USBSTOR",
            text,
            device,
            instance,
            device_type=m["type"] if m else "",
            vendor=m["ven"] if m else "",
            product=m["prod"] if m else device,
            revision=(m["rev"] or "") if m else "",
            serial=_LUN.sub("", instance),
            serial_synthesised=is_synthesised(instance),
        )
    if bus == "USB" and (m := _USB_DEVICE.match(device)):
        mi = _MI.search(device)
        return DeviceId(
            "USB",
            text,
            device,
            instance,
            vid=m["vid"].lower(),
            pid=m["pid"].lower(),
            usb_interface=mi["mi"] if mi else "",
            serial=instance,
            serial_synthesised=is_synthesised(instance),
        )
    if bus in _BT_BUSES and len(rest) >= 2 and (m := _BT_MAC.search(rest[-1])):
        return DeviceId("BTH", text, device, instance, mac=normalise_mac(m["mac"]) or "")
    return None


__all__ = [
    "CLASS_GUIDS",
    "PHONE_VENDORS",
    "DeviceId",
    "device_class",
    "distinct_identities",
    "identity_key",
    "is_synthesised",
    "parse",
    "storage_identity",
    "volume_serial_text",
]
