"""`bmnn verify` at scale: build N chained events, then time the verifier against references.

    .venv/bin/python bench/ledger_verify.py --events 500000
    BMNN_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/ledger_verify.py --events 500000
    .venv/bin/python bench/ledger_verify.py --events 5000000 --skip-reference

The ledger is written by registry_scale.Loader.ledger (bench/registry_scale.py): real
`next_event` hashing, an Ed25519 checkpoint every BMNN_LEDGER_CHECKPOINT_EVERY events, bulk
INSERTs into the real tables. Each run uses a throw-away data dir (SQLite file there) or a
scratch PostgreSQL database next to the one BMNN_DATABASE_URL names (dropped unless --keep);
--data-dir reuses a ledger built earlier (SQLite).

Timed in the same run, on the same rows:
- `floor`: streaming every event row (same query, same batches) without checking anything;
- `reference`: the verifier as it was before this change (a frozen copy below: one Event
  dataclass per row, time parsed to a datetime and re-formatted, hash framed field by field);
- `new`: bmnn.web.ledger.verify(), the code `bmnn verify` runs;
- `cli`: `bmnn verify` as a user runs it (a separate process, start-up included).
With --tamper, a copy of the SQLite file gets one event edited in the middle, and the old and
new verifiers must report the same first bad event and message.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from registry_scale import Loader, _drop_database, _scratch_database  # noqa: E402

TARGET_EVENTS, TARGET_S = 5_000_000, 60.0


# ------------------------------------------------------------------------------------------
# Reference: the verifier before this change (bmnn.ledger.verify and the row readers of
# bmnn.web.ledger as of commit 0b85245), kept here so every run can compare against it. It
# uses the unchanged spec helpers (Event.computed_hash -> encoding.event_hash, parse_time).


def _reference_verify():
    from django.db import connection, transaction

    from bmnn import config
    from bmnn.ledger import Signer, parse_time
    from bmnn.ledger.chain import Checkpoint, Event, genesis_fingerprint
    from bmnn.ledger.encoding import GENESIS_PREV_HASH, LedgerFormatError, format_time
    from bmnn.ledger.keys import checkpoint_signature_valid, fingerprint
    from bmnn.ledger.schema import CHECKPOINT_TABLE, EVENT_TABLE
    from bmnn.web import ledger

    @dataclass(frozen=True)
    class Result:
        ok: bool
        message: str
        first_bad_seq: int | None
        events_checked: int
        checkpoints_checked: int

    class Defect(Exception):
        def __init__(self, seq, message):
            super().__init__(message)
            self.seq, self.message = seq, message

    def span(first, last):
        return f"#{first}–#{last}" if first < last else f"#{last}"

    class Verifier:
        def __init__(self, public_key, max_unsigned, genesis_hash):
            self.public_key, self.fp = public_key, fingerprint(public_key)
            self.max_unsigned, self.genesis_hash = max_unsigned, genesis_hash
            self.events_checked = self.checkpoints_checked = self.last_seq = 0
            self.signed_upto, self.last_checkpoint = 0, None

        def run(self, events, checkpoints):
            cps = iter(checkpoints)
            pending = self._next_checkpoint(cps)
            prev_hash = GENESIS_PREV_HASH
            for event in self._events(iter(events)):
                self._check_event(event, prev_hash)
                prev_hash = event.hash
                self.last_seq = event.seq
                self.events_checked += 1
                while pending is not None and pending.seq <= event.seq:
                    self._check_checkpoint(pending, event)
                    pending = self._next_checkpoint(cps)
            self._check_end(pending)

        def _events(self, it):
            while True:
                try:
                    event = next(it)
                except StopIteration:
                    return
                except LedgerFormatError as exc:
                    seq = exc.seq if exc.seq is not None else self.last_seq + 1
                    raise Defect(seq, f"Sự kiện #{seq} bị sửa: {exc}") from exc
                yield event

        def _next_checkpoint(self, cps):
            try:
                return next(cps, None)
            except LedgerFormatError as exc:
                first = self.signed_upto + 1
                where = f"#{exc.seq}" if exc.seq is not None else f"sau #{self.signed_upto}"
                raise Defect(
                    first,
                    f"Điểm kiểm tra tại sự kiện {where} bị sửa ({exc}): các sự kiện từ #{first} "
                    "không còn được chứng thực.",
                ) from exc

        def _check_event(self, event, prev_hash):
            expected = self.last_seq + 1
            if event.seq > expected:
                after = (
                    f"sau #{expected - 1} là #{event.seq}"
                    if expected > 1
                    else f"sổ bắt đầu từ #{event.seq}"
                )
                raise Defect(
                    expected, f"Sự kiện #{expected} bị thiếu (bị xóa hoặc sai thứ tự): {after}."
                )
            if event.seq < expected:
                raise Defect(
                    event.seq,
                    f"Sự kiện #{event.seq} bị lặp hoặc sai thứ tự: xuất hiện lại sau "
                    f"#{expected - 1}.",
                )
            try:
                intact = event.computed_hash() == event.hash
            except (TypeError, ValueError):
                intact = False
            if not intact:
                raise Defect(
                    event.seq,
                    f"Sự kiện #{event.seq} bị sửa: mã băm lưu trong sổ không khớp với nội dung.",
                )
            if event.prev_hash != prev_hash:
                raise Defect(
                    event.seq,
                    f"Sự kiện #{event.seq} bị sửa hoặc bị chèn: không nối tiếp mã băm của "
                    f"sự kiện #{event.seq - 1}.",
                )
            if event.seq == 1:
                recorded = genesis_fingerprint(event)
                if recorded is None or recorded != self.fp:
                    raise Defect(1, "Sự kiện #1 bị sửa hoặc khóa khác.")
                if self.genesis_hash is not None and event.hash != self.genesis_hash:
                    raise Defect(1, "Sự kiện #1 (khởi tạo sổ) bị thay.")

        def _check_checkpoint(self, cp, event):
            first = self.signed_upto + 1
            if cp.seq != event.seq:
                raise Defect(first, f"Điểm kiểm tra tại #{cp.seq} không ứng với sự kiện nào.")
            s = span(first, cp.seq)
            if cp.key_fingerprint != self.fp:
                raise Defect(first, f"Điểm kiểm tra tại sự kiện #{cp.seq} ký bằng khóa khác ({s}).")
            if not checkpoint_signature_valid(cp, self.public_key):
                raise Defect(first, f"Điểm kiểm tra tại sự kiện #{cp.seq} có chữ ký không hợp lệ.")
            if cp.event_hash != event.hash:
                raise Defect(
                    first,
                    f"Sự kiện {s} bị sửa: mã băm của sự kiện #{cp.seq} khác với mã đã ký trong "
                    f"điểm kiểm tra lúc {format_time(cp.created_at)} — chuỗi băm đã bị tính lại "
                    "sau khi sửa.",
                )
            self.signed_upto, self.last_checkpoint = cp.seq, cp
            self.checkpoints_checked += 1

        def _check_end(self, pending):
            last = self.last_seq
            if pending is not None:
                raise Defect(last + 1, f"Sự kiện {span(last + 1, pending.seq)} bị thiếu.")
            if last == 0:
                raise Defect(1, "Sự kiện #1 bị thiếu: sổ nhật ký trống.")
            if self.max_unsigned is not None and last - self.signed_upto > self.max_unsigned:
                raise Defect(self.signed_upto + 1, "Sự kiện không có điểm kiểm tra đã ký.")

    def event_from_row(row):
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

    def checkpoint_from_row(row):
        seq, event_hash, created_at, key_fingerprint, signature = row
        return Checkpoint(seq, event_hash, parse_time(created_at), key_fingerprint, signature)

    @contextlib.contextmanager
    def stream(sql, convert):
        with connection.chunked_cursor() as cur:
            cur.execute(sql)

            def rows():
                while batch := cur.fetchmany(5000):
                    for row in batch:
                        yield convert(row)

            yield rows()

    public_key = Signer.load(config.keys_dir()).public_key
    reading = (
        transaction.atomic() if connection.vendor == "postgresql" else contextlib.nullcontext()
    )
    verifier = Verifier(public_key, ledger._checkpoint_every(), ledger._remembered_genesis())
    with reading, contextlib.ExitStack() as stack:
        checkpoints = stack.enter_context(
            stream(
                "SELECT seq, event_hash, created_at, key_fingerprint, signature "
                f"FROM {CHECKPOINT_TABLE} ORDER BY seq",
                checkpoint_from_row,
            )
        )
        events = stack.enter_context(
            stream(
                "SELECT seq, at, actor, action, object, payload, prev_hash, hash "
                f"FROM {EVENT_TABLE} ORDER BY seq",
                event_from_row,
            )
        )
        try:
            verifier.run(events, checkpoints)
        except Defect as defect:
            return Result(
                False,
                defect.message,
                defect.seq,
                verifier.events_checked,
                verifier.checkpoints_checked,
            )
    return Result(True, "", None, verifier.events_checked, verifier.checkpoints_checked)


# ------------------------------------------------------------------------------------------


def _floor() -> int:
    """Every event row, the same query and batch size, nothing checked."""
    from django.db import connection

    from bmnn.ledger.schema import EVENT_TABLE

    rows = 0
    with connection.chunked_cursor() as cur:
        cur.execute(
            "SELECT seq, at, actor, action, object, payload, prev_hash, hash "
            f"FROM {EVENT_TABLE} ORDER BY seq"
        )
        while batch := cur.fetchmany(5000):
            rows += len(batch)
    return rows


def _new():
    from bmnn.web import ledger

    return ledger.verify()


def _new_single():
    """The new code in one process (the parallel pass switched off)."""
    from django.conf import settings

    from bmnn.web import ledger

    saved = getattr(settings, "BMNN_LEDGER_VERIFY_WORKERS", None)
    settings.BMNN_LEDGER_VERIFY_WORKERS = 1
    try:
        return ledger.verify()
    finally:
        settings.BMNN_LEDGER_VERIFY_WORKERS = saved


def _time(name: str, fn, profile: str | None, out: dict):
    profiler = cProfile.Profile() if profile == name else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    result = fn()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
    out[name] = {"s": round(seconds, 2)}
    print(f"  {name}: {seconds:.2f} s", flush=True)
    return result, seconds


def _cli(env: dict) -> dict:
    bmnn = Path(sys.executable).with_name("bmnn")
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own bmnn command
        [str(bmnn), "verify"], env=env, capture_output=True, text=True, check=False
    )
    return {
        "s": round(time.perf_counter() - start, 2),
        "rc": done.returncode,
        "message": (done.stdout + done.stderr).strip()[-200:],
    }


def _tamper_copy(data_dir: str, seq: int) -> dict:
    """Edit event `seq` in a copy of the SQLite file (the original stays intact) and check
    that both verifiers name the same first bad event with the same message."""
    from django.db import connection

    from bmnn.ledger import schema

    connection.close()
    original = Path(data_dir) / "bmnn.sqlite3"
    work = Path(tempfile.mkdtemp(prefix="bmnn-bench-tamper-"))
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{original}{suffix}").exists():
            shutil.copy2(f"{original}{suffix}", work / f"bmnn.sqlite3{suffix}")
    settings_db = connection.settings_dict
    saved = settings_db["NAME"]
    settings_db["NAME"] = str(work / "bmnn.sqlite3")
    try:
        with connection.cursor() as cur:
            for statement in schema.unguard_sql("sqlite"):
                cur.execute(statement)
            cur.execute(
                f"UPDATE {schema.EVENT_TABLE} SET payload = %s WHERE seq = %s", ['{"x":1}', seq]
            )
        old = _reference_verify()
        new = _new()
        same = (old.first_bad_seq, old.message) == (new.first_bad_seq, new.message)
        return {
            "seq": seq,
            "reference": [old.first_bad_seq, old.message],
            "new": [new.first_bad_seq, new.message],
            "same": same,
        }
    finally:
        connection.close()
        settings_db["NAME"] = saved
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=117)
    parser.add_argument("--data-dir", help="reuse (or create) this data dir; default: a new one")
    parser.add_argument("--skip-reference", action="store_true", help="do not time the old code")
    parser.add_argument("--skip-cli", action="store_true", help="do not time `bmnn verify`")
    parser.add_argument("--tamper", action="store_true", help="also compare a tampered copy")
    parser.add_argument(
        "--profile", choices=["reference", "new_single"], help="cProfile one of them"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch data/database")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="bmnn-bench-ledger-")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    os.environ["BMNN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmnn.web.settings")
    url, admin = os.environ.get("BMNN_DATABASE_URL"), None
    if url:
        url, admin = _scratch_database(url)
        os.environ["BMNN_DATABASE_URL"] = url
    import django

    django.setup()
    from django.db import connection

    from bmnn.ledger import schema
    from bmnn.ledger.schema import EVENT_TABLE

    out: dict = {"vendor": connection.vendor, "cpus": os.cpu_count()}
    try:
        if EVENT_TABLE not in connection.introspection.table_names():
            # What migration web.0001_ledger runs; the other apps' tables are not needed (and
            # a full migrate's post_migrate hooks would want them).
            with connection.cursor() as cur:
                for statement in schema.create_sql(connection.vendor) + schema.guard_sql(
                    connection.vendor
                ):
                    cur.execute(statement)
        with connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {EVENT_TABLE}")
            (existing,) = cur.fetchone()
        if existing < args.events:
            # 100,000 objects, as registry_scale: only the object/payload numbers use it.
            loader = Loader(100_000, args.events, args.seed)
            loader._step("load_ledger_events", loader.ledger)
            out["load_s"] = loader.times["load_ledger_events"]
        print(f"{connection.vendor}: {max(existing, args.events)} events in {data_dir}")

        rows, _ = _time("floor", _floor, None, out)
        out["events"] = rows
        if not args.skip_reference:
            old, _ = _time("reference", _reference_verify, args.profile, out)
            assert old.ok, old.message
        single, _ = _time("new_single", _new_single, args.profile, out)
        assert single.ok, single.message
        new, _ = _time("new", _new, None, out)
        assert new.ok, new.message
        assert new.events_checked == rows
        assert new == single
        if not args.skip_reference:
            assert (old.events_checked, old.checkpoints_checked) == (
                new.events_checked,
                new.checkpoints_checked,
            )
        for name in ("floor", "reference", "new_single", "new"):
            if name in out:
                rate = rows / out[name]["s"]
                out[name]["events_per_s"] = round(rate)
                out[name][f"extrapolated_{TARGET_EVENTS}_s"] = round(TARGET_EVENTS / rate, 1)
        if not args.skip_cli:
            out["cli"] = _cli(dict(os.environ))
            print(f"  cli: {out['cli']['s']} s (rc {out['cli']['rc']})", flush=True)
        out["target"] = f"{TARGET_EVENTS} events < {TARGET_S} s"
        if args.tamper and connection.vendor == "sqlite":
            out["tamper"] = _tamper_copy(data_dir, rows // 2 + 3)
            assert out["tamper"]["same"], out["tamper"]
        text = json.dumps(out, ensure_ascii=False, indent=1)
        print(text)
        if args.json:
            Path(args.json).write_text(text, encoding="utf-8")
    finally:
        connection.close()
        if admin and not args.keep:
            _drop_database(admin, url)
        if not args.data_dir and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
