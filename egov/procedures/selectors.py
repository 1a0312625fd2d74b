"""Reads of the procedure catalogue (public: the catalogue needs no login to read).

Search ranks in memory (see `egov.procedures.search`); the selectors here turn ranked hits into
model rows with one query, in rank order.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from django.db import connections, router
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from egov.core.errors import NotFound
from egov.procedures import search as engine
from egov.procedures.models import (
    CODE_PATTERN,
    Component,
    LegalBasis,
    Method,
    Procedure,
    ProcedureVersion,
    VersionAction,
)

MAX_LIMIT = 100
MAX_SUGGESTIONS = 20

__all__ = [
    "PageState",
    "SearchPage",
    "Suggestion",
    "procedure_get",
    "procedure_list",
    "procedure_page_state",
    "search_procedures",
    "suggest",
]


@dataclass(frozen=True)
class SearchPage:
    results: list[ProcedureVersion]
    total: int


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    field: str


def _bounds(limit: int, offset: int) -> tuple[int, int]:
    return max(0, min(int(limit), MAX_LIMIT)), max(0, int(offset))


RESULT_FIELDS = (
    "id",
    "name",
    "levels",
    "agency",
    "result",
    "flags",
    "procedure__id",
    "procedure__code",
    "field__id",
    "field__name",
    "field__slug",
)


def _versions_in_order(ids: list[int]) -> list[ProcedureVersion]:
    if not ids:
        return []
    # Only what a result line shows: the long texts (steps, search_text, ...) stay in the table.
    rows = (
        ProcedureVersion.objects.select_related("procedure", "field")
        .only(*RESULT_FIELDS)
        .in_bulk(ids)
    )
    return [rows[i] for i in ids if i in rows]


def search_procedures(
    *,
    query: str,
    field: str | None = None,
    level: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """The procedures in force matching `query` (any user input; forgiving diacritics, case,
    tone placement and small typos), best first; an empty query lists them by code.
    `field` is a Field slug, `level` a `Level` value. Results are the versions in force."""
    limit, offset = _bounds(limit, offset)
    index, ranked = engine.search(query or "", field=field, level=level)
    page = [index.hits[d].version_id for d in ranked[offset : offset + limit]]
    return SearchPage(_versions_in_order(page), len(ranked))


@dataclass(frozen=True)
class HitPage:
    hits: list[Any]
    total: int


def search_hits(
    *,
    query: str,
    field: str | None = None,
    level: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> HitPage:
    """Like `search_procedures`, but the index entries themselves (code, name, field, levels):
    no database query, for the API's result lists."""
    limit, offset = _bounds(limit, offset)
    index, ranked = engine.search(query or "", field=field, level=level)
    return HitPage([index.hits[d] for d in ranked[offset : offset + limit]], len(ranked))


def search_index_token() -> Any:
    """What identifies the search index in use (changes when the catalogue changed); no query
    while the index was checked less than a second ago."""
    return engine.get_index().token


def suggest(prefix: str, limit: int = 8) -> list[Suggestion]:
    """Names for autocomplete as the user types (no database query once the index is built)."""
    limit = max(0, min(int(limit), MAX_SUGGESTIONS))
    if not engine.fold_query(prefix or ""):
        return []
    index, ranked = engine.search(prefix)
    return [
        Suggestion(code=h.code, name=h.name, field=h.field_name)
        for h in (index.hits[d] for d in ranked[:limit])
    ]


def _in_force() -> QuerySet[Procedure]:
    return Procedure.objects.filter(current__isnull=False).exclude(
        current__action=VersionAction.RESCINDED
    )


def procedure_get(code: str) -> ProcedureVersion:
    """The version in force of the procedure `code`, with its methods, components and legal
    bases; NotFound if there is none (unknown, malformed or rescinded code)."""
    if not isinstance(code, str) or not re.fullmatch(CODE_PATTERN, code, flags=re.ASCII):
        raise NotFound(_("Không tìm thấy thủ tục hành chính."))
    procedure = _in_force().filter(code=code).only("id", "current_id").first()
    if procedure is None:
        raise NotFound(_("Không tìm thấy thủ tục hành chính."))
    return (
        ProcedureVersion.objects.select_related("procedure", "field")
        .prefetch_related(
            Prefetch("methods", Method.objects.order_by("id")),
            Prefetch("components", Component.objects.order_by("position", "id")),
            Prefetch("legal_bases", LegalBasis.objects.order_by("position", "id")),
        )
        .get(pk=procedure.current_id)
    )


