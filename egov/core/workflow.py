"""Lifecycles as data: a transition table and the one way to apply it to a row.

A lifecycle (a dossier now; feedback, directives and documents later) declares its transitions as
a table of (state, action) → (new state, permission). Services apply a transition through
`locked_for_transition`, which locks the row, checks the version the actor saw (optimistic
locking: two officers acting on the same object at once cannot both win) and checks that the
action is legal from the current state. The service then changes the row, appends its history and
its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from egov.core.compiled import CompiledQuery
from egov.core.errors import Conflict, NotFound

M = TypeVar("M", bound=Model)

# The target of a transition that leaves the state as it is (e.g. a hand-over between steps).
SAME = "="


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    # The permission the actor needs on the unit the action concerns; None: the applicant acts.
    perm: str | None
    label: Any

    def target_from(self, state: str) -> str:
        return state if self.target == SAME else self.target


class TransitionTable:
    def __init__(self, transitions: Iterable[Transition]) -> None:
        self._by_action: dict[str, Transition] = {}
        for t in transitions:
            if t.action in self._by_action:
                raise ValueError(f"action {t.action!r} declared twice")
            self._by_action[t.action] = t

    def __iter__(self):
        return iter(self._by_action.values())

    def get(self, action: str) -> Transition:
        try:
            return self._by_action[action]
        except KeyError:
            raise NotFound(_("Không có thao tác này."), code="unknown_action") from None

    def allows(self, state: str, action: str) -> bool:
        t = self._by_action.get(action)
        return t is not None and state in t.sources

    def check(self, state: str, action: str, *, state_label: Any = None) -> Transition:
        """The transition for `action` from `state`, or a Conflict naming the state."""
        t = self.get(action)
        if state not in t.sources:
            raise Conflict(
                _("Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(state)s”.")
                % {"action": t.label, "state": state_label or state},
                code="illegal_transition",
            )
        return t

    def actions_from(self, state: str) -> list[Transition]:
        return [t for t in self._by_action.values() if state in t.sources]


_MAX_KEY = 2**63 - 1


def lock_query(queryset: QuerySet[M]) -> CompiledQuery:
    """The query that reads and locks one row of `queryset` (with what it selects along) by
    its key, for `locked_for_transition`; compiled to SQL once per connection, so make it once
    (at import, or once per shape) and keep it."""
    # no ORDER BY: a key needs none, and first() or the model's ordering would build one
    return CompiledQuery(
        lambda pk: queryset.select_for_update(of=("self",)).filter(pk=pk).order_by()[:1]
    )


def locked_for_transition(
    query: CompiledQuery, pk: Any, *, expected_version: int | None, version_field: str = "version"
) -> Any:
    """The row `pk` read by `query` (from `lock_query`), locked until the transaction ends,
    after checking that nobody changed it since the actor read it (`expected_version`; None
    skips the check, for system actions)."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("Không tìm thấy.")) from None
    found = query.fetch(key) if 1 <= key <= _MAX_KEY else []
    if not found:
        raise NotFound(_("Không tìm thấy."))
    obj = found[0]
    if expected_version is not None and getattr(obj, version_field) != expected_version:
        raise Conflict(
            _("Hồ sơ vừa được người khác cập nhật. Hãy tải lại trang và thử lại."),
            code="stale_version",
        )
    return obj
