"""The access policy: the one place that decides what a user may see and do.

Every selector and every object lookup, in pages and in the API, goes through these functions:
- `scope_q(user, perm, field)` filters a queryset *in the database* to the objects whose unit is in
  the user's scope for a permission (never filter after fetching);
- `get_for_user(user, queryset, perm, write_perm=..., **lookup)` fetches one object: out of scope
  answers 404, in scope but without the permission to act answers 403;
- `has_perm_on(user, perm, unit)` answers one question about one unit.

Rights come only from role grants on units. A grant covers its unit and the units merged into it
(their `path` lies under it); with `include_subtree` it also covers every unit below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from egov.accounts.models import Role, RoleGrant, UserKind
from egov.core.compiled import CompiledQuery
from egov.units.models import Unit, subtree_q


class Perm:
    """Permission names. Roles map to sets of these in ROLE_PERMISSIONS."""

    UNIT_VIEW = "unit.view"
    UNIT_MANAGE = "unit.manage"
    USER_VIEW = "user.view"
    USER_MANAGE = "user.manage"
    AUDIT_VIEW = "audit.view"
    CALENDAR_MANAGE = "calendar.manage"
    DOSSIER_RECEIVE = "dossier.receive"
    DOSSIER_PROCESS = "dossier.process"
    DOSSIER_APPROVE = "dossier.approve"
    DOSSIER_ISSUE = "dossier.issue"
    DOCUMENT_REGISTER = "document.register"
    ADMIN_SITE = "admin.site"
    CATALOGUE_MANAGE = "catalogue.manage"  # the procedure catalogue itself (national data)
    CATALOGUE_ASSIGN = (
        "catalogue.assign"  # which procedures a unit handles, online level, templates
    )


_STAFF_BASE = {Perm.UNIT_VIEW}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ONE_STOP_OFFICER: frozenset(_STAFF_BASE | {Perm.DOSSIER_RECEIVE}),
    Role.SPECIALIST: frozenset(_STAFF_BASE | {Perm.DOSSIER_PROCESS}),
    Role.LEADER: frozenset(
        _STAFF_BASE | {Perm.DOSSIER_PROCESS, Perm.DOSSIER_APPROVE, Perm.USER_VIEW}
    ),
    Role.CLERK: frozenset(_STAFF_BASE | {Perm.DOSSIER_ISSUE, Perm.DOCUMENT_REGISTER}),
    Role.UNIT_ADMIN: frozenset(
        _STAFF_BASE
        | {
            Perm.UNIT_MANAGE,
            Perm.USER_VIEW,
            Perm.USER_MANAGE,
            Perm.AUDIT_VIEW,
            Perm.CALENDAR_MANAGE,
            Perm.ADMIN_SITE,
            Perm.CATALOGUE_ASSIGN,
        }
    ),
    Role.SYSTEM_ADMIN: frozenset(
        {
            Perm.UNIT_VIEW,
            Perm.UNIT_MANAGE,
            Perm.USER_VIEW,
            Perm.USER_MANAGE,
            Perm.AUDIT_VIEW,
            Perm.CALENDAR_MANAGE,
            Perm.ADMIN_SITE,
            Perm.CATALOGUE_MANAGE,
            Perm.CATALOGUE_ASSIGN,
        }
    ),
}

# Roles a unit administrator may hand out (never system-wide administration).
GRANTABLE_BY_UNIT_ADMIN = frozenset(
    {Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK, Role.UNIT_ADMIN}
)


@dataclass(frozen=True)
class GrantView:
    role: str
    unit_id: int | None
    unit_path: str
    include_subtree: bool

    @property
    def is_global(self) -> bool:
        return self.role == Role.SYSTEM_ADMIN


def grants_of(user: Any) -> tuple[GrantView, ...]:
    """The user's grants, read once per user object (one query) and cached on it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    if user.kind != UserKind.OFFICIAL:
        return ()
    cached = getattr(user, "_egov_grants", None)
    if cached is None:
        cached = tuple(
            GrantView(g.role, g.unit_id, g.unit.path if g.unit_id else "", g.include_subtree)
            for g in _GRANTS.fetch(user.pk)
        )
        user._egov_grants = cached
    return cached


# read on every request of an official: compiled once
_GRANTS = CompiledQuery(
    lambda user_id: (
        RoleGrant.objects.filter(user_id=user_id)
        .select_related("unit")
        .only("role", "unit_id", "include_subtree", "unit__path")
    )
)


def forget_grants(user: Any) -> None:
    for name in ("_egov_grants", "_egov_grant_units"):
        if hasattr(user, name):
            delattr(user, name)


def _grants_with(user: Any, perm: str) -> list[GrantView]:
    return [g for g in grants_of(user) if perm in ROLE_PERMISSIONS.get(g.role, frozenset())]


def is_system_admin(user: Any) -> bool:
    return any(g.is_global for g in grants_of(user))


def _unit_q(grant: GrantView, prefix: str) -> Q:
    # A grant on a unit covers the unit itself and everything merged into it; with
    # include_subtree, every unit whose path lies below it.
    if grant.include_subtree:
        return subtree_q(grant.unit_path, prefix.removesuffix("__"))
    return Q(**{f"{prefix}anchor_id": grant.unit_id}) | Q(**{f"{prefix}id": grant.unit_id})


