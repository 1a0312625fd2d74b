"""Session rules for security level 3: idle timeout, and two-factor login for officials."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import logout
from django.contrib.auth import middleware as auth_middleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from egov.accounts.models import UserKind
from egov.accounts.sessions import session_user

_LAST_SEEN = "egov_last_seen"


def idle_limit_seconds(user) -> int:
    minutes = (
        settings.EGOV_OFFICIAL_IDLE_MINUTES
        if user.kind == UserKind.OFFICIAL
        else settings.EGOV_CITIZEN_IDLE_MINUTES
    )
    return minutes * 60


class IdleTimeoutMiddleware:
    """Log a user out after a period without requests (officials: 15 minutes by default)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(_LAST_SEEN)
            if isinstance(last, int) and now - last > idle_limit_seconds(user):
                from egov.audit.services import audit_record

                audit_record(
                    actor=user,
                    action="auth.idle_timeout",
                    target=user,
                    summary={"idle_seconds": now - last},
                )
                logout(request)
                messages.info(
                    request,
                    _("Phiên làm việc đã hết hạn do không hoạt động. Vui lòng đăng nhập lại."),
                )
            elif last is None or now - last >= 30 or not isinstance(last, int):
                # Writing the session on every request would cost a write per page view.
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


# Paths an official who has not passed the second factor may still open.
_OPEN_PREFIXES = (
    "/static/",
    "/media/",
    "/i18n/",
    "/healthz/",
    "/accounts/2fa/",
    "/accounts/logout/",
)


class OfficialTwoFactorMiddleware:
    """Officials (and any user holding a role) must pass TOTP before using the platform."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.EGOV_OFFICIAL_2FA_REQUIRED and self._needs_second_factor(request):
            if request.path.startswith(_OPEN_PREFIXES):
                return self.get_response(request)
            if request.path.startswith("/api/"):
                from egov.api.problems import problem_response

                return problem_response(
                    403,
                    _("Cần xác thực hai lớp trước khi dùng API."),
                    code="second_factor_required",
                )
            return HttpResponseRedirect(self._second_factor_url(request))
        return self.get_response(request)

    @staticmethod
    def _needs_second_factor(request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.kind != UserKind.OFFICIAL:
            return False
        is_verified = getattr(user, "is_verified", None)
        return not (callable(is_verified) and is_verified())

    @staticmethod
    def _second_factor_url(request: HttpRequest) -> str:
        from django_otp import devices_for_user

        has_device = any(True for _d in devices_for_user(request.user, confirmed=True))
        name = "accounts:otp_verify" if has_device else "accounts:otp_setup"
        try:
            url = reverse(name)
        except NoReverseMatch:
            url = settings.LOGIN_URL
        return f"{url}?{urlencode({'next': request.get_full_path()})}"


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with the user taken from the row read with the session when it is the one the
    session names (egov/accounts/sessions.py): one query for both. Django's get_user decides
    as ever (the backend, the session's hash)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _session_user(request))


def _session_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        with session_user(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user
