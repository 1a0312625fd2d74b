"""The PostgreSQL backend's health check (egov/core/postgresql/base.py): a kept connection that
is idle and quiet is used without a round trip; one the server closed, or one with something
waiting on its socket, goes through Django's own check."""

from __future__ import annotations

import time

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's health check"),
]


def _second_connection():
    """Another connection to the test database, in autocommit, as a worker keeps one."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


kept = pytest.fixture(_second_connection, name="kept")
observer = pytest.fixture(_second_connection, name="observer")


def _run(wrapper, sql, params=None):
    with wrapper.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def _last_query(observer, pid) -> str:
    rows = _run(observer, "SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
    return rows[0][0]


def _until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the server's message never arrived"
        time.sleep(0.02)


def test_an_idle_quiet_connection_is_usable_without_asking_the_server(kept, observer):
    pid = kept.connection.info.backend_pid
    _run(kept, "SELECT 42")
    assert kept.is_usable()
    assert _last_query(observer, pid) == "SELECT 42"  # Django's check would have sent SELECT 1


def test_a_connection_the_server_ended_is_not_usable_and_is_replaced(kept, observer):
    pid = kept.connection.info.backend_pid
    assert _run(observer, "SELECT pg_terminate_backend(%s)", [pid]) == [(True,)]
    _until(lambda: not kept._quiet_and_idle())
    assert not kept.is_usable()
    kept.health_check_enabled, kept.health_check_done = True, False
    kept.close_if_health_check_failed()
    assert kept.connection is None  # closed: the next query opens a new one
    kept.ensure_connection()
    assert _run(kept, "SELECT 1") == [(1,)]
    assert kept.connection.info.backend_pid != pid


def test_something_waiting_on_the_socket_sends_it_through_djangos_check(kept, observer):
    pid = kept.connection.info.backend_pid
    _run(kept, "LISTEN egov_health_check_test")
    _run(observer, "NOTIFY egov_health_check_test")
    _until(lambda: not kept._quiet_and_idle())
    assert kept.is_usable()  # a notification is no fault: the server answered SELECT 1
    assert _last_query(observer, pid) == "SELECT 1"


def test_a_connection_inside_a_transaction_is_asked(kept, observer):
    pid = kept.connection.info.backend_pid
    kept.set_autocommit(False)
    _run(kept, "SELECT 42")
    assert kept.is_usable()
    assert _last_query(observer, pid) == "SELECT 1"
    kept.rollback()
    kept.set_autocommit(True)
