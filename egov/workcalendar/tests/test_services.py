"""Writes to the calendar: validation, audit events in the same transaction, cache invalidation."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.core.cache import cache
from django.db import transaction

from egov.audit.models import AuditEvent
from egov.core.errors import Conflict, ValidationFailed
from egov.workcalendar import caching, selectors, services
from egov.workcalendar.deadlines import VN_TZ
from egov.workcalendar.models import CalendarException, OfficeHours

pytestmark = pytest.mark.django_db

NEW_YEARS_EVE = date(2026, 12, 31)  # a Thursday


@pytest.fixture
def actor(make_user):
    return make_user(username="quan.tri.lich")


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def state() -> tuple:
    return (
        list(
            CalendarException.objects.order_by("id").values_list(
                "date", "kind", "name", "note", "unit_id"
            )
        ),
        list(
            OfficeHours.objects.order_by("id").values_list(
                "unit_id", "morning_start", "afternoon_end"
            )
        ),
        AuditEvent.objects.count(),
    )


def test_create_audits_and_changes_the_calendar(actor, commune_a):
    assert selectors.is_working_day(NEW_YEARS_EVE)
    row = services.exception_create(
        actor=actor,
        day=NEW_YEARS_EVE,
        kind="day_off",
        name="  Nghỉ   cuối năm ",
        note="Quyết định thử",
    )
    assert row.name == "Nghỉ cuối năm"
    assert not selectors.is_working_day(NEW_YEARS_EVE)
    assert not selectors.is_working_day(NEW_YEARS_EVE, unit=commune_a)  # global row
    [event] = events("calendar.exception_create")
    assert event.actor_id == actor.pk
    assert event.object_id == str(row.pk)
    assert event.unit_id is None
    assert event.summary == {
        "date": "2026-12-31",
        "kind": "day_off",
        "name": "Nghỉ cuối năm",
        "note": "Quyết định thử",
        "unit": None,
    }


def test_unit_row_applies_to_the_unit_and_below_only(actor, province, commune_a, commune_b):
    services.exception_create(
        actor=actor, day=NEW_YEARS_EVE, kind="day_off", name="Tỉnh nghỉ", unit=province
    )
    services.exception_create(
        actor=actor, day=NEW_YEARS_EVE, kind="working_day", name="Xã An trực", unit=commune_a
    )
    assert selectors.is_working_day(NEW_YEARS_EVE)
    assert not selectors.is_working_day(NEW_YEARS_EVE, unit=province)
    assert not selectors.is_working_day(NEW_YEARS_EVE, unit=commune_b)
    assert selectors.is_working_day(NEW_YEARS_EVE, unit=commune_a)
    [event, _] = events("calendar.exception_create")
    assert event.unit_id == province.pk


def test_update_and_delete(actor, commune_a):
    row = services.exception_create(actor=actor, day=NEW_YEARS_EVE, kind="day_off", name="A")
    services.exception_update(
        actor=actor,
        exception=row,
        day=date(2026, 12, 30),
        kind="day_off",
        name="B",
        unit=commune_a,
    )
    row.refresh_from_db()
    assert (row.date, row.name, row.unit_id) == (date(2026, 12, 30), "B", commune_a.pk)
    assert selectors.is_working_day(NEW_YEARS_EVE)
    assert not selectors.is_working_day(date(2026, 12, 30), unit=commune_a)
    [event] = events("calendar.exception_update")
    assert event.summary["changes"] == {
        "date": ["2026-12-31", "2026-12-30"],
        "name": ["A", "B"],
        "unit": [None, commune_a.pk],
    }
    services.exception_delete(actor=actor, exception=row)
    assert not CalendarException.objects.filter(pk=row.pk).exists()
    assert selectors.is_working_day(date(2026, 12, 30), unit=commune_a)
    [event] = events("calendar.exception_delete")
    assert event.summary["name"] == "B" and event.unit_id == commune_a.pk


def test_update_without_change_writes_nothing(actor):
    row = services.exception_create(actor=actor, day=NEW_YEARS_EVE, kind="day_off", name="A")
    services.exception_update(
        actor=actor, exception=row, day=NEW_YEARS_EVE, kind="day_off", name=" A ", unit=None
    )
    assert events("calendar.exception_update") == []


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 201},
        {"note": "y" * 501},
        {"name": None},
        {"kind": "holiday"},
        {"kind": "tet'; DROP TABLE workcalendar_calendarexception; --"},
        {"day": date(1899, 12, 31)},
        {"day": date(2201, 1, 1)},
        {"day": "2026-12-31"},
        {"day": None},
    ],
)
def test_bad_input_changes_nothing(actor, fields):
    before = state()
    args = {"day": NEW_YEARS_EVE, "kind": "day_off", "name": "Nghỉ", **fields}
    with pytest.raises(ValidationFailed):
        services.exception_create(actor=actor, **args)
    assert state() == before


def test_hostile_text_is_stored_as_text(actor):
    name = "<script>alert(1)</script> Nghỉ\u200b\x00"
    row = services.exception_create(actor=actor, day=NEW_YEARS_EVE, kind="day_off", name=name)
    assert row.name == "<script>alert(1)</script> Nghỉ"
    decomposed = "Nghe\u0302\u0300 le\u0302\u0303"  # "Nghề lễ" typed with combining marks
    row2 = services.exception_create(
        actor=actor, day=date(2026, 12, 30), kind="day_off", name=decomposed
    )
    assert row2.name == "Nghề lễ"


def test_duplicate_is_a_conflict_and_changes_nothing(actor, commune_a):
    services.exception_create(actor=actor, day=NEW_YEARS_EVE, kind="day_off", name="A")
    services.exception_create(
        actor=actor, day=NEW_YEARS_EVE, kind="day_off", name="A", unit=commune_a
    )
    before = state()
    with pytest.raises(Conflict):
        services.exception_create(actor=actor, day=NEW_YEARS_EVE, kind="working_day", name="B")
    with pytest.raises(Conflict):
        services.exception_create(
            actor=actor, day=NEW_YEARS_EVE, kind="working_day", name="B", unit=commune_a
        )
    assert state() == before


def test_audit_failure_rolls_the_change_back(actor, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", boom)
    before = state()
    with pytest.raises(RuntimeError):
        services.exception_create(actor=actor, day=NEW_YEARS_EVE, kind="day_off", name="A")
    assert state() == before
    assert selectors.is_working_day(NEW_YEARS_EVE)


def test_office_hours_set_and_delete(actor, province, commune_a, commune_b):
    received = datetime(2026, 11, 26, 16, tzinfo=VN_TZ)
    due = selectors.due_date_for(received_at=received, amount=2, amount_unit="hour", unit=commune_a)
    assert due.due_at == datetime(2026, 11, 27, 8, 30, tzinfo=VN_TZ)
    services.office_hours_set(
        actor=actor,
        unit=province,
        morning_start=time(8),
        morning_end=time(12),
        afternoon_start=time(13),
        afternoon_end=time(17),
    )
    due = selectors.due_date_for(received_at=received, amount=2, amount_unit="hour", unit=commune_a)
    assert due.due_at == datetime(2026, 11, 27, 9, tzinfo=VN_TZ)  # inherited from the province
    row = services.office_hours_set(
        actor=actor,
        unit=commune_a,
        morning_start=time(7),
        morning_end=time(11),
        afternoon_start=time(13),
        afternoon_end=time(16, 30),
    )
    due = selectors.due_date_for(received_at=received, amount=2, amount_unit="hour", unit=commune_a)
    assert due.due_at == datetime(2026, 11, 27, 8, 30, tzinfo=VN_TZ)  # 0.5 h + 1.5 h from 07:00
    due = selectors.due_date_for(received_at=received, amount=2, amount_unit="hour", unit=commune_b)
    assert due.due_at == datetime(2026, 11, 27, 9, tzinfo=VN_TZ)
    # setting the same hours again changes nothing
    services.office_hours_set(
        actor=actor,
        unit=commune_a,
        morning_start=time(7),
        morning_end=time(11),
        afternoon_start=time(13),
        afternoon_end=time(16, 30),
    )
    assert len(events("calendar.office_hours_set")) == 2
    services.office_hours_delete(actor=actor, office_hours=row)
    due = selectors.due_date_for(received_at=received, amount=2, amount_unit="hour", unit=commune_a)
    assert due.due_at == datetime(2026, 11, 27, 9, tzinfo=VN_TZ)
    [event] = events("calendar.office_hours_delete")
    assert event.unit_id == commune_a.pk


def test_default_office_hours_row(actor):
    services.office_hours_set(
        actor=actor,
        unit=None,
        morning_start=time(8),
        morning_end=time(12),
        afternoon_start=time(13),
        afternoon_end=time(17),
    )
    assert selectors.calendar_for().schedule.hours_per_day == 8
    services.office_hours_set(
        actor=actor,
        unit=None,
        morning_start=time(7),
        morning_end=time(11),
        afternoon_start=time(13),
        afternoon_end=time(17),
    )
    assert OfficeHours.objects.count() == 1
    assert selectors.calendar_for().schedule.morning_start == time(7)


@pytest.mark.parametrize(
    "times",
    [
        (time(12), time(11), time(13), time(17)),
        (time(8), time(14), time(13), time(17)),
        (time(8), time(12), time(17), time(13)),
        ("08:00", time(12), time(13), time(17)),
        (None, time(12), time(13), time(17)),
    ],
)
def test_bad_office_hours_change_nothing(actor, commune_a, times):
    before = state()
    with pytest.raises(ValidationFailed):
        services.office_hours_set(
            actor=actor,
            unit=commune_a,
            morning_start=times[0],
            morning_end=times[1],
            afternoon_start=times[2],
            afternoon_end=times[3],
        )
    assert state() == before


def test_load_calendar_exceptions_is_idempotent(actor):
    assert services.load_calendar_exceptions(actor=actor) == []  # the migration seeded them
    CalendarException.objects.filter(date=date(2026, 8, 22)).delete()
    caching.invalidate()
    assert not selectors.is_working_day(date(2026, 8, 22))
    [created] = services.load_calendar_exceptions(actor=actor)
    assert created.date == date(2026, 8, 22) and created.kind == "working_day"
    assert "DOMAIN.md §10" in created.note
    assert selectors.is_working_day(date(2026, 8, 22))
    assert len(events("calendar.exception_create")) == 1
    assert services.load_calendar_exceptions(actor=actor) == []


def test_load_leaves_an_administrators_decision_alone(actor):
    row = CalendarException.objects.get(date=date(2025, 4, 26))
    services.exception_update(
        actor=actor, exception=row, day=row.date, kind="day_off", name="Nghỉ", unit=None
    )
    assert services.load_calendar_exceptions(actor=actor) == []
    assert CalendarException.objects.get(date=date(2025, 4, 26)).kind == "day_off"


# --- the cache ----------------------------------------------------------------------------------


def test_calendar_is_built_once(django_assert_num_queries, commune_a):
    caching.invalidate()
    with django_assert_num_queries(3):  # office hours, exceptions of 2026, the unit's path
        selectors.due_date_for(
            received_at=datetime(2026, 11, 26, 9),
            amount=1,
            unit=selectors.unit_for_calendar(commune_a.pk),
        )
    with django_assert_num_queries(0):
        for day in range(1, 29):
            selectors.due_date_for(received_at=datetime(2026, 2, day, 9), amount=3, unit=commune_a)


def test_change_in_another_process_is_seen_after_the_recheck(actor, monkeypatch):
    """Another process changes a row and publishes a new token in the shared cache."""
    assert selectors.is_working_day(NEW_YEARS_EVE)  # 2026 is loaded and kept
    CalendarException.objects.create(date=NEW_YEARS_EVE, kind="day_off", name="Từ nơi khác")
    assert selectors.is_working_day(NEW_YEARS_EVE)  # this process has not looked yet
    cache.set(caching.TOKEN_KEY, "another-process", timeout=None)
    monkeypatch.setattr(caching, "RECHECK_SECONDS", 0)
    assert not selectors.is_working_day(NEW_YEARS_EVE)


def test_a_calendar_built_before_a_change_is_not_kept():
    calendar, generation = caching.get(("probe",))
    assert calendar is None
    caching.invalidate()
    built = object()
    assert caching.put(("probe",), built, generation) is built
    assert caching.get(("probe",))[0] is None


def test_invalidation_after_commit(actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        services.exception_create(actor=actor, day=NEW_YEARS_EVE, kind="day_off", name="A")
        # a reader inside the transaction (or another thread before commit) may cache a calendar
        selectors.calendar_for()
    assert len(callbacks) >= 1
    assert caching.size() == 0
