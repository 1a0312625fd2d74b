"""The dossiers' search key copied to their participants (DossierUnit), and on PostgreSQL one
GIN index on (unit, trigrams of that key).

A work queue's search is "the dossiers in which one of my units takes part whose key holds this
term". With the key on the dossier only, PostgreSQL either walks the unit's dossiers in the
page's order and tests each (246,000 rows for "tran van" at a busy commune), or reads every
dossier of the country that holds the term from the trigram index (migration 0003) and joins
the participants (40-150 ms): neither index knows both the unit and the term. This one does:
`unit_id IN (...) AND search_key LIKE '%term%'` is one bitmap scan that yields the unit's few
hundred matches, which are then sorted (bench/README.md, issue 5).

The copy is backfilled here (`UPDATE ... FROM` on PostgreSQL, a correlated subquery elsewhere)
and kept by the services (`_set_search_key`, `_participate`). The index needs btree_gin for the
unit column (a trusted contrib extension, created when missing, like pg_trgm in 0003); when an
extension cannot be created the index is skipped with a warning and the search keeps working,
only slower. SQLite: the column only.
"""

import logging
import time

from django.db import migrations, models

logger = logging.getLogger(__name__)
INDEX = "dossier_unit_search"


def backfill(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierUnit = apps.get_model("dossiers", "DossierUnit")
    start = time.monotonic()
    if schema_editor.connection.vendor == "postgresql":
        units, dossiers = DossierUnit._meta.db_table, Dossier._meta.db_table
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {units} AS p SET search_key = d.search_key FROM {dossiers} AS d"  # noqa: S608
                " WHERE d.id = p.dossier_id AND p.search_key <> d.search_key"
            )
            rows = cursor.rowcount
    else:
        key = Dossier.objects.filter(pk=models.OuterRef("dossier_id")).values("search_key")[:1]
        rows = DossierUnit.objects.update(search_key=models.Subquery(key))
    logger.info("%s participants' search keys copied in %.1f s", rows, time.monotonic() - start)


def _extension(cursor, name):
    from django.db import DatabaseError, transaction

    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [name])
    if cursor.fetchone() is not None:
        return True
    try:
        with transaction.atomic(using=cursor.db.alias):
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
    except DatabaseError:
        logger.warning("%s is not available: %s not created (search is slower)", name, INDEX)
        return False
    return True


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    table = apps.get_model("dossiers", "DossierUnit")._meta.db_table
    with connection.cursor() as cursor:
        if not (_extension(cursor, "pg_trgm") and _extension(cursor, "btree_gin")):
            return
        start = time.monotonic()
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table}"
            " USING gin (unit_id, search_key gin_trgm_ops)"
        )
        built = time.monotonic() - start
        # as for the dossiers' key (0003): how often a part of a name occurs is estimated from
        # a sample of the column, too coarse at the default size
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN search_key SET STATISTICS 1000")
        cursor.execute(f"ANALYZE {table}")
    logger.info("%s built in %.1f s, %s analysed in %.1f s", INDEX, built, table,
                time.monotonic() - start - built)  # fmt: skip


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("dossiers", "DossierUnit")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN search_key SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_search_trigram")]

    operations = [
        migrations.AddField(
            model_name="dossierunit",
            name="search_key",
            field=models.CharField(blank=True, default="", editable=False, max_length=600),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
