"""Idle timeout and the second factor required of officials."""

from __future__ import annotations

import time

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.accounts.models import Role, UserKind
from egov.audit.models import AuditEvent


@pytest.fixture
def official(make_official, commune_a):
    return make_official(Role.LEADER, commune_a)


def _age_session(client, seconds):
    session = client.session
    session["egov_last_seen"] = int(time.time()) - seconds
    session.save()


def test_official_is_logged_out_after_15_idle_minutes(client, settings, official):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    client.force_login(official)
    assert client.get("/office/").status_code == 200
    _age_session(client, 14 * 60)
    assert client.get("/office/").status_code == 200
    _age_session(client, 15 * 60 + 5)
    response = client.get("/office/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert AuditEvent.objects.filter(action="auth.idle_timeout", actor=official).exists()


def test_idle_limit_is_configurable_and_citizens_have_their_own(client, settings, make_user):
    settings.EGOV_CITIZEN_IDLE_MINUTES = 1
    citizen = make_user(kind=UserKind.CITIZEN)
    client.force_login(citizen)
    assert client.get("/citizen/").status_code == 200
    _age_session(client, 61)
    assert client.get("/citizen/").status_code == 302


def test_unverified_official_is_sent_to_enrol_then_to_verify(client, settings, official):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = True
    client.force_login(official)
    response = client.get("/office/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/setup/")
    TOTPDevice.objects.create(user=official, name="app", confirmed=True)
    response = client.get("/office/units/")
    assert response["Location"].startswith("/accounts/2fa/verify/")
    assert "next=%2Foffice%2Funits%2F" in response["Location"]
    # the API answers problem details instead of redirecting
    api = client.get("/api/v1/schema/")
    assert api.status_code in (200, 403)
    admin = client.get("/admin/")
    assert admin.status_code == 302


def test_unverified_official_gets_problem_details_from_private_api(client, settings, official):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = True
    client.force_login(official)
    response = client.get("/api/v1/private-probe/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("second_factor_required")


def test_citizens_need_no_second_factor(client, settings, make_user):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = True
    citizen = make_user(kind=UserKind.CITIZEN)
    client.force_login(citizen)
    assert client.get("/citizen/").status_code == 200


def test_second_factor_can_be_relaxed_for_the_demo(client, settings, official):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    client.force_login(official)
    assert client.get("/office/").status_code == 200
