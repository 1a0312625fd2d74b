"""One way to refuse an upload: a `ValidationFailed` whose code names the reason.

The codes are stable (callers and API clients branch on them); the messages are Vietnamese first.
"""

from __future__ import annotations

from typing import Any, NoReturn

from egov.core.errors import ValidationFailed

CODES = (
    "bad_name",
    "empty",
    "too_large",
    "forbidden_type",
    "type_mismatch",
    "malformed",
    "encrypted",
    "zip_bomb",
    "decompression_bomb",
    "active_content",
    "infected",
    "scan_failed",
)


def refuse(code: str, message: Any) -> NoReturn:
    assert code in CODES, code
    raise ValidationFailed(message, code=code, field="file")
