"""Writing and verifying the audit trail.

`audit_record` appends one event inside the caller's transaction (it opens one only when called
outside any): if the change is rolled back, so is the event, and the sequence stays gap-free.
Writers lock the single chain-head row, so appends are serialised on every database.
"""

from __future__ import annotations

import ipaddress
import json
import math
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.utils import timezone

from egov.audit.chain import event_hash
from egov.audit.context import current
from egov.audit.models import ZERO_HASH, AuditChainHead, AuditEvent
from egov.core import rows
from egov.core.prepared import prepared

# Floats this large come back from PostgreSQL jsonb as integers; keep them as text.
_FLOAT_LIMIT = 1e15


def _text(value: Any, limit: int) -> str:
    """A string that every database stores as given: no NUL, no lone surrogates, cut to size."""
    text = str(value) if value is not None else ""
    text = text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    return text[:limit]


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _clean_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {_text(k, 200): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, str):
        return _text(value, 10_000)
    if isinstance(value, float) and (not math.isfinite(value) or abs(value) >= _FLOAT_LIMIT):
        return repr(value)
    return value


def normalise_summary(summary: Any) -> dict[str, Any]:
    """The summary as it will read back from the database (plain JSON types only), so that the
    hash computed now matches the hash computed by the verifier later."""
    if summary is None:
        return {}
    if not isinstance(summary, dict):
        summary = {"value": summary}
    # One round trip through JSON turns dates, decimals, tuples ... into their JSON form.
    plain = json.loads(json.dumps(summary, cls=_Encoder))
    return _clean_json(plain)


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


# The chain head is read and written by every audited change: fixed SQL, not a queryset built
# and compiled each time (the append was a tenth of a transition's samples, mostly building SQL).
_HEAD = AuditChainHead._meta.db_table


def _lock_head() -> tuple[int, str]:
    """The end of the chain (seq, hash), locked until the caller's transaction ends."""
    connection = connections[router.db_for_write(AuditChainHead)]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = prepared(f"SELECT seq, hash FROM {connection.ops.quote_name(_HEAD)} WHERE id = 1{lock}")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
        if row is None:
            AuditChainHead.objects.get_or_create(pk=1)
            cursor.execute(sql)
            row = cursor.fetchone()
    return row[0], row[1]


def _move_head(seq: int, hash_: str) -> rows.Also:
    """The head's update, to run with the event's insert (one round trip on PostgreSQL)."""
    connection = connections[router.db_for_write(AuditChainHead)]
    table = connection.ops.quote_name(_HEAD)
    return f"UPDATE {table} SET seq = %s, hash = %s WHERE id = 1", [seq, hash_]  # noqa: S608


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    unit: Any = None,
    summary: dict[str, Any] | None = None,
    role: str = "",
) -> AuditEvent:
    """Append one audit event to the chain, in the caller's transaction.

    `actor` is the user who acted (None for the system), `role` the role they acted in (defaults
    to the request's audit context), `target` the changed object, `unit` the unit it belongs to,
    `summary` what changed (e.g. {"name": [old, new]}).

    The chain head stays locked until the caller's transaction ends, so every other writer waits
    for it: call this as the last write of the transaction, after locking and changing the rows
    (locking more rows after it invites deadlocks), and keep slow work out of that transaction.
    """
    ctx = current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None  # an anonymous visitor acts as nobody in particular
    content_type_id = None
    object_id = object_repr = ""
    if target is not None:
        content_type_id = ContentType.objects.get_for_model(target).pk
        object_id = _text(target.pk, 64)
        object_repr = _text(target, 200)
    fields: dict[str, Any] = {
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": _text(actor.get_username(), 150) if actor is not None else "",
        "role": _text(role or ctx.role, 32),
        "unit_id": unit.pk if unit is not None else None,
        "unit_name": _text(unit.name, 255) if unit is not None else "",
        "action": _text(action, 64),
        "content_type_id": content_type_id,
        "object_id": object_id,
        "object_repr": object_repr,
        "summary": normalise_summary(summary),
        "ip": _ip(ctx.ip),
        "request_id": _text(ctx.request_id, 64),
        "user_agent": _text(ctx.user_agent, 200),
    }
    # No savepoint of its own (two round trips fewer per audited change): an event that cannot be
    # written fails the caller's whole transaction, which is what the trail needs anyway.
    with transaction.atomic(savepoint=False):
        seq, prev_hash = _lock_head()
        event = AuditEvent(seq=seq + 1, created_at=timezone.now(), prev_hash=prev_hash, **fields)
        event.hash = event_hash(event)
        # AuditEvent.save() only ever inserts: this is the same INSERT
        rows.insert(event, also=_move_head(event.seq, event.hash))
    return event


