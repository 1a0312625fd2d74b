"""The running clock: office time between two moments and office time added to a moment."""

from __future__ import annotations

from datetime import datetime

import pytest

from egov.core.errors import ValidationFailed
from egov.workcalendar.deadlines import (
    VN_TZ,
    WorkCalendar,
    add_office_time,
    office_time_between,
)

HOUR = 3600 * 1_000_000
DAY = 7.5 * HOUR  # 07:30–11:30 + 13:30–17:00


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.national()


def vn(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VN_TZ)


# 2026-11-30 is a Monday; Friday 2026-12-04, Monday 2026-12-07 (24 November is a holiday from 2026).
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (vn(2026, 11, 30, 8), vn(2026, 11, 30, 10), 2 * HOUR),
        # the lunch break does not count
        (vn(2026, 11, 30, 11), vn(2026, 11, 30, 14), 1 * HOUR),
        # across a night: 16:00→17:00 then 07:30→08:30
        (vn(2026, 11, 30, 16), vn(2026, 12, 1, 8, 30), 2 * HOUR),
        # across a weekend: Friday 16:00 → Monday 08:30
        (vn(2026, 12, 4, 16), vn(2026, 12, 7, 8, 30), 2 * HOUR),
        # whole days between
        (vn(2026, 11, 30, 7, 30), vn(2026, 12, 3, 7, 30), 3 * DAY),
        # outside office hours on both sides: nothing
        (vn(2026, 12, 5, 9), vn(2026, 12, 6, 9), 0),
        # end before start: nothing
        (vn(2026, 12, 1, 9), vn(2026, 11, 30, 9), 0),
    ],
)
def test_office_time_between(cal, start, end, expected):
    assert office_time_between(cal, start, end) == expected


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        (vn(2026, 11, 30, 8), 2 * HOUR, vn(2026, 11, 30, 10)),
        (vn(2026, 12, 4, 16), 2 * HOUR, vn(2026, 12, 7, 8, 30)),
        # a start on Sunday counts from Monday's opening
        (vn(2026, 12, 6, 10), 1 * HOUR, vn(2026, 12, 7, 8, 30)),
        (vn(2026, 12, 6, 10), 0, vn(2026, 12, 7, 7, 30)),
    ],
)
def test_add_office_time(cal, start, amount, expected):
    assert add_office_time(cal, start, int(amount)) == expected


@pytest.mark.parametrize(
    "start",
    [vn(2026, 11, 30, 9, 10), vn(2026, 12, 4, 16, 59), vn(2026, 12, 31, 12), vn(2027, 2, 5, 10)],
)
@pytest.mark.parametrize("amount", [1, HOUR, int(DAY), int(3.5 * DAY), int(40 * DAY)])
def test_adding_then_measuring_gives_the_amount_back(cal, start, amount):
    # Over Tết 2027 too: the clock is the calendar's, holidays included.
    end = add_office_time(cal, start, amount)
    assert office_time_between(cal, start, end) == amount


def test_negative_amount_is_refused(cal):
    with pytest.raises(ValidationFailed):
        add_office_time(cal, vn(2026, 11, 30, 8), -1)
