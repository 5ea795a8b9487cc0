"""Event records of the audited machine: Windows event-log channels and the Linux journal.

Windows: a channel is read from its .evtx file through the `evtx` wheel (kept thin: the wheel
turns each record into JSON, we only normalise that JSON) and/or from `bmnn/events/<channel>.jsonl`,
where each line has the same JSON shape (channels exported as JSON, and tests). Linux: the
bundle's `bmnn/journal.jsonl` is `journalctl -o json` output, one entry per line.

Nothing here judges a record. What cannot be read is reported on the context (`error`), what
is absent is `missing`, and the run goes on with the records that could be read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .model import utc

if TYPE_CHECKING:
    from .context import AuditContext

ANALYSER = "eventlog"
EVTX_DIR = "Windows/System32/winevt/Logs"
JSON_DIR = "bmnn/events"
JOURNAL = "bmnn/journal.jsonl"

_MAX_LINE_ERRORS = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class EventRecord:
    """One Windows event: the System header fields the analysers need and its payload."""

    channel: str
    provider: str
    event_id: int
    record_id: int
    time: datetime  # TimeCreated/SystemTime, aware UTC
    computer: str
    data: Mapping[str, Any] = field(default_factory=dict)  # EventData or UserData, flattened
    source: str = ""  # path relative to the artefact root
    locator: str = ""  # "record 123" (.evtx) or "line 45" (JSON lines)


@dataclass(frozen=True)
class JournalEntry:
    """One systemd journal entry (`journalctl -o json`)."""

    time: datetime  # __REALTIME_TIMESTAMP, aware UTC
    identifier: str  # SYSLOG_IDENTIFIER, else _COMM, e.g. "kernel", "NetworkManager"
    message: str
    fields: Mapping[str, Any]
    source: str
    locator: str  # "line 45"
    raw: str  # the JSON line, for the evidence


def channel_file_name(channel: str) -> str:
    """Windows stores channel "A/B" as file "A%4B" ("/" is not allowed in a file name)."""
    return channel.replace("/", "%4")


def iter_channel(ctx: AuditContext, channel: str) -> Iterator[EventRecord]:
    """Every record of `channel` found in the artefact root, from .evtx and from JSON lines."""
    name = channel_file_name(channel)
    evtx_rel = ctx.root.find(f"{EVTX_DIR}/{name}.evtx")
    json_rel = ctx.root.find(f"{JSON_DIR}/{name}.jsonl")
    if evtx_rel is None and json_rel is None:
        ctx.missing(
            ANALYSER,
            f"{EVTX_DIR}/{name}.evtx",
            f"Không có nhật ký sự kiện {channel} (không có tệp .evtx hay bản xuất JSON).",
        )
        return
    if evtx_rel is not None:
        yield from _iter_evtx(ctx, channel, evtx_rel)
    if json_rel is not None:
        yield from _iter_json_lines(ctx, channel, json_rel)


def _iter_evtx(ctx: AuditContext, channel: str, rel: str) -> Iterator[EventRecord]:
    try:
        import evtx
    except ImportError:  # pragma: no cover - the wheel is a dependency; said loudly if absent
        ctx.error(ANALYSER, rel, "Thiếu thư viện evtx nên không đọc được tệp .evtx.")
        return
    problem, readable = _evtx_shape_problem(ctx, rel)
    if problem:
        # The wheel silently yields nothing for a cut-off chunk: say so, then read what is there.
        ctx.error(ANALYSER, rel, problem)
        if not readable:
            return
    try:
        # One thread: the order of records stays the file's, and the audit shares the machine.
        records = evtx.PyEvtxParser(str(ctx.root.abspath(rel)), number_of_threads=1)
        iterator = iter(records.records_json())
    except (OSError, RuntimeError, ValueError) as exc:
        ctx.error(ANALYSER, rel, f"Tệp nhật ký sự kiện .evtx hỏng hoặc không đọc được: {exc}")
        return
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except (OSError, RuntimeError, ValueError) as exc:
            # The wheel stops at the first broken chunk; what was read before stays valid.
            ctx.error(
                ANALYSER, rel, f"Tệp nhật ký sự kiện .evtx bị hỏng từ một đoạn, dừng đọc: {exc}"
            )
            return
        locator = f"record {item.get('event_record_id', '?')}"
        try:
            record = record_from_json(json.loads(item["data"]), channel, rel, locator)
        except (KeyError, TypeError, ValueError) as exc:
            ctx.error(ANALYSER, rel, f"Bản ghi {locator} không đúng cấu trúc sự kiện: {exc}")
            continue
        yield record


_EVTX_HEADER = 4096
_EVTX_CHUNK = 65536


def _evtx_shape_problem(ctx: AuditContext, rel: str) -> tuple[str, bool]:
    """(why the file is not a whole .evtx, whether reading it is still worth trying)."""
    try:
        head = ctx.root.read_bytes(rel, limit=8)
        size = ctx.root.abspath(rel).stat().st_size
    except OSError as exc:
        return f"Không đọc được tệp .evtx: {exc}", False
    if head != b"ElfFile\x00":
        return "Tệp không phải nhật ký sự kiện .evtx (sai chữ ký ElfFile) hoặc đã bị hỏng.", False
    if size < _EVTX_HEADER or (size - _EVTX_HEADER) % _EVTX_CHUNK:
        return (
            f"Tệp .evtx bị cắt cụt ({size:,} byte, không trọn các khối 64 KiB); "
            "các bản ghi ở phần bị cắt không đọc được.",
            True,
        )
    return "", True


def _iter_json_lines(ctx: AuditContext, channel: str, rel: str) -> Iterator[EventRecord]:
    yield from _parse_lines(
        ctx,
        ANALYSER,
        rel,
        lambda obj, number, _line: record_from_json(obj, channel, rel, f"line {number}"),
        "bản ghi sự kiện",
    )


def _parse_lines(ctx: AuditContext, analyser: str, rel: str, parse, what: str) -> Iterator[Any]:
    """JSON lines through `parse(obj, number, line)`; each bad line is an error, the rest is
    still read. After 20 bad lines only the count is reported, so garbage cannot flood it."""
    errors = 0
    for number, line in _lines(ctx, analyser, rel):
        try:
            item = parse(json.loads(line), number, line)
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            errors += 1
            if errors <= _MAX_LINE_ERRORS:
                ctx.error(analyser, rel, f"Dòng {number} không phải {what} hợp lệ: {exc}")
            continue
        yield item
    if errors > _MAX_LINE_ERRORS:
        ctx.error(
            analyser, rel, f"Tổng cộng {errors} dòng hỏng trong tệp, chỉ liệt kê 20 dòng đầu."
        )


def _lines(ctx: AuditContext, analyser: str, rel: str) -> Iterator[tuple[int, str]]:
    """Non-empty lines of a text file with their 1-based numbers; unreadable file -> error."""
    try:
        text = ctx.root.read_text(rel)
    except OSError as exc:
        ctx.error(analyser, rel, f"Không đọc được tệp: {exc}")
        return
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield number, line


# -- the evtx wheel's JSON shape ------------------------------------------------------------------
def record_from_json(obj: Any, channel: str, source: str, locator: str) -> EventRecord:
    """Normalise one record in the `evtx` wheel's JSON shape. Raises KeyError/TypeError/
    ValueError when a required System field is absent or malformed."""
    event = obj["Event"]
    system = event["System"]
    provider = system.get("Provider") or {}
    provider_name = _attr(provider, "Name") or ""
    event_id = int(_text(system["EventID"]))
    record_id = int(_text(system.get("EventRecordID", 0)) or 0)
    time = parse_utc(_attr(system["TimeCreated"], "SystemTime"))
    return EventRecord(
        channel=str(_text(system.get("Channel")) or channel),
        provider=str(provider_name),
        event_id=event_id,
        record_id=record_id,
        time=time,
        computer=str(_text(system.get("Computer")) or ""),
        data=_payload(event),
        source=source,
        locator=locator,
    )


def _attr(node: Any, name: str) -> Any:
    if isinstance(node, Mapping):
        attrs = node.get("#attributes")
        if isinstance(attrs, Mapping) and name in attrs:
            return attrs[name]
        return node.get(name)
    return None


def _text(node: Any) -> Any:
    """An element's value: scalars as they are, `{"#text": v, "#attributes": ...}` -> v."""
    if isinstance(node, Mapping):
        return node.get("#text")
    return node


