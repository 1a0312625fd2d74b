"""Failed messages are visible to system administrators in the admin, and only to them; the
retry action sends them again and leaves an audit event."""

from __future__ import annotations

import pytest
from django.utils import timezone

from egov.accounts.models import Role, RoleGrant, UserKind
from egov.audit.models import AuditEvent
from egov.notifications.models import Channel, Notification, Status

LIST = "/admin/notifications/notification/"


def row(**fields):
    values = {
        "channel": Channel.EMAIL,
        "recipient": "nguoi.nhan@example.vn",
        "subject": "Hồ sơ đã có kết quả",
        "body": "Nội dung",
        "ref": "dossier:5",
    }
    values.update(fields)
    return Notification.objects.create(**values)


@pytest.fixture
def failed():
    return row(
        status=Status.FAILED,
        attempts=5,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )


@pytest.fixture
def system_admin(make_user):
    user = make_user(kind=UserKind.OFFICIAL, username="quantri.he.thong")
    RoleGrant.objects.create(user=user, role=Role.SYSTEM_ADMIN, unit=None)
    return user


@pytest.fixture
def as_system_admin(client, settings, system_admin):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    client.force_login(system_admin)
    return client


def test_system_admin_sees_the_failure_and_its_error(as_system_admin, failed):
    page = as_system_admin.get(LIST, {"status__exact": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "nguoi.nhan@example.vn" in html
    assert "Connection refused" in html
    assert "Gửi thất bại" in html
    detail = as_system_admin.get(f"{LIST}{failed.pk}/change/")
    assert detail.status_code == 200
    assert "Connection refused" in detail.content.decode()


@pytest.mark.parametrize("role", [Role.UNIT_ADMIN, Role.LEADER, Role.ONE_STOP_OFFICER])
def test_unit_staff_see_no_notifications(client, settings, make_official, commune_a, role, failed):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    client.force_login(make_official(role, commune_a, include_subtree=True))
    listing = client.get(LIST)
    assert listing.status_code in (302, 403)
    assert "nguoi.nhan@example.vn" not in listing.content.decode()
    assert client.get(f"{LIST}{failed.pk}/change/").status_code in (302, 403, 404)
    response = client.post(LIST, {"action": "retry", "_selected_action": [failed.pk]})
    assert response.status_code in (302, 403)
    failed.refresh_from_db()
    assert failed.status == Status.FAILED
    if role == Role.UNIT_ADMIN:  # inside the admin, yet the model is not offered
        assert "notification" not in client.get("/admin/").content.decode()


def test_nobody_edits_or_adds_rows_by_hand(as_system_admin, failed):
    response = as_system_admin.post(
        f"{LIST}{failed.pk}/change/", {"status": "sent", "recipient": "x@example.vn"}
    )
    assert response.status_code == 403
    assert as_system_admin.get(f"{LIST}add/").status_code == 403
    failed.refresh_from_db()
    assert failed.recipient == "nguoi.nhan@example.vn"


def test_retry_action_requeues_failed_rows_only_and_audits_each(
    as_system_admin, system_admin, failed, settings, django_capture_on_commit_callbacks
):
    sent = row(status=Status.SENT, attempts=1, sent_at=timezone.now())
    pending = row(status=Status.PENDING, attempts=2, last_error="timeout")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_system_admin.post(
            LIST,
            {"action": "retry", "_selected_action": [failed.pk, sent.pk, pending.pk]},
        )
    assert response.status_code == 302
    assert len(callbacks) == 1  # one send scheduled, for the failed row
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.PENDING, 0)
    assert failed.next_attempt_at <= timezone.now()
    sent.refresh_from_db()
    pending.refresh_from_db()
    assert (sent.status, pending.status, pending.attempts) == (Status.SENT, Status.PENDING, 2)
    [event] = AuditEvent.objects.filter(action="notification.retry")
    assert event.actor_id == system_admin.pk
    assert event.object_id == str(failed.pk)
    assert event.summary["status"] == ["failed", "pending"]
    assert "Connection refused" in event.summary["last_error"]


def test_retried_row_is_delivered_by_the_scheduled_task(
    as_system_admin, failed, django_capture_on_commit_callbacks, smtp_server
):
    with django_capture_on_commit_callbacks(execute=True):
        as_system_admin.post(LIST, {"action": "retry", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == Status.SENT
    assert len(smtp_server.messages()) == 1
