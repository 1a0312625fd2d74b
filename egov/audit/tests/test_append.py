"""One audited change's last writes in one statement on PostgreSQL: the event, the chain head's
move (the hash computed by the database from `canonical_parts`) and the change's own rows
(`also`); the same writes one after another elsewhere. Either way the chain verifies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from egov.audit.chain import HASHED_FIELDS, canonical_bytes, canonical_parts, event_hash
from egov.audit.models import ZERO_HASH, AuditChainHead, AuditEvent
from egov.audit.services import audit_record, audit_verify_chain
from egov.core import rows
from egov.notifications.models import Notification

_text = st.text(max_size=40)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_fields = st.fixed_dictionaries(
    {
        "created_at": st.datetimes(timezones=st.just(UTC)),
        "actor_id": st.none() | st.integers(min_value=1),
        "actor_label": _text,
        "role": _text,
        "unit_id": st.none() | st.integers(min_value=1),
        "unit_name": _text,
        "action": _text,
        "content_type_id": st.none() | st.integers(min_value=1),
        "object_id": _text,
        "object_repr": _text,
        "summary": st.dictionaries(_text, _json, max_size=4),
        "ip": st.none() | st.just("2001:db8::1") | st.just("10.0.0.1"),
        "request_id": _text,
        "user_agent": _text,
    }
)


@settings(max_examples=300, deadline=None)
@given(
    fields=_fields,
    seq=st.integers(min_value=1, max_value=2**63 - 1),
    prev=st.sampled_from([ZERO_HASH, "ab" * 32, "0123456789abcdef" * 4]),
)
def test_the_parts_around_seq_and_prev_hash_make_the_canonical_bytes(fields, seq, prev):
    a, b, c = canonical_parts(fields)
    whole = {**fields, "seq": seq, "prev_hash": prev}
    assert set(whole) == set(HASHED_FIELDS)
    assert a + prev.encode() + b + str(seq).encode() + c == canonical_bytes(whole)


def _message(recipient: str) -> Notification:
    return Notification(channel="email", recipient=recipient, subject="Hồ sơ", body="Đã nộp")


@pytest.mark.django_db
def test_the_event_the_head_and_the_change_s_rows_in_one_statement_on_postgresql():
    audit_record(actor=None, action="test.before")
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        event = audit_record(
            actor=None,
            action="test.with_rows",
            summary={"tên": "Nguyễn Thị Lan", "số": 3},
            also=[rows.insertion(_message("a@example.vn")), rows.insertion(_message("b@x.vn"))],
        )
    # elsewhere: the head's read, the two rows, the head's move, the event
    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 5)
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == [
        "a@example.vn",
        "b@x.vn",
    ]
    stored = AuditEvent.objects.get(seq=event.seq)
    before = AuditEvent.objects.get(action="test.before")
    assert (stored.seq, stored.prev_hash, stored.hash) == (event.seq, event.prev_hash, event.hash)
    assert stored.prev_hash == before.hash and stored.hash == event_hash(stored)
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash, head.prev_hash) == (stored.seq, stored.hash, before.hash)
    assert audit_verify_chain().ok


@pytest.mark.django_db
def test_a_failing_row_takes_the_event_and_the_head_s_move_with_it():
    first = audit_record(actor=None, action="test.first")
    broken = _message("c@example.vn")
    broken.body = None  # NOT NULL
    with pytest.raises(IntegrityError), transaction.atomic():
        audit_record(actor=None, action="test.lost", also=[rows.insertion(broken)])
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.first"]
    assert not Notification.objects.exists()
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (first.seq, first.hash)
    after = audit_record(actor=None, action="test.after")
    assert (after.seq, after.prev_hash) == (first.seq + 1, first.hash)
    assert audit_verify_chain().ok


@pytest.mark.django_db
def test_a_missing_head_is_made_and_the_change_s_rows_are_written_once():
    AuditChainHead.objects.all().delete()
    event = audit_record(
        actor=None, action="test.first", also=[rows.insertion(_message("d@example.vn"))]
    )
    assert (event.seq, event.prev_hash) == (1, ZERO_HASH)
    assert Notification.objects.filter(recipient="d@example.vn").count() == 1
    assert AuditEvent.objects.get().hash == event.hash
    assert audit_verify_chain().ok


@pytest.mark.django_db
def test_the_database_s_hash_is_the_verifier_s_for_awkward_text():
    at = datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
    for text in ('Đắk Lắk "ngoặc" \\ /', "tab\tnewline\n", "\u2028 emoji 🇻🇳", "'; DROP --"):
        event = audit_record(actor=None, action=text[:64], summary={text: [text, at]})
        assert AuditEvent.objects.get(seq=event.seq).hash == event.hash
    assert audit_verify_chain().ok
