"""Two-factor login (TOTP): enrolment with a QR code, verification, throttling, safe `next`."""

from __future__ import annotations

from base64 import b32decode
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.accounts.models import Role, UserKind
from egov.audit.models import AuditEvent

SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0 - offset_steps * device.step,
        digits=device.digits,
        drift=device.drift,
    )
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, k) for k in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def unthrottle(device: TOTPDevice) -> None:
    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now() - timedelta(hours=1)
    device.save()


def verified_device_in_session(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


@pytest.fixture
def official(make_official, commune_a):
    return make_official(Role.SPECIALIST, commune_a, username="canbo")


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client


@pytest.fixture
def enrolled(official):
    return TOTPDevice.objects.create(user=official, name="egov", confirmed=True)


# --- Enrolment ----------------------------------------------------------------------------------


def test_setup_shows_qr_svg_and_secret_of_a_new_unconfirmed_device(official_client, official):
    response = official_client.get(SETUP)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=official)
    assert device.confirmed is False
    html = response.content.decode()
    assert "<svg" in html and "<?xml" not in html
    assert 'role="img"' in html
    secret = response.context["secret"]
    assert b32decode(secret.replace(" ", "")) == device.bin_key
    assert secret in html
    assert '<label for="id_code">' in html
    # A reload shows the same secret (the app may already hold it).
    assert official_client.get(SETUP).context["secret"] == secret
    assert TOTPDevice.objects.filter(user=official).count() == 1


def test_setup_confirms_with_a_real_code(official_client, official):
    official_client.get(SETUP)
    device = TOTPDevice.objects.get(user=official)
    response = official_client.post(SETUP, {"code": code_for(device), "next": "/office/"})
    assert response.status_code == 302
    assert response["Location"] == "/office/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert official_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    event = AuditEvent.objects.get(action="auth.2fa_enrolled")
    assert event.actor_id == official.pk
    # The staff home now opens (the two-factor middleware lets a verified official through).
    assert official_client.get("/office/").status_code == 200


def test_setup_accepts_a_code_typed_with_spaces(official_client, official):
    official_client.get(SETUP)
    device = TOTPDevice.objects.get(user=official)
    code = code_for(device)
    response = official_client.post(SETUP, {"code": f" {code[:3]} {code[3:]} "})
    assert response.status_code == 302


def test_setup_refuses_a_wrong_code(official_client, official):
    official_client.get(SETUP)
    device = TOTPDevice.objects.get(user=official)
    response = official_client.post(SETUP, {"code": wrong_code(device)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mã xác thực không đúng hoặc đã hết hạn." in html
    assert 'aria-describedby="id_code_helptext id_code_error"' in html
    device.refresh_from_db()
    assert device.confirmed is False
    assert device.throttling_failure_count == 1
    assert not verified_device_in_session(official_client)
    assert not AuditEvent.objects.filter(action="auth.2fa_enrolled").exists()


@pytest.mark.parametrize(
    "code",
    [
        "",
        "abc",
        "12345",
        "1234567",
        "１２３４５６",
        "<script>",
        "12345678901234567890123",
        "12\x0034",
    ],
)
def test_setup_rejects_malformed_codes_without_counting_them(official_client, official, code):
    official_client.get(SETUP)
    response = official_client.post(SETUP, {"code": code})
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    device = TOTPDevice.objects.get(user=official)
    assert device.confirmed is False
    assert device.throttling_failure_count == 0


def test_setup_with_a_confirmed_device_asks_for_the_code_first(official_client, enrolled):
    response = official_client.get(SETUP + "?next=/office/")
    assert response.status_code == 302
    assert response["Location"] == VERIFY + "?next=%2Foffice%2F"
    # POSTing a code for a new device is impossible: no second device is created.
    official_client.post(SETUP, {"code": "123456"})
    assert TOTPDevice.objects.filter(user=enrolled.user).count() == 1


def test_setup_for_a_verified_user_says_it_is_already_on(official_client, enrolled):
    official_client.post(VERIFY, {"code": code_for(enrolled)})
    response = official_client.get(SETUP, follow=True)
    assert "Xác thực hai lớp đã được bật cho tài khoản này." in response.content.decode()


def test_pages_need_login(client, db):
    for url in (SETUP, VERIFY):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_citizens_have_no_second_factor(client, make_user):
    citizen = make_user(kind=UserKind.CITIZEN)
    client.force_login(citizen)
    response = client.get(SETUP)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=citizen).exists()


# --- Verification -------------------------------------------------------------------------------


def test_verify_with_a_real_code(official_client, official, enrolled):
    response = official_client.get(VERIFY + "?next=/office/")
    assert response.status_code == 200
    assert '<label for="id_code">' in response.content.decode()
    response = official_client.post(VERIFY, {"code": code_for(enrolled), "next": "/office/"})
    assert response.status_code == 302
    assert response["Location"] == "/office/"
    assert official_client.session[DEVICE_ID_SESSION_KEY] == enrolled.persistent_id
    assert AuditEvent.objects.filter(action="auth.2fa_verified", actor=official).count() == 1


def test_verify_refuses_a_wrong_code_and_then_throttles(official_client, official, enrolled):
    response = official_client.post(VERIFY, {"code": wrong_code(enrolled)})
    assert response.status_code == 200
    assert "Mã xác thực không đúng hoặc đã hết hạn." in response.content.decode()
    assert not verified_device_in_session(official_client)
    failed = AuditEvent.objects.get(action="auth.2fa_failed")
    assert failed.actor_id == official.pk
    # Straight away even the right code is refused: django-otp's delay after a failure.
    response = official_client.post(VERIFY, {"code": code_for(enrolled)})
    assert "Vui lòng chờ" in response.content.decode()
    assert not verified_device_in_session(official_client)
    # Once the delay has passed, the right code works.
    unthrottle(enrolled)
    response = official_client.post(VERIFY, {"code": code_for(enrolled)})
    assert response.status_code == 302
    assert verified_device_in_session(official_client)


def test_a_code_cannot_be_used_twice(client, official, enrolled):
    code = code_for(enrolled)
    client.force_login(official)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    client.force_login(official)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert not verified_device_in_session(client)


def test_verify_without_a_device_goes_to_setup(official_client):
    response = official_client.get(VERIFY + "?next=/office/")
    assert response["Location"] == SETUP + "?next=%2Foffice%2F"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_open_redirect_in_next_is_ignored(official_client, enrolled, target):
    response = official_client.post(VERIFY, {"code": code_for(enrolled), "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/home/"


def test_hostile_next_is_escaped_in_the_form(official_client, enrolled):
    response = official_client.get(VERIFY, {"next": '/office/"><script>alert(1)</script>'})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html


def test_full_flow_password_then_code(client, official, enrolled):
    response = client.post(
        "/accounts/login/",
        {"username": "canbo", "password": "mat-khau-thu-nghiem-1", "next": "/office/"},
    )
    assert response["Location"] == "/office/"
    # Until the code is given, the office redirects to the second factor.
    assert client.get("/office/")["Location"] == VERIFY + "?next=%2Foffice%2F"
    response = client.post(VERIFY, {"code": code_for(enrolled), "next": "/office/"})
    assert response["Location"] == "/office/"
    page = client.get("/office/")
    assert page.status_code == 200
    assert "Chuyên viên" in page.content.decode()
