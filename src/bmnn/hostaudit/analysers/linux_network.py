"""Networks a Linux machine was configured for and connected to (NetworkManager), its network
adapters, and journal evidence of connections and of Internet reachability.

Artefacts (nm-settings-keyfile(5), endpoint.md §3):
- keyfiles `etc/NetworkManager/system-connections/*` (also `run/` and `usr/lib/`): ini with
  [connection] id, uuid, type, interface-name, autoconnect, timestamp (last activation, unix
  time); [wifi] ssid, mode; [wifi-security] key-mgmt; [ipv4]/[ipv6] method, address1...,
  gateway; [gsm] apn; [vpn] service-type. Secrets (psk, password, private keys) are never read.
- `var/lib/NetworkManager/timestamps` (uuid -> last activation), `seen-bssids` (uuid -> access
  points seen), `*.lease` DHCP leases (`internal-<uuid>-<iface>.lease` KEY=VALUE, dhclient
  `lease { ... }` blocks). A uuid found here but without a keyfile is a deleted profile.
- `bmnn/journal.jsonl` NetworkManager and wpa_supplicant lines: activations, disconnections,
  connectivity checks ("full" = Internet reached), new devices; kernel lines of tethering and
  modem drivers (rndis_host, cdc_ether, cdc_ncm, ipheth, qmi_wwan, cdc_mbim).
- `bmnn/live/network.json` interfaces (live collection only).
"""

from __future__ import annotations

import configparser
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from ..context import UTC_LABEL, AuditContext
from ..eventlog import JournalEntry, iter_journal
from ..model import Evidence, Observation, Timestamp

NAME = "linux_network"

KEYFILE_DIRS = (
    "etc/NetworkManager/system-connections",
    "run/NetworkManager/system-connections",
    "usr/lib/NetworkManager/system-connections",
)
STATE_DIR = "var/lib/NetworkManager"
LIVE = "bmnn/live/network.json"

