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
import dataclasses
import datetime as dt
import itertools
import json
import logging
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import connection, transaction

from bmnn import config
from bmnn.ledger import (
    Checkpoint,
    ChunkResult,
    Event,
    LedgerFormatError,
    Resume,
    Signer,
    VerifyResult,
    check_chunk,
    checkpoint_from_row,
    event_from_row,
    finish,
    format_time,
    genesis,
    join_chunks,
    next_event,
    parse_time,
    public_key_from_file,
    verify_rows,
)
from bmnn.ledger.files import write_once
from bmnn.ledger.schema import CHECKPOINT_TABLE, EVENT_TABLE, TABLES

logger = logging.getLogger(__name__)

# One PostgreSQL advisory lock id for the whole ledger ("BMNNLEDG" in ASCII).
_LOCK_ID = 0x424D4E4E4C454447
_BATCH = 5000
_EVENT_COLUMNS = "seq, at, actor, action, object, payload, prev_hash, hash"
_CHECKPOINT_COLUMNS = "seq, event_hash, created_at, key_fingerprint, signature"
# Below this many events a single pass is quicker than starting worker processes.
_PARALLEL_MIN = 200_000
_MAX_WORKERS = 8
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


# Kept under their old names: the row readers now live in the pure core.
_event_from_row = event_from_row
_checkpoint_from_row = checkpoint_from_row


@contextlib.contextmanager
def _batches(sql: str, params: list | None = None) -> Iterator[Iterator[list[tuple]]]:
    """The raw rows of `sql` in lists of _BATCH (a server-side cursor on PostgreSQL)."""
    with connection.chunked_cursor() as cur:
        cur.execute(sql, params)

        def batches() -> Iterator[list[tuple]]:
            while batch := cur.fetchmany(_BATCH):
                yield batch

        yield batches()


def _rows(batches: Iterator[list[tuple]]) -> Iterator[tuple]:
    for batch in batches:
        yield from batch


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
    options = {"max_unsigned": _checkpoint_every(), "genesis_hash": _remembered_genesis()}
    resume = None
    ranges = _parallel_ranges()
    if ranges is not None:
        outcome = _verify_parallel(ranges, public_key, **options)
        if isinstance(outcome, VerifyResult):
            return outcome
        # Not proven whole: go on in order from the last checkpoint proven (None: the start,
        # whose query must also see rows no range query matches, such as seq <= 0).
        resume = outcome if outcome is not None and outcome.last_seq > 0 else None
    return _verify_in_order(public_key, resume, **options)


def _verify_in_order(public_key, resume: Resume | None, **options) -> VerifyResult:
    """One pass in seq order over both tables (from `resume` on, if given)."""
    after, params = ("", None) if resume is None else (" WHERE seq > %s", [resume.last_seq])
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
            _batches(
                f"SELECT {_CHECKPOINT_COLUMNS} FROM {CHECKPOINT_TABLE}{after} ORDER BY seq",
                params,
            )
        )
        events = stack.enter_context(
            _batches(f"SELECT {_EVENT_COLUMNS} FROM {EVENT_TABLE}{after} ORDER BY seq", params)
        )
        return verify_rows(events, _rows(checkpoints), public_key, resume=resume, **options)


# ------------------------------------------------------------------ verifying in parallel
#
# Each process reads one range of seq through its own connection and checks it with
# bmnn.ledger.check_chunk; join_chunks keeps a range's verdict only when it provably equals
# what a single pass would find, else the single pass goes on from the last checkpoint
# proven. Other connections see committed rows only, hence no parallel pass inside a
# transaction, nor on an in-memory SQLite database.


def _verify_workers() -> int:
    workers = getattr(settings, "BMNN_LEDGER_VERIFY_WORKERS", None)
    if workers is None:
        workers = min(os.cpu_count() or 1, _MAX_WORKERS)
    return int(workers)


