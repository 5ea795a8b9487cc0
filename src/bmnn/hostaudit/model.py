"""The auditor's vocabulary: evidence, timestamps, observations, rule results.

Analysers turn artefacts into Observations; rules turn Observations into Results. Every
Observation carries the Evidence it came from (file, key or record, hash) so a finding can be
traced back to raw bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

# OpenSCAP/XCCDF result vocabulary: a missing artefact is `unknown`, never `pass`.
RESULTS: tuple[str, ...] = ("fail", "error", "unknown", "pass", "notapplicable")
RESULTS_VI: dict[str, str] = {
    "fail": "vi phạm",
    "error": "lỗi khi phân tích",
    "unknown": "không đủ dữ liệu",
    "pass": "đạt",
    "notapplicable": "không áp dụng",
}
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")

# Observation kinds. Analysers emit only these; rules read them by name.
KINDS: dict[str, str] = {
    "identity": "Định danh máy (tên máy, MachineGuid, ngày cài đặt, múi giờ, hệ điều hành)",
    "user": "Tài khoản người dùng",
    "logon": "Phiên đăng nhập",
    "usb_storage": "Thiết bị lưu trữ USB",
    "usb_device": "Thiết bị USB khác (modem, card mạng, máy in, HID)",
    "usb_event": "Sự kiện kết nối/tháo thiết bị (setupapi, nhật ký sự kiện)",
    "mount": "Gắn ổ đĩa (ký tự ổ, người dùng)",
    "volume": "Ổ đĩa/phân vùng (số sê-ri ổ, nhãn)",
    "phone": "Điện thoại, máy tính bảng (MTP, Apple)",
    "bluetooth": "Thiết bị Bluetooth đã ghép nối",
    "network_profile": "Hồ sơ mạng đã kết nối (NetworkList, NetworkManager)",
    "wifi_profile": "Hồ sơ Wi-Fi",
    "network_event": "Sự kiện kết nối mạng (WLAN-AutoConfig, NetworkManager)",
    "internet_reachable": "Bằng chứng truy cập Internet (NCSI, kiểm tra kết nối)",
    "adapter": "Bộ điều hợp mạng (Wi-Fi, 3G/4G, RNDIS)",
    "connected_now": "Trạng thái kết nối hiện tại (giao diện, tuyến mặc định, địa chỉ)",
    "browser_visit": "Lượt truy cập web trong trình duyệt",
    "software": "Phần mềm đã cài",
    "remote_session": "Phiên truy cập từ xa, đồng bộ đám mây",
    "policy": "Chính sách hệ thống (chặn lưu trữ rời, tự chạy)",
    "log_cleared": "Nhật ký bị xóa",
    "collection": "Ghi chép của bộ thu thập",
}


def utc(dt: datetime) -> datetime:
    """An aware UTC datetime; naive input is taken as already UTC."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _frozen(m: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(m or {}))


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: a file of the artefact root and the place inside it."""

    source: str  # path relative to the artefact root, "/" separated
    locator: str  # registry key\\value, "record 123", "line 45", "table urls rowid 7"
    sha256: str  # of the whole source file as found
    raw: str = ""  # the raw bytes (hex) or line, kept short

    def as_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "locator": self.locator,
            "sha256": self.sha256,
            "raw": self.raw,
        }


@dataclass(frozen=True)
class Timestamp:
    """One time an artefact records, converted to UTC, with how it was stored."""

    name: str  # e.g. "first_install_date", "last_arrival_date", "visit_time"
    utc: datetime
    source_tz: str  # "UTC", or the zone local times were converted from, e.g. "UTC+07:00"

    def __post_init__(self) -> None:
        object.__setattr__(self, "utc", utc(self.utc))

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "utc": self.utc.isoformat(), "source_tz": self.source_tz}


@dataclass(frozen=True)
class Observation:
    """A normalised fact an analyser found: one device, profile, visit, program, event."""

    kind: str  # one of KINDS
    identity: str  # e.g. "USB:0781/5567/4C530001", "WLAN:Cafe", "URL:example.com"
    analyser: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    times: tuple[Timestamp, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown observation kind {self.kind!r}")
        object.__setattr__(self, "facts", _frozen(self.facts))
        object.__setattr__(self, "times", tuple(self.times))
        object.__setattr__(self, "evidence", tuple(self.evidence))

    def time(self, name: str) -> datetime | None:
        return next((t.utc for t in self.times if t.name == name), None)

    @property
    def earliest(self) -> datetime | None:
        return min((t.utc for t in self.times), default=None)

    @property
    def latest(self) -> datetime | None:
        return max((t.utc for t in self.times), default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "identity": self.identity,
            "analyser": self.analyser,
            "facts": {k: _jsonable(v) for k, v in self.facts.items()},
            "times": [t.as_dict() for t in self.times],
            "evidence": [e.as_dict() for e in self.evidence],
        }


@dataclass(frozen=True)
class Problem:
    """An artefact an analyser could not read (`error`) or did not find (`missing`)."""

    analyser: str
    kind: str  # "error" or "missing"
    source: str
    message: str  # Vietnamese, for the report

    def as_dict(self) -> dict[str, str]:
        return {
            "analyser": self.analyser,
            "kind": self.kind,
            "source": self.source,
            "message": self.message,
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime):
        return utc(v).isoformat()
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return v
