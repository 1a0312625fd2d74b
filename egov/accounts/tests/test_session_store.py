"""The session store and the user backend read by compiled queries: same answers as Django's,
and a signed-in request reads its session and its user in one query."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from egov.accounts.backends import ModelBackend
from egov.accounts.middleware import AuthenticationMiddleware
from egov.accounts.models import UserKind, UserSession
from egov.accounts.sessions import SessionStore


def _request_with(session_key):
    request = RequestFactory().get("/")
    request.session = SessionStore(session_key)
    return request


def _signed_in(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _middleware_user(session_key):
    request = _request_with(session_key)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    return request, request.user


@pytest.mark.django_db
def test_a_signed_in_session_gives_its_user_and_an_expired_one_nobody(make_user):
    alice, bob = make_user(UserKind.CITIZEN), make_user(UserKind.CITIZEN)
    key_a, key_b = _signed_in(alice), _signed_in(bob)
    assert get_user(_request_with(key_a)) == alice
    assert get_user(_request_with(key_b)) == bob
    assert UserSession.objects.get(session_key=key_a).user_id == alice.pk
    UserSession.objects.filter(session_key=key_a).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    request = _request_with(key_a)
    assert get_user(request).is_anonymous
    assert request.session.session_key is None  # as Django: the stale key is dropped
    UserSession.objects.filter(session_key=key_b).delete()
    assert get_user(_request_with(key_b)).is_anonymous
    assert get_user(_request_with("khong-co-phien-nay-12345")).is_anonymous
    assert get_user(_request_with(None)).is_anonymous


@pytest.mark.django_db
def test_the_session_and_its_user_are_one_query(make_user):
    alice = make_user(UserKind.CITIZEN)
    key = _signed_in(alice)
    with CaptureQueriesContext(connection) as ctx:
        request, user = _middleware_user(key)
        assert user.pk == alice.pk and user.is_authenticated
    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]
    assert request.user.full_name == alice.full_name  # the same object: no second read


@pytest.mark.django_db
def test_the_joined_user_is_checked_as_django_checks_it(make_user):
    alice, bob = make_user(UserKind.CITIZEN), make_user(UserKind.OFFICIAL)
    key = _signed_in(alice)
    # a password changed elsewhere: the session's hash no longer matches, nobody is signed in
    alice.set_password("mật-khẩu-mới-2026")
    alice.save()
    assert _middleware_user(key)[1].is_anonymous
    # a deactivated user is nobody, though the row came with the session
    key = _signed_in(bob)
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert _middleware_user(key)[1].is_anonymous


@pytest.mark.django_db
def test_a_row_naming_another_user_than_the_data_is_not_believed(make_user):
    alice, bob = make_user(UserKind.CITIZEN), make_user(UserKind.CITIZEN)
    key = _signed_in(alice)
    UserSession.objects.filter(session_key=key).update(user=bob)
    with CaptureQueriesContext(connection) as ctx:
        user = _middleware_user(key)[1]
        assert user.pk == alice.pk  # the session's data decides; the user is read by its key
    assert len(ctx.captured_queries) == 2


@pytest.mark.django_db
def test_a_users_sessions_go_with_the_user(make_user):
    alice, bob = make_user(UserKind.CITIZEN), make_user(UserKind.CITIZEN)
    _signed_in(alice), _signed_in(alice), _signed_in(bob)
    assert UserSession.objects.filter(user=alice).count() == 2
    alice.delete()
    assert not UserSession.objects.filter(user_id=alice.pk).exists()
    assert UserSession.objects.filter(user=bob).count() == 1


@pytest.mark.django_db
def test_the_upgrade_keeps_open_sessions_signed_in(make_user):
    alice = make_user(UserKind.CITIZEN)
    old = DjangoSessionStore()
    old.update({"_auth_user_id": str(alice.pk), "ghi_chu": "phiên cũ"})
    old.create()
    expired = DjangoSessionStore()
    expired.update({"_auth_user_id": str(alice.pk)})
    expired.set_expiry(-10)
    expired.create()
    unreadable = DjangoSessionStore()
    unreadable["x"] = 1
    unreadable.create()
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=unreadable.session_key).update(session_data="hỏng:dữ:liệu")
    migration = importlib.import_module("egov.accounts.migrations.0002_user_session")
    migration.copy_open_sessions(apps, None)
    copied = UserSession.objects.get(session_key=old.session_key)
    assert copied.user_id == alice.pk
    assert SessionStore(old.session_key).load()["ghi_chu"] == "phiên cũ"
    assert not UserSession.objects.filter(session_key=expired.session_key).exists()
    assert not UserSession.objects.filter(session_key=unreadable.session_key).exists()


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
