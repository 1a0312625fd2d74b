"""Reads: a unit's calendar from its scope path, and the policy-scoped lists for staff."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from egov.accounts.models import Role, RoleGrant, UserKind
from egov.core.errors import ValidationFailed
from egov.units.models import Unit, UnitKind
from egov.units.services import unit_create
from egov.workcalendar import selectors, services
from egov.workcalendar.deadlines import VN_TZ

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(make_user):
    return make_user()


def test_unit_chain(province, commune_a):
    assert selectors.unit_chain(None) == ()
    assert selectors.unit_chain(province) == (province.pk,)
    assert selectors.unit_chain(commune_a) == (province.pk, commune_a.pk)
    bare = Unit.objects.create(name="Chưa có đường dẫn", kind=UnitKind.COMMUNE)
    assert selectors.unit_chain(bare) == (bare.pk,)


def test_an_agency_inherits_from_its_commune_and_province(actor, province, commune_a):
    agency = unit_create(
        actor=None, name="Bộ phận một cửa", kind=UnitKind.OFFICE, parent=commune_a, audit=False
    )
    services.exception_create(
        actor=actor, day=date(2026, 12, 31), kind="day_off", name="Tỉnh", unit=province
    )
    services.office_hours_set(
        actor=actor,
        unit=commune_a,
        morning_start=time(7),
        morning_end=time(11),
        afternoon_start=time(13),
        afternoon_end=time(17),
    )
    calendar = selectors.calendar_for(agency)
    assert not calendar.is_working_day(date(2026, 12, 31))
    assert calendar.schedule.morning_start == time(7)
    assert selectors.next_working_day(date(2026, 12, 30), unit=agency) == date(2027, 1, 4)
    assert selectors.working_days_between(date(2026, 12, 30), date(2027, 1, 4), unit=agency) == 1
    assert selectors.working_days_between(date(2026, 12, 30), date(2027, 1, 4)) == 2


def test_due_date_for_defaults_to_working_days():
    result = selectors.due_date_for(received_at=datetime(2026, 11, 23, 9), amount=1)
    assert result.due_at == datetime(2026, 11, 25, 17, tzinfo=VN_TZ)


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", str(2**63), "987654321", [1]])
def test_unit_for_calendar_refuses(value):
    with pytest.raises(ValidationFailed):
        selectors.unit_for_calendar(value)


def test_unit_for_calendar(commune_a):
    assert selectors.unit_for_calendar(None) is None
    assert selectors.unit_for_calendar("") is None
    assert selectors.unit_for_calendar(str(commune_a.pk)) == commune_a


def test_year_listing_checks_the_year():
    assert selectors.year_listing(year=2026).year == 2026
    for bad in (1899, 2201, "x", None):
        with pytest.raises(ValidationFailed):
            selectors.year_listing(year=bad)


@pytest.fixture
def scoped_rows(actor, commune_a, commune_b):
    services.exception_create(
        actor=actor, day=date(2026, 12, 31), kind="day_off", name="A", unit=commune_a
    )
    services.exception_create(
        actor=actor, day=date(2026, 12, 31), kind="day_off", name="B", unit=commune_b
    )
    for unit in (None, commune_a, commune_b):
        services.office_hours_set(
            actor=actor,
            unit=unit,
            morning_start=time(7),
            morning_end=time(11),
            afternoon_start=time(13),
            afternoon_end=time(17),
        )


def test_staff_lists_are_scoped(scoped_rows, make_official, make_user, commune_a, province):
    admin_a = make_official(Role.UNIT_ADMIN, commune_a)
    names = {r.name for r in selectors.exceptions_for_user(admin_a, year=2026)}
    assert names == {"A", "Làm bù cho ngày nghỉ 31/08/2026"}
    assert {h.unit_id for h in selectors.office_hours_for_user(admin_a)} == {None, commune_a.pk}

    province_admin = make_official(Role.UNIT_ADMIN, province, include_subtree=True)
    assert {r.name for r in selectors.exceptions_for_user(province_admin, year=2026)} >= {"A", "B"}

    system = make_user(kind=UserKind.OFFICIAL)
    RoleGrant.objects.create(user=system, role=Role.SYSTEM_ADMIN, unit=None)
    assert selectors.exceptions_for_user(system, year=2026).count() == 3
    assert selectors.office_hours_for_user(system).count() == 3

    specialist = make_official(Role.SPECIALIST, commune_a)
    assert [r.unit_id for r in selectors.exceptions_for_user(specialist, year=2026)] == [None]
    assert selectors.exceptions_for_user(specialist, year=2025).count() == 1
