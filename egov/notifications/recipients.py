"""Recipient addresses: e-mail addresses and Vietnamese mobile numbers, checked and normalised.

Mobile numbers have had ten digits (0 + nine) since the 2018 conversion of the eleven-digit
ones; their first digit after the 0 is 3, 5, 7, 8 or 9 (fixed lines begin with 02). Operators'
prefixes within those ranges change over time, so only the ranges are checked here. They are
stored in international form, +84 followed by the nine digits.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from egov.core.errors import ValidationFailed

_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")
_MOBILE = re.compile(r"[35789][0-9]{8}")


def normalise_email(value: str) -> str:
    address = (value or "").strip()
    try:
        validate_email(address)
        # RFC 5321 limits: 64 characters before the @, 254 in all.
        if len(address) > 254 or len(address.rpartition("@")[0]) > 64:
            raise ValidationError("too long")
    except ValidationError:
        raise ValidationFailed(
            _("Địa chỉ thư điện tử không hợp lệ."), code="bad_email", field="recipient"
        ) from None
    local, _at, domain = address.rpartition("@")
    # Domains are case-insensitive; the local part belongs to the receiving server.
    return f"{local}@{domain.lower()}"


def normalise_phone(value: str) -> str:
    """A Vietnamese mobile number as +84XXXXXXXXX, from its 0…, 84…, +84… or 0084… forms."""
    digits = _PHONE_SEPARATORS.sub("", (value or "").strip())
    for prefix in ("+84", "0084", "84", "0"):
        if digits.startswith(prefix):
            national = digits[len(prefix) :]
            break
    else:
        national = ""
    if not _MOBILE.fullmatch(national):
        raise ValidationFailed(
            _("Số điện thoại di động không hợp lệ (ví dụ: 0912 345 678 hoặc +84 912 345 678)."),
            code="bad_phone",
            field="recipient",
        )
    return f"+84{national}"
