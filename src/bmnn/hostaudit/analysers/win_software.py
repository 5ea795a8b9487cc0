"""Installed programs from the Uninstall keys: the machine's (64- and 32-bit views) and each
user's NTUSER.DAT, classified (remote access, chat/sync, VPN, cleaner, browser, cipher) by
software.classify. Programs that fit no class are reported too, with category None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from ..context import AuditContext
from ..model import Observation, Timestamp
from ..registry import Hive
from ..software import classify
from ..timezone import local_timestamp

NAME = "win_software"

UNINSTALL = r"Microsoft\Windows\CurrentVersion\Uninstall"
# (hive, path, scope) of every Uninstall list.
MACHINE_LISTS = ((UNINSTALL, "machine"), (rf"WOW6432Node\{UNINSTALL}", "machine_32bit"))
USER_LISTS = ((rf"Software\{UNINSTALL}", "user"), (rf"Software\WOW6432Node\{UNINSTALL}", "user"))

_VALUES = {
    "DisplayName": "name",
    "Publisher": "publisher",
    "DisplayVersion": "version",
    "InstallDate": "install_date",
    "InstallLocation": "install_location",
    "UninstallString": "uninstall_string",
    "SystemComponent": "system_component",
}


def install_day(text: str) -> datetime | None:
    """InstallDate as Windows Installer writes it (YYYYMMDD, a local date), or None."""
    if not re.fullmatch(r"\d{8}", text.strip()):
        return None
    try:
        return datetime.strptime(text.strip(), "%Y%m%d")
    except ValueError:
        return None


def _list(
    ctx: AuditContext, hive: Hive, path: str, scope: str, user: str | None
) -> Iterator[Observation]:
    root = hive.key(path)
    if root is None:
        return
    for k in root.subkeys():
        facts, evidence = hive.read(k, _VALUES)
        name = str(facts.get("name") or "")
        cls = classify(name or k.name, str(facts.get("publisher", "")))
        if not name and cls is None:
            continue  # updates and components without a name: not programs a user installed
        facts.update(
            uninstall_key=k.name,
            scope=scope,
            category=cls.category if cls else None,
            product=cls.product if cls else name,
        )
        if not name:
            facts["name"] = k.name
        if user is not None:
            facts["user"] = user
        if "system_component" in facts:
            facts["system_component"] = bool(facts["system_component"])
        times = [Timestamp("key_last_written", k.last_written, "UTC")]
        day = install_day(str(facts.get("install_date", "")))
        if day is not None:
            # A date without a time: the start of that local day, in UTC.
            times.append(local_timestamp(ctx, "installed", day))
        yield Observation(
            "software", f"SW:{facts['product']}", NAME, facts, times, [hive.evidence(k), *evidence]
        )


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    software = ctx.hive("SOFTWARE")
    if software is not None:
        if software.key(UNINSTALL) is None:
            ctx.missing(
                NAME,
                f"{software.rel}:{UNINSTALL}",
                "Không có khóa Uninstall trong SOFTWARE (khóa này luôn có trên máy Windows).",
            )
        for path, scope in MACHINE_LISTS:
            yield from _list(ctx, software, path, scope, None)
    for user, hive in ctx.user_hives():
        for path, scope in USER_LISTS:
            yield from _list(ctx, hive, path, scope, user)
