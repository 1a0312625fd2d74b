"""One broker message per burst of queued notifications, not one per change.

A change that queues messages calls `wake` after its commit. With a Redis broker, `wake`
publishes the `send_queued_notifications` task only if no wake-up is already on its way: a key
set with NX marks it. The task removes the key (`awake`) before it reads the outbox, then sends
every message queued so far. So a commit that finds the key set is still seen: its rows were
committed before it looked at the key, and the task that will remove the key reads the outbox
afterwards. The task starts `GATHER_SECONDS` after the publish, so what the next requests queue
meanwhile rides on it: under load one task sends what many requests queued, and most requests
pay one Redis round trip instead of a publish (bench/README, sixth HTTP run). A message thus
leaves at most a quarter of a second later than it could have.

The key expires after `WAKE_SECONDS`, so a wake-up lost with its task (a broker flushed, a
publish that failed after the key was set) holds nothing back for longer; the sweeper
(`retry_due`, every minute) sends whatever waits meanwhile. Without a Redis broker (the embedded
default runs tasks inline; the tests' in-memory broker) every change publishes its own task.
"""

from __future__ import annotations

import logging
import threading

import redis

from egov.celery import app

logger = logging.getLogger(__name__)

WAKE_SECONDS = 60
GATHER_SECONDS = 0.25
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def _client() -> redis.Redis | None:
    url = app.conf.broker_url or ""
    if not url.startswith(_REDIS_SCHEMES):
        return None
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = _clients[url] = redis.Redis.from_url(
                url, socket_timeout=2, socket_connect_timeout=2
            )
        return client


def key() -> str:
    """One key per queue: workers of another queue (another site, a test run) never share it."""
    return f"egov:notifications:wake:{app.conf.task_default_queue}"


def wake() -> None:
    """Make sure a worker will read the outbox after the commit just made."""
    from egov.notifications.tasks import send_queued_notifications

    client = _client()
    if client is not None:
        try:
            if not client.set(key(), b"1", nx=True, ex=WAKE_SECONDS):
                return  # a wake-up is on its way, and its task reads the outbox after this commit
        except redis.RedisError as exc:
            logger.warning("notification wake-up key unavailable, publishing anyway: %s", exc)
            client = None
    try:
        send_queued_notifications.apply_async(countdown=GATHER_SECONDS)
    except Exception:
        if client is not None:  # the next commit must publish again
            _forget(client)
        raise


def awake() -> None:
    """The worker took a wake-up: a commit from now on publishes the next one."""
    client = _client()
    if client is not None:
        _forget(client)


def _forget(client: redis.Redis) -> None:
    try:
        client.delete(key())
    except redis.RedisError as exc:  # the key expires by itself
        logger.warning("notification wake-up key not removed: %s", exc)
