"""Each participant (DossierUnit) carries a copy of its dossier's `due_at`, kept by the services
like the copy of the search key (0004): a unit's participants are read in the queue's order
from the index that migration 0007 builds on it (issue 5).

The copy is backfilled here (`UPDATE ... FROM` on PostgreSQL, a correlated subquery elsewhere),
only where it differs (a database the benchmark's generator filled has it already).
"""

import logging
import time

from django.db import migrations, models

logger = logging.getLogger(__name__)


def backfill(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierUnit = apps.get_model("dossiers", "DossierUnit")
    start = time.monotonic()
    if schema_editor.connection.vendor == "postgresql":
        units, dossiers = DossierUnit._meta.db_table, Dossier._meta.db_table
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {units} AS p SET due_at = d.due_at FROM {dossiers} AS d"  # noqa: S608
                " WHERE d.id = p.dossier_id AND p.due_at IS DISTINCT FROM d.due_at"
            )
            rows = cursor.rowcount
    else:
        due = Dossier.objects.filter(pk=models.OuterRef("dossier_id")).values("due_at")[:1]
        rows = DossierUnit.objects.update(due_at=models.Subquery(due))
    logger.info("%s participants' due dates copied in %.1f s", rows, time.monotonic() - start)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0005_assignee_state_index")]

    operations = [
        migrations.AddField(
            model_name="dossierunit",
            name="due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
