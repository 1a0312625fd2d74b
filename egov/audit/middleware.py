"""Puts the client address, user agent and a request id where `audit_record` finds them."""

from __future__ import annotations

import ipaddress
import re
import uuid

from django.conf import settings

from egov.audit.context import audit_context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def proxy_count() -> int:
    """How many trusted reverse proxies stand in front of the application (0: none)."""
    count = getattr(settings, "EGOV_PROXY_COUNT", None)
    if count is None:
        count = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None)
    try:
        return max(int(count or 0), 0)
    except (TypeError, ValueError):
        return 0


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """REMOTE_ADDR; behind N trusted proxies, the address the outermost of them saw (the N-th
    entry from the right of X-Forwarded-For). Anything not an IP address counts as unknown."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    count = proxy_count()
    if count:
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return _valid_ip(hops[-count])
    return remote


def request_id(request) -> str:
    """The id a trusted proxy gave the request, or a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if proxy_count() and _REQUEST_ID_RE.match(given):
        return given
    return uuid.uuid4().hex


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id(request)
        request.request_id = rid
        with audit_context(
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
            request_id=rid,
        ):
            response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", rid)
        return response
