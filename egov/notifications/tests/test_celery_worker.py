"""A real Celery worker consuming from a real Redis: the committed message travels through the
broker to the worker, which delivers it to the SMTP server.

Runs where EGOV_TEST_REDIS_URL is set (scripts/run-tests.sh exports it and starts Redis).
Each run uses a queue of its own, so test runs sharing the Redis server do not meet.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from egov.celery import app
from egov.notifications import services
from egov.notifications.models import Channel, Notification, Status
from egov.notifications.tests.conftest import (
    header_text,
    queue_change,
    reset_broker_connections,
)

REDIS_URL = os.environ.get("EGOV_TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="EGOV_TEST_REDIS_URL is not set"),
    pytest.mark.django_db(transaction=True),
]

_OVERRIDES = (
    "broker_url",
    "task_always_eager",
    "task_default_queue",
    "worker_hijack_root_logger",
    "worker_redirect_stdouts",
    "broker_connection_retry_on_startup",
)


@pytest.fixture
def redis_worker():
    queue = f"egov-test-{uuid.uuid4().hex}"
    saved = {key: app.conf[key] for key in _OVERRIDES}
    app.conf.update(
        broker_url=REDIS_URL,
        task_always_eager=False,
        task_default_queue=queue,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_connection_retry_on_startup=False,
    )
    reset_broker_connections()
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=[queue], loglevel="WARNING"
        ) as worker:
            yield worker
    finally:
        app.conf.update(saved)
        reset_broker_connections()
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()


def wait_for(condition, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    return condition()


def test_the_worker_delivers_a_committed_message(redis_worker, smtp_server):
    with transaction.atomic():
        notification = services.enqueue(
            channel=Channel.EMAIL,
            recipient="cong.dan@example.vn",
            subject="Kết quả hồ sơ đã sẵn sàng",
            body="Mời ông/bà đến Bộ phận Một cửa nhận kết quả.",
            ref="dossier:77",
        )
    messages = wait_for(smtp_server.messages)
    assert [header_text(m, "Subject") for m in messages] == ["Kết quả hồ sơ đã sẵn sàng"]
    row = wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, status=Status.SENT).first()
    )
    assert row is not None
    assert row.attempts == 1
    # The worker's task, run again by hand, finds nothing left to do.
    assert services.deliver(notification.pk) is None


def test_the_worker_sends_a_burst_of_commits_once_each(redis_worker, smtp_server):
    # eight changes, faster than the worker takes its wake-ups
    rows = [row for i in range(8) for row in queue_change(1, first=i)]
    ids = [row.pk for row in rows]
    assert wait_for(
        lambda: Notification.objects.filter(pk__in=ids, status=Status.SENT).count() == 8
    )
    assert sorted(m["To"] for m in smtp_server.messages()) == sorted(r.recipient for r in rows)
    assert set(Notification.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}
