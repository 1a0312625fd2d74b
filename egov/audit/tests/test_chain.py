"""audit_record writes a chained event in the caller's transaction; the chain verifies; the
model refuses changes."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal

import pytest
from django.db import transaction

from egov.accounts.models import Role
from egov.audit.chain import HASHED_FIELDS, event_hash
from egov.audit.context import audit_context, current
from egov.audit.models import ZERO_HASH, AuditChainHead, AuditEvent, AuditLogImmutable
from egov.audit.services import audit_record, audit_verify_chain, normalise_summary

pytestmark = pytest.mark.django_db


def test_hash_covers_every_stored_field_but_itself():
    stored = {f.attname for f in AuditEvent._meta.concrete_fields}
    assert set(HASHED_FIELDS) == stored - {"hash"}


def test_events_form_a_gap_free_chain(five_events):
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == ZERO_HASH
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    for event in events:
        assert event.hash == event_hash(event) and len(event.hash) == 64
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (5, events[-1].hash)
    result = audit_verify_chain(chunk_size=2)
    assert result.ok and result.checked == 5
    assert result.message.startswith("OK: 5 events verified")


def test_empty_chain_verifies():
    result = audit_verify_chain()
    assert result.ok and result.checked == 0


def test_event_records_who_what_where(make_official, commune_a):
    officer = make_official(Role.UNIT_ADMIN, commune_a, username="cb.an")
    with audit_context(
        ip="2001:DB8::1", user_agent="Firefox", request_id="r-1", role=Role.UNIT_ADMIN
    ):
        event = audit_record(
            actor=officer,
            action="unit.update",
            target=commune_a,
            unit=commune_a,
            summary={"name": ["Xã Cũ", "Xã An Hòa"]},
        )
    event = AuditEvent.objects.get(seq=event.seq)
    assert event.actor_id == officer.pk and event.actor_label == "cb.an"
    assert event.role == Role.UNIT_ADMIN
    assert (event.unit_id, event.unit_name) == (commune_a.pk, "Xã An Hòa")
    assert event.content_type.model == "unit"
    assert (event.object_id, event.object_repr) == (str(commune_a.pk), "Xã An Hòa")
    assert event.summary == {"name": ["Xã Cũ", "Xã An Hòa"]}
    assert event.ip == "2001:db8::1"
    assert (event.user_agent, event.request_id) == ("Firefox", "r-1")
    assert event.created_at.utcoffset().total_seconds() == 0
    assert event.created_at.tzinfo is not None
    assert audit_verify_chain().ok


def test_role_argument_wins_over_context_and_anonymous_counts_as_system():
    from django.contrib.auth.models import AnonymousUser

    with audit_context(role="leader"):
        event = audit_record(actor=AnonymousUser(), action="x.y", role="clerk")
    assert (event.actor_id, event.actor_label, event.role) == (None, "", "clerk")
    assert current().role == ""  # the context is gone after the block


def test_awkward_summaries_round_trip_and_verify():
    summary = {
        "date": date(2025, 7, 1),
        "fee": Decimal("15000"),
        "pair": (1, 2),
        "nul": "a\x00b",
        "surrogate": "x\udcffy",
        "big": 1e20,
        "nan": float("nan"),
        "half": 0.5,
        3: "int key",
        "nested": {"list": [None, True, "Đ"]},
        "<script>": "alert(1)",
    }
    event = audit_record(actor=None, action="test.awkward", summary=summary)
    stored = AuditEvent.objects.get(seq=event.seq).summary
    assert stored == normalise_summary(summary)
    assert stored["date"] == "2025-07-01" and stored["pair"] == [1, 2]
    assert stored["nul"] == "a\ufffdb" and stored["surrogate"] == "x?y"
    assert stored["big"] == "1e+20" and stored["nan"] == "nan" and stored["half"] == 0.5
    assert stored["3"] == "int key"
    assert audit_verify_chain().ok


def test_oversized_text_is_cut_and_chain_holds():
    event = audit_record(actor=None, action="a" * 500, summary={"v": "x" * 50_000})
    stored = AuditEvent.objects.get(seq=event.seq)
    assert len(stored.action) == 64 and len(stored.summary["v"]) == 10_000
    assert audit_verify_chain().ok


def test_rolled_back_change_leaves_no_event_and_no_gap():
    audit_record(actor=None, action="test.one")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="test.lost")
        raise RuntimeError("the change fails")
    event = audit_record(actor=None, action="test.two")
    assert event.seq == 2
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.two", "test.one"]
    assert audit_verify_chain().ok


def test_head_row_is_recreated_if_missing():
    AuditChainHead.objects.all().delete()
    event = audit_record(actor=None, action="test.first")
    assert (event.seq, event.prev_hash) == (1, ZERO_HASH)
    assert audit_verify_chain().ok


def test_deleting_a_user_keeps_who_it_was(make_user):
    user = make_user(username="se.bi.xoa")
    audit_record(actor=user, action="test.by_user")
    user_pk = user.pk
    user.delete()
    event = AuditEvent.objects.get()
    assert (event.actor_id, event.actor_label) == (user_pk, "se.bi.xoa")
    assert audit_verify_chain().ok


def test_model_refuses_changes(five_events):
    event = AuditEvent.objects.get(seq=3)
    event.summary = {"forged": True}
    with pytest.raises(AuditLogImmutable):
        event.save()
    with pytest.raises(AuditLogImmutable):
        event.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEvent.objects.filter(seq=3).update(summary={"forged": True})
    with pytest.raises(AuditLogImmutable):
        AuditEvent.objects.filter(seq=3).delete()
    with pytest.raises(AuditLogImmutable):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditLogImmutable):
        AuditEvent.objects.bulk_create([AuditEvent(seq=99, action="x")])
    with pytest.raises(AuditLogImmutable):
        AuditEvent.objects.update_or_create(seq=3, defaults={"action": "x"})
    assert AuditEvent.objects.count() == 5
    assert AuditEvent.objects.get(seq=3).summary == {"n": 3, "name": "Bước 3"}
    assert audit_verify_chain().ok


def test_event_time_is_stored_in_utc(five_events):
    event = AuditEvent.objects.get(seq=1)
    assert event.created_at.tzinfo is not None
    assert event.created_at.astimezone(UTC) == event.created_at
