"""Properties of the deadline arithmetic, checked with hypothesis against a slow reference that
walks the calendar day by day and minute by minute, written from the rules in the docstring of
`deadlines` and sharing no code with it (only the `holidays` package)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egov.workcalendar.deadlines import VN_TZ, OfficeSchedule, WorkCalendar, due_date
from egov.workcalendar.years import ExceptionRow

WORKED_SATURDAYS = {date(2025, 4, 26), date(2026, 8, 22)}
ROWS = [ExceptionRow(d, "working_day", "Làm bù") for d in WORKED_SATURDAYS]
CAL = WorkCalendar.national(rows=ROWS)
VN_HOLIDAYS = holidays.country_holidays("VN", years=range(2023, 2030), language="vi")

# default office periods, in minutes since midnight
PERIODS = ((7 * 60 + 30, 11 * 60 + 30), (13 * 60 + 30, 17 * 60))
OPEN, CLOSE = PERIODS[0][0], PERIODS[1][1]


def ref_working(day: date) -> bool:
    if day in WORKED_SATURDAYS:
        return True
    return day.weekday() < 5 and day not in VN_HOLIDAYS


def ref_next_working(day: date) -> date:
    day += timedelta(days=1)
    while not ref_working(day):
        day += timedelta(days=1)
    return day


def minutes(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def ref_counted_from(local: datetime, cutoff: time | None) -> tuple[date, int]:
    """(counting day, minute of day), for receipt times on whole minutes."""
    day, m = local.date(), minutes(local)
    after_cutoff = cutoff is not None and m > cutoff.hour * 60 + cutoff.minute
    if not ref_working(day) or m >= CLOSE or after_cutoff:
        return ref_next_working(day), OPEN
    if m < OPEN:
        return day, OPEN
    if PERIODS[0][1] <= m < PERIODS[1][0]:
        return day, PERIODS[1][0]
    return day, m


def ref_add_minutes(day: date, m: int, amount: int) -> tuple[date, int]:
    """Walk office time minute by minute (amounts are small in these tests)."""
    while amount > 0:
        if any(a <= m < b for a, b in PERIODS):
            m += 1
            amount -= 1
            continue
        if m < PERIODS[1][0] and m >= PERIODS[0][1]:
            m = PERIODS[1][0]
        elif m >= CLOSE:
            day, m = ref_next_working(day), OPEN
        else:
            m = OPEN
    return day, m


def ref_due(local: datetime, amount: Decimal, unit: str, cutoff: time | None) -> datetime:
    day, m = ref_counted_from(local, cutoff)
    if unit == "hour" or (unit == "working_day" and amount != amount.to_integral_value()):
        per = 60 if unit == "hour" else 8 * 60
        day, m = ref_add_minutes(day, m, int(amount * per))
    elif unit == "working_day":
        for _ in range(int(amount)):
            day = ref_next_working(day)
        m = CLOSE
    else:
        day = day + timedelta(days=int(amount))
        if not ref_working(day):
            day = ref_next_working(day)
        m = CLOSE
    return datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=VN_TZ)


receipts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 6, 30), timezones=st.none()
).map(lambda d: d.replace(second=0, microsecond=0))
offsets = st.sampled_from([None, 0, 7, -5, 9, 14]).map(
    lambda h: None if h is None else timezone(timedelta(hours=h))
)
cutoffs = st.one_of(st.none(), st.sampled_from([time(15), time(11), time(16, 30)]))
# amounts on whole minutes of working time: quarters of an hour, eighths of a day
hour_amounts = st.integers(0, 400).map(lambda n: Decimal(n) / 4)
day_amounts = st.integers(0, 160).map(lambda n: Decimal(n) / 8)
whole_days = st.integers(0, 60).map(Decimal)


@st.composite
def cases(draw):
    unit = draw(st.sampled_from(["working_day", "hour", "day"]))
    if unit == "hour":
        amount = draw(hour_amounts)
    elif unit == "working_day":
        amount = draw(st.one_of(whole_days, day_amounts))
    else:
        amount = draw(whole_days)
    received = draw(receipts)
    tz = draw(offsets)
    if tz is not None:
        received = received.replace(tzinfo=VN_TZ).astimezone(tz)
    return received, amount, unit, draw(cutoffs)


FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(cases())
def test_matches_the_reference(case):
    received, amount, unit, cutoff = case
    result = due_date(CAL, received, amount, unit, cutoff=cutoff)
    local = received.astimezone(VN_TZ) if received.tzinfo else received
    day, m = ref_counted_from(local, cutoff)
    assert result.counted_from == datetime(
        day.year, day.month, day.day, m // 60, m % 60, tzinfo=VN_TZ
    )
    assert result.due_at == ref_due(local, amount, unit, cutoff)


@FAST
@given(cases())
def test_ordering_and_zone(case):
    received, amount, unit, cutoff = case
    result = due_date(CAL, received, amount, unit, cutoff=cutoff)
    assert result.received_at <= result.counted_from <= result.due_at
    for moment in (result.received_at, result.counted_from, result.due_at):
        assert moment.tzinfo is VN_TZ and moment.utcoffset() == timedelta(hours=7)
    assert CAL.is_working_day(result.counted_from) and CAL.is_working_day(result.due_at)
    clock = minutes(result.due_at)
    if amount > 0:
        assert any(a < clock <= b for a, b in PERIODS), result.due_at


def regime(amount: Decimal, unit: str) -> str:
    if unit == "working_day" and amount != amount.to_integral_value():
        return "working_hours"
    return unit


@FAST
@given(cases(), st.integers(0, 80))
def test_monotonic_in_amount(case, extra_quarters):
    """Within each counting regime a larger amount never falls due earlier. Whole and
    fractional working days are two regimes (see the module docstring of `deadlines` and
    test_fraction_can_fall_before_the_whole_number_below_it_as_documented)."""
    received, amount, unit, cutoff = case
    step = Decimal(extra_quarters) / 4 if unit == "hour" else Decimal(extra_quarters) / 8
    if unit == "day" or (unit == "working_day" and regime(amount, unit) == "working_day"):
        step = Decimal(extra_quarters)
    bigger = amount + step
    if unit == "working_day" and regime(bigger, unit) != regime(amount, unit):
        bigger += Decimal("0.125")
    if unit == "working_day" and regime(bigger, unit) != regime(amount, unit):
        return
    first = due_date(CAL, received, amount, unit, cutoff=cutoff).due_at
    second = due_date(CAL, received, bigger, unit, cutoff=cutoff).due_at
    assert first <= second


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
)
def test_working_days_between_matches_a_walk(a, b):
    lo, hi = min(a, b), max(a, b)
    count = sum(1 for k in range(1, (hi - lo).days + 1) if ref_working(lo + timedelta(days=k)))
    assert CAL.working_days_between(a, b) == (count if a <= b else -count)
    assert CAL.is_working_day(a) == ref_working(a)


@pytest.mark.parametrize(
    "schedule",
    [
        OfficeSchedule(time(8), time(12), time(13), time(17)),
        OfficeSchedule(time(7), time(11, 15), time(11, 15), time(15, 45)),
    ],
)
def test_other_schedules_keep_the_ordering(schedule):
    cal = WorkCalendar.national(schedule, rows=ROWS)
    start = datetime(2026, 11, 20, 6)
    previous = None
    for step in range(0, 24 * 14 * 4):  # every quarter of an hour for two weeks
        received = start + timedelta(minutes=15 * step)
        result = due_date(cal, received, Decimal("1.25"), "hour")
        assert result.received_at <= result.counted_from <= result.due_at
        if previous is not None:
            assert previous <= result.due_at  # later receipt, never an earlier deadline
        previous = result.due_at
