"""The worker's batch send (`send_queued`) and the wake-up that makes one broker message serve
a burst of changes: with a real Redis broker where EGOV_TEST_REDIS_URL is set."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from egov.celery import app
from egov.notifications import services, tasks, wakeup
from egov.notifications.models import Notification, Status
from egov.notifications.tests.conftest import queue_change, reset_broker_connections

REDIS_URL = os.environ.get("EGOV_TEST_REDIS_URL", "")


@pytest.fixture
def celery_conf():
    """Change Celery's configuration for one test."""
    saved: dict = {}

    def change(**overrides):
        saved.update({k: app.conf[k] for k in overrides if k not in saved})
        app.conf.update(overrides)
        reset_broker_connections()

    yield change
    app.conf.update(saved)
    reset_broker_connections()


@pytest.fixture
def queued_only(monkeypatch):
    """The commit queues the rows but sends nothing inline: the worker's part is the test's."""
    monkeypatch.setattr(tasks.send_notifications, "delay", lambda ids: None)


def needs_redis(test):
    for mark in (
        pytest.mark.redis,
        pytest.mark.skipif(not REDIS_URL, reason="EGOV_TEST_REDIS_URL is not set"),
        pytest.mark.django_db(transaction=True),
    ):
        test = mark(test)
    return test


@pytest.mark.django_db(transaction=True)
def test_send_queued_sends_every_fresh_message_in_batches(smtp_server, queued_only, monkeypatch):
    rows = [n for _ in range(3) for n in queue_change(2)]  # three changes, six messages
    claims = []
    real = services._claim_queued
    monkeypatch.setattr(
        services, "_claim_queued", lambda now, limit: claims.append(real(now, limit)) or claims[-1]
    )
    assert services.send_queued(batch=4) == {"sent": 6, "pending": 0, "failed": 0}
    assert [len(c) for c in claims] == [4, 2]  # two statements for six messages
    assert [c.pk for c in claims[0]] == [r.pk for r in rows[:4]]  # oldest first
    assert sorted(m["To"] for m in smtp_server.messages()) == sorted(
        f"nguoi{i}@example.vn" for i in (0, 1) * 3
    )
    assert set(Notification.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
    assert services.send_queued() == {"sent": 0, "pending": 0, "failed": 0}
    assert len(smtp_server.messages()) == 6


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_never_longer_than_its_lease_allows(
    smtp_server, queued_only, monkeypatch, settings
):
    # 600 s of lease, sends that may each take 100 s: three per claim (half the lease)
    settings.EGOV_NOTIFY_SENDING_TIMEOUT, settings.EMAIL_TIMEOUT = 600, 100
    queue_change(7)
    claims = []
    real = services._claim_queued
    monkeypatch.setattr(
        services, "_claim_queued", lambda now, limit: claims.append(real(now, limit)) or claims[-1]
    )
    assert services.send_queued()["sent"] == 7
    assert [len(c) for c in claims] == [3, 3, 1]


@pytest.mark.django_db(transaction=True)
def test_send_queued_leaves_retries_and_other_senders_rows_alone(smtp_server, queued_only):
    fresh, waiting, held, failed = queue_change(4)
    later = timezone.now() + timedelta(minutes=5)
    Notification.objects.filter(pk=waiting.pk).update(
        status=Status.PENDING, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    Notification.objects.filter(pk=held.pk).update(
        status=Status.SENDING, attempts=1, next_attempt_at=later
    )
    Notification.objects.filter(pk=failed.pk).update(status=Status.FAILED, attempts=5)
    assert services.send_queued() == {"sent": 1, "pending": 0, "failed": 0}
    assert [m["To"] for m in smtp_server.messages()] == [fresh.recipient]
    states = dict(Notification.objects.values_list("pk", "status"))
    assert states == {
        fresh.pk: Status.SENT,
        waiting.pk: Status.PENDING,  # a retry is the sweeper's, at its time
        held.pk: Status.SENDING,
        failed.pk: Status.FAILED,
    }


@pytest.mark.django_db(transaction=True)
def test_send_queued_records_a_failed_send_and_goes_on(smtp_down, queued_only):
    rows = queue_change(2)
    assert services.send_queued() == {"sent": 0, "pending": 2, "failed": 0}
    for row in rows:
        row.refresh_from_db()
        assert row.status == Status.PENDING and row.attempts == 1
        assert row.next_attempt_at > timezone.now() and "Error" in row.last_error
    assert services.send_queued()["pending"] == 0  # retries wait for the sweeper


@pytest.mark.django_db(transaction=True)
def test_without_a_redis_broker_every_commit_publishes(monkeypatch, celery_conf):
    published = []
    celery_conf(task_always_eager=False, broker_url="memory://")
    monkeypatch.setattr(
        tasks.send_queued_notifications, "apply_async", lambda **kw: published.append(kw)
    )
    queue_change(2)
    queue_change(1)
    # each a moment later, so that the task sends what the next requests queue meanwhile
    assert published == [{"countdown": wakeup.GATHER_SECONDS}] * 2
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_change(1)
        raise RuntimeError("the change failed")
    assert len(published) == 2  # a rolled-back change wakes nobody


@pytest.fixture
def redis_broker(celery_conf):
    """The Redis broker on a queue of its own, with no worker: what is published stays there."""
    queue = f"egov-test-{uuid.uuid4().hex}"
    celery_conf(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        yield client, queue
    finally:
        client.delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}", wakeup.key()
        )
        client.close()


@needs_redis
def test_a_burst_of_commits_publishes_one_wake_up(redis_broker, smtp_server):
    client, queue = redis_broker
    for _i in range(3):
        queue_change(1)
    assert client.llen(queue) == 1  # one task for three changes
    assert 0 < client.ttl(wakeup.key()) <= wakeup.WAKE_SECONDS
    # the worker's task: it clears the key first, then sends all three
    assert services.send_queued() == {"sent": 3, "pending": 0, "failed": 0}
    assert client.exists(wakeup.key()) == 0
    queue_change(1)  # a commit after the task started wakes the next one
    assert client.llen(queue) == 2


@needs_redis
def test_a_commit_that_finds_a_wake_up_on_its_way_is_still_sent(redis_broker, smtp_server):
    client, queue = redis_broker
    client.set(wakeup.key(), b"1", ex=wakeup.WAKE_SECONDS)  # another request's wake-up
    row = queue_change(1)[0]
    assert client.llen(queue) == 0  # nothing published by this commit...
    services.send_queued()  # ...and the task of that wake-up sends its message
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert [m["To"] for m in smtp_server.messages()] == [row.recipient]


@needs_redis
def test_a_failed_publish_leaves_no_wake_up_behind(redis_broker, monkeypatch):
    client, queue = redis_broker

    def broker_down(**options):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.send_queued_notifications, "apply_async", broker_down)
    row = queue_change(1)[0]  # the commit stands (robust), the row waits
    assert client.exists(wakeup.key()) == 0  # so the next commit publishes again
    row.refresh_from_db()
    assert row.status == Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_wake_up_key_still_publishes(monkeypatch, celery_conf, caplog):
    from egov.notifications.tests.conftest import free_port

    published = []
    celery_conf(task_always_eager=False, broker_url=f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(
        tasks.send_queued_notifications, "apply_async", lambda **kw: published.append(kw)
    )
    queue_change(1)
    assert len(published) == 1
    assert "wake-up key unavailable" in caplog.text
