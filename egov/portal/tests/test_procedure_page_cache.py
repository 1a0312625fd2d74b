"""The procedure page keeps the rendered sections of a version in the cache: what changes without a
new version (the version in force, a rescission, the units handling the procedure, the due date) is
still shown at once, and a cached page costs two queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from egov.portal import version_fragments
from egov.portal.tests import factories as f
from egov.portal.views import catalogue as views
from egov.procedures import services, templates_services
from egov.procedures.models import Channel, OnlineLevel, ProcedureVersion
from egov.procedures.selectors import procedure_page_state
from egov.units.services import unit_update
from egov.workcalendar.selectors import due_date_for

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def catalogue(db):
    return f.make_catalogue()


def without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html)


def page(client, code: str) -> tuple[int, str]:
    response = client.get(reverse("portal:procedure-detail", kwargs={"code": code}))
    return response.status_code, response.content.decode()


def test_a_new_version_is_shown_at_once(client, catalogue):
    code = f.BIRTH_MOBILE
    assert f.RECORDS[code]["name"] in page(client, code)[1]  # cached now
    # A real record's content published as the new version of this code.
    record = dict(f.RECORDS[f.DEATH_MOBILE], code=code)
    services.procedure_amend(actor=None, data=record)
    status, html = page(client, code)
    assert status == 200
    assert f.RECORDS[f.DEATH_MOBILE]["name"] in html
    assert f.RECORDS[code]["name"] not in html


def test_a_rescission_is_shown_at_once(client, catalogue):
    code = f.COPY_FROM_REGISTER
    assert page(client, code)[0] == 200
    services.procedure_rescind(actor=None, code=code, decision_no="1/QĐ-BAIBO")
    status, html = page(client, code)
    assert status == 410
    assert "Thủ tục đã bãi bỏ" in html


def test_assignment_changes_are_shown_at_once(client, catalogue, commune_a):
    code = f.BIRTH_MOBILE
    procedure = catalogue[code]
    assert "Mức độ dịch vụ công trực tuyến" not in page(client, code)[1]

    templates_services.assignment_set(actor=None, unit=commune_a, procedure=procedure)
    html = page(client, code)[1]
    assert f'<th scope="row">{commune_a.name}</th>' in html
    assert "<td>Trực tiếp</td>" in html

    templates_services.assignment_set(
        actor=None,
        unit=commune_a,
        procedure=procedure,
        online_level=OnlineLevel.FULL,
        full_process_eligible=True,
        channels=[Channel.DIRECT, Channel.ONLINE],
    )
    html = page(client, code)[1]
    assert "Toàn trình" in html
    assert "Trực tiếp, Trực tuyến" in html

    unit_update(actor=None, unit=commune_a, name="Xã An Hòa Mới")
    assert '<th scope="row">Xã An Hòa Mới</th>' in page(client, code)[1]

    templates_services.assignment_remove(actor=None, unit=commune_a, procedure=procedure)
    html = page(client, code)[1]
    assert "Mức độ dịch vụ công trực tuyến" not in html
    assert "Xã An Hòa" not in html


def test_the_due_date_is_computed_on_every_request(client, catalogue, monkeypatch):
    code = f.BIRTH_MOBILE
    for now in (
        datetime(2026, 11, 20, 14, 0, tzinfo=HCM),
        datetime(2026, 11, 23, 9, 0, tzinfo=HCM),
    ):
        monkeypatch.setattr(views, "_now", lambda now=now: now)
        html = page(client, code)[1]
        due = due_date_for(received_at=now, amount=5, amount_unit="working_day").due_at
        assert f"{due.astimezone(HCM):%H:%M} ngày {due.astimezone(HCM):%d/%m/%Y}" in html


def test_each_language_has_its_own_cached_sections(client, catalogue):
    code = f.BIRTH_MOBILE
    assert "Thành phần hồ sơ" in page(client, code)[1]
    client.cookies["django_language"] = "en"
    html = page(client, code)[1]
    assert "Thành phần hồ sơ" not in html
    assert 'id="h-components">Dossier documents</h2>' in html
    with translation.override("vi"):
        vi_key = version_fragments.cache_key(1, "2026-11-20 07:00:00+00:00")
    with translation.override("en"):
        en_key = version_fragments.cache_key(1, "2026-11-20 07:00:00+00:00")
    assert vi_key != en_key


def test_a_version_id_reused_by_another_version_is_not_served_from_the_cache(client, catalogue):
    # Another version under the same id (a restored database, a rolled-back test database):
    # its creation time differs, so is the key.
    state = procedure_page_state(f.BIRTH_MOBILE)
    version = ProcedureVersion.objects.get(pk=state.version_id)
    assert state.version_stamp and str(version.created_at.year) in state.version_stamp
    first = version_fragments.cache_key(state.version_id, state.version_stamp)
    later = str(version.created_at + timedelta(microseconds=1))
    assert version_fragments.cache_key(state.version_id, later) != first


def test_a_cached_page_costs_two_queries(
    client, catalogue, commune_a, commune_b, django_assert_num_queries
):
    for unit in (commune_a, commune_b):
        templates_services.assignment_set(
            actor=None, unit=unit, procedure=catalogue[f.BIRTH_BORDER]
        )
    url = reverse("portal:procedure-detail", kwargs={"code": f.BIRTH_BORDER})
    cache.clear()
    version_fragments.forget_recent()
    # The page and the version's forms, then the version and its three lists.
    with django_assert_num_queries(6):
        cold = client.get(url).content.decode()
    with django_assert_num_queries(2):
        warm = client.get(url).content.decode()
    assert without_tokens(warm) == without_tokens(cold)
    # Another process (or this one, once its memory let it go) reads it back from the cache.
    version_fragments.forget_recent()
    with django_assert_num_queries(2):
        from_cache = client.get(url).content.decode()
    assert without_tokens(from_cache) == without_tokens(cold)
    assert warm.count('<th scope="row">Xã ') == 2


def test_the_page_is_served_when_the_cache_fails(client, catalogue, monkeypatch):
    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = get

    monkeypatch.setattr(version_fragments, "cache", Down())
    status, html = page(client, f.BIRTH_MOBILE)
    assert status == 200
    assert f.RECORDS[f.BIRTH_MOBILE]["name"] in html


def test_a_form_uploaded_or_replaced_later_is_shown_at_once(client, db, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    catalogue = f.make_catalogue()
    code = f.BIRTH_BORDER
    component = catalogue[code].current.components.order_by("position").first()
    assert "Tải mẫu" not in page(client, code)[1]  # cached without a form
    component.template_name = "Mẫu số 01"
    component.template.save("to-khai.docx", ContentFile(b"PK\x03\x04" + b"x" * 2044), save=False)
    component.save()
    html = page(client, code)[1]
    assert f"/thu-tuc/{code}/mau/{component.pk}/" in html
    assert "Mẫu số 01" in html
    assert "2,0\xa0KB" in html or "2.0\xa0KB" in html
    component.template_name = "Mẫu số 02"
    component.template.save("to-khai.docx", ContentFile(b"PK\x03\x04" + b"y" * 4092), save=False)
    component.save()
    html = page(client, code)[1]
    assert "Mẫu số 02" in html and "Mẫu số 01" not in html
