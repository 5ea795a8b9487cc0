"""Search index over SecretItem.search_text (hand-written; see bmnn.registry.search).

SQLite: an external-content FTS5 table, kept in step by INSERT/UPDATE/DELETE triggers, and
filled from the rows already there. PostgreSQL: pg_trgm and a GIN trigram index, if the
extension can be created here; otherwise nothing, and search falls back to an unindexed LIKE.
The SQL is frozen here on purpose: later changes to the search module must not rewrite history.
"""

from django.db import migrations, transaction

FTS = "registry_secretitem_fts"

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
    "search_text, content='registry_secretitem', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON registry_secretitem BEGIN "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON registry_secretitem BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF search_text ON registry_secretitem "
    f"BEGIN INSERT INTO {FTS}({FTS}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]
TRGM_INDEX = "registry_secretitem_search_trgm"


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            for statement in SQLITE_FORWARD:
                cur.execute(statement)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cur:
            try:
                # A savepoint: a refused CREATE EXTENSION (no right to it, not installed on the
                # server) must not abort the migration; search then works without the index.
                with transaction.atomic(using=connection.alias):
                    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except Exception:  # any refusal means "no trigram index here"
                return
            cur.execute(
                f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON registry_secretitem "
                "USING gin (search_text gin_trgm_ops)"
            )


def backward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            for statement in SQLITE_BACKWARD:
                cur.execute(statement)
        elif connection.vendor == "postgresql":
            # The extension stays: other objects may use it.
            cur.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