# NetworkManager connection.type -> (connection_type, name_type)
CONNECTION_TYPES: dict[str, tuple[str, str]] = {
    "802-3-ethernet": ("ethernet", "wired"),
    "ethernet": ("ethernet", "wired"),
    "pppoe": ("ethernet", "wired"),
    "802-11-wireless": ("wifi", "wireless"),
    "wifi": ("wifi", "wireless"),
    "gsm": ("gsm", "mobile"),
    "cdma": ("cdma", "mobile"),
    "bluetooth": ("bluetooth", "mobile"),
    "vpn": ("vpn", "vpn"),
    "wireguard": ("vpn", "vpn"),
    "tun": ("vpn", "vpn"),
}
# Kernel drivers of adapters that reach another network: phone tethering and mobile modems.
ADAPTER_DRIVERS: dict[str, str] = {
    "rndis_host": "rndis",
    "ipheth": "tethering",
    "cdc_ether": "usb_ethernet",
    "cdc_ncm": "usb_ethernet",
    "qmi_wwan": "wwan",
    "cdc_mbim": "wwan",
    "option": "wwan",
    "huawei_cdc_ncm": "wwan",
}
_NM_DEVICE_KINDS = (
    ("wi-fi", "wifi"),
    ("wifi", "wifi"),
    ("802.11", "wifi"),
    ("broadband", "wwan"),
    ("modem", "wwan"),
    ("ethernet", "ethernet"),
    ("bluetooth", "bluetooth"),
    ("wireguard", "vpn"),
    ("tun", "vpn"),
)

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NM_DEV = re.compile(r"device \((?P<dev>[^)]+)\): (?P<rest>.*)$")
_NM_STARTING = re.compile(
    r"Activation: starting connection '(?P<name>.*)' \((?P<uuid>[0-9a-fA-F-]{36})\)"
)
_NM_WIFI = re.compile(r"Connected to wireless network [\"'](?P<ssid>.*)[\"']")
_NM_STATE = re.compile(r"state change: (?P<old>[\w-]+) -> (?P<new>[\w-]+)")
_NM_CONNECTIVITY = re.compile(
    r"connectivity(?::| state)?.*?(?:changed from \w+ to|is now|state is now) (?P<state>[A-Za-z]+)",
    re.I,
)
_PAREN_DEV = re.compile(r"\((?P<dev>[\w.:-]+)\)")
_NM_NEW_DEVICE = re.compile(r"\((?P<dev>[^)]+)\): new (?P<what>.+?) device \(")
_NM_DEFAULT = re.compile(
    r"policy: set '(?P<name>.*)' \((?P<dev>[^)]+)\) as default for (?P<fam>IPv[46])"
)
_WPA_CONNECTED = re.compile(
    r"^(?P<dev>\S+): CTRL-EVENT-CONNECTED - Connection to (?P<bssid>[0-9a-fA-F:]{17})"
)
_WPA_DISCONNECTED = re.compile(
    r"^(?P<dev>\S+): CTRL-EVENT-DISCONNECTED bssid=(?P<bssid>[0-9a-fA-F:]{17})"
)
_WPA_TRYING = re.compile(r"^(?P<dev>\S+): .*?(?:SSID='(?P<ssid>[^']*)')")
_KERNEL_REGISTER = re.compile(
    r"^(?P<driver>[\w-]+) \S+ (?P<dev>[\w.-]+): register '(?P<reg>[\w-]+)' at (?P<at>[^,]+), "
    r"(?P<desc>[^,]+)(?:, (?P<mac>[0-9a-fA-F:]{17}))?"
)
_KERNEL_IPHETH = re.compile(r"^ipheth (?P<at>\S+): (?P<desc>Apple .*? device attached)")


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    state = _State()
    _read_state(ctx, state)
    yield from _keyfiles(ctx, state)
    yield from _orphans(ctx, state)
    adapters: dict[str, dict] = {}
    yield from _journal(ctx, adapters)
    _live_adapters(ctx, adapters)
    for name, adapter in sorted(adapters.items()):
        yield Observation(
            "adapter",
            f"ADAPTER:{name}",
            NAME,
            adapter["facts"],
            tuple(adapter["times"][:1]),
            tuple(adapter["evidence"][:5]),
        )


# -- NetworkManager state files -------------------------------------------------------------------
class _State:
    def __init__(self) -> None:
        self.timestamps: dict[str, tuple[datetime, Evidence]] = {}
        self.bssids: dict[str, tuple[list[str], Evidence]] = {}
        self.leases: dict[str, list[tuple[dict, Evidence]]] = {}
        self.used: set[str] = set()


def _ini(ctx: AuditContext, rel: str) -> configparser.RawConfigParser | None:
    parser = configparser.RawConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive in NM files
    try:
        parser.read_string(ctx.root.read_text(rel), source=rel)
    except (OSError, configparser.Error) as exc:
        ctx.error(NAME, rel, f"Tệp cấu hình NetworkManager hỏng, không đọc được: {exc}")
        return None
    return parser


