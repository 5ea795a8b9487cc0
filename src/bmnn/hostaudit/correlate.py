"""Correlation across an agency's machines: the same USB drive or volume on several computers.

A drive that was plugged into a secret computer and into an Internet computer is how data
travels between them. Every audit already lists its USB serials (USBSTOR, Enum\\USB, setupapi,
event 1006, Kernel-PnP, Linux "SerialNumber:") and volume serials (event 1006 boot sectors,
EMDMgmt); here they are matched across the machines' reports, and every device seen on both a
`secret` and an `internet` machine is reported with both machines' names and the times on each.

A serial Windows made up (`&` as its second character) names no device and is never matched;
nor are placeholder serials that many cheap drives share ("0000…", "0123456789ABCDEF"). Serials
and identities are compared whatever their case: one stick is "SanDisk" in one machine's
registry and "SANDISK" in another's setupapi log, "4c53…" on Linux and "4C53…" on Windows.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .audit import AuditReport, run_audit
from .bundle import tool_version
from .config import ROLES, AuditConfig, normalise_serial
from .consistency import storage_serials
from .devid import distinct_identities
from .model import Evidence, Observation, Timestamp

KEY_TYPES: dict[str, str] = {"usb_serial": "Số sê-ri USB", "volume_serial": "Số sê-ri ổ đĩa"}
_PLACEHOLDERS = {"0123456789ABCDEF", "0123456789", "1234567890", "123456789ABCDEF"}


@dataclass(frozen=True)
class Sighting:
    """One machine's record of a device: which observation, when, from which evidence."""

    host: str
    role: str
    kind: str
    identity: str
    analyser: str
    times: tuple[Timestamp, ...]
    evidence: tuple[Evidence, ...]

    @property
    def first(self) -> datetime | None:
        return min((t.utc for t in self.times), default=None)

    @property
    def last(self) -> datetime | None:
        return max((t.utc for t in self.times), default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "role": self.role,
            "kind": self.kind,
            "identity": self.identity,
            "analyser": self.analyser,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "times": [t.as_dict() for t in self.times],
            "evidence": [e.as_dict() for e in self.evidence],
        }


@dataclass(frozen=True)
class DeviceLink:
    key_type: str  # usb_serial | volume_serial
    value: str
    sightings: tuple[Sighting, ...]

    @property
    def hosts(self) -> list[str]:
        return sorted({s.host for s in self.sightings})

    @property
    def roles(self) -> set[str]:
        return {s.role for s in self.sightings}

    @property
    def crosses(self) -> bool:
        """Seen on a secret machine and on an Internet machine."""
        return {"secret", "internet"} <= self.roles

    def on(self, host: str) -> list[Sighting]:
        return [s for s in self.sightings if s.host == host]

    def identities_on(self, host: str) -> list[str]:
        """What the machine's sources call the device, each name once whatever its case."""
        return distinct_identities(s.identity for s in self.on(host))

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_type": self.key_type,
            "key_type_vi": KEY_TYPES[self.key_type],
            "value": self.value,
            "hosts": self.hosts,
            "crosses": self.crosses,
            "machines": [
                {
                    "host": h,
                    "role": self.on(h)[0].role,
                    "first": _iso(min((s.first for s in self.on(h) if s.first), default=None)),
                    "last": _iso(max((s.last for s in self.on(h) if s.last), default=None)),
                    "identities": self.identities_on(h),
                    "sightings": [s.as_dict() for s in self.on(h)],
                }
                for h in self.hosts
            ],
        }


@dataclass
class Machine:
    host: str
    role: str
    root: str
    platform: str
    audit_time: datetime
    bundle_sha256: str = ""
    bundle_intact: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "role": self.role,
            "role_vi": ROLES.get(self.role, self.role),
            "root": self.root,
            "platform": self.platform,
            "audit_time": self.audit_time.isoformat(),
            "bundle_sha256": self.bundle_sha256,
            "bundle_intact": self.bundle_intact,
        }


@dataclass
class Correlation:
    machines: list[Machine]
    links: list[DeviceLink]  # every device seen on two machines or more
    created_at: datetime
    tool_version: str
    notes: list[str] = field(default_factory=list)

    @property
    def crossings(self) -> list[DeviceLink]:
        return [link for link in self.links if link.crosses]

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": "bmnn-host-correlation/1",
            "created_at": self.created_at.isoformat(),
            "tool_version": self.tool_version,
            "machines": [m.as_dict() for m in self.machines],
            "crossings": [link.as_dict() for link in self.crossings],
            "links": [link.as_dict() for link in self.links],
            "notes": list(self.notes),
        }


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


