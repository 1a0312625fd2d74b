"""Reads of the unit tree, always scoped to the acting user by the access policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from egov.accounts.policy import Perm, get_for_user, scope_q
from egov.core import vntext
from egov.core.errors import ValidationFailed
from egov.units.models import Unit, UnitKind, UnitSuccession, subtree_q

MAX_QUERY_LENGTH = 200


def today() -> date:
    return timezone.localdate()


def unit_list(
    *,
    user: Any,
    q: str | None = None,
    kind: str | None = None,
    include_history: bool = False,
    root: Unit | None = None,
) -> QuerySet[Unit]:
    """Units the user may see (`Perm.UNIT_VIEW`), ordered by path (a tree walk).

    `q` matches the folded name ("thanh hoa" finds "Thanh Hóa"), a code prefix or an
    electronic id; `kind` is a `UnitKind` value; without `include_history` only units not yet
    ended today are listed; `root` keeps the units found under that unit (itself included).
    """
    qs = Unit.objects.filter(scope_q(user, Perm.UNIT_VIEW, field=""))
    if not include_history:
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today()))
    if kind:
        if kind not in UnitKind.values:
            raise ValidationFailed("Loại đơn vị không hợp lệ.", field="kind")
        qs = qs.filter(kind=kind)
    if root is not None:
        qs = qs.filter(subtree_q(root.path))
    if q:
        text = vntext.clean(q)[:MAX_QUERY_LENGTH]
        key = vntext.search_key(text)
        cond = Q(pk__in=[])
        if key:
            cond |= Q(search_key__contains=key)
        compact = text.replace(" ", "")
        if compact.isascii() and compact.isdigit():
            cond |= Q(code__startswith=compact)
        if len(compact) == 13:
            cond |= Q(edid=compact.upper())
        qs = qs.filter(cond)
    return qs.select_related("parent", "merged_into").order_by("path")


def unit_get(*, user: Any, pk: Any) -> Unit:
    """One unit in the user's scope; Http404 when it does not exist or is out of scope."""
    return get_for_user(
        user,
        Unit.objects.select_related("parent", "merged_into", "anchor"),
        Perm.UNIT_VIEW,
        field="",
        pk=pk,
    )


@dataclass(frozen=True)
class HistoryStep:
    succession: UnitSuccession
    depth: int  # 1 = direct predecessor, 2 = predecessor of a predecessor, ...

    @property
    def unit(self) -> Unit:
        return self.succession.predecessor


def unit_history(unit: Unit, *, max_depth: int = 20) -> list[HistoryStep]:
    """Every predecessor of `unit`, recursively through the successions (breadth first, one
    query per generation). Names and codes only: this reveals nothing beyond the tree itself."""
    steps: list[HistoryStep] = []
    seen = {unit.pk}
    frontier = [unit.pk]
    depth = 0
    while frontier and depth < max_depth:
        depth += 1
        generation = list(
            UnitSuccession.objects.filter(successor_id__in=frontier)
            .select_related("predecessor", "successor")
            .order_by("successor__path", "predecessor__code", "predecessor__name", "pk")
        )
        frontier = []
        for succession in generation:
            steps.append(HistoryStep(succession, depth))
            if succession.predecessor_id not in seen:
                seen.add(succession.predecessor_id)
                frontier.append(succession.predecessor_id)
    return steps


def unit_successors(unit: Unit) -> list[UnitSuccession]:
    return list(
        unit.successions.select_related("successor").order_by("effective_date", "successor__code")
    )


def unit_children(*, user: Any, unit: Unit, include_history: bool = False) -> QuerySet[Unit]:
    """The units whose parent is `unit` (where they sat), as far as the user may see them."""
    qs = Unit.objects.filter(scope_q(user, Perm.UNIT_VIEW, field=""), parent=unit)
    if not include_history:
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today()))
    return qs.order_by("code", "name")
