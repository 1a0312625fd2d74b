"""Reads of the working-day calendar.

The calendar is public information (the API serves it without login), so `calendar_for`,
`year_listing` and `due_date_for` take no acting user. Lists of the administrators' rows for staff
pages (`exceptions_for_user`) apply the access policy.

A unit's calendar is the national holidays, the global exceptions, and the exceptions of the unit
and of every unit above it on its scope path (`Unit.path`), the nearest unit's row winning for a
date; its office hours are those of the nearest unit on that path that has a row, else the default
row (unit empty), else 07:30–11:30 and 13:30–17:00.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from egov.accounts import policy
from egov.core.errors import ValidationFailed
from egov.units.models import Unit
from egov.workcalendar import caching
from egov.workcalendar.deadlines import (
    MAX_YEAR,
    MIN_YEAR,
    AmountUnit,
    DueDate,
    OfficeSchedule,
    WorkCalendar,
    due_date,
)
from egov.workcalendar.models import CalendarException, OfficeHours
from egov.workcalendar.years import ExceptionRow, YearSpec, compose_year, national_holidays


def unit_chain(unit: Unit | None) -> tuple[int, ...]:
    """The ids of `unit`'s scope path from the root down to the unit itself (empty for None)."""
    if unit is None:
        return ()
    ids = [int(part) for part in (unit.path or "").split("/") if part.isdigit()]
    if not ids or ids[-1] != unit.pk:
        ids.append(unit.pk)
    return tuple(ids)


def _schedule_for(chain: tuple[int, ...]) -> OfficeSchedule:
    rank = {unit_id: i + 1 for i, unit_id in enumerate(chain)}
    best: OfficeHours | None = None
    best_rank = -1
    for row in OfficeHours.objects.filter(Q(unit__isnull=True) | Q(unit_id__in=chain)):
        r = rank.get(row.unit_id, 0)
        if r > best_rank:
            best, best_rank = row, r
    if best is None:
        return OfficeSchedule()
    return OfficeSchedule(
        best.morning_start, best.morning_end, best.afternoon_start, best.afternoon_end
    )


def _year_loader(chain: tuple[int, ...]):
    scopes: tuple[int | None, ...] = (None, *chain)

    def load(first: int, last: int) -> list[YearSpec]:
        by_year: dict[int, list[ExceptionRow]] = defaultdict(list)
        rows = CalendarException.objects.filter(
            Q(unit__isnull=True) | Q(unit_id__in=chain),
            date__gte=date(first, 1, 1),
            date__lte=date(last, 12, 31),
        ).values_list("date", "kind", "name", "note", "unit_id")
        for row in rows:
            by_year[row[0].year].append(ExceptionRow(*row))
        return [
            compose_year(y, national_holidays(y), by_year.get(y, ()), scopes)
            for y in range(first, last + 1)
        ]

    return load


def calendar_for(unit: Unit | None = None) -> WorkCalendar:
    """The working-day calendar of `unit` (None: the default calendar), built once per process
    and kept until an exception or office hours change."""
    chain = unit_chain(unit)
    calendar, generation = caching.get(chain)
    if calendar is None:
        calendar = WorkCalendar(_schedule_for(chain), _year_loader(chain))
        calendar = caching.put(chain, calendar, generation)
    return calendar


def unit_for_calendar(unit_id: Any) -> Unit | None:
    """The unit named by an id given by a client (None when not given); an unknown or malformed
    id is a validation error, not a 404, since it is a parameter of the request."""
    if unit_id is None or unit_id == "":
        return None
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Mã đơn vị không hợp lệ."), field="unit_id") from None
    if not 0 < pk < 2**63:
        raise ValidationFailed(_("Mã đơn vị không hợp lệ."), field="unit_id")
    unit = Unit.objects.only("id", "path").filter(pk=pk).first()
    if unit is None:
        raise ValidationFailed(_("Không có đơn vị với mã này."), field="unit_id")
    return unit


def due_date_for(
    *,
    received_at: datetime,
    amount: int | float | Decimal,
    amount_unit: AmountUnit | str = AmountUnit.WORKING_DAY,
    unit: Unit | None = None,
    cutoff: time | None = None,
) -> DueDate:
    """The deadline of a dossier (see `deadlines` for the rules) on `unit`'s calendar."""
    return due_date(calendar_for(unit), received_at, amount, amount_unit, cutoff=cutoff)


def is_working_day(day: date | datetime, *, unit: Unit | None = None) -> bool:
    return calendar_for(unit).is_working_day(day)


def next_working_day(day: date | datetime, *, unit: Unit | None = None) -> date:
    return calendar_for(unit).next_working_day(day)


def working_days_between(
    start: date | datetime, end: date | datetime, *, unit: Unit | None = None
) -> int:
    return calendar_for(unit).working_days_between(start, end)


@dataclass(frozen=True)
class YearListing:
    year: int
    unit: Unit | None
    spec: YearSpec
    schedule: OfficeSchedule


def check_year(year: Any) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Năm không hợp lệ."), field="year") from None
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationFailed(
            _("Năm phải trong khoảng %(min)s–%(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR},
            field="year",
        )
    return value


def year_listing(*, year: int, unit: Unit | None = None) -> YearListing:
    """The named days off and the working rest days of `year` for `unit`."""
    year = check_year(year)
    calendar = calendar_for(unit)
    return YearListing(year, unit, calendar.year(year), calendar.schedule)


def exceptions_for_user(user: Any, *, year: int) -> QuerySet[CalendarException]:
    """The exception rows of `year` a calendar manager may see: the global rows and those of
    units in their scope for `calendar.manage`."""
    year = check_year(year)
    rows = CalendarException.objects.filter(
        date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
    ).filter(_global_or_in_scope(user))
    return rows.select_related("unit").order_by("date", "unit__path")


def office_hours_for_user(user: Any) -> QuerySet[OfficeHours]:
    rows = OfficeHours.objects.filter(_global_or_in_scope(user))
    return rows.select_related("unit").order_by("unit__path")


def _global_or_in_scope(user: Any) -> Q:
    scope = policy.scope_q(user, policy.Perm.CALENDAR_MANAGE)
    if not scope:  # an empty Q: system-wide scope (`Q(a) | Q()` would drop it to Q(a))
        return Q()
    return Q(unit__isnull=True) | scope
