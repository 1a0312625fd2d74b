"""manage.py notifications_retry: the sweeper for the embedded default (no Celery beat)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from egov.notifications.models import Channel, Notification, Status


@pytest.mark.django_db
def test_the_command_sends_what_is_due_and_leaves_the_rest(smtp_server):
    now = timezone.now()
    due = Notification.objects.create(
        channel=Channel.EMAIL,
        recipient="den.han@example.vn",
        subject="Đến hạn",
        body="Thử lại",
        attempts=1,
        next_attempt_at=now - timedelta(minutes=1),
    )
    later = Notification.objects.create(
        channel=Channel.EMAIL,
        recipient="chua.den.han@example.vn",
        subject="Chưa đến hạn",
        body="Chờ",
        attempts=1,
        next_attempt_at=now + timedelta(minutes=5),
    )
    out = StringIO()
    call_command("notifications_retry", stdout=out)
    assert out.getvalue().strip() == "sent 1, pending 0, failed 0"
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, due.attempts) == (Status.SENT, 2)
    assert (later.status, later.attempts) == (Status.PENDING, 1)
    assert [m["To"] for m in smtp_server.messages()] == ["den.han@example.vn"]
