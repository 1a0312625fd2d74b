"""On PostgreSQL, a trigram index on the dossiers' search key (pg_trgm).

The work queues search with `search_key LIKE '%term%'` (a part of a name, a code or an ID
number, folded). No B-tree serves a pattern that does not begin the value, so without this index
a rare name is looked for in every dossier of the unit's scope (tens of thousands of rows at a
busy commune). A GIN index of trigrams answers it from the few rows that hold the term; for a
common name ("nguyen") the planner still walks the queue in its order and stops at a page.

The extension is created when missing (pg_trgm is a trusted extension: the database owner may
create it; docs/deploy.md creates it as the superuser). If it cannot be, the index is skipped and
the search keeps working, only slower. SQLite: nothing (a LIKE scan, as before).
"""

import logging

from django.db import migrations

logger = logging.getLogger(__name__)
INDEX = "dossier_search_trgm"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from django.db import DatabaseError, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            try:
                with transaction.atomic(using=schema_editor.connection.alias):
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except DatabaseError:
                logger.warning("pg_trgm is not available: %s not created (search is slower)", INDEX)
                return
        table = apps.get_model("dossiers", "Dossier")._meta.db_table
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin (search_key gin_trgm_ops)"
        )
        # How often a part of a name occurs is estimated from a sample of the column: the
        # default (100) is too coarse to choose between walking the queue in order and reading
        # the index (off by 3x for "tran van" on 1,000,000 dossiers).
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN search_key SET STATISTICS 1000")
        cursor.execute(f"ANALYZE {table} (search_key)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("dossiers", "Dossier")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN search_key SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0002_queue_indexes")]

    operations = [migrations.RunPython(create, drop)]
