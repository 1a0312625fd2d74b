"""The public procedure catalogue: browse, search and the procedure page (no login).

Views hold no rules: the grouping by audience and life event is `egov.portal.catalogue`, the
search is `egov.procedures.selectors.search_hits`, due dates are `egov.workcalendar`. The procedure
page renders a version's own sections once (`egov.portal.version_fragments`) and reads what changes
without a new version on every view (`egov.procedures.selectors.procedure_page_state`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from egov.core import vntext
from egov.core.errors import ValidationFailed
from egov.portal.catalogue import AUDIENCES, LIFE_EVENTS, LIFE_EVENTS_BY_SLUG, audience_q
from egov.portal.page_cache import CSRF_MARKER, procedure_pages, search_pages
from egov.portal.version_fragments import version_page
from egov.procedures.models import (
    Channel,
    Field,
    Level,
    Method,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    TimeUnit,
    VersionAction,
)
from egov.procedures.selectors import procedure_page_state, search_hits, search_index_token
from egov.workcalendar.deadlines import AmountUnit
from egov.workcalendar.selectors import due_date_for

PAGE_SIZE = 20
MAX_QUERY_CHARS = 200
MAX_PAGE = 10_000
PORTAL_LEVELS = (Level.PROVINCE, Level.COMMUNE)

_AMOUNT_UNITS = {
    TimeUnit.WORKING_DAY: AmountUnit.WORKING_DAY,
    TimeUnit.DAY: AmountUnit.DAY,
    TimeUnit.HOUR: AmountUnit.HOUR,
}


def _now() -> datetime:
    return timezone.now()


def _param(request: HttpRequest, name: str, max_chars: int = MAX_QUERY_CHARS) -> str:
    return vntext.clean(request.GET.get(name, "")[: max_chars * 4])[:max_chars]


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("trang", "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


# --- browse -----------------------------------------------------------------------------------


def procedure_list(request: HttpRequest) -> HttpResponse:
    fields = list(Field.objects.only("id", "name", "slug"))
    field_slug = _param(request, "linh-vuc")
    level = _param(request, "cap")
    audience = _param(request, "doi-tuong")
    agency = _param(request, "co-quan")
    event_slug = _param(request, "su-kien")

    # The version in force of each procedure (a rescinded procedure has none).
    qs = ProcedureVersion.objects.filter(procedure__current=F("id")).exclude(
        action=VersionAction.RESCINDED
    )
    selected_field = next((f for f in fields if f.slug == field_slug), None)
    if selected_field is not None:
        qs = qs.filter(field=selected_field)
    if level in PORTAL_LEVELS:
        qs = qs.filter(levels__icontains=f'"{level}"')
    else:
        level = ""
    if audience in AUDIENCES:
        qs = qs.filter(audience_q(audience))
    else:
        audience = ""
    if agency:
        qs = qs.filter(agency__icontains=agency)
    event = LIFE_EVENTS_BY_SLUG.get(event_slug)
    if event is not None:
        qs = qs.filter(field__name__in=event.fields)

    qs = qs.select_related("procedure", "field").only(
        "id", "name", "levels", "agency", "procedure__code", "field__name", "field__slug"
    )
    paginator = Paginator(qs.order_by("procedure__code"), PAGE_SIZE)
    page = paginator.get_page(_page_number(request))
    filters = {
        "su_kien": event.slug if event else "",
        "linh_vuc": selected_field.slug if selected_field else "",
        "cap": level,
        "doi_tuong": audience,
        "co_quan": agency,
    }
    return render(
        request,
        "portal/catalogue/list.html",
        {
            "page": page,
            "fields": fields,
            "levels": [(lv.value, lv.label) for lv in PORTAL_LEVELS],
            "audiences": list(AUDIENCES.items()),
            "life_events": LIFE_EVENTS,
            "filters": filters,
            "selected_field": selected_field,
            "event": event,
            "query_base": _query_base(filters),
            "filtered": any(filters.values()),
        },
    )


def _query_base(params: dict[str, str]) -> str:
    """The query string of the current filters, to which `trang=` is appended."""
    kept = {k.replace("_", "-"): v for k, v in params.items() if v}
    return urlencode(kept) + ("&" if kept else "")


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    url: str
    code: str
    name: str


_CODE_PLACEHOLDER = "0.000000"
_detail_patterns: dict[tuple[str, Any], str] = {}


def detail_url(code: str) -> str:
    """The procedure page's URL, reversed once per process and URL prefix (a page of results
    would otherwise reverse it twenty times)."""
    key = (get_script_prefix(), get_urlconf())
    pattern = _detail_patterns.get(key)
    if pattern is None:
        pattern = reverse("portal:procedure-detail", kwargs={"code": _CODE_PLACEHOLDER})
        _detail_patterns[key] = pattern
    return pattern.replace(_CODE_PLACEHOLDER, code, 1)


def procedure_search(request: HttpRequest) -> HttpResponse:
    # A visitor who is not logged in gets a page rendered for the same query string from this
    # process's memory, as long as the search index it came from is still the one in use.
    key = search_pages.key_for(request, "search", query=True)
    token = search_index_token() if key is not None else None
    if key is not None:
        entry = search_pages.confirmed(key, token)
        if entry is not None:
            return search_pages.respond(request, entry)
    query = _param(request, "q")
    number = _page_number(request)
    results: list[Any] = []
    total = 0
    if query:
        # Index entries (code, name, field, levels): a result line needs no database row.
        found = search_hits(query=query, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        results = [SearchResult(detail_url(hit.code), hit.code, hit.name) for hit in found.hits]
        total = found.total
    pages = max(1, -(-total // PAGE_SIZE))
    context = {
        "query": query,
        "results": results,
        "total": total,
        "number": number,
        "pages": pages,
        "has_previous": number > 1 and total > 0,
        "has_next": number < pages,
        "query_base": _query_base({"q": query}),
        "first_index": (number - 1) * PAGE_SIZE + 1,
    }
    if key is None:
        return render(request, "portal/catalogue/search.html", context)
    context["csrf_token"] = CSRF_MARKER
    html = render_to_string("portal/catalogue/search.html", context, request)
    return search_pages.respond(request, search_pages.keep(key, html, token))


# --- procedure page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    method: Method
    due_at: datetime


@dataclass(frozen=True)
class AssignmentRow:
    """A unit handling the procedure, as the page shows it."""

    unit_name: str
    online_level_label: str
    channel_labels: list[str]
    cutoff: time | None


def _estimate(methods: list[Method]) -> Estimate | None:
    """The due date if the dossier were received now, on the default calendar, by the direct
    method (else the first) that has a structured time; None when no method has one."""
    usable = [m for m in methods if m.time_amount is not None and m.time_unit in _AMOUNT_UNITS]
    if not usable:
        return None
    method = next((m for m in usable if m.channel == Channel.DIRECT), usable[0])
    try:
        due = due_date_for(
            received_at=_now(),
            amount=method.time_amount,
            amount_unit=_AMOUNT_UNITS[method.time_unit],
        )
    except ValidationFailed:
        return None
    return Estimate(method, timezone.localtime(due.due_at))


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    # What changes without a new version (which version is in force, the units handling it) is
    # read on every view in one query, the version's own sections are cached
    # (`version_fragments`), and a visitor who is not logged in gets the whole page from this
    # process's memory when it was checked less than EGOV_PUBLIC_PAGE_TTL seconds ago
    # (`page_cache`).
    key = procedure_pages.key_for(request, f"procedure:{code}")
    if key is not None:
        entry = procedure_pages.fresh(key)
        if entry is not None and _due_variant(entry.extra) == entry.variant:
            return procedure_pages.respond(request, entry)
    state = procedure_page_state(code)
    if state is None:
        raise Http404
    if not state.in_force:
        return _rescinded(request, Procedure(pk=state.procedure_id, code=code))
    page = version_page(code, state.version_id, state.version_stamp, state.forms)
    estimate = _estimate(page.methods)
    variant = estimate.due_at if estimate else None
    if key is not None:
        entry = procedure_pages.confirmed(key, state, variant)
        if entry is not None:
            return procedure_pages.respond(request, entry)
    online_levels = dict(OnlineLevel.choices)
    channel_labels = dict(Channel.choices)
    assignments = [
        AssignmentRow(
            unit_name=a.unit_name,
            online_level_label=online_levels.get(a.online_level, a.online_level),
            channel_labels=[channel_labels.get(c, c) for c in a.channels],
            cutoff=a.cutoff,
        )
        for a in state.assignments
    ]
    context: dict[str, Any] = {
        "page": page,
        "processing_time_text": page.processing_time_text,
        "assignments": assignments,
        "estimate": estimate,
        "canonical": request.build_absolute_uri(request.path),
    }
    if key is None:
        return render(request, "portal/catalogue/detail.html", context)
    # rendered once for every anonymous visitor: the token is filled in for each of them
    context["csrf_token"] = CSRF_MARKER
    html = render_to_string("portal/catalogue/detail.html", context, request)
    entry = procedure_pages.keep(key, html, state, variant, extra=page.methods)
    return procedure_pages.respond(request, entry)


def _due_variant(methods: list[Method]) -> datetime | None:
    """What of the page changes with the time of the visit: the due date "if submitted now"."""
    estimate = _estimate(methods)
    return estimate.due_at if estimate else None


def _rescinded(request: HttpRequest, procedure: Procedure) -> HttpResponse:
    """A procedure that no version keeps in force (no current version, or the current one is the
    rescinding decision): a page that says so (410 Gone), with the last
    published name and decision, so links from elsewhere still explain themselves."""
    last = (
        ProcedureVersion.objects.filter(procedure=procedure)
        .only("name", "decision_no", "action", "effective_from")
        .order_by("-effective_from", "-id")
        .first()
    )
    return render(
        request,
        "portal/catalogue/rescinded.html",
        {"procedure": procedure, "last": last},
        status=410,
    )
