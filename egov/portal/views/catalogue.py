"""The public procedure catalogue: browse, search and the procedure page (no login).

Views hold no rules: the grouping by audience and life event is `egov.portal.catalogue`, the
search is `egov.procedures.selectors.search_hits`, due dates are `egov.workcalendar`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import F, Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from egov.core import vntext
from egov.core.errors import ValidationFailed
from egov.portal.catalogue import AUDIENCES, LIFE_EVENTS, LIFE_EVENTS_BY_SLUG, audience_q
from egov.procedures.models import (
    Assignment,
    Channel,
    Component,
    Field,
    LegalBasis,
    Level,
    Method,
    Procedure,
    ProcedureVersion,
    TimeUnit,
    VersionAction,
)
from egov.procedures.selectors import search_hits
from egov.workcalendar.deadlines import AmountUnit
from egov.workcalendar.selectors import due_date_for

PAGE_SIZE = 20
MAX_QUERY_CHARS = 200
MAX_PAGE = 10_000
PORTAL_LEVELS = (Level.PROVINCE, Level.COMMUNE)

# Data caveats (ProcedureVersion.flags) shown next to the text they concern.
FLAG_NOTES = {
    "time_without_unit": _(
        "Thời hạn giải quyết được công bố không kèm đơn vị: xem nguyên văn, hệ thống không tự "
        "suy đoán."
    ),
    "fees_free_text": _("Phí, lệ phí được công bố dưới dạng văn bản: xem nguyên văn."),
    "added_by_hand": _("Thủ tục được bổ sung thủ công từ văn bản công bố."),
}

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


def procedure_search(request: HttpRequest) -> HttpResponse:
    query = _param(request, "q")
    number = _page_number(request)
    results: list[Any] = []
    total = 0
    if query:
        # Index entries (code, name, field, levels): a result line needs no database row.
        found = search_hits(query=query, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        results, total = found.hits, found.total
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "portal/catalogue/search.html",
        {
            "query": query,
            "results": results,
            "total": total,
            "number": number,
            "pages": pages,
            "has_previous": number > 1 and total > 0,
            "has_next": number < pages,
            "query_base": _query_base({"q": query}),
            "first_index": (number - 1) * PAGE_SIZE + 1,
        },
    )


# --- procedure page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentGroup:
    case: str
    components: list[Component]


@dataclass(frozen=True)
class Estimate:
    method: Method
    due_at: datetime


def _component_groups(components: list[Component]) -> list[ComponentGroup]:
    groups: list[ComponentGroup] = []
    for component in components:
        if not groups or groups[-1].case != component.case:
            groups.append(ComponentGroup(component.case, []))
        groups[-1].components.append(component)
    return groups


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


def _meta_description(version: ProcedureVersion) -> str:
    text = vntext.clean(f"{version.name}. {version.result}" if version.result else version.name)
    return text[:155]


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = (
        Procedure.objects.select_related("current", "current__field")
        .filter(code=code)
        .only("id", "code", "current")
        .first()
    )
    if procedure is None:
        raise Http404
    version = procedure.current
    if version is None or version.action == VersionAction.RESCINDED:
        return _rescinded(request, procedure)
    prefetch_related_objects(
        [version],
        Prefetch("methods", queryset=Method.objects.order_by("id")),
        Prefetch("components", queryset=Component.objects.order_by("position", "id")),
        Prefetch("legal_bases", queryset=LegalBasis.objects.order_by("position", "id")),
    )
    methods = list(version.methods.all())
    assignments = list(
        Assignment.objects.filter(procedure=procedure)
        .select_related("unit")
        .only("online_level", "full_process_eligible", "channels", "cutoff", "unit__name")
        .order_by("unit__name")
    )
    channel_labels = dict(Channel.choices)
    for assignment in assignments:
        assignment.channel_labels = [channel_labels.get(c, c) for c in assignment.channels or []]
    flags = list(version.flags or [])
    context: dict[str, Any] = {
        "procedure": procedure,
        "version": version,
        "level_labels": [dict(Level.choices).get(lv, lv) for lv in version.levels or []],
        "methods": methods,
        "groups": _component_groups(list(version.components.all())),
        "legal_bases": list(version.legal_bases.all()),
        "assignments": assignments,
        "estimate": _estimate(methods),
        "flag_notes": [FLAG_NOTES[f] for f in flags if f in FLAG_NOTES],
        "time_flagged": "time_without_unit" in flags,
        "fees_flagged": "fees_free_text" in flags,
        "meta_description": _meta_description(version),
        "canonical": request.build_absolute_uri(request.path),
    }
    return render(request, "portal/catalogue/detail.html", context)


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
