"""The outbox's writes: queue a message, deliver it, retry what is due, and let staff retry
what failed.

Delivery is at least once and idempotent: a sender first claims the row with one conditional
UPDATE (pending or expired "sending" → "sending", attempts + 1, a lease until
`EGOV_NOTIFY_SENDING_TIMEOUT`), so two senders never both hold it, and it records the outcome
only while it still holds that claim. A sender that dies mid-way leaves the row "sending"; once
the lease ends, `retry_due` takes it again (counted as an attempt). Only a sender that outlives
its lease can cause a second send; the stable Message-ID lets mail clients show it once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.audit.services import audit_record
from egov.core import vntext
from egov.core.errors import ValidationFailed
from egov.core.prepared import prepared
from egov.core.rows import insert_many as insert_rows
from egov.notifications import backends, wakeup
from egov.notifications.models import Channel, Notification, Status
from egov.notifications.recipients import normalise_email, normalise_phone

logger = logging.getLogger(__name__)

LEASE_EXPIRED = "the sender stopped before recording the outcome (lease expired)"
_ERROR_LIMIT = 2000


def _text(value: str) -> str:
    """Stored as given but composed (NFC), without NUL or lone surrogates."""
    value = vntext.nfc(value or "").replace("\x00", "")
    return value.encode("utf-8", "replace").decode("utf-8")


def message(
    *, channel: str, recipient: str, subject: str, body: str, ref: str = "", html: str = ""
) -> Notification:
    """One message checked and ready to queue (not saved: `enqueue_all` queues it).

    Refuses (ValidationFailed) an unknown channel, a recipient that is not an e-mail address /
    Vietnamese mobile number, and an empty body.
    """
    if channel == Channel.EMAIL:
        recipient = normalise_email(recipient)
    elif channel == Channel.SMS:
        recipient = normalise_phone(recipient)
    else:
        raise ValidationFailed(_("Kênh gửi không hợp lệ."), code="bad_channel", field="channel")
    # A line break in a subject would be a header injection: one line only.
    subject = " ".join(_text(subject).split())[:255]
    body = _text(body)
    if not body.strip():
        raise ValidationFailed(_("Nội dung thông báo trống."), code="empty_body", field="body")
    if channel == Channel.EMAIL and not subject:
        raise ValidationFailed(
            _("Thư điện tử cần có tiêu đề."), code="empty_subject", field="subject"
        )
    ref = _text(ref).strip()
    if len(ref) > 100:
        raise ValidationFailed(_("Mã liên quan quá dài."), code="bad_ref", field="ref")
    return Notification(
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        body_html=_text(html) if channel == Channel.EMAIL else "",
        ref=ref,
    )


def enqueue_all(messages: list[Notification]) -> list[Notification]:
    """Queue messages made by `message` in the caller's transaction, in one INSERT; they are
    sent after the commit, by one task. A rolled-back transaction sends nothing."""
    if not messages:
        return []
    if len(messages) <= len(Channel.values):
        # a change's messages (one per channel): a statement built once per number of rows
        # (egov.core.rows); bulk_create compiled its INSERT each time (a twentieth of a
        # submission's web CPU)
        queued = insert_rows(messages)
    else:
        queued = Notification.objects.bulk_create(messages)
    schedule_all([row.pk for row in queued])
    return queued


def enqueue(
    *, channel: str, recipient: str, subject: str, body: str, ref: str = "", html: str = ""
) -> Notification:
    """Queue one message in the caller's transaction; it is sent after the commit.

    A rolled-back transaction sends nothing. Refuses (ValidationFailed) an unknown channel, a
    recipient that is not an e-mail address / Vietnamese mobile number, and an empty body.
    """
    built = message(
        channel=channel, recipient=recipient, subject=subject, body=body, ref=ref, html=html
    )
    return enqueue_all([built])[0]


def schedule_all(notification_ids: list[int]) -> None:
    """Have the messages sent once the current transaction commits.

    With a broker, the commit wakes a worker (`wakeup.wake`: one publish per burst, not one per
    change) and the worker sends every message queued so far (`send_queued`). Inline (the
    embedded default), these messages are sent right after the commit. `robust`: if the broker
    is down, the commit still stands and the rows wait for `retry_due`.
    """
    from egov.celery import app
    from egov.notifications.tasks import send_notifications

    ids = list(notification_ids)
    if not ids:
        return
    if app.conf.task_always_eager:
        transaction.on_commit(lambda: send_notifications.delay(ids), robust=True)
    else:
        transaction.on_commit(wakeup.wake, robust=True)


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: the base delay, doubled each time, at most 6 hours."""
    base = settings.EGOV_NOTIFY_RETRY_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def _claim(notification_id: int, now: datetime) -> Notification | None:
    """Take the row for this sender, if it is due and nobody holds it: one UPDATE that answers
    the row as claimed (the worker's CPU went mostly into building this statement and reading
    the row back, bench/README)."""
    lease_until = now + timedelta(seconds=settings.EGOV_NOTIFY_SENDING_TIMEOUT)
    connection = connections[router.db_for_write(Notification)]  # UPDATE … RETURNING: SQLite ≥ 3.35
    adapt = connection.ops.adapt_datetimefield_value
    # A row never tried is due at once, whatever the clocks of web and worker machines say.
    rows = Notification.objects.raw(
        prepared(_claim_sql(connection)),
        [
            Status.SENDING,
            adapt(lease_until),
            Status.SENDING,
            LEASE_EXPIRED,
            notification_id,
            Status.PENDING,
            Status.SENDING,
            settings.EGOV_NOTIFY_MAX_ATTEMPTS,
            adapt(now),
            Status.PENDING,
        ],
    )
    claimed = list(rows)
    return claimed[0] if claimed else None


