"""Writing and verifying the audit trail.

`audit_record` appends one event inside the caller's transaction (it opens one only when called
outside any): if the change is rolled back, so is the event, and the sequence stays gap-free.
Writers lock the single chain-head row, so appends are serialised on every database.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.db.models import Field
from django.utils import timezone

from egov.audit.chain import HASHED_FIELDS, canonical_parts, event_hash
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


def _move_head(event: AuditEvent) -> rows.Also:
    """The head's update, to run with the event's insert (databases other than PostgreSQL)."""
    connection = connections[router.db_for_write(AuditChainHead)]
    table = connection.ops.quote_name(_HEAD)
    sql = f"UPDATE {table} SET seq = %s, hash = %s, prev_hash = %s WHERE id = 1"  # noqa: S608
    return sql, [event.seq, event.hash, event.prev_hash]


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    unit: Any = None,
    summary: dict[str, Any] | None = None,
    role: str = "",
    also: Sequence[rows.Also] = (),
) -> AuditEvent:
    """Append one audit event to the chain, in the caller's transaction.

    `actor` is the user who acted (None for the system), `role` the role they acted in (defaults
    to the request's audit context), `target` the changed object, `unit` the unit it belongs to,
    `summary` what changed (e.g. {"name": [old, new]}). `also`: the change's own last writes
    (`rows.insertion`, e.g. the dossier's history row), sent with the event: on PostgreSQL the
    change's history, the head's move and the event are one statement.

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
    event = AuditEvent(
        created_at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        actor_label=_text(actor.get_username(), 150) if actor is not None else "",
        role=_text(role or ctx.role, 32),
        unit_id=unit.pk if unit is not None else None,
        unit_name=_text(unit.name, 255) if unit is not None else "",
        action=_text(action, 64),
        content_type_id=content_type_id,
        object_id=object_id,
        object_repr=object_repr,
        summary=normalise_summary(summary),
        ip=_ip(ctx.ip),
        request_id=_text(ctx.request_id, 64),
        user_agent=_text(ctx.user_agent, 200),
    )
    connection = connections[router.db_for_write(AuditEvent)]
    # No savepoint of its own (two round trips fewer per audited change): an event that cannot be
    # written fails the caller's whole transaction, which is what the trail needs anyway.
    with transaction.atomic(using=connection.alias, savepoint=False):
        if connection.vendor == "postgresql":
            _append(connection, event, also)
        else:
            event.seq, event.prev_hash = _lock_head()
            event.seq += 1
            event.hash = event_hash(event)
            # AuditEvent.save() only ever inserts: this is the same INSERT
            rows.insert(event, also=[*also, _move_head(event)])
    return event


# The event's columns that the statement fills from the chain head.
_CHAINED = ("seq", "prev_hash", "hash")
_APPENDS: dict[tuple, tuple[str, list[Field]]] = {}


def _append(connection: Any, event: AuditEvent, also: Sequence[rows.Also]) -> None:
    """PostgreSQL: move the head and insert `event` (and `also`) in one statement. The head's
    UPDATE computes the new hash from the head it finds (`canonical_parts`), after waiting for
    any other writer's commit, as `SELECT ... FOR UPDATE` did, and keeps the row locked until
    this transaction ends."""
    sql, fields = _append_statement(connection, also)
    values = {name: getattr(event, name) for name in HASHED_FIELDS if name not in _CHAINED}
    parts = canonical_parts(values)
    params = [
        *(value for write in also for value in write[1]),
        *parts,
        *(f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:  # no head row (deleted by hand): make it, then append without `also`
            AuditChainHead.objects.get_or_create(pk=1)
            sql, fields = _append_statement(connection, ())
            cursor.execute(sql, params[sum(len(write[1]) for write in also) :])
            row = cursor.fetchone()
    event.seq, event.prev_hash, event.hash = row
    event._state.adding = False
    event._state.db = connection.alias


def _append_statement(connection: Any, also: Sequence[rows.Also]) -> tuple[str, list[Field]]:
    key = (connection.alias, tuple(write[0] for write in also))
    found = _APPENDS.get(key)
    if found is not None:
        return found
    meta = AuditEvent._meta
    q = connection.ops.quote_name
    fields = [f for f in meta.local_concrete_fields if f.attname not in _CHAINED]
    # typed, as INSERT ... SELECT does not type its parameters by the columns
    values = ", ".join(f"%s::{_sql_type(f, connection)}" for f in fields)
    digest = (
        "encode(sha256(%s::bytea || convert_to(hash, 'UTF8') || %s::bytea"
        " || convert_to((seq + 1)::text, 'UTF8') || %s::bytea), 'hex')"
    )
    writes = [f"also{i} AS ({write[0]})" for i, write in enumerate(also)]
    move = f"UPDATE {q(_HEAD)} SET prev_hash = hash, seq = seq + 1, hash = {digest} WHERE id = 1"  # noqa: S608
    writes.append(f"head AS ({move} RETURNING seq, prev_hash, hash)")
    sql = (
        f"WITH {', '.join(writes)} "  # noqa: S608 (names from the models; values are parameters)
        f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}, seq, "
        f"prev_hash, hash) SELECT {values}, head.seq, head.prev_hash, head.hash FROM head "
        "RETURNING seq, prev_hash, hash"
    )
    found = _APPENDS[key] = (prepared(sql), fields)
    return found


def _sql_type(field: Field, connection: Any) -> str:
    """A parameter's type: text for text columns (the value is cut to size beforehand; a cast
    to varchar(n) would cut it silently), the column's own type otherwise."""
    if field.get_internal_type() in ("CharField", "TextField"):
        return "text"
    return field.db_type(connection)


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
