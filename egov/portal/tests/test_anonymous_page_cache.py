"""Visitors who are not logged in get the procedure page from the process's memory for
EGOV_PUBLIC_PAGE_TTL seconds, each with a CSRF token of their own; after that the page's state is
read again, and what changed is shown. Logged-in users and requests with a query string always get
a fresh page. The search page is kept by query string while the search index is unchanged."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from egov.portal import page_cache
from egov.portal.tests import factories as f
from egov.portal.views import catalogue as views
from egov.procedures import services
from egov.workcalendar.deadlines import VN_TZ
from egov.workcalendar.selectors import due_date_for

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def catalogue(db, settings):
    settings.EGOV_PUBLIC_PAGE_TTL = 60
    page_cache.forget()
    yield f.make_catalogue()
    page_cache.forget()


@pytest.fixture
def clock(monkeypatch):
    """The page cache's clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now[0])
    return now


def url(code: str) -> str:
    return reverse("portal:procedure-detail", kwargs={"code": code})


def without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html)


def test_a_kept_page_costs_no_query_and_gives_each_visitor_a_working_token(
    catalogue, django_assert_num_queries
):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    cold = first.get(url(f.BIRTH_MOBILE))
    assert cold.status_code == 200
    with django_assert_num_queries(0):
        warm = second.get(url(f.BIRTH_MOBILE))
    assert warm.status_code == 200
    assert without_tokens(warm.content.decode()) == without_tokens(cold.content.decode())
    assert page_cache.CSRF_MARKER not in warm.content.decode()
    assert f.RECORDS[f.BIRTH_MOBILE]["name"] in warm.content.decode()
    # each visitor's token matches the CSRF cookie they were given: the language switch works
    for client, response in ((first, cold), (second, warm)):
        token = TOKEN.search(response.content.decode()).group(1)
        assert "csrftoken" in response.cookies
        switched = client.post(
            reverse("set_language"),
            {"language": "en", "next": url(f.BIRTH_MOBILE), "csrfmiddlewaretoken": token},
        )
        assert switched.status_code == 302
    # and a token from another visitor's page is refused
    stranger = Client(enforce_csrf_checks=True)
    stranger.get(url(f.DEATH_MOBILE))
    token = TOKEN.search(cold.content.decode()).group(1)
    refused = stranger.post(
        reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": token}
    )
    assert refused.status_code == 403


def test_a_change_reaches_anonymous_visitors_once_the_ttl_has_passed(catalogue, client, clock):
    code = f.BIRTH_MOBILE
    old_name, new_name = f.RECORDS[code]["name"], f.RECORDS[f.DEATH_MOBILE]["name"]
    assert old_name in client.get(url(code)).content.decode()
    services.procedure_amend(actor=None, data=dict(f.RECORDS[f.DEATH_MOBILE], code=code))
    clock[0] += 59
    assert old_name in client.get(url(code)).content.decode()  # within the TTL: as kept
    clock[0] += 1
    html = client.get(url(code)).content.decode()
    assert new_name in html and old_name not in html


def test_an_unchanged_page_is_kept_after_the_check(catalogue, client, clock):
    client.get(url(f.BIRTH_MOBILE))
    kept = next(iter(page_cache.procedure_pages.entries.values()))
    clock[0] += 61
    client.get(url(f.BIRTH_MOBILE))  # state read again: unchanged, so the entry stays
    assert next(iter(page_cache.procedure_pages.entries.values())) is kept
    assert kept.checked_at == clock[0]


def test_the_due_date_follows_the_time_of_the_visit(catalogue, client, monkeypatch):
    for now in (
        datetime(2026, 11, 20, 14, 0, tzinfo=VN_TZ),
        datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ),
    ):
        monkeypatch.setattr(views, "_now", lambda now=now: now)
        html = client.get(url(f.BIRTH_MOBILE)).content.decode()
        due = due_date_for(received_at=now, amount=5, amount_unit="working_day").due_at
        assert f"{due.astimezone(VN_TZ):%H:%M} ngày {due.astimezone(VN_TZ):%d/%m/%Y}" in html


def test_logged_in_users_and_query_strings_get_a_fresh_page(
    catalogue, client, django_assert_max_num_queries, django_user_model
):
    client.get(url(f.BIRTH_MOBILE))
    assert len(page_cache.procedure_pages.entries) == 1
    page_cache.procedure_pages.entries.clear()
    client.get(url(f.BIRTH_MOBILE) + "?utm_source=zalo")
    assert not page_cache.procedure_pages.entries
    user = django_user_model.objects.create_user(username="cong-dan-1", password="x" * 16)
    client.force_login(user)
    html = client.get(url(f.BIRTH_MOBILE)).content.decode()
    assert "Đăng xuất" in html
    assert not page_cache.procedure_pages.entries


def test_the_number_of_kept_pages_is_bounded(catalogue, client, monkeypatch):
    monkeypatch.setattr(page_cache.procedure_pages, "max_entries", 2)
    for code in (f.BIRTH_MOBILE, f.DEATH_MOBILE, f.BIRTH_BORDER):
        assert client.get(url(code)).status_code == 200
    assert [key[0] for key in page_cache.procedure_pages.entries] == [
        f"procedure:{f.DEATH_MOBILE}",
        f"procedure:{f.BIRTH_BORDER}",
    ]


def test_an_unknown_or_rescinded_procedure_is_not_kept(catalogue, client):
    assert client.get(url("9.999999")).status_code == 404
    services.procedure_rescind(actor=None, code=f.COPY_FROM_REGISTER, decision_no="1/QĐ-BAIBO")
    assert client.get(url(f.COPY_FROM_REGISTER)).status_code == 410
    assert not page_cache.procedure_pages.entries


def search(client, q: str) -> str:
    return client.get(reverse("portal:procedure-search"), {"q": q}).content.decode()


def test_a_search_page_is_kept_while_the_index_is_unchanged(catalogue, client, monkeypatch):
    name = f.RECORDS[f.BIRTH_MOBILE]["name"]
    cold = search(client, "dang ky khai sinh")
    assert name in cold

    def not_searched(**kwargs):
        raise AssertionError("a kept page is not searched again")

    monkeypatch.setattr(views, "search_hits", not_searched)
    warm = search(Client(), "dang ky khai sinh")
    assert without_tokens(warm) == without_tokens(cold)
    assert page_cache.CSRF_MARKER not in warm
    monkeypatch.undo()
    other = search(client, "khai tu")
    assert f.RECORDS[f.DEATH_MOBILE]["name"] in other
    assert len(page_cache.search_pages.entries) == 2


def test_a_search_page_follows_a_catalogue_change(catalogue, client):
    name = f.RECORDS[f.DEATH_MOBILE]["name"]
    assert name in search(client, "dang ky khai tu")
    services.procedure_rescind(actor=None, code=f.DEATH_MOBILE, decision_no="1/QĐ-BAIBO")
    assert name not in search(client, "dang ky khai tu")


def test_logged_in_users_get_their_own_search_page(catalogue, client, django_user_model):
    user = django_user_model.objects.create_user(username="cong-dan-2", password="x" * 16)
    client.force_login(user)
    assert "Đăng xuất" in search(client, "khai sinh")
    assert not page_cache.search_pages.entries
