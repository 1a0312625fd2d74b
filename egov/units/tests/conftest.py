"""Helpers for the unit tests: a system administrator, scope queries, the real data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from egov.accounts import policy
from egov.accounts.models import Role, RoleGrant, UserKind
from egov.accounts.policy import Perm
from egov.units.importers.national import default_data_dir
from egov.units.models import Unit

FIXTURE_DATA = Path(__file__).parent / "data"


def visible_ids(user, perm=Perm.UNIT_VIEW) -> set[int]:
    """Ids of the units `user` may see, straight from the access policy's scope query."""
    policy.forget_grants(user)
    return set(
        Unit.objects.filter(policy.scope_q(user, perm, field="")).values_list("id", flat=True)
    )


@pytest.fixture
def sysadmin(make_user):
    user = make_user(kind=UserKind.OFFICIAL, username="quantri")
    RoleGrant.objects.create(user=user, role=Role.SYSTEM_ADMIN, unit=None)
    return user


@pytest.fixture
def shared_units_dir() -> Path:
    """The real national data (shared/data/units beside the checkout, or EGOV_UNITS_DATA_DIR)."""
    path = default_data_dir()
    assert (path / "units-2025.csv").is_file(), f"national unit data not found in {path}"
    return path
