"""The system runs air-gapped: no page and no static file may point outside the app.

Scanned: every file under src/bmnn/web/static, every page the shell renders, and every
static file those pages load (htmx from django-htmx, the admin's own files). Allowed: licence
comments (/*! … */), XML namespace names (identifiers, never fetched) and the exact texts
listed in TEXT_ONLY with the reason each is never fetched.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

import bmnn.web

from .conftest import login_data

pytestmark = pytest.mark.django_db

STATIC_DIR = Path(bmnn.web.__file__).parent / "static"
URL = re.compile(r"https?://[^\s\"'<>)\\]+", re.IGNORECASE)
LICENCE_COMMENT = re.compile(r"/\*!.*?\*/", re.DOTALL)
OWN_HOSTS = {"127.0.0.1", "localhost", "testserver", "[::1]"}
XML_NAMESPACES = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
}
TEXT_ONLY = {
    # Bootstrap 5.3 bundle: text of the error thrown when Popper is missing; the bundle
    # includes Popper, and an error message is shown, never loaded.
    "https://github.com/floating-ui/popper-docs/blob/main/docs/v2/index.md",
}


def external_urls(text: str) -> set[str]:
    found = set()
    for url in URL.findall(LICENCE_COMMENT.sub("", text)):
        url = url.rstrip(".,;")
        if url in XML_NAMESPACES or url in TEXT_ONLY:
            continue
        if urlparse(url).hostname not in OWN_HOSTS:
            found.add(url)
    return found


def test_the_scanner_finds_what_it_must():
    assert external_urls('<link href="https://cdn.example.org/x.css">') == {
        "https://cdn.example.org/x.css"
    }
    assert external_urls("@import url(http://fonts.googleapis.com/css)") == {
        "http://fonts.googleapis.com/css"
    }
    assert external_urls("/*! Bootstrap (https://getbootstrap.com/) */ a{}") == set()
    assert (
        external_urls("url(\"data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'>\")")
        == set()
    )
    assert external_urls("http://127.0.0.1:8000/static/a.css") == set()


def _text_files(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".css", ".js", ".html", ".svg", ".txt", ".map"}:
            yield path


def test_vendored_static_files_point_nowhere_outside():
    files = list(_text_files(STATIC_DIR))
    names = {p.relative_to(STATIC_DIR).as_posix() for p in files}
    assert {
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "bmnn/app.css",
    } <= names
    assert (STATIC_DIR / "vendor/bootstrap/LICENSE").is_file()
    for path in files:
        assert external_urls(path.read_text(encoding="utf-8")) == set(), path


def _rendered(client, staff) -> dict[str, str]:
    pages = {"login": client.get(reverse("login")).content.decode()}
    client.post(reverse("login"), login_data(staff.user.username))
    for name in ("dashboard", "rulebook", "otp_setup"):
        pages[name] = client.get(reverse(name)).content.decode()
    pages["rulebook-all"] = client.get(reverse("rulebook"), {"on": ""}).content.decode()
    pages["404"] = client.get("/khong-co-trang-nay/").content.decode()
    client.logout()
    for _ in range(10):
        locked = client.post(reverse("login"), login_data(staff.user.username, "sai"))
    assert locked.status_code == 429
    pages["locked_out"] = locked.content.decode()
    return pages


def test_rendered_pages_and_the_files_they_load_point_nowhere_outside(client, staff, superuser):
    pages = _rendered(client, staff)
    client.force_login(superuser)
    pages["admin"] = client.get("/admin/").content.decode()
    assert "Site administration" not in pages["admin"]  # the admin speaks Vietnamese too
    loaded = set()
    for name, html in pages.items():
        assert external_urls(html) == set(), name
        loaded |= set(re.findall(r'(?:src|href)="/static/([^"?#]+)"', html))
    assert "django_htmx/htmx-2.min.js" in loaded
    for asset in sorted(loaded):
        path = finders.find(asset)
        assert path is not None, asset
        assert external_urls(Path(path).read_text(encoding="utf-8")) == set(), asset
