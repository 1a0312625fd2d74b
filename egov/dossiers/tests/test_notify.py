"""The applicant hears of each change that matters, by e-mail and SMS, through the outbox."""

from __future__ import annotations

import pytest
from django.core import mail

from egov.core.errors import Conflict
from egov.dossiers import services
from egov.dossiers.services import ComponentInput
from egov.notifications.models import Notification


def _online(world):
    d = services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)
    d.components.update(provided=True)
    return services.submit(actor=world.citizen, dossier_id=d.pk, expected_version=d.row_version)


def test_submission_and_acceptance_are_told_by_mail_and_sms(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        d = _online(world)
    rows = Notification.objects.filter(ref=f"dossier:{d.pk}")
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "sms"]
    assert all(d.code in r.body and d.lookup_code in r.body for r in rows)
    assert "/tra-cuu-ho-so/?ma=" in rows.first().body
    assert [m.subject for m in mail.outbox] == [f"Đã nhận hồ sơ trực tuyến {d.code}"]
    assert mail.outbox[0].to == ["lan@example.vn"]
    with django_capture_on_commit_callbacks(execute=True):
        d = services.accept(
            actor=world.staff["officer"], dossier_id=d.pk, expected_version=d.row_version
        )
    assert mail.outbox[-1].subject == f"Hồ sơ {d.code} đã được tiếp nhận"
    assert "Hẹn trả kết quả" in mail.outbox[-1].body


def test_a_refused_change_sends_nothing(world):
    d = _online(world)
    before = Notification.objects.count()
    with pytest.raises(Conflict):
        services.deliver(
            actor=world.staff["officer"], dossier_id=d.pk, expected_version=d.row_version
        )
    assert Notification.objects.count() == before


def test_supplement_request_tells_what_to_add(world, applicant):
    d = services.counter_receive(
        actor=world.staff["officer"], unit=world.commune, procedure=world.procedure,
        applicant=applicant, components=[
            ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
        ],
    )  # fmt: skip
    services.request_supplement(
        actor=world.staff["specialist"], dossier_id=d.pk, expected_version=d.row_version,
        items="Bản sao giấy khai sinh", reason="Thiếu",
    )  # fmt: skip
    email = (
        Notification.objects.filter(ref=f"dossier:{d.pk}", channel="email").order_by("pk").last()
    )
    assert "Bản sao giấy khai sinh" in email.body and email.recipient == "hung@example.vn"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_each_event_has_its_own_message_filled_in(language):
    from datetime import UTC, datetime

    from django.utils import translation

    from egov.dossiers.models import Delivery, Dossier
    from egov.dossiers.notify import _MESSAGES, _message

    d = Dossier(
        code="000.00.00.H56-261124-0007",
        lookup_code="ABC234",
        due_at=datetime(2026, 12, 7, 10, 0, tzinfo=UTC),
        obligation_vnd=1234567,
        delivery=Delivery.POST,
    )
    detail = "Bản sao CCCD 100%"
    texts = set()
    with translation.override(language):
        for event in _MESSAGES:
            subject, text = _message(d, event, detail)
            assert d.code in subject and d.code in text, event
            assert "%(" not in subject + text, event
            texts.add(text)
        assert _message(d, "unknown", detail) is None
        assert "ABC234" in _message(d, "submit", detail)[1]
        assert "17:00 ngày 07/12/2026" in _message(d, "accept", detail)[1]  # Vietnam time
        assert "1.234.567" in _message(d, "request_payment", detail)[1]
        for event in ("request_supplement", "refuse", "extend", "stop"):
            assert detail in _message(d, event, detail)[1], event
    assert len(texts) == len(_MESSAGES)  # one message per event, not one for all
    with translation.override(language):
        submitted = _message(d, "submit", detail)[0]
    assert submitted.startswith("Đã nhận" if language == "vi" else "Online dossier")