def _payload(event: Mapping[str, Any]) -> dict[str, Any]:
    """EventData as a flat mapping; UserData's single wrapper element (e.g. LogFileCleared,
    InstallDeviceID) is unwrapped so both kinds read the same way."""
    out: dict[str, Any] = {}
    for key in ("EventData", "UserData"):
        part = event.get(key)
        if not isinstance(part, Mapping):
            if part not in (None, ""):
                out[key] = part
            continue
        items = {k: v for k, v in part.items() if k != "#attributes"}
        if key == "UserData" and len(items) == 1:
            (inner,) = items.values()
            if isinstance(inner, Mapping):
                items = {k: v for k, v in inner.items() if k != "#attributes"}
        for k, v in items.items():
            out[k] = _text(v) if isinstance(v, Mapping) and "#text" in v else v
    return out


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_utc(value: Any) -> datetime:
    """An ISO-8601 time ("2026-04-01T02:03:04.1234567Z") as aware UTC; naive input is UTC.
    Windows writes 7 fractional digits; Python reads 6, so the rest is dropped."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"thời điểm không hợp lệ: {value!r}")
    text = _FRACTION.sub(r"\1", value.strip().replace(" ", "T", 1))
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return utc(datetime.fromisoformat(text))


def text_of(value: Any) -> str:
    """A payload value as text ("" for None); lists joined by ", "."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(text_of(v) for v in value)
    if isinstance(value, Mapping):
        return text_of(value.get("#text"))
    return str(value).strip()


