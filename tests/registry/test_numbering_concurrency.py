"""Clerks registering at the same moment never get the same number, and nothing is skipped.

Like tests/ledger/test_concurrency.py, the clerks are separate OS processes on a real database
(a file in a throw-away data dir on SQLite; a scratch database on the PostgreSQL server named by
BMNN_DATABASE_URL): pytest-django's SQLite test database lives in this process's memory.
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
from django.db import IntegrityError, transaction

from bmnn import config
from bmnn.registry.models import Register

from .conftest import ON

CLERKS = 3
ITEMS_EACH = 6

SCRIPT = r"""
import datetime as dt, json, os, sys, time
import django
django.setup()
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.core.management import call_command

ON = dt.date(2026, 4, 1)
START = dt.date(2026, 1, 1)
role = sys.argv[1]

if role == "seed":
    from bmnn.catalogue import services as catalogue
    from bmnn.people import services as people
    from bmnn.people.models import OrgUnit, Staff
    from bmnn.registry.services import classification

    clerks, each = int(sys.argv[2]), int(sys.argv[3])
    call_command("migrate", verbosity=0)
    agency = people.create_org_unit(
        "user:seed", name="Sở Thử nghiệm", short_code="STN", kind=OrgUnit.Kind.AGENCY
    )
    office = people.create_org_unit("user:seed", name="Văn phòng", short_code="VP", parent=agency)
    division = people.create_org_unit("user:seed", name="Phòng A", short_code="PA", parent=agency)

    def staff(unit, username, post, role, clearance):
        return people.create_staff(
            "user:seed", username=username, password="Khong-Doan-Duoc-2026",
            full_name=username, org_unit=unit, post_code=post, role=role,
            clearance=clearance, active_from=START,
        )

    director = staff(agency, "giamdoc", "giam_doc_so", Staff.Role.LEADER, "tuyet_mat")
    drafter = staff(division, "soanthao", "can_bo", Staff.Role.DRAFTER, "toi_mat")
    clerk_ids = [
        staff(office, f"vanthu{n}", "can_bo", Staff.Role.CLERK, "tuyet_mat").pk
        for n in range(clerks)
    ]
    decision = catalogue.create_decision(
        "user:seed", number="1/QĐ-TTg", date=dt.date(2020, 6, 5),
        issuer="Thủ tướng Chính phủ", title="Danh mục bí mật nhà nước thử",
    )
    entry = catalogue.add_item(
        "user:seed", decision, article="1", clause="1", level="mat", text="Mục mật"
    )
    work = {}
    for clerk_id in clerk_ids:
        work[clerk_id] = []
        for _ in range(each):
            proposal = classification.propose(
                "user:seed", drafter, title="Báo cáo thử", level="mat", catalogue_item=entry,
                recipients_text="Phòng A; Lưu VT", copies=2, copy_allowed=False, on=ON,
            )
            proposal = classification.decide("user:seed", proposal, director, approve=True, on=ON)
            work[clerk_id].append(proposal.item_id)
    print(json.dumps(work))

elif role == "register":
    from bmnn.people.models import Staff
    from bmnn.registry.models import SecretItem
    from bmnn.registry.services import outgoing

    go, clerk_id, item_ids = sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
    clerk = Staff.objects.select_related("user").get(pk=clerk_id)
    items = list(SecretItem.objects.filter(pk__in=item_ids))
    open(f"{go}.ready.{clerk_id}", "w").close()
    while not os.path.exists(go):
        time.sleep(0.005)
    for item in items:
        outgoing.register_outgoing(
            f"user:{clerk.user.username}", item, clerk, number_symbol=f"{item.pk}/BC-STN",
            doc_type="Báo cáo", signer="Giám đốc", on=ON,
        )

else:
    from bmnn.registry.models import Register, RegisterEntry
    from bmnn.web import ledger

    result = ledger.verify()
    print(json.dumps({
        "ok": result.ok, "message": result.message, "events": result.events_checked,
        "numbers": sorted(RegisterEntry.objects.values_list("number", flat=True)),
        "items": sorted(RegisterEntry.objects.values_list("item_id", flat=True)),
        "clerks": sorted(set(RegisterEntry.objects.values_list("entered_by_id", flat=True))),
        "books": list(Register.objects.values_list("kind", "year", "book", "last_number")),
    }))
"""


@pytest.fixture
def scratch_env(tmp_path):
    env = {
        **os.environ,
        "BMNN_DATA_DIR": str(tmp_path / "data"),
        # Not settings.SETTINGS_MODULE: the autouse `settings` override of conftest hides it.
        "DJANGO_SETTINGS_MODULE": "bmnn.web.settings",
        "BMNN_LEDGER_CHECKPOINT_EVERY": "5",
    }
    url = config.database_url()
    if not url:
        env.pop("BMNN_DATABASE_URL", None)
        yield env
        return
    name = f"bmnn_numbering_race_{uuid.uuid4().hex[:12]}"
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


def _run(env, *args, timeout=120) -> str:
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


def test_clerks_registering_at_once_get_distinct_consecutive_numbers(scratch_env, tmp_path):
    work = json.loads(_run(scratch_env, "seed", str(CLERKS), str(ITEMS_EACH)))
    go = tmp_path / "go"
    clerks = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, "register", str(go), clerk_id, json.dumps(item_ids)],
            env=scratch_env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for clerk_id, item_ids in work.items()
    ]
    # Release them together, once every clerk has Django started and its items loaded.
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("go.ready.*"))) < len(clerks):
        assert time.monotonic() < deadline, "clerks did not start"
        assert all(clerk.poll() is None for clerk in clerks), "a clerk exited early"
        time.sleep(0.02)
    go.touch()
    for clerk in clerks:
        _, err = clerk.communicate(timeout=120)
        assert clerk.returncode == 0, err

    result = json.loads(_run(scratch_env, "check"))
    total = CLERKS * ITEMS_EACH
    assert result["numbers"] == list(range(1, total + 1))  # no repeat, no gap
    assert result["items"] == sorted(i for ids in work.values() for i in ids)  # each once
    assert result["clerks"] == sorted(int(c) for c in work)  # all of them did register
    assert result["books"] == [["outgoing", 2026, 1, total]]
    assert result["ok"], result["message"]
    # The seeding events, then one per registration, all in one unbroken chain.
    assert result["events"] > total


def test_a_year_has_one_open_book_per_register(sx):
    """The race above, made certain: a clerk who saw no open book and then counted a book
    another clerk had just opened would open a second book of the same year, numbered from 01
    again. The database refuses that second open book; closed books may follow one another."""
    agency = sx.agency
    first = Register.objects.create(
        kind=Register.Kind.OUTGOING, agency=agency, year=2026, book=1, opened_on=ON
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Register.objects.create(
            kind=Register.Kind.OUTGOING, agency=agency, year=2026, book=2, opened_on=ON
        )
    first.closed_on = ON
    first.save()
    Register.objects.create(
        kind=Register.Kind.OUTGOING, agency=agency, year=2026, book=2, opened_on=ON
    )
    assert Register.objects.filter(closed_on__isnull=True).count() == 1