def _claim_sql(connection: Any) -> str:
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f in Notification._meta.concrete_fields)
    return (
        f"UPDATE {q(Notification._meta.db_table)} SET status = %s, attempts = attempts + 1, "  # noqa: S608
        "next_attempt_at = %s, last_error = CASE WHEN status = %s THEN %s ELSE last_error END "
        "WHERE id = %s AND status IN (%s, %s) AND attempts < %s "
        "AND (next_attempt_at <= %s OR (status = %s AND attempts = 0)) "
        f"RETURNING {columns}"
    )


def _record(notification: Notification, **fields: Any) -> bool:
    """Write the outcome if this sender still holds the claim (same status and attempt)."""
    return bool(
        Notification.objects.filter(
            pk=notification.pk, status=Status.SENDING, attempts=notification.attempts
        ).update(**fields)
    )


def _record_sent(notification: Notification, at: datetime) -> bool:
    """`_record(status=sent, sent_at=at, last_error="")`, as one fixed statement."""
    connection = connections[router.db_for_write(Notification)]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            prepared(
                f"UPDATE {q(Notification._meta.db_table)} SET status = %s, sent_at = %s, "  # noqa: S608
                "last_error = '' WHERE id = %s AND status = %s AND attempts = %s"
            ),
            [
                Status.SENT,
                connection.ops.adapt_datetimefield_value(at),
                notification.pk,
                Status.SENDING,
                notification.attempts,
            ],
        )
        return cursor.rowcount == 1


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:_ERROR_LIMIT]


def deliver(notification_id: int) -> str | None:
    """Send one queued message if it is due and nobody else is sending it.

    Returns the status it left the row in ("sent", "pending" to retry later, "failed"), or None
    when there was nothing to do (already sent or failed, not yet due, held by another sender,
    unknown id). Safe to call any number of times; call it outside a transaction, since the
    claim must be committed before the slow send starts.
    """
    notification = _claim(notification_id, timezone.now())
    if notification is None:
        return None
    return _send(notification)


def send_queued(*, batch: int = 100) -> dict[str, int]:
    """The worker's answer to a wake-up: send every message queued and never tried, claimed
    `batch` at a time (one statement each), until none is left.

    Rows held by another sender are skipped, not waited for. Retries and rows whose sender died
    stay the sweeper's (`retry_due`). Returns how many rows ended in each status.
    """
    wakeup.awake()  # before reading: a commit from now on wakes another task
    batch = _batch_within_lease(batch)
    outcome = {Status.SENT: 0, Status.PENDING: 0, Status.FAILED: 0}
    while True:
        claimed = _claim_queued(timezone.now(), batch)
        for notification in claimed:
            outcome[_send(notification)] += 1
        if len(claimed) < batch:
            return {str(key): value for key, value in outcome.items()}


