"""Every change to users and role grants: one function, one transaction, one audit event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.vn import mst

from egov.accounts import policy
from egov.accounts.models import Role, RoleGrant, User, UserKind
from egov.audit.services import audit_record
from egov.core import vntext
from egov.core.errors import Conflict, Forbidden, ValidationFailed
from egov.units.models import Unit


def _validate_identity(*, national_id: str, tax_code: str) -> tuple[str, str]:
    national_id = national_id.strip()
    if national_id and not (len(national_id) == 12 and national_id.isdigit()):
        raise ValidationFailed(
            _("Số định danh cá nhân phải gồm đúng 12 chữ số."), field="national_id"
        )
    tax_code = tax_code.strip()
    if tax_code:
        try:
            tax_code = mst.validate(tax_code)
        except Exception as exc:  # stdnum raises several ValidationError subclasses
            raise ValidationFailed(_("Mã số thuế không hợp lệ."), field="tax_code") from exc
    return national_id, tax_code


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    kind: str = UserKind.CITIZEN,
    full_name: str = "",
    email: str = "",
    national_id: str = "",
    tax_code: str = "",
    phone: str = "",
    home_unit: Unit | None = None,
    check_password_strength: bool = True,
) -> User:
    """Create an account. Officials may only be created by someone who manages users of their
    home unit; citizens register themselves (actor None)."""
    username = vntext.clean(username)
    full_name = vntext.clean(full_name)
    if not username or len(username) > 150:
        raise ValidationFailed(_("Tên đăng nhập không hợp lệ."), field="username")
    if kind not in UserKind.values:
        raise ValidationFailed(_("Loại tài khoản không hợp lệ."), field="kind")
    if (
        kind == UserKind.OFFICIAL
        and actor is not None
        and (home_unit is None or not policy.has_perm_on(actor, policy.Perm.USER_MANAGE, home_unit))
    ):
        raise Forbidden(_("Bạn không có quyền tạo cán bộ cho đơn vị này."))
    national_id, tax_code = _validate_identity(national_id=national_id, tax_code=tax_code)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("Tên đăng nhập đã được sử dụng."), field="username")
    user = User(
        username=username,
        kind=kind,
        full_name=full_name,
        email=email.strip(),
        national_id=national_id,
        tax_code=tax_code,
        phone=phone.strip(),
        home_unit=home_unit,
        sort_key=vntext.person_sort_key(full_name)[:300] if full_name else "",
    )
    if password:
        if check_password_strength:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ValidationFailed(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        user.save()
    except IntegrityError as exc:
        raise Conflict(_("Tài khoản trùng số định danh hoặc tên đăng nhập.")) from exc
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        unit=home_unit,
        summary={"username": username, "kind": kind},
    )
    return user


@transaction.atomic
def role_grant(
    *, actor: Any, user: User, role: str, unit: Unit | None, include_subtree: bool = False
) -> RoleGrant:
    if role not in Role.values:
        raise ValidationFailed(_("Vai trò không hợp lệ."), field="role")
    if user.kind != UserKind.OFFICIAL:
        raise ValidationFailed(_("Chỉ cán bộ, công chức mới được phân vai trò."), field="user")
    if (role == Role.SYSTEM_ADMIN) != (unit is None):
        raise ValidationFailed(
            _("Quản trị hệ thống không gắn với đơn vị; các vai trò khác phải gắn với một đơn vị."),
            field="unit",
        )
    if actor is not None and not policy.may_grant(actor, role, unit):
        raise Forbidden(_("Bạn không có quyền phân vai trò này trên đơn vị này."))
    grant, created = RoleGrant.objects.select_for_update().get_or_create(
        user=user,
        role=role,
        unit=unit,
        defaults={"include_subtree": include_subtree, "granted_by": actor},
    )
    if not created and grant.include_subtree != include_subtree:
        old = grant.include_subtree
        grant.include_subtree = include_subtree
        grant.save(update_fields=["include_subtree"])
        audit_record(
            actor=actor,
            action="grant.change",
            target=grant,
            unit=unit,
            role=role,
            summary={"user": user.username, "include_subtree": [old, include_subtree]},
        )
    elif created:
        audit_record(
            actor=actor,
            action="grant.create",
            target=grant,
            unit=unit,
            role=role,
            summary={"user": user.username, "role": role, "include_subtree": include_subtree},
        )
    policy.forget_grants(user)
    return grant


@transaction.atomic
def role_revoke(*, actor: Any, grant: RoleGrant) -> None:
    if actor is not None and not policy.may_grant(actor, grant.role, grant.unit):
        raise Forbidden(_("Bạn không có quyền thu hồi vai trò này."))
    grant_id = grant.pk
    grant.delete()
    # The audit event is the transaction's last write (it holds the chain head until commit);
    # it still names the deleted grant by its id.
    grant.pk = grant_id
    audit_record(
        actor=actor,
        action="grant.revoke",
        target=grant,
        unit=grant.unit,
        role=grant.role,
        summary={"user": grant.user.username, "role": grant.role},
    )
    policy.forget_grants(grant.user)


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> None:
    if actor is not None and not user_may_manage(actor, user):
        raise Forbidden(_("Bạn không có quyền quản lý tài khoản này."))
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        target=user,
        unit=user.home_unit,
        summary={"is_active": [not active, active]},
    )


def user_may_manage(actor: Any, user: User) -> bool:
    """May `actor` change `user`'s account? Unit administrators manage the officials whose home
    unit lies in their scope, and never a system administrator."""
    if policy.is_system_admin(actor):
        return True
    if user.home_unit_id is None or policy.is_system_admin(user):
        return False
    return policy.has_perm_on(actor, policy.Perm.USER_MANAGE, user.home_unit)


@transaction.atomic
def totp_device_pending(*, user: User) -> Any:
    """The unconfirmed TOTP device an official is enrolling (created on first need)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="egov", confirmed=False)
        audit_record(
            actor=user,
            action="auth.2fa_setup_started",
            target=device,
            summary={"device": device.name},
        )
    return device


@transaction.atomic
def totp_device_confirm(*, actor: Any, device: Any) -> None:
    """Confirm an enrolled TOTP device (after a correct code) and drop other pending ones."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    audit_record(
        actor=actor, action="auth.2fa_enrolled", target=device, summary={"device": device.name}
    )
