"""Audit trail: placeholder signature, implemented by the audit app."""

from __future__ import annotations

from typing import Any


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    unit: Any = None,
    summary: dict[str, Any] | None = None,
    role: str = "",
) -> Any:
    return None
