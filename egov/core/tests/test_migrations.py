"""Migrations are complete and consistent (djangoproject.com's PendingMigrationsTests, for pytest).

A model change without its migration works in the test database (pytest-django migrates what is
there) and then breaks production; these guards catch it inside the suite.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState


def _egov_app_configs():
    return [config for config in apps.get_app_configs() if config.name.startswith("egov.")]


@pytest.mark.django_db
def test_no_pending_migrations():
    out = StringIO()
    try:
        call_command(
            "makemigrations", "--check", "--dry-run", stdout=out, stderr=StringIO(), no_color=True
        )
    except SystemExit:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail("Models changed without a migration:\n" + out.getvalue())


def test_every_app_with_models_has_a_migrations_package():
    """makemigrations skips apps without a migrations package instead of creating their first one."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    missing = [
        config.label
        for config in _egov_app_configs()
        if list(config.get_models()) and config.label not in loader.migrated_apps
    ]
    assert missing == [], f"apps with models but no migrations package: {missing}"


def test_migration_graph_has_one_leaf_per_app():
    """Two migrations branching from the same parent (merge conflict) must be merged first."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    conflicts = loader.detect_conflicts()
    assert conflicts == {}, f"conflicting migrations, run makemigrations --merge: {conflicts}"


@pytest.mark.django_db
def test_all_migrations_are_applied_to_the_test_database():
    loader = MigrationLoader(connection)
    plan_left = [
        key
        for key in loader.graph.leaf_nodes()
        if key[0] in {config.label for config in _egov_app_configs()}
        and key not in loader.applied_migrations
    ]
    assert plan_left == []


def test_the_autodetector_reports_a_model_missing_from_the_migrations():
    """What makemigrations --check compares is real: a model the migrations lack is a change."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migrated = loader.project_state()
    with_probe = migrated.clone()
    with_probe.add_model(
        ModelState("units", "Probe", [("id", models.BigAutoField(primary_key=True))])
    )

    changes = MigrationAutodetector(migrated, with_probe).changes(graph=loader.graph)

    assert "units" in changes
    assert changes["units"][0].operations[0].name == "Probe"