# -- the Linux journal ----------------------------------------------------------------------------
def iter_journal(ctx: AuditContext, analyser: str) -> Iterator[JournalEntry]:
    """Entries of `bmnn/journal.jsonl`. Absent (e.g. a mounted image, whose binary journal is
    not read) -> `missing` for `analyser`; bad lines -> `error`, the rest is still read."""
    rel = ctx.root.find(JOURNAL)
    if rel is None:
        ctx.missing(
            analyser,
            JOURNAL,
            "Không có bản xuất nhật ký systemd (bmnn/journal.jsonl); nhật ký nhị phân "
            "var/log/journal không được đọc trực tiếp.",
        )
        return
    yield from _parse_lines(
        ctx,
        analyser,
        rel,
        lambda obj, number, line: journal_entry(obj, rel, f"line {number}", line),
        "mục nhật ký",
    )


def journal_entry(obj: Any, source: str, locator: str, raw: str) -> JournalEntry:
    if not isinstance(obj, Mapping):
        raise TypeError("mục nhật ký không phải đối tượng JSON")
    micros = int(obj["__REALTIME_TIMESTAMP"])  # µs since 1970 UTC, written as a string
    return JournalEntry(
        time=_EPOCH + timedelta(microseconds=micros),
        identifier=str(obj.get("SYSLOG_IDENTIFIER") or obj.get("_COMM") or ""),
        message=_journal_message(obj.get("MESSAGE")),
        fields=obj,
        source=source,
        locator=locator,
        raw=raw,
    )


def _journal_message(value: Any) -> str:
    # journalctl writes a message that is not valid UTF-8 as an array of byte values.
    if isinstance(value, list):
        return bytes(int(b) & 0xFF for b in value).decode("utf-8", errors="replace")
    return "" if value is None else str(value)
