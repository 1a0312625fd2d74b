"""Whole public pages for visitors who are not logged in, kept in this process's memory.

Most visits to the portal are anonymous and read a few popular procedures; what they get is the
same for every one of them, except the CSRF token of the language switch. So the page is rendered
with a marker in place of the token and kept here; each visitor gets it with a token of their own
(`get_token`, which also sets their CSRF cookie as rendering would have).

How fresh it is: an entry is served as it is for `EGOV_PUBLIC_PAGE_TTL` seconds (5 by default);
the next visit after that reads the page's state again (the view's cheap state query) and keeps the
entry when that state is unchanged. A change made in the office therefore reaches anonymous
visitors within that many seconds, in every process; logged-in users, requests with a query string
and requests carrying a session or messages cookie always get the page rendered afresh. 0 turns
the time-based serving off (the state is read on every visit; only rendering is saved).

Only process memory, not the shared cache: a hit must cost no round trip at all, and entries are
bounded (`MAX_ENTRIES`, least recently used first out).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import get_script_prefix
from django.utils.translation import get_language

# A page is 10 to 50 kB: at most about 25 MB per process.
MAX_ENTRIES = 500
# Stands for the CSRF token in a kept page; random per process, so no content can contain it.
CSRF_MARKER = f"csrf-{secrets.token_hex(16)}"


@dataclass
class Entry:
    key: tuple
    html: str
    state: Any
    variant: Any
    # what the view needs to compute the variant on a visit (the procedure page: its methods)
    extra: Any
    checked_at: float


_entries: OrderedDict[tuple, Entry] = OrderedDict()
_lock = threading.Lock()


def ttl() -> float:
    return float(getattr(settings, "EGOV_PUBLIC_PAGE_TTL", 5))


def key_for(request: HttpRequest, name: str) -> tuple | None:
    """The entry's key for this request, or None when its page must be rendered for it alone."""
    if request.method not in ("GET", "HEAD") or request.GET:
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return None
    return (name, get_language(), request.scheme, request.get_host(), get_script_prefix())


def fresh(key: tuple) -> Entry | None:
    """The entry if it was checked less than TTL seconds ago. The view still compares its
    `variant` (what it computes on every visit, such as the due date "if submitted now")."""
    entry = _entries.get(key)
    if entry is None or time.monotonic() - entry.checked_at >= ttl():
        return None
    return entry


def confirmed(key: tuple, state: Any, variant: Any) -> Entry | None:
    """The entry if the page's state, just read, and `variant` are still what it was rendered
    from; it is then good for another TTL."""
    entry = _entries.get(key)
    if entry is None or entry.state != state or entry.variant != variant:
        return None
    entry.checked_at = time.monotonic()
    return entry


def keep(key: tuple, html: str, state: Any, variant: Any, extra: Any = None) -> Entry:
    entry = Entry(key, html, state, variant, extra, time.monotonic())
    with _lock:
        _entries[key] = entry
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return entry


def respond(request: HttpRequest, entry: Entry) -> HttpResponse:
    with _lock:
        if _entries.get(entry.key) is entry:
            _entries.move_to_end(entry.key)
    return HttpResponse(entry.html.replace(CSRF_MARKER, get_token(request)))


def forget() -> None:
    with _lock:
        _entries.clear()
