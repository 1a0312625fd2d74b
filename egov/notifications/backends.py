"""How a message leaves the system: e-mail through Django's mail framework, SMS through a
pluggable backend chosen by `EGOV_SMS_BACKEND` (a dotted path to an `SmsBackend` subclass).

A backend either returns (the gateway accepted the message) or raises; the outbox counts the
attempt and retries. Backends keep no state between messages.
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from egov.notifications.models import Notification

logger = logging.getLogger(__name__)


class SendFailed(Exception):
    """The channel refused or could not take the message; the text says why (no secrets)."""


class SmsBackend:
    """Sends one text message to one mobile number in +84 form. Raise to report a failure."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """The embedded default: writes the message to standard output, like Django's console
    e-mail backend. Nothing leaves the machine."""

    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}:\n{text}\n{'-' * 40}\n")
        sys.stdout.flush()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirected POST would silently become a GET without the message.
    def redirect_request(self, *args, **kwargs):
        return None


class HttpSmsBackend(SmsBackend):
    """A generic HTTP gateway: POST {"to": "+84…", "text": "…"} as JSON to `EGOV_SMS_URL` with
    `Authorization: Bearer <EGOV_SMS_TOKEN>`. Any 2xx answer means accepted.

    Providers with another request shape get their own small subclass."""

    def __init__(self) -> None:
        self.url = settings.EGOV_SMS_URL
        self.token = settings.EGOV_SMS_TOKEN
        self.timeout = settings.EGOV_SMS_TIMEOUT
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("EGOV_SMS_URL must be an http(s) URL for HttpSmsBackend.")

    def send(self, phone: str, text: str) -> None:
        payload = json.dumps({"to": phone, "text": text}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
                "User-Agent": "egov-notifications",
            },
        )
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                response.read(4096)
        except urllib.error.HTTPError as exc:
            detail = exc.read(200).decode("utf-8", "replace").strip()
            raise SendFailed(f"SMS gateway answered HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SendFailed(f"SMS gateway unreachable: {reason}") from None


def sms_backend() -> SmsBackend:
    backend_class = import_string(settings.EGOV_SMS_BACKEND)
    if not (isinstance(backend_class, type) and issubclass(backend_class, SmsBackend)):
        raise ImproperlyConfigured("EGOV_SMS_BACKEND must name an SmsBackend subclass.")
    return backend_class()


def message_id(notification: Notification) -> str:
    """The same Message-ID on every attempt, so a mail client shows a rare double send once."""
    stamp = int(notification.created_at.timestamp())
    return f"<egov.notification.{notification.pk}.{stamp}@{DNS_NAME}>"


def send_email(notification: Notification) -> None:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        headers={"Message-ID": message_id(notification)},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    message.send(fail_silently=False)


def send(notification: Notification) -> None:
    from egov.notifications.models import Channel

    if notification.channel == Channel.EMAIL:
        send_email(notification)
    elif notification.channel == Channel.SMS:
        sms_backend().send(notification.recipient, notification.body)
    else:  # the database constraint keeps this from happening
        raise SendFailed(f"unknown channel {notification.channel!r}")
