"""Fixtures of the web tests: people to log in as, logged-in clients, and the browser set-up
for pytest-playwright (Debian's chromium, no background traffic)."""

from __future__ import annotations

import itertools
import os
import shutil

import pytest
from django.test import Client

from bmnn import config
from bmnn.people import services
from bmnn.people.models import OrgUnit, Staff
from bmnn.web import ledger

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse
# every query made there (live_server data set-up) without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ACTOR = "user:test-web"
PASSWORD = "Mat-Khau-Thu-2026"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium).")
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        # Without the networking switches chromium calls Google's services on start.
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def agency(db) -> OrgUnit:
    return services.create_org_unit(
        ACTOR,
        name="Sở Thử nghiệm giao diện",
        short_code=f"STN-WEB-{next(_numbers)}",
        kind=OrgUnit.Kind.AGENCY,
    )


@pytest.fixture
def make_staff(agency):
    def make(**extra) -> Staff:
        n = next(_numbers)
        defaults = {
            "username": f"canbo{n}",
            "full_name": "Nguyễn Thị Hường",
            "post_code": "giam_doc_so",
            "position": "Giám đốc",
            "role": Staff.Role.LEADER,
            "clearance": "tuyet_mat",
        }
        return services.create_staff(
            ACTOR, password=PASSWORD, org_unit=agency, **(defaults | extra)
        )

    return make


@pytest.fixture
def staff(make_staff) -> Staff:
    return make_staff()


@pytest.fixture
def superuser(django_user_model):
    # Created directly, as `bmnn manage createsuperuser` does: no staff record behind it.
    return django_user_model.objects.create_superuser(f"quantri{next(_numbers)}", "", PASSWORD)


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


@pytest.fixture
def last_verify_restored():
    """verify() caches its result in the data dir; put it back for later tests."""
    cache = config.data_dir() / ledger.LAST_VERIFY_FILE
    saved = cache.read_bytes() if cache.exists() else None
    yield
    if saved is None:
        cache.unlink(missing_ok=True)
    else:
        cache.write_bytes(saved)


def login_data(username: str, password: str = PASSWORD, token: str = "") -> dict:
    return {"username": username, "password": password, "otp_token": token}