def _batch_within_lease(requested: int) -> int:
    """As many messages as can be sent within half the claim's lease, even if every send runs
    to its channel's timeout: a batch must never outlive its claim, or the sweeper would take
    back and send again messages this sender has yet to try."""
    slowest = max(settings.EMAIL_TIMEOUT or 0, settings.EGOV_SMS_TIMEOUT, 1)
    return max(1, min(requested, settings.EGOV_NOTIFY_SENDING_TIMEOUT // (2 * slowest)))


def _claim_queued(now: datetime, limit: int) -> list[Notification]:
    """Claim up to `limit` messages never tried, oldest first, as `_claim` claims one."""
    lease_until = now + timedelta(seconds=settings.EGOV_NOTIFY_SENDING_TIMEOUT)
    connection = connections[router.db_for_write(Notification)]
    q = connection.ops.quote_name
    table = q(Notification._meta.db_table)
    columns = ", ".join(q(f.column) for f in Notification._meta.concrete_fields)
    skip_locked = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    # The state is written into the statement, not bound: the planner then knows from its
    # statistics that pending rows are few and reads them by the (status, next attempt) index.
    fresh = f"status = '{Status.PENDING}' AND attempts = 0"
    # The batch is chosen once, in its own step: as a subquery of the UPDATE, PostgreSQL may
    # run it again for each row it updates, and claim more than the limit.
    rows = Notification.objects.raw(
        f"WITH batch AS MATERIALIZED (SELECT id FROM {table} WHERE {fresh} "  # noqa: S608
        f"ORDER BY next_attempt_at, id LIMIT %s{skip_locked}) "
        f"UPDATE {table} SET status = '{Status.SENDING}', attempts = 1, next_attempt_at = %s "
        f"WHERE id IN (SELECT id FROM batch) AND {fresh} RETURNING {columns}",
        [limit, connection.ops.adapt_datetimefield_value(lease_until)],
    )
    return sorted(rows, key=lambda row: row.pk)


def _send(notification: Notification) -> str:
    """Send a claimed message and record the outcome."""
    try:
        backends.send(notification)
    except Exception as exc:  # every failure of a channel is recorded and retried
        return _failed(notification, exc)
    _record_sent(notification, timezone.now())
    return Status.SENT


def _failed(notification: Notification, exc: Exception) -> str:
    error = _error_text(exc)
    if notification.attempts >= settings.EGOV_NOTIFY_MAX_ATTEMPTS:
        logger.error(
            "notification %s failed after %s attempts: %s",
            notification.pk,
            notification.attempts,
            error,
        )
        _record(notification, status=Status.FAILED, last_error=error)
        return Status.FAILED
    logger.warning(
        "notification %s attempt %s failed: %s", notification.pk, notification.attempts, error
    )
    _record(
        notification,
        status=Status.PENDING,
        last_error=error,
        next_attempt_at=timezone.now() + backoff(notification.attempts),
    )
    return Status.PENDING


def retry_due(*, limit: int = 500) -> dict[str, int]:
    """The sweeper: deliver the rows whose retry time has come, take back rows whose sender
    died (lease expired), and give up on those that died on their last attempt.

    Run every minute by Celery beat, or by `manage.py notifications_retry`. Returns how many
    rows ended in each status.
    """
    now = timezone.now()
    max_attempts = settings.EGOV_NOTIFY_MAX_ATTEMPTS
    outcome = {Status.SENT: 0, Status.PENDING: 0, Status.FAILED: 0}
    outcome[Status.FAILED] += Notification.objects.filter(
        status=Status.SENDING, next_attempt_at__lte=now, attempts__gte=max_attempts
    ).update(status=Status.FAILED, last_error=LEASE_EXPIRED)
    due_ids = list(
        Notification.objects.filter(
            Q(next_attempt_at__lte=now) | Q(status=Status.PENDING, attempts=0),
            status__in=[Status.PENDING, Status.SENDING],
            attempts__lt=max_attempts,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for notification_id in due_ids:
        status = deliver(notification_id)
        if status is not None:
            outcome[status] += 1
    return {str(key): value for key, value in outcome.items()}


def retry_failed(*, actor: Any, notifications: Iterable[Notification]) -> int:
    """Staff send failed messages again: back to pending with a fresh count of attempts.

    Rows that are not failed are left alone. Each retried row gets an audit event; the sends
    start after the commit. Returns how many rows were retried.
    """
    ids = [n.pk for n in notifications]
    retried = 0
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update()
            .filter(pk__in=ids, status=Status.FAILED)
            .order_by("pk")
        )
        now = timezone.now()
        for row in rows:
            Notification.objects.filter(pk=row.pk).update(
                status=Status.PENDING, attempts=0, next_attempt_at=now
            )
            retried += 1
        schedule_all([row.pk for row in rows])
        for row in rows:
            audit_record(
                actor=actor,
                action="notification.retry",
                target=row,
                summary={
                    "status": [Status.FAILED, Status.PENDING],
                    "ref": row.ref,
                    "attempts": row.attempts,
                    "last_error": row.last_error,
                },
            )
    return retried
