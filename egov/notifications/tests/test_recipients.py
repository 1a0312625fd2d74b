"""Recipients are checked and normalised before anything is queued."""

from __future__ import annotations

import pytest

from egov.core.errors import ValidationFailed
from egov.notifications.recipients import normalise_email, normalise_phone


@pytest.mark.parametrize(
    "given",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "(+84) 912 345 678",
        "84912345678",
        "0084912345678",
        " 0912345678 ",
    ],
)
def test_the_forms_of_one_mobile_number_become_one(given):
    assert normalise_phone(given) == "+84912345678"


@pytest.mark.parametrize("given", ["0321234567", "0561234567", "0701234567", "0861234567"])
def test_every_mobile_range_is_accepted(given):
    assert normalise_phone(given) == "+84" + given[1:]


@pytest.mark.parametrize(
    "given",
    [
        "",
        "   ",
        "0241234567",  # a fixed line (Hà Nội), not a mobile
        "02437654321",
        "01689123456",  # an eleven-digit number of before the 2018 conversion
        "091234567",  # too short
        "09123456789",  # too long
        "912345678",  # no national prefix
        "+1 912 345 6789",
        "0912345abc",
        "0912345678; DROP TABLE",
        "０９１２３４５６７８",  # full-width digits
        "٠٩١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "0912345678\n0987654321",
        "+840912345678",
    ],
)
def test_junk_phone_numbers_are_refused(given):
    with pytest.raises(ValidationFailed) as caught:
        normalise_phone(given)
    assert caught.value.field == "recipient"
    assert caught.value.code == "bad_phone"


def test_email_domain_is_lowercased_and_the_local_part_kept():
    assert normalise_email("  Nguyen.Van.A@Example.VN ") == "Nguyen.Van.A@example.vn"


@pytest.mark.parametrize(
    "given",
    [
        "",
        "khong-phai-email",
        "a@b",
        "a@@example.vn",
        "victim@example.vn\nBcc: all@example.vn",
        "victim@example.vn, other@example.vn",
        "x" * 250 + "@example.vn",
    ],
)
def test_junk_email_addresses_are_refused(given):
    with pytest.raises(ValidationFailed) as caught:
        normalise_email(given)
    assert caught.value.code == "bad_email"
