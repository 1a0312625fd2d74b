"""E-mail through a real SMTP server process on loopback: arrival, failures and retries,
commit/rollback, idempotency and the sweeper."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from egov.core.errors import ValidationFailed
from egov.notifications import services
from egov.notifications.models import Channel, Notification, Status
from egov.notifications.tests.conftest import header_text

SUBJECT = "Hồ sơ 000.00.01.H99-261123-0001 đã được tiếp nhận"
BODY = (
    "Kính gửi ông Nguyễn Văn Ứng,\n\n"
    "Ủy ban nhân dân xã An Hòa đã tiếp nhận hồ sơ đăng ký khai sinh của ông.\n"
    "Ngày hẹn trả kết quả: 25/11/2026.\n"
)


def queue_email(**overrides):
    fields = {
        "channel": Channel.EMAIL,
        "recipient": "nguyen.van.ung@example.vn",
        "subject": SUBJECT,
        "body": BODY,
        "ref": "dossier:42",
    }
    fields.update(overrides)
    return services.enqueue(**fields)


def make_due(notification: Notification) -> None:
    """Move the retry time into the past, as if the backoff had run out."""
    Notification.objects.filter(pk=notification.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.mark.django_db(transaction=True)
def test_committed_mail_arrives_with_vietnamese_subject_and_body(smtp_server):
    with transaction.atomic():
        notification = queue_email(html="<p>Hồ sơ <b>đã được tiếp nhận</b></p>")
        assert smtp_server.messages() == []  # nothing leaves before the commit
    [message] = smtp_server.messages()
    assert header_text(message, "Subject") == SUBJECT
    assert message["To"] == "nguyen.van.ung@example.vn"
    assert header_text(message, "From") == "Một cửa Xã An Hòa <motcua@xa-an-hoa.example.vn>"
    # The headers travelled as RFC 2047 encoded words (7-bit), the body as UTF-8.
    head = message.raw.split(b"\n\n", 1)[0]
    assert head.isascii()
    assert b"=?utf-8?" in head.lower()
    assert message.get_body(("plain",)).get_content() == BODY
    assert "<b>đã được tiếp nhận</b>" in message.get_body(("html",)).get_content()
    assert (
        message["Message-ID"]
        == f"<egov.notification.{notification.pk}." + (message["Message-ID"].split(".", 3)[3])
    )
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert notification.attempts == 1
    assert notification.sent_at is not None
    assert notification.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing(smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email()
        raise RuntimeError("the dossier change failed")
    assert Notification.objects.count() == 0
    assert services.retry_due() == {"sent": 0, "pending": 0, "failed": 0}
    assert smtp_server.messages() == []


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_at_commit_loses_nothing(smtp_server, monkeypatch):
    from egov.notifications import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.send_notifications, "delay", broker_down)
    with transaction.atomic():
        notification = queue_email()
    # The caller's commit stood; the row waits for the sweeper.
    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert smtp_server.messages() == []
    monkeypatch.undo()
    assert services.retry_due()["sent"] == 1
    assert len(smtp_server.messages()) == 1


@pytest.mark.django_db
def test_deliver_twice_sends_once(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = queue_email()
    assert len(callbacks) == 1
    assert services.deliver(notification.pk) == Status.SENT
    assert services.deliver(notification.pk) is None
    callbacks[0]()  # the task itself, late (e.g. a redelivered message)
    assert services.retry_due()["sent"] == 0
    assert len(smtp_server.messages()) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 1)


@pytest.mark.django_db
def test_unknown_ids_are_nothing_to_do():
    assert services.deliver(987654) is None


@pytest.mark.django_db
def test_smtp_down_counts_attempts_backs_off_then_fails_visibly(
    smtp_down, settings, django_capture_on_commit_callbacks
):
    settings.EGOV_NOTIFY_MAX_ATTEMPTS = 3
    settings.EGOV_NOTIFY_RETRY_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=False):
        notification = queue_email()

    before = timezone.now()
    assert services.deliver(notification.pk) == Status.PENDING
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert "ConnectionRefusedError" in notification.last_error
    first_wait = notification.next_attempt_at - before
    assert timedelta(seconds=59) < first_wait <= timedelta(seconds=61)

    # Not due yet: neither the task nor the sweeper tries again.
    assert services.deliver(notification.pk) is None
    assert services.retry_due() == {"sent": 0, "pending": 0, "failed": 0}

    make_due(notification)
    before = timezone.now()
    assert services.retry_due()["pending"] == 1
    notification.refresh_from_db()
    assert notification.attempts == 2
    second_wait = notification.next_attempt_at - before
    assert timedelta(seconds=119) < second_wait <= timedelta(seconds=121)

    make_due(notification)
    assert services.retry_due()["failed"] == 1
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.attempts == 3
    assert "ConnectionRefusedError" in notification.last_error
    assert notification.sent_at is None

    # Failed is final for the machines: only staff send it again.
    make_due(notification)
    assert services.deliver(notification.pk) is None
    assert services.retry_due()["failed"] == 0


@pytest.mark.django_db
def test_the_sweeper_takes_back_a_row_whose_sender_died(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notification = queue_email()
    # A worker claimed it, then died before recording anything.
    claimed = services._claim(notification.pk, timezone.now())
    assert claimed.status == Status.SENDING
    assert services.retry_due()["sent"] == 0  # its lease still runs
    assert services.deliver(notification.pk) is None
    assert smtp_server.messages() == []

    make_due(notification)  # the lease ran out
    assert services.retry_due()["sent"] == 1
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert notification.attempts == 2
    assert len(smtp_server.messages()) == 1


@pytest.mark.django_db
def test_a_sender_dying_on_the_last_attempt_ends_failed(
    smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.EGOV_NOTIFY_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=False):
        notification = queue_email()
    services._claim(notification.pk, timezone.now())
    make_due(notification)
    assert services.retry_due()["failed"] == 1
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.last_error == services.LEASE_EXPIRED
    assert smtp_server.messages() == []


@pytest.mark.django_db
def test_a_sender_that_lost_its_claim_does_not_overwrite_the_new_one(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notification = queue_email()
    slow = services._claim(notification.pk, timezone.now())
    make_due(notification)
    assert services.deliver(notification.pk) == Status.SENT  # another sender took over
    assert services._record(slow, status=Status.PENDING, last_error="late") is False
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"channel": "fax"}, "bad_channel"),
        ({"recipient": "not an address"}, "bad_email"),
        ({"body": "  \n "}, "empty_body"),
        ({"subject": ""}, "empty_subject"),
        ({"ref": "x" * 101}, "bad_ref"),
        ({"channel": Channel.SMS, "recipient": "0241234567"}, "bad_phone"),
    ],
)
def test_enqueue_refuses_junk_and_queues_nothing(fields, code):
    with pytest.raises(ValidationFailed) as caught:
        queue_email(**fields)
    assert caught.value.code == code
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_enqueue_keeps_headers_on_one_line_and_text_storable(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        notification = queue_email(
            subject="Thông báo\r\nBcc: all@example.vn",
            body="Nội dung\x00 có NUL",
            ref="dossier:7",
        )
    notification.refresh_from_db()
    assert notification.subject == "Thông báo Bcc: all@example.vn"
    assert notification.body == "Nội dung có NUL"
    assert notification.ref == "dossier:7"


@pytest.mark.django_db
def test_decomposed_vietnamese_is_stored_composed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        notification = queue_email(subject="Ho\u0302\u0300 so\u031b")
    assert notification.subject == "Hồ sơ"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"status": "lost"},
        {"channel": "fax"},
        {"recipient": ""},
        {"status": Status.SENT},  # sent without sent_at
        {"status": Status.PENDING, "sent_at": timezone.now()},
    ],
)
def test_the_database_refuses_impossible_rows(fields):
    row = {"channel": Channel.EMAIL, "recipient": "a@example.vn", "body": "x"}
    row.update(fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(**row)


@pytest.mark.django_db
def test_one_task_for_the_messages_of_a_change_and_none_lost_if_it_dies(
    smtp_server, monkeypatch, django_capture_on_commit_callbacks
):
    from egov.notifications import tasks

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = services.enqueue_all(
            [
                services.message(
                    channel=Channel.EMAIL,
                    recipient=f"nguoi{i}@example.vn",
                    subject=SUBJECT,
                    body=BODY,
                    ref="dossier:42",
                )
                for i in range(3)
            ]
        )
    assert len(callbacks) == 1  # one publish for the three messages
    real, sent = services.deliver, []

    def dies_after_the_first(pk):
        if sent:
            raise OSError("worker killed")
        sent.append(pk)
        return real(pk)

    monkeypatch.setattr(services, "deliver", dies_after_the_first)
    with pytest.raises(OSError):
        tasks.send_notifications([r.pk for r in rows])
    assert [m["To"] for m in smtp_server.messages()] == ["nguoi0@example.vn"]
    monkeypatch.undo()
    # the sweeper sends what the dead task left, and nothing twice
    assert services.retry_due()["sent"] == 2
    assert sorted(m["To"] for m in smtp_server.messages()) == [
        f"nguoi{i}@example.vn" for i in range(3)
    ]
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db
def test_one_message_is_stored_as_several_are(django_capture_on_commit_callbacks):
    """One message and a change's two (its e-mail and SMS) each in one prepared INSERT: the
    rows come out the same, each with its id, pending, never tried, due at once."""
    fields = {
        "channel": Channel.EMAIL,
        "recipient": "lan@example.vn",
        "subject": "Đã nhận hồ sơ",
        "body": "Hồ sơ đã được tiếp nhận.",
        "ref": "dossier:7",
        "html": "<p>Hồ sơ</p>",
    }
    columns = ("channel", "recipient", "subject", "body", "body_html", "ref", "status", "attempts")
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [alone] = services.enqueue_all([services.message(**fields)])
        pair = services.enqueue_all([services.message(**fields), services.message(**fields)])
    assert len(callbacks) == 2  # each change is sent after its commit
    stored = Notification.objects.order_by("pk")
    assert [n.pk for n in stored] == [alone.pk, *(n.pk for n in pair)]
    rows = list(stored.values(*columns, "next_attempt_at", "created_at", "sent_at"))
    for row in rows:
        assert before <= row.pop("next_attempt_at") <= timezone.now()
        assert before <= row.pop("created_at") <= timezone.now()
        assert row.pop("sent_at") is None
    assert rows[0] == rows[1] == rows[2]
    assert rows[0]["status"] == Status.PENDING and rows[0]["attempts"] == 0
    assert rows[0]["body_html"] == "<p>Hồ sơ</p>"