def _unix(value: str) -> datetime | None:
    try:
        seconds = int(value.strip())
    except ValueError:
        return None
    if seconds <= 0:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _read_state(ctx: AuditContext, state: _State) -> None:
    if rel := ctx.root.find(f"{STATE_DIR}/timestamps"):
        ini = _ini(ctx, rel)
        if ini is not None and ini.has_section("timestamps"):
            for uuid, value in ini.items("timestamps"):
                if (when := _unix(value)) is not None:
                    state.timestamps[uuid.lower()] = (
                        when,
                        ctx.evidence(rel, f"[timestamps] {uuid}", f"{uuid}={value}"),
                    )
                else:
                    ctx.error(NAME, rel, f"Thời điểm của {uuid} không phải số giây hợp lệ.")
    if rel := ctx.root.find(f"{STATE_DIR}/seen-bssids"):
        ini = _ini(ctx, rel)
        if ini is not None and ini.has_section("seen-bssids"):
            for uuid, value in ini.items("seen-bssids"):
                macs = [m.strip().lower() for m in value.split(",") if m.strip()]
                state.bssids[uuid.lower()] = (
                    macs,
                    ctx.evidence(rel, f"[seen-bssids] {uuid}", f"{uuid}={value}"),
                )
    for rel in ctx.root.glob(f"{STATE_DIR}/*.lease") + ctx.root.glob("var/lib/dhcp/*.leases"):
        m = _UUID.search(rel.rsplit("/", 1)[-1])
        try:
            text = ctx.root.read_text(rel)
        except OSError as exc:
            ctx.error(NAME, rel, f"Không đọc được tệp cấp phát DHCP: {exc}")
            continue
        lease = parse_lease(text)
        if not lease:
            continue
        key = m.group(0).lower() if m else f"lease:{rel}"
        raw = "; ".join(f"{k}={v}" for k, v in lease.items())
        state.leases.setdefault(key, []).append((lease, ctx.evidence(rel, "lease", raw)))


def parse_lease(text: str) -> dict:
    """Address, gateway and DHCP server of an NM internal lease (KEY=VALUE) or the last
    dhclient `lease { ... }` block."""
    out: dict = {}
    if "lease {" in text:
        block = text.rsplit("lease {", 1)[1]
        for key, pattern in (
            ("lease_address", r"fixed-address\s+([^;]+);"),
            ("gateway", r"option routers\s+([^;]+);"),
            ("dhcp_server", r"option dhcp-server-identifier\s+([^;]+);"),
            ("interface", r'interface\s+"([^"]+)";'),
        ):
            if m := re.search(pattern, block):
                out[key] = m.group(1).strip().split(",")[0].strip()
        return out
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().upper()] = value.strip()
    for key, name in (
        ("ADDRESS", "lease_address"),
        ("ROUTER", "gateway"),
        ("SERVER_ADDRESS", "dhcp_server"),
    ):
        if values.get(key):
            out[name] = values[key].split()[0]
    return out


# -- keyfiles -------------------------------------------------------------------------------------
def _get(ini: configparser.RawConfigParser, section: str, key: str) -> str:
    return ini.get(section, key, fallback="").strip()


def decode_ssid(value: str) -> str:
    """Keyfile SSIDs are text, or (older NetworkManager) a list of byte values "77;105;"."""
    if re.fullmatch(r"(\d{1,3};)+\d{0,3}", value):
        try:
            return bytes(int(b) for b in value.split(";") if b).decode("utf-8", "replace")
        except ValueError:
            return value
    return value


def _keyfiles(ctx: AuditContext, state: _State) -> Iterator[Observation]:
    # NetworkManager also keeps *.nmmeta markers and editors leave backups~ there.
    files = [
        rel
        for d in KEYFILE_DIRS
        for rel in ctx.root.glob(f"{d}/*")
        if not rel.endswith((".nmmeta", "~", ".swp"))
    ]
    if not files:
        ctx.missing(NAME, KEYFILE_DIRS[0], "Không có hồ sơ kết nối NetworkManager nào.")
    for rel in files:
        ini = _ini(ctx, rel)
        if ini is None:
            continue
        if not ini.has_section("connection"):
            ctx.error(NAME, rel, "Tệp hồ sơ NetworkManager thiếu mục [connection].")
            continue
        yield from _profile(ctx, rel, ini, state)


