"""How fast one client may try dossier code + lookup code pairs: EGOV_LOOKUP_RATE attempts per
window (e.g. "20/min"), one counter for the lookup page and the API together, so that using both
does not double the rate. The client is the address the request came from, or behind
EGOV_PROXY_COUNT trusted proxies the address the outermost one saw (as the audit log records it):
counting the proxy's own address would throttle every citizen at once."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings

from egov.audit.middleware import client_ip
from egov.core import throttle

SCOPE = "dossier-lookup"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate() -> tuple[int, int]:
    """(attempts, window in seconds) from EGOV_LOOKUP_RATE."""
    count, period = getattr(settings, "EGOV_LOOKUP_RATE", "20/min").split("/")
    return int(count), _PERIODS[period[0]]


def allow(request: Any) -> bool:
    """Count one lookup of this client; False once it made more than the rate allows."""
    limit, window = rate()
    client = hashlib.sha256((client_ip(request) or "unknown").encode()).hexdigest()[:32]
    return throttle.allow(SCOPE, client, limit=limit, window_seconds=window)
