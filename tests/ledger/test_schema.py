"""The DDL the migration runs, per vendor; and the pure core stays free of Django."""

import sqlite3
import subprocess
import sys

import pytest

from bmnn.ledger import schema


def test_unknown_vendor_is_refused():
    for fn in (schema.create_sql, schema.guard_sql, schema.unguard_sql):
        with pytest.raises(ValueError, match="không hỗ trợ"):
            fn("mysql")


def test_sqlite_guards_refuse_update_and_delete_without_django():
    db = sqlite3.connect(":memory:")
    for statement in schema.create_sql("sqlite") + schema.guard_sql("sqlite"):
        db.execute(statement)
    db.execute("INSERT INTO ledger_event VALUES (1, 't', 'a', 'b', 'o', '{}', 'p', 'h')")
    db.execute("INSERT INTO ledger_checkpoint VALUES (1, 'h', 't', 'f', 's')")
    for sql in (
        "UPDATE ledger_event SET actor = 'x'",
        "DELETE FROM ledger_event",
        "UPDATE ledger_checkpoint SET signature = 'x'",
        "DELETE FROM ledger_checkpoint",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    for statement in schema.unguard_sql("sqlite"):
        db.execute(statement)
    db.execute("DELETE FROM ledger_event")
    assert db.execute("SELECT COUNT(*) FROM ledger_event").fetchone() == (0,)


def test_postgresql_ddl_has_no_percent_signs():
    # Django may route migration SQL through a DB-API formatter, where '%' is special.
    for statement in schema.create_sql("postgresql") + schema.guard_sql("postgresql"):
        assert "%" not in statement


def test_pure_core_imports_no_django():
    code = (
        "import sys, bmnn.ledger, bmnn.ledger.schema, bmnn.ledger.files;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
