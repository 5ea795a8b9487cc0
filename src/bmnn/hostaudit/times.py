"""The names of Timestamps: what each one dates, in Vietnamese for the report, and whether it is
the time of an event a rule can judge.

Analysers name every time they read (model.Timestamp.name); rules list, per check, the names
that are its event times (`condition.times` in rules/*.yaml). A name missing from a check's
list leaves an observation undated there, so every name an analyser emits is declared here and
the rulebook refuses a `times:` entry that is not (tests walk the fixtures' observations to keep
the rules' lists complete). A few names date no event: the last write of a registry key (any
change to the key writes it), or when a DHCP lease would expire. They are evidence, never a
finding's time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TimeName:
    label: str  # Vietnamese, as the report's time column shows it
    event: bool = True  # False: dates no event; never the time of a finding


TIME_NAMES: dict[str, TimeName] = {
    # USB and other PnP devices (Microsoft's names for DEVPKEY_Device_* 0064-0067)
    "install_date": TimeName("cài đặt (0064)"),
    "first_install_date": TimeName("cài đặt lần đầu (0065)"),
    "last_arrival_date": TimeName("kết nối gần nhất (0066)"),
    "last_removal_date": TimeName("tháo gần nhất (0067)"),
    "setupapi_first_install": TimeName("cài đặt lần đầu (setupapi)"),
    "first_seen": TimeName("thấy lần đầu"),
    "last_seen": TimeName("thấy gần nhất"),
    "removal_time": TimeName("tháo thiết bị"),
    "last_connected": TimeName("kết nối gần nhất"),
    "last_tested": TimeName("ReadyBoost kiểm tra ổ gần nhất"),
    # networks
    "date_created": TimeName("kết nối lần đầu"),
    "date_last_connected": TimeName("kết nối lần cuối"),
    "last_activated": TimeName("kích hoạt gần nhất"),
    "lease_obtained": TimeName("nhận địa chỉ DHCP"),
    "lease_terminates": TimeName("hết hạn địa chỉ DHCP", event=False),
    "collected_at": TimeName("lúc thu thập"),
    # Internet, software, remote access
    "visit_time": TimeName("truy cập"),
    "installed": TimeName("cài đặt"),
    "uninstalled": TimeName("gỡ bỏ"),
    "session_start": TimeName("bắt đầu phiên"),
    "session_end": TimeName("kết thúc phiên"),
    # accounts and logons
    "logon_time": TimeName("đăng nhập"),
    "logoff_time": TimeName("đăng xuất"),
    "last_logon": TimeName("đăng nhập gần nhất"),
    "last_failed_logon": TimeName("đăng nhập sai gần nhất"),
    "password_last_set": TimeName("đặt mật khẩu gần nhất"),
    "profile_loaded": TimeName("nạp hồ sơ người dùng"),
    "profile_unloaded": TimeName("đóng hồ sơ người dùng"),
    # any source
    "event_time": TimeName("sự kiện"),
    "audit_time": TimeName("lúc kiểm tra"),
    "key_last_written": TimeName("khóa ghi lần cuối", event=False),
}


def label(name: str) -> str:
    """The Vietnamese name of a time; an undeclared name is shown as it is."""
    known = TIME_NAMES.get(name)
    return known.label if known else name


def is_event(name: str) -> bool:
    """Whether the time dates an event; an undeclared name counts as one (it is never dropped)."""
    known = TIME_NAMES.get(name)
    return known is None or known.event


__all__ = ["TIME_NAMES", "TimeName", "is_event", "label"]
