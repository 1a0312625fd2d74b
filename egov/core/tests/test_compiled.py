"""CompiledQuery answers what its queryset answers, compiling the SQL once per connection."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, F
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from egov.core.compiled import CompiledQuery
from egov.core.errors import Conflict, NotFound
from egov.core.workflow import lock_query, locked_for_transition
from egov.units.models import Unit


def _units(pk):
    return (
        Unit.objects.select_related("parent")
        .annotate(n_children=Count("children"), twice=F("id") * 2)
        .filter(pk=pk)
    )


@pytest.fixture
def compiles(monkeypatch):
    """How many times Django compiles a SELECT."""
    calls = []
    real = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        calls.append(self.query.model)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return calls


@pytest.mark.django_db
def test_rows_are_those_of_the_queryset_and_the_sql_is_built_once(
    province, commune_a, commune_b, compiles
):
    query = CompiledQuery(_units)
    for unit in (commune_a, commune_b, province, commune_a):
        [got] = query.fetch(unit.pk)
        [expected] = list(_units(unit.pk))
        assert (got.pk, got.name, got.code, got.path) == (
            expected.pk,
            expected.name,
            expected.code,
            expected.path,
        )
        assert (got.n_children, got.twice) == (expected.n_children, unit.pk * 2)
        assert got._state.db == "default" and not got._state.adding
    # the related row came with it: reading it costs no query
    [commune] = query.fetch(commune_a.pk)
    with CaptureQueriesContext(connection) as ctx:
        assert commune.parent.name == "Tỉnh Thử Nghiệm"
    assert ctx.captured_queries == []
    assert commune.n_children == 0 and query.fetch(province.pk)[0].n_children == 2
    # one compile for the compiled query; the plain querysets above compiled each time (4)
    assert compiles.count(Unit) == 1 + 4
    assert query.fetch(10**12) == []


@pytest.mark.django_db
def test_a_key_that_appears_twice_is_run_as_the_plain_queryset(commune_a, compiles):
    query = CompiledQuery(lambda pk: Unit.objects.filter(pk=pk, parent__isnull=False, id__gte=pk))
    assert [u.pk for u in query.fetch(commune_a.pk)] == [commune_a.pk]
    assert [u.pk for u in query.fetch(commune_a.pk)] == [commune_a.pk]
    assert len(compiles) == 3  # the trial, then each fetch builds its queryset


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused_as_django_refuses_it(commune_a):
    query = lock_query(Unit.objects.all())
    with transaction.atomic():
        assert locked_for_transition(query, commune_a.pk, expected_version=None) == commune_a
    with pytest.raises(TransactionManagementError):
        query.fetch(commune_a.pk)


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="the in-memory SQLite test database is one connection shared by the threads",
)
@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_on_its_own_connection(commune_a, commune_b):
    query = lock_query(Unit.objects.select_related("parent"))
    seen, errors = {}, []

    def worker(unit):
        try:
            with transaction.atomic():
                row = locked_for_transition(query, unit.pk, expected_version=None)
                seen[unit.pk] = (row.name, row.parent.name, id(connections["default"]))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        locked_for_transition(query, commune_a.pk, expected_version=None)
    threads = [threading.Thread(target=worker, args=(u,)) for u in (commune_a, commune_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {pk: v[:2] for pk, v in seen.items()} == {
        commune_a.pk: ("Xã An Hòa", "Tỉnh Thử Nghiệm"),
        commune_b.pk: ("Xã Bình Minh", "Tỉnh Thử Nghiệm"),
    }
    assert len({v[2] for v in seen.values()} | {id(connections["default"])}) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["abc", None, "", -1, 0, 2**63, "1; drop table x"])
def test_a_key_no_row_can_have_is_not_found(commune_a, key):
    query = lock_query(Unit.objects.all())
    with pytest.raises(NotFound):
        locked_for_transition(query, key, expected_version=None)


@pytest.mark.django_db
def test_a_stale_version_is_a_conflict(commune_a):
    query = lock_query(Unit.objects.all())
    with pytest.raises(Conflict) as exc:
        locked_for_transition(query, commune_a.pk, expected_version=-5, version_field="id")
    assert exc.value.code == "stale_version"
