"""Fewer indexes on the dossiers' tables (issue 5): each one is written on every change of a row.

A dossier changes state in every transition, and a change of an indexed column writes a new
entry in every index of the table, whatever it covers (bench/README.md, tenth run: a submission
wrote 45 B-tree entries). Dropped here, because another index begins with the same column and
serves the foreign key's checks and the queries as well:

- `dossiers_dossier.applicant_id` (dossier_applicant), `current_unit_id` (dossier_queue),
  `current_assignee_id` (dossier_assignee_state), `receiving_unit_id` (dossier_recv);
- `dossiers_dossierunit.dossier_id` (dossier_unit_unique), `unit_id` (dossier_unit_by_unit);
- `dossiers_dossierevent.dossier_id` (dossier_event_timeline);

and, on PostgreSQL, the code's second index for `LIKE 'prefix%'` (`varchar_pattern_ops`), which
Django adds to a unique text column: no dossier is looked up by the beginning of its code. The
code stays unique: the model says it with a named constraint, and on PostgreSQL the existing
constraint is renamed to it rather than built again. On PostgreSQL the foreign keys are left as
they are (Django's own operation would drop each and validate it again over every row).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names for the single-column indexes of the foreign keys (the same on both databases).
FK_INDEXES = [
    ("dossiers_dossier", "applicant_id", "dossiers_dossier_applicant_id_3ba18564"),
    ("dossiers_dossier", "current_unit_id", "dossiers_dossier_current_unit_id_879e2efd"),
    (
        "dossiers_dossier",
        "current_assignee_id",
        "dossiers_dossier_current_assignee_id_d758ce8d",
    ),
    ("dossiers_dossier", "receiving_unit_id", "dossiers_dossier_receiving_unit_id_0453b4b0"),
    ("dossiers_dossierunit", "dossier_id", "dossiers_dossierunit_dossier_id_68841d6f"),
    ("dossiers_dossierunit", "unit_id", "dossiers_dossierunit_unit_id_e8403e05"),
    ("dossiers_dossierevent", "dossier_id", "dossiers_dossierevent_dossier_id_90237d93"),
]
CODE_LIKE = "dossiers_dossier_code_6d68c351_like"


def forwards(apps, schema_editor):
    run = schema_editor.execute
    for _table, _column, index in FK_INDEXES:
        run(f'DROP INDEX IF EXISTS "{index}"')
    if schema_editor.connection.vendor == "postgresql":
        run(f'DROP INDEX IF EXISTS "{CODE_LIKE}"')
        run(
            'ALTER TABLE "dossiers_dossier" RENAME CONSTRAINT "dossiers_dossier_code_key" '
            'TO "dossier_code_unique"'
        )
    else:
        # SQLite: the column's own UNIQUE (its automatic index) keeps the codes unique; a
        # later change of the table rebuilds it from the model, with the named constraint.
        pass


def backwards(apps, schema_editor):
    run = schema_editor.execute
    for table, column, index in FK_INDEXES:
        run(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        run(
            'ALTER TABLE "dossiers_dossier" RENAME CONSTRAINT "dossier_code_unique" '
            'TO "dossiers_dossier_code_key"'
        )
        run(
            f'CREATE INDEX IF NOT EXISTS "{CODE_LIKE}" ON "dossiers_dossier" '
            '("code" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0007_participant_queue_indexes"),
        ("procedures", "0002_process_templates"),
        ("units", "0003_path_c_collation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="dossier",
                    name="applicant",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="dossiers",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="tài khoản người nộp",
                    ),
                ),
                migrations.AlterField(
                    model_name="dossier",
                    name="code",
                    field=models.CharField(
                        blank=True, max_length=40, null=True, verbose_name="mã hồ sơ"
                    ),
                ),
                migrations.AlterField(
                    model_name="dossier",
                    name="current_assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="dossier",
                    name="current_unit",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="units.unit",
                    ),
                ),
                migrations.AlterField(
                    model_name="dossier",
                    name="receiving_unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="units.unit",
                        verbose_name="nơi tiếp nhận",
                    ),
                ),
                migrations.AlterField(
                    model_name="dossierevent",
                    name="dossier",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="dossiers.dossier",
                    ),
                ),
                migrations.AlterField(
                    model_name="dossierunit",
                    name="dossier",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="participants",
                        to="dossiers.dossier",
                    ),
                ),
                migrations.AlterField(
                    model_name="dossierunit",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="units.unit",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="dossier",
                    constraint=models.UniqueConstraint(
                        fields=("code",), name="dossier_code_unique"
                    ),
                ),
            ],
        )
    ]
