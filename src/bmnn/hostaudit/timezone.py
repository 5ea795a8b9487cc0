"""The audited machine's time zone, so artefacts stored in local time can be given in UTC.

Windows: SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation, applied the way Windows applies
it (UTC = local + Bias minutes; the StandardStart/DaylightStart rules for daylight saving), so no
table of zone names is needed. Linux: etc/timezone or etc/localtime, read with zoneinfo, from the
audited system's own zoneinfo file when the root holds one.
"""

from __future__ import annotations

import os
import struct
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .model import Timestamp
from .registry import signed32

if TYPE_CHECKING:
    from .context import AuditContext

_ANALYSER = "timezone"
TZ_KEY = r"CurrentControlSet\Control\TimeZoneInformation"


def offset_label(delta: timedelta) -> str:
    """ "UTC+07:00" for a UTC offset."""
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local_timestamp(ctx: AuditContext, name: str, local: datetime) -> Timestamp:
    """A Timestamp from a naive local time of the audited machine, labelled with its zone."""
    tz, label = ctx.local_tz()
    return Timestamp(name, local.replace(tzinfo=tz).astimezone(UTC), label)


# -- Windows --------------------------------------------------------------------------------
class _Rule:
    """A StandardStart/DaylightStart transition: month, the n-th (5 = last) weekday, time."""

    def __init__(self, raw: bytes):
        (
            self.year,
            self.month,
            self.weekday,
            self.nth,
            self.hour,
            self.minute,
            self.second,
            _ms,
        ) = struct.unpack_from("<8H", raw)

    def at(self, year: int) -> datetime:
        if self.year:  # an absolute date (rare; Windows writes the yearly rule form)
            return datetime(self.year, self.month, self.nth, self.hour, self.minute, self.second)
        if not (1 <= self.nth <= 5 and 1 <= self.month <= 12 and self.weekday <= 6):
            raise ValueError("quy tắc giờ mùa hè không hợp lệ")
        first = datetime(year, self.month, 1)
        # Python counts Monday = 0, SYSTEMTIME Sunday = 0.
        day = 1 + (self.weekday - (first.weekday() + 1) % 7) % 7 + 7 * (self.nth - 1)
        while True:
            try:
                return datetime(year, self.month, day, self.hour, self.minute, self.second)
            except ValueError:  # a 5th weekday that does not exist: the last one
                if day <= 28:
                    raise
                day -= 7


class WindowsZone(tzinfo):
    """TIME_ZONE_INFORMATION as a tzinfo. Year-specific (dynamic) DST rules are not applied:
    the yearly rule in TimeZoneInformation is used for every year."""

    def __init__(
        self,
        key_name: str,
        bias: int,
        standard_bias: int = 0,
        daylight_bias: int = 0,
        standard_start: bytes | None = None,
        daylight_start: bytes | None = None,
    ):
        self.key_name = key_name
        self.std = timedelta(minutes=-(bias + standard_bias))
        self.dst_delta = timedelta(minutes=-(daylight_bias - standard_bias))
        self._rules: tuple[_Rule, _Rule] | None = None
        if (
            standard_start
            and daylight_start
            and len(standard_start) >= 16
            and len(daylight_start) >= 16
        ):
            std, dst = _Rule(standard_start), _Rule(daylight_start)
            if std.month and dst.month and self.dst_delta:
                self._rules = (std, dst)

    @property
    def has_dst(self) -> bool:
        return self._rules is not None

    def _in_dst(self, dt: datetime) -> bool:
        if self._rules is None:
            return False
        std_rule, dst_rule = self._rules
        naive = dt.replace(tzinfo=None)
        try:
            begin, end = dst_rule.at(naive.year), std_rule.at(naive.year)
        except ValueError:
            return False
        if begin < end:  # northern hemisphere: summer inside one calendar year
            return begin <= naive < end
        return not end <= naive < begin

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self.std + self.dst(dt)

    def dst(self, dt: datetime | None) -> timedelta:
        return self.dst_delta if dt is not None and self._in_dst(dt) else timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return self.key_name

    def label(self) -> str:
        text = f"{self.key_name} ({offset_label(self.std)}"
        if self.has_dst:
            text += f", giờ mùa hè {offset_label(self.std + self.dst_delta)}"
        return text + ")"

    def __repr__(self) -> str:
        return f"WindowsZone({self.label()!r})"


