"""The role queues' search, read from the role queues' own index (issue 5).

A role queue ("to process", "overdue", ...) is a few units' open dossiers waiting for one role.
Searched for a name, a code or an ID number, it used `LIKE`, which the dossiers' trigram index
(migration 0003) can serve, and the planner took that index even where the queue held 159
dossiers (24 ms for "nguyen van", the index's list of every dossier of the country holding its
trigrams, against under 1 ms for testing the 159). The queues now test each of their rows
(`selectors._holding`, with `strpos`, which no index serves) and find a rare term (a full
name, a code, an ID number) in the participants' words index. Here, on PostgreSQL:

- `dossier_open_at` (the open dossiers by unit, role and appointment, migration 0002) also
  holds the assignee and the search key (INCLUDE): a queue's rows are read and tested from the
  index alone, without reading the table (bench/README.md, twelfth run: a role queue of 24,157
  dossiers searched for "nguyen van", 49 ms against 21, unsearched 28 against 14);
- `dossier_search_trgm` (0003) is dropped: no query uses it any more, and every submission
  wrote its GIN entries. The search key's larger statistics sample, set for its estimates,
  goes back to the default.

The model's Meta keeps `dossier_open_at` as its key columns (SQLite has no INCLUDE; Django warns
of one on a model). PostgreSQL: not atomic; the new index is built CONCURRENTLY beside the old
one (with the old one's condition, read from the catalogue) and takes its name, so the queues
keep an index throughout. Each step can be run again. SQLite: nothing.
"""

from django.db import migrations

OPEN_AT = "dossier_open_at"
BUILDING = "dossier_open_at_building"
TRIGRAM = "dossier_search_trgm"  # migration 0003
KEY_COLUMNS = '(current_unit_id, "current_role", due_at, id)'


def _rebuild_open_at(cursor, table, include):
    cursor.execute(
        "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index AS i"
        " WHERE i.indexrelid = to_regclass(%s)",
        [OPEN_AT],
    )
    (condition,) = cursor.fetchone()
    cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {BUILDING}")
    cursor.execute(
        f"CREATE INDEX CONCURRENTLY {BUILDING} ON {table} {KEY_COLUMNS} {include}"
        f" WHERE {condition}"
    )
    cursor.execute(f"DROP INDEX CONCURRENTLY {OPEN_AT}")
    cursor.execute(f"ALTER INDEX {BUILDING} RENAME TO {OPEN_AT}")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("dossiers", "Dossier")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [OPEN_AT])
        if cursor.fetchone()[0]:
            _rebuild_open_at(cursor, table, "INCLUDE (current_assignee_id, search_key)")
        else:  # a run stopped between the DROP and the RENAME
            cursor.execute(f"ALTER INDEX {BUILDING} RENAME TO {OPEN_AT}")
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TRIGRAM}")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN search_key SET STATISTICS -1")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("dossiers", "Dossier")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        _rebuild_open_at(cursor, table, "")
    import importlib

    importlib.import_module("egov.dossiers.migrations.0003_search_trigram").create(
        apps, schema_editor
    )


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction
    atomic = False

    dependencies = [("dossiers", "0008_fewer_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
