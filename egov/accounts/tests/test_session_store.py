"""The session store and the user backend read by compiled queries: same answers as Django's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.utils import timezone

from egov.accounts.backends import ModelBackend
from egov.accounts.models import UserKind
from egov.accounts.sessions import SessionStore


def _request_with(session_key):
    request = RequestFactory().get("/")
    request.session = SessionStore(session_key)
    return request


@pytest.mark.django_db
def test_a_signed_in_session_gives_its_user_and_an_expired_one_nobody(make_user):
    alice, bob = make_user(UserKind.CITIZEN), make_user(UserKind.CITIZEN)
    keys = []
    for user in (alice, bob):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies["sessionid"].value)
    key_a, key_b = keys
    assert get_user(_request_with(key_a)) == alice
    assert get_user(_request_with(key_b)) == bob
    Session.objects.filter(session_key=key_a).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    request = _request_with(key_a)
    assert get_user(request).is_anonymous
    assert request.session.session_key is None  # as Django: the stale key is dropped
    Session.objects.filter(session_key=key_b).delete()
    assert get_user(_request_with(key_b)).is_anonymous
    assert get_user(_request_with("khong-co-phien-nay-12345")).is_anonymous
    assert get_user(_request_with(None)).is_anonymous


@pytest.mark.django_db
def test_the_backend_gives_active_users_only(make_user):
    backend = ModelBackend()
    user = make_user(UserKind.OFFICIAL)
    assert backend.get_user(user.pk) == backend.get_user(str(user.pk)) == user
    for bad in ("abc", None, "", 10**12):
        assert backend.get_user(bad) is None
    user.is_active = False
    user.save()
    assert backend.get_user(user.pk) is None
