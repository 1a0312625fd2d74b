"""The national catalogue in the admin, read-only, for holders of `Perm.CATALOGUE_MANAGE`.

Procedures and their versions belong to no unit: their scope is global, so only system
administrators see them. Nothing is edited here: imports (`manage.py import_procedures`) and the
services (`egov.procedures.services`) are the write path, and they write the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from egov.accounts import policy
from egov.core.admin_site import ScopedModelAdmin
from egov.procedures.models import Procedure, ProcedureVersion


class _CatalogueAdmin(ScopedModelAdmin):
    """Global scope: visible with CATALOGUE_MANAGE on "no unit" (system administrators)."""

    scope_field = ""
    view_perm = policy.Perm.CATALOGUE_MANAGE

    def _allowed(self, request: Any) -> bool:
        return policy.has_perm_on(request.user, policy.Perm.CATALOGUE_MANAGE, None)

    def get_queryset(self, request: Any):
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if self._allowed(request) else qs.none()

    def has_module_permission(self, request: Any) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    fk_name = "procedure"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["action", "decision_no", "effective_from", "effective_to", "name", "created_at"]
    readonly_fields = fields
    ordering = ["-effective_from", "-id"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Procedure)
class ProcedureAdmin(_CatalogueAdmin):
    list_display = ["code", "current_name", "current_field", "current_decision"]
    search_fields = ["code", "current__name", "current__name_key"]
    list_select_related = ["current", "current__field"]
    list_per_page = 50
    fields = [
        "code",
        "current_name",
        "current_field",
        "current_levels",
        "current_decision",
        "current_time",
        "current_fees",
        "current_flags",
        "current_portal_url",
    ]
    readonly_fields = fields
    inlines = [VersionInline]

    @admin.display(description=_("tên thủ tục (phiên bản hiện hành)"))
    def current_name(self, obj: Procedure) -> str:
        return obj.current.name if obj.current else _("(không có phiên bản hiệu lực)")

    @admin.display(description=_("lĩnh vực"))
    def current_field(self, obj: Procedure) -> str:
        return obj.current.field.name if obj.current else ""

    @admin.display(description=_("cấp thực hiện"))
    def current_levels(self, obj: Procedure) -> str:
        return ", ".join(obj.current.levels) if obj.current else ""

    @admin.display(description=_("số quyết định công bố"))
    def current_decision(self, obj: Procedure) -> str:
        return obj.current.decision_no if obj.current else ""

    @admin.display(description=_("thời hạn giải quyết"))
    def current_time(self, obj: Procedure) -> str:
        return obj.current.processing_time_text if obj.current else ""

    @admin.display(description=_("phí, lệ phí"))
    def current_fees(self, obj: Procedure) -> str:
        return obj.current.fees_text if obj.current else ""

    @admin.display(description=_("lưu ý về dữ liệu"))
    def current_flags(self, obj: Procedure) -> str:
        return ", ".join(obj.current.flags) if obj.current else ""

    @admin.display(description=_("trang trên Cổng DVC quốc gia"))
    def current_portal_url(self, obj: Procedure) -> str:
        return obj.current.portal_url if obj.current else ""


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(_CatalogueAdmin):
    list_display = ["procedure", "action", "decision_no", "effective_from", "effective_to", "name"]
    list_filter = ["action"]
    search_fields = ["procedure__code", "name", "name_key", "decision_no"]
    list_select_related = ["procedure"]
    list_per_page = 50
    exclude = ["search_text", "name_key"]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]
