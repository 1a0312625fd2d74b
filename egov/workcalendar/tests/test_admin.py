"""The calendar in the Django admin: scoped by the policy, every change through the services."""

from __future__ import annotations

from datetime import date, time

import pytest

from egov.accounts.models import Role, RoleGrant, UserKind
from egov.audit.models import AuditEvent
from egov.workcalendar import selectors, services
from egov.workcalendar.models import CalendarException, OfficeHours

pytestmark = pytest.mark.django_db

EXC = "/admin/workcalendar/calendarexception/"
HOURS = "/admin/workcalendar/officehours/"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False


@pytest.fixture
def system_admin(make_user):
    user = make_user(kind=UserKind.OFFICIAL, username="qt.he.thong")
    RoleGrant.objects.create(user=user, role=Role.SYSTEM_ADMIN, unit=None)
    return user


@pytest.fixture
def admin_a(make_official, commune_a):
    return make_official(Role.UNIT_ADMIN, commune_a, username="qt.xa.an")


def snapshot() -> tuple:
    return (
        list(
            CalendarException.objects.order_by("id").values_list("date", "kind", "name", "unit_id")
        ),
        list(OfficeHours.objects.order_by("id").values_list("unit_id", "morning_start")),
        AuditEvent.objects.filter(action__startswith="calendar.").count(),
    )


def form(**fields) -> dict:
    return {"date": "2026-12-31", "kind": "day_off", "name": "Nghỉ cuối năm", "note": "", **fields}


def test_system_admin_adds_a_global_day_off(client, system_admin):
    client.force_login(system_admin)
    assert client.get(EXC).status_code == 200
    assert client.get(f"{EXC}add/").status_code == 200
    response = client.post(f"{EXC}add/", form(name="  Nghỉ   cuối năm "))
    assert response.status_code == 302, response.content.decode()[:2000]
    row = CalendarException.objects.get(date=date(2026, 12, 31))
    assert row.unit_id is None and row.name == "Nghỉ cuối năm"
    event = AuditEvent.objects.get(action="calendar.exception_create")
    assert event.actor_id == system_admin.pk and event.object_id == str(row.pk)
    assert not selectors.is_working_day(date(2026, 12, 31))


def test_system_admin_edits_and_deletes(client, system_admin):
    client.force_login(system_admin)
    row = CalendarException.objects.get(date=date(2026, 8, 22))
    response = client.post(
        f"{EXC}{row.pk}/change/",
        form(date="2026-08-22", kind="working_day", name="Làm bù 31/8", note=row.note),
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.name == "Làm bù 31/8"
    assert AuditEvent.objects.filter(action="calendar.exception_update").count() == 1
    response = client.post(f"{EXC}{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarException.objects.filter(pk=row.pk).exists()
    assert AuditEvent.objects.filter(action="calendar.exception_delete").count() == 1
    assert not selectors.is_working_day(date(2026, 8, 22))


def test_bulk_delete_goes_through_the_service(client, system_admin):
    client.force_login(system_admin)
    ids = list(CalendarException.objects.values_list("pk", flat=True))
    response = client.post(
        EXC, {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302
    assert CalendarException.objects.count() == 0
    assert AuditEvent.objects.filter(action="calendar.exception_delete").count() == len(ids)


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "   "},
        {"kind": "holiday"},
        {"date": "31/02/2026"},
        {"date": "1899-12-31"},
        {"date": "2026-08-22"},  # the global row for that date exists (a conflict)
        {"name": "x" * 201},
    ],
)
def test_bad_admin_input_changes_nothing(client, system_admin, fields):
    client.force_login(system_admin)
    before = snapshot()
    response = client.post(f"{EXC}add/", form(**fields))
    assert response.status_code == 200  # the form again, with errors
    assert response.context["adminform"].form.errors
    assert snapshot() == before


def test_unit_admin_works_in_own_unit_only(client, admin_a, commune_a, commune_b, make_user):
    other = services.exception_create(
        actor=make_user(), day=date(2026, 12, 30), kind="day_off", name="Xã Bình", unit=commune_b
    )
    client.force_login(admin_a)
    listing = client.get(EXC)
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == []  # neither global nor commune B's rows
    before = snapshot()
    # a global row is refused, so is a row for the sibling commune
    response = client.post(f"{EXC}add/", form())
    assert response.status_code == 200 and "unit" in response.context["adminform"].form.errors
    response = client.post(f"{EXC}add/", form(unit=commune_b.pk))
    assert response.status_code == 200 and "unit" in response.context["adminform"].form.errors
    # neither may they open, change or delete a row of the sibling or a global row
    for pk in (other.pk, CalendarException.objects.get(date=date(2026, 8, 22)).pk):
        assert client.get(f"{EXC}{pk}/change/").status_code in (302, 403, 404)
        assert client.post(f"{EXC}{pk}/change/", form(unit=commune_a.pk)).status_code in (
            302,
            403,
            404,
        )
        assert client.post(f"{EXC}{pk}/delete/", {"post": "yes"}).status_code in (302, 403, 404)
    assert snapshot() == before
    # their own commune is fine
    response = client.post(f"{EXC}add/", form(unit=commune_a.pk))
    assert response.status_code == 302
    row = CalendarException.objects.get(unit=commune_a)
    assert AuditEvent.objects.get(action="calendar.exception_create", object_id=str(row.pk))
    assert not selectors.is_working_day(date(2026, 12, 31), unit=commune_a)
    assert selectors.is_working_day(date(2026, 12, 31), unit=commune_b)


def test_commune_user_without_the_permission(client, make_official, commune_a):
    client.force_login(make_official(Role.SPECIALIST, commune_a))
    before = snapshot()
    for path in (EXC, f"{EXC}add/", HOURS):
        assert client.get(path).status_code in (302, 403)
    assert client.post(f"{EXC}add/", form(unit=commune_a.pk)).status_code in (302, 403)
    assert snapshot() == before


def test_office_hours_in_the_admin(client, admin_a, commune_a):
    client.force_login(admin_a)
    before = snapshot()
    bad = {
        "unit": commune_a.pk,
        "morning_start": "08:00",
        "morning_end": "14:00",
        "afternoon_start": "13:00",
        "afternoon_end": "17:00",
    }
    response = client.post(f"{HOURS}add/", bad)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert snapshot() == before
    response = client.post(f"{HOURS}add/", {**bad, "morning_end": "12:00"})
    assert response.status_code == 302
    row = OfficeHours.objects.get(unit=commune_a)
    assert (row.morning_start, row.afternoon_start) == (time(8), time(13))
    assert AuditEvent.objects.filter(action="calendar.office_hours_set").count() == 1
    assert selectors.calendar_for(commune_a).schedule.morning_start == time(8)
    # changing keeps the unit, goes through the service
    response = client.post(f"{HOURS}{row.pk}/change/", {**bad, "morning_end": "11:30"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.morning_end == time(11, 30)
    assert AuditEvent.objects.filter(action="calendar.office_hours_set").count() == 2
    # the default hours (no unit) are for system administrators only
    response = client.post(f"{HOURS}add/", {**bad, "unit": "", "morning_end": "12:00"})
    assert response.status_code == 200
    assert OfficeHours.objects.filter(unit__isnull=True).count() == 0
    response = client.post(f"{HOURS}{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert OfficeHours.objects.count() == 0
    assert AuditEvent.objects.filter(action="calendar.office_hours_delete").count() == 1
