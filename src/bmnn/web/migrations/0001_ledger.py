"""The ledger tables and their append-only triggers, in raw SQL per vendor.

Raw SQL rather than models: Django's test flush empties model tables with DELETE, which the
triggers refuse. Irreversible on purpose: no migration command may drop the ledger.
"""

from django.db import migrations, router

from bmnn.ledger import schema


class LedgerSQL(migrations.RunSQL):
    """RunSQL whose statements are chosen by the database vendor at migration time."""

    def __init__(self, statements_for):
        self.statements_for = statements_for
        super().__init__(sql=migrations.RunSQL.noop, reverse_sql=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self._run_sql(schema_editor, self.statements_for(schema_editor.connection.vendor))

    def describe(self):
        return "Ledger tables and append-only guards (vendor-specific SQL)"


def _ledger_sql(vendor):
    return schema.create_sql(vendor) + schema.guard_sql(vendor)


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [LedgerSQL(_ledger_sql)]
