"""The Django admin asks the access policy like every other page."""

from __future__ import annotations

import pytest

from egov.accounts.models import Role, RoleGrant
from egov.audit.models import AuditEvent


@pytest.fixture
def people(make_official, commune_a, commune_b):
    return {
        "admin_a": make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True, username="qt.a"),
        "staff_a": make_official(
            Role.SPECIALIST, commune_a, username="cv.a", full_name="Chuyên Viên An"
        ),
        "staff_b": make_official(
            Role.SPECIALIST, commune_b, username="cv.b", full_name="Chuyên Viên Bình"
        ),
    }


@pytest.fixture
def admin_client(client, settings, people):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    client.force_login(people["admin_a"])
    return client


def test_admin_speaks_vietnamese_and_lists_only_the_subtree(admin_client):
    index = admin_client.get("/admin/")
    assert index.status_code == 200
    assert "Quản trị" in index.content.decode()
    users = admin_client.get("/admin/accounts/user/").content.decode()
    assert "cv.a" in users
    assert "cv.b" not in users


def test_out_of_scope_objects_answer_404(admin_client, people):
    grant_b = RoleGrant.objects.get(user=people["staff_b"])
    assert admin_client.get(f"/admin/accounts/rolegrant/{grant_b.pk}/change/").status_code == 404
    assert (
        admin_client.get(f"/admin/accounts/user/{people['staff_b'].pk}/change/").status_code == 404
    )


def test_deactivating_through_the_admin_goes_through_the_service(admin_client, people):
    staff = people["staff_a"]
    response = admin_client.post(f"/admin/accounts/user/{staff.pk}/change/", {"is_active": ""})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active
    assert AuditEvent.objects.filter(action="user.deactivate", actor=people["admin_a"]).exists()


def test_staff_without_the_admin_right_cannot_open_it(client, settings, people):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    client.force_login(people["staff_a"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.get("/admin/accounts/user/").status_code == 302


def test_unit_admin_edits_units_of_the_subtree_through_the_service(
    admin_client, commune_a, commune_b
):
    response = admin_client.post(
        f"/admin/units/unit/{commune_a.pk}/change/",
        {"name": "Xã An Hòa", "edid": "", "address": "Thôn 1", "email": "", "phone": "0237 3"},
    )
    assert response.status_code == 302
    commune_a.refresh_from_db()
    assert commune_a.address == "Thôn 1"
    assert AuditEvent.objects.filter(action__startswith="unit.", unit=commune_a).exists()
    assert admin_client.get(f"/admin/units/unit/{commune_b.pk}/change/").status_code == 404
    listing = admin_client.get("/admin/units/unit/").content.decode()
    assert "Xã An Hòa" in listing
    assert "Xã Bình Minh" not in listing


def test_bad_identifier_in_the_admin_changes_nothing(admin_client, commune_a):
    response = admin_client.post(
        f"/admin/units/unit/{commune_a.pk}/change/",
        {"name": "Xã An Hòa", "edid": "<script>", "address": "", "email": "", "phone": ""},
    )
    assert response.status_code in (200, 302)
    commune_a.refresh_from_db()
    assert commune_a.edid == ""


def _new_official(unit, **overrides):
    return {
        "username": "cb.moi",
        "full_name": "Cán Bộ Mới",
        "email": "",
        "phone": "",
        "home_unit": unit.pk,
        "password1": "mot-mat-khau-kho-doan-42",
        "password2": "mot-mat-khau-kho-doan-42",
        **overrides,
    }


def test_unit_admin_onboards_an_official_of_the_subtree(admin_client, commune_a):
    response = admin_client.post("/admin/accounts/user/add/", _new_official(commune_a))
    assert response.status_code == 302
    from egov.accounts.models import User, UserKind

    user = User.objects.get(username="cb.moi")
    assert user.kind == UserKind.OFFICIAL
    assert user.home_unit == commune_a
    assert user.check_password("mot-mat-khau-kho-doan-42")
    assert AuditEvent.objects.filter(action="user.create", actor__username="qt.a").exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"password2": "khac-hoan-toan-123"},
        {"password1": "123", "password2": "123"},
        {"username": ""},
        {"username": "cv.a"},  # taken
        {"home_unit": ""},
        {"username": "x" * 300},
    ],
)
def test_bad_onboarding_is_refused_and_creates_nothing(admin_client, commune_a, overrides):
    from egov.accounts.models import User

    before = User.objects.count()
    response = admin_client.post("/admin/accounts/user/add/", _new_official(commune_a, **overrides))
    assert response.status_code == 200  # the form again, with its errors
    assert "errornote" in response.content.decode() or "errorlist" in response.content.decode()
    assert User.objects.count() == before


def test_onboarding_outside_the_subtree_is_refused(admin_client, commune_b):
    from egov.accounts.models import User

    response = admin_client.post("/admin/accounts/user/add/", _new_official(commune_b))
    assert response.status_code == 200
    assert not User.objects.filter(username="cb.moi").exists()