def scope_q(user: Any, perm: str, field: str = "unit") -> Q:
    """A Q object selecting rows whose `field` (a Unit foreign key, or "" for Unit itself)
    lies in the user's scope for `perm`. Matches nothing when the user has no such right."""
    grants = _grants_with(user, perm)
    if any(g.is_global for g in grants):
        return Q()
    prefix = f"{field}__" if field else ""
    q = Q(pk__in=[])
    for grant in grants:
        q |= _unit_q(grant, prefix)
    return q


def role_scope_q(user: Any, role: str, field: str = "unit") -> Q:
    """Rows whose `field` (a Unit foreign key) lies where the user holds `role` itself (not
    merely a permission the role shares with others: work waiting for a role)."""
    prefix = f"{field}__" if field else ""
    q = Q(pk__in=[])
    for grant in grants_of(user):
        if grant.role != role:
            continue
        if grant.is_global:
            return Q()
        q |= _unit_q(grant, prefix)
    return q


def grant_units(user: Any) -> dict[GrantView, frozenset[int]]:
    """The ids of the units each of the user's grants covers (`covers`), read in one query and
    cached on the user object; a system-wide grant is not listed (it covers every unit).

    For lists over large tables: `unit_id IN (3, 17, 18)` lets the database look each unit up in
    an index and estimate from its statistics how many rows each holds, where a join on the
    unit's own columns (`unit.anchor_id = 3 OR unit_id = 3`) can only be tested row by row."""
    cached = getattr(user, "_egov_grant_units", None)
    if cached is None:
        grants = [g for g in grants_of(user) if not g.is_global]
        q = Q(pk__in=[])
        for grant in grants:
            q |= _unit_q(grant, "")
        units = list(Unit.objects.filter(q).only("id", "anchor_id", "path")) if grants else []
        cached = {g: frozenset(u.pk for u in units if covers(g, u)) for g in grants}
        user._egov_grant_units = cached
    return cached


def scope_unit_ids(user: Any, perm: str | None = None, role: str | None = None) -> set[int] | None:
    """The ids of the units in the user's scope for `perm` (or where the user holds `role`
    itself, as `role_scope_q`); None when that scope is system-wide. The same units as
    `scope_q(user, perm, "")` / `role_scope_q(user, role, "")` select."""
    if role is not None:
        grants = [g for g in grants_of(user) if g.role == role]
    else:
        grants = _grants_with(user, perm)
    if any(g.is_global for g in grants):
        return None
    covered = grant_units(user)
    ids: set[int] = set()
    for grant in grants:
        ids |= covered[grant]
    return ids


def has_any_scope(user: Any, perm: str) -> bool:
    return bool(_grants_with(user, perm))


def covers(grant: GrantView, unit: Unit) -> bool:
    if grant.is_global:
        return True
    if grant.include_subtree:
        return unit.path.startswith(grant.unit_path)
    return unit.pk == grant.unit_id or unit.anchor_id == grant.unit_id


def has_perm_on(user: Any, perm: str, unit: Unit | None) -> bool:
    """May `user` use `perm` on things that belong to `unit`? (`None` = system-wide things.)"""
    grants = _grants_with(user, perm)
    if unit is None:
        return any(g.is_global for g in grants)
    return any(covers(g, unit) for g in grants)


def require_perm_on(user: Any, perm: str, unit: Unit | None) -> None:
    if not has_perm_on(user, perm, unit):
        raise PermissionDenied


def roles_on(user: Any, unit: Unit) -> set[str]:
    return {g.role for g in grants_of(user) if covers(g, unit)}


M = TypeVar("M", bound=Model)


def visible(user: Any, queryset: QuerySet[M], perm: str, field: str = "unit") -> QuerySet[M]:
    return queryset.filter(scope_q(user, perm, field))


def get_for_user(
    user: Any,
    queryset: QuerySet[M],
    perm: str,
    *,
    write_perm: str | None = None,
    field: str = "unit",
    **lookup: Any,
) -> M:
    """One object in the user's scope. Outside the view scope: 404 (its existence is not
    revealed). Inside it but without `write_perm`: 403."""
    try:
        obj = visible(user, queryset, perm, field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write_perm is not None:
        unit = obj if not field else _follow(obj, field)
        if not has_perm_on(user, write_perm, unit):
            raise PermissionDenied
    return obj


def _follow(obj: Any, field: str) -> Any:
    for part in field.split("__"):
        obj = getattr(obj, part)
        if obj is None:
            return None
    return obj


# --- Users and grants: what an administrator may manage -----------------------------------------


def manageable_users_q(user: Any) -> Q:
    """Users an administrator may see in user management: those whose home unit lies in the
    administrator's scope (a unit administrator manages only their subtree). Grants held in the
    subtree by officials of other units are listed with the grants, not here."""
    if is_system_admin(user):
        return Q()
    q = Q(pk__in=[])
    for grant in _grants_with(user, Perm.USER_VIEW):
        q |= _unit_q(grant, "home_unit__")
    return q


def may_grant(user: Any, role: str, unit: Unit | None) -> bool:
    """May `user` grant (or revoke) `role` on `unit`?"""
    if is_system_admin(user):
        return True
    if role not in GRANTABLE_BY_UNIT_ADMIN or unit is None:
        return False
    return has_perm_on(user, Perm.USER_MANAGE, unit)


def units_for_choice(user: Any, perm: str) -> QuerySet[Unit]:
    return visible(user, Unit.objects.all(), perm, field="")


def role_labels(roles: Iterable[str]) -> list[str]:
    return [str(Role(r).label) for r in roles]
