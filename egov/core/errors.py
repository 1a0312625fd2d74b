"""Domain errors: one exception type with a stable code and a translatable message.

Services raise these; the API turns them into RFC 9457 problem details and pages show the
message next to the field. A view never builds its own error text for a domain rule.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused the request. `status` is the HTTP status it maps to."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.errors = errors or []


class ValidationFailed(DomainError):
    status = 400
    code = "validation"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"
