"""The exact bytes the ledger hashes and signs — written so an inspector can re-implement them.

Canonical JSON (event payloads)
    ``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)`` encoded as UTF-8: keys sorted by Unicode code point, no whitespace,
    non-ASCII letters written as themselves (control characters still escaped, as Python's
    json module does). Dates, times and datetimes become their ``isoformat()`` strings;
    Decimal and UUID their ``str()``; an Enum its value. NaN/Infinity are refused. The
    verifier never re-encodes a payload: it hashes the stored text as it is.

Time
    UTC, always with microseconds: ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (27 characters, e.g.
    ``2026-03-01T08:30:00.000001Z``). Any other spelling in the store is a defect.

Framing
    A list of text fields is encoded as the concatenation, for each field, of
    ``<byte length in decimal ASCII> ":" <UTF-8 bytes> ","`` (a netstring). The first field is
    always a domain tag, so an event hash can never be mistaken for a checkpoint message.

Event hash
    ``SHA-256(frame("bmnn-ledger-event/1", str(seq), at, actor, action, object, payload,
    prev_hash))`` written as 64 lower-case hex digits. ``seq`` is decimal without leading
    zeros, starting at 1; ``prev_hash`` of seq 1 is 64 zeros; ``payload`` is the stored
    canonical JSON text.

    Example: seq 1, at ``2026-03-01T00:00:00.000000Z``, actor ``system``, action ``a``,
    object ``o``, payload ``{}`` hashes the bytes
    ``19:bmnn-ledger-event/1,1:1,27:2026-03-01T00:00:00.000000Z,6:system,1:a,1:o,2:{},64:000…0,``

Checkpoint signature
    Ed25519 (RFC 8032, pure) over ``frame("bmnn-ledger-checkpoint/1", str(seq), event_hash,
    created_at, key_fingerprint)``, stored as 128 lower-case hex digits.

Key fingerprint
    SHA-256 of the 32-byte raw Ed25519 public key (RFC 8032 encoding), upper-case hex in 16
    groups of 4 separated by single spaces, e.g. ``3F2A 9B1C …`` (79 characters) — short
    enough to read aloud or compare against a printed copy.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import re
import uuid
from typing import Any

GENESIS_PREV_HASH = "0" * 64
EVENT_TAG = "bmnn-ledger-event/1"
CHECKPOINT_TAG = "bmnn-ledger-checkpoint/1"

_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z\Z")
_HEX64_RE = re.compile(r"[0-9a-f]{64}\Z")


class LedgerFormatError(ValueError):
    """A stored value is not in the canonical form (a sign of tampering or corruption)."""

    def __init__(self, message: str, seq: int | None = None):
        super().__init__(message)
        self.seq = seq


def canonical_json(obj: Any) -> str:
    return json.dumps(
        obj,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"canonical_json: không mã hóa được kiểu {type(value).__name__}")


def format_time(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("Thời điểm của sổ nhật ký phải có múi giờ (UTC), không được 'naive'.")
    t = moment.astimezone(dt.UTC)
    # Built by hand: strftime("%Y") does not zero-pad years below 1000 on every platform.
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T"
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}Z"
    )


def parse_time(text: str) -> dt.datetime:
    """The inverse of format_time; anything but the canonical spelling is refused."""
    if not isinstance(text, str) or not _TIME_RE.match(text):
        raise LedgerFormatError(f"thời gian không đúng dạng chuẩn: {text!r}")
    try:
        # The pattern above pins the spelling; fromisoformat checks the calendar (and is far
        # faster than strptime, which matters when verifying millions of events).
        return dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise LedgerFormatError(f"thời gian không hợp lệ: {text!r}") from exc


def is_hex64(text: object) -> bool:
    return isinstance(text, str) and bool(_HEX64_RE.match(text))


def frame(*fields: str) -> bytes:
    encoded = [field.encode("utf-8") for field in fields]
    return b"".join([b"%d:%s," % (len(data), data) for data in encoded])


def event_hash(
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    obj: str,
    payload: str,
    prev_hash: str,
) -> str:
    data = frame(EVENT_TAG, str(seq), format_time(at), actor, action, obj, payload, prev_hash)
    return hashlib.sha256(data).hexdigest()


def checkpoint_message(
    seq: int, event_hash_hex: str, created_at: dt.datetime, key_fingerprint: str
) -> bytes:
    return frame(CHECKPOINT_TAG, str(seq), event_hash_hex, format_time(created_at), key_fingerprint)


def fingerprint_of_raw_key(raw_public_key: bytes) -> str:
    digest = hashlib.sha256(raw_public_key).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))
