"""Staff pages /office/units/: login, 403 without rights, 404 out of scope, bad input, escaping."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from egov.accounts.models import Role, UserKind
from egov.units.models import Unit, UnitKind
from egov.units.services import unit_create, unit_merge

LIST = reverse("office:unit-list")
EXPORT = reverse("office:unit-export")
IMPORT = reverse("office:unit-import")


def detail(pk):
    return reverse("office:unit-detail", args=[pk])


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    # The pages, not the login flow, are under test here.
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False


@pytest.fixture
def tree(province, commune_a, commune_b):
    old = unit_create(
        actor=None,
        name="Xã Hòa Cũ",
        kind=UnitKind.COMMUNE,
        parent=province,
        code="99010",
        audit=False,
    )
    unit_merge(
        actor=None,
        sources=[old],
        target=commune_a,
        effective_date=date(2025, 7, 1),
        note="Nhập toàn bộ",
    )
    evil = unit_create(
        actor=None,
        name="<script>alert('x')</script>",
        kind=UnitKind.OFFICE,
        parent=commune_a,
        audit=False,
    )
    return {"province": province, "a": commune_a, "b": commune_b, "old": old, "evil": evil}


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", [LIST, EXPORT, IMPORT, "detail"])
def test_anonymous_is_sent_to_login(client, tree, url):
    url = detail(tree["a"].pk) if url == "detail" else url
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("kind", [UserKind.CITIZEN, UserKind.BUSINESS, UserKind.OFFICIAL])
def test_users_without_grants_get_403(client, tree, make_user, kind):
    login(client, make_user(kind=kind))
    for url in (LIST, EXPORT, IMPORT, detail(tree["a"].pk)):
        assert client.get(url).status_code == 403
    assert (
        client.post(IMPORT, {"file": io.BytesIO(b"code,name,kind,parent_code\n")}).status_code
        == 403
    )


def test_list_shows_only_the_scope(client, tree, make_official):
    login(client, make_official(Role.LEADER, tree["a"]))
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Xã An Hòa" in body and "Xã Bình Minh" not in body
    assert "Xã Hòa Cũ" not in body  # history hidden by default
    assert '<th scope="col">' in body and "<caption>" in body
    assert 'for="id_q"' in body
    assert reverse("office:unit-import") not in body  # a leader may not import
    body = client.get(LIST, {"history": "on"}).content.decode()
    assert "Xã Hòa Cũ" in body


def test_list_search_and_escaping(client, tree, sysadmin):
    login(client, sysadmin)
    body = client.get(LIST, {"q": "binh minh"}).content.decode()
    assert "Xã Bình Minh" in body and "Xã An Hòa<" not in body
    body = client.get(LIST).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert reverse("office:unit-import") in body


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "hamlet"},
        {"q": "x" * 500},
        {"q": "a\x00b"},
    ],
)
def test_list_bad_input_is_a_clear_400(client, tree, sysadmin, params):
    login(client, sysadmin)
    response = client.get(LIST, params)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_list_invalid_utf8_in_the_query_string(client, tree, sysadmin):
    login(client, sysadmin)
    response = client.get(LIST + "?q=%ED%A0%80%FF&kind=%C0%AF")
    assert response.status_code in (200, 400)
    assert "Xã An Hòa" not in response.content.decode()


def test_list_pagination(client, province, sysadmin):
    Unit.objects.bulk_create(
        Unit(
            name=f"Xã Số {i:03d}",
            kind=UnitKind.COMMUNE,
            parent=province,
            path=f"{province.path}x{i:03d}/",
        )
        for i in range(120)
    )
    login(client, sysadmin)
    response = client.get(LIST)
    assert len(response.context["page"].object_list) == 50
    assert client.get(LIST, {"page": "3"}).context["page"].number == 3
    assert client.get(LIST, {"page": "abc"}).context["page"].number == 1
    assert client.get(LIST, {"page": "99999"}).context["page"].number == 3


def test_detail(client, tree, make_official):
    login(client, make_official(Role.LEADER, tree["a"], include_subtree=True))
    response = client.get(detail(tree["a"].pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Xã Hòa Cũ" in body and "Nhập toàn bộ" in body  # predecessor
    assert "&lt;script&gt;" in body  # child, escaped
    body = client.get(detail(tree["old"].pk)).content.decode()
    assert "Đã hết hiệu lực" in body and "Xã An Hòa" in body  # successor
    for pk in (tree["b"].pk, tree["province"].pk, 10**15):
        assert client.get(detail(pk)).status_code == 404


def test_export(client, tree, make_official):
    login(client, make_official(Role.LEADER, tree["a"]))
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="don-vi-')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["name"] for r in rows} == {"Xã An Hòa", "Xã Hòa Cũ"}
    assert client.get(EXPORT, {"root": tree["b"].pk}).status_code == 404
    assert client.get(EXPORT, {"root": "1 OR 1=1"}).status_code == 400
    assert client.get(EXPORT, {"root": tree["a"].pk}).status_code == 200


def test_import_page(client, tree, make_official):
    admin = make_official(Role.UNIT_ADMIN, tree["a"])
    login(client, admin)
    response = client.get(IMPORT)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()

    good = "code,name,kind,parent_code,parent_name\n,Phòng Một cửa,office,99001,\n"
    response = client.post(IMPORT, {"file": io.BytesIO(good.encode())}, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "1 đơn vị mới" in response.content.decode()
    assert Unit.objects.filter(name="Phòng Một cửa", parent=tree["a"]).exists()

    bad = "code,name,kind,parent_code\n99001,Xã An Hòa,commune,99\n99002,Xã B,hamlet,99\n"
    response = client.post(IMPORT, {"file": io.BytesIO(bad.encode())})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Lỗi theo dòng và cột" in body and "<code>kind</code>" in body
    assert '<th scope="row">3</th>' in body
    assert Unit.objects.get(pk=tree["b"].pk).name == "Xã Bình Minh"

    # No file, or a file outside the administrator's scope.
    assert client.post(IMPORT, {}).status_code == 400
    outside = "code,name,kind,parent_code\n99003,Xã Mới,commune,99\n"
    response = client.post(IMPORT, {"file": io.BytesIO(outside.encode())})
    assert response.status_code == 400
    assert "quyền" in response.content.decode()
    assert not Unit.objects.filter(code="99003").exists()


def test_import_refuses_other_methods(client, sysadmin):
    login(client, sysadmin)
    assert client.put(IMPORT).status_code == 405
    assert client.post(LIST).status_code == 405


def test_import_refuses_an_oversized_upload_before_reading_it(client, tree, sysadmin):
    login(client, sysadmin)
    big = b"code,name,kind,parent_code\n" + b"#" * (6 * 1024 * 1024)
    response = client.post(IMPORT, {"file": io.BytesIO(big)})
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()
    # Just above the limit for the file itself, within the envelope: the service refuses it.
    big = b"code,name,kind,parent_code\n" + b"#" * (5 * 1024 * 1024)
    response = client.post(IMPORT, {"file": io.BytesIO(big)})
    assert response.status_code == 400
    assert "Tệp quá lớn" in response.content.decode()
