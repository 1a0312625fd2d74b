"""Reads about accounts. Each takes the acting user; scoping comes from `egov.accounts.policy`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from egov.accounts.models import RoleGrant


def own_grants(*, user: Any) -> QuerySet[RoleGrant]:
    """The grants a user holds (everyone may read their own), by unit then role."""
    return (
        RoleGrant.objects.filter(user_id=user.pk)
        .select_related("unit")
        .order_by("unit__path", "role")
    )
