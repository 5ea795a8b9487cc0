"""Evidence-wiping signals found by comparing sources with each other.

Each analyser reads one artefact; wiping shows only across artefacts: a USB serial that setupapi,
event 1006, Kernel-PnP or MountedDevices still remember but USBSTOR no longer lists (the key was
deleted, e.g. by USBOblivion); a USBSTOR first-install time later than setupapi's (the key was
recreated); a browser history database with no visits while its write-ahead log still holds
data; an emptied wtmp. Each signal is a derived `log_cleared` observation (analyser
"consistency", fact `signal`) carrying the evidence of the sources that disagree, for the
wiping rules to read. A comparison is made only when both sides were read: nothing is inferred
from an artefact that is missing or broken. Serials and identities are compared whatever their
case (sources spell one device "SanDisk" or "SANDISK").
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta

from .analysers.browsers import browser_of
from .config import normalise_serial
from .context import AuditContext
from .devid import distinct_identities
from .model import Observation, Timestamp

NAME = "consistency"
# How much later than setupapi's first install USBSTOR's may be before it says "recreated":
# more than a time-zone or clock difference.
RECREATED_AFTER = timedelta(days=1)
_BROWSER_DB_NAMES = ("history", "places.sqlite")

SIGNALS: dict[str, str] = {
    "usb_trace_without_usbstor": "Số sê-ri USB có trong nguồn khác nhưng không có trong USBSTOR",
    "usb_times_inconsistent": "Thời điểm cài đặt lần đầu trong USBSTOR muộn hơn setupapi",
    "browser_history_cleared": "Lịch sử trình duyệt trống nhưng tệp ghi trước (-wal) còn dữ liệu",
    "log_truncated": "Tệp nhật ký bị làm rỗng",
}


def derive(ctx: AuditContext, observations: Sequence[Observation]) -> list[Observation]:
    out: list[Observation] = []
    if ctx.platform == "windows":
        out += _usb_traces(ctx, observations)
    out += _browser_history(ctx, observations)
    out += _truncated_logs(ctx)
    return out


# -- USB --------------------------------------------------------------------------------------
def storage_serials(o: Observation) -> list[str]:
    """The USB-level serials an observation names (normalised), never a made-up one: for event
    1006 the USB serial (`usb_serial`) comes first, the disk's own `serial` second."""
    f = o.facts
    if f.get("serial_synthesised"):
        return []
    found = [normalise_serial(str(f[k])) for k in ("usb_serial", "serial") if f.get(k)]
    return [s for s in dict.fromkeys(found) if s]


def _is_storage_trace(o: Observation) -> bool:
    if o.kind == "mount":
        return bool(o.facts.get("serial"))
    if o.kind in ("usb_event", "usb_device"):
        return o.facts.get("device_class") == "disk" or o.identity.upper().startswith("USBSTOR:")
    return False


def _usb_traces(ctx: AuditContext, observations: Sequence[Observation]) -> Iterator[Observation]:
    if ctx.hive("SYSTEM") is None:
        return  # USBSTOR could not be read: nothing to compare with
    usbstor = [o for o in observations if o.kind == "usb_storage" and o.analyser == "usb"]
    listed = {s for o in usbstor for s in storage_serials(o)}
    traces: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        if _is_storage_trace(o):
            for s in storage_serials(o)[:1]:
                traces[s].append(o)
    for serial, found in sorted(traces.items()):
        if serial in listed:
            continue
        sources = sorted({_source_name(o) for o in found})
        yield Observation(
            "log_cleared",
            f"USBSTOR-MISSING:{serial}",
            NAME,
            {
                "signal": "usb_trace_without_usbstor",
                "serial": serial,
                "sources": sources,
                "identities": distinct_identities(o.identity for o in found),
                "description": (
                    f"Số sê-ri {serial} có trong {', '.join(sources)} nhưng không có trong "
                    f"khóa USBSTOR của hive SYSTEM."
                ),
            },
            _times(found),
            tuple(e for o in found for e in o.evidence),
        )
    first_setupapi: dict[str, Observation] = {}
    for o in observations:
        if o.analyser == "setupapi" and o.time("setupapi_first_install"):
            for s in storage_serials(o)[:1]:
                prev = first_setupapi.get(s)
                if prev is None or o.time("setupapi_first_install") < prev.time(
                    "setupapi_first_install"
                ):
                    first_setupapi[s] = o
    for o in usbstor:
        first = o.time("first_install_date")
        for s in storage_serials(o)[:1]:
            trace = first_setupapi.get(s)
            setup = trace.time("setupapi_first_install") if trace else None
            if first is None or setup is None or first - setup <= RECREATED_AFTER:
                continue
            yield Observation(
                "log_cleared",
                f"USBSTOR-RECREATED:{s}",
                NAME,
                {
                    "signal": "usb_times_inconsistent",
                    "serial": s,
                    "sources": ["USBSTOR", "setupapi"],
                    "identities": [o.identity],
                    "description": (
                        f"USBSTOR ghi cài đặt lần đầu {first:%d/%m/%Y %H:%M} UTC, muộn hơn "
                        f"setupapi ({setup:%d/%m/%Y %H:%M} UTC): khóa thiết bị có thể đã bị "
                        f"xóa rồi tạo lại (hoặc trình điều khiển được cài lại)."
                    ),
                },
                (
                    Timestamp("first_install_date", first, "UTC"),
                    *(t for t in trace.times if t.name == "setupapi_first_install"),
                ),
                (*o.evidence, *trace.evidence),
            )


