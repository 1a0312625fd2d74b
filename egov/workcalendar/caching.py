"""Process-local cache of built calendars, invalidated when exceptions or office hours change.

Each process keeps one `WorkCalendar` per scope chain (the unit and its ancestors); a calendar keeps
the years it has loaded, so the cache is per (unit, year). A change made in this process clears the
cache at once (and again after commit, so that no reader caches the state before the commit). Other
processes learn of it through a token in Django's shared cache (Redis in production), which each
process compares with its own at most every `RECHECK_SECONDS`: a change reaches every process
within that time without a cache round trip on every deadline computed.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction

TOKEN_KEY = "egov:workcalendar:token"
RECHECK_SECONDS = 1.0

_lock = threading.Lock()
_calendars: dict[Any, Any] = {}
_state: dict[str, Any] = {"token": None, "checked_at": float("-inf"), "generation": 0}


def get(key: Any) -> tuple[Any, int]:
    """(the calendar cached under `key` or None, the generation to pass to `put`)."""
    now = time.monotonic()
    if now - _state["checked_at"] >= RECHECK_SECONDS:
        _recheck(now)
    generation = _state["generation"]
    return _calendars.get(key), generation


def put(key: Any, calendar: Any, generation: int) -> Any:
    """Keep `calendar` under `key`, unless another thread got there first (answers the one kept)
    or the cache was invalidated since `get` (then the calendar, built from data read before the
    change, serves this one caller and is not kept)."""
    with _lock:
        if generation != _state["generation"]:
            return calendar
        return _calendars.setdefault(key, calendar)


def _forget() -> None:
    _calendars.clear()
    _state["generation"] += 1


def _recheck(now: float) -> None:
    try:
        token = cache.get(TOKEN_KEY)
    except Exception:  # a cache outage must not stop deadline arithmetic
        token = _state["token"]
    with _lock:
        if token != _state["token"]:
            _forget()
            _state["token"] = token
        _state["checked_at"] = now


def _clear_and_publish() -> None:
    token = uuid.uuid4().hex
    with _lock:
        _forget()
        _state["token"] = token
        _state["checked_at"] = time.monotonic()
    try:
        cache.set(TOKEN_KEY, token, timeout=None)
    except Exception:  # noqa: S110 - other processes fall back to their own recheck
        pass


def invalidate() -> None:
    """Forget every built calendar in this process now and after the current transaction
    commits, and tell the other processes."""
    _clear_and_publish()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_clear_and_publish)


def size() -> int:
    return len(_calendars)
