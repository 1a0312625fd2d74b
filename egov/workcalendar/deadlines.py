"""Deadline arithmetic: pure, fast functions over a precomputed working-day calendar.

Every deadline in egov is computed here and nowhere else. The calendar of a unit (which days are
worked, and its office hours) is a `WorkCalendar`; `selectors.calendar_for(unit)` builds it from
the database and the `holidays` package and caches it. This module touches no database: a
`WorkCalendar` asks its loader for the years it needs and keeps them, so the arithmetic is a few
binary searches over an ascending array of working-day ordinals, never a walk day by day.

Time
    Every moment is Vietnam time (Asia/Ho_Chi_Minh). A datetime without an offset is read as
    Vietnam time; an aware one (UTC or any offset) is converted. Results are aware datetimes in
    Asia/Ho_Chi_Minh. Office periods are half-open: with 07:30–11:30 and 13:30–17:00, 07:30 is in
    office hours, 11:30 and 17:00 are not.

When counting starts (`counted_from`)
    - received on a working day during office hours (and not after the cutoff, if one is given):
      counting starts at the moment of receipt;
    - received on a working day before the opening time: at that day's opening time;
    - received during the lunch break: at the afternoon opening of the same day;
    - received on a non-working day, at or after the close of office hours, or after the cutoff
      (strictly later than the cutoff time; 15:00:00 itself is not after 15:00): at the opening
      time of the next working day.
    The *counting day* is the date of `counted_from`; it is always a working day.

Amounts (`AmountUnit`)
    - ``working_day``, whole number N: the deadline is the close of office hours of the N-th
      working day after the counting day, the counting day itself not counted. Received Monday
      09:00, 1 working day: due Tuesday 17:00; received Saturday: counted from Monday 07:30, due
      Tuesday 17:00. N = 0 means the close of the counting day (same-day procedures).
    - ``working_day`` with a fraction (0.5, 2.5 ...): counted as working hours, one working day
      being `HOURS_PER_WORKING_DAY` (8) hours (DOMAIN.md §2.6: "one working day = 8 working hours,
      fractional days per step"): 0.5 day = 4 working hours, 2.5 days = 20 working hours, counted
      from `counted_from`.
    - ``hour``: working hours counted from `counted_from`, inside office periods only. A deadline
      that uses up a period exactly ends at that period's end (4 hours from 07:30 end at 11:30,
      not 13:30); 2 hours from 16:00 end at 08:30 on the next working day (1 hour to 17:00, then
      1 hour from 07:30). Zero hours: the deadline is `counted_from`.
    - ``day`` (calendar days), whole numbers only: the close of office hours of the date N days
      after the counting day; when that date is not a working day, the close of the next working
      day (DOMAIN.md §2.6 states no rule for calendar days; this rule, from the issue, keeps
      a deadline off the days the office is closed).

    Note the two regimes for ``working_day``: whole days end at a close of office hours, fractions
    are exact working hours from receipt. A fraction can therefore fall due *before* the whole
    number below it (received Monday 09:00: 2 days → Wednesday 17:00, 2.5 days = 20 hours →
    Wednesday 16:00 with the default hours). Each regime is monotonic in the amount; this jump is
    a property of the two rules, not an error (see tests).

Limits
    Amounts must be finite and >= 0; at most `MAX_DAYS` (3650) working or calendar days, and at
    most `MAX_HOURS` (3650 × 8) hours. Receipt years 1900–2200. Breaking a limit raises
    `egov.core.errors.ValidationFailed`.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from itertools import chain
from numbers import Real
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from egov.core.errors import ValidationFailed
from egov.workcalendar.years import ExceptionRow, YearSpec, compose_year, national_holidays

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

HOURS_PER_WORKING_DAY = 8
MAX_DAYS = 3650
MAX_HOURS = MAX_DAYS * HOURS_PER_WORKING_DAY
MIN_YEAR = 1900
MAX_YEAR = 2200
# Years a calendar may load: a deadline received in 2200 may fall due up to ~15 years later.
CALENDAR_FIRST_YEAR = 1800
CALENDAR_LAST_YEAR = 2300

_US = 1_000_000
_HOUR_US = 3600 * _US
_WORKING_DAY_US = HOURS_PER_WORKING_DAY * _HOUR_US
# At least this many working days in a loaded year, to estimate how far to load ahead.
_MIN_WORKING_DAYS_PER_YEAR = 200
_YEAR_RANGE = _("Năm phải trong khoảng %(min)s–%(max)s.")


class AmountUnit(StrEnum):
    WORKING_DAY = "working_day"
    DAY = "day"
    HOUR = "hour"


def _us_of(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US + t.microsecond


@dataclass(frozen=True, slots=True)
class OfficeSchedule:
    """Office hours of a working day: a morning and an afternoon period (naive local times)."""

    morning_start: time = time(7, 30)
    morning_end: time = time(11, 30)
    afternoon_start: time = time(13, 30)
    afternoon_end: time = time(17, 0)
    # Derived, in microseconds since midnight.
    ms: int = field(init=False, repr=False, compare=False)
    me: int = field(init=False, repr=False, compare=False)
    as_: int = field(init=False, repr=False, compare=False)
    ae: int = field(init=False, repr=False, compare=False)
    morning_len: int = field(init=False, repr=False, compare=False)
    day_len: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        times = (self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end)
        if any(not isinstance(t, time) or t.tzinfo is not None for t in times):
            raise ValidationFailed(_("Giờ làm việc phải là giờ địa phương (không kèm múi giờ)."))
        ms, me, as_, ae = (_us_of(t) for t in times)
        if not (ms < me <= as_ < ae):
            raise ValidationFailed(
                _(
                    "Giờ làm việc không hợp lệ: cần sáng bắt đầu < sáng kết thúc ≤ chiều bắt đầu "
                    "< chiều kết thúc."
                )
            )
        for name, value in (("ms", ms), ("me", me), ("as_", as_), ("ae", ae)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "morning_len", me - ms)
        object.__setattr__(self, "day_len", (me - ms) + (ae - as_))

    @property
    def hours_per_day(self) -> float:
        return self.day_len / _HOUR_US

    def clock(self, position: int) -> int:
        """Time of day (µs) at which `position` µs of office time have elapsed since opening.
        The end of a period maps to that end (position = morning length → morning end)."""
        if position <= self.morning_len:
            return self.ms + position
        return self.as_ + (position - self.morning_len)


@dataclass(frozen=True, slots=True)
class DueDate:
    received_at: datetime
    counted_from: datetime
    due_at: datetime


YearLoader = Callable[[int, int], Sequence[YearSpec]]


class _Span(NamedTuple):
    lo: int  # first loaded year
    hi: int  # last loaded year
    lo_ord: int  # ordinal of 1 January of `lo`
    hi_ord: int  # ordinal of 31 December of `hi`
    ords: list[int]  # working days, ascending
    ordset: frozenset[int]


_EMPTY = _Span(1, 0, 1, 0, [], frozenset())


class WorkCalendar:
    """The working days and office hours of one scope (a unit, or the default).

    Years are loaded on demand through `load_years(first, last)` and kept; reads never lock, a
    load swaps in a new immutable span, so one calendar may be shared between threads.
    """

    __slots__ = ("schedule", "_load_years", "_years", "_span", "_lock", "first_year", "last_year")

    def __init__(
        self,
        schedule: OfficeSchedule,
        load_years: YearLoader,
        *,
        first_year: int = CALENDAR_FIRST_YEAR,
        last_year: int = CALENDAR_LAST_YEAR,
    ) -> None:
        self.schedule = schedule
        self._load_years = load_years
        self._years: dict[int, YearSpec] = {}
        self._span = _EMPTY
        self._lock = threading.Lock()
        self.first_year = first_year
        self.last_year = last_year

    @classmethod
    def national(
        cls,
        schedule: OfficeSchedule | None = None,
        rows: Iterable[ExceptionRow] = (),
        chain_: Sequence[int | None] = (None,),
    ) -> WorkCalendar:
        """A calendar from the `holidays` package and the given exception rows, without any
        database (tests, benchmarks, scripts)."""
        fixed = tuple(rows)

        def load(first: int, last: int) -> list[YearSpec]:
            return [
                compose_year(y, national_holidays(y), fixed, chain_) for y in range(first, last + 1)
            ]

        return cls(schedule or OfficeSchedule(), load)

    # --- loading ------------------------------------------------------------------------------

    def _cover(self, lo: int, hi: int) -> _Span:
        span = self._span
        if span.lo <= lo and hi <= span.hi:
            return span
        with self._lock:
            span = self._span
            if span.lo <= lo and hi <= span.hi:
                return span
            if span.lo <= span.hi:
                lo, hi = min(lo, span.lo), max(hi, span.hi)
            if lo < self.first_year or hi > self.last_year:
                raise ValidationFailed(
                    _("Ngoài phạm vi lịch làm việc (%(first)s–%(last)s).")
                    % {"first": self.first_year, "last": self.last_year},
                    code="calendar_out_of_range",
                )
            missing = [y for y in range(lo, hi + 1) if y not in self._years]
            for first, last in _runs(missing):
                specs = list(self._load_years(first, last))
                if [s.year for s in specs] != list(range(first, last + 1)):
                    raise RuntimeError("year loader returned the wrong years")
                for spec in specs:
                    self._years[spec.year] = spec
            ords = list(
                chain.from_iterable(self._years[y].working_ordinals for y in range(lo, hi + 1))
            )
            span = _Span(
                lo,
                hi,
                date(lo, 1, 1).toordinal(),
                date(hi, 12, 31).toordinal(),
                ords,
                frozenset(ords),
            )
            self._span = span
            return span

    def _cover_ord(self, ordinal: int) -> _Span:
        span = self._span
        if span.lo_ord <= ordinal <= span.hi_ord:
            return span
        year = date.fromordinal(ordinal).year
        return self._cover(year, year)

    def year(self, year: int) -> YearSpec:
        self._cover(year, year)
        return self._years[year]

    # --- working days ---------------------------------------------------------------------------

    def is_working_ordinal(self, ordinal: int) -> bool:
        return ordinal in self._cover_ord(ordinal).ordset

    def is_working_day(self, day: date | datetime) -> bool:
        return self.is_working_ordinal(_local_date(day).toordinal())

    def nth_working_ordinal_after(self, ordinal: int, n: int) -> int:
        """The ordinal of the n-th working day after `ordinal` (n >= 1), or of the first working
        day on or after it when n == 0."""
        while True:
            span = self._cover_ord(ordinal)
            if n == 0:
                i = bisect_left(span.ords, ordinal)
            else:
                i = bisect_right(span.ords, ordinal) + n - 1
            if i < len(span.ords):
                return span.ords[i]
            need = i - len(span.ords) + 1
            self._cover(span.lo, span.hi + need // _MIN_WORKING_DAYS_PER_YEAR + 1)

    def next_working_day(self, day: date | datetime) -> date:
        """The first working day strictly after `day`."""
        ordinal = _local_date(day).toordinal()
        return date.fromordinal(self.nth_working_ordinal_after(ordinal, 1))

    def working_day_on_or_after(self, day: date | datetime) -> date:
        ordinal = _local_date(day).toordinal()
        return date.fromordinal(self.nth_working_ordinal_after(ordinal, 0))

    def add_working_days(self, day: date | datetime, n: int) -> date:
        """The n-th working day after `day` (n >= 1; `day` itself never counts)."""
        if n < 1:
            raise ValidationFailed(_("Số ngày làm việc phải từ 1 trở lên."), field="amount")
        return date.fromordinal(self.nth_working_ordinal_after(_local_date(day).toordinal(), n))

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """How many working days d with start < d <= end (negative when end < start).

        For lateness: due on Tuesday, finished on Thursday → 2 (Wednesday, Thursday); finished
        on the due date or earlier → 0 or less. Datetimes count by their Vietnam date."""
        a = _local_date(start).toordinal()
        b = _local_date(end).toordinal()
        lo, hi = (a, b) if a <= b else (b, a)
        span = self._cover(date.fromordinal(lo).year, date.fromordinal(hi).year)
        return bisect_right(span.ords, b) - bisect_right(span.ords, a)

    def working_days_in(self, year: int) -> int:
        return len(self.year(year).working_ordinals)


def _runs(years: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for y in years:
        if runs and runs[-1][1] == y - 1:
            runs[-1] = (runs[-1][0], y)
        else:
            runs.append((y, y))
    return runs


# --- time helpers ---------------------------------------------------------------------------------


def to_vietnam_time(moment: datetime) -> datetime:
    """`moment` as an aware datetime in Asia/Ho_Chi_Minh; a naive one is read as Vietnam time."""
    if not isinstance(moment, datetime):
        raise ValidationFailed(_("Thời điểm phải gồm ngày và giờ."), field="received_at")
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValidationFailed(
            _YEAR_RANGE % {"min": MIN_YEAR, "max": MAX_YEAR}, field="received_at"
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=VN_TZ)
    if moment.tzinfo is VN_TZ:
        return moment
    return moment.astimezone(VN_TZ)


def _local_date(day: date | datetime) -> date:
    if isinstance(day, datetime):
        if day.tzinfo is not None and day.utcoffset() is not None and day.tzinfo is not VN_TZ:
            day = day.astimezone(VN_TZ)
        return day.date()
    if isinstance(day, date):
        return day
    raise ValidationFailed(_("Ngày không hợp lệ."))


def _at(ordinal: int, us: int) -> datetime:
    return datetime.fromordinal(ordinal).replace(tzinfo=VN_TZ) + timedelta(microseconds=us)


# --- amounts ----------------------------------------------------------------------------------------


def _check_amount(amount: object, unit: AmountUnit) -> tuple[bool, int]:
    """(whole, value): whole days as an int, or an amount of working time in µs."""
    if isinstance(amount, bool) or not isinstance(amount, Real | Decimal):
        raise ValidationFailed(_("Thời hạn phải là một số."), field="amount")
    if isinstance(amount, Decimal):
        if not amount.is_finite():
            raise ValidationFailed(_("Thời hạn phải là số hữu hạn."), field="amount")
        value = float(amount)
    else:
        value = float(amount)
    if not math.isfinite(value):
        raise ValidationFailed(_("Thời hạn quá lớn."), field="amount")
    if value < 0:
        raise ValidationFailed(_("Thời hạn không được âm."), field="amount")
    limit = MAX_HOURS if unit is AmountUnit.HOUR else MAX_DAYS
    if value > limit:
        raise ValidationFailed(
            _("Thời hạn tối đa là %(limit)s.") % {"limit": limit}, field="amount"
        )
    whole = value.is_integer() if not isinstance(amount, int) else True
    if unit is AmountUnit.DAY:
        if not whole:
            raise ValidationFailed(_("Số ngày theo lịch phải là số nguyên."), field="amount")
        return True, int(value)
    if unit is AmountUnit.WORKING_DAY and whole:
        return True, int(value)
    per = _WORKING_DAY_US if unit is AmountUnit.WORKING_DAY else _HOUR_US
    if isinstance(amount, Decimal):
        return False, int((amount * per).to_integral_value(ROUND_HALF_EVEN))
    if isinstance(amount, int):
        return False, amount * per
    return False, round(value * per)


def _cutoff_us(cutoff: time | None) -> int | None:
    if cutoff is None:
        return None
    if not isinstance(cutoff, time) or cutoff.tzinfo is not None:
        raise ValidationFailed(_("Giờ chốt nhận hồ sơ không hợp lệ."), field="cutoff")
    return _us_of(cutoff)


# --- the arithmetic -------------------------------------------------------------------------------


def _start(cal: WorkCalendar, local: datetime, cutoff_us: int | None) -> tuple[int, int, int]:
    """(counting-day ordinal, office µs elapsed at counted_from, clock µs of counted_from)."""
    sch = cal.schedule
    ordinal = local.toordinal()
    t = ((local.hour * 60 + local.minute) * 60 + local.second) * _US + local.microsecond
    if t < sch.ae and (cutoff_us is None or t <= cutoff_us) and cal.is_working_ordinal(ordinal):
        if t < sch.ms:
            return ordinal, 0, sch.ms
        if t < sch.me:
            return ordinal, t - sch.ms, t
        if t < sch.as_:
            return ordinal, sch.morning_len, sch.as_
        return ordinal, sch.morning_len + (t - sch.as_), t
    return cal.nth_working_ordinal_after(ordinal, 1), 0, sch.ms


def counted_from(
    cal: WorkCalendar, received_at: datetime, *, cutoff: time | None = None
) -> datetime:
    """The moment counting starts for a dossier received at `received_at` (see module doc)."""
    local = to_vietnam_time(received_at)
    ordinal, _pos, clock = _start(cal, local, _cutoff_us(cutoff))
    return _at(ordinal, clock)


def add_working_time(
    cal: WorkCalendar, ordinal: int, position: int, amount_us: int
) -> tuple[int, int]:
    """Add `amount_us` of office time to the moment `position` µs into the office hours of the
    working day `ordinal`; answers (ordinal, clock µs)."""
    sch = cal.schedule
    day_len = sch.day_len
    remaining = day_len - position
    if amount_us <= remaining:
        return ordinal, sch.clock(position + amount_us)
    full_days, rest = divmod(amount_us - remaining, day_len)
    if rest == 0:
        return cal.nth_working_ordinal_after(ordinal, full_days), sch.ae
    return cal.nth_working_ordinal_after(ordinal, full_days + 1), sch.clock(rest)


def due_date(
    cal: WorkCalendar,
    received_at: datetime,
    amount: int | float | Decimal,
    unit: AmountUnit | str = AmountUnit.WORKING_DAY,
    *,
    cutoff: time | None = None,
) -> DueDate:
    """When a dossier received at `received_at` with a time limit of `amount` `unit` falls due.

    Answers `DueDate(received_at, counted_from, due_at)`, all aware, in Asia/Ho_Chi_Minh, with
    received_at <= counted_from <= due_at. The rules are in the module docstring."""
    try:
        unit = AmountUnit(unit)
    except ValueError:
        raise ValidationFailed(
            _("Đơn vị thời hạn phải là working_day, day hoặc hour."), field="unit"
        ) from None
    whole, value = _check_amount(amount, unit)
    local = to_vietnam_time(received_at)
    ordinal, position, clock = _start(cal, local, _cutoff_us(cutoff))
    sch = cal.schedule
    if not whole:
        if value == 0:
            due_ord, due_clock = ordinal, clock
        else:
            due_ord, due_clock = add_working_time(cal, ordinal, position, value)
    elif unit is AmountUnit.WORKING_DAY:
        due_ord = ordinal if value == 0 else cal.nth_working_ordinal_after(ordinal, value)
        due_clock = sch.ae
    else:  # calendar days
        due_ord = cal.nth_working_ordinal_after(ordinal + value, 0)
        due_clock = sch.ae
    start = _at(ordinal, clock)
    due = start if (due_ord == ordinal and due_clock == clock) else _at(due_ord, due_clock)
    return DueDate(received_at=local, counted_from=start, due_at=due)


# --- a running clock: office time between moments, and added to a moment -----------------------------
# Used by lifecycles whose legal clock pauses (a dossier waiting for the applicant's supplement):
# the remaining office time at the pause is added again from the moment the clock resumes.


def _office_position(cal: WorkCalendar, moment: datetime) -> tuple[int, int]:
    """(working-day ordinal, office µs elapsed that day) of the first office moment at or after
    `moment`."""
    ordinal, position, _clock = _start(cal, to_vietnam_time(moment), None)
    return ordinal, position


def office_time_between(cal: WorkCalendar, start: datetime, end: datetime) -> int:
    """Office time, in µs, from `start` to `end` (0 when `end` is not later in office time)."""
    so, sp = _office_position(cal, start)
    eo, ep = _office_position(cal, end)
    if (eo, ep) <= (so, sp):
        return 0
    if so == eo:
        return ep - sp
    day_len = cal.schedule.day_len
    whole_days_between = cal.working_days_between(date.fromordinal(so), date.fromordinal(eo)) - 1
    return (day_len - sp) + whole_days_between * day_len + ep


def add_office_time(cal: WorkCalendar, start: datetime, amount_us: int) -> datetime:
    """The moment `amount_us` of office time after `start` (counted from the first office moment
    at or after it)."""
    if amount_us < 0:
        raise ValidationFailed(_("Thời hạn không được âm."), field="amount")
    ordinal, position = _office_position(cal, start)
    if amount_us == 0:
        return _at(ordinal, cal.schedule.clock(position))
    due_ord, due_clock = add_working_time(cal, ordinal, position, amount_us)
    return _at(due_ord, due_clock)
