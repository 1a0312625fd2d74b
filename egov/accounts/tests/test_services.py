"""Users and grants change only through services, each with its audit event."""

from __future__ import annotations

import pytest

from egov.accounts import services
from egov.accounts.models import Role, RoleGrant, User, UserKind
from egov.audit.models import AuditEvent
from egov.core.errors import Conflict, Forbidden, ValidationFailed


def test_citizen_registers_with_argon2_password_and_an_audit_event(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = services.user_create(
        actor=None,
        username="nguyen.an",
        password="Mot-mat-khau-dai-9",
        full_name="  Nguyễn   Văn An ",
        national_id="038095000123",
    )
    assert user.password.startswith("argon2")
    assert user.full_name == "Nguyễn Văn An"
    assert user.kind == UserKind.CITIZEN
    event = AuditEvent.objects.get(action="user.create")
    assert event.summary["username"] == "nguyen.an"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"national_id": "12345"}, "national_id"),
        ({"national_id": "03809500012a"}, "national_id"),
        ({"tax_code": "0100109107"}, "tax_code"),  # wrong check digit
        ({"username": ""}, "username"),
        ({"username": "x" * 151}, "username"),
        ({"password": "123456"}, "password"),
        ({"kind": "alien"}, "kind"),
    ],
)
def test_bad_account_data_is_refused_and_nothing_is_saved(db, fields, field):
    data = {"username": "ok.user", "password": "Mot-mat-khau-dai-9", **fields}
    with pytest.raises(ValidationFailed) as exc:
        services.user_create(actor=None, **data)
    assert exc.value.field == field
    assert not User.objects.exists()
    assert not AuditEvent.objects.filter(action="user.create").exists()


def test_valid_tax_code_is_accepted(db):
    # 0100109106 is a checksum-valid example code used by python-stdnum's own tests.
    user = services.user_create(
        actor=None, username="dn", password=None, kind=UserKind.BUSINESS, tax_code="0100109106"
    )
    assert user.tax_code == "0100109106"


def test_duplicate_username_is_a_conflict(db):
    services.user_create(actor=None, username="trung", password=None)
    with pytest.raises(Conflict):
        services.user_create(actor=None, username="TRUNG", password=None)


def test_unit_admin_creates_officials_only_in_their_subtree(make_official, commune_a, commune_b):
    admin_a = make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True)
    official = services.user_create(
        actor=admin_a, username="cb.moi", password=None, kind=UserKind.OFFICIAL, home_unit=commune_a
    )
    assert official.home_unit == commune_a
    with pytest.raises(Forbidden):
        services.user_create(
            actor=admin_a,
            username="cb.khac",
            password=None,
            kind=UserKind.OFFICIAL,
            home_unit=commune_b,
        )
    assert not User.objects.filter(username="cb.khac").exists()


def test_role_grant_and_revoke_are_audited_and_scoped(
    make_official, make_user, commune_a, commune_b
):
    admin_a = make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True)
    target = make_user(kind=UserKind.OFFICIAL, home_unit=commune_a)
    grant = services.role_grant(actor=admin_a, user=target, role=Role.SPECIALIST, unit=commune_a)
    assert AuditEvent.objects.filter(action="grant.create", actor=admin_a).count() == 1
    with pytest.raises(Forbidden):
        services.role_grant(actor=admin_a, user=target, role=Role.SPECIALIST, unit=commune_b)
    with pytest.raises(Forbidden):
        services.role_grant(actor=admin_a, user=target, role=Role.SYSTEM_ADMIN, unit=None)
    assert RoleGrant.objects.filter(user=target).count() == 1
    services.role_revoke(actor=admin_a, grant=grant)
    assert not RoleGrant.objects.filter(user=target).exists()
    assert AuditEvent.objects.filter(action="grant.revoke").count() == 1


def test_roles_are_for_officials_only(make_user, commune_a):
    citizen = make_user(kind=UserKind.CITIZEN)
    with pytest.raises(ValidationFailed):
        services.role_grant(actor=None, user=citizen, role=Role.LEADER, unit=commune_a)


def test_deactivation_is_limited_to_the_subtree(make_official, commune_a, commune_b):
    admin_a = make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True)
    in_a = make_official(Role.SPECIALIST, commune_a)
    in_b = make_official(Role.SPECIALIST, commune_b)
    services.user_set_active(actor=admin_a, user=in_a, active=False)
    in_a.refresh_from_db()
    assert not in_a.is_active
    with pytest.raises(Forbidden):
        services.user_set_active(actor=admin_a, user=in_b, active=False)
    in_b.refresh_from_db()
    assert in_b.is_active
    assert AuditEvent.objects.filter(action="user.deactivate").count() == 1
