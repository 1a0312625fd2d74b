"""Helpers for the audit tests: raw SQL tampering that works on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from django.db import connection

from egov.audit.context import audit_context
from egov.audit.services import audit_record


def is_pg() -> bool:
    return connection.vendor == "postgresql"


def raw(sql: str, params: tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def json_placeholder() -> str:
    return "CAST(%s AS jsonb)" if is_pg() else "%s"


@contextmanager
def trigger_disabled():
    """What a database superuser can do on PostgreSQL; SQLite has no trigger to disable."""
    if is_pg():
        raw("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_immutable")
    try:
        yield
    finally:
        if is_pg():
            raw("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_immutable")


def set_summary(seq: int, summary: dict) -> None:
    with trigger_disabled():
        raw(
            f"UPDATE audit_auditevent SET summary = {json_placeholder()} WHERE seq = %s",
            (json.dumps(summary), seq),
        )


@pytest.fixture
def five_events(db):
    """Events 1..5 written by the system."""
    with audit_context(ip="192.0.2.10", request_id="test"):
        return [
            audit_record(actor=None, action="test.step", summary={"n": n, "name": f"Bước {n}"})
            for n in range(1, 6)
        ]
