"""The staff calendar page /office/calendar/: for calendar managers, scoped by the policy."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from egov.accounts.models import Role, RoleGrant, UserKind
from egov.workcalendar import services

pytestmark = pytest.mark.django_db

PAGE = "/office/calendar/"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False


@pytest.fixture
def rows(make_user, commune_a, commune_b):
    actor = make_user()
    return {
        "a": services.exception_create(
            actor=actor, day=date(2026, 12, 31), kind="day_off", name="Nghỉ XÃANHOA", unit=commune_a
        ),
        "b": services.exception_create(
            actor=actor,
            day=date(2026, 12, 30),
            kind="day_off",
            name="Nghỉ BIMATBINH",
            unit=commune_b,
        ),
    }


def test_url():
    assert reverse("office:calendar") == PAGE


def test_anonymous_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("role", [Role.SPECIALIST, Role.ONE_STOP_OFFICER, Role.LEADER, Role.CLERK])
def test_commune_user_without_the_permission_gets_403(client, make_official, commune_a, role):
    client.force_login(make_official(role, commune_a))
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}?year=2026&unit={commune_a.pk}").status_code == 403


def test_citizen_gets_403(client, make_user):
    client.force_login(make_user(kind=UserKind.CITIZEN))
    assert client.get(PAGE).status_code == 403


def test_unit_admin_sees_the_year_and_own_rows_only(client, make_official, commune_a, rows):
    client.force_login(make_official(Role.UNIT_ADMIN, commune_a))
    response = client.get(f"{PAGE}?year=2026")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ngày Văn hóa Việt Nam" in body
    assert "24/11/2026" in body
    assert "22/08/2026" in body  # the worked Saturday
    assert "XÃANHOA" in body
    assert "BIMATBINH" not in body
    response = client.get(f"{PAGE}?year=2026&unit={commune_a.pk}")
    assert response.status_code == 200
    assert response.context["listing"].spec.days_off[date(2026, 12, 31)].name == "Nghỉ XÃANHOA"


def test_sibling_unit_is_not_offered(client, make_official, commune_a, commune_b, rows):
    client.force_login(make_official(Role.UNIT_ADMIN, commune_a))
    response = client.get(f"{PAGE}?year=2026&unit={commune_b.pk}")
    assert response.status_code == 400
    assert "BIMATBINH" not in response.content.decode()


def test_system_admin_sees_every_row(client, make_user, rows):
    user = make_user(kind=UserKind.OFFICIAL)
    RoleGrant.objects.create(user=user, role=Role.SYSTEM_ADMIN, unit=None)
    client.force_login(user)
    body = client.get(f"{PAGE}?year=2026").content.decode()
    assert "XÃANHOA" in body and "BIMATBINH" in body


@pytest.mark.parametrize(
    "query",
    [
        "year=1899",
        "year=2201",
        "year=abc",
        "year=" + "9" * 5000,
        "year=2026&unit=abc",
        "year=2026&unit=99999999",
        "year=%FF",
        "year=<script>",
    ],
)
def test_bad_parameters_answer_400(client, make_official, commune_a, query):
    client.force_login(make_official(Role.UNIT_ADMIN, commune_a))
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 400
    assert "<script>" not in response.content.decode()


def test_default_is_this_year(client, make_official, commune_a):
    client.force_login(make_official(Role.UNIT_ADMIN, commune_a))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["year"] >= 2026


def test_post_is_refused(client, make_official, commune_a):
    client.force_login(make_official(Role.UNIT_ADMIN, commune_a))
    assert client.post(PAGE, {"year": 2026}).status_code == 405