def _source_name(o: Observation) -> str:
    src = str(o.facts.get("source") or "")
    if o.analyser == "win_events":
        return f"nhật ký {o.facts.get('channel', '')} sự kiện {o.facts.get('event_id', '')}"
    if o.analyser == "setupapi":
        return "setupapi.dev.log"
    if src:
        return src
    return f"{o.analyser} ({o.kind})"


def _times(found: Iterable[Observation]) -> tuple[Timestamp, ...]:
    seen = {}
    for o in found:
        for t in o.times:
            if t.name != "key_last_written":
                seen.setdefault((t.name, t.utc), t)
    return tuple(sorted(seen.values(), key=lambda t: t.utc))


# -- browsers -----------------------------------------------------------------------------------
def _browser_history(
    ctx: AuditContext, observations: Sequence[Observation]
) -> Iterator[Observation]:
    visited = {e.source for o in observations if o.kind == "browser_visit" for e in o.evidence[:1]}
    broken = {p.source for p in ctx.problems if p.kind == "error"}
    for rel in ctx.root.walk():
        if os.path.basename(rel).lower() not in _BROWSER_DB_NAMES or rel.startswith("bmnn/"):
            continue
        if rel in visited or rel in broken:
            continue
        for suffix in ("-wal", "-journal"):
            side = ctx.root.find(rel + suffix)
            if side is None:
                continue
            size = os.path.getsize(ctx.root.abspath(side))
            if size == 0:
                continue
            browser = browser_of(rel)
            yield Observation(
                "log_cleared",
                f"BROWSER-EMPTY:{rel}",
                NAME,
                {
                    "signal": "browser_history_cleared",
                    "browser": browser,
                    "database": rel,
                    "side_file": side,
                    "side_file_size": size,
                    "description": (
                        f"Cơ sở dữ liệu lịch sử {rel} không có lượt truy cập nào, nhưng tệp "
                        f"{os.path.basename(side)} còn {size} byte: lịch sử có thể vừa bị xóa."
                    ),
                },
                (),
                (
                    ctx.evidence(rel, "cơ sở dữ liệu lịch sử: 0 lượt truy cập"),
                    ctx.evidence(side, f"{size} byte"),
                ),
            )
            break


# -- Linux logs ---------------------------------------------------------------------------------
def _truncated_logs(ctx: AuditContext) -> Iterator[Observation]:
    # btmp (failed logons) is often empty on a healthy machine; wtmp never is (boots are logged).
    for rel_name in ("var/log/wtmp",):
        rel = ctx.root.find(rel_name)
        if rel is None or os.path.getsize(ctx.root.abspath(rel)) != 0:
            continue
        yield Observation(
            "log_cleared",
            f"LOG:{rel}",
            NAME,
            {
                "signal": "log_truncated",
                "channel": rel,
                "description": f"Tệp {rel} có nhưng rỗng (0 byte): nhật ký đăng nhập đã bị xóa.",
            },
            (),
            (ctx.evidence(rel, "0 byte"),),
        )


__all__ = ["SIGNALS", "derive", "storage_serials"]
