from __future__ import annotations

import io

import pytest

from egov.core.errors import ValidationFailed
from egov.uploads.services import inspect_upload


@pytest.fixture(autouse=True)
def _no_scanner_unless_asked(settings):
    settings.EGOV_VIRUS_SCAN_COMMAND = ""
    settings.EGOV_UPLOAD_MAX_BYTES = 20 * 1024 * 1024


def refusal(data: bytes, name: str, **options) -> ValidationFailed:
    """The error that refuses `data` uploaded as `name` (fails the test if it is accepted)."""
    with pytest.raises(ValidationFailed) as info:
        inspect_upload(io.BytesIO(data), name, **options)
    assert info.value.field == "file"
    assert str(info.value.message)
    return info.value
