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

The search page is kept the same way, by its query string, for as long as the search index it was
rendered from is the one in use (`egov.procedures.search`, which rechecks the catalogue every
second): no TTL of its own.

Only process memory, not the shared cache: a hit must cost no round trip at all, and entries are
bounded per kind of page (least recently used first out).
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


def ttl() -> float:
    return float(getattr(settings, "EGOV_PUBLIC_PAGE_TTL", 5))


class PageCache:
    """Pages of one kind, at most `max_entries` of them (least recently used first out)."""

    def __init__(self, name: str, max_entries: int) -> None:
        self.name = name
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def key_for(self, request: HttpRequest, name: str, *, query: bool = False) -> tuple | None:
        """The entry's key for this request, or None when its page must be rendered for it
        alone. With `query`, the query string is part of the key (the search page); without,
        a request with one is not served from here."""
        if request.method not in ("GET", "HEAD") or (request.GET and not query):
            return None
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
            return None
        return (
            name,
            request.get_full_path() if query else "",
            get_language(),
            request.scheme,
            request.get_host(),
            get_script_prefix(),
        )

    def fresh(self, key: tuple) -> Entry | None:
        """The entry if it was checked less than TTL seconds ago. The view still compares its
        `variant` (what it computes on every visit, such as the due date "if submitted now")."""
        entry = self.entries.get(key)
        if entry is None or time.monotonic() - entry.checked_at >= ttl():
            return None
        return entry

    def confirmed(self, key: tuple, state: Any, variant: Any = None) -> Entry | None:
        """The entry if the page's state, just read, and `variant` are still what it was
        rendered from; it is then good for another TTL."""
        entry = self.entries.get(key)
        if entry is None or entry.state != state or entry.variant != variant:
            return None
        entry.checked_at = time.monotonic()
        return entry

    def keep(
        self, key: tuple, html: str, state: Any, variant: Any = None, extra: Any = None
    ) -> Entry:
        entry = Entry(key, html, state, variant, extra, time.monotonic())
        with self._lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        return entry

    def respond(self, request: HttpRequest, entry: Entry) -> HttpResponse:
        with self._lock:
            if self.entries.get(entry.key) is entry:
                self.entries.move_to_end(entry.key)
        return HttpResponse(entry.html.replace(CSRF_MARKER, get_token(request)))

    def forget(self) -> None:
        with self._lock:
            self.entries.clear()


# A page is 10 to 50 kB: at most about 25 MB per process for procedures, 5 MB for searches.
procedure_pages = PageCache("procedure", 500)
search_pages = PageCache("search", 200)


def forget() -> None:
    for pages in (procedure_pages, search_pages):
        pages.forget()
