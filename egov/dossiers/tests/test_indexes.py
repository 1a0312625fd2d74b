"""The indexes of the tables every dossier change writes (migrations dossiers 0008, audit 0003,
notifications 0002): each index is one more entry written per changed row, so none may repeat
the first column of another, and every foreign key still begins one (its checks and cascades
read it)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from egov.audit.models import AuditEvent
from egov.dossiers.models import Dossier, DossierEvent, DossierUnit
from egov.notifications.models import Notification

pytestmark = pytest.mark.django_db

WRITTEN_ON_EVERY_CHANGE = [Dossier, DossierUnit, DossierEvent, AuditEvent, Notification]


def _indexes(model) -> dict[str, dict]:
    """Each index of the model's table: its columns (None for an expression) and uniqueness."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Django's introspection cannot read this table's definition on SQLite
            cursor.execute(f'PRAGMA index_list("{table}")')
            found = {}
            for _seq, name, unique, origin, _partial in cursor.fetchall():
                cursor.execute(f'PRAGMA index_info("{name}")')
                columns = [column for _n, _cid, column in cursor.fetchall()]
                found[name] = {"columns": columns, "unique": bool(unique), "pk": origin == "pk"}
            return found
        found = connection.introspection.get_constraints(cursor, table)
    return {
        name: {"columns": c["columns"], "unique": c["unique"], "pk": c["primary_key"]}
        for name, c in found.items()
        if c["index"] or c["unique"]
    }


@pytest.mark.parametrize("model", WRITTEN_ON_EVERY_CHANGE, ids=lambda m: m.__name__)
def test_no_index_is_the_first_column_of_another_alone(model):
    indexes = _indexes(model)
    leading = {}
    for name, c in indexes.items():
        if c["columns"] and c["columns"][0] is not None:
            leading.setdefault(c["columns"][0], []).append((name, c))
    redundant = [
        name
        for column, group in leading.items()
        for name, c in group
        if c["columns"] == [column]
        and not c["unique"]
        and not c["pk"]
        and any(len(other["columns"]) > 1 for _name, other in group)
    ]
    assert redundant == [], f"{model.__name__}: {redundant} repeat a longer index's first column"


@pytest.mark.parametrize("model", [Dossier, DossierUnit, DossierEvent], ids=lambda m: m.__name__)
def test_every_foreign_key_begins_an_index(model):
    leading = {c["columns"][0] for c in _indexes(model).values() if c["columns"]}
    keys = [f.column for f in model._meta.concrete_fields if f.is_relation and f.db_constraint]
    assert keys, model
    assert [k for k in keys if k not in leading] == []


def test_the_dossier_code_stays_unique(world):
    from egov.dossiers import services

    a = services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)
    b = services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)
    Dossier.objects.filter(pk=a.pk).update(code="99001-261124-0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.filter(pk=b.pk).update(code="99001-261124-0001")
    assert Dossier.objects.get(pk=b.pk).code is None


def test_the_audit_log_is_searched_through_its_own_indexes():
    """The two filters of the audit page that an index can serve: an action's beginning and an
    account in any case (on PostgreSQL; SQLite folds case in LIKE without an index)."""
    if connection.vendor != "postgresql":
        pytest.skip("expression and pattern indexes: PostgreSQL")
    indexes = _indexes(AuditEvent)
    assert indexes["audit_action"]["columns"] == ["action"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'audit_actor_label_upper'"
        )
        (definition,) = cursor.fetchone()
    assert "upper((actor_label)::text)" in definition


def test_no_audit_index_holds_the_hash():
    """Random values: each event would write at a random page of an index growing with the log,
    and nothing reads an event by its hash."""
    columns = [c["columns"] for c in _indexes(AuditEvent).values()]
    assert ["seq"] in columns  # the chain's order, read by the check
    assert not any("hash" in (c or []) for c in columns)


def test_role_queues_are_read_and_searched_from_their_index():
    """Migration 0009 (PostgreSQL): the open dossiers' index holds the assignee and the search
    key beside its key columns, so that a role queue, searched or not, is read from the index
    alone; the trigram index no query used is gone. SQLite: the key columns only."""
    indexes = _indexes(Dossier)
    open_at = indexes["dossier_open_at"]["columns"]
    assert open_at[:4] == ["current_unit_id", "current_role", "due_at", "id"]
    assert "dossier_search_trgm" not in indexes
    if connection.vendor != "postgresql":
        assert len(open_at) == 4
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'dossier_open_at'")
        (definition,) = cursor.fetchone()
    assert "INCLUDE (current_assignee_id, search_key)" in definition
    assert "WHERE" in definition  # still open dossiers only


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT setting")
def test_the_database_runs_without_jit():
    """Migration 0010 (PostgreSQL): JIT compilation is off for the database, in every new
    session (a pooler's too) and in the migrating one; a session may still turn it on."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.setconfig FROM pg_db_role_setting AS s JOIN pg_database AS d"
            " ON d.oid = s.setdatabase WHERE d.datname = current_database() AND s.setrole = 0"
        )
        (settings,) = cursor.fetchone()
        cursor.execute("SHOW jit")
        (now,) = cursor.fetchone()
    assert "jit=off" in settings
    assert now == "off"
