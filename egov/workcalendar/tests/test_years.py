"""Composing a year: national holidays from the package, then the administrators' exceptions."""

from __future__ import annotations

from datetime import date

import pytest

from egov.workcalendar.models import ExceptionKind
from egov.workcalendar.years import (
    SOURCE_DAY_OFF,
    SOURCE_HOLIDAY,
    SOURCE_TET,
    SOURCE_WORKING_DAY,
    ExceptionRow,
    compose_year,
    is_tet_name,
    national_holidays,
)


def test_source_names_are_the_model_choices():
    assert {SOURCE_DAY_OFF, SOURCE_WORKING_DAY, SOURCE_TET} == set(ExceptionKind.values)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            2025,
            {
                date(2025, 1, 1),
                *(date(2025, 1, d) for d in range(27, 32)),
                date(2025, 2, 1),
                date(2025, 4, 7),
                date(2025, 4, 30),
                date(2025, 5, 1),
                date(2025, 5, 2),
                date(2025, 9, 1),
                date(2025, 9, 2),
            },
        ),
        (
            2026,
            {
                date(2026, 1, 1),
                *(date(2026, 2, d) for d in range(16, 21)),
                date(2026, 4, 26),
                date(2026, 4, 27),
                date(2026, 4, 30),
                date(2026, 5, 1),
                date(2026, 8, 31),
                date(2026, 9, 1),
                date(2026, 9, 2),
                date(2026, 11, 24),
            },
        ),
    ],
)
def test_national_holidays_as_in_domain_md(year, expected):
    """DOMAIN.md §10 lists what `holidays` 0.109 yields for 2025 and 2026."""
    assert set(national_holidays(year)) == expected
    names = national_holidays(year)
    assert all(names.values())


def test_names_are_vietnamese():
    names = national_holidays(2026)
    assert names[date(2026, 11, 24)] == "Ngày Văn hóa Việt Nam"
    assert names[date(2026, 4, 27)] == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert "Tết" in names[date(2026, 2, 17)]


def test_every_covered_year_has_a_tet_the_replacement_can_find():
    """If the package renamed its Tết days, replacing them by a civil-service schedule would
    silently keep both: check the names for every year the package covers."""
    for year in range(1901, 2101):
        names = national_holidays(year)
        tet = [d for d, n in names.items() if is_tet_name(n)]
        assert len(tet) >= 4, year
        assert all(date(year, 1, 15) <= d <= date(year, 2, 25) for d in tet), year
        assert not is_tet_name(names[date(year, 1, 1)])


def test_years_outside_the_package_have_weekends_only():
    assert national_holidays(2150) == {}
    spec = compose_year(2150, national_holidays(2150), ())
    assert not spec.national_available
    assert spec.days_off == {}
    assert len(spec.working_ordinals) == 261  # 2150: 52 weeks + Thursday


def test_plain_year():
    spec = compose_year(2026, national_holidays(2026), ())
    assert spec.days_off[date(2026, 11, 24)].source == SOURCE_HOLIDAY
    assert spec.extra_working == {}
    assert len(spec.working_ordinals) == 248
    assert list(spec.working_ordinals) == sorted(spec.working_ordinals)
    assert date(2026, 11, 24).toordinal() not in spec.working_ordinals
    assert date(2026, 11, 28).toordinal() not in spec.working_ordinals  # Saturday


def row(day, kind, unit_id=None, name="Ngoại lệ"):
    return ExceptionRow(day, kind, name, "", unit_id)


def test_working_saturday_and_extra_day_off():
    spec = compose_year(
        2026,
        national_holidays(2026),
        [
            row(date(2026, 8, 22), SOURCE_WORKING_DAY, name="Làm bù"),
            row(date(2026, 12, 31), SOURCE_DAY_OFF, name="Nghỉ thêm"),
        ],
    )
    assert date(2026, 8, 22).toordinal() in spec.working_ordinals
    assert spec.extra_working[date(2026, 8, 22)].name == "Làm bù"
    assert spec.days_off[date(2026, 12, 31)].source == SOURCE_DAY_OFF
    assert len(spec.working_ordinals) == 248  # +1 Saturday, -1 Thursday


def test_working_day_cancels_a_holiday():
    spec = compose_year(
        2026, national_holidays(2026), [row(date(2026, 11, 24), SOURCE_WORKING_DAY)]
    )
    assert date(2026, 11, 24) not in spec.days_off
    assert date(2026, 11, 24).toordinal() in spec.working_ordinals


def test_tet_schedule_replaces_the_package_tet_days():
    schedule = [row(date(2026, 2, d), SOURCE_TET, name="Nghỉ Tết") for d in (13, 16, 17, 18, 19)]
    spec = compose_year(2026, national_holidays(2026), schedule)
    assert spec.tet_replaced
    off = {d for d, info in spec.days_off.items() if info.source == SOURCE_TET}
    assert off == {date(2026, 2, d) for d in (13, 16, 17, 18, 19)}
    assert date(2026, 2, 20) not in spec.days_off  # the package's 4th day of Tết is dropped
    assert date(2026, 2, 20).toordinal() in spec.working_ordinals
    assert date(2026, 1, 1) in spec.days_off  # Tết Dương lịch is not a lunar Tết day
    assert date(2026, 4, 27) in spec.days_off


def test_scopes_most_specific_wins():
    chain = (None, 1, 2)  # global, province 1, commune 2
    rows = [
        row(date(2026, 12, 31), SOURCE_DAY_OFF, None, "Chung"),
        row(date(2026, 12, 31), SOURCE_WORKING_DAY, 2, "Xã làm việc"),
        row(date(2026, 12, 30), SOURCE_DAY_OFF, 1, "Tỉnh nghỉ"),
        row(date(2026, 12, 29), SOURCE_DAY_OFF, 99, "Xã khác nghỉ"),  # not in the chain
        row(date(2025, 12, 29), SOURCE_DAY_OFF, None, "Năm khác"),  # another year
    ]
    commune = compose_year(2026, national_holidays(2026), rows, chain)
    assert date(2026, 12, 31) not in commune.days_off
    assert commune.extra_working[date(2026, 12, 31)].unit_id == 2
    assert commune.days_off[date(2026, 12, 30)].name == "Tỉnh nghỉ"
    assert date(2026, 12, 29) not in commune.days_off
    province = compose_year(2026, national_holidays(2026), rows, (None, 1))
    assert province.days_off[date(2026, 12, 31)].name == "Chung"
    assert date(2026, 12, 30) in province.days_off
    national = compose_year(2026, national_holidays(2026), rows)
    assert date(2026, 12, 30) not in national.days_off


def test_tet_schedule_of_the_nearest_scope_wins():
    chain = (None, 1)
    rows = [
        row(date(2026, 2, 13), SOURCE_TET, None, "Tết chung"),
        row(date(2026, 2, 16), SOURCE_TET, None, "Tết chung"),
        row(date(2026, 2, 23), SOURCE_TET, 1, "Tết riêng"),
    ]
    unit = compose_year(2026, national_holidays(2026), rows, chain)
    tet = {d for d, info in unit.days_off.items() if info.source == SOURCE_TET}
    assert tet == {date(2026, 2, 23)}
    assert date(2026, 2, 13).toordinal() in unit.working_ordinals
    glob = compose_year(2026, national_holidays(2026), rows)
    assert {d for d, i in glob.days_off.items() if i.source == SOURCE_TET} == {
        date(2026, 2, 13),
        date(2026, 2, 16),
    }
