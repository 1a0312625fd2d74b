"""The hash chain: canonical serialisation of an event and its SHA-256.

hash = SHA-256 of the UTF-8 bytes of sorted-key, compact JSON holding every stored field of the
event except `hash` itself (so `seq` and `prev_hash` are covered); datetimes are written in UTC,
ISO 8601 with microseconds. Changing any of these fields changes the hash.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "role",
    "unit_id",
    "unit_name",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "summary",
    "ip",
    "request_id",
    "user_agent",
    "prev_hash",
)


def _iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    data = {name: fields[name] for name in HASHED_FIELDS}
    data["created_at"] = _iso_utc(data["created_at"])
    return _dumps(data).encode("utf-8")


def _members(data: dict[str, Any], names: list[str]) -> str:
    """The JSON object's members `names`, as `canonical_bytes` writes them, without braces."""
    return _dumps({name: data[name] for name in names})[1:-1]


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def canonical_parts(fields: dict[str, Any]) -> tuple[bytes, bytes, bytes]:
    """`canonical_bytes` around the two fields known only at the end of the chain: for every
    `seq` and `prev_hash` (a hex digest), canonical_bytes(fields with them) ==
    a + prev_hash + b + str(seq) + c. PostgreSQL joins them with the chain head's values in the
    statement that moves the head (`audit_record`), so the head is read and moved in one round
    trip."""
    data = {name: fields[name] for name in HASHED_FIELDS if name not in ("seq", "prev_hash")}
    data["created_at"] = _iso_utc(data["created_at"])
    names = sorted(data)
    before = [name for name in names if name < "prev_hash"]
    between = [name for name in names if "prev_hash" < name < "seq"]
    after = [name for name in names if name > "seq"]
    a = "{" + (f"{_members(data, before)}," if before else "") + '"prev_hash":"'
    b = '",' + (f"{_members(data, between)}," if between else "") + '"seq":'
    c = (f",{_members(data, after)}" if after else "") + "}"
    return a.encode("utf-8"), b.encode("utf-8"), c.encode("utf-8")


def compute_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


def event_hash(event: Any) -> str:
    """The hash an event should carry, computed from its stored fields."""
    return compute_hash({name: getattr(event, name) for name in HASHED_FIELDS})
