"""A small fixed-window counter in the cache, for what must slow down guessing (the public dossier
lookup, page and API: egov.dossiers.lookup_limit)."""

from __future__ import annotations

from django.core.cache import cache


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt of `key` in `scope`; False once more than `limit` were made within the
    current window."""
    name = f"throttle:{scope}:{key}"
    if cache.add(name, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window_seconds)
        return True
    return count <= limit
