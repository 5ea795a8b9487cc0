"""Browser history: every visit recorded by Chromium-family browsers and Firefox, with its time.

History databases are found by their SCHEMA, not only by their path, so unknown Chromium forks
(Cốc Cốc, Brave, Opera...) are caught: every file named `History` or `*.sqlite` under a user's
profile (`Users/<u>/`, `home/<u>/`, `root/`) that is an SQLite database with tables `urls` +
`visits` is Chromium, with `moz_places` + `moz_historyvisits` Firefox. The browser is then
named from the path.

Each database is opened as a COPY (with its -wal/-journal) in a temporary folder: the artefact
root is never written, and a live browser's lock cannot block the audit. Visits are joined to
their URLs (visits -> urls, moz_historyvisits -> moz_places) so every visit is seen, not only
the last per URL. Chromium times are WebKit µs since 1601-01-01 UTC, Firefox PRTime µs since
1970-01-01 UTC. Chromium downloads are read too (the URL fetched and when).
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from ..context import UTC_LABEL, AuditContext
from ..model import Observation, Timestamp

NAME = "browsers"

_SQLITE_MAGIC = b"SQLite format 3\x00"
_WEBKIT_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_USER_ROOTS = ("users/", "home/", "root/")
_WITNESS_MAX = 1 << 20

# (path fragment, browser name); the first that the lower-case path contains wins.
BROWSER_PATHS: tuple[tuple[str, str], ...] = (
    ("coccoc", "Cốc Cốc"),
    ("microsoft/edge", "Edge"),
    ("microsoft-edge", "Edge"),
    ("google/chrome", "Chrome"),
    ("google-chrome", "Chrome"),
    ("chromium", "Chromium"),
    ("bravesoftware", "Brave"),
    ("opera", "Opera"),
    ("vivaldi", "Vivaldi"),
    ("yandex", "Yandex"),
    ("mozilla/firefox", "Firefox"),
    (".mozilla/firefox", "Firefox"),
    ("thunderbird", "Thunderbird"),
)

_CHROMIUM_VISITS = (
    "SELECT v.id, v.visit_time, u.url, u.title, v.transition "
    "FROM visits v LEFT JOIN urls u ON u.id = v.url ORDER BY v.id"
)
_FIREFOX_VISITS = (
    "SELECT v.id, v.visit_date, p.url, p.title, v.visit_type "
    "FROM moz_historyvisits v LEFT JOIN moz_places p ON p.id = v.place_id ORDER BY v.id"
)
_CHROMIUM_DOWNLOADS = (
    "SELECT d.id, d.start_time, d.target_path, "
    "(SELECT c.url FROM downloads_url_chains c WHERE c.id = d.id "
    " ORDER BY c.chain_index DESC LIMIT 1) FROM downloads d ORDER BY d.id"
)


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    databases: list[str] = []
    problems_before = len(ctx.problems)
    with tempfile.TemporaryDirectory(prefix="bmnn-browser-") as tmp:
        for number, rel in enumerate(r for r in ctx.root.walk() if _is_candidate(r)):
            if not _is_sqlite(ctx, rel):
                continue
            folder = Path(tmp) / str(number)
            try:
                con = sqlite3.connect(_copy(ctx, rel, folder))
            except (OSError, sqlite3.Error) as exc:
                ctx.error(NAME, rel, f"Không sao chép hoặc mở được cơ sở dữ liệu lịch sử: {exc}")
                continue
            try:
                con.execute("PRAGMA query_only = ON")
                tables = {
                    r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                if {"urls", "visits"} <= tables:
                    databases.append(rel)
                    yield from _chromium(ctx, rel, con, tables)
                elif {"moz_places", "moz_historyvisits"} <= tables:
                    databases.append(rel)
                    yield from _firefox(ctx, rel, con)
            except sqlite3.Error as exc:
                ctx.error(NAME, rel, f"Cơ sở dữ liệu lịch sử hỏng, không đọc hết được: {exc}")
            finally:
                con.close()
                shutil.rmtree(folder, ignore_errors=True)  # big copies do not pile up
    if databases or any(p.analyser == NAME for p in ctx.problems[problems_before:]):
        return
    profiles = user_profiles(ctx)
    if not profiles:  # nowhere to look is not "no history": what reads visits stays unknown
        ctx.missing(
            NAME,
            "Users/*, home/*, root/",
            "Không có thư mục hồ sơ người dùng nào (Users/*, home/*, root/) trong thư mục "
            "chứng cứ: không tìm được lịch sử trình duyệt.",
        )
        return
    yield _none_found(ctx, profiles)


def user_profiles(ctx: AuditContext) -> dict[str, list[str]]:
    """The user profile folders of the root (Users/<u>, home/<u>, root) and their files."""
    found: dict[str, list[str]] = {}
    for rel in ctx.root.walk():
        parts = rel.split("/")
        top = parts[0].lower()
        if top in ("users", "home") and len(parts) > 2:
            found.setdefault(f"{parts[0]}/{parts[1]}", []).append(rel)
        elif top == "root" and len(parts) > 1:
            found.setdefault(parts[0], []).append(rel)
    return dict(sorted(found.items()))


def _none_found(ctx: AuditContext, profiles: dict[str, list[str]]) -> Observation:
    """Every profile searched and no history database in any: a `collection` observation the
    rules' results quote, so "no browser history" is said as found, not left "unknown"."""
    names = list(profiles)
    where = ", ".join(names[:10]) + (f" và {len(names) - 10} hồ sơ khác" if len(names) > 10 else "")
    note = (
        "Không tìm thấy cơ sở dữ liệu lịch sử trình duyệt nào trong các hồ sơ người dùng "
        f"({where})."
    )
    # What proves a profile was in the evidence searched: one of its files, by its hash.
    evidence = tuple(
        ctx.evidence(_witness(ctx, files), f"hồ sơ người dùng {name}: không có lịch sử trình duyệt")
        for name, files in list(profiles.items())[:10]
    )
    facts = {"searched": "browser_history", "profiles": names, "databases": 0, "note": note}
    return Observation("collection", "SEARCH:browser_history", NAME, facts, (), evidence)


