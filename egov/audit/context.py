"""Who and where a change comes from, for the audit events written while handling it.

The middleware sets this for each request; management commands and tests use `audit_context`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class AuditContext:
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""
    role: str = ""


_current: ContextVar[AuditContext | None] = ContextVar("egov_audit_context", default=None)


def current() -> AuditContext:
    return _current.get() or AuditContext()


@contextmanager
def audit_context(**values: str | None) -> Iterator[AuditContext]:
    """Set (some of) ip, user_agent, request_id, role for the audit events written inside."""
    ctx = replace(current(), **values)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
