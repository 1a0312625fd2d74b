"""Form templates on the procedure page: a named link (type and size), a safe download."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from egov.portal.tests import factories as f
from egov.procedures.models import Component, ProcedureVersion, VersionAction

DOCX = b"PK\x03\x04" + b"x" * 2044  # 2 KB, starts like a .docx


@pytest.fixture
def catalogue(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return f.make_catalogue()


def _attach(component: Component, name: str = "to-khai.docx", content: bytes = DOCX) -> None:
    component.template_name = "Mẫu số 01"
    component.template.save(name, ContentFile(content), save=False)
    component.save()


def _detail(client, code: str) -> str:
    response = client.get(reverse("portal:procedure-detail", kwargs={"code": code}))
    assert response.status_code == 200
    return response.content.decode()


def _download_url(code: str, component: Component) -> str:
    return reverse("portal:component-template", args=[code, component.pk])


def test_link_names_the_form_its_type_and_size(client, catalogue):
    code = f.BIRTH_BORDER
    with_form, without_form = catalogue[code].current.components.order_by("position")[:2]
    _attach(with_form)
    html = _detail(client, code)
    link = re.search(
        rf'<a href="{re.escape(_download_url(code, with_form))}" download>(.*?)</a>', html, re.S
    )
    assert link is not None
    name = re.sub(r"<[^>]+>", "", link.group(1))
    assert name.startswith("Tải mẫu: Mẫu số 01")
    assert "(DOCX, 2,0\xa0KB)" in name or "(DOCX, 2.0\xa0KB)" in name
    # a component without a template offers no download
    assert _download_url(code, without_form) not in html
    assert html.count('href="/thu-tuc/' + code + "/mau/") == 1


def test_page_without_any_template_has_no_download_link(client, catalogue):
    html = _detail(client, f.BIRTH_MOBILE)
    assert "Tải mẫu" not in html
    assert "/mau/" not in html


def test_download_is_an_attachment_of_the_declared_type(client, catalogue):
    code = f.BIRTH_BORDER
    component = catalogue[code].current.components.get(position=0)
    _attach(component)
    response = client.get(_download_url(code, component))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DOCX
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="mau-so-01.docx"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_download_head_works_and_post_is_refused(client, catalogue):
    code = f.BIRTH_BORDER
    component = catalogue[code].current.components.get(position=0)
    _attach(component)
    assert client.head(_download_url(code, component)).status_code == 200
    assert client.post(_download_url(code, component)).status_code == 405


def test_component_without_template_is_404(client, catalogue):
    code = f.BIRTH_BORDER
    component = catalogue[code].current.components.get(position=0)
    assert client.get(_download_url(code, component)).status_code == 404


def test_template_of_another_procedure_is_404(client, catalogue):
    component = catalogue[f.BIRTH_BORDER].current.components.get(position=0)
    _attach(component)
    assert client.get(_download_url(f.BIRTH_MOBILE, component)).status_code == 404


def test_template_of_a_version_not_in_force_is_404(client, catalogue):
    procedure = catalogue[f.BIRTH_BORDER]
    old = procedure.current
    component = old.components.get(position=0)
    _attach(component)
    url = _download_url(procedure.code, component)
    assert client.get(url).status_code == 200
    newer = ProcedureVersion.objects.get(pk=old.pk)
    newer.pk = None
    newer.action = VersionAction.AMENDED
    newer.save()
    procedure.current = newer
    procedure.save(update_fields=["current"])
    assert client.get(url).status_code == 404


def test_template_of_a_rescinded_procedure_is_404(client, catalogue):
    procedure = catalogue[f.BIRTH_BORDER]
    component = procedure.current.components.get(position=0)
    _attach(component)
    ProcedureVersion.objects.filter(pk=procedure.current_id).update(action=VersionAction.RESCINDED)
    assert client.get(_download_url(procedure.code, component)).status_code == 404


def test_stored_file_of_a_type_not_accepted_is_never_served(client, catalogue):
    code = f.BIRTH_BORDER
    component = catalogue[code].current.components.get(position=0)
    _attach(component, name="trang.html", content=b"<script>alert(1)</script>")
    assert client.get(_download_url(code, component)).status_code == 404


def test_missing_stored_file_is_404_not_500(client, catalogue):
    code = f.BIRTH_BORDER
    component = catalogue[code].current.components.get(position=0)
    _attach(component)
    component.template.storage.delete(component.template.name)
    assert client.get(_download_url(code, component)).status_code == 404
    assert "Tải mẫu" in _detail(client, code)  # the page itself still renders


@pytest.mark.parametrize(
    "path",
    [
        "/thu-tuc/1.000110/mau/abc/",
        "/thu-tuc/1.000110/mau/-1/",
        "/thu-tuc/1.000110/mau/9999999999999/",
        "/thu-tuc/1.000110/mau/999999999999/",
        "/thu-tuc/1.00011/mau/1/",
        "/thu-tuc/1.000110/mau/1/../../",
    ],
)
def test_hostile_download_paths_are_404(client, catalogue, path):
    assert client.get(path).status_code == 404
