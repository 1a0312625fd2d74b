"""SMS through the pluggable backend: the generic HTTP gateway backend against a real HTTP
server on loopback, and the console default."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from egov.notifications import backends, services
from egov.notifications.models import Channel, Status

TEXT = "UBND xã An Hòa: hồ sơ 000.00.01.H99-261123-0001 đã có kết quả, mời ông/bà đến nhận."


def queue_sms(capture, recipient="0912 345 678"):
    with capture(execute=False):
        return services.enqueue(
            channel=Channel.SMS, recipient=recipient, subject="", body=TEXT, ref="dossier:9"
        )


@pytest.mark.django_db
def test_the_gateway_receives_json_with_the_token(sms_gateway, django_capture_on_commit_callbacks):
    notification = queue_sms(django_capture_on_commit_callbacks)
    assert notification.recipient == "+84912345678"
    assert services.deliver(notification.pk) == Status.SENT
    [request] = sms_gateway.requests
    assert request["path"] == "/sms/send"
    assert request["authorization"] == "Bearer token-thu-nghiem"
    assert request["content_type"].startswith("application/json")
    assert request["json"] == {"to": "+84912345678", "text": TEXT}
    notification.refresh_from_db()
    assert notification.status == Status.SENT


@pytest.mark.django_db
@pytest.mark.parametrize("answer", [500, 429, 401, 302])
def test_a_refusal_by_the_gateway_is_an_attempt_to_retry(
    answer, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.answers.append(answer)
    notification = queue_sms(django_capture_on_commit_callbacks)
    assert services.deliver(notification.pk) == Status.PENDING
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert f"HTTP {answer}" in notification.last_error
    assert "token-thu-nghiem" not in notification.last_error
    # A redirect is not followed: the gateway saw one request only.
    assert len(sms_gateway.requests) == 1


@pytest.mark.django_db
def test_an_unreachable_gateway_is_an_attempt_to_retry(
    sms_gateway, settings, django_capture_on_commit_callbacks
):
    from egov.notifications.tests.conftest import free_port

    settings.EGOV_SMS_URL = f"http://127.0.0.1:{free_port()}/sms/send"
    notification = queue_sms(django_capture_on_commit_callbacks)
    assert services.deliver(notification.pk) == Status.PENDING
    notification.refresh_from_db()
    assert "unreachable" in notification.last_error


@pytest.mark.django_db
def test_the_console_default_prints_and_counts_as_sent(
    settings, capsys, django_capture_on_commit_callbacks
):
    settings.EGOV_SMS_BACKEND = "egov.notifications.backends.ConsoleSmsBackend"
    notification = queue_sms(django_capture_on_commit_callbacks, recipient="+84 389 123 456")
    assert services.deliver(notification.pk) == Status.SENT
    out = capsys.readouterr().out
    assert "+84389123456" in out
    assert TEXT in out


@pytest.mark.django_db
def test_a_misconfigured_backend_is_recorded_not_lost(settings, django_capture_on_commit_callbacks):
    settings.EGOV_SMS_BACKEND = "egov.notifications.backends.SendFailed"
    notification = queue_sms(django_capture_on_commit_callbacks)
    assert services.deliver(notification.pk) == Status.PENDING
    notification.refresh_from_db()
    assert "EGOV_SMS_BACKEND" in notification.last_error


def test_the_http_backend_refuses_a_url_that_is_not_http(settings):
    settings.EGOV_SMS_URL = "file:///etc/passwd"
    with pytest.raises(ImproperlyConfigured):
        backends.HttpSmsBackend()