# -- keys -------------------------------------------------------------------------------------
def _is_placeholder(serial: str) -> bool:
    s = serial.replace("-", "")
    return len(s) < 5 or len(set(s)) == 1 or s in _PLACEHOLDERS


def device_keys(o: Observation) -> list[tuple[str, str]]:
    """(key type, value) pairs that identify the physical drive or volume an observation names."""
    f = o.facts
    keys: list[tuple[str, str]] = []
    storage = o.kind == "usb_storage" or (
        o.kind in ("usb_event", "usb_device")
        and (f.get("device_class") == "disk" or o.identity.upper().startswith("USBSTOR:"))
    )
    if storage:
        keys += [("usb_serial", s) for s in storage_serials(o)]
    vols = []
    if o.kind == "volume" and f.get("volume_serial"):
        vols.append(str(f["volume_serial"]))
    if storage:
        raw = f.get("volume_serials") or []
        vols += [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])]
    keys += [("volume_serial", v.upper()) for v in vols if v]
    return [(t, v) for t, v in dict.fromkeys(keys) if v and not _is_placeholder(v)]


# -- correlation ------------------------------------------------------------------------------
ConfigArg = AuditConfig | Sequence[AuditConfig | None] | Mapping[str, AuditConfig] | None


def correlate(
    reports_or_roots: Iterable[AuditReport | str | os.PathLike[str]],
    configs: ConfigArg = None,
    *,
    now: datetime | None = None,
) -> Correlation:
    """Match devices across machines. `configs` is one AuditConfig for all (its `machines`
    table gives each machine's role), a list parallel to the inputs, or a mapping from host
    name or root path to AuditConfig. Roots are audited here with their config."""
    items = list(reports_or_roots)
    reports: list[tuple[AuditReport, AuditConfig | None]] = []
    for i, item in enumerate(items):
        cfg = _config_for(configs, i, item)
        report = item if isinstance(item, AuditReport) else run_audit(item, cfg, now=now)
        if cfg is None and isinstance(configs, Mapping):
            cfg = configs.get(report.host_name) or configs.get(report.host_name.upper())
        reports.append((report, cfg))

    machines: list[Machine] = []
    groups: dict[tuple[str, str], list[Sighting]] = defaultdict(list)
    names: dict[str, int] = {}
    notes: list[str] = []
    for report, cfg in reports:
        host = report.host_name or os.path.basename(report.root.rstrip("/")) or "?"
        if host in names:  # two bundles of one machine, or unnamed machines: keep both apart
            names[host] += 1
            host = f"{host} ({names[host]})"
        else:
            names[host] = 1
        role = cfg.role_for(report.host_name) if cfg else report.role
        bundle = report.bundle
        machines.append(
            Machine(
                host,
                role,
                report.root,
                report.platform,
                report.audit_time,
                bundle.manifest_sha256 if bundle else "",
                bundle.intact if bundle else None,
            )
        )
        if bundle is not None and not bundle.intact:
            notes.append(f"Gói chứng cứ của máy {host} không toàn vẹn: kết quả cần thận trọng.")
        skipped = set()
        for o in report.observations:
            if o.facts.get("serial_synthesised"):
                skipped.add(normalise_serial(str(o.facts.get("serial", ""))))
            for key in device_keys(o):
                groups[key].append(
                    Sighting(host, role, o.kind, o.identity, o.analyser, o.times, o.evidence)
                )
        if skipped - {""}:
            notes.append(
                f"Máy {host}: {len(skipped - {''})} thiết bị có số sê-ri do Windows tự sinh "
                f"(không định danh được thiết bị) không được đối chiếu."
            )
    links = [
        DeviceLink(key[0], key[1], tuple(sightings))
        for key, sightings in sorted(groups.items())
        if len({s.host for s in sightings}) > 1
    ]
    links.sort(key=lambda link: (not link.crosses, link.key_type, link.value))
    roles = {m.role for m in machines}
    if "internet" not in roles:
        notes.append(
            "Không có máy nào được khai báo là máy kết nối Internet (role: internet, hoặc bảng "
            "machines trong tệp cấu hình): chỉ đối chiếu thiết bị dùng chung giữa các máy."
        )
    return Correlation(
        machines, links, (now or datetime.now(UTC)).astimezone(UTC), tool_version(), notes
    )


def _config_for(configs: ConfigArg, index: int, item: Any) -> AuditConfig | None:
    if configs is None or isinstance(configs, AuditConfig):
        return configs
    if isinstance(configs, Mapping):
        if isinstance(item, AuditReport):
            return configs.get(item.host_name) or configs.get(item.root)
        return configs.get(str(item)) or configs.get(os.fspath(item))
    return configs[index] if index < len(configs) else None


__all__ = ["Correlation", "DeviceLink", "Machine", "Sighting", "correlate", "device_keys"]
