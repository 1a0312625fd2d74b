"""The public catalogue pages: browse with filters, the procedure page in full, search, SEO
files, query counts and hostile input."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from egov.portal.catalogue import LIFE_EVENTS
from egov.portal.tests import factories as f
from egov.portal.views import catalogue as views
from egov.procedures.models import Assignment, OnlineLevel, ProcedureVersion, VersionAction
from egov.procedures.selectors import HitPage
from egov.workcalendar.selectors import due_date_for

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DATA = Path("/work/shared/data/tthc/procedures.json")


@pytest.fixture
def catalogue(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return f.make_catalogue(with_template=True)


def codes_in(html: str) -> set[str]:
    return set(re.findall(r'href="/thu-tuc/(\d\.\d{6})/"', html))


# --- browse -----------------------------------------------------------------------------------


def test_list_shows_every_procedure_in_force_publicly(client, catalogue):
    response = client.get(reverse("portal:procedure-list"))
    assert response.status_code == 200
    assert codes_in(response.content.decode()) == set(f.RECORDS)


def test_rescinded_procedure_is_not_listed(client, catalogue):
    procedure = catalogue[f.GOLD_IMPORT]
    procedure.current = None
    procedure.save()
    html = client.get(reverse("portal:procedure-list")).content.decode()
    assert f.GOLD_IMPORT not in codes_in(html)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"linh-vuc": "ho-tich"}, {f.BIRTH_MOBILE, f.BIRTH_BORDER, f.DEATH_MOBILE}),
        ({"cap": "tinh"}, {f.COPY_FROM_REGISTER, f.GOLD_IMPORT}),
        ({"cap": "xa"}, {f.BIRTH_MOBILE, f.BIRTH_BORDER, f.DEATH_MOBILE, f.COPY_FROM_REGISTER}),
        ({"doi-tuong": "business"}, {f.GOLD_IMPORT, f.COPY_FROM_REGISTER}),
        (
            {"doi-tuong": "citizen"},
            {f.BIRTH_MOBILE, f.BIRTH_BORDER, f.DEATH_MOBILE, f.COPY_FROM_REGISTER},
        ),
        ({"su-kien": "chung-thuc"}, {f.COPY_FROM_REGISTER}),
        ({"su-kien": "sinh-con"}, {f.BIRTH_MOBILE, f.BIRTH_BORDER, f.DEATH_MOBILE}),
        ({"co-quan": "Công an"}, set()),
        (
            {"cap": "tinh", "doi-tuong": "business", "linh-vuc": "hoat-dong-ngoai-hoi"},
            {f.GOLD_IMPORT},
        ),
        # Unknown values are ignored, not errors.
        ({"cap": "bo'; DROP TABLE x;--", "doi-tuong": "<script>", "su-kien": "x"}, set(f.RECORDS)),
    ],
)
def test_list_filters(client, catalogue, params, expected):
    response = client.get(reverse("portal:procedure-list"), params)
    assert response.status_code == 200
    assert codes_in(response.content.decode()) == expected


def test_agency_filter_matches_agency_text(client, catalogue):
    agency = f.RECORDS[f.GOLD_IMPORT]["agency"]
    html = client.get(reverse("portal:procedure-list"), {"co-quan": agency[:12]}).content.decode()
    assert f.GOLD_IMPORT in codes_in(html)
    assert all(agency[:12] in f.RECORDS[c]["agency"] for c in codes_in(html))


def test_list_paginates(client, catalogue, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = client.get(reverse("portal:procedure-list"), {"cap": "xa"}).content.decode()
    second = client.get(reverse("portal:procedure-list"), {"cap": "xa", "trang": "2"}).content
    assert len(codes_in(first)) == 2
    assert 'href="?cap=xa&amp;trang=2"' in first
    assert codes_in(second.decode()).isdisjoint(codes_in(first))


def test_life_events_name_only_fields_of_the_real_catalogue():
    if not DATA.exists():
        pytest.skip("the shared data set is not on this machine")
    fields = {r["field"] for r in json.loads(DATA.read_text(encoding="utf-8"))}
    for event in LIFE_EVENTS:
        assert set(event.fields) <= fields, event.slug


# --- procedure page ---------------------------------------------------------------------------


def test_detail_shows_every_section(client, catalogue):
    code = f.BIRTH_BORDER
    record = f.RECORDS[code]
    response = client.get(reverse("portal:procedure-detail", kwargs={"code": code}))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1>") == 1
    assert record["name"] in html
    assert code in html
    assert record["decision_no"] in html
    assert "Cấp xã" in html and record["field"] in html
    assert record["subjects"] in html
    assert record["result"] in html
    assert "Cơ quan thực hiện" in html
    for number in record["legal_bases"]:
        assert f'<th scope="row">{number}</th>' in html
    # Components under their case headings, originals/copies, the form to download.
    for case in {c["case"] for c in record["components"] if "case" in c}:
        assert f"<h3>{case}</h3>" in html
    assert "download>Tải mẫu" in html
    component = catalogue[code].current.components.get(position=0)
    download = reverse("portal:component-template", args=[code, component.pk])
    assert f'href="{download}" download>' in html
    # Fees as free text with the visible caveat; no structured time so no date, only text.
    assert "Mức lệ phí cụ thể do Hội đồng nhân dân" in html
    assert "Lưu ý về dữ liệu" in html
    assert "nguyên văn" in html
    assert "Nếu nộp ngay bây giờ" not in html
    assert f'href="{record["portal_url"]}"' in html
    assert "Xem trên Cổng Dịch vụ công quốc gia" in html
    # SEO head.
    assert f"<title>{record['name'][:89]}" in html
    assert f'<link rel="canonical" href="http://testserver/thu-tuc/{code}/">' in html
    description = re.search(r'<meta name="description" content="([^"]*)">', html).group(1)
    assert 0 < len(description) <= 155
    assert description.startswith(record["name"][:50])
    # Tables give headers a scope.
    assert "<th>" not in html.split('id="main"')[1]


def test_detail_due_date_for_working_day_method(client, catalogue, monkeypatch):
    # Friday 14:00: five working days skip the weekend.
    now = datetime(2026, 11, 20, 14, 0, tzinfo=HCM)
    monkeypatch.setattr(views, "_now", lambda: now)
    html = client.get(
        reverse("portal:procedure-detail", kwargs={"code": f.BIRTH_MOBILE})
    ).content.decode()
    expected = due_date_for(received_at=now, amount=5, amount_unit="working_day").due_at
    expected = expected.astimezone(HCM)
    assert expected.date() > now.date()
    assert expected.weekday() < 5
    assert (expected.date() - now.date()).days >= 7  # a weekend in between
    assert "Nếu nộp ngay bây giờ, kết quả dự kiến vào" in html
    assert f"{expected:%H:%M} ngày {expected:%d/%m/%Y}" in html
    assert "5 ngày làm việc" in html
    assert "Miễn phí" in html


def test_detail_shows_online_level_of_assignments(client, catalogue, commune_a):
    Assignment.objects.create(
        unit=commune_a,
        procedure=catalogue[f.BIRTH_MOBILE],
        online_level=OnlineLevel.FULL,
        full_process_eligible=True,
        channels=["direct", "online"],
    )
    html = client.get(
        reverse("portal:procedure-detail", kwargs={"code": f.BIRTH_MOBILE})
    ).content.decode()
    assert "Mức độ dịch vụ công trực tuyến" in html
    assert f'<th scope="row">{commune_a.name}</th>' in html
    assert "Toàn trình" in html
    assert "Trực tiếp, Trực tuyến" in html


@pytest.mark.parametrize("code", ["1.00358", "1.0035830", "a.003583", "1-003583", "..%2f..%2fetc"])
def test_detail_bad_code_is_404(client, catalogue, code):
    assert client.get(f"/thu-tuc/{code}/").status_code == 404


def test_detail_unknown_code_is_404(client, catalogue):
    assert client.get("/thu-tuc/9.999999/").status_code == 404


def test_current_version_that_rescinds_is_not_in_force(client, catalogue):
    procedure = catalogue[f.COPY_FROM_REGISTER]
    ProcedureVersion.objects.filter(pk=procedure.current_id).update(action=VersionAction.RESCINDED)
    detail = client.get(reverse("portal:procedure-detail", kwargs={"code": procedure.code}))
    assert detail.status_code == 410
    listed = codes_in(client.get(reverse("portal:procedure-list")).content.decode())
    assert procedure.code not in listed
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"/thu-tuc/{procedure.code}/" not in sitemap


def test_rescinded_procedure_page_says_so(client, catalogue):
    procedure = catalogue[f.DEATH_MOBILE]
    ProcedureVersion.objects.filter(procedure=procedure).update(action=VersionAction.RESCINDED)
    procedure.current = None
    procedure.save()
    response = client.get(reverse("portal:procedure-detail", kwargs={"code": f.DEATH_MOBILE}))
    assert response.status_code == 410
    html = response.content.decode()
    assert "Thủ tục đã bãi bỏ" in html
    assert f.RECORDS[f.DEATH_MOBILE]["name"] in html
    assert "Nếu nộp ngay bây giờ" not in html


# --- search -----------------------------------------------------------------------------------


def hits_of(versions):
    """Search index entries for these versions (what `search_hits` returns)."""
    return [SimpleNamespace(code=v.procedure.code, name=v.name) for v in versions]


def test_search_lists_the_selector_results_best_first(client, catalogue, monkeypatch):
    # The ranking is the search selector's (tested with it); the page shows its order.
    order = [f.DEATH_MOBILE, f.BIRTH_MOBILE]
    versions = [catalogue[code].current for code in order]
    monkeypatch.setattr(views, "search_hits", lambda **kw: HitPage(hits=hits_of(versions), total=2))
    response = client.get(reverse("portal:procedure-search"), {"q": "khai sinh"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'href="/thu-tuc/(\d\.\d{6})/"', html) == order
    assert "2 kết quả cho “khai sinh”" in html


def test_search_not_found_state(client, catalogue):
    html = client.get(reverse("portal:procedure-search"), {"q": "zzqqxx"}).content.decode()
    assert "Không tìm thấy thủ tục nào." in html
    assert codes_in(html) == set()


def test_search_without_query_shows_the_form(client, catalogue):
    html = client.get(reverse("portal:procedure-search")).content.decode()
    assert '<label for="q">' in html
    assert "Không tìm thấy" not in html


def test_search_paginates_with_the_selector(client, catalogue, monkeypatch):
    calls = []
    versions = list(ProcedureVersion.objects.select_related("procedure").order_by("id"))

    def fake(*, query, limit, offset, **kwargs):
        calls.append((query, limit, offset))
        return HitPage(hits=hits_of(versions[:2]), total=45)

    monkeypatch.setattr(views, "search_hits", fake)
    html = client.get(reverse("portal:procedure-search"), {"q": "đăng ký", "trang": "2"})
    html = html.content.decode()
    assert calls == [("đăng ký", 20, 20)]
    assert "Trang 2 / 3" in html
    assert 'rel="prev" href="?q=%C4%91%C4%83ng+k%C3%BD&amp;trang=1"' in html
    assert 'rel="next"' in html


HOSTILE = [
    "a" * 10_000,
    "<script>alert(1)</script>",
    "' OR 1=1; DROP TABLE procedures_procedure; --",
    "%ED%A0%80",  # a lone surrogate, percent-encoded
    "\\ud800",
    ".*+?[(\\",
    "%00",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name", ["portal:procedure-search", "portal:procedure-list"])
def test_hostile_query_strings_never_fail(client, catalogue, name, value):
    url = reverse(name)
    for key in ("q", "trang", "linh-vuc", "cap", "doi-tuong", "co-quan", "su-kien"):
        response = client.get(f"{url}?{key}={value}")
        assert response.status_code == 200, (key, value)
        assert b"<script>alert(1)</script>" not in response.content


def test_raw_invalid_utf8_query_string(client, catalogue):
    for url in (reverse("portal:procedure-search"), reverse("portal:procedure-list")):
        response = client.get(url, QUERY_STRING="q=%ff%fe%80&co-quan=%c3%28&trang=%ff")
        assert response.status_code == 200


# --- speed ------------------------------------------------------------------------------------


def test_detail_query_count_is_small_and_flat(
    client, catalogue, commune_a, commune_b, django_assert_max_num_queries
):
    for unit in (commune_a, commune_b):
        Assignment.objects.create(unit=unit, procedure=catalogue[f.BIRTH_BORDER])
    client.get(reverse("portal:procedure-detail", kwargs={"code": f.BIRTH_MOBILE}))  # warm
    with django_assert_max_num_queries(6):
        response = client.get(reverse("portal:procedure-detail", kwargs={"code": f.BIRTH_BORDER}))
    assert response.status_code == 200


def test_list_and_search_query_counts(
    client, catalogue, monkeypatch, django_assert_max_num_queries
):
    client.get(reverse("portal:procedure-list"))
    with django_assert_max_num_queries(4):
        client.get(reverse("portal:procedure-list"), {"cap": "xa", "su-kien": "sinh-con"})

    # The search page reads its results from the search index: no query at all (the index's
    # check of the catalogue, once a second outside the suite, is the index's own).
    hits = hits_of(ProcedureVersion.objects.select_related("procedure"))
    monkeypatch.setattr(views, "search_hits", lambda **kw: HitPage(hits=hits, total=5))
    monkeypatch.setattr(views, "search_index_token", lambda: "index-1")
    with django_assert_max_num_queries(0):
        response = client.get(reverse("portal:procedure-search"), {"q": "khai sinh"})
    assert len(codes_in(response.content.decode())) == 5


# --- SEO --------------------------------------------------------------------------------------


def test_sitemap_lists_procedures_in_force_and_list_pages(client, catalogue):
    procedure = catalogue[f.GOLD_IMPORT]
    procedure.current = None
    procedure.save()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    locs = set(re.findall(r"<loc>([^<]*)</loc>", xml))
    expected = {f"http://testserver/thu-tuc/{c}/" for c in f.RECORDS if c != f.GOLD_IMPORT}
    assert expected <= locs
    assert "http://testserver/thu-tuc/1.000107/" not in locs
    assert "http://testserver/thu-tuc/" in locs
    assert "http://testserver/thu-tuc/?linh-vuc=ho-tich" in locs


def test_robots_txt(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Disallow: /office/" in text
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /thu-tuc/\n" not in text
