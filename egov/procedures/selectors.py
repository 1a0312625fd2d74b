"""Reads of the procedure catalogue. (Search: placeholder until the search engine lands.)"""

from __future__ import annotations

from dataclasses import dataclass

from egov.core import vntext
from egov.procedures.models import ProcedureVersion


@dataclass(frozen=True)
class SearchPage:
    results: list[ProcedureVersion]
    total: int


def search_procedures(
    *,
    query: str,
    field: str | None = None,
    level: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    qs = ProcedureVersion.objects.filter(procedure__current=models_current()).select_related(
        "procedure", "field"
    )
    key = vntext.search_key(query or "")
    if key:
        qs = qs.filter(search_text__contains=key)
    if field:
        qs = qs.filter(field__slug=field)
    total = qs.count()
    return SearchPage(list(qs.order_by("procedure__code")[offset : offset + limit]), total)


def models_current():
    from django.db.models import F

    return F("id")