def _profile(ctx, rel, ini, state: _State) -> Iterator[Observation]:
    name = _get(ini, "connection", "id") or rel.rsplit("/", 1)[-1]
    uuid = _get(ini, "connection", "uuid").lower()
    nm_type = _get(ini, "connection", "type").lower()
    connection_type, name_type = CONNECTION_TYPES.get(nm_type, (nm_type or "unknown", "unknown"))
    facts: dict = {
        "profile_name": name,
        "uuid": uuid,
        "nm_type": nm_type,
        "connection_type": connection_type,
        "name_type": name_type,
        "autoconnect": _get(ini, "connection", "autoconnect").lower() not in ("false", "no", "0"),
    }
    if iface := _get(ini, "connection", "interface-name"):
        facts["interface"] = iface
    addresses = []
    for family in ("ipv4", "ipv6"):
        if not ini.has_section(family):
            continue
        facts[f"{family}_method"] = _get(ini, family, "method")
        for key, value in ini.items(family):
            if re.fullmatch(r"address\d*|addresses\d*", key):
                address, _, gateway = value.partition(",")
                addresses.append(address.strip())
                if gateway.strip():
                    facts.setdefault("gateway", gateway.strip())
        if gw := _get(ini, family, "gateway"):
            facts.setdefault("gateway", gw)
    if addresses:
        facts["addresses"] = addresses
    wifi = next((s for s in ("wifi", "802-11-wireless") if ini.has_section(s)), None)
    if wifi:
        facts["ssid"] = decode_ssid(_get(ini, wifi, "ssid"))
        facts["wifi_mode"] = _get(ini, wifi, "mode") or "infrastructure"
    security = next(
        (s for s in ("wifi-security", "802-11-wireless-security") if ini.has_section(s)), None
    )
    if security:
        facts["authentication"] = _get(ini, security, "key-mgmt")
    if ini.has_section("gsm"):
        facts["apn"] = _get(ini, "gsm", "apn")
    if ini.has_section("vpn"):
        facts["vpn_service"] = _get(ini, "vpn", "service-type")
    raw_keys = [f"id={name}", f"uuid={uuid}", f"type={nm_type}"]
    if "ssid" in facts:
        raw_keys.append(f"ssid={facts['ssid']}")
    evidence = [ctx.evidence(rel, "[connection]", "; ".join(raw_keys))]
    times = []
    candidates = []
    if (when := _unix(_get(ini, "connection", "timestamp"))) is not None:
        candidates.append((when, evidence[0]))
    if uuid in state.timestamps:
        candidates.append(state.timestamps[uuid])
    if candidates:
        when, ev = max(candidates, key=lambda c: c[0])
        times.append(Timestamp("last_activated", when, UTC_LABEL))
        if ev is not evidence[0]:
            evidence.append(ev)
        facts["state"] = "activated"
    _attach_state(facts, evidence, uuid, state)
    yield Observation("network_profile", f"NET:{name}", NAME, facts, tuple(times), tuple(evidence))
    if wifi and facts.get("ssid"):
        wfacts = {
            k: facts[k]
            for k in (
                "ssid",
                "profile_name",
                "uuid",
                "authentication",
                "wifi_mode",
                "bssids",
                "state",
            )
            if k in facts
        }
        wfacts["connection_mode"] = "auto" if facts["autoconnect"] else "manual"
        # An access-point or ad-hoc profile makes this machine a hotspot.
        wfacts["connection_type"] = "IBSS" if facts["wifi_mode"] == "adhoc" else "ESS"
        yield Observation(
            "wifi_profile", f"WLAN:{facts['ssid']}", NAME, wfacts, tuple(times), tuple(evidence)
        )


def _attach_state(facts: dict, evidence: list, uuid: str, state: _State) -> None:
    if not uuid:
        return
    state.used.add(uuid)
    if uuid in state.bssids:
        facts["bssids"] = state.bssids[uuid][0]
        facts["bssid"] = facts["bssids"][0] if facts["bssids"] else ""
        evidence.append(state.bssids[uuid][1])
    for lease, ev in state.leases.get(uuid, []):
        for key, value in lease.items():
            facts.setdefault(key, value)
        evidence.append(ev)