def windows_timezone(ctx: AuditContext) -> tuple[tzinfo, str] | None:
    hive = ctx.hive("SYSTEM")
    if hive is None:
        return None
    key = hive.key(TZ_KEY)
    if key is None:
        ctx.missing(
            _ANALYSER,
            f"{hive.rel}:{TZ_KEY}",
            "Không có khóa TimeZoneInformation; không biết múi giờ của máy.",
        )
        return None
    values = {n.upper(): v for n, v in key.values().items()}

    def number(name: str) -> int | None:
        v = values.get(name.upper())
        return signed32(v.data) if v is not None and isinstance(v.data, int) else None

    def blob(name: str) -> bytes | None:
        v = values.get(name.upper())
        return v.raw if v is not None and v.type == 3 else None

    bias = number("Bias")
    if bias is None or not -1440 <= bias <= 1440:
        ctx.error(
            _ANALYSER,
            hive.rel,
            f"Giá trị {key.path}\\Bias không đọc được hoặc không "
            "hợp lệ; không biết múi giờ của máy.",
        )
        return None
    name = ""
    for value_name in ("TimeZoneKeyName", "StandardName"):
        v = values.get(value_name.upper())
        if v is not None and isinstance(v.data, str) and v.data.strip():
            name = v.data.strip()
            break
    zone = WindowsZone(
        name or "Múi giờ không tên",
        bias,
        number("StandardBias") or 0,
        number("DaylightBias") or 0,
        blob("StandardStart"),
        blob("DaylightStart"),
    )
    return zone, zone.label()


# -- Linux ----------------------------------------------------------------------------------
def _zone_label(name: str, zone: tzinfo) -> str:
    jan = datetime(2026, 1, 15, 12, tzinfo=UTC).astimezone(zone).utcoffset()
    jul = datetime(2026, 7, 15, 12, tzinfo=UTC).astimezone(zone).utcoffset()
    if jan is not None and jan == jul:
        return f"{name} ({offset_label(jan)})"
    return name


def _named_zone(ctx: AuditContext, name: str) -> tzinfo | None:
    """The zone called `name`, from the audited system's own zoneinfo file if the root has it,
    else from this machine's time-zone database."""
    if not name or name.startswith("/") or ".." in name.split("/"):
        return None
    own = ctx.root.find(f"usr/share/zoneinfo/{name}")
    try:
        if own is not None:
            with open(ctx.root.abspath(own), "rb") as f:
                return ZoneInfo.from_file(f, key=name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def linux_timezone(ctx: AuditContext) -> tuple[tzinfo, str] | None:
    rel = ctx.root.find("etc/timezone")
    if rel is not None:
        try:
            words = ctx.root.read_text(rel).split()
        except OSError:
            words = []
        name = words[0] if words else ""
        zone = _named_zone(ctx, name)
        if zone is not None:
            return zone, _zone_label(name, zone)
        ctx.error(_ANALYSER, rel, f"Múi giờ '{name[:60]}' trong etc/timezone không nhận ra.")
    rel = ctx.root.find("etc/localtime")
    if rel is not None:
        path = ctx.root.abspath(rel)
        if os.path.islink(path):
            target = os.readlink(path)
            if "zoneinfo/" in target:
                name = target.split("zoneinfo/", 1)[1]
                zone = _named_zone(ctx, name)
                if zone is not None:
                    return zone, _zone_label(name, zone)
            ctx.error(
                _ANALYSER,
                rel,
                f"Liên kết etc/localtime trỏ tới '{target[:80]}', không nhận ra múi giờ.",
            )
            return None
        try:
            with open(path, "rb") as f:
                zone = ZoneInfo.from_file(f, key="etc/localtime")
            return zone, _zone_label("etc/localtime", zone)
        except (ValueError, OSError):
            ctx.error(_ANALYSER, rel, "Tệp etc/localtime không phải dữ liệu múi giờ hợp lệ.")
            return None
    ctx.missing(
        _ANALYSER,
        "etc/timezone",
        "Không có etc/timezone hay etc/localtime; không biết múi giờ của máy.",
    )
    return None


def machine_timezone(ctx: AuditContext) -> tuple[tzinfo, str] | None:
    """(tzinfo, label) of the audited machine, or None (reason in ctx.problems)."""
    if ctx.platform == "windows":
        return windows_timezone(ctx)
    if ctx.platform == "linux":
        return linux_timezone(ctx)
    return None
