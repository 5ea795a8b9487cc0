"""The byte encodings, checked against an independent re-implementation of the documented spec."""

import datetime as dt
import decimal
import hashlib
import json
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from bmnn.ledger import (
    GENESIS_PREV_HASH,
    LedgerFormatError,
    Signer,
    append,
    canonical_json,
    checkpoint_message,
    event_hash,
    format_time,
    parse_time,
)
from bmnn.ledger.encoding import frame


def _netstring(text: str) -> bytes:
    data = text.encode("utf-8")
    return str(len(data)).encode("ascii") + b":" + data + b","


def test_canonical_json_sorted_compact_and_unescaped():
    assert canonical_json({"b": 1, "a": {"đ": "Tuyệt mật", "c": [1, 2]}}) == (
        '{"a":{"c":[1,2],"đ":"Tuyệt mật"},"b":1}'
    )


def test_canonical_json_dates_and_scalars():
    value = {
        "d": dt.date(2026, 3, 1),
        "t": dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC),
        "n": decimal.Decimal("1.50"),
        "u": uuid.UUID(int=1),
    }
    assert json.loads(canonical_json(value)) == {
        "d": "2026-03-01",
        "t": "2026-03-01T08:30:00+00:00",
        "n": "1.50",
        "u": "00000000-0000-0000-0000-000000000001",
    }


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), object(), b"bytes"])
def test_canonical_json_refuses_what_it_cannot_encode_faithfully(bad):
    with pytest.raises((TypeError, ValueError)):
        canonical_json({"x": bad})


@given(st.dictionaries(st.text(), st.integers() | st.text() | st.booleans() | st.none()))
def test_canonical_json_ignores_insertion_order(data):
    reordered = dict(reversed(list(data.items())))
    assert canonical_json(reordered) == canonical_json(data)
    assert json.loads(canonical_json(data)) == data


def test_time_is_utc_with_microseconds_and_round_trips():
    hanoi = dt.timezone(dt.timedelta(hours=7))
    moment = dt.datetime(2026, 3, 1, 7, 0, 0, 5, tzinfo=hanoi)
    assert format_time(moment) == "2026-03-01T00:00:00.000005Z"
    assert parse_time("2026-03-01T00:00:00.000005Z") == moment


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-01T00:00:00Z",
        "2026-03-01T00:00:00.000000+00:00",
        "2026-03-01 00:00:00.000000Z",
        "2026-13-01T00:00:00.000000Z",
        "",
    ],
)
def test_parse_time_refuses_non_canonical_text(text):
    with pytest.raises(LedgerFormatError):
        parse_time(text)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        format_time(dt.datetime(2026, 3, 1))


def test_event_hash_matches_the_documented_encoding():
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    fields = [
        "bmnn-ledger-event/1",
        "1",
        "2026-03-01T00:00:00.000000Z",
        "system",
        "a",
        "o",
        "{}",
        "0" * 64,
    ]
    expected_bytes = b"".join(_netstring(f) for f in fields)
    assert expected_bytes.startswith(
        b"19:bmnn-ledger-event/1,1:1,27:2026-03-01T00:00:00.000000Z,6:system,1:a,1:o,2:{},64:000"
    )
    assert frame(*fields) == expected_bytes
    assert event_hash(1, at, "system", "a", "o", "{}", GENESIS_PREV_HASH) == (
        hashlib.sha256(expected_bytes).hexdigest()
    )


def test_event_hash_counts_bytes_not_characters():
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    ev = append(None, actor="user:đào", action="a", obj="o", payload={"k": "ệ"}, at=at)
    # "user:đào" is 8 characters but 10 UTF-8 bytes; the payload has 3-byte "ệ".
    data = b"".join(
        _netstring(f)
        for f in [
            "bmnn-ledger-event/1",
            "1",
            format_time(at),
            "user:đào",
            "a",
            "o",
            '{"k":"ệ"}',
            "0" * 64,
        ]
    )
    assert b"10:user:\xc4\x91\xc3\xa0o," in data
    assert ev.hash == hashlib.sha256(data).hexdigest()


def test_fingerprint_is_sha256_of_the_raw_key_in_groups_of_four():
    signer = Signer.generate()
    raw = signer.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest().upper()
    fp = signer.fingerprint()
    assert fp.replace(" ", "") == digest
    assert [len(group) for group in fp.split(" ")] == [4] * 16


def test_checkpoint_message_is_tagged_differently_from_events():
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    msg = checkpoint_message(5, "ab" * 32, at, "FP")
    assert msg == b"".join(
        _netstring(f)
        for f in ["bmnn-ledger-checkpoint/1", "5", "ab" * 32, "2026-03-01T00:00:00.000000Z", "FP"]
    )
