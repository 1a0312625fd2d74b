"""The worker keeps its database connection from one task to the next, as a web process keeps
it from one request to the next; one that is too old or broken is closed (issue 5: a new
PostgreSQL backend per message cost more than sending it)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from egov.celery import _close_old_connections, app

pytestmark = pytest.mark.django_db(transaction=True)

# The in-memory SQLite test database is never closed (it would be lost): closing is checked on
# PostgreSQL, in CI's second run.
closes_connections = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the in-memory SQLite test database stays open"
)
WORKER_TASK = SimpleNamespace(request=SimpleNamespace(is_eager=False))


def _around_tasks(fixup: DjangoWorkerFixup, count: int) -> None:
    for _ in range(count):
        fixup.on_task_prerun(WORKER_TASK)
        _close_old_connections(task=WORKER_TASK)
        fixup.on_task_postrun(WORKER_TASK)
        _close_old_connections(task=WORKER_TASK)


def test_the_connection_outlives_the_tasks():
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 600  # CONN_MAX_AGE of a deployment
    raw = connection.connection
    _around_tasks(DjangoWorkerFixup(app), 5)
    assert connection.connection is raw
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@closes_connections
def test_a_connection_past_its_age_is_closed_after_a_task():
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1
    _around_tasks(DjangoWorkerFixup(app), 1)
    assert connection.connection is None


@closes_connections
def test_a_connection_left_in_a_transaction_is_closed():
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 600
    connection.set_autocommit(False)  # a task that died inside its transaction
    _close_old_connections(task=WORKER_TASK)
    assert connection.connection is None
    assert connection.get_autocommit()


def test_an_eager_task_leaves_the_callers_connection_alone():
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1
    raw = connection.connection
    _close_old_connections(task=SimpleNamespace(request=SimpleNamespace(is_eager=True)))
    assert connection.connection is raw
