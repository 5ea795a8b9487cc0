"""AuditConfig: what an agency declares about its own machines and networks.

The law says what is forbidden; only the agency knows which LAN is its approved independent LAN,
which encrypted USB drives and printers it issued, which cipher software it was given, which
intranet hosts its staff visit, which machine is a secret machine and which one is its Internet
machine, and which clauses of its own regulation (quy chế, nội quy) ban USB drives, phones or
extra software. All of that is data in one YAML file the agency writes
(`data/agency-example.yaml` documents it). Without a file nothing is allow-listed (fail closed).
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bmnn.rules.model import CONFIDENCE

from .yamlcheck import as_list, as_mapping, unknown_keys

ROLES: dict[str, str] = {
    "secret": "máy soạn thảo, lưu giữ bí mật nhà nước",
    "internet": "máy kết nối Internet",
}
DEFAULT_ROLE = "secret"  # the auditor exists for secret machines; say otherwise in the file

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_TOP_KEYS = {
    "agency",
    "role",
    "machines",
    "independent_lan",
    "intranet_hosts",
    "approved_usb",
    "allowed_printers",
    "approved_cipher",
    "allowed_software",
    "clauses",
}
_LAN_KEYS = {"name", "subnets", "gateway_macs"}
_USB_KEYS = {"serial", "vid", "pid", "description"}
_PRINTER_KEYS = {"vid", "pid", "name", "description"}
_CLAUSE_KEYS = {"ref", "quote", "confidence", "note"}
_HEX4 = re.compile(r"^[0-9a-f]{4}$")
_IP_CHARS = re.compile(r"^[0-9A-Fa-f:.]+$")


class ConfigError(ValueError):
    """The agency file is unreadable or wrong; the message is Vietnamese, one line per problem."""


def normalise_mac(value: str) -> str | None:
    """ "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", "AABBCCDDEEFF" -> "aa:bb:cc:dd:ee:ff"; None if not
    a 6-byte MAC."""
    digits = re.sub(r"[^0-9a-fA-F]", "", value or "")
    if len(digits) != 12 or re.sub(r"[0-9a-fA-F:.\-\s]", "", value):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2)).lower()


def normalise_serial(value: str) -> str:
    """A USB serial as found anywhere (USBSTOR instance "4C53…&0", setupapi, event 1006, Linux
    "SerialNumber:"), upper-case, without the "&0" instance suffix Windows appends."""
    s = (value or "").strip().upper()
    return re.sub(r"&\d+$", "", s)


@functools.lru_cache(maxsize=8192)  # the same hosts and gateways come back thousands of times
def parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from "10.1.2.3", "10.1.2.3/24" or "fe80::1%eth0/64"; None if it is not one."""
    text = str(value or "").split("/")[0].split("%")[0].strip()
    if not _IP_CHARS.match(text):  # a host name: skip the costly failing parse
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class ApprovedUsb:
    serial: str  # normalised
    vid: str = ""  # lower-case hex, "" = any
    pid: str = ""
    description: str = ""


@dataclass(frozen=True)
class AllowedPrinter:
    vid: str = ""
    pid: str = ""
    name: str = ""  # a case-insensitive glob on the device's name
    description: str = ""


@dataclass(frozen=True)
class AgencyClause:
    """A clause of the agency's own regulation that a check rests on."""

    ref: str  # "Quy chế bảo vệ BMNN của Sở X (QĐ 12/QĐ-SX), Điều 7, khoản 2"
    quote: str = ""
    confidence: str = "confirmed"  # the agency's own text, declared by the agency
    note: str = ""


