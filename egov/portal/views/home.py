"""Citizen-facing home pages, and the one address that sends each user to their own home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def route_home(request: HttpRequest) -> HttpResponse:
    """`home` (LOGIN_REDIRECT_URL): officials to the office, citizens and businesses to their
    page, anonymous visitors to the public portal."""
    user = request.user
    if not user.is_authenticated:
        return redirect("portal:home")
    if user.is_official:
        return redirect("office:home")
    return redirect("portal:citizen-home")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@login_required
def citizen_home(request: HttpRequest) -> HttpResponse:
    if request.user.is_official:
        return redirect("office:home")
    return render(request, "portal/citizen_home.html", {"profile": request.user})
