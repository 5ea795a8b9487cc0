"""Networks the machine joined (NetworkList profiles and signatures) and its network adapters
(NetworkCards and Tcpip interface settings).

NetworkList keeps DateCreated/DateLastConnected as SYSTEMTIME in LOCAL time: they are decoded
here (regipy's plugin leaves them empty) and converted to UTC with the machine's zone.
Signatures hold the MAC of the default gateway, i.e. which router or hotspot it was.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ..context import AuditContext
from ..model import Evidence, Observation, Timestamp
from ..registry import Hive, Key, systemtime
from ..timezone import local_timestamp

NAME = "win_network"

NETWORK_LIST = r"Microsoft\Windows NT\CurrentVersion\NetworkList"
NETWORK_CARDS = r"Microsoft\Windows NT\CurrentVersion\NetworkCards"
TCPIP_INTERFACES = r"CurrentControlSet\Services\Tcpip\Parameters\Interfaces"

# NameType of a profile (IANA ifType): 6 ethernet, 23 (0x17) PPP (VPN, dial-up broadband),
# 71 (0x47) 802.11 wireless, 243 (0xF3) mobile broadband.
NAME_TYPES: dict[int, str] = {0x06: "wired", 0x17: "vpn", 0x47: "wireless", 0xF3: "mobile"}
CATEGORIES: dict[int, str] = {0: "public", 1: "private", 2: "domain"}
_NO_ADDRESS = "0.0.0.0"  # noqa: S104 - what Windows writes for "no DHCP address", not a bind

# The adapter kind from its description, most specific first.
ADAPTER_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "rndis",
        re.compile(
            r"RNDIS|Remote NDIS|Internet Sharing Device|Android USB Ethernet|"
            r"Apple Mobile Device Ethernet|iPhone USB",
            re.I,
        ),
    ),
    (
        "wwan",
        re.compile(
            r"Mobile Broadband|WWAN|\bLTE\b|\b[345]G\b|HSPA|Snapdragon X\d|"
            r"Sierra Wireless|Fibocom|Telit|Huawei Mobile|\bDW5\d{3}",
            re.I,
        ),
    ),
    ("bluetooth", re.compile(r"Bluetooth", re.I)),
    (
        "vpn",
        re.compile(
            r"TAP-Windows|WireGuard|Wintun|\bVPN\b|Fortinet|AnyConnect|"
            r"PANGP|Juniper|SonicWall|ZeroTier|Tailscale|Hamachi",
            re.I,
        ),
    ),
    ("virtual", re.compile(r"Hyper-V|VirtualBox|VMware|Loopback|WAN Miniport|Virtual", re.I)),
    ("wifi", re.compile(r"Wireless|Wi-?Fi|WLAN|802\.11|Centrino|\bAX2\d\d\b|Killer.*W", re.I)),
    (
        "ethernet",
        re.compile(
            r"Ethernet|GbE|Gigabit|\bLAN\b|Family Controller|\bNIC\b|"
            r"PCIe|10/100",
            re.I,
        ),
    ),
)


def adapter_kind(description: str) -> str:
    """wifi, wwan, ethernet, rndis, bluetooth, vpn, virtual or other, guessed from the name."""
    return next((kind for kind, rx in ADAPTER_KINDS if rx.search(description)), "other")


def mac_text(raw: bytes) -> str:
    """6 bytes as the lower-case colon form used across the auditor ("aa:bb:cc:dd:ee:ff")."""
    return ":".join(f"{b:02x}" for b in raw[:6])


def _local_time(
    ctx: AuditContext,
    hive: Hive,
    key: Key,
    value_name: str,
    time_name: str,
    evidence: list[Evidence],
) -> Timestamp | None:
    v = key.value(value_name)
    if v is None:
        return None
    if not isinstance(v.data, bytes) or len(v.raw) < 16:
        ctx.error(NAME, hive.rel, f"{key.path}\\{value_name}: không phải SYSTEMTIME 16 byte.")
        return None
    if not any(v.raw[:16]):
        return None
    try:
        local = systemtime(v.raw)
    except ValueError as exc:
        ctx.error(NAME, hive.rel, f"{key.path}\\{value_name}: {exc}.")
        return None
    evidence.append(hive.evidence(key, v))
    return local_timestamp(ctx, time_name, local)


def _signatures(
    hive: Hive, root: Key
) -> dict[str, list[tuple[str, dict[str, Any], list[Evidence]]]]:
    """ProfileGuid (lower case) -> [(managed|unmanaged, facts, evidence)]."""
    out: dict[str, list[tuple[str, dict[str, Any], list[Evidence]]]] = defaultdict(list)
    sigs = root.subkey("Signatures")
    for group in sigs.subkeys() if sigs is not None else []:
        if group.name.lower() not in ("managed", "unmanaged"):
            continue
        for k in group.subkeys():
            facts, evidence = hive.read(
                k,
                {
                    "ProfileGuid": "profile_guid",
                    "Description": "signature_description",
                    "Source": "signature_source_code",
                    "DnsSuffix": "dns_suffix",
                    "FirstNetwork": "first_network",
                    "DefaultGatewayMac": "gateway_mac",
                },
            )
            mac = facts.get("gateway_mac")
            if isinstance(mac, bytes):
                if len(mac) >= 6 and any(mac[:6]):
                    facts["gateway_mac"] = mac_text(mac)
                else:
                    del facts["gateway_mac"]
            if facts.get("dns_suffix") == "<none>":  # Windows' word for "no suffix"
                del facts["dns_suffix"]
            guid = str(facts.pop("profile_guid", "")).lower()
            if guid:
                out[guid].append((group.name.lower(), facts, evidence))
    return out


def _profiles(ctx: AuditContext, hive: Hive) -> Iterator[Observation]:
    root = hive.key(NETWORK_LIST)
    profiles = root.subkey("Profiles") if root is not None else None
    if root is None or profiles is None:
        ctx.missing(
            NAME,
            f"{hive.rel}:{NETWORK_LIST}\\Profiles",
            "Không có khóa NetworkList\\Profiles (chưa từng kết nối mạng, hoặc khóa đã bị xóa).",
        )
        return
    signatures = _signatures(hive, root)
    for k in profiles.subkeys():
        facts, evidence = hive.read(
            k,
            {
                "ProfileName": "profile_name",
                "Description": "description",
                "Category": "category_code",
                "NameType": "name_type_code",
                "Managed": "managed",
            },
        )
        evidence.insert(0, hive.evidence(k))
        facts["profile_guid"] = k.name.lower()
        code = facts.get("name_type_code")
        facts["name_type"] = NAME_TYPES.get(code, "unknown") if isinstance(code, int) else "unknown"
        category = facts.get("category_code")
        if isinstance(category, int):
            facts["category"] = CATEGORIES.get(category, "unknown")
        if "managed" in facts:
            facts["managed"] = bool(facts["managed"])
        times = [Timestamp("key_last_written", k.last_written, "UTC")]
        for value_name, time_name in (
            ("DateCreated", "date_created"),
            ("DateLastConnected", "date_last_connected"),
        ):
            stamp = _local_time(ctx, hive, k, value_name, time_name, evidence)
            if stamp is not None:
                times.append(stamp)
        macs: list[str] = []
        for source, sfacts, sev in signatures.get(k.name.lower(), []):
            evidence += sev
            facts.setdefault("signature_source", source)
            if (mac := sfacts.get("gateway_mac")) and mac not in macs:
                macs.append(mac)
            for f in ("dns_suffix", "first_network", "signature_description"):
                if f in sfacts:
                    facts.setdefault(f, sfacts[f])
        if macs:
            facts["gateway_mac"] = macs[0]
            facts["gateway_macs"] = macs
        name = str(facts.get("profile_name") or k.name)
        if facts["name_type"] == "wireless":
            facts["ssid"] = name
            identity = f"WLAN:{name}"
        else:
            identity = f"NET:{name}"
        yield Observation("network_profile", identity, NAME, facts, times, evidence)


def _unix(n: Any) -> datetime | None:
    if not isinstance(n, int) or n <= 0:
        return None
    try:
        return datetime.fromtimestamp(n, UTC)
    except (OverflowError, OSError, ValueError):
        return None


_TCPIP_VALUES = {
    "EnableDHCP": "enable_dhcp",
    "DhcpIPAddress": "dhcp_ip_address",
    "DhcpSubnetMask": "dhcp_subnet_mask",
    "DhcpDefaultGateway": "dhcp_default_gateway",
    "DhcpServer": "dhcp_server",
    "DhcpDomain": "dhcp_domain",
    "DhcpNameServer": "dhcp_name_server",
    "IPAddress": "ip_address",
    "SubnetMask": "subnet_mask",
    "DefaultGateway": "default_gateway",
    "NameServer": "name_server",
    "Domain": "domain",
    "LeaseObtainedTime": "lease_obtained_unix",
    "LeaseTerminatesTime": "lease_terminates_unix",
}


def _adapters(
    ctx: AuditContext, software: Hive | None, system: Hive | None
) -> Iterator[Observation]:
    cards: dict[str, tuple[dict[str, Any], list[Evidence]]] = {}
    root = software.key(NETWORK_CARDS) if software is not None else None
    if software is not None and root is None:
        ctx.missing(NAME, f"{software.rel}:{NETWORK_CARDS}", "Không có khóa NetworkCards.")
    for k in root.subkeys() if root is not None and software is not None else []:
        facts, evidence = software.read(
            k, {"Description": "description", "ServiceName": "service_name"}
        )
        guid = str(facts.get("service_name", "")).lower()
        if guid:
            facts["network_card"] = k.name
            cards[guid] = (facts, [software.evidence(k), *evidence])
    interfaces = system.key(TCPIP_INTERFACES) if system is not None else None
    seen: set[str] = set()
    for k in interfaces.subkeys() if interfaces is not None and system is not None else []:
        guid = k.name.lower()
        seen.add(guid)
        card_facts, card_ev = cards.get(guid, ({}, []))
        facts, evidence = system.read(k, _TCPIP_VALUES)
        yield _adapter(guid, card_facts, card_ev, facts, [system.evidence(k), *evidence], k)
    for guid, (card_facts, card_ev) in cards.items():
        if guid not in seen:
            yield _adapter(guid, card_facts, card_ev, {}, [], None)


def _adapter(
    guid: str,
    card: dict[str, Any],
    card_ev: list[Evidence],
    tcp: dict[str, Any],
    tcp_ev: list[Evidence],
    key: Key | None,
) -> Observation:
    facts: dict[str, Any] = {"interface": guid, **card, **tcp}
    facts["kind"] = adapter_kind(str(card.get("description", "")))
    addresses = []
    for f in ("dhcp_ip_address", "ip_address"):
        v = facts.get(f)
        for a in v if isinstance(v, list) else [v] if v else []:
            if a and a != _NO_ADDRESS and a not in addresses:
                addresses.append(a)
    if addresses:
        facts["addresses"] = addresses
    if "enable_dhcp" in facts:
        facts["enable_dhcp"] = bool(facts["enable_dhcp"])
    times = [Timestamp("key_last_written", key.last_written, "UTC")] if key is not None else []
    for f, name in (
        ("lease_obtained_unix", "lease_obtained"),
        ("lease_terminates_unix", "lease_terminates"),
    ):
        when = _unix(facts.get(f))
        if when is not None:
            times.append(Timestamp(name, when, "UTC"))
    return Observation("adapter", f"NIC:{guid}", NAME, facts, times, [*card_ev, *tcp_ev])


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    software = ctx.hive("SOFTWARE")
    system = ctx.hive("SYSTEM")
    if software is not None:
        yield from _profiles(ctx, software)
    yield from _adapters(ctx, software, system)
