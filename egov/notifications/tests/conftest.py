"""Real servers on loopback for the notification tests: an SMTP server process (aiosmtpd,
storing what it receives in a Maildir) and an HTTP server standing in for an SMS gateway."""

from __future__ import annotations

import email
import email.header
import email.policy
import json
import mailbox
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import kombu.pools
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def header_text(message: email.message.EmailMessage, name: str) -> str:
    """A header as a mail client shows it: RFC 2047 encoded words decoded, folding removed."""
    raw = email.message_from_bytes(message.raw, policy=email.policy.compat32)[name]
    return str(email.header.make_header(email.header.decode_header(raw)))


def reset_broker_connections() -> None:
    """Forget pooled broker connections, so the next send uses the broker configured now."""
    from egov.celery import app

    kombu.pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:  # created on first use
        app.amqp._producer_pool = None


def queue_change(n: int, first: int = 0) -> list:
    """One committed change that queues `n` e-mails (to nguoi<first>… nguoi<first + n - 1>)."""
    from django.db import transaction

    from egov.notifications import services
    from egov.notifications.models import Channel

    with transaction.atomic():
        return services.enqueue_all(
            [
                services.message(
                    channel=Channel.EMAIL,
                    recipient=f"nguoi{i}@example.vn",
                    subject="Hồ sơ đã được tiếp nhận",
                    body="Ủy ban nhân dân xã đã tiếp nhận hồ sơ.",
                    ref=f"dossier:{i}",
                )
                for i in range(first, first + n)
            ]
        )


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the SMTP server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the SMTP server did not start listening")


@dataclass
class SmtpServer:
    port: int
    maildir: Path

    def messages(self) -> list[email.message.EmailMessage]:
        box = mailbox.Maildir(self.maildir, create=False)
        received = []
        for key in sorted(box.keys()):
            raw = box.get_bytes(key)
            message = email.message_from_bytes(raw, policy=email.policy.default)
            message.raw = raw
            received.append(message)
        return received

    def clear(self) -> None:
        mailbox.Maildir(self.maildir, create=False).clear()


@pytest.fixture(scope="module")
def _smtp_process(tmp_path_factory):
    maildir = tmp_path_factory.mktemp("smtp") / "maildir"
    mailbox.Maildir(maildir, create=True)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        yield SmtpServer(port, maildir)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def smtp_server(_smtp_process, settings) -> SmtpServer:
    """Django sends through the real SMTP server; the Maildir starts empty."""
    _smtp_process.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _smtp_process.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "Một cửa Xã An Hòa <motcua@xa-an-hoa.example.vn>"
    return _smtp_process


@pytest.fixture
def smtp_down(settings) -> int:
    """Django sends to a loopback port where nothing listens."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return port


@dataclass
class Gateway:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Status codes to answer with, in order; 200 once they run out.
    answers: list[int] = field(default_factory=list)


@pytest.fixture
def sms_gateway(settings):
    """An HTTP server on loopback that records POSTs like a generic SMS gateway."""
    port = free_port()
    gateway = Gateway(url=f"http://127.0.0.1:{port}/sms/send")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            gateway.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "content_type": self.headers.get("Content-Type"),
                    "json": json.loads(raw.decode("utf-8")),
                }
            )
            status = gateway.answers.pop(0) if gateway.answers else 200
            body = json.dumps({"ok": status < 300, "error": "quota exceeded"}).encode()
            self.send_response(status)
            if status in (301, 302, 307):
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EGOV_SMS_BACKEND = "egov.notifications.backends.HttpSmsBackend"
    settings.EGOV_SMS_URL = gateway.url
    settings.EGOV_SMS_TOKEN = "token-thu-nghiem"
    settings.EGOV_SMS_TIMEOUT = 5
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
