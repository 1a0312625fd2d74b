"""Tampering done in SQL, below Django, is found by the verifier at the first broken seq."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from egov.audit.chain import HASHED_FIELDS, compute_hash, event_hash
from egov.audit.models import AuditEvent
from egov.audit.services import audit_record, audit_verify_chain

from .conftest import is_pg, raw, set_summary, trigger_disabled

pytestmark = pytest.mark.django_db
only_pg = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="PostgreSQL only"
)


def test_update_of_summary_is_found_at_its_seq(five_events):
    set_summary(3, {"n": 3, "name": "Bước 3", "paid": True})
    result = audit_verify_chain()
    assert (result.ok, result.seq, result.reason, result.checked) == (False, 3, "hash", 2)
    assert "seq 3" in result.message


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor_label", "ke.gian"), ("action", "test.other"), ("ip", "198.51.100.7"), ("role", "x")],
)
def test_update_of_any_column_is_found(five_events, column, value):
    with trigger_disabled():
        raw(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = 4", (value,))
    result = audit_verify_chain()
    assert (result.seq, result.reason) == (4, "hash")


def test_update_of_time_is_found(five_events):
    moved = AuditEvent.objects.get(seq=2).created_at - timedelta(microseconds=1)
    with trigger_disabled():
        raw("UPDATE audit_auditevent SET created_at = %s WHERE seq = 2", (moved,))
    assert (audit_verify_chain().seq, audit_verify_chain().reason) == (2, "hash")


def test_update_with_recomputed_hash_breaks_the_next_link(five_events):
    event = AuditEvent.objects.get(seq=3)
    event.summary = {"n": 3, "forged": True}
    forged_hash = event_hash(event)
    set_summary(3, event.summary)
    with trigger_disabled():
        raw("UPDATE audit_auditevent SET hash = %s WHERE seq = 3", (forged_hash,))
    result = audit_verify_chain()
    assert (result.seq, result.reason) == (4, "prev_hash")


def test_delete_is_reported_at_the_missing_seq(five_events):
    with trigger_disabled():
        raw("DELETE FROM audit_auditevent WHERE seq = 2")
    result = audit_verify_chain()
    assert (result.ok, result.seq, result.reason, result.checked) == (False, 2, "missing", 1)


def test_delete_of_the_last_event_is_found_through_the_head(five_events):
    with trigger_disabled():
        raw("DELETE FROM audit_auditevent WHERE seq = 5")
    result = audit_verify_chain()
    assert (result.seq, result.reason) == (5, "missing")


def _insert_copy(event: AuditEvent) -> None:
    cols = ["seq", "created_at", "actor_label", "role", "unit_name", "action", "object_id"]
    cols += ["object_repr", "summary", "request_id", "user_agent", "prev_hash", "hash"]
    values = [getattr(event, c) for c in cols]
    values[cols.index("summary")] = json.dumps(event.summary)
    marks = ", ".join("CAST(%s AS jsonb)" if c == "summary" and is_pg() else "%s" for c in cols)
    raw(f"INSERT INTO audit_auditevent ({', '.join(cols)}) VALUES ({marks})", tuple(values))


def _forged(seq: int, prev_hash: str) -> AuditEvent:
    last = AuditEvent.objects.get(seq=5)
    event = AuditEvent(
        seq=seq,
        created_at=last.created_at + timedelta(seconds=1),
        action="test.forged",
        summary={"forged": True},
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    return event


def test_insert_out_of_chain_with_correct_hashes_is_found(five_events):
    # Someone who knows the algorithm appends a well-formed event, but not through the head.
    _insert_copy(_forged(6, AuditEvent.objects.get(seq=5).hash))
    result = audit_verify_chain()
    assert (result.seq, result.reason) == (6, "outside")


def test_insert_with_a_gap_is_found(five_events):
    _insert_copy(_forged(7, AuditEvent.objects.get(seq=5).hash))
    result = audit_verify_chain()
    assert (result.seq, result.reason) == (6, "missing")


def test_insert_with_a_wrong_link_is_found(five_events):
    event = _forged(6, "f" * 64)
    _insert_copy(event)
    result = audit_verify_chain()
    assert (result.seq, result.reason) == (6, "prev_hash")


def test_compute_hash_is_stable_and_sensitive(five_events):
    event = AuditEvent.objects.get(seq=1)
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    assert compute_hash(fields) == event.hash
    assert compute_hash({**fields, "seq": 2}) != event.hash
    assert compute_hash({**fields, "summary": {**event.summary, "n": 2}}) != event.hash


# --- PostgreSQL: the trigger ------------------------------------------------------------------


@only_pg
def test_trigger_refuses_update_and_delete_in_sql(five_events):
    for sql in (
        "UPDATE audit_auditevent SET action = 'x' WHERE seq = 3",
        "DELETE FROM audit_auditevent WHERE seq = 3",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw(sql)
    assert AuditEvent.objects.get(seq=3).action == "test.step"
    assert AuditEvent.objects.count() == 5
    assert audit_verify_chain().ok


# --- The command ------------------------------------------------------------------------------


def test_command_reports_ok(five_events, capsys):
    call_command("audit_verify")
    assert "OK: 5 events verified" in capsys.readouterr().out


def test_command_fails_naming_the_seq(five_events):
    set_summary(3, {"tampered": True})
    with pytest.raises(CommandError) as error:
        call_command("audit_verify", chunk_size=1)
    assert error.value.returncode == 1
    message = str(error.value)
    assert "seq 3" in message
    assert "Chuỗi nhật ký bị phá vỡ" in message and "Audit chain broken" in message


def test_command_line_exit_status(five_events, monkeypatch, capsys):
    # The command line closes connections at the end; keep the test's transaction open.
    monkeypatch.setattr(connections["default"].__class__, "close", lambda self: None)
    execute_from_command_line(["manage.py", "audit_verify"])  # returns: exit status 0
    assert "OK: 5 events verified" in capsys.readouterr().out
    with trigger_disabled():
        raw("DELETE FROM audit_auditevent WHERE seq = 2")
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "audit_verify"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "seq 2" in err and "thiếu sự kiện" in err


@only_pg
@pytest.mark.django_db(transaction=True)
def test_command_in_a_separate_process():
    for n in range(3):
        audit_record(actor=None, action="test.process", summary={"n": n})
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "EGOV_TESTING": "1"}
    manage = str(Path(settings.BASE_DIR) / "manage.py")

    def run():
        return subprocess.run(
            [sys.executable, manage, "audit_verify"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = run()
    assert done.returncode == 0, done.stderr
    assert "OK: 3 events verified" in done.stdout
    set_summary(2, {"tampered": True})
    done = run()
    assert done.returncode == 1
    assert "seq 2" in done.stderr