# --- Verification ------------------------------------------------------------------------------

_REASONS = {
    "missing": (
        "thiếu sự kiện (đã bị xoá hoặc chuỗi bị cắt)",
        "event missing (deleted, or the chain was cut)",
    ),
    "prev_hash": (
        "mã băm liên kết không khớp với sự kiện trước",
        "prev_hash does not match the previous event",
    ),
    "hash": (
        "mã băm không khớp với nội dung (dữ liệu đã bị sửa)",
        "hash does not match the stored content (data altered)",
    ),
    "outside": (
        "sự kiện nằm ngoài chuỗi (sau đầu chuỗi)",
        "event outside the chain (after the chain head)",
    ),
    "head": (
        "đầu chuỗi không khớp với sự kiện cuối",
        "the chain head does not match the last event",
    ),
}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    seq: int | None = None  # the first seq at which the chain does not hold
    reason: str = ""  # one of _REASONS

    @property
    def message(self) -> str:
        if self.ok:
            return f"OK: {self.checked} events verified / đã xác minh {self.checked} sự kiện"
        vi, en = _REASONS[self.reason]
        return (
            f"Chuỗi nhật ký bị phá vỡ tại seq {self.seq}: {vi}. / "
            f"Audit chain broken at seq {self.seq}: {en}."
        )


def _read_head() -> tuple[int, str]:
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return head or (0, ZERO_HASH)


def audit_verify_chain(*, chunk_size: int = 2000) -> VerifyResult:
    """Walk the chain in seq order and report the first broken link.

    The first seq at which the chain does not hold is reported: for a deleted event, the missing
    seq; for a changed event, its own seq (hash) or, when its hash was recomputed too, the next
    one (prev_hash); for a row added after the chain head, its seq. Events appended while the walk
    runs are followed, not reported.
    """
    checked = 0
    last_seq, last_hash = 0, ZERO_HASH
    # The head is read before the walk: every event up to it was committed before the walk began.
    head_seq, head_hash = _read_head()
    while True:
        events = AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")
        for event in events.iterator(chunk_size=chunk_size):
            expected = last_seq + 1
            if event.seq != expected:
                return VerifyResult(False, checked, expected, "missing")
            if event.prev_hash != last_hash:
                return VerifyResult(False, checked, event.seq, "prev_hash")
            if event.hash != event_hash(event):
                return VerifyResult(False, checked, event.seq, "hash")
            checked += 1
            last_seq, last_hash = event.seq, event.hash
        if last_seq < head_seq:
            return VerifyResult(False, checked, last_seq + 1, "missing")
        if last_seq > head_seq:
            # Either appended since the head was read, or slipped in: the head now tells.
            head_seq, head_hash = _read_head()
            if head_seq < last_seq:
                return VerifyResult(False, checked, head_seq + 1, "outside")
            if head_seq > last_seq:
                continue  # more appended meanwhile: walk on from last_seq
        if head_hash != last_hash:
            return VerifyResult(False, checked, last_seq, "head")
        return VerifyResult(True, checked)
