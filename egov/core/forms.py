"""What every page form does with text and with the domain's refusals."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from egov.core import vntext
from egov.core.errors import DomainError


def clean_text(value: str) -> str:
    """One line of user text, cleaned (`vntext.clean`); NUL, U+FFFD (what a body that was not
    valid UTF-8 decodes to) and invalid Unicode are refused with a message for the field."""
    if "\x00" in value or "\ufffd" in value or vntext.has_invalid_unicode(value):
        raise forms.ValidationError(_("Nội dung chứa ký tự không hợp lệ."))
    return vntext.clean(value)


def clean_lines(value: str) -> str:
    """Multi-line text: each line cleaned, empty lines dropped, line breaks kept."""
    clean_text(value)  # refuses NUL, U+FFFD and invalid Unicode anywhere in it
    return vntext.clean_lines(value)


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal next to its field (or above the form when the field is not on
    this form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))
