"""Run-time configuration read from the environment; no Django here.

BMNN_DATA_DIR      where the database, keys and uploads live (default ./var)
BMNN_DATABASE_URL  postgresql://user@host:port/name selects PostgreSQL (LAN mode);
                   unset means embedded SQLite in the data directory
BMNN_BIND          address the server listens on (default 127.0.0.1)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse


def data_dir() -> Path:
    path = Path(os.environ.get("BMNN_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def keys_dir() -> Path:
    path = data_dir() / "keys"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def secret_key() -> str:
    """The Django secret key, generated once in the data dir and never committed."""
    path = keys_dir() / "django-secret-key"
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(64))
    return path.read_text(encoding="ascii").strip()


def _write_private(path: Path, text: str) -> None:
    # O_EXCL: two processes starting at once must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)


def database_url() -> str | None:
    return os.environ.get("BMNN_DATABASE_URL") or None


def django_database() -> dict:
    """The DATABASES['default'] entry for the configured database."""
    url = database_url()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir() / "bmnn.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE: a write transaction takes the lock at BEGIN, so two clerks
                # numbering at once queue instead of failing half-way with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                " PRAGMA foreign_keys=ON;",
            },
        }
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"BMNN_DATABASE_URL phải là postgresql://…, nhận được: {parsed.scheme}://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "bmnn",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
    }


def bind_address() -> str:
    return os.environ.get("BMNN_BIND", "127.0.0.1")
