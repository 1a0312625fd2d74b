"""Database constraints of the calendar tables, and the seeded swaps."""

from __future__ import annotations

import importlib
from datetime import date, time

import pytest
from django.db import IntegrityError, transaction

from egov.workcalendar.models import CalendarException, OfficeHours
from egov.workcalendar.services import CITED_EXCEPTIONS

pytestmark = pytest.mark.django_db


def exc(**fields) -> CalendarException:
    values = {"date": date(2026, 12, 31), "kind": "day_off", "name": "Nghỉ thêm", **fields}
    return CalendarException.objects.create(**values)


def refused(**fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        exc(**fields)


def test_migration_seeds_only_the_cited_swaps():
    rows = CalendarException.objects.order_by("date")
    assert [(r.date, r.kind, r.unit_id) for r in rows] == [
        (date(2025, 4, 26), "working_day", None),
        (date(2026, 8, 22), "working_day", None),
    ]
    assert all("DOMAIN.md §10" in r.note for r in rows)
    assert all(r.date.weekday() == 5 for r in rows)  # both are Saturdays


def test_migration_rows_are_the_service_rows():
    migration = importlib.import_module("egov.workcalendar.migrations.0002_cited_swaps")
    assert [(d, n, note) for d, n, note in migration.ROWS] == [
        (c.day, c.name, c.note) for c in CITED_EXCEPTIONS
    ]
    stored = {(r.date, r.name, r.note) for r in CalendarException.objects.all()}
    assert stored == {(c.day, c.name, c.note) for c in CITED_EXCEPTIONS}


def test_a_unit_with_calendar_rows_cannot_be_deleted(commune_a):
    from django.db.models import ProtectedError

    exc(unit=commune_a)
    hours(unit=commune_a)
    with pytest.raises(ProtectedError) as refused_delete, transaction.atomic():
        commune_a.delete()
    assert {type(o) for o in refused_delete.value.protected_objects} >= {CalendarException}
    assert CalendarException.objects.filter(unit=commune_a).exists()


def test_one_global_row_per_date():
    exc()
    refused()
    refused(kind="working_day", name="Khác")


def test_one_row_per_unit_and_date(commune_a, commune_b):
    exc(unit=commune_a)
    refused(unit=commune_a, kind="working_day")
    exc(unit=commune_b)  # another unit
    exc()  # the global row for the same date
    exc(unit=commune_a, date=date(2026, 12, 30))
    assert CalendarException.objects.filter(date=date(2026, 12, 31)).count() == 3


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "holiday"},
        {"kind": ""},
        {"kind": "DAY_OFF"},
        {"name": ""},
        {"date": date(1899, 12, 31)},
        {"date": date(2201, 1, 1)},
    ],
)
def test_row_checks(fields):
    refused(**fields)


def hours(**fields) -> OfficeHours:
    return OfficeHours.objects.create(**fields)


def hours_refused(**fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        hours(**fields)


def test_office_hours_defaults():
    row = hours()
    assert (row.morning_start, row.morning_end, row.afternoon_start, row.afternoon_end) == (
        time(7, 30),
        time(11, 30),
        time(13, 30),
        time(17),
    )
    assert "07:30–11:30" in str(row)


def test_one_default_and_one_per_unit(commune_a, commune_b):
    hours()
    hours_refused()
    hours(unit=commune_a)
    hours_refused(unit=commune_a)
    hours(unit=commune_b)
    assert OfficeHours.objects.count() == 3


@pytest.mark.parametrize(
    "fields",
    [
        {"morning_start": time(11, 30), "morning_end": time(7, 30)},
        {"morning_start": time(8), "morning_end": time(8)},
        {"morning_end": time(14)},
        {"afternoon_start": time(17), "afternoon_end": time(13, 30)},
        {"afternoon_start": time(17), "afternoon_end": time(17)},
    ],
)
def test_office_hours_checks(fields):
    hours_refused(**fields)


def test_full_clean_reports_the_constraints(commune_a):
    from django.core.exceptions import ValidationError

    hours(unit=commune_a)
    with pytest.raises(ValidationError):
        OfficeHours(unit=commune_a).full_clean()
    with pytest.raises(ValidationError):
        OfficeHours(morning_start=time(12), morning_end=time(11)).full_clean()
    exc()
    with pytest.raises(ValidationError):
        CalendarException(date=date(2026, 12, 31), kind="day_off", name="x").full_clean()
