"""Portal pages and the shared layout (base.html): language, landmarks, navigation, home route."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.accounts.models import Role, UserKind


def login_verified(client, user) -> None:
    """Log in an official who has passed the second factor."""
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def citizen(make_user):
    return make_user(
        kind=UserKind.CITIZEN,
        username="congdan",
        full_name="Trần Thị Bình",
        national_id="001099012345",
        phone="0912345678",
    )


def test_portal_home_is_public_vietnamese_and_has_the_landmarks(client, db):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Cổng dịch vụ công — egov" in html
    assert '<a class="skip-link" href="#main">' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert html.count("<h1>") == 1
    # The language switch is a plain form posting to Django's set_language (works without JS).
    assert 'action="/i18n/setlang/" method="post"' in html
    assert 'name="language" value="en"' in html


def test_layout_loads_nothing_from_another_server(client, db):
    html = client.get("/").content.decode()
    for attribute in re.findall(r'(?:src|href|action)="([^"]*)"', html):
        assert not re.match(r"^(https?:)?//", attribute), attribute
    assert "/static/css/egov.css" in html
    assert "/static/vendor/htmx/htmx.min.js" in html


def test_switching_to_english_changes_the_text(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Public service portal" in html
    assert 'name="language" value="vi"' in html


def test_language_switch_ignores_a_foreign_next(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_anonymous_nav_offers_login(client, db):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html
    assert "Đăng xuất" not in html
    assert '<a href="/" aria-current="page">' in html


def test_home_route_sends_each_kind_of_user_home(client, citizen, make_official, commune_a):
    assert client.get("/home/")["Location"] == reverse("portal:home")
    client.force_login(citizen)
    assert client.get("/home/")["Location"] == reverse("portal:citizen-home")
    official = make_official(Role.SPECIALIST, commune_a)
    login_verified(client, official)
    assert client.get("/home/")["Location"] == reverse("office:home")


def test_citizen_home_needs_login(client, db):
    response = client.get("/citizen/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/citizen/"


def test_citizen_home_shows_the_profile_and_a_logout_form(client, citizen):
    client.force_login(citizen)
    response = client.get("/citizen/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trần Thị Bình" in html
    assert "001099012345" in html
    assert "Công dân" in html
    assert 'action="/accounts/logout/"' in html
    assert 'href="/office/"' not in html
    assert 'href="/admin/"' not in html


def test_citizen_name_is_escaped(client, make_user):
    user = make_user(kind=UserKind.BUSINESS, full_name="<script>alert(1)</script>")
    client.force_login(user)
    html = client.get("/citizen/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_official_opening_citizen_home_goes_to_the_office(client, make_official, commune_a):
    official = make_official(Role.CLERK, commune_a)
    login_verified(client, official)
    assert client.get("/citizen/")["Location"] == reverse("office:home")


def test_messages_are_announced(client, citizen):
    # Logging out of a page writes no message; the idle timeout and 2FA pages do. Use one.
    client.force_login(citizen)
    response = client.get("/accounts/2fa/setup/", follow=True)
    html = response.content.decode()
    assert 'role="status"' in html
    assert "Xác thực hai lớp chỉ áp dụng cho tài khoản cán bộ." in html


def test_admin_link_only_for_those_the_admin_lets_in(client, make_official, commune_a):
    specialist = make_official(Role.SPECIALIST, commune_a)
    login_verified(client, specialist)
    assert 'href="/admin/"' not in client.get("/office/").content.decode()
    admin_user = make_official(Role.UNIT_ADMIN, commune_a)
    login_verified(client, admin_user)
    html = client.get("/office/").content.decode()
    assert 'href="/admin/"' in html
    assert client.get("/admin/").status_code == 200


# --- Error pages --------------------------------------------------------------------------------


def test_404_page_is_in_vietnamese_within_the_layout(client, db):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html
    assert '<main id="main"' in html


def test_403_page_is_in_vietnamese(client, citizen):
    client.force_login(citizen)
    response = client.get("/office/")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()


def test_csrf_failure_page_is_in_vietnamese(citizen):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "congdan", "password": "x"})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in response.content.decode()


@pytest.mark.parametrize("name", ["500.html", "400.html"])
def test_bare_error_pages_render_without_request_or_database(name):
    # Django renders these with an empty context; they must not need a request or a query.
    from django.template.loader import render_to_string

    html = render_to_string(name)
    assert '<html lang="vi">' in html
    assert "/static/css/egov.css" in html
