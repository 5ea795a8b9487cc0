"""Events and checkpoints, and how the next event is chained onto the head."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bmnn.ledger.encoding import (
    GENESIS_PREV_HASH,
    LedgerFormatError,
    canonical_json,
    checkpoint_message,
    event_hash,
    parse_time,
)

# The first event of every ledger: it binds the ledger to its signing key.
GENESIS_ACTION = "ledger.genesis"
GENESIS_ACTOR = "system"
GENESIS_OBJECT = "ledger"


@dataclass(frozen=True)
class Event:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    object: str
    payload: str
    prev_hash: str
    hash: str

    def computed_hash(self) -> str:
        return event_hash(
            self.seq, self.at, self.actor, self.action, self.object, self.payload, self.prev_hash
        )

    def payload_data(self) -> Any:
        return json.loads(self.payload)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    event_hash: str
    created_at: dt.datetime
    key_fingerprint: str
    signature: str

    def message(self) -> bytes:
        return checkpoint_message(self.seq, self.event_hash, self.created_at, self.key_fingerprint)


def _require_text(name: str, value: object) -> str:
    # NUL is refused because PostgreSQL TEXT cannot store it; SQLite could, and the two
    # backends must accept exactly the same ledgers.
    if not isinstance(value, str) or not value or "\x00" in value:
        raise ValueError(f"Trường '{name}' của sự kiện phải là chuỗi không rỗng, không chứa NUL.")
    return value


def next_event(
    seq: int,
    prev_hash: str,
    *,
    actor: str,
    action: str,
    obj: str,
    payload: Mapping[str, Any],
    at: dt.datetime,
) -> Event:
    """The event with number `seq` chained onto a predecessor whose hash is `prev_hash`."""
    if not isinstance(payload, Mapping):
        raise TypeError("payload của sự kiện phải là một dict.")
    if at.tzinfo is None:
        raise ValueError("Thời điểm của sự kiện phải có múi giờ (UTC), không được 'naive'.")
    body = canonical_json(dict(payload))
    actor = _require_text("actor", actor)
    action = _require_text("action", action)
    obj = _require_text("object", obj)
    at = at.astimezone(dt.UTC)
    return Event(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        object=obj,
        payload=body,
        prev_hash=prev_hash,
        hash=event_hash(seq, at, actor, action, obj, body, prev_hash),
    )


def append(
    head: Event | None,
    *,
    actor: str,
    action: str,
    obj: str,
    payload: Mapping[str, Any],
    at: dt.datetime,
) -> Event:
    """The event that follows `head` (None: the ledger is empty, this is seq 1)."""
    if head is None:
        return next_event(
            1, GENESIS_PREV_HASH, actor=actor, action=action, obj=obj, payload=payload, at=at
        )
    return next_event(
        head.seq + 1, head.hash, actor=actor, action=action, obj=obj, payload=payload, at=at
    )


def genesis(key_fingerprint: str, public_key_pem: str, at: dt.datetime) -> Event:
    return append(
        None,
        actor=GENESIS_ACTOR,
        action=GENESIS_ACTION,
        obj=GENESIS_OBJECT,
        payload={
            "encoding": "bmnn-ledger-event/1",
            "hash": "sha256",
            "signature": "ed25519",
            "key_fingerprint": key_fingerprint,
            "public_key_pem": public_key_pem,
        },
        at=at,
    )


def genesis_fingerprint(event: Event) -> str | None:
    """The key fingerprint a genesis event records, or None if it is not a genesis event."""
    if event.seq != 1 or event.action != GENESIS_ACTION:
        return None
    try:
        data = event.payload_data()
    except ValueError:
        return None
    value = data.get("key_fingerprint") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def event_from_row(row: tuple) -> Event:
    """The Event a stored row (seq, at, actor, action, object, payload, prev_hash, hash)
    holds; LedgerFormatError (with the seq when it is known) if a value is not as written."""
    seq, at, actor, action, obj, payload, prev_hash, hash_ = row
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise LedgerFormatError(f"số thứ tự không phải số nguyên: {seq!r}")
    if not all(isinstance(value, str) for value in row[1:]):
        raise LedgerFormatError("có trường không phải chuỗi ký tự", seq)
    try:
        moment = parse_time(at)
    except LedgerFormatError as exc:
        raise LedgerFormatError(str(exc), seq) from exc
    return Event(seq, moment, actor, action, obj, payload, prev_hash, hash_)


def checkpoint_from_row(row: tuple) -> Checkpoint:
    """The Checkpoint a stored row (seq, event_hash, created_at, key_fingerprint, signature)
    holds; LedgerFormatError as for event_from_row."""
    seq, event_hash_hex, created_at, key_fingerprint, signature = row
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise LedgerFormatError(f"số thứ tự không phải số nguyên: {seq!r}")
    if not all(isinstance(value, str) for value in row[1:]):
        raise LedgerFormatError("có trường không phải chuỗi ký tự", seq)
    try:
        moment = parse_time(created_at)
    except LedgerFormatError as exc:
        raise LedgerFormatError(str(exc), seq) from exc
    return Checkpoint(seq, event_hash_hex, moment, key_fingerprint, signature)