@dataclass(frozen=True)
class AuditConfig:
    agency: str = ""
    role: str = DEFAULT_ROLE
    machines: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    lan_name: str = ""
    lan_subnets: tuple[IPNetwork, ...] = ()
    lan_gateway_macs: frozenset[str] = frozenset()
    intranet_hosts: tuple[str, ...] = ()
    approved_usb: tuple[ApprovedUsb, ...] = ()
    allowed_printers: tuple[AllowedPrinter, ...] = ()
    approved_cipher: tuple[str, ...] = ()
    allowed_software: tuple[str, ...] = ()
    clauses: Mapping[str, AgencyClause] = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""  # the file it came from, for the report
    # Verdicts that depend only on this config and one value (a host): 250,000 browser visits
    # name a few thousand hosts, so each is judged once per audit (bench/hostaudit_offline.py).
    memo: dict[tuple[str, str], Any] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    # -- loading ------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> AuditConfig:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Không đọc được tệp cấu hình của cơ quan {p}: {exc}") from exc
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"Tệp cấu hình {p.name} không phải YAML hợp lệ: {exc}") from exc
        return cls.from_dict(data or {}, source=str(p))

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "") -> AuditConfig:
        """Every problem is collected, then all are raised at once, one line each."""
        problems: list[str] = []
        if not isinstance(data, Mapping):
            raise ConfigError("Tệp cấu hình phải là một bảng khóa: giá trị (mapping).")
        for key in sorted(set(data) - _TOP_KEYS):
            problems.append(f"khóa không được hỗ trợ: {key!r}")

        role = str(data.get("role") or DEFAULT_ROLE)
        if role not in ROLES:
            problems.append(f"role phải là một trong {', '.join(ROLES)}, không phải {role!r}")
        machines: dict[str, str] = {}
        for name, r in as_mapping(data.get("machines"), "machines", problems).items():
            if r not in ROLES:
                problems.append(f"machines.{name}: vai trò {r!r} không hợp lệ ({', '.join(ROLES)})")
            else:
                machines[str(name).upper()] = r

        lan = as_mapping(data.get("independent_lan"), "independent_lan", problems)
        unknown_keys(lan, _LAN_KEYS, "independent_lan", problems)
        subnets: list[IPNetwork] = []
        for item in as_list(lan.get("subnets"), "independent_lan.subnets", problems):
            try:
                subnets.append(ipaddress.ip_network(str(item), strict=False))
            except ValueError:
                problems.append(f"independent_lan.subnets: {item!r} không phải dải địa chỉ IP")
        macs: set[str] = set()
        for item in as_list(lan.get("gateway_macs"), "independent_lan.gateway_macs", problems):
            mac = normalise_mac(str(item))
            if mac is None:
                problems.append(f"independent_lan.gateway_macs: {item!r} không phải địa chỉ MAC")
            else:
                macs.add(mac)

        usbs = []
        for i, item in enumerate(as_list(data.get("approved_usb"), "approved_usb", problems)):
            where = f"approved_usb[{i}]"
            if isinstance(item, str | int):
                item = {"serial": str(item)}
            if not isinstance(item, Mapping) or not str(item.get("serial") or "").strip():
                problems.append(f"{where}: cần số sê-ri (serial) của thiết bị")
                continue
            unknown_keys(item, _USB_KEYS, where, problems)
            usbs.append(
                ApprovedUsb(
                    normalise_serial(str(item["serial"])),
                    _hex4(item.get("vid"), f"{where}.vid", problems),
                    _hex4(item.get("pid"), f"{where}.pid", problems),
                    str(item.get("description") or ""),
                )
            )

        printers = []
        for i, item in enumerate(
            as_list(data.get("allowed_printers"), "allowed_printers", problems)
        ):
            where = f"allowed_printers[{i}]"
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, Mapping):
                problems.append(f"{where}: phải là bảng có vid/pid hoặc name")
                continue
            unknown_keys(item, _PRINTER_KEYS, where, problems)
            printer = AllowedPrinter(
                _hex4(item.get("vid"), f"{where}.vid", problems),
                _hex4(item.get("pid"), f"{where}.pid", problems),
                str(item.get("name") or ""),
                str(item.get("description") or ""),
            )
            if not printer.name and not printer.vid:
                problems.append(f"{where}: cần vid (và pid) hoặc name để nhận diện máy in")
            printers.append(printer)

        clauses: dict[str, AgencyClause] = {}
        for key, item in as_mapping(data.get("clauses"), "clauses", problems).items():
            where = f"clauses.{key}"
            if isinstance(item, str):
                item = {"ref": item}
            if not isinstance(item, Mapping) or not str(item.get("ref") or "").strip():
                problems.append(f"{where}: cần ref (tên văn bản, điều, khoản của quy chế)")
                continue
            unknown_keys(item, _CLAUSE_KEYS, where, problems)
            conf = str(item.get("confidence") or "confirmed")
            if conf not in CONFIDENCE:
                problems.append(f"{where}.confidence: {conf!r} không thuộc {', '.join(CONFIDENCE)}")
            clauses[str(key)] = AgencyClause(
                str(item["ref"]), str(item.get("quote") or ""), conf, str(item.get("note") or "")
            )

        if problems:
            head = f"Tệp cấu hình {Path(source).name} có lỗi:" if source else "Cấu hình có lỗi:"
            raise ConfigError("\n".join([head, *problems]))
        return cls(
            agency=str(data.get("agency") or ""),
            role=role,
            machines=MappingProxyType(machines),
            lan_name=str(lan.get("name") or ""),
            lan_subnets=tuple(subnets),
            lan_gateway_macs=frozenset(macs),
            intranet_hosts=tuple(
                str(h).lower().strip(".")
                for h in as_list(data.get("intranet_hosts"), "intranet_hosts", problems)
            ),
            approved_usb=tuple(usbs),
            allowed_printers=tuple(printers),
            approved_cipher=_strings(data.get("approved_cipher"), "approved_cipher", problems),
            allowed_software=_strings(data.get("allowed_software"), "allowed_software", problems),
            clauses=MappingProxyType(clauses),
            source=source,
        )

    # -- questions the evaluator asks ---------------------------------------------------------
    def role_for(self, host: str | None) -> str:
        """The role of a machine by name (the `machines` table), else the file's `role`."""
        return self.machines.get((host or "").upper(), self.role)

    def in_lan(self, value: str) -> bool:
        ip = parse_ip(value)
        return ip is not None and any(ip.version == n.version and ip in n for n in self.lan_subnets)

    def approved_gateway(self, mac: str) -> bool:
        m = normalise_mac(mac or "")
        return m is not None and m in self.lan_gateway_macs

    def intranet(self, host: str) -> bool:
        """A host of the agency's intranet: a declared name or domain (suffix match), or an
        address inside the approved independent LAN."""
        h = (host or "").lower().strip(".").strip("[]")
        if not h:
            return False
        key = ("intranet", h)
        if key not in self.memo:
            self.memo[key] = self.in_lan(h) or any(
                h == d or h.endswith("." + d) for d in self.intranet_hosts if d
            )
        return self.memo[key]

    def usb_approval(self, serial: str, vid: str = "", pid: str = "") -> ApprovedUsb | None:
        s = normalise_serial(serial)
        if not s:
            return None
        for u in self.approved_usb:
            if (
                u.serial == s
                and (not u.vid or u.vid == (vid or "").lower())
                and (not u.pid or u.pid == (pid or "").lower())
            ):
                return u
        return None

    def printer_allowed(
        self, vid: str = "", pid: str = "", names: Iterable[str] = ()
    ) -> AllowedPrinter | None:
        vid, pid = (vid or "").lower(), (pid or "").lower()
        names = [n for n in names if n]
        for p in self.allowed_printers:
            if p.vid and p.vid == vid and (not p.pid or p.pid == pid):
                return p
            if p.name and any(fnmatch.fnmatch(n.lower(), p.name.lower()) for n in names):
                return p
        return None

    def cipher_approved(self, names: Iterable[str]) -> str | None:
        return _first_glob(self.approved_cipher, names)

    def software_allowed(self, names: Iterable[str]) -> str | None:
        return _first_glob(self.allowed_software, names)

    def clause(self, check_id: str, family: str) -> AgencyClause | None:
        """The agency's clause for a check: by check id first, then by family."""
        return self.clauses.get(check_id) or self.clauses.get(family)

    def summary(self) -> dict[str, Any]:
        """What the report says about the allow-lists it applied."""
        return {
            "source": self.source,
            "agency": self.agency,
            "role": self.role,
            "independent_lan": {
                "name": self.lan_name,
                "subnets": [str(n) for n in self.lan_subnets],
                "gateway_macs": sorted(self.lan_gateway_macs),
            },
            "intranet_hosts": list(self.intranet_hosts),
            "approved_usb": [u.serial for u in self.approved_usb],
            "allowed_printers": [p.name or f"{p.vid}/{p.pid}" for p in self.allowed_printers],
            "approved_cipher": list(self.approved_cipher),
            "allowed_software": list(self.allowed_software),
            "clauses": {k: c.ref for k, c in self.clauses.items()},
        }


