"""Read-only view of the audit trail in the Django admin (scoping comes later)."""

from django.contrib import admin

from egov.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
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
    list_select_related = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