def _orphans(ctx: AuditContext, state: _State) -> Iterator[Observation]:
    """Profiles NetworkManager remembers activating but whose keyfile is gone (deleted)."""
    uuids = (set(state.timestamps) | set(state.bssids) | set(state.leases)) - state.used
    for uuid in sorted(uuids):
        facts: dict = {
            "uuid": uuid,
            "profile_missing": True,
            "name_type": "unknown",
            "connection_type": "unknown",
        }
        evidence: list = []
        times = []
        if uuid in state.timestamps:
            when, ev = state.timestamps[uuid]
            times.append(Timestamp("last_activated", when, UTC_LABEL))
            evidence.append(ev)
            facts["state"] = "activated"
        _attach_state(facts, evidence, uuid, state)
        identity = f"NET:{uuid}"
        if uuid.startswith("lease:"):  # a lease file that names no profile
            facts["uuid"] = ""
            identity = f"NET:DHCP {uuid.rsplit('/', 1)[-1]}"
        yield Observation("network_profile", identity, NAME, facts, tuple(times), tuple(evidence))


# -- journal --------------------------------------------------------------------------------------
def _iface_type(dev: str) -> str:
    if dev.startswith("wl"):
        return "wifi"
    if dev.startswith(("ww", "cdc-wdm")):
        return "gsm"
    if dev.startswith(("en", "eth", "usb")):
        return "ethernet"
    return "unknown"


def _obs(ctx, kind, identity, facts, entry: JournalEntry) -> Observation:
    return Observation(
        kind,
        identity,
        NAME,
        facts,
        (Timestamp("event_time", entry.time, UTC_LABEL),),
        (ctx.evidence(entry.source, entry.locator, entry.message[:400]),),
    )


def _journal(ctx: AuditContext, adapters: dict[str, dict]) -> Iterator[Observation]:
    starting: dict[str, tuple[str, str]] = {}  # device -> (profile name, uuid)
    ssids: dict[str, str] = {}  # device -> SSID last seen
    for entry in iter_journal(ctx, NAME):
        ident = entry.identifier
        msg = entry.message
        if ident == "kernel":
            _kernel_adapter(ctx, entry, adapters)
        elif ident.startswith("NetworkManager"):
            yield from _nm_line(ctx, entry, msg, starting, ssids, adapters)
        elif ident.startswith("wpa_supplicant"):
            yield from _wpa_line(ctx, entry, msg, ssids)


def _nm_line(ctx, entry, msg, starting, ssids, adapters) -> Iterator[Observation]:
    if m := _NM_NEW_DEVICE.search(msg):
        what = m["what"].lower()
        kind = next((k for frag, k in _NM_DEVICE_KINDS if frag in what), "other")
        if m["dev"] == "lo" or "loopback" in what:
            return
        _adapter(ctx, adapters, m["dev"], entry, kind=kind, description=m["what"])
        return
    if m := _NM_CONNECTIVITY.search(msg):
        state = m["state"].upper()
        reachable = {"FULL": True, "LIMITED": False, "NONE": False, "PORTAL": None}.get(state, "")
        if reachable != "":
            dev = _PAREN_DEV.search(msg)
            facts = {
                "connectivity": state.lower(),
                "reachable": reachable,
                "interface": dev["dev"] if dev else "",
                "source": "NetworkManager",
            }
            yield _obs(
                ctx,
                "internet_reachable",
                f"NET:{facts['interface'] or 'NetworkManager'}",
                facts,
                entry,
            )
        return
    if m := _NM_DEFAULT.search(msg):
        facts = {
            "event": "default_route",
            "profile_name": m["name"],
            "interface": m["dev"],
            "family": m["fam"],
            "default_route": True,
            "connection_type": _iface_type(m["dev"]),
        }
        yield _obs(ctx, "network_event", f"NET:{m['name']}", facts, entry)
        return
    dev_m = _NM_DEV.search(msg)
    if not dev_m:
        return
    dev, rest = dev_m["dev"], dev_m["rest"]
    if m := _NM_STARTING.search(rest):
        starting[dev] = (m["name"], m["uuid"].lower())
        return
    if m := _NM_WIFI.search(rest):
        ssids[dev] = m["ssid"]
        return
    event = None
    if "Activation: successful" in rest:
        event = "connected"
    elif "Activation: failed" in rest:
        event = "failed"
    elif (m := _NM_STATE.search(rest)) and m["old"] == "activated":
        event = "deactivated"
    if event is None:
        return
    name, uuid = starting.get(dev, ("", ""))
    facts = {
        "event": event,
        "interface": dev,
        "profile_name": name,
        "uuid": uuid,
        "connection_type": _iface_type(dev),
    }
    if dev in ssids:
        facts["ssid"] = ssids[dev]
    identity = f"WLAN:{ssids[dev]}" if dev in ssids else f"NET:{name or dev}"
    yield _obs(ctx, "network_event", identity, facts, entry)


