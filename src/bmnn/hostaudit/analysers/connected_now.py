"""Whether the machine was connected to a network at the moment of collection.

Reads `bmnn/live/network.json`, written by the live collector (shared spec):
`{"collected_at": "<iso utc>", "interfaces": [{"name", "up", "kind", "mac", "addresses"}],
"routes": [{"dst": "default" | "10.0.0.0/8", "gateway": "10.1.2.1" | null, "dev"}],
"gateway_macs": {"10.1.2.1": "aa:bb:..."}, "dns": [...]}`.
One `connected_now` observation per interface that is up and not loopback, with its
addresses, whether it carries a default route, its gateway and the gateway's MAC. An offline
image or folder has no such file: that is reported as missing, never as "not connected".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..context import UTC_LABEL, AuditContext
from ..eventlog import parse_utc
from ..model import Observation, Timestamp

NAME = "connected_now"
LIVE = "bmnn/live/network.json"
_DEFAULT_DESTINATIONS = ("default", "0.0.0.0/0", "::/0")


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    rel = ctx.root.find(LIVE)
    if rel is None:
        ctx.missing(
            NAME,
            LIVE,
            "Không có dữ liệu trạng thái mạng lúc thu thập (chỉ có khi kiểm tra trực tiếp)",
        )
        return
    try:
        data = json.loads(ctx.root.read_text(rel))
    except (OSError, ValueError) as exc:
        ctx.error(NAME, rel, f"Tệp trạng thái mạng không đọc được hoặc không phải JSON: {exc}")
        return
    if not isinstance(data, dict) or not isinstance(data.get("interfaces"), list):
        ctx.error(NAME, rel, "Tệp trạng thái mạng thiếu danh sách 'interfaces'.")
        return
    times: tuple[Timestamp, ...] = ()
    try:
        times = (Timestamp("collected_at", parse_utc(data.get("collected_at")), UTC_LABEL),)
    except ValueError:
        ctx.error(NAME, rel, "Thời điểm thu thập 'collected_at' thiếu hoặc không hợp lệ.")
    routes = [r for r in data.get("routes") or [] if isinstance(r, dict)]
    gateway_macs = data.get("gateway_macs") if isinstance(data.get("gateway_macs"), dict) else {}
    dns = [str(d) for d in data.get("dns") or [] if isinstance(d, str)]
    for index, iface in enumerate(data["interfaces"]):
        if not isinstance(iface, dict) or not isinstance(iface.get("name"), str):
            ctx.error(NAME, rel, f"Mục interfaces[{index}] không hợp lệ, bỏ qua.")
            continue
        kind = str(iface.get("kind") or "other")
        if not iface.get("up") or kind == "loopback" or iface["name"] == "lo":
            continue
        yield _observation(ctx, rel, index, iface, kind, routes, gateway_macs, dns, times)


def _observation(ctx, rel, index, iface: dict[str, Any], kind, routes, gateway_macs, dns, times):
    name = iface["name"]
    mine = [r for r in routes if r.get("dev") == name]
    defaults = [r for r in mine if str(r.get("dst", "")).lower() in _DEFAULT_DESTINATIONS]
    gateways = [str(r["gateway"]) for r in defaults + mine if r.get("gateway")]
    gateway = gateways[0] if gateways else ""
    mac = gateway_macs.get(gateway, "") if gateway else ""
    addresses = [str(a) for a in iface.get("addresses") or [] if isinstance(a, str)]
    facts = {
        "interface": name,
        "kind": kind,
        "up": True,
        "mac": str(iface.get("mac") or "").lower(),
        "addresses": addresses,
        "default_route": bool(defaults),
        "gateway": gateway,
        "gateway_mac": str(mac or "").lower().replace("-", ":"),
        "routes": [str(r.get("dst", "")) for r in mine],
        "dns": dns,
    }
    raw = json.dumps({"interface": iface, "routes": mine}, ensure_ascii=False)
    identity = f"IF:{name}"
    return Observation(
        "connected_now",
        identity,
        NAME,
        facts,
        times,
        (ctx.evidence(rel, f"interfaces[{index}]", raw),),
    )
