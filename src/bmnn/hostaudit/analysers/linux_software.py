"""Software installed on a Debian-family Linux machine, and when: apt history, dpkg log and the
dpkg status database, each package classified with software.classify().

- `var/log/apt/history.log` (and rotated `history.log.N[.gz]`): blocks of `Start-Date:`,
  `Commandline:`, `Requested-By:`, `Install:` / `Upgrade:` / `Remove:` / `Purge:` (package
  lists "name:arch (version[, automatic])"), `End-Date:`. Times are local time.
- `var/log/dpkg.log` (and rotated): `YYYY-MM-DD hh:mm:ss status installed name:arch version`
  and `install` / `upgrade` / `remove` / `purge` actions, local time.
- `var/lib/dpkg/status`: stanzas with Package, Status ("install ok installed"), Version,
  Maintainer: what is installed now.

Only packages that classify() puts in a category (remote access, chat and sync, VPN, cleaner,
browser, cipher) become observations: those are what the rules read; the thousands of ordinary
packages of a distribution would only bury them.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from datetime import datetime

from ..context import AuditContext
from ..model import Observation
from ..software import classify
from ..timezone import local_timestamp

NAME = "linux_software"
_MAX_GZ = 64 << 20  # a rotated log decompressed larger than this is not read whole

_APT_ACTIONS = {
    "Install": "installed",
    "Upgrade": "upgraded",
    "Downgrade": "downgraded",
    "Reinstall": "reinstalled",
    "Remove": "removed",
    "Purge": "purged",
}
_TIME_NAMES = {"installed": "installed", "removed": "uninstalled", "purged": "uninstalled"}
_APT_PACKAGE = re.compile(r"(?P<name>[^\s,:()]+)(?::(?P<arch>[^\s,()]+))? \((?P<ver>[^)]*)\)")
_DPKG_LINE = re.compile(
    r"^(?P<t>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:status (?P<status>installed) "
    r"|(?P<action>install|upgrade|remove|purge) )(?P<name>[^\s:]+)(?::\S+)? (?P<rest>.*)$"
)


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    found = False
    for rel in _logs(ctx, "var/log/apt/history.log"):
        found = True
        if (text := _text(ctx, rel)) is not None:
            yield from _apt_history(ctx, rel, text)
    for rel in _logs(ctx, "var/log/dpkg.log"):
        found = True
        if (text := _text(ctx, rel)) is not None:
            yield from _dpkg_log(ctx, rel, text)
    if rel := ctx.root.find("var/lib/dpkg/status"):
        found = True
        if (text := _text(ctx, rel)) is not None:
            yield from _dpkg_status(ctx, rel, text)
    if not found:
        ctx.missing(
            NAME,
            "var/lib/dpkg/status",
            "Không có cơ sở dữ liệu gói dpkg hay nhật ký apt/dpkg (không phải Debian/"
            "Ubuntu, hoặc đã bị xóa).",
        )


def _logs(ctx: AuditContext, base: str) -> list[str]:
    """The log and its rotations, oldest first (history.log.2.gz, history.log.1, history.log)."""
    rotated = ctx.root.glob(f"{base}.*")

    def age(rel: str) -> int:
        m = re.search(r"\.(\d+)(?:\.gz)?$", rel)
        return int(m.group(1)) if m else 0

    out = sorted((r for r in rotated if re.search(r"\.\d+(?:\.gz)?$", r)), key=age, reverse=True)
    if current := ctx.root.find(base):
        out.append(current)
    return out


def _text(ctx: AuditContext, rel: str) -> str | None:
    try:
        data = ctx.root.read_bytes(rel)
        if rel.endswith(".gz"):
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
                data = f.read(_MAX_GZ + 1)
            if len(data) > _MAX_GZ:
                ctx.error(NAME, rel, "Nhật ký nén giải ra quá lớn, chỉ đọc phần đầu.")
                data = data[:_MAX_GZ]
    except (OSError, EOFError) as exc:
        ctx.error(NAME, rel, f"Không đọc được nhật ký gói phần mềm: {exc}")
        return None
    return data.decode("utf-8", errors="replace")


def _software(
    ctx, rel, locator, raw, name, version, action, publisher="", when=None, extra=None
) -> Observation | None:
    cls = classify(name, publisher)
    if cls is None:
        return None
    facts = {
        "name": name,
        "version": version,
        "publisher": publisher,
        "category": cls.category,
        "product": cls.product,
        "event": action,
        "source": rel,
        **(extra or {}),
    }
    times = ()
    if when is not None:
        # An install is dated "installed", a removal "uninstalled"; upgrades are other events.
        times = (local_timestamp(ctx, _TIME_NAMES.get(action, "event_time"), when),)
    return Observation(
        "software",
        f"SW:{cls.product}",
        NAME,
        facts,
        times,
        (ctx.evidence(rel, locator, raw[:400]),),
    )


def _apt_history(ctx: AuditContext, rel: str, text: str) -> Iterator[Observation]:
    block: dict = {}
    start_line = 0
    for number, line in enumerate([*text.splitlines(), ""], 1):
        if not line.strip():
            if block:
                yield from _apt_block(ctx, rel, block, start_line)
            block, start_line = {}, 0
            continue
        key, sep, value = line.partition(": ")
        if not sep:
            continue
        if not block:
            start_line = number
        block[key.strip()] = (value.strip(), number, line)


def _apt_block(ctx, rel, block: dict, start_line: int) -> Iterator[Observation]:
    start = block.get("Start-Date")
    when = None
    if start:
        try:
            when = datetime.strptime(" ".join(start[0].split()), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            ctx.error(NAME, rel, f"Dòng {start[1]}: Start-Date không đúng định dạng.")
    extra = {
        "commandline": block.get("Commandline", ("",))[0],
        "requested_by": block.get("Requested-By", ("",))[0],
    }
    for key, action in _APT_ACTIONS.items():
        if key not in block:
            continue
        value, number, line = block[key]
        for m in _APT_PACKAGE.finditer(value):
            version = m["ver"].split(",")[0].strip()
            if obs := _software(
                ctx, rel, f"line {number}", line, m["name"], version, action, when=when, extra=extra
            ):
                yield obs


def _dpkg_log(ctx: AuditContext, rel: str, text: str) -> Iterator[Observation]:
    for number, line in enumerate(text.splitlines(), 1):
        m = _DPKG_LINE.match(line)
        if not m:
            continue
        when = datetime.strptime(m["t"], "%Y-%m-%d %H:%M:%S")
        words = m["rest"].split()
        if m["status"]:
            action, version = "installed", words[0] if words else ""
        elif m["action"] == "install":
            continue  # the start of an install; its "status installed" line says it finished
        else:
            action = {"upgrade": "upgraded", "remove": "removed", "purge": "purged"}[m["action"]]
            version = words[-1] if words else ""
        if obs := _software(
            ctx, rel, f"line {number}", line, m["name"], version, action, when=when
        ):
            yield obs


def _dpkg_status(ctx: AuditContext, rel: str, text: str) -> Iterator[Observation]:
    stanza: dict[str, str] = {}
    start = 1
    for number, line in enumerate([*text.splitlines(), ""], 1):
        if line.strip():
            if not stanza:
                start = number
            key, sep, value = line.partition(":")
            if sep and not line[:1].isspace():
                stanza[key.strip()] = value.strip()
            continue
        if stanza.get("Package") and stanza.get("Status", "").endswith(" installed"):
            raw = (
                f"Package: {stanza['Package']}; Status: {stanza['Status']}; "
                f"Version: {stanza.get('Version', '')}"
            )
            if obs := _software(
                ctx,
                rel,
                f"line {start}",
                raw,
                stanza["Package"],
                stanza.get("Version", ""),
                "present",
                publisher=stanza.get("Maintainer", ""),
                extra={"description": stanza.get("Description", "")[:200]},
            ):
                yield obs
        stanza = {}
