"""Staff home: officials only, their grants, and the office pages their permissions open."""

from __future__ import annotations

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.accounts.models import Role, RoleGrant, UserKind
from egov.accounts.policy import Perm
from egov.office.views import home as home_views
from egov.office.views.home import OFFICE_LINKS, office_links


def login_verified(client, user) -> None:
    """Log in an official who has passed the second factor."""
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/office/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/office/"


@pytest.mark.parametrize("kind", [UserKind.CITIZEN, UserKind.BUSINESS])
def test_citizens_and_businesses_get_403(client, make_user, kind):
    client.force_login(make_user(kind=kind))
    assert client.get("/office/").status_code == 403


def test_lists_the_users_grants(client, make_official, province, commune_a, commune_b):
    official = make_official(Role.LEADER, province, include_subtree=True, full_name="Lê Văn Cường")
    RoleGrant.objects.create(user=official, role=Role.CLERK, unit=commune_b)
    login_verified(client, official)
    response = client.get("/office/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lê Văn Cường" in html
    grants = response.context["grants"]
    assert [(g.role, g.unit.name) for g in grants] == [
        (Role.LEADER, "Tỉnh Thử Nghiệm"),
        (Role.CLERK, "Xã Bình Minh"),
    ]
    assert "Lãnh đạo" in html and "Văn thư" in html
    assert "Tỉnh Thử Nghiệm" in html and "Xã Bình Minh" in html
    assert html.count("cả đơn vị trực thuộc") == 1
    assert "Xã An Hòa" not in html


def test_grants_of_other_users_are_not_shown(client, make_official, commune_a, commune_b):
    make_official(Role.UNIT_ADMIN, commune_b)
    official = make_official(Role.SPECIALIST, commune_a)
    login_verified(client, official)
    html = client.get("/office/").content.decode()
    assert "Xã Bình Minh" not in html
    assert "Quản trị đơn vị" not in html


def test_official_without_grants_is_told_so(client, make_user):
    official = make_user(kind=UserKind.OFFICIAL)
    login_verified(client, official)
    response = client.get("/office/")
    assert response.status_code == 200
    assert "Bạn chưa được phân quyền" in response.content.decode()


def test_system_admin_grant_reads_whole_platform(client, make_user):
    official = make_user(kind=UserKind.OFFICIAL)
    RoleGrant.objects.create(user=official, role=Role.SYSTEM_ADMIN, unit=None)
    login_verified(client, official)
    assert "toàn hệ thống" in client.get("/office/").content.decode()


def test_links_follow_permissions_and_existing_urls(make_official, commune_a, monkeypatch):
    specialist = make_official(Role.SPECIALIST, commune_a)
    admin = make_official(Role.UNIT_ADMIN, commune_a)
    # The audit trail needs AUDIT_VIEW: a unit administrator has it, a specialist does not.
    assert "/office/audit/" in {link["url"] for link in office_links(admin)}
    assert "/office/audit/" not in {link["url"] for link in office_links(specialist)}
    # Every official role can view units.
    assert "/office/units/" in {link["url"] for link in office_links(specialist)}
    # A page not routed yet is left out instead of breaking the staff home.
    monkeypatch.setattr(
        home_views,
        "OFFICE_LINKS",
        (*OFFICE_LINKS, home_views.OfficeLink("office:does-not-exist", "X", Perm.UNIT_VIEW)),
    )
    assert "X" not in {link["label"] for link in office_links(admin)}


def test_unverified_official_is_sent_to_the_second_factor(client, make_official, commune_a):
    official = make_official(Role.SPECIALIST, commune_a)
    client.force_login(official)
    response = client.get("/office/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")
