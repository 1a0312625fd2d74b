"""Background tasks: they take ids, never objects, and are safe to run twice (the outbox row
decides whether there is anything left to do). Retries are the outbox's job, not Celery's."""

from __future__ import annotations

from egov.celery import app
from egov.notifications import services


@app.task(ignore_result=True)
def send_notification(notification_id: int) -> None:
    """One message (the form tasks were published in before `send_notifications`)."""
    services.deliver(notification_id)


@app.task(ignore_result=True)
def send_notifications(notification_ids: list[int]) -> None:
    """The messages of one change, one after another (inline, and tasks published before
    `send_queued_notifications`). A send that fails is recorded on its own
    row; if the task itself dies mid-way, the rows left pending are sent by `retry_due`."""
    for notification_id in notification_ids:
        services.deliver(notification_id)


@app.task(ignore_result=True)
def retry_due_notifications() -> None:
    services.retry_due()


@app.task(ignore_result=True)
def send_queued_notifications() -> None:
    """A wake-up (`notifications.wakeup`): send every message queued so far."""
    services.send_queued()
