"""Who lodges a dossier: the applicant's data, checked and cleaned before it is kept."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from stdnum.vn import mst

from egov.core import vntext
from egov.core.errors import ValidationFailed
from egov.dossiers.models import ApplicantKind

_ID_NUMBER = re.compile(r"^[0-9]{12}$")
# Vietnamese phone numbers: 0 + 9 digits (mobile and landline since 2017–2018), or +84 form.
_PHONE = re.compile(r"^0[0-9]{9}$")


@dataclass(frozen=True)
class ApplicantData:
    name: str
    kind: str = ApplicantKind.CITIZEN
    id_number: str = ""
    tax_code: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""


def _text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    value = vntext.clean(value or "")
    if vntext.has_invalid_unicode(value) or "\x00" in value:
        raise ValidationFailed(_("Có ký tự không hợp lệ."), field=field)
    if required and not value:
        raise ValidationFailed(_("Trường này là bắt buộc."), field=field)
    if len(value) > limit:
        raise ValidationFailed(
            _("Tối đa %(limit)d ký tự.") % {"limit": limit}, field=field, code="too_long"
        )
    return value


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def clean_applicant(data: ApplicantData) -> ApplicantData:
    """The applicant's data, cleaned; a ValidationFailed naming the field otherwise."""
    if data.kind not in ApplicantKind.values:
        raise ValidationFailed(_("Đối tượng nộp hồ sơ không hợp lệ."), field="applicant_kind")
    name = _text(data.name, "applicant_name", 255, required=True)
    address = _text(data.address, "applicant_address", 500)
    id_number = re.sub(r"\s", "", data.id_number or "")
    if id_number and not _ID_NUMBER.match(id_number):
        raise ValidationFailed(
            _("Số định danh cá nhân phải gồm đúng 12 chữ số."), field="applicant_id_number"
        )
    tax_code = re.sub(r"\s", "", data.tax_code or "")
    if tax_code:
        try:
            tax_code = mst.validate(tax_code)
        except Exception:  # stdnum raises its own ValidationError subclasses
            raise ValidationFailed(
                _("Mã số thuế không hợp lệ (sai độ dài hoặc chữ số kiểm tra)."),
                field="applicant_tax_code",
            ) from None
    if data.kind == ApplicantKind.BUSINESS and not tax_code:
        raise ValidationFailed(
            _("Tổ chức, doanh nghiệp phải có mã số thuế."), field="applicant_tax_code"
        )
    if data.kind == ApplicantKind.CITIZEN and not id_number:
        raise ValidationFailed(
            _("Công dân phải có số định danh cá nhân."), field="applicant_id_number"
        )
    phone = normalise_phone(data.phone)
    if phone and not _PHONE.match(phone):
        raise ValidationFailed(
            _("Số điện thoại không hợp lệ (10 chữ số, bắt đầu bằng 0)."), field="applicant_phone"
        )
    email = (data.email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationFailed(
                _("Địa chỉ thư điện tử không hợp lệ."), field="applicant_email"
            ) from None
    return replace(
        data,
        name=name,
        address=address,
        id_number=id_number,
        tax_code=tax_code,
        phone=phone,
        email=email,
    )


def applicant_from_profile(user) -> ApplicantData:
    """Prefill from the account: what the applicant sees first on the online form."""
    kind = ApplicantKind.BUSINESS if user.kind == "business" else ApplicantKind.CITIZEN
    return ApplicantData(
        name=user.full_name or user.get_full_name() or "",
        kind=kind,
        id_number=user.national_id or "",
        tax_code=user.tax_code or "",
        phone=user.phone or "",
        email=user.email or "",
    )
