"""On PostgreSQL, the statements marked in egov.core.prepared are prepared on each connection
and planned once; no other is, however often it runs (EGOV_PG_PREPARED, on by default)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from egov.core.workflow import lock_query, locked_for_transition
from egov.dossiers.models import Dossier

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own statements"),
]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_dossier_a_transition_locks_is_prepared_after_a_few_runs(world):
    from egov.dossiers import services

    dossier = services.draft_create(
        actor=world.citizen, procedure=world.procedure, unit=world.commune
    )
    query = lock_query(Dossier.objects.select_related("receiving_unit"))
    for _ in range(6):
        with transaction.atomic():
            locked = locked_for_transition(
                query, dossier.pk, expected_version=None, version_field="row_version"
            )
            assert locked.pk == dossier.pk
    assert any('FROM "dossiers_dossier"' in sql and "FOR UPDATE" in sql for sql in _prepared()), (
        _prepared()
    )


def test_parameters_are_bound_by_the_server():
    options = connection.settings_dict["OPTIONS"]
    assert options.get("server_side_binding") is True and options.get("prepare_threshold") == 5


def test_a_statement_not_marked_is_never_prepared(world):
    for _ in range(8):
        assert Dossier.objects.filter(state="returned", receiving_unit=world.commune).count() >= 0
    assert not any("COUNT(*)" in sql for sql in _prepared()), _prepared()
