"""Administration of the calendar's exceptions and office hours.

Rows and rights come from the access policy (`calendar.manage` on the row's unit; rows for every
unit — unit left empty — only for system-wide administrators), and every change goes through
`services`, which writes the audit event and invalidates the cached calendars.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from egov.accounts import policy
from egov.core.admin_site import ScopedModelAdmin
from egov.core.errors import DomainError
from egov.workcalendar import services
from egov.workcalendar.models import CalendarException, OfficeHours

PERM = policy.Perm.CALENDAR_MANAGE


class _ScopedForm(forms.ModelForm):
    """A form that knows the acting user, to refuse rows for every unit from a unit admin."""

    actor: Any = None

    def clean_unit(self) -> Any:
        unit = self.cleaned_data.get("unit")
        if unit is None and not policy.has_perm_on(self.actor, PERM, None):
            raise forms.ValidationError(
                _(
                    "Chỉ quản trị hệ thống được nhập ngoại lệ áp dụng cho mọi đơn vị; hãy chọn đơn vị."
                )
            )
        return unit


class CalendarExceptionForm(_ScopedForm):
    class Meta:
        model = CalendarException
        fields = ["date", "unit", "kind", "name", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            _day, _kind, data["name"], data["note"] = services.validate_exception_fields(
                day=data.get("date"),
                kind=data.get("kind"),
                name=data.get("name", ""),
                note=data.get("note", ""),
            )
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc.message))
        return data


class OfficeHoursForm(_ScopedForm):
    class Meta:
        model = OfficeHours
        fields = ["unit", "morning_start", "morning_end", "afternoon_start", "afternoon_end"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            services.validate_office_hours(
                morning_start=data.get("morning_start"),
                morning_end=data.get("morning_end"),
                afternoon_start=data.get("afternoon_start"),
                afternoon_end=data.get("afternoon_end"),
            )
        except DomainError as exc:
            self.add_error(None, str(exc.message))
        return data


class _CalendarAdmin(ScopedModelAdmin):
    view_perm = PERM
    manage_perm = PERM

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any):
        if db_field.name == "unit":
            kwargs["queryset"] = policy.units_for_choice(request.user, PERM)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        # Calendar rows are settings, not records: a wrong one is removed (with an audit event).
        return self.has_change_permission(request, obj)


@admin.register(CalendarException)
class CalendarExceptionAdmin(_CalendarAdmin):
    form = CalendarExceptionForm
    list_display = ["date", "name", "kind", "unit"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name", "note", "unit__name"]
    raw_id_fields = ["unit"]

    def get_queryset(self, request: Any):
        return super().get_queryset(request).select_related("unit")

    def save_model(self, request: Any, obj: CalendarException, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {
            "day": data["date"],
            "kind": data["kind"],
            "name": data["name"],
            "note": data.get("note", ""),
            "unit": data.get("unit"),
        }
        try:
            if change:
                row = services.exception_update(actor=request.user, exception=obj, **fields)
            else:
                row = services.exception_create(actor=request.user, **fields)
        except DomainError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        obj.pk = row.pk

    def delete_model(self, request: Any, obj: CalendarException) -> None:
        services.exception_delete(actor=request.user, exception=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for row in queryset:
            services.exception_delete(actor=request.user, exception=row)


@admin.register(OfficeHours)
class OfficeHoursAdmin(_CalendarAdmin):
    form = OfficeHoursForm
    list_display = ["__str__", "unit"]
    raw_id_fields = ["unit"]

    def get_queryset(self, request: Any):
        return super().get_queryset(request).select_related("unit")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        # The unit of a row is fixed: another unit's hours are another row.
        return ["unit"] if obj is not None else []

    def save_model(self, request: Any, obj: OfficeHours, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            row = services.office_hours_set(
                actor=request.user,
                unit=obj.unit if change else data.get("unit"),
                morning_start=data["morning_start"],
                morning_end=data["morning_end"],
                afternoon_start=data["afternoon_start"],
                afternoon_end=data["afternoon_end"],
            )
        except DomainError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        obj.pk = row.pk

    def delete_model(self, request: Any, obj: OfficeHours) -> None:
        services.office_hours_delete(actor=request.user, office_hours=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for row in queryset:
            services.office_hours_delete(actor=request.user, office_hours=row)
