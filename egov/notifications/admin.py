"""Outbox rows in the admin, for system administrators only (they belong to no unit): failed
messages are visible there with their last error, and can be sent again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from egov.accounts import policy
from egov.core.admin_site import ScopedModelAdmin
from egov.notifications import services
from egov.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ScopedModelAdmin):
    scope_field = ""
    list_display = [
        "created_at",
        "channel",
        "recipient",
        "subject",
        "ref",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["ref", "recipient"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    list_per_page = 50

    def _allowed(self, request: Any) -> bool:
        return policy.is_system_admin(request.user)

    def get_queryset(self, request: Any):
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if self._allowed(request) else qs.none()

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_module_permission(self, request: Any) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        # Rows are written by the outbox only; the retry action is the one change staff make.
        return False

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_retry_permission(self, request: Any) -> bool:
        return self._allowed(request)

    @admin.action(description=_("Gửi lại các thông báo thất bại đã chọn"), permissions=["retry"])
    def retry(self, request: Any, queryset: Any) -> None:
        count = services.retry_failed(actor=request.user, notifications=queryset)
        self.message_user(
            request,
            ngettext(
                "Đã đưa %(count)d thông báo vào hàng đợi gửi lại.",
                "Đã đưa %(count)d thông báo vào hàng đợi gửi lại.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