def _first_glob(patterns: Iterable[str], names: Iterable[str]) -> str | None:
    names = [n.lower() for n in names if n]
    for pat in patterns:
        if any(fnmatch.fnmatch(n, pat.lower()) for n in names):
            return pat
    return None


def _strings(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    out = []
    for item in as_list(value, where, problems):
        if not isinstance(item, str) or not item.strip():
            problems.append(f"{where}: {item!r} phải là chuỗi (tên hoặc mẫu tên, có thể dùng *)")
        else:
            out.append(item.strip())
    return tuple(out)


def _hex4(value: Any, where: str, problems: list[str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, int):
        # YAML reads 0781 as the number 781: the hex digits are lost, so ask for quotes.
        problems.append(f'{where}: viết mã trong dấu nháy, ví dụ "0781" (YAML đọc {value} là số)')
        return ""
    text = str(value).lower()
    if not _HEX4.match(text):
        problems.append(f"{where}: {value!r} phải là 4 chữ số hex (ví dụ 0781)")
        return ""
    return text


EMPTY = AuditConfig()
__all__ = [
    "DEFAULT_ROLE",
    "EMPTY",
    "ROLES",
    "AgencyClause",
    "AllowedPrinter",
    "ApprovedUsb",
    "AuditConfig",
    "ConfigError",
    "normalise_mac",
    "normalise_serial",
    "parse_ip",
]