def _witness(ctx: AuditContext, files: list[str]) -> str:
    """A small file of the profile to hash: its registry hive, or the first file under 1 MiB."""
    for rel in files:
        if rel.lower().endswith("/ntuser.dat"):
            return rel
    for rel in files:
        if os.path.getsize(ctx.root.abspath(rel)) <= _WITNESS_MAX:
            return rel
    return files[0]


def _is_candidate(rel: str) -> bool:
    low = rel.lower()
    if not low.startswith(_USER_ROOTS):
        return False
    base = low.rsplit("/", 1)[-1]
    return base == "history" or base.endswith(".sqlite")


def browser_of(rel: str) -> str:
    low = rel.lower().replace("\\", "/")
    return next((name for frag, name in BROWSER_PATHS if frag in low), "other")


def _user_of(rel: str) -> str:
    parts = rel.split("/")
    return "root" if parts[0].lower() == "root" else (parts[1] if len(parts) > 1 else "")


def _is_sqlite(ctx: AuditContext, rel: str) -> bool:
    """Whether the file is an SQLite database. A known browser's History that is not SQLite is
    an error (it may be damaged or replaced), not a silent skip."""
    try:
        head = ctx.root.read_bytes(rel, limit=16)
    except OSError as exc:
        ctx.error(NAME, rel, f"Không đọc được tệp lịch sử trình duyệt: {exc}")
        return False
    if head != _SQLITE_MAGIC:
        if rel.lower().endswith("/history") and browser_of(rel) != "other":
            ctx.error(NAME, rel, "Tệp lịch sử trình duyệt không phải cơ sở dữ liệu SQLite.")
        return False
    return True


def _copy(ctx: AuditContext, rel: str, folder: Path) -> Path:
    """The database and its journal files copied into `folder` (never opened in place)."""
    folder.mkdir(parents=True)
    source = ctx.root.abspath(rel)
    target = folder / source.name
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-journal"):
        side = source.with_name(source.name + suffix)
        if side.is_file():
            shutil.copyfile(side, folder / (source.name + suffix))
    return target


def _base(rel: str, browser: str) -> dict:
    parts = rel.split("/")
    return {
        "browser": browser,
        "profile": parts[-2] if len(parts) > 1 else "",
        "user": _user_of(rel),
        "database": rel,
    }


@functools.lru_cache(maxsize=65536)
def host_of(url: str) -> tuple[str, str]:
    """(host, scheme) of a URL, lower case; a URL Python cannot split gives ("", "")."""
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower(), parts.scheme.lower()
    except ValueError:  # e.g. a malformed IPv6 literal
        return "", ""


def _visit(ctx, rel, base, table, rowid, micros, epoch, url, title, extra) -> Observation:
    url = url if isinstance(url, str) else ""
    host, scheme = host_of(url)
    facts = {
        **base,
        "url": url,
        "host": host,
        "scheme": scheme,
        "title": title if isinstance(title, str) else "",
        **extra,
    }
    times: tuple[Timestamp, ...] = ()
    when = _micros(epoch, micros)
    if when is not None:
        times = (Timestamp("visit_time", when, UTC_LABEL),)
    else:
        facts["time_unreadable"] = True
    identity = f"URL:{host or scheme or '?'}"
    evidence = ctx.evidence(rel, f"table {table} rowid {rowid}", url[:400])
    return Observation("browser_visit", identity, NAME, facts, times, (evidence,))


def _micros(epoch: datetime, value) -> datetime | None:
    if not isinstance(value, int) or value <= 0:
        return None
    try:
        return epoch + timedelta(microseconds=value)
    except OverflowError:
        return None


def _chromium(ctx, rel, con, tables) -> Iterator[Observation]:
    base = _base(rel, browser_of(rel))
    for rowid, when, url, title, transition in con.execute(_CHROMIUM_VISITS):
        extra = {"event": "visit", "transition": (transition or 0) & 0xFF}
        yield _visit(ctx, rel, base, "visits", rowid, when, _WEBKIT_EPOCH, url, title, extra)
    if {"downloads", "downloads_url_chains"} <= tables:
        for rowid, when, target, url in con.execute(_CHROMIUM_DOWNLOADS):
            extra = {"event": "download", "target_path": target or ""}
            yield _visit(ctx, rel, base, "downloads", rowid, when, _WEBKIT_EPOCH, url, "", extra)


def _firefox(ctx, rel, con) -> Iterator[Observation]:
    base = _base(rel, browser_of(rel) if browser_of(rel) != "other" else "Firefox")
    for rowid, when, url, title, visit_type in con.execute(_FIREFOX_VISITS):
        extra = {"event": "visit", "transition": visit_type or 0}
        yield _visit(
            ctx, rel, base, "moz_historyvisits", rowid, when, _UNIX_EPOCH, url, title, extra
        )
