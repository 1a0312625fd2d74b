"""The request context: client address, user agent and request id reach the audit event."""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from egov.audit.context import current
from egov.audit.middleware import AuditContextMiddleware
from egov.audit.models import AuditEvent
from egov.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _through_middleware(**meta):
    def view(request):
        audit_record(actor=None, action="test.request")
        return HttpResponse("ok")

    request = RequestFactory().get("/x/", **meta)
    response = AuditContextMiddleware(view)(request)
    return AuditEvent.objects.get(seq=AuditEvent.objects.latest("seq").seq), response


def test_remote_addr_user_agent_and_request_id(settings):
    settings.EGOV_PROXY_COUNT = 0
    event, response = _through_middleware(
        REMOTE_ADDR="203.0.113.5",
        HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 1000,
        HTTP_X_FORWARDED_FOR="198.51.100.1",
        HTTP_X_REQUEST_ID="chosen-by-client",
    )
    assert event.ip == "203.0.113.5"  # no proxy configured: the header is not believed
    assert event.user_agent.startswith("Mozilla/5.0") and len(event.user_agent) == 200
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)
    assert response["X-Request-ID"] == event.request_id
    assert current().ip is None and current().request_id == ""  # cleared after the response


def test_behind_one_trusted_proxy(settings):
    settings.EGOV_PROXY_COUNT = 1
    event, _ = _through_middleware(
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1",
        HTTP_X_REQUEST_ID="req-42",
    )
    assert event.ip == "198.51.100.1"  # the entry the proxy added, not the spoofable first one
    assert event.request_id == "req-42"


@pytest.mark.parametrize(
    ("forwarded", "request_id"),
    [("not-an-ip", "<script>"), ("", "x" * 65), ("1.2.3.4\x00", "../../etc/passwd")],
)
def test_hostile_headers_behind_proxy(settings, forwarded, request_id):
    settings.EGOV_PROXY_COUNT = 1
    event, _ = _through_middleware(
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded, HTTP_X_REQUEST_ID=request_id
    )
    assert event.ip in (None, "10.0.0.2")
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)
    assert AuditEvent.objects.count() == 1


def test_bad_remote_addr_is_stored_as_unknown(settings):
    settings.EGOV_PROXY_COUNT = 0
    event, _ = _through_middleware(REMOTE_ADDR="unix-socket")
    assert event.ip is None


def test_middleware_is_installed(client):
    response = client.get("/healthz/")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
