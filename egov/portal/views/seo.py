"""robots.txt: the public portal is indexed; staff, admin, account and search-result pages are not."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

DISALLOW = ("/admin/", "/office/", "/accounts/", "/home/", "/citizen/", "/thu-tuc/tim-kiem/")


def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOW)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
