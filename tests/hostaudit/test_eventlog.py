"""bmnn.hostaudit.eventlog: the thin .evtx adapter (tested on real .evtx files written by our own
writer from the published format), JSON-lines records and the Linux journal export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bmnn.hostaudit.context import AuditContext
from bmnn.hostaudit.eventlog import (
    channel_file_name,
    iter_channel,
    iter_journal,
    parse_utc,
    record_from_json,
)
from bmnn.hostaudit.root import ArtefactRoot
from tests.hostaudit import files_fixtures as ff
from tests.hostaudit import linux_fixtures as lf

WHEN = datetime(2026, 4, 1, 2, 3, 4, 567891, tzinfo=UTC)


def ctx_for(path) -> AuditContext:
    return AuditContext(ArtefactRoot(path))


def problems(ctx, kind):
    return [p for p in ctx.problems if p.kind == kind]


# -- JSON shape -----------------------------------------------------------------------------------
def test_record_from_json_reads_system_header_and_event_data():
    obj = ff.event(
        ff.PARTITION,
        "Microsoft-Windows-Partition",
        1006,
        42,
        WHEN,
        {"Manufacturer": "SanDisk", "Capacity": 16008609792},
    )
    rec = record_from_json(obj, "fallback", "bmnn/events/x.jsonl", "line 3")
    assert rec.channel == ff.PARTITION
    assert rec.provider == "Microsoft-Windows-Partition"
    assert (rec.event_id, rec.record_id) == (1006, 42)
    assert rec.time == WHEN and rec.time.tzinfo is not None
    assert rec.computer == ff.COMPUTER
    assert rec.data == {"Manufacturer": "SanDisk", "Capacity": 16008609792}
    assert (rec.source, rec.locator) == ("bmnn/events/x.jsonl", "line 3")


def test_record_from_json_event_id_with_attributes_and_user_data():
    obj = ff.event(
        "Security",
        "Microsoft-Windows-Eventlog",
        1102,
        9,
        WHEN,
        id_as_text=True,
        user_data=("LogFileCleared", {"SubjectUserName": "nguyenvana"}),
    )
    rec = record_from_json(obj, "Security", "s", "l")
    assert rec.event_id == 1102
    assert rec.data == {"SubjectUserName": "nguyenvana"}  # the wrapper element is unwrapped


def test_record_from_json_refuses_a_record_without_time_or_id():
    obj = ff.event("System", "P", 1, 1, WHEN)
    del obj["Event"]["System"]["TimeCreated"]
    with pytest.raises(KeyError):
        record_from_json(obj, "System", "s", "l")
    obj = ff.event("System", "P", 1, 1, WHEN)
    obj["Event"]["System"]["EventID"] = "không phải số"
    with pytest.raises(ValueError):
        record_from_json(obj, "System", "s", "l")


def test_parse_utc_accepts_windows_seven_digit_fractions_and_offsets():
    assert parse_utc("2026-04-01T02:03:04.5678912Z") == datetime(
        2026, 4, 1, 2, 3, 4, 567891, tzinfo=UTC
    )
    assert parse_utc("2026-04-01 09:03:04+07:00") == datetime(2026, 4, 1, 2, 3, 4, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_utc("")
    with pytest.raises(ValueError):
        parse_utc("01/04/2026")


def test_channel_file_name_uses_percent_four_for_slash():
    assert channel_file_name(ff.PARTITION) == "Microsoft-Windows-Partition%4Diagnostic"


# -- JSON lines -----------------------------------------------------------------------------------
def test_json_lines_bad_line_is_an_error_and_the_rest_is_read(tmp_path):
    good = [
        ff.event(ff.WLAN, "Microsoft-Windows-WLAN-AutoConfig", 8001, n, WHEN, {"SSID": "A"})
        for n in (1, 2)
    ]
    ff.write_event_jsonl(tmp_path, ff.WLAN, good, extra_lines=["{không phải json", "[1, 2]"])
    ctx = ctx_for(tmp_path)
    records = list(iter_channel(ctx, ff.WLAN))
    assert [r.record_id for r in records] == [1, 2]
    assert [r.locator for r in records] == ["line 1", "line 2"]
    errors = problems(ctx, "error")
    assert len(errors) == 2
    assert all(
        e.source == "bmnn/events/Microsoft-Windows-WLAN-AutoConfig%4Operational.jsonl"
        for e in errors
    )
    assert "Dòng 3" in errors[0].message


def test_a_flood_of_bad_lines_is_summarised(tmp_path):
    ff.write_event_jsonl(tmp_path, "System", [], extra_lines=["x"] * 30)
    ctx = ctx_for(tmp_path)
    assert list(iter_channel(ctx, "System")) == []
    errors = problems(ctx, "error")
    assert len(errors) == 21
    assert "30 dòng hỏng" in errors[-1].message


def test_a_channel_with_no_file_is_missing_not_empty(tmp_path):
    ctx = ctx_for(tmp_path)
    assert list(iter_channel(ctx, ff.NCSI)) == []
    (missing,) = problems(ctx, "missing")
    assert missing.source.endswith("Microsoft-Windows-NCSI%4Operational.evtx")
    assert "Không có nhật ký sự kiện" in missing.message


# -- the .evtx adapter ----------------------------------------------------------------------------
def _simple(record_id: int, event_id: int = 1006, **data) -> dict:
    return {
        "channel": ff.PARTITION,
        "provider": "Microsoft-Windows-Partition",
        "event_id": event_id,
        "record_id": record_id,
        "time": WHEN + timedelta(seconds=record_id),
        "data": data,
    }


def test_evtx_file_is_read_through_the_wheel(tmp_path):
    path = ff.evtx_path(tmp_path, ff.PARTITION)
    ff.write_evtx(
        path,
        [
            _simple(7, Manufacturer="SanDisk", Vbr0="EB5890"),
            _simple(8, event_id=1007, Model="Cruzer Blade"),
        ],
    )
    ctx = ctx_for(tmp_path)
    records = list(ctx.events(ff.PARTITION))
    assert ctx.problems == []
    assert [(r.record_id, r.event_id) for r in records] == [(7, 1006), (8, 1007)]
    first = records[0]
    assert first.channel == ff.PARTITION
    assert first.provider == "Microsoft-Windows-Partition"
    assert first.time == WHEN + timedelta(seconds=7)
    assert first.computer == ff.COMPUTER
    assert first.data == {"Manufacturer": "SanDisk", "Vbr0": "EB5890"}
    assert (
        first.source == "Windows/System32/winevt/Logs/Microsoft-Windows-Partition%4Diagnostic.evtx"
    )
    assert first.locator == "record 7"


def test_evtx_and_json_of_the_same_channel_are_both_read(tmp_path):
    ff.write_evtx(ff.evtx_path(tmp_path, ff.PARTITION), [_simple(1)])
    ff.write_event_jsonl(
        tmp_path,
        ff.PARTITION,
        [ff.event(ff.PARTITION, "Microsoft-Windows-Partition", 1006, 2, WHEN, {})],
    )
    records = list(iter_channel(ctx_for(tmp_path), ff.PARTITION))
    assert [(r.record_id, r.locator) for r in records] == [(1, "record 1"), (2, "line 1")]


def test_truncated_evtx_is_an_error_never_an_empty_log(tmp_path):
    path = ff.write_evtx(ff.evtx_path(tmp_path, ff.PARTITION), [_simple(1), _simple(2)])
    path.write_bytes(path.read_bytes()[:6000])  # cut inside the first chunk
    ctx = ctx_for(tmp_path)
    assert list(iter_channel(ctx, ff.PARTITION)) == []
    (error,) = problems(ctx, "error")
    assert "cắt cụt" in error.message


def test_garbage_named_evtx_is_an_error(tmp_path):
    path = ff.evtx_path(tmp_path, "Security")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"MZ\x90\x00" + bytes(range(256)) * 40)
    ctx = ctx_for(tmp_path)
    assert list(iter_channel(ctx, "Security")) == []
    (error,) = problems(ctx, "error")
    assert "ElfFile" in error.message


def test_corrupted_chunk_is_an_error_reported_by_the_wheel(tmp_path):
    path = ff.write_evtx(ff.evtx_path(tmp_path, ff.PARTITION), [_simple(1), _simple(2)])
    data = bytearray(path.read_bytes())
    data[4096 + 600 : 4096 + 700] = b"\xff" * 100  # inside the first record's Binary XML
    path.write_bytes(bytes(data))
    ctx = ctx_for(tmp_path)
    list(iter_channel(ctx, ff.PARTITION))
    (error,) = problems(ctx, "error")
    assert error.source.endswith(".evtx")
    assert "hỏng" in error.message


# -- the Linux journal ----------------------------------------------------------------------------
def test_journal_entries_with_byte_array_message_and_bad_lines(tmp_path):
    good = lf.journal_line(WHEN, "usb 1-1: Product: Cruzer Blade")
    raw = json.loads(lf.journal_line(WHEN, "x", identifier="NetworkManager"))
    raw["MESSAGE"] = list("Kết nối".encode())  # journalctl's form for non-UTF-8-safe text
    no_time = json.dumps({"MESSAGE": "không có thời điểm"})
    lf._write(tmp_path, "bmnn/journal.jsonl", "\n".join([good, json.dumps(raw), no_time]))
    ctx = ctx_for(tmp_path)
    entries = list(iter_journal(ctx, "linux_devices"))
    assert [e.message for e in entries] == ["usb 1-1: Product: Cruzer Blade", "Kết nối"]
    assert entries[0].identifier == "kernel" and entries[1].identifier == "NetworkManager"
    assert entries[0].time == WHEN
    assert entries[0].locator == "line 1" and entries[0].raw == good
    (error,) = problems(ctx, "error")
    assert error.analyser == "linux_devices" and "Dòng 3" in error.message


def test_journal_absent_is_missing_for_the_asking_analyser(tmp_path):
    ctx = ctx_for(tmp_path)
    assert list(iter_journal(ctx, "linux_network")) == []
    (missing,) = problems(ctx, "missing")
    assert missing.analyser == "linux_network"
    assert missing.source == "bmnn/journal.jsonl"
