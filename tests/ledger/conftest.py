"""Fixtures for the ledger tests.

The ledger tables are not flushed between tests (they are not Django models, and their
triggers refuse DELETE), so a test never assumes an empty ledger: it reads the head first.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction

from bmnn import config
from bmnn.ledger import Signer, parse_time, schema
from bmnn.web import ledger


@pytest.fixture(autouse=True)
def _data_dir_restored(tmp_path_factory):
    """Attack tests replace the key file and every verify() caches its result in the data
    dir; put both back so later tests (ours and others') see the run's real state."""
    keys = config.keys_dir()
    saved = tmp_path_factory.mktemp("saved-data")
    shutil.copytree(keys, saved / "keys")
    cache = config.data_dir() / ledger.LAST_VERIFY_FILE
    had_cache = cache.exists()
    if had_cache:
        shutil.copy2(cache, saved / ledger.LAST_VERIFY_FILE)
    yield
    for path in keys.iterdir():
        if not (saved / "keys" / path.name).exists():
            path.unlink()
    for path in (saved / "keys").iterdir():
        shutil.copy2(path, keys / path.name)
    if had_cache:
        shutil.copy2(saved / ledger.LAST_VERIFY_FILE, cache)
    else:
        cache.unlink(missing_ok=True)


@pytest.fixture
def every5(settings):
    settings.BMNN_LEDGER_CHECKPOINT_EVERY = 5
    return 5


def fill(count: int, actor: str = "user:van_thu") -> list:
    with transaction.atomic():
        return [
            ledger.record(actor, "test.ledger.fill", f"test.Thing:{i}", {"i": i, "mức": "Mật"})
            for i in range(count)
        ]


def checkpoint_seqs() -> list[int]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT seq FROM {schema.CHECKPOINT_TABLE} ORDER BY seq")
        return [row[0] for row in cur.fetchall()]


class Attacker:
    """Someone with direct access to the database: drops the guards, then edits rows."""

    def __init__(self) -> None:
        for statement in schema.unguard_sql(connection.vendor):
            self.sql(statement)

    def sql(self, sql: str, params: list | None = None) -> None:
        with connection.cursor() as cur:
            cur.execute(sql, params)

    def recompute_from(self, seq: int) -> None:
        """Recompute prev_hash and hash of every event from `seq` on, as one can without
        the key, so that the chain is consistent again."""
        with connection.cursor() as cur:
            cur.execute(f"SELECT seq, hash FROM {schema.EVENT_TABLE} WHERE seq = %s", [seq - 1])
            prev = cur.fetchone()[1]
            cur.execute(f"SELECT seq FROM {schema.EVENT_TABLE} WHERE seq >= %s ORDER BY seq", [seq])
            seqs = [row[0] for row in cur.fetchall()]
        for number in seqs:
            new_hash = dataclasses.replace(self.event(number), prev_hash=prev).computed_hash()
            self.sql(
                f"UPDATE {schema.EVENT_TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev, new_hash, number],
            )
            prev = new_hash

    def event(self, seq: int):
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT seq, at, actor, action, object, payload, prev_hash, hash "
                f"FROM {schema.EVENT_TABLE} WHERE seq = %s",
                [seq],
            )
            return ledger._event_from_row(cur.fetchone())

    def resign_checkpoints(self, signer: Signer) -> None:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT seq, event_hash, created_at FROM {schema.CHECKPOINT_TABLE} ORDER BY seq"
            )
            rows = cur.fetchall()
        for seq, event_hash, created_at in rows:
            cp = signer.sign_checkpoint(seq, event_hash, parse_time(created_at))
            self.sql(
                f"UPDATE {schema.CHECKPOINT_TABLE} SET key_fingerprint = %s, signature = %s "
                "WHERE seq = %s",
                [cp.key_fingerprint, cp.signature, seq],
            )


@pytest.fixture
def attacker() -> Attacker:
    return Attacker()


@pytest.fixture
def scratch_env(tmp_path):
    """Environment for subprocesses with their own data dir and database (SQLite file, or a
    scratch database on the server BMNN_DATABASE_URL names), checkpoint every 7 events."""
    env = {
        **os.environ,
        "BMNN_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "BMNN_LEDGER_CHECKPOINT_EVERY": "7",
    }
    url = config.database_url()
    if not url:
        env.pop("BMNN_DATABASE_URL", None)
        yield env
        return
    name = f"bmnn_ledger_race_{uuid.uuid4().hex[:12]}"
    server = urlparse(url)
    admin_url = urlunparse(server._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env["BMNN_DATABASE_URL"] = urlunparse(server._replace(path=f"/{name}"))
    try:
        yield env
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
