"""PostgreSQL's JIT compilation off for the application's database (issue 5).

PostgreSQL compiles a query's expressions to machine code when the planner's estimate of its
cost passes `jit_above_cost` (100,000 by default). The office's queue "all" reads a few units'
participants in the page's order, with a fallback the planner costs as if it ran (it runs only
when the walk does not fill the page): on the benchmark database the page's query took 3 ms to
execute and 32 ms to compile (bench/README.md, thirteenth run). The application's queries are
short reads and writes by index; PostgreSQL's documentation ("When to JIT?") says of short
queries that compiling often costs more than it saves.

Set on the database (`ALTER DATABASE ... SET jit = off`), it holds for every new session,
including those a connection pooler opens, whatever the client sends at start-up. The
database's owner may set it (the deployment's `createdb --owner egov`); a session can still turn
it on for itself (`SET jit = on`) for a long report. SQLite: nothing.
"""

from django.db import migrations


def _set(value):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            (name,) = cursor.fetchone()
            quoted = schema_editor.connection.ops.quote_name(name)
            if value is None:
                cursor.execute(f"ALTER DATABASE {quoted} RESET jit")
            else:
                cursor.execute(f"ALTER DATABASE {quoted} SET jit = {value}")
            # this session too: the migration's own connection goes on being used (tests)
            cursor.execute("SET jit = off" if value == "off" else "SET jit = DEFAULT")

    return run


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0009_role_queue_search")]

    operations = [migrations.RunPython(_set("off"), _set(None), elidable=False)]
