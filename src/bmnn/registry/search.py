"""Accent-insensitive search over the items a person may see.

What is searched is `SecretItem.search_text`: the folded (lower case, no diacritics, đ → d) copy
of number and symbol, type, summary and issuer that the services write with every change
(services._base.search_text; a Tuyệt mật summary is never in it). The query is folded the same
way, so "hoà", "hòa", "HOA", NFD input and "đ"/"d" all meet.

The index behind it (migration registry.0002_search):
- SQLite: an external-content FTS5 table over search_text, kept in step by triggers; a query is
  a conjunction of prefix phrases, one per word the user typed ("123/bc-stn"* matches the
  tokens 123, bc, stn in a row), built here from quoted folded text — user input never reaches
  FTS5 as syntax.
- PostgreSQL: a pg_trgm GIN index on search_text (when the extension could be created) serving
  LIKE '%word%' for each word, all words required.

Every result comes from `visible_items(staff)`: search shows nothing the gate hides.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from bmnn.people.models import Staff
from bmnn.registry.models import SecretItem
from bmnn.registry.selectors import sees_units, visible_items
from bmnn.registry.services._base import fold

FTS_TABLE = "registry_secretitem_fts"
TRGM_INDEX = "registry_secretitem_search_trgm"
MAX_LIMIT = 500
MAX_WORDS = 16

# SQLite: the FTS5 table and its triggers. Also in migration 0002 (frozen there); kept here so
# ensure_index() can restore them after a table rebuild (Django re-creates a SQLite table to alter
# it, which drops the triggers of the old one).
SQLITE_INDEX_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, content='registry_secretitem', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON registry_secretitem BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON registry_secretitem BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_text "
    f"ON registry_secretitem BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
)
SQLITE_TRIGGERS = (f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au")


def _trim(word: str) -> str:
    # Punctuation around a word ('"hoà",', '(123/BC)') is not part of it; inside it is kept,
    # so a number and symbol like 123/BC-STN stays one word.
    start, end = 0, len(word)
    while start < end and not word[start].isalnum():
        start += 1
    while end > start and not word[end - 1].isalnum():
        end -= 1
    return word[start:end]


def query_words(query: str) -> list[str]:
    """The folded words of a query, without surrounding punctuation; blank ones dropped."""
    words = [w for w in (_trim(w) for w in fold(query or "").split()) if w]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def fts_expression(words: list[str]) -> str:
    """An FTS5 MATCH expression: each word a quoted prefix phrase, all required.

    Inside double quotes FTS5 reads nothing as syntax (AND, NEAR, ':', '^', '*', parentheses
    are plain text to tokenize); a double quote is escaped by doubling it.
    """
    return " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _matching(items: QuerySet[SecretItem], words: list[str]) -> QuerySet[SecretItem]:
    if connection.vendor == "sqlite":
        # Constant SQL; the MATCH expression travels as a parameter.
        return items.filter(
            pk__in=RawSQL(  # noqa: S611
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                [fts_expression(words)],
            )
        )
    # PostgreSQL (and anything else): search_text is already lower case and folded, so a
    # case-sensitive LIKE is the same as ILIKE here; `contains` escapes %, _ and \ itself.
    for word in words:
        items = items.filter(search_text__contains=word)
    return items


# SQLite: the newest matches are first taken from the FTS index in a window and passed through
# the gate, so a common word ("báo cáo" is in every item) found by someone who sees most items
# costs one small query, not a sort of every match. If the window does not settle it (the person
# sees few of the matches), one query over the rest follows. Measured in bench/README.md: more
# and larger windows only slowed the few-visible case.
_WINDOWS = (512,)


def _sqlite_search(items: QuerySet[SecretItem], words: list[str], limit: int) -> list[SecretItem]:
    expression = fts_expression(words)
    found: list[SecretItem] = []
    below = None  # every rowid examined so far is >= below
    with connection.cursor() as cur:
        for window in _WINDOWS:
            bound, params = (
                ("", [expression]) if below is None else ("AND rowid < %s ", [expression, below])
            )
            cur.execute(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s {bound}"
                "ORDER BY rowid DESC LIMIT %s",
                [*params, window],
            )
            ids = [row[0] for row in cur.fetchall()]
            if ids:
                found += items.filter(pk__in=ids).order_by("-id")[: limit - len(found)]
                below = ids[-1]
            if len(found) >= limit or len(ids) < window:
                return found
    rest = _matching(items.filter(pk__lt=below), words).order_by("-id")
    return found + list(rest[: limit - len(found)])


# SQLite, for someone who sees only what they were given, hold, drafted or classified (a
# drafter sees a few thousand of a million items): their own rows are matched here the way FTS5
# matches. Asking FTS5 instead costs what the whole table's matches cost (a word in every item:
# ~100 ms for the newest 512, ~250 ms for all their rowids), and FTS5 has no fast "these rowids
# only" filter. Measured in bench/README.md.
_FEW = 20_000
_ASCII_TOKEN = re.compile(r"[0-9a-z]+")


def _tokens(text: str) -> list[str] | None:
    """FTS5 unicode61 tokens of folded text, or None when the text holds a non-ASCII letter,
    digit or private-use character (those are tokens too, and the rules for them are left to
    FTS5 itself). Everything else non-ASCII is a separator, as unicode61 has it."""
    if not text.isascii() and any(
        unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "Co"
        for c in text
        if not c.isascii()
    ):
        return None
    return _ASCII_TOKEN.findall(text.lower())


def _has_phrase(tokens: list[str], phrase: list[str]) -> bool:
    """Whether `phrase` stands in `tokens` in a row, its last token as a prefix ("w"* in FTS5)."""
    n = len(phrase)
    head, last = phrase[:-1], phrase[-1]
    return any(
        tokens[i + n - 1].startswith(last) and tokens[i : i + n - 1] == head
        for i in range(len(tokens) - n + 1)
    )


def _match_few(items: QuerySet[SecretItem], words: list[str], need: int) -> list | None:
    """The newest `need` of `items` matching every word, or None if the person sees more than
    _FEW of them or the query itself is not plain ASCII once folded."""
    phrases = [_tokens(w) for w in words]
    if any(not p for p in phrases):
        return None
    rows = list(items.order_by().values_list("id", "search_text")[: _FEW + 1])
    if len(rows) > _FEW:
        return None
    hits, unsure = [], []
    for pk, text in rows:
        tokens = _tokens(text or "")
        if tokens is None:
            unsure.append(pk)
        elif all(_has_phrase(tokens, p) for p in phrases):
            hits.append(pk)
    if unsure:  # rows with letters beyond ASCII: FTS5 decides, over those rows only
        hits += _matching(SecretItem.objects.filter(pk__in=unsure), words).values_list(
            "id", flat=True
        )
    newest = sorted(hits, reverse=True)[:need]
    # Fetched through the gate again, not by bare id: a few ms, and no path returns an item
    # that did not pass visible_items in the query that returns it.
    return list(items.filter(pk__in=newest).order_by("-id")) if newest else []


def search_items(
    staff: Staff | None, query: str, *, limit: int = 50, on: dt.date | None = None
) -> list[SecretItem]:
    """The items `staff` may see whose number, type, summary or issuer contains every word of
    `query` (each as the start of a word on SQLite, anywhere on PostgreSQL), ignoring case and
    diacritics; newest first, at most `limit` (1..500). A blank query finds nothing."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    words = query_words(query)
    if not words:
        return []
    items = visible_items(staff, on=on).select_related("owner_unit")
    if connection.vendor == "sqlite":
        few = None if sees_units(staff) else _match_few(items, words, limit)
        return few if few is not None else _sqlite_search(items, words, limit)
    return list(_matching(items, words).order_by("-id")[:limit])


def ensure_index() -> bool:
    """Re-create the search index objects if any is missing, and re-index every item then.

    Returns True if something had to be repaired. Cheap when all is in place (one catalogue
    query on SQLite); safe to call after every `migrate`.
    """
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(
                "SELECT name FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
                [FTS_TABLE, *SQLITE_TRIGGERS],
            )
            present = {row[0] for row in cur.fetchall()}
            if present == {FTS_TABLE, *SQLITE_TRIGGERS}:
                return False
            for statement in SQLITE_INDEX_SQL:
                cur.execute(statement)
            cur.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
            return True
        if connection.vendor == "postgresql":
            cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            if cur.fetchone() is None:
                return False  # no trigram support here: LIKE still answers, unindexed
            cur.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [TRGM_INDEX])
            if cur.fetchone() is not None:
                return False
            cur.execute(
                f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON registry_secretitem "
                "USING gin (search_text gin_trgm_ops)"
            )
            return True
    return False
