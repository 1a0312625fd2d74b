"""Login, logout, lockout page and two-factor (TOTP) pages.

Thin views: Django's auth views do the password work, django-axes counts failures (see
AXES_* settings), django-otp keeps the verified device in the session. Audit events for login,
failed login and logout come from the auth signals (signals_auth.py); the two-factor events are
written here, next to the change they record.
"""

from __future__ import annotations

import math
from base64 import b32encode
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.accounts.forms import LoginForm, OtpCodeForm
from egov.accounts.services import totp_device_confirm, totp_device_pending
from egov.audit.services import audit_record

# --- Password login ------------------------------------------------------------------------------


def second_factor_applies(user: Any) -> bool:
    """Officials log in with a second factor. After the password, the login view simply
    redirects; OfficialTwoFactorMiddleware sends an unverified official on to these pages."""
    return bool(user.is_authenticated and user.is_official)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm


def lockout_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """django-axes calls this when an account or a client address is locked out.

    Axes 8 passes (request, original_response, credentials), older versions (request,
    credentials); neither is needed to answer, so both shapes are accepted."""
    cool_off = get_cool_off(request) or timedelta(minutes=30)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    response = render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


# --- Two-factor login -----------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _qr_svg(data: str) -> str:
    """An inline SVG of the QR code, made here: the secret never leaves the server."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def _group(secret: str, size: int = 4) -> str:
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


def _throttled_error(device: TOTPDevice) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    seconds = (
        max(1, math.ceil((locked_until - timezone.now()).total_seconds())) if locked_until else 1
    )
    return _("Bạn đã nhập sai nhiều lần. Vui lòng chờ %(seconds)s giây rồi thử lại.") % {
        "seconds": seconds
    }


def _check_code(request: HttpRequest, device: TOTPDevice, form: OtpCodeForm) -> bool:
    """Verify the code under django-otp's row lock and throttling; put errors on the form."""
    error = _throttled_error(device)
    if error:
        form.add_error(None, error)
        return False
    if verify_token(request.user, device.persistent_id, form.cleaned_data["code"]) is not None:
        return True
    device.refresh_from_db()
    form.add_error("code", _("Mã xác thực không đúng hoặc đã hết hạn."))
    return False


@transaction.atomic
def _not_applicable(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Xác thực hai lớp chỉ áp dụng cho tài khoản cán bộ."))
    return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))


@never_cache
@sensitive_post_parameters("code")
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _safe_next(request)
    if not second_factor_applies(user):
        return _not_applicable(request)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # Enrolling a new device needs the current one: a stolen password is not enough.
        if user.is_verified():
            messages.info(request, _("Xác thực hai lớp đã được bật cho tài khoản này."))
            return HttpResponseRedirect(next_url)
        return HttpResponseRedirect(_with_next("accounts:otp_verify", next_url))

    device = totp_device_pending(user=user)

    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_code(request, device, form):
        device.refresh_from_db()
        totp_device_confirm(actor=request.user, device=device)
        otp_login(request, device)
        messages.success(request, _("Đã bật xác thực hai lớp."))
        return HttpResponseRedirect(next_url)

    context = {
        "form": form,
        "next": next_url,
        "qr_svg": _qr_svg(device.config_url),
        "secret": _group(b32encode(device.bin_key).decode("ascii")),
    }
    return render(request, "accounts/otp_setup.html", context)


@never_cache
@sensitive_post_parameters("code")
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _safe_next(request)
    if not second_factor_applies(user):
        return _not_applicable(request)
    if user.is_verified():
        return HttpResponseRedirect(next_url)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        return HttpResponseRedirect(_with_next("accounts:otp_setup", next_url))

    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _check_code(request, device, form):
            device.refresh_from_db()
            otp_login(request, device)
            audit_record(actor=user, action="auth.2fa_verified", target=device, summary={})
            return HttpResponseRedirect(next_url)
        audit_record(
            actor=user,
            action="auth.2fa_failed",
            target=device,
            summary={"failures": device.throttling_failure_count},
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})
