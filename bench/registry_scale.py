"""Registry at scale: bulk-load N items and M ledger events, then time the reads that matter.

    .venv/bin/python bench/registry_scale.py --items 100000 --events 500000
    BMNN_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/registry_scale.py --items 100000 --events 500000

Each run uses a throw-away data dir and database (a SQLite file there; on PostgreSQL a scratch
database created next to the one BMNN_DATABASE_URL names, dropped at the end unless --keep).
Measured, p50/p95 over --repeat runs after one warm-up, each against a reference in the same run:
- register page (selectors.register_entries, clerk, first page of 50) — ref: a deep page by
  OFFSET vs the same page by keyset (number > last);
- visible_items first page (drafter with grants; clerk);
- search_items for several queries (clerk; drafter) — ref: LIKE over the unfolded summary
  (unindexed, and blind to diacritics) and folding in Python over every visible row;
- `bmnn verify` over the whole ledger, as a subprocess — ref: streaming the rows without hashing.
Targets from the issue: register page p95 < 200 ms, search p95 < 100 ms, verify < 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ("hòa bình", "123/bc", "bộ công an", "biên giới", "ke hoach", "báo cáo", "quảng trị")
WORDS_TEXT = (
    "báo cáo kế hoạch phương án công văn thông báo tờ trình quyết định chỉ thị đề án kết quả "
    "tình hình công tác bảo vệ an ninh quốc phòng biên giới đất đai tài nguyên khoáng sản "
    "kinh tế đối ngoại nhân sự cán bộ tổ chức kiểm tra thanh tra điều tra xử lý vụ việc "
    "tuyển sinh đào tạo diễn tập phòng chống thiên tai dịch bệnh năng lượng giao thông "
    "xây dựng hạ tầng ngân sách tài chính thuế hải quan viễn thông cơ yếu lực lượng"
)
WORDS = tuple(WORDS_TEXT.split())
PLACES = ("Hòa Bình", "Đà Nẵng", "Hà Nội", "Huế", "Cần Thơ", "Lạng Sơn", "Điện Biên")
ISSUERS = ("Bộ Công an", "Bộ Quốc phòng", "UBND tỉnh", "Văn phòng Chính phủ", "Sở Nội vụ")


def _scratch_database(url: str) -> tuple[str, str]:
    import psycopg

    name = f"bmnn_bench_{uuid.uuid4().hex[:10]}"
    server = urlparse(url)
    admin = urlunparse(server._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(server._replace(path=f"/{name}")), admin


def _drop_database(admin: str, url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _timed(fn, repeat: int) -> dict:
    fn()  # warm-up: caches, query plans
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": round(p95, 2), "n": repeat}


class Loader:
    def __init__(self, items: int, events: int, seed: int):
        self.n_items, self.n_events = items, events
        self.rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.times: dict[str, float] = {}

    def _step(self, name, fn):
        start = time.perf_counter()
        result = fn()
        self.times[name] = round(time.perf_counter() - start, 1)
        print(f"  {name}: {self.times[name]} s", flush=True)
        return result

    # -------------------------------------------------------------- people and catalogue
    def people(self):
        from bmnn.catalogue import services as catalogue
        from bmnn.people import services as people
        from bmnn.people.models import OrgUnit, Staff

        actor, start = "user:bench", dt.date(2026, 1, 1)
        agency = people.create_org_unit(
            actor, name="Sở Thử nghiệm", short_code="STN", kind=OrgUnit.Kind.AGENCY
        )
        other = people.create_org_unit(
            actor, name="Sở Khác", short_code="SKH", kind=OrgUnit.Kind.AGENCY
        )
        office = people.create_org_unit(actor, name="Văn phòng", short_code="VP", parent=agency)
        self.divisions = [
            people.create_org_unit(actor, name=f"Phòng {i}", short_code=f"P{i}", parent=agency)
            for i in range(20)
        ]
        self.other_units = [
            people.create_org_unit(actor, name=f"Phòng K{i}", short_code=f"K{i}", parent=other)
            for i in range(5)
        ]

        def staff(unit, username, post, role, clearance):
            return people.create_staff(
                actor,
                username=username,
                password="Khong-Doan-Duoc-2026",  # noqa: S106 - throw-away bench account
                full_name=username,
                org_unit=unit,
                post_code=post,
                role=role,
                clearance=clearance,
                active_from=start,
            )

        self.director = staff(agency, "giamdoc", "giam_doc_so", Staff.Role.LEADER, "tuyet_mat")
        self.clerk = staff(office, "vanthu", "can_bo", Staff.Role.CLERK, "tuyet_mat")
        self.drafter = staff(self.divisions[0], "soanthao", "can_bo", Staff.Role.DRAFTER, "toi_mat")
        decision = catalogue.create_decision(
            actor,
            number="1/QĐ-TTg",
            date=dt.date(2020, 6, 5),
            issuer="Thủ tướng Chính phủ",
            title="Danh mục bí mật nhà nước thử",
        )
        self.catalogue = {
            level: catalogue.add_item(
                actor, decision, article=str(i + 1), clause="1", level=level, text=f"Mục {level}"
            )
            for i, level in enumerate(("tuyet_mat", "toi_mat", "mat"))
        }

    # -------------------------------------------------------------- items, lines, copies
    def items(self, batch: int = 5000):
        from django.db import connection, transaction

        from bmnn.registry import search
        from bmnn.registry.models import Copy, Grant, Register, RegisterEntry, SecretItem
        from bmnn.registry.services._base import search_text

        rng = self.rng
        years = list(range(2016, 2027))
        agency = self.clerk.org_unit.agency()
        books = {
            year: Register.objects.create(
                kind=Register.Kind.OUTGOING,
                agency=agency,
                year=year,
                book=1,
                opened_on=dt.date(year, 1, 1),
            )
            for year in years
        }
        numbers = dict.fromkeys(years, 0)
        if connection.vendor == "sqlite":
            # Row-by-row FTS triggers during a bulk load cost more than one rebuild after it.
            with connection.cursor() as cur:
                for name in search.SQLITE_TRIGGERS:
                    cur.execute(f"DROP TRIGGER IF EXISTS {name}")
        next_id = 1
        for first in range(0, self.n_items, batch):
            count = min(batch, self.n_items - first)
            rows, lines, copies, grants = [], [], [], []
            for k in range(count):
                i = first + k
                roll = rng.random()
                level = "tuyet_mat" if roll < 0.05 else "toi_mat" if roll < 0.3 else "mat"
                year = years[min(len(years) - 1, i * len(years) // self.n_items)]
                words = rng.sample(WORDS, 6)
                if rng.random() < 0.02:
                    words.append(rng.choice(PLACES))
                if rng.random() < 0.0002:
                    words.append("Quảng Trị")
                incoming = rng.random() < 0.3
                item = SecretItem(
                    id=next_id,
                    origin=SecretItem.Origin.INCOMING if incoming else SecretItem.Origin.OUTGOING,
                    number_symbol=f"{i + 1}/{rng.choice(('BC', 'KH', 'CV', 'TB'))}-STN",
                    doc_type="Báo cáo",
                    summary="" if level == "tuyet_mat" else " ".join(words).capitalize(),
                    issuer=rng.choice(ISSUERS) if incoming else "",
                    level=level,
                    catalogue_item=self.catalogue[level],
                    classified_on=dt.date(year, 1, 1),
                    classified_by=self.director,
                    drafter=self.drafter if rng.random() < 0.001 else None,
                    owner_unit=(
                        rng.choice(self.other_units)
                        if rng.random() < 0.2
                        else rng.choice(self.divisions)
                    ),
                    status=SecretItem.Status.ACTIVE,
                )
                item.search_text = search_text(item)
                rows.append(item)
                numbers[year] += 1
                lines.append(
                    RegisterEntry(
                        register=books[year],
                        number=numbers[year],
                        entered_on=dt.date(year, 1, 1),
                        item_id=next_id,
                        entered_by=self.clerk,
                        copies=2,
                    )
                )
                if rng.random() < 0.1:
                    copies.append(Copy(item_id=next_id, number=1, of_total=2, custodian=self.clerk))
                if level != "tuyet_mat" and rng.random() < 0.002:
                    grants.append(
                        Grant(
                            item_id=next_id,
                            staff=self.drafter,
                            purpose="Phối hợp",
                            granted_by=self.director,
                            granted_on=dt.date(2026, 3, 1),
                        )
                    )
                next_id += 1
            with transaction.atomic():
                SecretItem.objects.bulk_create(rows)
                RegisterEntry.objects.bulk_create(lines)
                Copy.objects.bulk_create(copies)
                Grant.objects.bulk_create(grants)
        for year, last in numbers.items():
            Register.objects.filter(pk=books[year].pk).update(last_number=last)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence('registry_secretitem', 'id'), %s)",
                    [next_id],
                )
        self.book = Register.objects.get(pk=books[years[-1]].pk)

    def reindex(self):
        from django.db import connection

        from bmnn.registry import search

        if connection.vendor == "sqlite":
            assert search.ensure_index() is True
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    # -------------------------------------------------------------- ledger
    def ledger(self, batch: int = 10000):
        from django.conf import settings
        from django.db import connection, transaction

        from bmnn import config
        from bmnn.ledger import Signer, format_time, genesis, next_event
        from bmnn.ledger.files import write_once
        from bmnn.ledger.schema import CHECKPOINT_TABLE, EVENT_TABLE
        from bmnn.web import ledger

        with connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {EVENT_TABLE}")
            (existing,) = cur.fetchone()
        # The people and catalogue set-up above wrote real events; the bulk continues that chain.
        every = int(settings.BMNN_LEDGER_CHECKPOINT_EVERY)
        signer = Signer.load_or_create(config.keys_dir())
        with connection.cursor() as cur:
            cur.execute(f"SELECT seq, hash FROM {EVENT_TABLE} ORDER BY seq DESC LIMIT 1")
            row = cur.fetchone()
        base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
        if row is None:
            head = genesis(signer.fingerprint(), signer.public_key_pem(), base)
            pending_events = [head]
            write_once(config.keys_dir() / ledger.GENESIS_FILE, (head.hash + "\n").encode())
        else:
            head, pending_events = None, []
        seq, prev = (row[0], row[1]) if row else (head.seq, head.hash)
        actions = ("registry.outgoing.register", "registry.copy.make", "registry.receipt.sign")
        pending_checkpoints = []
        target = self.n_events - existing - len(pending_events)

        def flush():
            events = [
                (
                    e.seq,
                    format_time(e.at),
                    e.actor,
                    e.action,
                    e.object,
                    e.payload,
                    e.prev_hash,
                    e.hash,
                )
                for e in pending_events
            ]
            checkpoints = [
                (
                    c.seq,
                    c.event_hash,
                    format_time(c.created_at),
                    c.key_fingerprint,
                    c.signature,
                )
                for c in pending_checkpoints
            ]
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {EVENT_TABLE} (seq, at, actor, action, object, payload,"
                    " prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    events,
                )
                cur.executemany(
                    f"INSERT INTO {CHECKPOINT_TABLE} (seq, event_hash, created_at,"
                    " key_fingerprint, signature) VALUES (%s, %s, %s, %s, %s)",
                    checkpoints,
                )
            pending_events.clear()
            pending_checkpoints.clear()

        for k in range(max(0, target)):
            at = base + dt.timedelta(milliseconds=k)
            event = next_event(
                seq + 1,
                prev,
                actor="user:vanthu",
                action=actions[k % 3],
                obj=f"registry.RegisterEntry:{k % max(1, self.n_items) + 1}",
                payload={"item": k % max(1, self.n_items) + 1, "number": k, "level": "mat"},
                at=at,
            )
            seq, prev = event.seq, event.hash
            pending_events.append(event)
            if seq % every == 0:
                pending_checkpoints.append(signer.sign_checkpoint(seq, prev, at))
            if len(pending_events) >= batch:
                flush()
        flush()
        self.events_total = seq


def measure(loader: Loader, repeat: int, env: dict) -> dict:
    from django.db import connection

    from bmnn.ledger.schema import EVENT_TABLE
    from bmnn.registry.models import SecretItem
    from bmnn.registry.search import search_items
    from bmnn.registry.selectors import register_entries, visible_items
    from bmnn.registry.services._base import fold

    clerk, drafter, book = loader.clerk, loader.drafter, loader.book
    out: dict = {}

    def page(qs):
        return [(e.number, e.item.number_symbol) for e in qs]

    out["register_page_first50_clerk"] = _timed(
        lambda: page(register_entries(clerk, book)[:50]), repeat
    )
    deep = max(0, int(book.last_number * 0.8) // 50 * 50)
    out[f"ref_register_page_offset_{deep}"] = _timed(
        lambda: page(register_entries(clerk, book)[deep : deep + 50]), repeat
    )
    out[f"register_page_keyset_after_{deep}"] = _timed(
        lambda: page(register_entries(clerk, book).filter(number__gt=deep)[:50]), repeat
    )
    # Same page, the gate written as a correlated EXISTS (a candidate for selectors.py): the
    # database can then walk the book in number order and stop after 50 visible lines.
    from django.db.models import Exists, OuterRef

    from bmnn.registry.models import RegisterEntry

    def exists_page():
        gate = Exists(visible_items(clerk).filter(pk=OuterRef("item_id")))
        qs = RegisterEntry.objects.filter(register=book).filter(gate)
        return page(qs.select_related("item").order_by("number")[:50])

    assert exists_page() == page(register_entries(clerk, book)[:50])
    out["alt_register_page_first50_exists_gate"] = _timed(exists_page, repeat)
    out["visible_items_first50_drafter"] = _timed(
        lambda: list(visible_items(drafter).order_by("-id")[:50]), repeat
    )
    out["visible_items_first50_clerk"] = _timed(
        lambda: list(visible_items(clerk).order_by("-id")[:50]), repeat
    )
    for who, staff in (("clerk", clerk), ("drafter", drafter)):
        for q in QUERIES:
            found = len(list(search_items(staff, q)))
            stats = _timed(lambda staff=staff, q=q: list(search_items(staff, q)), repeat)
            out[f"search_{who}[{q}]"] = {**stats, "found": found}
    slow = max(1, min(3, repeat))
    for q in ("hòa bình", "biên giới"):
        out[f"ref_search_like_unfolded_clerk[{q}]"] = {
            **_timed(
                lambda q=q: list(
                    visible_items(clerk).filter(summary__icontains=q).order_by("-id")[:50]
                ),
                slow,
            ),
            "found": len(
                list(visible_items(clerk).filter(summary__icontains=q).order_by("-id")[:50])
            ),
        }

        def python_fold(q=q):
            words = fold(q).split()
            hits = []
            rows = (
                visible_items(clerk)
                .order_by("-id")
                .values_list("id", "number_symbol", "summary", "issuer")
            )
            for pk, number, summary, issuer in rows.iterator(chunk_size=5000):
                text = fold(f"{number} {summary} {issuer}")
                if all(w in text for w in words):
                    hits.append(pk)
                    if len(hits) == 50:
                        break
            return hits

        out[f"ref_search_python_fold_clerk[{q}]"] = {
            **_timed(python_fold, slow),
            "found": len(python_fold()),
        }

    bmnn = Path(sys.executable).with_name("bmnn")
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own bmnn command
        [str(bmnn), "verify"], env=env, capture_output=True, text=True, check=False
    )
    out["bmnn_verify_s"] = {
        "wall_s": round(time.perf_counter() - start, 1),
        "rc": done.returncode,
        "message": (done.stdout + done.stderr).strip()[-300:],
    }
    start = time.perf_counter()
    with connection.chunked_cursor() as cur:
        cur.execute(
            f"SELECT seq, at, actor, action, object, payload, prev_hash, hash "
            f"FROM {EVENT_TABLE} ORDER BY seq"
        )
        rows = 0
        while batch := cur.fetchmany(5000):
            rows += len(batch)
    out["ref_stream_ledger_rows_s"] = {
        "wall_s": round(time.perf_counter() - start, 1),
        "rows": rows,
    }
    out["counts"] = {"items": SecretItem.objects.count(), "events": rows}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=117)
    parser.add_argument("--data-dir", help="default: a new temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the scratch PostgreSQL database")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="bmnn-bench-")
    os.environ["BMNN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmnn.web.settings")
    url, admin = os.environ.get("BMNN_DATABASE_URL"), None
    if url:
        url, admin = _scratch_database(url)
        os.environ["BMNN_DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    # Argon2 for three bench accounts would only add seconds that measure nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    try:
        print(f"{connection.vendor}: {args.items} items, {args.events} events in {data_dir}")
        loader = Loader(args.items, args.events, args.seed)
        loader._step("migrate", lambda: call_command("migrate", verbosity=0))
        loader._step("people_catalogue", loader.people)
        loader._step("load_items_entries_copies_grants", loader.items)
        loader._step("index_and_analyze", loader.reindex)
        loader._step("load_ledger_events", loader.ledger)
        results = {
            "vendor": connection.vendor,
            "args": {"items": args.items, "events": args.events, "repeat": args.repeat},
            "load_s": loader.times,
            "results": measure(loader, args.repeat, dict(os.environ)),
        }
        text = json.dumps(results, ensure_ascii=False, indent=1)
        print(text)
        if args.json:
            Path(args.json).write_text(text, encoding="utf-8")
    finally:
        connection.close()
        if admin and not args.keep:
            _drop_database(admin, url)


if __name__ == "__main__":
    main()
