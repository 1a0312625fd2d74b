"""Template tags of the shared layout (base.html): the main navigation, the language switch and
`memo` (markup rendered once per process)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.contrib import admin
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from egov.core.vntext import nfc

register = template.Library()


_urls: dict[tuple[str, str, Any], str] = {}


def url_of(name: str) -> str:
    """`reverse(name)` of a URL without arguments, once per process and URL prefix."""
    key = (name, get_script_prefix(), get_urlconf())
    url = _urls.get(key)
    if url is None:
        url = _urls[key] = reverse(name)
    return url


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> list[dict[str, Any]]:
    """The links of the main navigation for the current user, each with `current` set when it
    is the page being shown (base.html marks it aria-current="page")."""
    request = context.get("request")
    user = getattr(request, "user", None)
    items = [
        (_("Trang chủ"), url_of("portal:home")),
        (_("Thủ tục hành chính"), url_of("portal:procedure-list")),
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
    catalogue = url_of("portal:procedure-list")

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


# --- memo: markup rendered once per process -----------------------------------------------------

MEMO_SIZE = 2000
_memo: dict[tuple, str] = {}


class MemoNode(template.Node):
    def __init__(self, nodelist: template.NodeList, vary: list[template.base.FilterExpression]):
        self.nodelist = nodelist
        self.vary = vary

    def render(self, context: template.Context) -> str:
        if settings.DEBUG:  # templates may change under the development server
            return self.nodelist.render(context)
        # The node itself (kept alive by the cached template loader) identifies the markup.
        key = (
            self,
            get_language(),
            get_script_prefix(),
            *(value.resolve(context) for value in self.vary),
        )
        html = _memo.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(_memo) >= MEMO_SIZE:
                _memo.clear()
            _memo[key] = html
        return html


@register.tag
def memo(parser: template.base.Parser, token: template.base.Token) -> MemoNode:
    """`{% memo [value ...] %}...{% endmemo %}`: the enclosed markup is rendered once per process
    for each language, URL prefix and set of values given, then served as it is. Only for markup
    that depends on nothing else: no user, no request, no CSRF token, no data from the database
    (the shared layout's links, labels and static files)."""
    vary = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, vary)


def _forget_memo(**kwargs: Any) -> None:
    _memo.clear()
    _urls.clear()


setting_changed.connect(_forget_memo, dispatch_uid="egov-ui-memo")
