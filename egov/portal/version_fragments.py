"""The parts of the procedure page that depend only on the published version, rendered once and
kept in Django's cache (locmem in each process by default, Redis when REDIS_URL is set).

Why caching them is safe: a version's content is never edited once published, except its
downloadable forms (`egov.procedures.form_templates`), which the view reads on every request and
puts in the key. The services only add versions (publish, amend, rescind:
`egov.procedures.services`), the importers go through them and the admin is read-only. So the HTML of a version's sections is a function of the version, the
language, the templates and the URL prefix, and the cache key holds all of them, plus the version's
creation time (an id reused after a database restore, or in a rolled-back test database, is not the
same version). What does change without a new version - which version is in force, whether it
rescinds, the units that handle the procedure, the due date "if submitted now" - is read or computed
on every request by the view and never cached here.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models import Prefetch
from django.template.defaultfilters import truncatechars
from django.template.loader import get_template, render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from egov.core import vntext
from egov.procedures.models import (
    Component,
    LegalBasis,
    Level,
    Method,
    ProcedureVersion,
)

KEY_PREFIX = "egov:portal:version-page"
TIMEOUT = 24 * 3600
# Links to uploaded forms on a non-local storage (S3) are signed and expire (one hour by default):
# the HTML holding them is kept for much less than that.
SIGNED_URL_TIMEOUT = 300
# The most recently shown pages are also kept in this process's memory, unpickled: a key names
# content that never changes, so they need no invalidation, only a bound on memory (a page is
# 10 to 50 kB).
RECENT_SIZE = 500
TEMPLATES = (
    "portal/catalogue/_detail_intro.html",
    "portal/catalogue/_detail_notes.html",
    "portal/catalogue/_detail_body.html",
)

# Data caveats (ProcedureVersion.flags) shown next to the text they concern.
FLAG_NOTES = {
    "time_without_unit": _(
        "Thời hạn giải quyết được công bố không kèm đơn vị: xem nguyên văn, hệ thống không tự "
        "suy đoán."
    ),
    "fees_free_text": _("Phí, lệ phí được công bố dưới dạng văn bản: xem nguyên văn."),
    "added_by_hand": _("Thủ tục được bổ sung thủ công từ văn bản công bố."),
}


@dataclass(frozen=True)
class ComponentGroup:
    case: str
    components: list[Component]


@dataclass
class VersionPage:
    """What the procedure page shows of one version, in one language."""

    title: str
    meta_description: str
    intro: SafeString
    notes: SafeString
    body: SafeString
    # For the due date, computed on every request.
    methods: list[Method]
    processing_time_text: str


def component_groups(components: list[Component]) -> list[ComponentGroup]:
    groups: list[ComponentGroup] = []
    for component in components:
        if not groups or groups[-1].case != component.case:
            groups.append(ComponentGroup(component.case, []))
        groups[-1].components.append(component)
    return groups


def meta_description(version: ProcedureVersion) -> str:
    text = vntext.clean(f"{version.name}. {version.result}" if version.result else version.name)
    return text[:155]


_recent: OrderedDict[str, VersionPage] = OrderedDict()
_recent_lock = threading.Lock()
_digest: dict[str, str] = {}


def _templates_digest() -> str:
    """Changes with the templates, so that a new release never serves HTML cached by the old one
    (a Redis cache outlives deploys)."""
    if "value" not in _digest:
        sources = "\0".join(get_template(name).template.source for name in TEMPLATES)
        _digest["value"] = hashlib.sha256(sources.encode()).hexdigest()[:16]
    return _digest["value"]


def cache_key(version_id: int, version_stamp: str, forms: tuple = ()) -> str:
    raw = "|".join(
        (str(version_id), version_stamp, repr(forms), get_language() or "", get_script_prefix())
    )
    return f"{KEY_PREFIX}:{_templates_digest()}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def build(code: str, version_id: int) -> tuple[VersionPage, int]:
    """Read the version with its methods, components and legal bases (4 queries) and render its
    sections; (the page, how long it may be cached)."""
    version = (
        ProcedureVersion.objects.select_related("field")
        .prefetch_related(
            Prefetch("methods", queryset=Method.objects.order_by("id")),
            Prefetch("components", queryset=Component.objects.order_by("position", "id")),
            Prefetch("legal_bases", queryset=LegalBasis.objects.order_by("position", "id")),
        )
        .get(pk=version_id)
    )
    methods = list(version.methods.all())
    components = list(version.components.all())
    flags = list(version.flags or [])
    level_names = dict(Level.choices)
    context: dict[str, Any] = {
        "procedure": {"code": code},
        "version": version,
        "level_labels": [level_names.get(lv, lv) for lv in version.levels or []],
        "methods": methods,
        "groups": component_groups(components),
        "legal_bases": list(version.legal_bases.all()),
        "flag_notes": [FLAG_NOTES[f] for f in flags if f in FLAG_NOTES],
        "time_flagged": "time_without_unit" in flags,
        "fees_flagged": "fees_free_text" in flags,
    }
    intro, notes, body = (render_to_string(name, context) for name in TEMPLATES)
    title = f"{truncatechars(version.name, 90)} ({code}) — egov"
    page = VersionPage(
        title=title,
        meta_description=meta_description(version),
        intro=intro,
        notes=notes,
        body=body,
        methods=methods,
        processing_time_text=version.processing_time_text,
    )
    signed = any(c.template for c in components) and not isinstance(
        default_storage, FileSystemStorage
    )
    return page, SIGNED_URL_TIMEOUT if signed else TIMEOUT


def version_page(code: str, version_id: int, version_stamp: str, forms: tuple = ()) -> VersionPage:
    """The version's page parts: from this process's memory, else from the cache, else built (and
    kept in both). `version_stamp` is the version's creation time and `forms` its downloadable
    forms as read for this request (see `PageState`): a form uploaded or replaced makes a new key."""
    key = cache_key(version_id, version_stamp, forms)
    page = _recent.get(key)
    if page is not None:
        with _recent_lock:
            if key in _recent:
                _recent.move_to_end(key)
        return page
    try:
        page = cache.get(key)
    except Exception:  # a cache outage must not take the page down: build it every time
        page = None
    if page is None:
        page, timeout = build(code, version_id)
        try:
            cache.set(key, page, timeout)
        except Exception:  # noqa: S110 - the page is served all the same
            pass
    with _recent_lock:
        _recent[key] = page
        while len(_recent) > RECENT_SIZE:
            _recent.popitem(last=False)
    return page


def forget_recent() -> None:
    """Forget the pages kept in this process's memory (the shared cache keeps its own)."""
    with _recent_lock:
        _recent.clear()
