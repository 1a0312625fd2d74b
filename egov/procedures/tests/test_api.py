"""The public procedure API: /api/v1/procedures/ (search, pagination), suggest/, <code>/."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from egov.accounts.models import UserKind
from egov.procedures import search as engine
from egov.procedures.models import Component, LegalBasis, Method, Procedure
from egov.procedures.tests.test_search import DATA, catalogue, load_catalogue

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="real catalogue data not available")

LIST = "/api/v1/procedures/"
PROBLEM = "application/problem+json"


@pytest.fixture
def api(db) -> Client:
    engine.invalidate()
    load_catalogue([i for i in catalogue() if "xa" in (i.get("level") or [])])  # 1 commune list
    yield Client()
    engine.invalidate()


def get(client: Client, path: str, **params):
    return client.get(path, params)


def test_search_answers_best_first_with_code_name_and_url(api):
    response = get(api, LIST, search="dang ky khai sinh")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    first = body["results"][0]
    assert first["code"] == "1.001193"
    assert first["name"] == "Thủ tục đăng ký khai sinh"
    assert first["url"] in {"/thu-tuc/1.001193/", "http://testserver/thu-tuc/1.001193/"}
    assert first["field"]["name"] == "Hộ tịch"
    assert "xa" in first["levels"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ĐĂNG KÝ KHAI SINH", "1.001193"),
        ("đăng kí khai sinh", "1.001193"),
        ("khai sin", "1.001193"),
        ("ket hon", "1.000894"),
        ("chung thuc ban sao", "2.000815"),
        ("1.001193", "1.001193"),
        ("hoà giải tranh chấp đất đai", "1.012812"),
    ],
)
def test_search_forgives(api, query, expected):
    assert get(api, LIST, search=query).json()["results"][0]["code"] == expected


def test_pagination_links_and_page_size(api):
    body = get(api, LIST, search="khai sinh", page_size=5).json()
    assert body["count"] > 10 and len(body["results"]) == 5 and body["previous"] is None
    nxt = urlsplit(body["next"])
    assert nxt.path == LIST
    assert parse_qs(nxt.query) == {"search": ["khai sinh"], "page": ["2"], "page_size": ["5"]}
    second = api.get(body["next"]).json()
    assert second["count"] == body["count"]
    assert {r["code"] for r in second["results"]}.isdisjoint(r["code"] for r in body["results"])
    assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    whole = get(api, LIST, search="khai sinh", page_size=100).json()
    assert [r["code"] for r in whole["results"][5:10]] == [r["code"] for r in second["results"]]
    last_page = -(-body["count"] // 5)
    assert get(api, LIST, search="khai sinh", page_size=5, page=last_page).json()["next"] is None


def test_page_size_is_bounded(api):
    body = get(api, LIST, page_size=100000).json()
    assert len(body["results"]) == 100
    assert body["count"] == Procedure.objects.count()
    assert "page_size=100" in body["next"]


def test_browse_without_search_lists_by_code_and_filters(api):
    body = get(api, LIST, level="xa", page_size=50).json()
    codes = [r["code"] for r in body["results"]]
    assert codes == sorted(codes)
    civil = get(api, LIST, search="dang ky", field="ho-tich").json()
    assert civil["count"] > 0 and all(r["field"]["slug"] == "ho-tich" for r in civil["results"])
    province = get(api, LIST, search="khai sinh", level="tinh", page_size=100).json()
    assert 0 < province["count"] < civil["count"]
    assert all("tinh" in r["levels"] for r in province["results"])


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "1.5"},
        {"page": "9" * 30},
        {"page_size": "abc"},
        {"page_size": "0"},
        {"level": "nowhere"},
        {"level": "x" * 1000},
        {"field": "hộ-tịch"},
    ],
)
def test_bad_parameters_are_problems(api, params):
    response = get(api, LIST, search="khai sinh", **params)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 400 and body["detail"] and body["errors"][0]["field"] in params


def test_page_past_the_end_is_not_found(api):
    response = get(api, LIST, search="khai sinh", page=500)
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert get(api, LIST, search="xyzzyqwerty").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "x" * 10_000,
        "khai sinh " * 1_000,
        "' OR 1=1 --",
        "%' UNION SELECT * FROM accounts_user --",
        "(((((a+)+)+)+)+$",
        "[\\",
        "khai\x00sinh",
        "<script>alert(1)</script>",
    ],
)
def test_any_query_answers_without_error(api, query):
    response = get(api, LIST, search=query)
    assert response.status_code == 200, response.content[:300]
    assert isinstance(response.json()["results"], list)


@pytest.mark.parametrize(
    "raw", ["search=%ff%fe", "search=%c3%28khai", "search=%ed%a0%80", "search=%00", "search=%"]
)
def test_invalid_utf8_and_nul_answer(api, raw):
    response = api.get(f"{LIST}?{raw}")
    assert response.status_code == 200
    assert "results" in response.json()


def test_suggest(api):
    response = get(api, LIST + "suggest/", q="dang ky kh")
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "dang ky kh"
    assert 0 < len(body["results"]) <= 8
    assert body["results"][0]["name"].startswith("Thủ tục đăng ký kh")
    assert body["results"][0]["url"].endswith(f"/thu-tuc/{body['results'][0]['code']}/")
    assert len(get(api, LIST + "suggest/", q="d", limit=100000).json()["results"]) == 20
    assert get(api, LIST + "suggest/", q="").json()["results"] == []
    assert get(api, LIST + "suggest/", q="x" * 10_000).status_code == 200
    assert get(api, LIST + "suggest/", q="khai", limit="abc").status_code == 400


def test_detail(api):
    version = Procedure.objects.get(code="1.001193").current
    Method.objects.create(version=version, channel="direct", time_text="Ngay trong ngày")
    Component.objects.create(version=version, name="Tờ khai đăng ký khai sinh", originals=1)
    LegalBasis.objects.create(version=version, number="60/2014/QH13", summary="Luật Hộ tịch")
    response = api.get(LIST + "1.001193/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "1.001193" and body["name"] == "Thủ tục đăng ký khai sinh"
    assert body["url"].endswith("/thu-tuc/1.001193/")
    assert body["methods"][0]["channel"] == "direct"
    assert body["components"][0] == {
        "case": "",
        "name": "Tờ khai đăng ký khai sinh",
        "originals": 1,
        "copies": 0,
        "template_name": "",
        "template_url": None,
        "reusable": False,
    }
    assert body["legal_bases"][0]["number"] == "60/2014/QH13"


@pytest.mark.parametrize(
    "code",
    ["9.999999", "1001193", "abc", "1.00119", "..%2e%2e", "1.001193%00", "１.００１１９３"],
)
def test_detail_unknown_or_malformed_code_is_404(api, code):
    response = api.get(f"{LIST}{code}/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_public_without_login_and_ignores_session_and_csrf(api, make_user):
    user = make_user(kind=UserKind.CITIZEN)
    api.force_login(user)
    assert api.get(LIST, {"search": "ket hon"}).status_code == 200
    assert api.post(LIST, {"search": "x"}).status_code == 405
    assert api.delete(LIST + "1.001193/").status_code == 405


def test_schema_documents_the_endpoints(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/procedures/" in text and "procedures_search" in text
