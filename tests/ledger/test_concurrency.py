"""Several processes appending at once: no repeated seq, no fork, nothing lost.

Each run gets its own data dir and database (a file on SQLite; a scratch database on the
PostgreSQL server named by BMNN_DATABASE_URL), because the workers are separate processes
and the test database of pytest-django is private to this one (in memory on SQLite).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

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
