"""Reads of the outbox."""

from __future__ import annotations

import pytest

from egov.notifications.models import Channel, Notification
from egov.notifications.selectors import notifications_about


@pytest.mark.django_db
def test_messages_about_one_object_are_found_by_ref():
    def make(ref):
        return Notification.objects.create(
            channel=Channel.SMS, recipient="+84912345678", body="x", ref=ref
        )

    first, _other, second = make("dossier:1"), make("dossier:10"), make("dossier:1")
    assert list(notifications_about("dossier:1")) == [first, second]
    assert list(notifications_about("dossier:")) == []
