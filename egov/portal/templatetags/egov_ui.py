"""Template tags of the shared layout (base.html): the main navigation."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from egov.core.vntext import nfc

register = template.Library()


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> list[dict[str, Any]]:
    """The links of the main navigation for the current user, each with `current` set when it
    is the page being shown (base.html marks it aria-current="page")."""
    request = context.get("request")
    user = getattr(request, "user", None)
    items = [
        (_("Trang chủ"), reverse("portal:home")),
        (_("Thủ tục hành chính"), reverse("portal:procedure-list")),
    ]
    if user is not None and user.is_authenticated:
        if user.is_official:
            items.append((_("Trang cán bộ"), reverse("office:home")))
        else:
            items.append((_("Trang cá nhân"), reverse("portal:citizen-home")))
        # The admin site's own rule (egov.core.admin_site) decides whether to show its link.
        if admin.site.has_permission(request):
            items.append((_("Quản trị"), reverse("admin:index")))
    path = getattr(request, "path", "")
    catalogue = reverse("portal:procedure-list")

    def is_current(url: str) -> bool:
        return path == url or (url == catalogue and path.startswith(catalogue))

    return [{"label": label, "url": url, "current": is_current(url)} for label, url in items]


@register.simple_tag
def other_languages() -> list[dict[str, str]]:
    """The languages to switch to, each named in its own language. (Django's own names are not
    always NFC: its "Tiếng Việt" carries combining marks.)"""
    current = get_language()
    return [
        {"code": code, "name": nfc(get_language_info(code)["name_local"])}
        for code, _name in settings.LANGUAGES
        if code != current
    ]


@register.filter
def form_file_label(component: Any) -> str:
    """What a form download offers, for its accessible name: "DOCX, 24 KB" (the type alone when
    the stored file cannot be measured)."""
    from django.template.defaultfilters import filesizeformat

    from egov.procedures.form_templates import form_kind_of

    template_file = getattr(component, "template", None)
    if not template_file:
        return ""
    kind = form_kind_of(template_file.name)
    label = kind.code.upper() if kind else ""
    try:
        size = template_file.size
    except OSError:
        return label
    return f"{label}, {filesizeformat(size)}" if label else str(filesizeformat(size))
