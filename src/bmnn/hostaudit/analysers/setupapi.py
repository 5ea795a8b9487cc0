"""setupapi logs: the first time Windows installed a driver for each device instance.

`Windows/INF/setupapi.dev.log` (Vista and later; rotated copies `setupapi.dev.YYYYMMDD_hhmmss.log`,
and `setupapi.app.log`) has one section per install:

    >>>  [Device Install (Hardware initiated) - USBSTOR\\Disk&Ven_SanDisk&Prod_Cruzer\\4C53&0]
    >>>  Section start 2026/04/01 09:03:04.123
         ...   Class GUID of device changed to: {4d36e967-e325-11ce-bfc1-08002be10318}.
    <<<  Section end 2026/04/01 09:03:06.002
    <<<  [Exit status: SUCCESS]

Times are the machine's local time (converted with ctx.local_tz()). The older
`Windows/setupapi.log` (XP/2003) writes `[2009/05/12 10:09:11 1234.5 ...]` headers and
`Device install of "<instance id>" finished successfully.`; both are read. Only USB-related
instances (USB, USBSTOR, Bluetooth, portable devices) become observations: that is what the
rules read; the other device installs (PCI, ACPI...) say nothing about removable devices.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from .. import devid
from ..context import AuditContext
from ..model import Observation
from ..timezone import local_timestamp

NAME = "setupapi"

_HEADER = re.compile(r"^>>>\s+\[(?P<what>[^\]]*?Device Install[^\]]*?) - (?P<id>[^\]]+)\]\s*$")
_START = re.compile(r"^>>>\s+Section start (?P<t>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)")
_EXIT = re.compile(r"^<<<\s+\[Exit status:\s*(?P<status>[^\]]+)\]")
_CLASS = re.compile(r"Class GUID of device (?:changed to|remains):\s*(?P<g>\{[0-9A-Fa-f-]{36}\})")
# XP/2003 setupapi.log
_XP_HEADER = re.compile(r"^\[(?P<t>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \d+\.\d+")
_XP_DONE = re.compile(r'Device install of "(?P<id>[^"]+)" finished successfully')


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    files = ctx.root.glob("Windows/INF/setupapi*.log")
    old = ctx.root.find("Windows/setupapi.log")
    if old:
        files.append(old)
    if not files:
        ctx.missing(NAME, "Windows/INF/setupapi.dev.log", "Không có nhật ký cài đặt setupapi.")
        return
    for rel in files:
        try:
            text = decode_log(ctx.root.read_bytes(rel))
        except OSError as exc:
            ctx.error(NAME, rel, f"Không đọc được nhật ký setupapi: {exc}")
            continue
        yield from _parse(ctx, rel, text.splitlines())


def decode_log(data: bytes) -> str:
    """setupapi logs are UTF-8/ANSI on recent Windows and UTF-16 on some; a BOM or the NUL
    bytes of UTF-16 text tell which."""
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[2:].decode(enc, errors="replace")
    sample = data[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        enc = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        return data.decode(enc, errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _parse(ctx: AuditContext, rel: str, lines: list[str]) -> Iterator[Observation]:
    section: dict | None = None
    xp_time: tuple[datetime, int] | None = None

    def finish(sec: dict) -> Observation | None:
        return _observation(ctx, rel, sec)

    for number, line in enumerate(lines, 1):
        if m := _HEADER.match(line):
            if section and (obs := finish(section)):
                yield obs
            section = {
                "id": m["id"].strip(),
                "what": m["what"].strip(),
                "line": number,
                "raw": [line.strip()],
                "time": None,
                "class": None,
                "exit": None,
            }
            continue
        if section is not None:
            if section["time"] is None and (m := _START.match(line)):
                section["time"] = _local(m["t"], "%Y/%m/%d %H:%M:%S")
                section["raw"].append(line.strip())
            elif m := _CLASS.search(line):
                section["class"] = m["g"].lower()
            elif m := _EXIT.match(line):
                section["exit"] = m["status"].strip()
                if obs := finish(section):
                    yield obs
                section = None
            continue
        # XP/2003 format: the time is on the bracketed header before the message.
        if m := _XP_HEADER.match(line):
            xp_time = (_local(m["t"], "%Y/%m/%d %H:%M:%S"), number)
        elif (m := _XP_DONE.search(line)) and xp_time:
            sec = {
                "id": m["id"],
                "what": "Device Install (setupapi.log)",
                "line": number,
                "raw": [line.strip()],
                "time": xp_time[0],
                "class": None,
                "exit": "SUCCESS",
            }
            if obs := finish(sec):
                yield obs
    if section and (obs := finish(section)):
        yield obs


def _local(text: str, fmt: str) -> datetime | None:
    """A local wall-clock time as written (fraction optional); None if it is not a date."""
    base, _, frac = text.partition(".")
    try:
        dt = datetime.strptime(base, fmt)
    except ValueError:
        return None
    return dt.replace(microsecond=int((frac + "000000")[:6])) if frac.isdigit() else dt


def _observation(ctx: AuditContext, rel: str, sec: dict) -> Observation | None:
    device = devid.parse(sec["id"])
    if device is None:
        return None
    facts = device.facts()
    facts["install_type"] = sec["what"]
    facts["event"] = "driver_installed"
    if sec["class"]:
        facts["class_guid"] = sec["class"]
        facts["device_class"] = devid.device_class(sec["class"], facts.get("device_class", "other"))
    if sec["exit"]:
        facts["exit_status"] = sec["exit"]
    times = ()
    if sec["time"] is not None:
        times = (local_timestamp(ctx, "setupapi_first_install", sec["time"]),)
    else:
        facts["time_unreadable"] = True  # the section had no readable start time
    evidence = ctx.evidence(rel, f"line {sec['line']}", "\n".join(sec["raw"]))
    return Observation("usb_event", device.identity, NAME, facts, times, (evidence,))
