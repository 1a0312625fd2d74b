"""The Django admin, in Vietnamese, opened only to administrators and scoped by the access policy.

Django's own model permissions and `is_staff` are not used: the admin asks `egov.accounts.policy`
like every other page, and every change made in it goes through a service that writes the audit
event (see `ScopedModelAdmin`).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class EgovAdminSite(admin.AdminSite):
    site_header = _("Quản trị hệ thống egov")
    site_title = _("Quản trị egov")
    index_title = _("Quản trị dữ liệu")

    def has_permission(self, request: Any) -> bool:
        from egov.accounts import policy

        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        verified = getattr(user, "is_verified", None)
        from django.conf import settings

        if settings.EGOV_OFFICIAL_2FA_REQUIRED and callable(verified) and not verified():
            return False
        return policy.has_any_scope(user, policy.Perm.ADMIN_SITE)


class EgovAdminConfig(AdminConfig):
    default_site = "egov.core.admin_site.EgovAdminSite"

    def ready(self) -> None:
        super().ready()
        from django.contrib.auth.models import Group

        # Rights come from role grants on units, never from Django groups.
        if admin.site.is_registered(Group):
            admin.site.unregister(Group)


class ScopedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows and rights come from the access policy.

    `scope_field` names the Unit foreign key the row belongs to ("" when the model is Unit).
    Subclasses write through services by overriding `save_model` / `delete_model`.
    """

    scope_field = "unit"
    view_perm = ""
    manage_perm = ""

    def get_queryset(self, request: Any):
        from egov.accounts import policy

        qs = super().get_queryset(request)
        return qs.filter(policy.scope_q(request.user, self.view_perm, self.scope_field))

    def _unit_of(self, obj: Any) -> Any:
        if not self.scope_field:
            return obj
        for part in self.scope_field.split("__"):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    def has_module_permission(self, request: Any) -> bool:
        from egov.accounts import policy

        return policy.has_any_scope(request.user, self.view_perm)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        from egov.accounts import policy

        if obj is None:
            return policy.has_any_scope(request.user, self.view_perm)
        return policy.has_perm_on(request.user, self.view_perm, self._unit_of(obj))

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        from egov.accounts import policy

        if not self.manage_perm:
            return False
        if obj is None:
            return policy.has_any_scope(request.user, self.manage_perm)
        return policy.has_perm_on(request.user, self.manage_perm, self._unit_of(obj))

    def has_add_permission(self, request: Any) -> bool:
        from egov.accounts import policy

        return bool(self.manage_perm) and policy.has_any_scope(request.user, self.manage_perm)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        # Records of the administration are closed or revoked, not deleted.
        return False

    def _get_obj_does_not_exist_redirect(self, request: Any, opts: Any, object_id: Any) -> Any:
        # Out of scope answers 404 like everywhere else (Django's admin would redirect with a
        # message that confirms or denies the object's existence).
        raise Http404


def registered_models() -> list[type]:
    return [m for m in apps.get_models() if admin.site.is_registered(m)]