def procedure_list(
    *, field: str | None = None, level: str | None = None, limit: int = 20, offset: int = 0
) -> SearchPage:
    """Browse the procedures in force, by code, optionally by field slug and level."""
    return search_procedures(query="", field=field, level=level, limit=limit, offset=offset)


# --- the procedure page: what changes without a new version ---------------------------------------


@dataclass(frozen=True)
class AssignmentState:
    unit_name: str
    online_level: str
    channels: list[str]
    cutoff: time | None


@dataclass(frozen=True)
class PageState:
    """Which version of a procedure is in force and which units handle it, read on every view of
    its page. `version_stamp` (the version's creation time as the database gives it) tells a
    version from another that reuses its id, e.g. after a database restore."""

    procedure_id: int
    version_id: int | None
    in_force: bool
    version_stamp: str
    assignments: list[AssignmentState]
    # The version's downloadable forms (component id, stored file, form name): the one part of a
    # published version that changes (a form is uploaded later, or replaced).
    forms: tuple[tuple[Any, ...], ...] = ()


_PAGE_COLUMNS = (
    "id",
    "current_id",
    "current__action",
    "current__created_at",
    "assignments__id",
    "assignments__unit__name",
    "assignments__online_level",
    "assignments__channels",
    "assignments__cutoff",
)
_page_sql: dict[str, str] = {}


def _page_state_sql(using: str) -> str:
    """The query's SQL, compiled by the ORM once per database: compiling it costs several times
    what running it does, and the page runs it on every view."""
    sql = _page_sql.get(using)
    if sql is None:
        qs = (
            Procedure.objects.using(using)
            .filter(code="0.000000")
            .values_list(*_PAGE_COLUMNS)
            .order_by("assignments__unit__name")
        )
        sql, params = qs.query.get_compiler(using).as_sql()
        if list(params) != ["0.000000"]:
            raise RuntimeError("unexpected parameters for the page state query")
        _page_sql[using] = sql
    return sql


def procedure_page_state(code: str) -> PageState | None:
    """The procedure `code`, its version in force and the units handling it (by unit name), in
    one query, and the version's downloadable forms in a second; None when there is no such
    procedure."""
    using = router.db_for_read(Procedure)
    with connections[using].cursor() as cursor:
        cursor.execute(_page_state_sql(using), [code])
        rows = cursor.fetchall()
    if not rows:
        return None
    procedure_id, version_id, action, created_at = rows[0][:4]
    assignments = [
        AssignmentState(
            unit_name=unit_name,
            online_level=level,
            channels=json.loads(channels) if isinstance(channels, str | bytes) else channels or [],
            cutoff=time.fromisoformat(cutoff) if isinstance(cutoff, str) else cutoff,
        )
        for assignment_id, unit_name, level, channels, cutoff in (row[4:] for row in rows)
        if assignment_id is not None
    ]
    in_force = version_id is not None and action != VersionAction.RESCINDED
    forms: tuple[tuple[Any, ...], ...] = ()
    if in_force:
        with connections[using].cursor() as cursor:
            cursor.execute(_forms_sql(using), [version_id, ""])
            forms = tuple(tuple(row) for row in cursor.fetchall())
    return PageState(
        procedure_id=procedure_id,
        version_id=version_id,
        in_force=in_force,
        version_stamp=str(created_at),
        assignments=assignments,
        forms=forms,
    )


_forms_sql_by_db: dict[str, str] = {}


def _forms_sql(using: str) -> str:
    sql = _forms_sql_by_db.get(using)
    if sql is None:
        qs = (
            Component.objects.using(using)
            .filter(version_id=0)
            .exclude(template="")
            .values_list("id", "template", "template_name")
            .order_by("id")
        )
        sql, params = qs.query.get_compiler(using).as_sql()
        if list(params) != [0, ""]:
            raise RuntimeError("unexpected parameters for the forms query")
        _forms_sql_by_db[using] = sql
    return sql
