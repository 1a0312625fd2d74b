"""Deadline arithmetic on a calendar built without the database: the national holidays of the
`holidays` package plus the swapped Saturdays cited in DOMAIN.md §10.

Default office hours 07:30–11:30, 13:30–17:00. Dates in the tables, with their weekdays:
2025: Tết 27 Jan (Mon) – 1 Feb (Sat); 26 Apr (Sat) worked for 2 May (Fri) off; 30 Apr, 1 May.
2026: Tết 16–20 Feb (Mon–Fri); Hùng Kings 26 Apr (Sun) observed 27 Apr (Mon); 30 Apr (Thu),
1 May (Fri); 22 Aug (Sat) worked for 31 Aug (Mon) off; 1–2 Sep; 24 Nov (Tue) new holiday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from egov.core.errors import ValidationFailed
from egov.workcalendar.deadlines import (
    MAX_DAYS,
    MAX_HOURS,
    VN_TZ,
    AmountUnit,
    OfficeSchedule,
    WorkCalendar,
    counted_from,
    due_date,
    to_vietnam_time,
)
from egov.workcalendar.services import CITED_EXCEPTIONS
from egov.workcalendar.years import ExceptionRow

CITED_ROWS = [ExceptionRow(c.day, str(c.kind), c.name, c.note) for c in CITED_EXCEPTIONS]


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.national(rows=CITED_ROWS)


def vn(y, mo, d, h=0, mi=0, s=0, us=0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=VN_TZ)


WD, DAY, HOUR = AmountUnit.WORKING_DAY, AmountUnit.DAY, AmountUnit.HOUR

# (id, received_at (naive = Vietnam time), amount, unit, cutoff, counted_from, due_at)
CASES = [
    # --- the rules of the brief -------------------------------------------------------------
    (
        "mon-0900-1wd",
        datetime(2026, 11, 30, 9),
        1,
        WD,
        None,
        vn(2026, 11, 30, 9),
        vn(2026, 12, 1, 17),
    ),
    (
        "sat-1wd",
        datetime(2026, 11, 28, 10),
        1,
        WD,
        None,
        vn(2026, 11, 30, 7, 30),
        vn(2026, 12, 1, 17),
    ),
    (
        "sun-night-1wd",
        datetime(2026, 11, 29, 23, 59),
        1,
        WD,
        None,
        vn(2026, 11, 30, 7, 30),
        vn(2026, 12, 1, 17),
    ),
    (
        "before-opening",
        datetime(2026, 11, 26, 6),
        1,
        WD,
        None,
        vn(2026, 11, 26, 7, 30),
        vn(2026, 11, 27, 17),
    ),
    (
        "at-opening",
        datetime(2026, 11, 26, 7, 30),
        1,
        WD,
        None,
        vn(2026, 11, 26, 7, 30),
        vn(2026, 11, 27, 17),
    ),
    (
        "at-close-is-after-hours",
        datetime(2026, 11, 26, 17),
        1,
        WD,
        None,
        vn(2026, 11, 27, 7, 30),
        vn(2026, 11, 30, 17),
    ),
    (
        "just-before-close",
        datetime(2026, 11, 26, 16, 59, 59),
        1,
        WD,
        None,
        vn(2026, 11, 26, 16, 59, 59),
        vn(2026, 11, 27, 17),
    ),
    (
        "evening",
        datetime(2026, 11, 26, 20),
        3,
        WD,
        None,
        vn(2026, 11, 27, 7, 30),
        vn(2026, 12, 2, 17),
    ),
    (
        "zero-wd-same-day",
        datetime(2026, 11, 26, 9),
        0,
        WD,
        None,
        vn(2026, 11, 26, 9),
        vn(2026, 11, 26, 17),
    ),
    (
        "friday-1wd-over-weekend",
        datetime(2026, 11, 27, 9),
        1,
        WD,
        None,
        vn(2026, 11, 27, 9),
        vn(2026, 11, 30, 17),
    ),
    # --- Tết 2025: 27 Jan – 1 Feb -------------------------------------------------------------
    (
        "tet25-before",
        datetime(2025, 1, 24, 10),
        1,
        WD,
        None,
        vn(2025, 1, 24, 10),
        vn(2025, 2, 3, 17),
    ),
    (
        "tet25-during",
        datetime(2025, 1, 28, 9),
        1,
        WD,
        None,
        vn(2025, 2, 3, 7, 30),
        vn(2025, 2, 4, 17),
    ),
    (
        "tet25-hours",
        datetime(2025, 1, 24, 16),
        2,
        HOUR,
        None,
        vn(2025, 1, 24, 16),
        vn(2025, 2, 3, 8, 30),
    ),
    (
        "tet25-calendar-days",
        datetime(2025, 1, 24, 9),
        5,
        DAY,
        None,
        vn(2025, 1, 24, 9),
        vn(2025, 2, 3, 17),
    ),
    ("tet25-5wd", datetime(2025, 1, 22, 9), 5, WD, None, vn(2025, 1, 22, 9), vn(2025, 2, 5, 17)),
    # --- Tết 2026: 16–20 Feb ------------------------------------------------------------------
    (
        "tet26-before",
        datetime(2026, 2, 13, 9),
        1,
        WD,
        None,
        vn(2026, 2, 13, 9),
        vn(2026, 2, 23, 17),
    ),
    (
        "tet26-during",
        datetime(2026, 2, 18, 9),
        3,
        WD,
        None,
        vn(2026, 2, 23, 7, 30),
        vn(2026, 2, 26, 17),
    ),
    (
        "tet26-1.5-days",
        datetime(2026, 2, 13, 15),
        Decimal("1.5"),
        WD,
        None,
        vn(2026, 2, 13, 15),
        vn(2026, 2, 24, 10),
    ),
    # --- swapped Saturdays ----------------------------------------------------------------------
    (
        "sat-26-apr-2025-worked",
        datetime(2025, 4, 25, 9),
        1,
        WD,
        None,
        vn(2025, 4, 25, 9),
        vn(2025, 4, 26, 17),
    ),
    (
        "received-on-worked-sat",
        datetime(2025, 4, 26, 10),
        2,
        HOUR,
        None,
        vn(2025, 4, 26, 10),
        vn(2025, 4, 26, 14),
    ),
    (
        "may-2025-bridge",
        datetime(2025, 4, 29, 9),
        1,
        WD,
        None,
        vn(2025, 4, 29, 9),
        vn(2025, 5, 5, 17),
    ),
    (
        "sat-22-aug-2026-worked",
        datetime(2026, 8, 21, 9),
        1,
        WD,
        None,
        vn(2026, 8, 21, 9),
        vn(2026, 8, 22, 17),
    ),
    (
        "national-day-2026",
        datetime(2026, 8, 28, 9),
        1,
        WD,
        None,
        vn(2026, 8, 28, 9),
        vn(2026, 9, 3, 17),
    ),
    (
        "received-aug-31-2026",
        datetime(2026, 8, 31, 9),
        1,
        WD,
        None,
        vn(2026, 9, 3, 7, 30),
        vn(2026, 9, 4, 17),
    ),
    # --- 24 November 2026, Ngày Văn hóa Việt Nam ----------------------------------------------
    (
        "nov-23-1wd",
        datetime(2026, 11, 23, 9),
        1,
        WD,
        None,
        vn(2026, 11, 23, 9),
        vn(2026, 11, 25, 17),
    ),
    (
        "nov-24-received",
        datetime(2026, 11, 24, 10),
        1,
        WD,
        None,
        vn(2026, 11, 25, 7, 30),
        vn(2026, 11, 26, 17),
    ),
    (
        "nov-23-16h-2h",
        datetime(2026, 11, 23, 16),
        2,
        HOUR,
        None,
        vn(2026, 11, 23, 16),
        vn(2026, 11, 25, 8, 30),
    ),
    (
        "nov-20-4-days",
        datetime(2026, 11, 20, 9),
        4,
        DAY,
        None,
        vn(2026, 11, 20, 9),
        vn(2026, 11, 25, 17),
    ),
    # --- Hùng Kings 2026: 26 Apr (Sun), observed 27 Apr (Mon) ---------------------------------
    (
        "hung-kings-observed",
        datetime(2026, 4, 24, 9),
        1,
        WD,
        None,
        vn(2026, 4, 24, 9),
        vn(2026, 4, 28, 17),
    ),
    (
        "hung-kings-to-may",
        datetime(2026, 4, 28, 9),
        2,
        WD,
        None,
        vn(2026, 4, 28, 9),
        vn(2026, 5, 4, 17),
    ),
    (
        "received-on-observed-day",
        datetime(2026, 4, 27, 9),
        0,
        WD,
        None,
        vn(2026, 4, 28, 7, 30),
        vn(2026, 4, 28, 17),
    ),
    # --- cutoffs --------------------------------------------------------------------------------
    (
        "cutoff-1530",
        datetime(2026, 11, 26, 15, 30),
        0,
        WD,
        time(15),
        vn(2026, 11, 27, 7, 30),
        vn(2026, 11, 27, 17),
    ),
    (
        "cutoff-1530-before-holiday",
        datetime(2026, 11, 23, 15, 30),
        0,
        WD,
        time(15),
        vn(2026, 11, 25, 7, 30),
        vn(2026, 11, 25, 17),
    ),
    (
        "cutoff-exactly-1500",
        datetime(2026, 11, 26, 15),
        0,
        WD,
        time(15),
        vn(2026, 11, 26, 15),
        vn(2026, 11, 26, 17),
    ),
    (
        "cutoff-1500-01",
        datetime(2026, 11, 26, 15, 0, 1),
        0,
        WD,
        time(15),
        vn(2026, 11, 27, 7, 30),
        vn(2026, 11, 27, 17),
    ),
    (
        "cutoff-friday",
        datetime(2026, 11, 27, 15, 30),
        1,
        WD,
        time(15),
        vn(2026, 11, 30, 7, 30),
        vn(2026, 12, 1, 17),
    ),
    (
        "cutoff-hours",
        datetime(2026, 11, 26, 16),
        1,
        HOUR,
        time(15),
        vn(2026, 11, 27, 7, 30),
        vn(2026, 11, 27, 8, 30),
    ),
    (
        "cutoff-morning-ok",
        datetime(2026, 11, 26, 9),
        1,
        WD,
        time(15),
        vn(2026, 11, 26, 9),
        vn(2026, 11, 27, 17),
    ),
    # --- working hours --------------------------------------------------------------------------
    (
        "16h-plus-2h",
        datetime(2026, 11, 26, 16),
        2,
        HOUR,
        None,
        vn(2026, 11, 26, 16),
        vn(2026, 11, 27, 8, 30),
    ),
    (
        "16h-plus-1h-ends-at-close",
        datetime(2026, 11, 26, 16),
        1,
        HOUR,
        None,
        vn(2026, 11, 26, 16),
        vn(2026, 11, 26, 17),
    ),
    (
        "10h-plus-1.5h-ends-at-noon",
        datetime(2026, 11, 26, 10),
        Decimal("1.5"),
        HOUR,
        None,
        vn(2026, 11, 26, 10),
        vn(2026, 11, 26, 11, 30),
    ),
    (
        "10h-plus-2h-over-lunch",
        datetime(2026, 11, 26, 10),
        2,
        HOUR,
        None,
        vn(2026, 11, 26, 10),
        vn(2026, 11, 26, 14),
    ),
    (
        "friday-16h-plus-2h",
        datetime(2026, 11, 27, 16),
        2,
        HOUR,
        None,
        vn(2026, 11, 27, 16),
        vn(2026, 11, 30, 8, 30),
    ),
    (
        "full-day-of-hours",
        datetime(2026, 11, 26, 7, 30),
        Decimal("7.5"),
        HOUR,
        None,
        vn(2026, 11, 26, 7, 30),
        vn(2026, 11, 26, 17),
    ),
    (
        "two-days-of-hours",
        datetime(2026, 11, 26, 7, 30),
        15,
        HOUR,
        None,
        vn(2026, 11, 26, 7, 30),
        vn(2026, 11, 27, 17),
    ),
    (
        "zero-hours",
        datetime(2026, 11, 26, 10),
        0,
        HOUR,
        None,
        vn(2026, 11, 26, 10),
        vn(2026, 11, 26, 10),
    ),
    (
        "minutes",
        datetime(2026, 11, 26, 11, 20),
        Decimal("0.25"),
        HOUR,
        None,
        vn(2026, 11, 26, 11, 20),
        vn(2026, 11, 26, 13, 35),
    ),
    # --- half and fractional days (1 working day = 8 working hours) ---------------------------
    (
        "half-day-over-lunch",
        datetime(2026, 11, 26, 9),
        Decimal("0.5"),
        WD,
        None,
        vn(2026, 11, 26, 9),
        vn(2026, 11, 26, 15),
    ),
    (
        "half-day-from-opening",
        datetime(2026, 11, 26, 7, 30),
        Decimal("0.5"),
        WD,
        None,
        vn(2026, 11, 26, 7, 30),
        vn(2026, 11, 26, 11, 30),
    ),
    (
        "half-day-overnight",
        datetime(2026, 11, 26, 16),
        0.5,
        WD,
        None,
        vn(2026, 11, 26, 16),
        vn(2026, 11, 27, 10, 30),
    ),
    (
        "2.5-days-is-20h",
        datetime(2026, 11, 30, 7, 30),
        Decimal("2.5"),
        WD,
        None,
        vn(2026, 11, 30, 7, 30),
        vn(2026, 12, 2, 14, 30),
    ),
    (
        "half-day-float-fraction",
        datetime(2026, 11, 26, 9),
        Fraction(1, 2),
        WD,
        None,
        vn(2026, 11, 26, 9),
        vn(2026, 11, 26, 15),
    ),
    (
        "whole-decimal-is-whole-days",
        datetime(2026, 11, 30, 9),
        Decimal("1.0"),
        WD,
        None,
        vn(2026, 11, 30, 9),
        vn(2026, 12, 1, 17),
    ),
    # --- lunch break ------------------------------------------------------------------------------
    (
        "lunch-1h",
        datetime(2026, 11, 26, 12),
        1,
        HOUR,
        None,
        vn(2026, 11, 26, 13, 30),
        vn(2026, 11, 26, 14, 30),
    ),
    (
        "at-1130-is-lunch",
        datetime(2026, 11, 26, 11, 30),
        1,
        HOUR,
        None,
        vn(2026, 11, 26, 13, 30),
        vn(2026, 11, 26, 14, 30),
    ),
    (
        "lunch-1wd",
        datetime(2026, 11, 26, 12),
        1,
        WD,
        None,
        vn(2026, 11, 26, 13, 30),
        vn(2026, 11, 27, 17),
    ),
    (
        "lunch-half-day",
        datetime(2026, 11, 26, 12),
        Decimal("0.5"),
        WD,
        None,
        vn(2026, 11, 26, 13, 30),
        vn(2026, 11, 27, 8),
    ),
    (
        "lunch-zero-hours",
        datetime(2026, 11, 26, 12, 15),
        0,
        HOUR,
        None,
        vn(2026, 11, 26, 13, 30),
        vn(2026, 11, 26, 13, 30),
    ),
    # --- calendar days ----------------------------------------------------------------------------
    ("3-days", datetime(2026, 11, 30, 9), 3, DAY, None, vn(2026, 11, 30, 9), vn(2026, 12, 3, 17)),
    (
        "5-days-to-saturday",
        datetime(2026, 11, 30, 9),
        5,
        DAY,
        None,
        vn(2026, 11, 30, 9),
        vn(2026, 12, 7, 17),
    ),
    ("0-days", datetime(2026, 11, 30, 9), 0, DAY, None, vn(2026, 11, 30, 9), vn(2026, 11, 30, 17)),
    (
        "days-from-saturday",
        datetime(2026, 11, 28, 9),
        2,
        DAY,
        None,
        vn(2026, 11, 30, 7, 30),
        vn(2026, 12, 2, 17),
    ),
    (
        "30-days",
        datetime(2026, 11, 23, 9),
        30,
        DAY,
        None,
        vn(2026, 11, 23, 9),
        vn(2026, 12, 23, 17),
    ),
    # --- years ------------------------------------------------------------------------------------
    ("new-year", datetime(2026, 12, 31, 16), 1, WD, None, vn(2026, 12, 31, 16), vn(2027, 1, 4, 17)),
    (
        "new-year-hours",
        datetime(2026, 12, 31, 16),
        3,
        HOUR,
        None,
        vn(2026, 12, 31, 16),
        vn(2027, 1, 4, 9, 30),
    ),
    (
        "a-year-of-working-days",
        datetime(2026, 1, 2, 9),
        249,
        WD,
        None,
        vn(2026, 1, 2, 9),
        vn(2027, 1, 4, 17),
    ),
    ("max-working-days", datetime(2026, 11, 30, 9), MAX_DAYS, WD, None, vn(2026, 11, 30, 9), None),
    ("max-hours", datetime(2026, 11, 30, 9), MAX_HOURS, HOUR, None, vn(2026, 11, 30, 9), None),
    ("year-2200", datetime(2200, 12, 31, 9), MAX_DAYS, DAY, None, vn(2200, 12, 31, 9), None),
]


@pytest.mark.parametrize(
    ("received", "amount", "unit", "cutoff", "start", "due"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_due_date_table(cal, received, amount, unit, cutoff, start, due):
    result = due_date(cal, received, amount, unit, cutoff=cutoff)
    assert result.counted_from == start
    assert result.counted_from.tzinfo is VN_TZ and result.due_at.tzinfo is VN_TZ
    assert result.received_at == received.replace(tzinfo=VN_TZ)
    if due is not None:
        assert result.due_at == due
        assert result.due_at.utcoffset() == due.utcoffset() == timedelta(hours=7)
    assert result.received_at <= result.counted_from <= result.due_at
    assert counted_from(cal, received, cutoff=cutoff) == start


def test_due_at_keeps_the_exact_moment(cal):
    result = due_date(cal, datetime(2026, 11, 26, 9, 12, 34, 567890), 1, HOUR)
    assert result.due_at == vn(2026, 11, 26, 10, 12, 34, 567890)


# --- time zones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "start"),
    [
        (datetime(2026, 11, 26, 9), vn(2026, 11, 26, 9)),  # naive = Vietnam time
        (vn(2026, 11, 26, 9), vn(2026, 11, 26, 9)),
        (datetime(2026, 11, 26, 9, tzinfo=timezone(timedelta(hours=7))), vn(2026, 11, 26, 9)),
        (datetime(2026, 11, 26, 2, tzinfo=UTC), vn(2026, 11, 26, 9)),  # 02:00Z = 09:00
        (datetime(2026, 11, 26, 10, 30, tzinfo=UTC), vn(2026, 11, 27, 7, 30)),  # 17:30 local
        (datetime(2026, 11, 25, 23, tzinfo=UTC), vn(2026, 11, 26, 7, 30)),  # 06:00 local
        (datetime(2026, 11, 26, 9, tzinfo=timezone(timedelta(hours=-5))), vn(2026, 11, 27, 7, 30)),
        (datetime(2026, 11, 23, 17, 30, tzinfo=UTC), vn(2026, 11, 25, 7, 30)),  # 00:30 on 24 Nov
    ],
)
def test_time_zones(cal, received, start):
    result = due_date(cal, received, 1, HOUR)
    assert result.counted_from == start
    expected = received if received.tzinfo else received.replace(tzinfo=VN_TZ)
    assert result.received_at == expected
    assert result.received_at.utcoffset() == timedelta(hours=7)
    assert result.counted_from.isoformat().endswith("+07:00")


def test_utc_and_local_inputs_give_the_same_deadline(cal):
    local = due_date(cal, datetime(2026, 11, 26, 15, 45), Decimal("2.5"))
    utc = due_date(cal, datetime(2026, 11, 26, 8, 45, tzinfo=UTC), Decimal("2.5"))
    assert local == utc


def test_to_vietnam_time():
    assert to_vietnam_time(datetime(2026, 1, 1, 0, 30, tzinfo=UTC)) == vn(2026, 1, 1, 7, 30)
    assert to_vietnam_time(datetime(2026, 1, 1)).tzinfo is VN_TZ


# --- the two regimes of working days -----------------------------------------------------------


def test_fraction_can_fall_before_the_whole_number_below_it_as_documented(cal):
    """Whole days end at a close of office hours, fractions are exact hours (module docstring)."""
    two = due_date(cal, datetime(2026, 11, 30, 9), 2).due_at
    two_and_half = due_date(cal, datetime(2026, 11, 30, 9), Decimal("2.5")).due_at
    three = due_date(cal, datetime(2026, 11, 30, 9), 3).due_at
    assert two == vn(2026, 12, 2, 17)
    assert two_and_half == vn(2026, 12, 2, 16)  # 6 h Mon + 7.5 h Tue + 6.5 h Wed = 20 h
    assert two_and_half < two < three


# --- per-unit office hours (pure) ---------------------------------------------------------------


def test_other_office_hours():
    schedule = OfficeSchedule(time(8), time(12), time(13), time(17))
    cal = WorkCalendar.national(schedule)
    assert schedule.hours_per_day == 8
    assert due_date(cal, datetime(2026, 11, 26, 16), 2, HOUR).due_at == vn(2026, 11, 27, 9)
    assert due_date(cal, datetime(2026, 11, 26, 8), Decimal("0.5")).due_at == vn(2026, 11, 26, 12)
    assert due_date(cal, datetime(2026, 11, 26, 7), 1).counted_from == vn(2026, 11, 26, 8)
    assert due_date(cal, datetime(2026, 11, 26, 12, 30), 1, HOUR).due_at == vn(2026, 11, 26, 14)


def test_office_hours_without_lunch_break():
    schedule = OfficeSchedule(time(7), time(11), time(11), time(15))
    cal = WorkCalendar.national(schedule)
    assert due_date(cal, datetime(2026, 11, 26, 10), 2, HOUR).due_at == vn(2026, 11, 26, 12)
    assert due_date(cal, datetime(2026, 11, 26, 15), 1).counted_from == vn(2026, 11, 27, 7)


@pytest.mark.parametrize(
    "times",
    [
        (time(11, 30), time(7, 30), time(13, 30), time(17)),
        (time(7, 30), time(7, 30), time(13, 30), time(17)),
        (time(7, 30), time(14), time(13, 30), time(17)),
        (time(7, 30), time(11, 30), time(17), time(13, 30)),
        (time(7, 30, tzinfo=UTC), time(11, 30), time(13, 30), time(17)),
        ("07:30", time(11, 30), time(13, 30), time(17)),
    ],
)
def test_bad_office_hours_are_refused(times):
    with pytest.raises(ValidationFailed):
        OfficeSchedule(*times)


# --- bad amounts and parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        (-1, WD),
        (Decimal("-0.5"), WD),
        (float("nan"), WD),
        (float("inf"), HOUR),
        (Decimal("NaN"), WD),
        (Decimal("sNaN"), WD),
        (Decimal("Infinity"), DAY),
        (Decimal("1e400"), WD),
        (MAX_DAYS + 1, WD),
        (MAX_DAYS + 1, DAY),
        (Decimal(MAX_DAYS) + Decimal("0.5"), WD),
        (MAX_HOURS + 1, HOUR),
        (10**30, WD),
        (Decimal("0.5"), DAY),
        (True, WD),
        ("3", WD),
        (None, WD),
        (1, "week"),
        (1, ""),
    ],
)
def test_bad_amounts_are_refused(cal, amount, unit):
    with pytest.raises(ValidationFailed):
        due_date(cal, datetime(2026, 11, 26, 9), amount, unit)


@pytest.mark.parametrize(
    "received",
    [datetime(1899, 12, 31, 9), datetime(2201, 1, 1, 9), date(2026, 11, 26), "2026-11-26T09:00"],
)
def test_bad_receipt_times_are_refused(cal, received):
    with pytest.raises(ValidationFailed):
        due_date(cal, received, 1)


def test_bad_cutoff_is_refused(cal):
    with pytest.raises(ValidationFailed):
        due_date(cal, datetime(2026, 11, 26, 9), 1, cutoff=time(15, tzinfo=UTC))
    with pytest.raises(ValidationFailed):
        due_date(cal, datetime(2026, 11, 26, 9), 1, cutoff="15:00")


def test_calendar_range_is_bounded():
    cal = WorkCalendar.national()
    cal.last_year = 2030
    with pytest.raises(ValidationFailed):
        due_date(cal, datetime(2029, 6, 1, 9), 1000)


# --- working days -----------------------------------------------------------------------------------


def test_is_working_day(cal):
    assert cal.is_working_day(date(2026, 11, 23))
    assert not cal.is_working_day(date(2026, 11, 24))
    assert not cal.is_working_day(date(2026, 11, 28))  # Saturday
    assert cal.is_working_day(date(2026, 8, 22))  # swapped Saturday
    assert cal.is_working_day(date(2025, 4, 26))
    assert not cal.is_working_day(date(2025, 5, 2))
    assert not cal.is_working_day(date(2026, 4, 27))  # Hùng Kings observed
    # a datetime counts by its Vietnam date: 23 Nov 18:00 UTC is 24 Nov 01:00 in Vietnam
    assert not cal.is_working_day(datetime(2026, 11, 23, 18, tzinfo=UTC))
    assert cal.is_working_day(datetime(2026, 11, 23, 16, tzinfo=UTC))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 23), date(2026, 11, 25)),
        (date(2026, 11, 27), date(2026, 11, 30)),
        (date(2026, 2, 13), date(2026, 2, 23)),
        (date(2025, 4, 25), date(2025, 4, 26)),
        (date(2026, 12, 31), date(2027, 1, 4)),
        (date(2026, 8, 21), date(2026, 8, 22)),
    ],
)
def test_next_working_day(cal, day, expected):
    assert cal.next_working_day(day) == expected


def test_working_days_between(cal):
    assert cal.working_days_between(date(2026, 12, 1), date(2026, 12, 3)) == 2
    assert cal.working_days_between(date(2026, 12, 3), date(2026, 12, 1)) == -2
    assert cal.working_days_between(date(2026, 12, 1), date(2026, 12, 1)) == 0
    assert cal.working_days_between(date(2026, 11, 23), date(2026, 11, 25)) == 1
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 249
    assert cal.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 250
    # finished on Thursday 17:30 for a deadline of Tuesday 17:00: two working days late
    assert cal.working_days_between(vn(2026, 12, 1, 17), vn(2026, 12, 3, 17, 30)) == 2


def test_working_days_in_a_year_with_and_without_the_swapped_saturdays(cal):
    plain = WorkCalendar.national()
    # 261 weekdays; 2026 has 13 weekday holidays, 2025 has 12 (DOMAIN.md §10)
    assert plain.working_days_in(2026) == 248
    assert cal.working_days_in(2026) == 249
    assert plain.working_days_in(2025) == 249
    assert cal.working_days_in(2025) == 250
    # without the administrators' row the Saturday is not worked
    assert plain.next_working_day(date(2026, 8, 21)) == date(2026, 8, 24)


def test_add_working_days(cal):
    assert cal.add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 25)
    with pytest.raises(ValidationFailed):
        cal.add_working_days(date(2026, 11, 23), 0)


def test_years_are_loaded_once_and_on_demand():
    calls = []
    base = WorkCalendar.national()

    def load(first, last):
        calls.append((first, last))
        return [base.year(y) for y in range(first, last + 1)]

    cal = WorkCalendar(OfficeSchedule(), load)
    due_date(cal, datetime(2026, 11, 26, 9), 1)
    due_date(cal, datetime(2026, 3, 2, 9), 5)
    assert calls == [(2026, 2026)]
    due_date(cal, datetime(2026, 12, 30, 9), 3)  # crosses into 2027
    due_date(cal, datetime(2024, 6, 3, 9), 1)  # loads 2024 and 2025 in one go
    assert calls == [(2026, 2026), (2027, 2027), (2024, 2025)]
    assert cal.working_days_between(date(2024, 1, 1), date(2027, 12, 31)) > 900


def test_loader_returning_wrong_years_is_an_error():
    cal = WorkCalendar(OfficeSchedule(), lambda first, last: [])
    with pytest.raises(RuntimeError):
        cal.is_working_day(date(2026, 1, 5))
