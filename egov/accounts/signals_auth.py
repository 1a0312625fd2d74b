"""Audit events for login, failed login and logout, from Django's auth signals.

Imported once by AccountsConfig.ready(); the dispatch_uid keeps a second import harmless.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from egov.audit.services import audit_record
from egov.core.vntext import clean

# Long enough for any real user name (User.username holds 150); hostile input is cut.
_MAX_NAME = 150


def _attempted_name(credentials: dict[str, Any] | None) -> str:
    value = (credentials or {}).get("username", "")
    text = clean(str(value)).replace("\x00", "")
    return text[:_MAX_NAME]


@receiver(user_logged_in, dispatch_uid="egov.audit.auth.login")
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.login", summary={"username": user.get_username()})


@receiver(user_login_failed, dispatch_uid="egov.audit.auth.login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any] | None = None, request: Any = None, **kwargs: Any
) -> None:
    locked = bool(getattr(request, "axes_locked_out", False))
    audit_record(
        actor=None,
        action="auth.login_failed",
        summary={"username": _attempted_name(credentials), "locked_out": locked},
    )


@receiver(user_logged_out, dispatch_uid="egov.audit.auth.logout")
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:  # logging out an anonymous session: nothing to record
        return
    audit_record(actor=user, action="auth.logout", summary={"username": user.get_username()})
