"""Read-only view of the audit trail in the Django admin, scoped by the access policy."""

from django.contrib import admin

from egov.accounts.policy import Perm
from egov.audit.models import AuditEvent
from egov.core.admin_site import ScopedModelAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedModelAdmin):
    scope_field = "unit"
    view_perm = Perm.AUDIT_VIEW
    manage_perm = ""  # nobody adds, changes or deletes audit events
    list_display = (
        "seq",
        "created_at",
        "actor_label",
        "role",
        "unit_name",
        "action",
        "object_repr",
    )
    list_filter = ("action",)
    search_fields = ("actor_label", "action", "object_repr")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
