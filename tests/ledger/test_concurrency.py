"""Several processes appending at once: no repeated seq, no fork, nothing lost.

Each run gets its own data dir and database (a file on SQLite; a scratch database on the
PostgreSQL server named by BMNN_DATABASE_URL), because the workers are separate processes
and the test database of pytest-django is private to this one (in memory on SQLite).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest
from django.conf import settings

from bmnn import config

WORKERS = 4
EVENTS_EACH = 30

SCRIPT = """
import json, os, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
from bmnn.web import ledger

role = sys.argv[1]
if role == "migrate":
    call_command("migrate", verbosity=0)
elif role == "append":
    go, name, count = sys.argv[2], sys.argv[3], int(sys.argv[4])
    while not os.path.exists(go):
        time.sleep(0.005)
    for i in range(count):
        with transaction.atomic():
            ledger.record(f"user:{name}", "test.race", f"race:{name}:{i}", {"i": i})
else:
    r = ledger.verify()
    print(json.dumps({"ok": r.ok, "events": r.events_checked,
                      "checkpoints": r.checkpoints_checked, "message": r.message}))
"""


@pytest.fixture
def scratch_env(tmp_path):
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


def _run(env, *args, timeout=120):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_concurrent_appenders_never_fork(scratch_env, tmp_path):
    _run(scratch_env, "migrate")
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, "append", str(go), f"w{n}", str(EVENTS_EACH)],
            env=scratch_env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    time.sleep(1.0)  # let every worker finish starting Django, then release them together
    go.touch()
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err

    result = json.loads(_run(scratch_env, "verify"))
    assert result["ok"], result["message"]
    # Genesis + every worker's events, numbered 1..N without a gap or a repeat.
    assert result["events"] == 1 + WORKERS * EVENTS_EACH
    assert result["checkpoints"] == result["events"] // 7
