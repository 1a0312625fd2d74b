"""The public calendar API: shapes, per-unit answers, and every kind of bad parameter."""

from __future__ import annotations

from datetime import date, time
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from egov.accounts.models import UserKind
from egov.audit.models import AuditEvent
from egov.workcalendar import services
from egov.workcalendar.models import CalendarException, OfficeHours

pytestmark = pytest.mark.django_db

DUE = "/api/v1/calendar/due-date/"


def year_url(year) -> str:
    return f"/api/v1/calendar/{year}/"


def get_due(client, **params):
    return client.get(f"{DUE}?{urlencode(params)}")


def test_urls():
    assert reverse("workcalendar_api:due-date") == DUE
    assert reverse("workcalendar_api:year", args=[2026]) == year_url(2026)


@pytest.mark.parametrize(
    ("params", "counted_from", "due_at"),
    [
        (
            {"received_at": "2026-11-23T09:00:00+07:00", "amount": "1"},
            "2026-11-23T09:00:00+07:00",
            "2026-11-25T17:00:00+07:00",
        ),
        (
            {"received_at": "2026-11-23T16:00", "amount": "2", "unit": "hour"},
            "2026-11-23T16:00:00+07:00",
            "2026-11-25T08:30:00+07:00",
        ),
        (
            {"received_at": "2026-11-26T09:00:00Z", "amount": "0.5"},  # 16:00 in Vietnam
            "2026-11-26T16:00:00+07:00",
            "2026-11-27T10:30:00+07:00",
        ),
        (
            {"received_at": "2026-11-26T15:30", "amount": "0", "cutoff": "15:00"},
            "2026-11-27T07:30:00+07:00",
            "2026-11-27T17:00:00+07:00",
        ),
        (
            {"received_at": "2026-11-28T10:00", "amount": "5", "unit": "day"},
            "2026-11-30T07:30:00+07:00",
            "2026-12-07T17:00:00+07:00",
        ),
        (
            {"received_at": "2025-04-25T09:00", "amount": "1", "unit": "working_day"},
            "2025-04-25T09:00:00+07:00",
            "2025-04-26T17:00:00+07:00",
        ),
        (
            {"received_at": "2026-02-13 09:00", "amount": "1"},
            "2026-02-13T09:00:00+07:00",
            "2026-02-23T17:00:00+07:00",
        ),
    ],
)
def test_due_date(client, params, counted_from, due_at):
    response = get_due(client, **params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["counted_from"] == counted_from
    assert body["due_at"] == due_at
    assert body["received_at"].endswith("+07:00")
    assert body["unit"] == params.get("unit", "working_day")
    assert body["unit_id"] is None


def test_cached_answers_need_no_query(client, django_assert_num_queries):
    params = {"received_at": "2026-11-23T09:00", "amount": "3"}
    assert get_due(client, **params).status_code == 200
    with django_assert_num_queries(0):
        assert get_due(client, **params).status_code == 200
        assert client.get(year_url(2026)).status_code == 200


def test_received_at_is_echoed_in_vietnam_time(client):
    body = get_due(client, received_at="2026-11-26T02:00:00Z", amount="1").json()
    assert body["received_at"] == "2026-11-26T09:00:00+07:00"


def test_plus_sign_sent_unencoded(client):
    """A "+07:00" typed into a URL arrives as " 07:00"."""
    response = client.get(f"{DUE}?received_at=2026-11-23T09:00:00+07:00&amount=1")
    assert response.status_code == 200
    assert response.json()["due_at"] == "2026-11-25T17:00:00+07:00"


def test_due_date_for_a_unit(client, make_user, commune_a, commune_b):
    actor = make_user()
    services.office_hours_set(
        actor=actor,
        unit=commune_a,
        morning_start=time(8),
        morning_end=time(12),
        afternoon_start=time(13),
        afternoon_end=time(17),
    )
    services.exception_create(
        actor=actor, day=date(2026, 11, 27), kind="day_off", name="Nghỉ riêng", unit=commune_a
    )
    params = {"received_at": "2026-11-26T16:00", "amount": "2", "unit": "hour"}
    body_a = get_due(client, unit_id=commune_a.pk, **params).json()
    assert body_a["due_at"] == "2026-11-30T09:00:00+07:00"  # 27 Nov off, opens at 08:00
    assert body_a["unit_id"] == commune_a.pk
    body_b = get_due(client, unit_id=commune_b.pk, **params).json()
    assert body_b["due_at"] == "2026-11-27T08:30:00+07:00"


def test_anonymous_and_logged_in_get_the_same(client, make_user):
    params = {"received_at": "2026-11-23T09:00", "amount": "1"}
    anonymous = get_due(client, **params).json()
    client.force_login(make_user(kind=UserKind.CITIZEN))
    assert get_due(client, **params).json() == anonymous


def test_year(client):
    response = client.get(year_url(2026))
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2026
    assert body["unit_id"] is None
    assert body["weekly_rest_days"] == ["saturday", "sunday"]
    off = {d["date"]: d for d in body["days_off"]}
    assert off["2026-11-24"]["name"] == "Ngày Văn hóa Việt Nam"
    assert off["2026-11-24"]["source"] == "holiday"
    assert off["2026-11-24"]["weekday"] == "tuesday"
    assert off["2026-04-26"]["weekday"] == "sunday"  # a holiday on a Sunday is listed
    assert {f"2026-02-{d}" for d in range(16, 21)} <= set(off)
    assert "2026-11-28" not in off  # plain Saturdays are not listed
    assert [d["date"] for d in body["days_off"]] == sorted(off)
    [worked] = body["working_days"]
    assert worked["date"] == "2026-08-22" and worked["weekday"] == "saturday"
    assert worked["source"] == "working_day"
    assert "DOMAIN.md" in worked["note"]
    assert body["working_day_count"] == 249
    assert body["national_holidays_available"] is True
    assert body["tet_schedule_replaced"] is False
    assert body["office_hours"] == {
        "morning": ["07:30", "11:30"],
        "afternoon": ["13:30", "17:00"],
        "hours_per_day": 7.5,
    }


def test_year_2025(client):
    body = client.get(year_url(2025)).json()
    off = {d["date"] for d in body["days_off"]}
    assert {"2025-01-27", "2025-01-31", "2025-02-01", "2025-05-02"} <= off
    assert [d["date"] for d in body["working_days"]] == ["2025-04-26"]


def test_year_for_a_unit_with_its_tet_schedule(client, make_user, commune_a):
    actor = make_user()
    for day in (13, 16, 17, 18, 19):
        services.exception_create(
            actor=actor, day=date(2026, 2, day), kind="tet", name="Nghỉ Tết", unit=commune_a
        )
    body = client.get(f"{year_url(2026)}?unit_id={commune_a.pk}").json()
    assert body["unit_id"] == commune_a.pk
    assert body["tet_schedule_replaced"] is True
    off = {d["date"]: d for d in body["days_off"]}
    assert "2026-02-20" not in off
    assert off["2026-02-13"]["source"] == "tet"
    assert off["2026-02-13"]["unit_id"] == commune_a.pk
    assert client.get(year_url(2026)).json()["tet_schedule_replaced"] is False


def test_year_beyond_the_package(client):
    body = client.get(year_url(2150)).json()
    assert body["national_holidays_available"] is False
    assert body["days_off"] == []


def test_schema_documents_the_public_endpoints():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    due = schema["paths"]["/api/v1/calendar/due-date/"]["get"]
    year = schema["paths"]["/api/v1/calendar/{year}/"]["get"]
    assert {p["name"] for p in due["parameters"]} >= {"received_at", "amount", "unit", "unit_id"}
    assert due.get("security", []) in ([], [{}])  # no authentication asked for
    assert year.get("security", []) in ([], [{}])
    assert "400" in due["responses"] and "400" in year["responses"]


# --- bad parameters ------------------------------------------------------------------------------

GOOD = {"received_at": "2026-11-23T09:00:00+07:00", "amount": "1"}
LONG = "1" * 10_000

BAD_DUE = {
    "no-received-at": {"amount": "1"},
    "no-amount": {"received_at": GOOD["received_at"]},
    "empty-received-at": {**GOOD, "received_at": ""},
    "empty-amount": {**GOOD, "amount": ""},
    "non-numeric": {**GOOD, "amount": "three"},
    "negative": {**GOOD, "amount": "-1"},
    "negative-fraction": {**GOOD, "amount": "-0.5"},
    "nan": {**GOOD, "amount": "NaN"},
    "inf": {**GOOD, "amount": "inf"},
    "infinity": {**GOOD, "amount": "Infinity"},
    "exponent": {**GOOD, "amount": "1e3"},
    "hex": {**GOOD, "amount": "0x10"},
    "comma-decimal": {**GOOD, "amount": "0,5"},
    "arabic-digits": {**GOOD, "amount": "١٢"},
    "huge-days": {**GOOD, "amount": "3651"},
    "huge-calendar-days": {**GOOD, "amount": "3651", "unit": "day"},
    "huge-hours": {**GOOD, "amount": "29201", "unit": "hour"},
    "huge-number": {**GOOD, "amount": "999999999999"},
    "long-amount": {**GOOD, "amount": LONG},
    "fractional-calendar-days": {**GOOD, "amount": "0.5", "unit": "day"},
    "bad-unit": {**GOOD, "unit": "week"},
    "unit-case": {**GOOD, "unit": "HOUR"},
    "date-only": {**GOOD, "received_at": "2026-11-23"},
    "malformed-date": {**GOOD, "received_at": "23/11/2026 09:00"},
    "impossible-date": {**GOOD, "received_at": "2026-02-30T09:00"},
    "bad-hour": {**GOOD, "received_at": "2026-11-23T25:00"},
    "bad-offset": {**GOOD, "received_at": "2026-11-23T09:00+25:00"},
    "year-1899": {**GOOD, "received_at": "1899-12-31T09:00"},
    "year-2201": {**GOOD, "received_at": "2201-01-01T09:00"},
    "year-9999": {**GOOD, "received_at": "9999-12-31T23:59:59-12:00"},
    "year-0001": {**GOOD, "received_at": "0001-01-01T00:00+14:00"},
    "long-date": {**GOOD, "received_at": "2026-11-23T09:00:00" + "0" * 10_000},
    "unicode-date": {**GOOD, "received_at": "２０２６-11-23T09:00"},
    "script": {**GOOD, "received_at": "<script>alert(1)</script>"},
    "sql": {**GOOD, "amount": "1; DROP TABLE workcalendar_calendarexception"},
    "path-traversal": {**GOOD, "unit_id": "../../etc/passwd"},
    "unknown-unit-id": {**GOOD, "unit_id": "987654321"},
    "zero-unit-id": {**GOOD, "unit_id": "0"},
    "negative-unit-id": {**GOOD, "unit_id": "-3"},
    "huge-unit-id": {**GOOD, "unit_id": "9" * 30},
    "text-unit-id": {**GOOD, "unit_id": "abc"},
    "bad-cutoff": {**GOOD, "cutoff": "25:00"},
    "cutoff-no-colon": {**GOOD, "cutoff": "1500"},
    "cutoff-hours-only": {**GOOD, "cutoff": "15h"},
    "cutoff-seconds": {**GOOD, "cutoff": "15:00:00"},
    "long-cutoff": {**GOOD, "cutoff": LONG},
}


def assert_problem(response, field: str | None = None) -> dict:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["title"]
    assert body["detail"]
    if field:
        assert field in {e["field"] for e in body.get("errors", [])}
    return body


@pytest.mark.parametrize("params", BAD_DUE.values(), ids=BAD_DUE.keys())
def test_bad_due_date_parameters(client, params):
    before = (CalendarException.objects.count(), AuditEvent.objects.count())
    assert_problem(get_due(client, **params))
    assert (CalendarException.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("received_at=%FF%FE&amount=1", "received_at"),  # not UTF-8
        ("received_at=2026-11-23T09:00&amount=1%00", "amount"),
        ("received_at=2026-11-23T09:00%ED%A0%80&amount=1", "received_at"),  # lone surrogate
        ("received_at=2026-11-23T09:00&amount=1&amount=2", "amount"),
        ("received_at=2026-11-23T09:00&amount=1&unit_id=%FF", "unit_id"),
        ("received_at=2026-11-23T09:00\u200b&amount=1", "received_at"),
    ],
)
def test_raw_hostile_query_strings(client, query, field):
    body = assert_problem(client.get(f"{DUE}?{query}"), field)
    assert "\ufffd" not in body["detail"]


def test_errors_name_the_field(client):
    body = assert_problem(get_due(client, **BAD_DUE["negative"]), "amount")
    assert body["errors"][0]["field"] == "amount"
    assert_problem(get_due(client, **BAD_DUE["unknown-unit-id"]), "unit_id")
    assert_problem(get_due(client, **BAD_DUE["year-1899"]), "received_at")
    assert_problem(get_due(client, **BAD_DUE["bad-cutoff"]), "cutoff")


@pytest.mark.parametrize(
    "year", ["1899", "2201", "0", "abc", "2026.5", "-2026", "99999", "２０２６", "1" * 10_000]
)
def test_bad_years(client, year):
    assert_problem(client.get(year_url(year)), "year")


@pytest.mark.parametrize("unit_id", ["987654321", "abc", "-1", "%FF"])
def test_bad_unit_on_year(client, unit_id):
    assert_problem(client.get(f"{year_url(2026)}?unit_id={unit_id}"), "unit_id")


def test_writes_are_refused(client):
    for path in (DUE, year_url(2026)):
        response = client.post(path, {"received_at": "x"})
        assert response.status_code == 405
        assert response["Content-Type"] == "application/problem+json"
    assert OfficeHours.objects.count() == 0
