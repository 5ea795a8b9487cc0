"""AuditContext: what every analyser gets — the artefact root, its hives, its event records,
the machine's time zone, and a place to report what could not be read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from .model import Evidence, Problem
from .root import ArtefactRoot

if TYPE_CHECKING:
    from .eventlog import EventRecord
    from .registry import Hive

# Where a Windows system keeps its hives, relative to the system drive.
HIVE_PATHS: dict[str, str] = {
    "SYSTEM": "Windows/System32/config/SYSTEM",
    "SOFTWARE": "Windows/System32/config/SOFTWARE",
    "SAM": "Windows/System32/config/SAM",
    "SECURITY": "Windows/System32/config/SECURITY",
}


@dataclass
class AuditContext:
    root: ArtefactRoot
    problems: list[Problem] = field(default_factory=list)
    _hives: dict[str, Any] = field(default_factory=dict)
    _tz: tuple[tzinfo, str] | None = None

    # -- platform -----------------------------------------------------------------------------
    @property
    def platform(self) -> str:
        """ "windows", "linux" or "unknown", from what the root holds."""
        if self.root.find(HIVE_PATHS["SYSTEM"]) or self.root.has_dir("Windows/System32"):
            return "windows"
        if any(self.root.find(p) for p in ("etc/os-release", "etc/hostname", "etc/machine-id")):
            return "linux"
        return "unknown"

    # -- problems -----------------------------------------------------------------------------
    def missing(self, analyser: str, source: str, message: str) -> None:
        self.problems.append(Problem(analyser, "missing", source, message))

    def error(self, analyser: str, source: str, message: str) -> None:
        self.problems.append(Problem(analyser, "error", source, message))

    def evidence(self, rel: str, locator: str, raw: str | bytes = "") -> Evidence:
        raw_s = raw.hex() if isinstance(raw, bytes) else raw
        return Evidence(rel, locator, self.root.sha256(rel), raw_s[:512])

    # -- registry -----------------------------------------------------------------------------
    def hive(self, name: str) -> Hive | None:
        """SYSTEM, SOFTWARE, SAM or SECURITY of the audited system; None if absent or unreadable
        (the reason is in `problems`, reported once)."""
        from .registry import open_hive

        if name not in self._hives:
            rel = self.root.find(HIVE_PATHS[name])
            self._hives[name] = open_hive(self, rel, name) if rel else None
            if rel is None:
                self.missing("registry", HIVE_PATHS[name], f"Không có tệp hive {name}.")
        return self._hives[name]

    def user_hives(self) -> list[tuple[str, Hive]]:
        """(user name, NTUSER.DAT hive) for each profile folder under Users/."""
        from .registry import open_hive

        out = []
        for rel in self.root.glob("Users/*/NTUSER.DAT"):
            key = f"user:{rel}"
            if key not in self._hives:
                self._hives[key] = open_hive(self, rel, "NTUSER")
            if self._hives[key] is not None:
                out.append((rel.split("/")[1], self._hives[key]))
        return out

    # -- events -------------------------------------------------------------------------------
    def events(self, channel: str) -> Iterator[EventRecord]:
        """Records of one event-log channel, from .evtx files or exported JSON records."""
        from .eventlog import iter_channel

        yield from iter_channel(self, channel)

    # -- time ---------------------------------------------------------------------------------
    def local_tz(self) -> tuple[tzinfo, str]:
        """The audited machine's zone for artefacts stored in local time, and its label
        ("SE Asia Standard Time (UTC+07:00)"). Falls back to UTC+7 (Vietnam), labelled so."""
        if self._tz is None:
            from .timezone import machine_timezone

            self._tz = machine_timezone(self) or (
                timezone(timedelta(hours=7)),
                "UTC+07:00 (mặc định Việt Nam — không đọc được múi giờ của máy)",
            )
        return self._tz


UTC_LABEL = "UTC"
__all__ = ["HIVE_PATHS", "UTC", "UTC_LABEL", "AuditContext"]