def _wpa_line(ctx, entry, msg, ssids) -> Iterator[Observation]:
    if m := _WPA_CONNECTED.search(msg):
        event, dev, bssid = "connected", m["dev"], m["bssid"].lower()
    elif m := _WPA_DISCONNECTED.search(msg):
        event, dev, bssid = "disconnected", m["dev"], m["bssid"].lower()
    else:
        if (m := _WPA_TRYING.search(msg)) and m["ssid"] is not None:
            ssids[m["dev"]] = m["ssid"]
        return
    facts = {
        "event": event,
        "interface": dev,
        "bssid": bssid,
        "connection_type": "wifi",
        "source": "wpa_supplicant",
    }
    if dev in ssids:
        facts["ssid"] = ssids[dev]
    yield _obs(ctx, "network_event", f"WLAN:{ssids.get(dev) or bssid}", facts, entry)


def _kernel_adapter(ctx, entry: JournalEntry, adapters: dict[str, dict]) -> None:
    msg = entry.message
    if m := _KERNEL_REGISTER.search(msg):
        driver = m["reg"]
        kind = ADAPTER_DRIVERS.get(driver)
        if kind:
            _adapter(
                ctx,
                adapters,
                m["dev"],
                entry,
                kind=kind,
                driver=driver,
                description=m["desc"].strip(),
                mac=(m["mac"] or "").lower(),
                bus=m["at"],
            )
    elif m := _KERNEL_IPHETH.search(msg):
        _adapter(
            ctx,
            adapters,
            f"ipheth {m['at']}",
            entry,
            kind="tethering",
            driver="ipheth",
            description=m["desc"],
        )


def _adapter(ctx, adapters, name: str, entry: JournalEntry | None, **facts) -> None:
    item = adapters.setdefault(name, {"facts": {"interface": name}, "times": [], "evidence": []})
    for key, value in facts.items():
        if value and (key not in item["facts"] or item["facts"][key] in ("other", "")):
            item["facts"][key] = value
    if entry is not None:
        item["times"].append(Timestamp("event_time", entry.time, UTC_LABEL))
        item["evidence"].append(ctx.evidence(entry.source, entry.locator, entry.message[:400]))


def _live_adapters(ctx: AuditContext, adapters: dict[str, dict]) -> None:
    rel = ctx.root.find(LIVE)
    if rel is None:
        return  # offline image: connected_now reports the absence
    try:
        data = json.loads(ctx.root.read_text(rel))
        interfaces = data["interfaces"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # connected_now reports the broken file; no second report here
    for index, iface in enumerate(interfaces if isinstance(interfaces, list) else []):
        if not isinstance(iface, dict) or not iface.get("name"):
            continue
        kind = str(iface.get("kind") or "other")
        if kind == "loopback":
            continue
        _adapter(
            ctx,
            adapters,
            str(iface["name"]),
            None,
            kind=kind,
            mac=str(iface.get("mac") or "").lower(),
        )
        adapters[str(iface["name"])]["evidence"].append(
            ctx.evidence(rel, f"interfaces[{index}]", json.dumps(iface, ensure_ascii=False))
        )
