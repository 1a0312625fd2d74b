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
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def compute_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


def event_hash(event: Any) -> str:
    """The hash an event should carry, computed from its stored fields."""
    return compute_hash({name: getattr(event, name) for name in HASHED_FIELDS})
