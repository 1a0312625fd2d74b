"""Administration of accounts and role grants: a unit administrator sees and manages only users of
their subtree and grants only roles on units inside it; every change goes through a service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from egov.accounts import policy, services
from egov.accounts.models import RoleGrant, User, UserKind
from egov.core.admin_site import ScopedModelAdmin
from egov.core.errors import DomainError


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "role", "unit", "include_subtree"]


@admin.register(RoleGrant)
class RoleGrantAdmin(ScopedModelAdmin):
    form = RoleGrantForm
    view_perm = policy.Perm.USER_VIEW
    manage_perm = policy.Perm.USER_MANAGE
    list_display = ["user", "role", "unit", "include_subtree", "created_at"]
    list_filter = ["role", "include_subtree"]
    search_fields = ["user__username", "user__full_name", "unit__name"]
    raw_id_fields = ["user", "unit"]

    def get_queryset(self, request: Any):
        qs = super(ScopedModelAdmin, self).get_queryset(request).select_related("user", "unit")
        if policy.is_system_admin(request.user):
            return qs
        return qs.filter(policy.scope_q(request.user, self.view_perm, "unit"))

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any):
        if db_field.name == "unit":
            kwargs["queryset"] = policy.units_for_choice(request.user, policy.Perm.USER_MANAGE)
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(policy.manageable_users_q(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        # A grant is created or revoked, never edited in place.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        if obj is None:
            return policy.has_any_scope(request.user, self.manage_perm)
        return policy.may_grant(request.user, obj.role, obj.unit)

    def save_model(self, request: Any, obj: RoleGrant, form: Any, change: bool) -> None:
        try:
            grant = services.role_grant(
                actor=request.user,
                user=obj.user,
                role=obj.role,
                unit=obj.unit,
                include_subtree=obj.include_subtree,
            )
        except DomainError as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = grant.pk

    def delete_model(self, request: Any, obj: RoleGrant) -> None:
        services.role_revoke(actor=request.user, grant=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for grant in queryset:
            services.role_revoke(actor=request.user, grant=grant)


class UserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["is_active"]


class OfficialCreateForm(forms.ModelForm):
    """A unit administrator onboards an official of a unit in their scope."""

    password1 = forms.CharField(
        label=_("Mật khẩu ban đầu"), widget=forms.PasswordInput, strip=False, max_length=1024
    )
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu"), widget=forms.PasswordInput, strip=False, max_length=1024
    )

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "phone", "home_unit"]

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_unit"].required = True
        self.fields["home_unit"].queryset = policy.units_for_choice(
            actor, policy.Perm.USER_MANAGE
        ).filter(valid_to__isnull=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("Hai mật khẩu không khớp."))
        elif data.get("password1"):
            candidate = User(username=data.get("username", ""), full_name=data.get("full_name", ""))
            try:
                validate_password(data["password1"], candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


@admin.register(User)
class UserAdmin(ScopedModelAdmin):
    form = UserChangeForm
    view_perm = policy.Perm.USER_VIEW
    manage_perm = policy.Perm.USER_MANAGE
    scope_field = "home_unit"
    list_display = ["username", "full_name", "kind", "home_unit", "is_active", "last_login"]
    list_filter = ["kind", "is_active"]
    search_fields = ["username", "full_name", "email"]
    readonly_fields = ["username", "full_name", "kind", "email", "home_unit", "last_login"]
    fields = ["username", "full_name", "kind", "email", "home_unit", "is_active", "last_login"]
    # Grouped by unit: the scoped list then reads one index range in order (bench/scoped_listing).
    ordering = ["home_unit__path", "username"]

    def get_queryset(self, request: Any):
        qs = super(ScopedModelAdmin, self).get_queryset(request).select_related("home_unit")
        return qs.filter(policy.manageable_users_q(request.user))

    def has_add_permission(self, request: Any) -> bool:
        return policy.has_any_scope(request.user, self.manage_perm)

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class BoundCreateForm(OfficialCreateForm):
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, actor=actor, **kw)

        return BoundCreateForm

    def get_fields(self, request: Any, obj: Any = None):
        if obj is None:
            return [
                "username",
                "full_name",
                "email",
                "phone",
                "home_unit",
                "password1",
                "password2",
            ]
        return self.fields

    def get_readonly_fields(self, request: Any, obj: Any = None):
        return self.readonly_fields if obj is not None else []

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        if obj is None:
            return policy.has_any_scope(request.user, self.view_perm)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        if obj is None:
            return policy.has_any_scope(request.user, self.manage_perm)
        return services.user_may_manage(request.user, obj)

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        if not change:
            data = form.cleaned_data
            try:
                created = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    password=data["password1"],
                    kind=UserKind.OFFICIAL,
                    full_name=data.get("full_name", ""),
                    email=data.get("email", ""),
                    phone=data.get("phone", ""),
                    home_unit=data["home_unit"],
                )
            except DomainError as exc:
                raise PermissionDenied(str(exc)) from exc
            obj.pk = created.pk
            return
        try:
            stored = User.objects.get(pk=obj.pk)
            services.user_set_active(
                actor=request.user, user=stored, active=form.cleaned_data["is_active"]
            )
        except DomainError as exc:
            messages.error(request, str(exc))
