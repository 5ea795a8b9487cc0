"""SQL for the ledger tables and their append-only guards, per database vendor.

The tables are created with raw SQL, not as Django models: Django's test flush empties
model tables with DELETE, which the guards (rightly) refuse.

Times are stored as the exact canonical text that is hashed (see encoding), and payloads as
TEXT, never JSON/JSONB: the database must hand back byte-for-byte what was hashed.
"""

from __future__ import annotations

EVENT_TABLE = "ledger_event"
CHECKPOINT_TABLE = "ledger_checkpoint"
TABLES = (EVENT_TABLE, CHECKPOINT_TABLE)
VENDORS = ("sqlite", "postgresql")

_REFUSAL = "BMNN: sổ nhật ký chỉ được ghi thêm (append-only)"


def _check_vendor(vendor: str) -> None:
    if vendor not in VENDORS:
        raise ValueError(f"Sổ nhật ký không hỗ trợ cơ sở dữ liệu '{vendor}'.")


def create_sql(vendor: str) -> list[str]:
    """CREATE statements for the tables and indexes (guards not included)."""
    _check_vendor(vendor)
    return [
        f"CREATE TABLE {EVENT_TABLE} ("
        " seq BIGINT NOT NULL PRIMARY KEY,"
        " at TEXT NOT NULL,"
        " actor TEXT NOT NULL,"
        " action TEXT NOT NULL,"
        " object TEXT NOT NULL,"
        " payload TEXT NOT NULL,"
        " prev_hash TEXT NOT NULL,"
        " hash TEXT NOT NULL"
        ")",
        f"CREATE INDEX {EVENT_TABLE}_object_seq ON {EVENT_TABLE} (object, seq)",
        f"CREATE INDEX {EVENT_TABLE}_actor_seq ON {EVENT_TABLE} (actor, seq)",
        f"CREATE TABLE {CHECKPOINT_TABLE} ("
        " seq BIGINT NOT NULL PRIMARY KEY,"
        " event_hash TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " key_fingerprint TEXT NOT NULL,"
        " signature TEXT NOT NULL"
        ")",
    ]


def guard_sql(vendor: str) -> list[str]:
    """Triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on both tables."""
    _check_vendor(vendor)
    if vendor == "sqlite":
        # SQLite has no TRUNCATE; its DELETE-without-WHERE shortcut is disabled by triggers.
        return [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}: {op} bị từ chối trên {table}'); END"
            for table in TABLES
            for op in ("UPDATE", "DELETE")
        ]
    # No '%' anywhere: Django may pass this text through a DB-API parameter formatter.
    statements = [
        "CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = '{_REFUSAL}: ' "
        "|| TG_OP || ' bị từ chối trên ' || TG_TABLE_NAME; END $$"
    ]
    for table in TABLES:
        statements += [
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
        ]
    return statements


def unguard_sql(vendor: str) -> list[str]:
    """DROP statements for the guards: what an attacker with DDL rights would run (tests use it)."""
    _check_vendor(vendor)
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()}"
            for table in TABLES
            for op in ("UPDATE", "DELETE")
        ]
    return [
        *(
            f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}"
            for table in TABLES
            for name in ("no_change", "no_truncate")
        ),
        "DROP FUNCTION IF EXISTS ledger_refuse_change()",
    ]
