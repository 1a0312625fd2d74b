"""Staff home: the official's roles on units and the office pages they may open."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from egov.accounts.policy import Perm, has_any_scope
from egov.accounts.selectors import own_grants


@dataclass(frozen=True)
class OfficeLink:
    url_name: str
    label: str | Promise
    perm: str


# The office pages, in menu order. A page appears once its url exists and the user holds the
# permission somewhere (the page itself still checks each object against the policy).
OFFICE_LINKS = (
    OfficeLink("office:dossier-reception", _("Tiếp nhận hồ sơ tại quầy"), Perm.DOSSIER_RECEIVE),
    OfficeLink("office:dossier-queue", _("Hồ sơ cần xử lý"), Perm.DOSSIER_RECEIVE),
    OfficeLink("office:dossier-queue", _("Hồ sơ cần xử lý"), Perm.DOSSIER_PROCESS),
    OfficeLink("office:dossier-queue", _("Hồ sơ cần xử lý"), Perm.DOSSIER_APPROVE),
    OfficeLink("office:dossier-queue", _("Hồ sơ cần xử lý"), Perm.DOSSIER_ISSUE),
    OfficeLink("office:unit-list", _("Đơn vị hành chính"), Perm.UNIT_VIEW),
    OfficeLink("office:user-list", _("Người dùng và phân quyền"), Perm.USER_VIEW),
    OfficeLink("office:calendar", _("Lịch làm việc, ngày nghỉ"), Perm.CALENDAR_MANAGE),
    OfficeLink(
        "office:catalogue-assignments", _("Thủ tục của đơn vị, quy trình"), Perm.CATALOGUE_ASSIGN
    ),
    OfficeLink("office:audit-list", _("Nhật ký hệ thống"), Perm.AUDIT_VIEW),
)


def office_links(user) -> list[dict[str, str]]:
    links = []
    for link in OFFICE_LINKS:
        if not has_any_scope(user, link.perm):
            continue
        if any(seen["name"] == link.url_name for seen in links):
            continue
        try:
            url = reverse(link.url_name)
        except NoReverseMatch:
            continue
        links.append({"label": str(link.label), "url": url, "name": link.url_name})
    return links


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_official:
        raise PermissionDenied
    grants = own_grants(user=user)
    context = {"grants": grants, "links": office_links(user)}
    return render(request, "office/home.html", context)
