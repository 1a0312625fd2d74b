"""Users (citizens, businesses, officials) and the roles officials hold on units."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from egov.units.models import Unit


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Doanh nghiệp, tổ chức")
    OFFICIAL = "official", _("Cán bộ, công chức")


class Role(models.TextChoices):
    ONE_STOP_OFFICER = "one_stop_officer", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    LEADER = "leader", _("Lãnh đạo")
    CLERK = "clerk", _("Văn thư")
    UNIT_ADMIN = "unit_admin", _("Quản trị đơn vị")
    SYSTEM_ADMIN = "system_admin", _("Quản trị hệ thống")


class User(AbstractUser):
    kind = models.CharField(
        _("loại tài khoản"), max_length=16, choices=UserKind.choices, default=UserKind.CITIZEN
    )
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    national_id = models.CharField(
        _("số định danh cá nhân"), max_length=12, blank=True, db_index=True
    )
    tax_code = models.CharField(_("mã số thuế"), max_length=14, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    # The unit an official works in (for display and defaults); rights come only from grants.
    home_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị công tác"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    sort_key = models.CharField(max_length=300, blank=True, editable=False, db_index=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in UserKind]), name="user_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(national_id="") | Q(national_id__regex=r"^[0-9]{12}$"),
                name="user_national_id_format",
            ),
            models.UniqueConstraint(
                fields=["national_id"], condition=~Q(national_id=""), name="user_national_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_official(self) -> bool:
        return self.kind == UserKind.OFFICIAL


class RoleGrant(models.Model):
    """A role held on a unit, optionally over its whole subtree. The only source of rights."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices)
    # Empty only for the system administrator, whose scope is the whole platform.
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    include_subtree = models.BooleanField(_("cả các đơn vị trực thuộc"), default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="grant_unique"),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="grant_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(role="system_admin", unit__isnull=True)
                | (~Q(role="system_admin") & Q(unit__isnull=False)),
                name="grant_unit_required_except_system_admin",
            ),
        ]

    def __str__(self) -> str:
        where = self.unit.name if self.unit_id else _("toàn hệ thống")
        return f"{self.get_role_display()} — {where}"


class UserSession(AbstractBaseSession):
    """Django's database session, with the key of the user signed in to it beside the data:
    a request reads its session and its user in one query (egov/accounts/sessions.py), and a
    user's sessions can be found (and go with the user).

    `user` is copied from the session's data each time it is saved. Not a database constraint:
    a session saved just after its user was deleted would then fail the request; read through
    the join, it finds no user and the request is anonymous, as Django's check would say."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
        verbose_name=_("người dùng"),
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls):
        from egov.accounts.sessions import SessionStore

        return SessionStore
