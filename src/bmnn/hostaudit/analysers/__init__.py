"""The one table of analysers. Each entry names a function `analyse(ctx) -> Iterable[Observation]`
that reads artefacts through the AuditContext and reports what it could not read with
`ctx.missing(...)` / `ctx.error(...)`. Analysers extract facts only; rules judge them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..context import AuditContext
from ..model import Observation


@dataclass(frozen=True)
class AnalyserSpec:
    name: str
    target: str  # "module:function", imported when run
    platform: str  # "windows", "linux" or "any"
    kinds: tuple[str, ...]  # the Observation kinds it may emit
    title: str  # Vietnamese, for the report

    def load(self) -> Callable[[AuditContext], Iterable[Observation]]:
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module, __package__), func)


ANALYSERS: tuple[AnalyserSpec, ...] = (
    # Windows registry
    AnalyserSpec(
        "win_identity",
        ".win_identity:analyse",
        "windows",
        ("identity", "user"),
        "Định danh máy và tài khoản (registry)",
    ),
    AnalyserSpec(
        "usb",
        ".usb:analyse",
        "windows",
        ("usb_storage", "usb_device", "mount", "volume"),
        "Thiết bị USB (registry)",
    ),
    AnalyserSpec(
        "devices",
        ".devices:analyse",
        "windows",
        ("phone", "bluetooth"),
        "Điện thoại, máy tính bảng, Bluetooth (registry)",
    ),
    AnalyserSpec(
        "win_network",
        ".win_network:analyse",
        "windows",
        ("network_profile", "adapter"),
        "Lịch sử mạng và bộ điều hợp (registry)",
    ),
    AnalyserSpec(
        "win_software",
        ".win_software:analyse",
        "windows",
        ("software",),
        "Phần mềm đã cài (registry)",
    ),
    AnalyserSpec(
        "win_posture",
        ".win_posture:analyse",
        "windows",
        ("policy",),
        "Chính sách lưu trữ rời và tự chạy (registry)",
    ),
    # Windows files and event logs
    AnalyserSpec(
        "setupapi",
        ".setupapi:analyse",
        "windows",
        ("usb_event",),
        "Nhật ký cài đặt thiết bị setupapi",
    ),
    AnalyserSpec(
        "wlan_profiles",
        ".wlan_profiles:analyse",
        "windows",
        ("wifi_profile",),
        "Hồ sơ Wi-Fi (Wlansvc)",
    ),
    AnalyserSpec(
        "win_events",
        ".win_events:analyse",
        "windows",
        ("usb_event", "volume", "network_event", "internet_reachable", "log_cleared", "logon"),
        "Nhật ký sự kiện Windows",
    ),
    AnalyserSpec(
        "remote_logs",
        ".remote_logs:analyse",
        "any",
        ("remote_session",),
        "Nhật ký phần mềm truy cập từ xa, đồng bộ",
    ),
    # Linux
    AnalyserSpec(
        "linux_identity",
        ".linux_identity:analyse",
        "linux",
        ("identity", "user", "logon"),
        "Định danh máy, tài khoản, đăng nhập (Linux)",
    ),
    AnalyserSpec(
        "linux_network",
        ".linux_network:analyse",
        "linux",
        ("network_profile", "wifi_profile", "network_event", "internet_reachable", "adapter"),
        "Kết nối mạng NetworkManager và nhật ký (Linux)",
    ),
    AnalyserSpec(
        "linux_devices",
        ".linux_devices:analyse",
        "linux",
        ("usb_storage", "usb_device", "usb_event", "phone", "bluetooth"),
        "Thiết bị USB, Bluetooth (Linux)",
    ),
    AnalyserSpec(
        "linux_software",
        ".linux_software:analyse",
        "linux",
        ("software",),
        "Phần mềm đã cài (apt, dpkg)",
    ),
    # Both
    AnalyserSpec(
        "browsers",
        ".browsers:analyse",
        "any",
        ("browser_visit", "collection"),
        "Lịch sử trình duyệt (Chrome, Edge, Cốc Cốc, Firefox)",
    ),
    AnalyserSpec(
        "connected_now",
        ".connected_now:analyse",
        "any",
        ("connected_now",),
        "Trạng thái kết nối mạng lúc thu thập",
    ),
)


def by_name(name: str) -> AnalyserSpec:
    return next(a for a in ANALYSERS if a.name == name)