def _parallel_ranges() -> list[tuple[int | None, int | None]] | None:
    """The ranges of seq to check at once, [lo, hi) with open ends; None: one pass."""
    workers = _verify_workers()
    if workers < 2 or connection.in_atomic_block or _raw_database() is None:
        return None
    with connection.cursor() as cur:
        cur.execute(f"SELECT MAX(seq) FROM {EVENT_TABLE}")
        (head,) = cur.fetchone()
        if type(head) is not int:
            return None  # empty, or a damaged seq the single pass will name
        if head < int(getattr(settings, "BMNN_LEDGER_VERIFY_PARALLEL_MIN", _PARALLEL_MIN)):
            return None
        # A NULL seq sorts before (SQLite) or after (PostgreSQL) every number and no range
        # matches it: leave such a ledger to the single pass.
        for table in TABLES:
            cur.execute(f"SELECT COUNT(*) FROM {table} WHERE seq IS NULL")
            if cur.fetchone()[0]:
                return None
    cuts = sorted({1 + k * head // workers for k in range(1, workers)} - {1})
    bounds: list[int | None] = [None, *cuts, None]
    return list(itertools.pairwise(bounds))


def _raw_database() -> dict | None:
    """How another process reaches this database (picklable); None if it cannot."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            return None
        return {"vendor": "sqlite", "path": str(db["NAME"])}
    if connection.vendor == "postgresql":
        params = {
            "dbname": db["NAME"],
            "user": db["USER"],
            "password": db["PASSWORD"],
            "host": db["HOST"],
            "port": db["PORT"],
        }
        return {"vendor": "postgresql", "params": {k: v for k, v in params.items() if v}}
    return None


def _verify_parallel(
    ranges: list[tuple[int | None, int | None]], public_key: Ed25519PublicKey, **options
) -> VerifyResult | Resume | None:
    """The result if every range joins; else where the single pass must go on from (None:
    from the start, e.g. when a worker could not run)."""
    raw_key = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jobs = [
        {
            "db": _raw_database(),
            "key": raw_key.hex(),
            "lo": lo,
            "hi": hi,
            "genesis_hash": options["genesis_hash"],
            "path": sys.path,
        }
        for lo, hi in ranges
    ]
    workers: list[subprocess.Popen] = []
    try:
        # Plain child interpreters rather than multiprocessing: nothing of this process (its
        # open connection, its __main__) is inherited or re-run. The job, which may hold the
        # database password, goes through a pipe, not the command line.
        for job in jobs[1:]:
            worker = subprocess.Popen(  # noqa: S603 - this interpreter, our own code
                [sys.executable, "-c", _WORKER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            workers.append(worker)
            worker.stdin.write(json.dumps(job).encode("utf-8"))
            worker.stdin.close()
        chunks = [_check_range(jobs[0])]  # this process takes the first range meanwhile
        for worker in workers:
            output = worker.stdout.read()
            if worker.wait() != 0:
                raise LedgerError(f"tiến trình kiểm tra trả mã {worker.returncode}")
            chunks.append(_chunk_from_json(json.loads(output)))
    except Exception:  # any failure of the parallel pass: the single pass decides
        logger.warning(
            "Kiểm tra song song sổ nhật ký không chạy được; kiểm tra tuần tự.", exc_info=True
        )
        return None
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            worker.stdout.close()
    state, whole = join_chunks(chunks)
    if whole:
        return finish(state, public_key, **options)
    return state


_WORKER = (
    "import json, sys; job = json.load(sys.stdin); sys.path[:0] = job['path']; "
    "from bmnn.web.ledger import _worker_main; _worker_main(job)"
)


def _worker_main(job: dict) -> None:
    """Entry point of a worker interpreter: check one range, print the result as JSON."""
    chunk = _check_range(job)
    sys.stdout.write(json.dumps(_chunk_to_json(chunk)))
    sys.stdout.flush()


def _checkpoint_row(cp: Checkpoint | None) -> list | None:
    if cp is None:
        return None
    return [cp.seq, cp.event_hash, format_time(cp.created_at), cp.key_fingerprint, cp.signature]


def _chunk_to_json(chunk: ChunkResult) -> dict:
    data = dataclasses.asdict(chunk)  # datetimes inside: the checkpoints are redone below
    data["last_checkpoint"] = _checkpoint_row(chunk.last_checkpoint)
    if chunk.restart is not None:
        point, events, checkpoints = chunk.restart
        data["restart"] = [_checkpoint_row(point), events, checkpoints]
    return data


def _chunk_from_json(data: dict) -> ChunkResult:
    # The checkpoints were read and checked by the worker, so their rows parse back as they
    # were (format_time(parse_time(text)) == text for every canonical time).
    last = data["last_checkpoint"]
    restart = data["restart"]
    return ChunkResult(
        **{
            **data,
            "last_checkpoint": None if last is None else checkpoint_from_row(tuple(last)),
            "restart": None
            if restart is None
            else (checkpoint_from_row(tuple(restart[0])), restart[1], restart[2]),
        }
    )


def _check_range(job: dict) -> ChunkResult:
    """Check the events and checkpoints with lo <= seq < hi, through a new connection."""
    public_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(job["key"]))
    lo, hi = job["lo"], job["hi"]
    with _raw_cursors(job["db"]) as (checkpoints, events, mark):
        clauses, params = [], []
        if lo is not None:
            clauses.append(f"seq >= {mark}")
            params.append(lo)
        if hi is not None:
            clauses.append(f"seq < {mark}")
            params.append(hi)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        # Checkpoints first, as in the single pass (see _verify_in_order).
        checkpoints.execute(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM {CHECKPOINT_TABLE}{where} ORDER BY seq", params
        )
        events.execute(f"SELECT {_EVENT_COLUMNS} FROM {EVENT_TABLE}{where} ORDER BY seq", params)
        return check_chunk(
            _fetched(events),
            _rows(_fetched(checkpoints)),
            public_key,
            first_seq=1 if lo is None else lo,
            genesis_hash=job["genesis_hash"],
        )


def _fetched(cur) -> Iterator[list[tuple]]:
    while batch := cur.fetchmany(_BATCH):
        yield batch


@contextlib.contextmanager
def _raw_cursors(db: dict):
    """Two cursors (checkpoints, events) and the parameter mark, on a new connection."""
    if db["vendor"] == "sqlite":
        # Reads only; in WAL mode they neither wait for nor block the clerks' writes.
        conn = sqlite3.connect(db["path"], timeout=20)
        try:
            yield conn.cursor(), conn.cursor(), "?"
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.connect(**db["params"]) as conn:
        conn.read_only = True
        # Named cursors live on the server and hand rows over in batches (one transaction).
        yield conn.cursor(name="bmnn_verify_checkpoints"), conn.cursor(name="bmnn_verify"), "%s"


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
