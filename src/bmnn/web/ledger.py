"""The ledger in the Django database: append inside the caller's transaction, sign
checkpoints, verify by streaming, summarise for the dashboard.

Tables and append-only triggers come from migration web.0001_ledger (raw SQL from
bmnn.ledger.schema). The signing key lives in bmnn.config.keys_dir(), next to two small
files this module keeps there or in the data dir:
- ledger-genesis.sha256: the hash of event #1, written once after the genesis event commits,
  so that a wiped or wholly rewritten ledger is detected even without the exported key;
- ledger-last-verify.json (data dir): the last verify() result, for status().
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from bmnn import config
from bmnn.ledger import (
    Checkpoint,
    Event,
    LedgerFormatError,
    Signer,
    VerifyResult,
    format_time,
    genesis,
    next_event,
    parse_time,
    public_key_from_file,
    verify_stream,
)
from bmnn.ledger.files import write_once
from bmnn.ledger.schema import CHECKPOINT_TABLE, EVENT_TABLE, TABLES

# One PostgreSQL advisory lock id for the whole ledger ("BMNNLEDG" in ASCII).
_LOCK_ID = 0x424D4E4E4C454447
_BATCH = 5000
_EVENT_COLUMNS = "seq, at, actor, action, object, payload, prev_hash, hash"
_CHECKPOINT_COLUMNS = "seq, event_hash, created_at, key_fingerprint, signature"
GENESIS_FILE = "ledger-genesis.sha256"
LAST_VERIFY_FILE = "ledger-last-verify.json"


class LedgerError(RuntimeError):
    pass


# ---------------------------------------------------------------------------- writing


def record(actor: str, action: str, obj: str, payload: dict) -> Event:
    """Append an event inside the caller's transaction; sign a checkpoint every N events.

    The first event ever written is preceded by the genesis event (#1), which records the
    fingerprint of the signing key (generated in the data dir on first use).
    """
    if not connection.in_atomic_block:
        raise LedgerError(
            "Sổ nhật ký: record() phải được gọi trong transaction.atomic(), để thay đổi và "
            "sự kiện ghi lại nó cùng được lưu hoặc cùng bị hủy."
        )
    now = _now()
    with connection.cursor() as cur:
        head_seq, head_hash = _lock_head(cur)
        first = _new_genesis(now) if head_seq == 0 else None
        if first is not None:
            head_seq, head_hash = first.seq, first.hash
        # Built (and so validated) before anything is written.
        event = next_event(
            head_seq + 1, head_hash, actor=actor, action=action, obj=obj, payload=payload, at=now
        )
        if first is not None:
            _insert_genesis(cur, first)
        _insert_event(cur, event)
        if event.seq % _checkpoint_every() == 0:
            signer = Signer.load_or_create(config.keys_dir())
            _insert_checkpoint(cur, signer.sign_checkpoint(event.seq, event.hash, now))
    return event


def checkpoint_now() -> Checkpoint:
    """Sign the current head (initialising the ledger if it is empty). If the head is already
    signed, that checkpoint is returned: one checkpoint per event."""
    with transaction.atomic(), connection.cursor() as cur:
        now = _now()
        head_seq, head_hash = _lock_head(cur)
        if head_seq == 0:
            first = _new_genesis(now)
            _insert_genesis(cur, first)
            head_seq, head_hash = first.seq, first.hash
        cur.execute(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM {CHECKPOINT_TABLE} WHERE seq = %s", [head_seq]
        )
        row = cur.fetchone()
        if row is not None:
            return _checkpoint_from_row(row)
        signer = Signer.load_or_create(config.keys_dir())
        checkpoint = signer.sign_checkpoint(head_seq, head_hash, now)
        _insert_checkpoint(cur, checkpoint)
        return checkpoint


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _checkpoint_every() -> int:
    every = int(getattr(settings, "BMNN_LEDGER_CHECKPOINT_EVERY", 100))
    if every < 1:
        raise LedgerError("BMNN_LEDGER_CHECKPOINT_EVERY phải là số nguyên dương.")
    return every


def _lock_head(cur) -> tuple[int, str]:
    """Serialise appenders, then read the head (0 and '' when empty).

    PostgreSQL: a transaction-scoped advisory lock; the head is read after taking it, and in
    READ COMMITTED that read sees the previous holder's commit. SQLite: transactions begin
    IMMEDIATE (bmnn.config), so the caller's transaction already holds the write lock.
    The seq PRIMARY KEY is the last line of defence against a fork either way.
    """
    if connection.vendor == "postgresql":
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
    cur.execute(f"SELECT seq, hash FROM {EVENT_TABLE} ORDER BY seq DESC LIMIT 1")
    row = cur.fetchone()
    if row is None:
        return 0, ""
    return int(row[0]), str(row[1])


def _new_genesis(now: dt.datetime) -> Event:
    signer = Signer.load_or_create(config.keys_dir())
    return genesis(signer.fingerprint(), signer.public_key_pem(), now)


def _insert_genesis(cur, event: Event) -> None:
    _insert_event(cur, event)
    transaction.on_commit(lambda: _remember_genesis(event.hash))


def _insert_event(cur, event: Event) -> None:
    cur.execute(
        f"INSERT INTO {EVENT_TABLE} ({_EVENT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [
            event.seq,
            format_time(event.at),
            event.actor,
            event.action,
            event.object,
            event.payload,
            event.prev_hash,
            event.hash,
        ],
    )


def _insert_checkpoint(cur, checkpoint: Checkpoint) -> None:
    cur.execute(
        f"INSERT INTO {CHECKPOINT_TABLE} ({_CHECKPOINT_COLUMNS}) VALUES (%s, %s, %s, %s, %s)",
        [
            checkpoint.seq,
            checkpoint.event_hash,
            format_time(checkpoint.created_at),
            checkpoint.key_fingerprint,
            checkpoint.signature,
        ],
    )


def _genesis_path():
    return config.keys_dir() / GENESIS_FILE


def _remember_genesis(genesis_hash: str) -> None:
    # Written once: the first genesis ever committed with this data dir is the one remembered.
    write_once(_genesis_path(), (genesis_hash + "\n").encode("ascii"))


def _remembered_genesis() -> str | None:
    try:
        text = _genesis_path().read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return "?"  # unreadable: matches no hash, so verify reports it
    return text


# ---------------------------------------------------------------------------- reading rows


def _event_from_row(row: tuple) -> Event:
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


def _checkpoint_from_row(row: tuple) -> Checkpoint:
    seq, event_hash, created_at, key_fingerprint, signature = row
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise LedgerFormatError(f"số thứ tự không phải số nguyên: {seq!r}")
    if not all(isinstance(value, str) for value in row[1:]):
        raise LedgerFormatError("có trường không phải chuỗi ký tự", seq)
    try:
        moment = parse_time(created_at)
    except LedgerFormatError as exc:
        raise LedgerFormatError(str(exc), seq) from exc
    return Checkpoint(seq, event_hash, moment, key_fingerprint, signature)


@contextlib.contextmanager
def _stream(sql: str, convert: Callable[[tuple], Any]) -> Iterator[Iterator[Any]]:
    """Rows of `sql`, converted, fetched in batches (a server-side cursor on PostgreSQL)."""
    with connection.chunked_cursor() as cur:
        cur.execute(sql)

        def rows() -> Iterator[Any]:
            while batch := cur.fetchmany(_BATCH):
                for row in batch:
                    yield convert(row)

        yield rows()


# ---------------------------------------------------------------------------- verifying


def verify(public_key_path: str | None = None) -> VerifyResult:
    """Verify the whole ledger against the key in the data dir, or against an exported
    public key (`bmnn verify --public-key`). The result is also cached for status()."""
    result = _verify(public_key_path)
    _save_last_verify(result)
    return result


def _failure(message: str) -> VerifyResult:
    return VerifyResult(False, message, None, 0, 0, None)


def _verify(public_key_path: str | None) -> VerifyResult:
    missing = set(TABLES) - set(connection.introspection.table_names())
    if missing:
        return _failure(
            "Không tìm thấy bảng sổ nhật ký ("
            + ", ".join(sorted(missing))
            + "): chưa chạy 'bmnn manage migrate', hoặc bảng đã bị xóa."
        )
    if public_key_path:
        try:
            public_key = public_key_from_file(public_key_path)
        except (OSError, ValueError) as exc:
            return _failure(f"Không đọc được khóa công khai '{public_key_path}': {exc}")
    else:
        try:
            public_key = Signer.load(config.keys_dir()).public_key
        except FileNotFoundError:
            if _head_seq() == 0 and _checkpoint_count() == 0 and _remembered_genesis() is None:
                return VerifyResult(True, "Sổ nhật ký chưa có sự kiện nào.", None, 0, 0, None)
            return _failure(
                "Không tìm thấy khóa ký trong thư mục dữ liệu nhưng sổ đã có dữ liệu: hãy kiểm "
                "tra bằng khóa công khai đã xuất (bmnn verify --public-key <tệp>)."
            )
        except ValueError as exc:
            return _failure(f"Tệp khóa ký trong thư mục dữ liệu bị hỏng: {exc}")
    # PostgreSQL: a transaction lets the server-side cursors live without WITH HOLD
    # (which would copy the whole table). SQLite: no transaction, since ours begin IMMEDIATE
    # and would block every clerk for the length of the check.
    reading = (
        transaction.atomic() if connection.vendor == "postgresql" else contextlib.nullcontext()
    )
    with reading, contextlib.ExitStack() as stack:
        # Checkpoints are queried first: any checkpoint seen then refers to an event that was
        # already committed, so the events query, started after, cannot miss it.
        checkpoints = stack.enter_context(
            _stream(
                f"SELECT {_CHECKPOINT_COLUMNS} FROM {CHECKPOINT_TABLE} ORDER BY seq",
                _checkpoint_from_row,
            )
        )
        events = stack.enter_context(
            _stream(f"SELECT {_EVENT_COLUMNS} FROM {EVENT_TABLE} ORDER BY seq", _event_from_row)
        )
        return verify_stream(
            events,
            checkpoints,
            public_key,
            max_unsigned=_checkpoint_every(),
            genesis_hash=_remembered_genesis(),
        )


def _head_seq() -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT MAX(seq) FROM {EVENT_TABLE}")
        (value,) = cur.fetchone()
    return int(value or 0)


def _checkpoint_count() -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {CHECKPOINT_TABLE}")
        (value,) = cur.fetchone()
    return int(value)


def _database_label() -> str:
    db = connection.settings_dict
    return f"{connection.vendor}:{db.get('HOST') or ''}:{db.get('PORT') or ''}/{db['NAME']}"


def _save_last_verify(result: VerifyResult) -> None:
    cp = result.last_checkpoint
    data = {
        "database": _database_label(),
        "at": format_time(_now()),
        "ok": result.ok,
        "message": result.message,
        "first_bad_seq": result.first_bad_seq,
        "events_checked": result.events_checked,
        "checkpoints_checked": result.checkpoints_checked,
        "last_checkpoint": None
        if cp is None
        else {
            "seq": cp.seq,
            "event_hash": cp.event_hash,
            "created_at": format_time(cp.created_at),
            "key_fingerprint": cp.key_fingerprint,
            "signature": cp.signature,
        },
    }
    path = config.data_dir() / LAST_VERIFY_FILE
    tmp = path.with_name(f".{LAST_VERIFY_FILE}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)  # readers see the old file or the new one, never half of one


def _load_last_verify() -> tuple[VerifyResult | None, dt.datetime | None]:
    try:
        data = json.loads((config.data_dir() / LAST_VERIFY_FILE).read_text(encoding="utf-8"))
        if data["database"] != _database_label():
            return None, None
        raw_cp = data["last_checkpoint"]
        cp = None
        if raw_cp is not None:
            cp = Checkpoint(
                raw_cp["seq"],
                raw_cp["event_hash"],
                parse_time(raw_cp["created_at"]),
                raw_cp["key_fingerprint"],
                raw_cp["signature"],
            )
        result = VerifyResult(
            bool(data["ok"]),
            str(data["message"]),
            data["first_bad_seq"],
            int(data["events_checked"]),
            int(data["checkpoints_checked"]),
            cp,
        )
        return result, parse_time(data["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, None


# ---------------------------------------------------------------------------- for people


def public_key_text() -> str:
    """The public key (PEM) and its fingerprint, to print or carry away; `bmnn verify
    --public-key` reads this text back as it is."""
    signer = Signer.load_or_create(config.keys_dir())
    return "\n".join(
        [
            "Khóa công khai của sổ nhật ký BMNN (Ed25519)",
            f"Dấu vân tay (SHA-256): {signer.fingerprint()}",
            "Kiểm tra sổ bằng khóa này: bmnn verify --public-key <tệp chứa văn bản này>",
            "",
            signer.public_key_pem().rstrip("\n"),
        ]
    )


def status() -> dict:
    """Cheap figures for the dashboard: no re-verification here (see verify()).

    events is the head seq, which equals the number of events while the ledger is intact.
    """
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM {CHECKPOINT_TABLE} ORDER BY seq DESC LIMIT 1"
        )
        row = cur.fetchone()
    try:
        last_checkpoint = _checkpoint_from_row(row) if row is not None else None
    except LedgerFormatError:
        last_checkpoint = None  # a damaged row: verify() names it, the dashboard must still load
    try:
        key_fingerprint = Signer.load(config.keys_dir()).fingerprint()
    except (FileNotFoundError, ValueError):
        key_fingerprint = ""
    last_verify, last_verify_at = _load_last_verify()
    return {
        "events": _head_seq(),
        "last_checkpoint": last_checkpoint,
        "last_verify": last_verify,
        "last_verify_at": last_verify_at,
        "fingerprint": key_fingerprint,
    }


def recent(limit: int = 50, actor: str | None = None, obj: str | None = None) -> list[Event]:
    """The newest events first, optionally only one actor's or one object's."""
    limit = int(limit)
    if limit < 1:
        raise ValueError("limit phải là số nguyên dương.")
    clauses, params = [], []
    if actor is not None:
        clauses.append("actor = %s")
        params.append(actor)
    if obj is not None:
        clauses.append("object = %s")
        params.append(obj)
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {_EVENT_COLUMNS} FROM {EVENT_TABLE} {where}ORDER BY seq DESC LIMIT %s",
            [*params, limit],
        )
        return [_event_from_row(row) for row in cur.fetchall()]
