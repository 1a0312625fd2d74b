"""Units in the admin: scoped by the access policy; edits go through `unit_update`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages

from egov.accounts import policy
from egov.core.admin_site import ScopedModelAdmin
from egov.core.errors import DomainError
from egov.units.models import Unit
from egov.units.services import unit_update

_EDITABLE_HERE = ["name", "edid", "address", "email", "phone"]


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = _EDITABLE_HERE


@admin.register(Unit)
class UnitAdmin(ScopedModelAdmin):
    form = UnitForm
    scope_field = ""
    view_perm = policy.Perm.UNIT_VIEW
    manage_perm = policy.Perm.UNIT_MANAGE
    list_display = ["name", "code", "kind", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "search_key"]
    readonly_fields = ["code", "kind", "parent", "merged_into", "valid_from", "valid_to"]
    fields = [*_EDITABLE_HERE, *readonly_fields]
    ordering = ["path"]
    list_per_page = 50

    def has_add_permission(self, request: Any) -> bool:
        # New units come from the national import, CSV import or a merge, never a bare form.
        return False

    def save_model(self, request: Any, obj: Unit, form: Any, change: bool) -> None:
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changed:
            return
        try:
            unit_update(actor=request.user, unit=obj, **changed)
        except DomainError as exc:
            messages.error(request, str(exc))
