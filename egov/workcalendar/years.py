"""What one year of the calendar looks like for one scope: national holidays plus exceptions.

Pure functions (no database): `compose_year` takes the national holidays of a year and the
exception rows of the scopes that apply to a unit, and answers a `YearSpec` — the named days off,
the rest days made working, and the sorted ordinals of every working day.

Rules (in this order):
1. Saturdays and Sundays are weekly rest days; every other day is a working day unless it is a
   day off.
2. The national public holidays are the `holidays` package's `VN` holidays, with their observed
   and announced swapped days off (Labour Code 2019 Art. 112; DOMAIN.md §10).
3. The civil-service Tết schedule: when the most specific scope that has any `tet` row in the year
   has such rows, those rows are that year's Tết days off and the package's Tết days are dropped.
   Tết rows of less specific scopes are then ignored.
4. For each date, the row of the most specific scope wins (a unit's row over its parent's, a
   parent's over the global row): `day_off` and `tet` make the date a day off, `working_day` makes
   it a working day (a Saturday worked in exchange — ngày làm bù — or a holiday cancelled for the
   scope).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

WEEKLY_REST_DAYS = frozenset({5, 6})  # Saturday, Sunday (date.weekday())

# Where a day comes from: the package, or an exception of that kind (models.ExceptionKind values;
# this module stays free of Django so that the arithmetic can run without it).
SOURCE_HOLIDAY = "holiday"
SOURCE_DAY_OFF = "day_off"
SOURCE_WORKING_DAY = "working_day"
SOURCE_TET = "tet"


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    """One administrator's exception, as read from the database."""

    date: date
    kind: str
    name: str
    note: str = ""
    unit_id: int | None = None


@dataclass(frozen=True, slots=True)
class DayInfo:
    name: str
    source: str
    note: str = ""
    unit_id: int | None = None


@dataclass(frozen=True)
class YearSpec:
    """One year for one scope. `days_off` lists every named day off (including holidays that fall
    on a Saturday or Sunday); `extra_working` lists the days made working by an exception;
    `working_ordinals` is every working day of the year as `date.toordinal()`, ascending."""

    year: int
    days_off: Mapping[date, DayInfo]
    extra_working: Mapping[date, DayInfo]
    working_ordinals: tuple[int, ...]
    national_available: bool = True
    tet_replaced: bool = field(default=False)


def is_tet_name(name: str) -> bool:
    """A holiday of the lunar new year (Tết Nguyên Đán, its eve, "29 Tết", observed days), as the
    package names them in Vietnamese; not Tết Dương lịch (1 January)."""
    return "Tết" in name and "Dương lịch" not in name


@lru_cache(maxsize=512)
def _national(year: int) -> Mapping[date, str]:
    vn = holidays.country_holidays("VN", years=year, language="vi")
    return MappingProxyType({d: str(n) for d, n in sorted(vn.items()) if d.year == year})


def national_holidays(year: int) -> Mapping[date, str]:
    """The package's Vietnamese public holidays of `year`, with Vietnamese names (read-only).
    Empty for years the package does not cover (before 1901 and after 2100 in version 0.109)."""
    return _national(year)


def compose_year(
    year: int,
    national: Mapping[date, str],
    rows: Iterable[ExceptionRow],
    chain: Sequence[int | None] = (None,),
) -> YearSpec:
    """The calendar of `year` for a scope. `chain` lists the scopes from least to most specific:
    `None` (global rows) first, then the unit ids from the root of the unit's tree down to the
    unit itself. Rows of scopes not in `chain` and of other years are ignored."""
    rank = {unit_id: i for i, unit_id in enumerate(chain)}
    mine = [r for r in rows if r.unit_id in rank and r.date.year == year]
    tet_scope = max((rank[r.unit_id] for r in mine if r.kind == SOURCE_TET), default=None)

    days_off: dict[date, DayInfo] = {}
    for day, name in national.items():
        if day.year != year or (tet_scope is not None and is_tet_name(name)):
            continue
        days_off[day] = DayInfo(name, SOURCE_HOLIDAY)

    effective: dict[date, ExceptionRow] = {}
    for row in sorted(mine, key=lambda r: rank[r.unit_id]):
        if row.kind == SOURCE_TET and rank[row.unit_id] != tet_scope:
            continue
        effective[row.date] = row

    extra_working: dict[date, DayInfo] = {}
    for day, row in effective.items():
        info = DayInfo(row.name, row.kind, row.note, row.unit_id)
        if row.kind == SOURCE_WORKING_DAY:
            days_off.pop(day, None)
            extra_working[day] = info
        else:
            days_off[day] = info

    first = date(year, 1, 1)
    ordinals: list[int] = []
    start = first.toordinal()
    weekday = first.weekday()
    days_in_year = (date(year + 1, 1, 1) - first).days if year < 9999 else 365
    for offset in range(days_in_year):
        day = first + timedelta(days=offset)
        rest = (weekday + offset) % 7 in WEEKLY_REST_DAYS
        if day in extra_working or (not rest and day not in days_off):
            ordinals.append(start + offset)

    return YearSpec(
        year=year,
        days_off=MappingProxyType(dict(sorted(days_off.items()))),
        extra_working=MappingProxyType(dict(sorted(extra_working.items()))),
        working_ordinals=tuple(ordinals),
        national_available=bool(national),
        tet_replaced=tet_scope is not None,
    )
