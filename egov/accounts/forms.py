"""Forms of the login pages: password login and the one-time code of two-factor login."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

# The id of the block that shows a form's non-field errors (see includes/form_errors.html).
FORM_ERRORS_ID = "form-errors"
# Longer passwords are refused before hashing (hashing megabytes is a cheap denial of service).
PASSWORD_MAX = 1024


class DescribedErrorsMixin:
    """When a form has errors that belong to no field, every visible input points at them with
    aria-describedby and is marked aria-invalid, so a screen reader announces why."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        if not self.non_field_errors():  # type: ignore[attr-defined]
            return
        for bound in self.visible_fields():  # type: ignore[attr-defined]
            attrs = bound.field.widget.attrs
            described = [bound.auto_id + "_error"] if bound.errors else []
            described.append(FORM_ERRORS_ID)
            attrs["aria-describedby"] = " ".join(described)
            attrs["aria-invalid"] = "true"


class LoginForm(DescribedErrorsMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng."),
        "inactive": _("Tài khoản này đã bị khóa."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập")
        self.fields["password"].label = _("Mật khẩu")
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "spellcheck": "false"}
        )
        # AuthenticationForm sets max_length after the field is built, so nothing enforces it:
        # a longer name would reach authenticate() and the lockout table (255 characters).
        limit = self.fields["username"].max_length or 150
        self.fields["username"].validators.append(
            MaxLengthValidator(limit, message=_("Tên đăng nhập dài quá %(limit_value)d ký tự."))
        )
        self.fields["password"].validators.append(
            MaxLengthValidator(PASSWORD_MAX, message=_("Mật khẩu dài quá %(limit_value)d ký tự."))
        )


_SPACES = re.compile(r"[\s-]+")


class OtpCodeForm(DescribedErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực (6 chữ số)"),
        max_length=20,
        help_text=_("Mở ứng dụng xác thực trên điện thoại và nhập mã 6 chữ số đang hiển thị."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "class": "input-code",
            }
        ),
        error_messages={"required": _("Vui lòng nhập mã xác thực.")},
    )

    def clean_code(self) -> str:
        code = _SPACES.sub("", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code, flags=re.ASCII):
            raise forms.ValidationError(_("Mã xác thực gồm đúng 6 chữ số."), code="format")
        return code
