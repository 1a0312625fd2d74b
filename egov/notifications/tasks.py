"""Background tasks: they take ids, never objects, and are safe to run twice (the outbox row
decides whether there is anything left to do). Retries are the outbox's job, not Celery's."""

from __future__ import annotations

from egov.celery import app
from egov.notifications import services


@app.task(ignore_result=True)
def send_notification(notification_id: int) -> None:
    services.deliver(notification_id)


@app.task(ignore_result=True)
def retry_due_notifications() -> None:
    services.retry_due()
