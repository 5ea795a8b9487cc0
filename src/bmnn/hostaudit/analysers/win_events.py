"""Windows event logs: USB connections, Wi-Fi connections, Internet reachability, cleared logs
and logons, each record's TimeCreated (UTC) as its time.

Channels and events read (endpoint.md §2.1, §2.2, §7 rows 8, 9, 15, 16, 23, 24):
- Microsoft-Windows-Partition/Diagnostic 1006: one record per disk arrival/removal with
  manufacturer, model, serial, capacity and the first sectors of up to four partitions
  (Vbr0..Vbr3), from which the volume serial numbers are decoded (FAT12/16/32, exFAT, NTFS).
- Microsoft-Windows-Kernel-PnP/Configuration 400 (configured), 410 (started), 420 (deleted).
- System: UserPnp 20001 (driver installed), 20003 (service added); Eventlog 104 (log cleared).
- Microsoft-Windows-WLAN-AutoConfig/Operational 8001/8003/8005/8006/20019.
- Microsoft-Windows-NCSI/Operational 4042; Microsoft-Windows-UniversalTelemetryClient/
  Operational 55 ("Is the Internet available").
- Security 1102 (log cleared), 4624 (logon).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import devid
from ..context import UTC_LABEL, AuditContext
from ..eventlog import EventRecord, text_of
from ..model import Observation, Timestamp

NAME = "win_events"

PARTITION = "Microsoft-Windows-Partition/Diagnostic"
KERNEL_PNP = "Microsoft-Windows-Kernel-PnP/Configuration"
SYSTEM = "System"
WLAN = "Microsoft-Windows-WLAN-AutoConfig/Operational"
NCSI = "Microsoft-Windows-NCSI/Operational"
TELEMETRY = "Microsoft-Windows-UniversalTelemetryClient/Operational"
SECURITY = "Security"

PNP_ACTIONS = {400: "configured", 410: "started", 420: "deleted"}
USERPNP_ACTIONS = {20001: "driver_installed", 20003: "service_added"}
# 8001/8003 are documented by Microsoft (connected / disconnected). The hosted-network meaning of
# 8005, 8006 and 20019 comes from endpoint.md §2.2 (DFIR write-ups), not from Microsoft's manifest.
WLAN_ACTIONS = {
    8001: "connected",
    8003: "disconnected",
    8005: "hosted_network",
    8006: "hosted_network",
    20019: "hosted_network_peer",
}

# STORAGE_BUS_TYPE values of fixed internal disks; every other bus (USB 7, SD 12, MMC 13,
# 1394 4, unknown 0, virtual...) is reported, so an unknown bus is never silently dropped.
_INTERNAL_BUSES = {1: "SCSI", 2: "ATAPI", 3: "ATA", 8: "RAID", 10: "SAS", 11: "SATA", 17: "NVMe"}
_BUS_NAMES = {
    0: "Unknown",
    4: "1394",
    7: "USB",
    12: "SD",
    13: "MMC",
    14: "Virtual",
    15: "FileBackedVirtual",
    **_INTERNAL_BUSES,
}

# Logon types that are the machine itself (0 system, 5 service) and its own service accounts.
_SERVICE_LOGON_TYPES = {0, 5}
_SERVICE_ACCOUNTS = {"SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE"}
_LOGON_TYPES = {
    2: "interactive",
    3: "network",
    4: "batch",
    7: "unlock",
    8: "network_cleartext",
    9: "new_credentials",
    10: "remote_interactive",
    11: "cached_interactive",
}


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    for rec in ctx.events(PARTITION):
        if rec.event_id == 1006:
            yield from _partition(ctx, rec)
    for rec in ctx.events(KERNEL_PNP):
        if rec.event_id in PNP_ACTIONS:
            yield from _device_event(
                ctx,
                rec,
                _get(rec.data, "DeviceInstanceId"),
                PNP_ACTIONS[rec.event_id],
                _get(rec.data, "ClassGuid"),
            )
    for rec in ctx.events(SYSTEM):
        if rec.event_id in USERPNP_ACTIONS and "userpnp" in rec.provider.lower():
            yield from _device_event(
                ctx,
                rec,
                _get(rec.data, "DeviceInstanceID"),
                USERPNP_ACTIONS[rec.event_id],
                _get(rec.data, "SetupClass"),
            )
        elif rec.event_id == 104 and "eventlog" in rec.provider.lower():
            yield _cleared(ctx, rec, _get(rec.data, "Channel") or "?")
    for rec in ctx.events(WLAN):
        if rec.event_id in WLAN_ACTIONS:
            yield _wlan(ctx, rec)
    for rec in ctx.events(NCSI):
        if rec.event_id == 4042:
            yield _ncsi(ctx, rec)
    for rec in ctx.events(TELEMETRY):
        if rec.event_id == 55:
            yield _telemetry(ctx, rec)
    for rec in ctx.events(SECURITY):
        if rec.event_id == 1102:
            yield _cleared(ctx, rec, SECURITY)
        elif rec.event_id == 4624 and (obs := _logon(ctx, rec)):
            yield obs


# -- helpers --------------------------------------------------------------------------------------
def _get(data: Mapping[str, Any], *names: str) -> str:
    """A payload field by any of `names`, case-insensitively, as text ("" when absent)."""
    for name in names:  # the usual case, without building the lower-case map
        if name in data:
            return text_of(data[name])
    lowered = {k.lower(): v for k, v in data.items()}
    for name in names:
        if name.lower() in lowered:
            return text_of(lowered[name.lower()])
    return ""


def _int(text: str) -> int | None:
    try:
        return int(text, 0) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return None


def _base_facts(rec: EventRecord) -> dict:
    return {
        "event_id": rec.event_id,
        "channel": rec.channel,
        "provider": rec.provider,
        "computer": rec.computer,
        "record_id": rec.record_id,
    }


def _evidence(ctx: AuditContext, rec: EventRecord, raw: str):
    return ctx.evidence(rec.source, rec.locator, raw)


def _time(rec: EventRecord) -> tuple[Timestamp, ...]:
    return (Timestamp("event_time", rec.time, UTC_LABEL),)


def _raw(data: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    return "; ".join(f"{k}={_get(data, k)}" for k in keys if _get(data, k))


# -- USB ------------------------------------------------------------------------------------------
def _partition(ctx: AuditContext, rec: EventRecord) -> Iterator[Observation]:
    d = rec.data
    bus = _int(_get(d, "BusType"))
    if bus in _INTERNAL_BUSES:
        return
    facts = _base_facts(rec)
    facts.update(
        manufacturer=_get(d, "Manufacturer"),
        model=_get(d, "Model"),
        revision=_get(d, "Revision"),
        serial=_get(d, "SerialNumber"),
        parent_id=_get(d, "ParentId"),
        disk_id=_get(d, "DiskId"),
        disk_number=_int(_get(d, "DiskNumber")),
        bus_type=bus,
        bus_name=_BUS_NAMES.get(bus, str(bus)) if bus is not None else "",
    )
    capacity = _int(_get(d, "Capacity"))
    facts["capacity"] = capacity
    # Windows writes a 1006 record with zero capacity and no partition table on removal.
    facts["event"] = "connected" if capacity else "disconnected"
    # The disk's identity as its USBSTOR key spells it: vendor and model from the record, and
    # the USB device's serial from ParentId (USB\VID_..&PID_..\<serial>), which is what the
    # USBSTOR instance is made of; the disk's own SerialNumber only when ParentId has none.
    parent = devid.parse(facts["parent_id"])
    serial = facts["serial"]
    if parent is not None:
        parent_facts = parent.facts()
        facts["usb_serial"] = parent_facts.pop("serial", "")  # the disk's own stays `serial`
        facts.update(parent_facts)
        if facts["usb_serial"] and not parent.serial_synthesised:
            serial = facts["usb_serial"]
    identity = devid.storage_identity(facts["manufacturer"], facts["model"], serial)
    facts.update(vendor=facts["manufacturer"], product=facts["model"], device_class="disk")
    volumes = []
    for index in range(4):
        vbr = _hex_bytes(d, f"Vbr{index}")
        if vbr is None:
            continue
        vol = volume_serial(vbr)
        if vol:
            volumes.append((index, *vol))
    facts["volume_serials"] = [v[2] for v in volumes]
    raw = _raw(d, ("Manufacturer", "Model", "SerialNumber", "ParentId", "Capacity", "BusType"))
    evidence = _evidence(ctx, rec, raw)
    yield Observation("usb_event", identity, NAME, facts, _time(rec), (evidence,))
    for index, fs, vsn, full, label in volumes:
        vfacts = {
            "volume_serial": vsn,
            "volume_serial_full": full,
            "file_system": fs,
            "label": label,
            "device": identity,
            "serial": facts["serial"],
            "vbr_index": index,
            **_base_facts(rec),
        }
        raw_v = f"Vbr{index}: {fs} serial {full}"
        yield Observation(
            "volume", f"VOL:{vsn}", NAME, vfacts, _time(rec), (_evidence(ctx, rec, raw_v),)
        )


def _hex_bytes(data: Mapping[str, Any], key: str) -> bytes | None:
    """A binary payload field: the evtx wheel writes binary data as a hex string."""
    value = next((v for k, v in data.items() if k.lower() == key.lower()), None)
    if isinstance(value, list) and all(isinstance(b, int) for b in value):
        return bytes(b & 0xFF for b in value)
    text = text_of(value).replace(" ", "").replace("-", "")
    if not text:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def volume_serial(vbr: bytes) -> tuple[str, str, str, str] | None:
    """(file system, serial "XXXX-XXXX" as `vol` shows it, full serial hex, label) read from a
    volume boot record, or None when it is not FAT, exFAT or NTFS.

    Offsets (Microsoft's FAT and exFAT specifications, NTFS boot sector): FAT12/16 serial at
    0x27 and label at 0x2B; FAT32 serial at 0x43 and label at 0x47; exFAT serial at 0x64;
    NTFS an 8-byte serial at 0x48 of which Windows shows the low 4 bytes."""
    if len(vbr) < 0x70:
        return None
    oem = vbr[3:11]
    if oem == b"NTFS    ":
        raw = vbr[0x48:0x50]
        low = int.from_bytes(raw[:4], "little")
        return "NTFS", devid.volume_serial_text(low), raw[::-1].hex().upper(), ""
    if oem == b"EXFAT   ":
        value = int.from_bytes(vbr[0x64:0x68], "little")
        return "exFAT", devid.volume_serial_text(value), f"{value:08X}", ""
    if vbr[0x52:0x5A] == b"FAT32   " and vbr[0x42] in (0x28, 0x29):
        value = int.from_bytes(vbr[0x43:0x47], "little")
        return "FAT32", devid.volume_serial_text(value), f"{value:08X}", _label(vbr[0x47:0x52])
    if vbr[0x36:0x3E] in (b"FAT12   ", b"FAT16   ", b"FAT     ") and vbr[0x26] in (0x28, 0x29):
        value = int.from_bytes(vbr[0x27:0x2B], "little")
        fs = vbr[0x36:0x3B].decode("ascii").strip()
        return fs, devid.volume_serial_text(value), f"{value:08X}", _label(vbr[0x2B:0x36])
    return None


def _label(raw: bytes) -> str:
    label = raw.decode("cp1252", errors="replace").strip()
    return "" if label == "NO NAME" else label


def _device_event(ctx, rec: EventRecord, instance_id: str, action: str, class_guid: str):
    device = devid.parse(instance_id)
    if device is None:
        return
    facts = {**_base_facts(rec), **device.facts(), "event": action}
    if class_guid:
        facts["class_guid"] = class_guid.lower()
        facts["device_class"] = devid.device_class(class_guid, device.device_class or "other")
    for key, name in (
        ("driver_name", "DriverName"),
        ("driver_description", "DriverDescription"),
        ("service_name", "ServiceName"),
        ("status", "Status"),
    ):
        if value := _get(rec.data, name):
            facts[key] = value
    raw = f"{instance_id}; {action}"
    yield Observation(
        "usb_event", device.identity, NAME, facts, _time(rec), (_evidence(ctx, rec, raw),)
    )


# -- networks -------------------------------------------------------------------------------------
def _wlan(ctx: AuditContext, rec: EventRecord) -> Observation:
    d = rec.data
    facts = _base_facts(rec)
    facts["event"] = WLAN_ACTIONS[rec.event_id]
    for key, name in (
        ("ssid", "SSID"),
        ("bssid", "BSSID"),
        ("profile_name", "ProfileName"),
        ("interface", "InterfaceDescription"),
        ("interface_guid", "InterfaceGuid"),
        ("connection_mode", "ConnectionMode"),
        ("bss_type", "BSSType"),
        ("authentication", "AuthenticationAlgorithm"),
        ("cipher", "CipherAlgorithm"),
        ("reason", "Reason"),
    ):
        if value := _get(d, name):
            facts[key] = value
    if "bssid" in facts:
        facts["bssid"] = facts["bssid"].replace("-", ":").lower()
    facts["connection_type"] = "wifi"
    name = facts.get("ssid") or facts.get("profile_name") or f"event {rec.event_id}"
    raw = _raw(d, ("SSID", "BSSID", "ProfileName", "ConnectionMode", "InterfaceDescription"))
    return Observation(
        "network_event", f"WLAN:{name}", NAME, facts, _time(rec), (_evidence(ctx, rec, raw),)
    )


def internet_flag(value: Any) -> bool | None:
    """Whether a capability/availability value says the Internet was reachable: True, False,
    or None for a value we do not know (the rule then sees "unknown", not "no Internet").
    NCSI's numeric capability 2 = Internet follows endpoint.md §2.2 (unverified)."""
    text = text_of(value).strip().lower()
    if text in ("internet", "2", "true", "yes"):
        return True
    if text in ("none", "local", "localnetwork", "0", "1", "false", "no"):
        return False
    return None


def _ncsi(ctx: AuditContext, rec: EventRecord) -> Observation:
    capability = _get(rec.data, "Capability")
    raw = _raw(rec.data, ("InterfaceGuid", "Family", "Capability", "ChangeReason"))
    return _reachable(ctx, rec, internet_flag(capability), {"capability": capability}, raw)


def _telemetry(ctx: AuditContext, rec: EventRecord) -> Observation:
    key = next((k for k in rec.data if "internet" in k.lower()), None)
    value = text_of(rec.data[key]) if key else ""
    raw = f"{key}={value}" if key else ""
    return _reachable(ctx, rec, internet_flag(value) if key else None, {"value": value}, raw)


def _reachable(ctx, rec, reachable: bool | None, extra: dict, raw: str) -> Observation:
    # Records saying "no Internet" are kept too (reachable False): the rule decides.
    facts = {**_base_facts(rec), "reachable": reachable, **extra}
    if iface := _get(rec.data, "InterfaceGuid"):
        facts["interface"] = iface
    if family := _get(rec.data, "Family"):
        facts["family"] = family
    return Observation(
        "internet_reachable",
        f"NET:{rec.channel}",
        NAME,
        facts,
        _time(rec),
        (_evidence(ctx, rec, raw or f"event {rec.event_id}"),),
    )


# -- wiping and logons ----------------------------------------------------------------------------
def _cleared(ctx: AuditContext, rec: EventRecord, channel: str) -> Observation:
    d = rec.data
    facts = _base_facts(rec)
    facts.update(
        channel=channel,
        event_channel=rec.channel,
        user=_get(d, "SubjectUserName"),
        domain=_get(d, "SubjectDomainName"),
        sid=_get(d, "SubjectUserSid"),
    )
    if backup := _get(d, "BackupPath"):
        facts["backup_path"] = backup
    raw = _raw(d, ("SubjectUserName", "SubjectDomainName", "Channel", "BackupPath"))
    return Observation(
        "log_cleared",
        f"LOG:{channel}",
        NAME,
        facts,
        _time(rec),
        (_evidence(ctx, rec, raw or f"event {rec.event_id}"),),
    )


def _logon(ctx: AuditContext, rec: EventRecord) -> Observation | None:
    d = rec.data
    logon_type = _int(_get(d, "LogonType"))
    user = _get(d, "TargetUserName")
    if logon_type in _SERVICE_LOGON_TYPES or user.upper() in _SERVICE_ACCOUNTS:
        return None
    if user.upper().startswith(("DWM-", "UMFD-")):  # desktop-window / font-driver sessions
        return None
    ip = _get(d, "IpAddress")
    workstation = _get(d, "WorkstationName")
    remote = ip not in ("", "-", "127.0.0.1", "::1")
    domain = _get(d, "TargetDomainName")
    facts = _base_facts(rec)
    facts.update(
        user=user,
        domain=domain,
        sid=_get(d, "TargetUserSid"),
        logon_type=logon_type,
        logon_type_name=_LOGON_TYPES.get(logon_type, str(logon_type)),
        ip=ip if remote else "",
        workstation=workstation,
        host=ip if remote else (workstation if workstation != "-" else ""),
        remote=remote,
        logon_process=_get(d, "LogonProcessName"),
    )
    if remote:
        facts["remote_host"] = ip  # a logon from another machine is a network connection
    raw = _raw(
        d, ("TargetUserName", "TargetDomainName", "LogonType", "IpAddress", "WorkstationName")
    )
    return Observation(
        "logon", f"LOGON:{domain}\\{user}", NAME, facts, _time(rec), (_evidence(ctx, rec, raw),)
    )
