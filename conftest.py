"""Fixtures shared by every app's tests: a small unit tree and officials holding roles on it.

province (Tỉnh Thử)
├── commune_a (Xã An)      ├── agency inside: ubnd_a
└── commune_b (Xã Bình)    (sibling of commune_a)
"""

from __future__ import annotations

import pytest

from egov.accounts.models import RoleGrant, User, UserKind
from egov.units.models import UnitKind
from egov.units.services import unit_create

# The dossier world (a commune and a department handling a real procedure, with their staff) is
# used by the dossier, office, portal and API tests alike.
pytest_plugins = ["egov.dossiers.tests.fixtures"]


@pytest.fixture
def province(db):
    return unit_create(
        actor=None, name="Tỉnh Thử Nghiệm", kind=UnitKind.PROVINCE, code="99", audit=False
    )


@pytest.fixture
def commune_a(province):
    return unit_create(
        actor=None,
        name="Xã An Hòa",
        kind=UnitKind.COMMUNE,
        parent=province,
        code="99001",
        audit=False,
    )


@pytest.fixture
def commune_b(province):
    return unit_create(
        actor=None,
        name="Xã Bình Minh",
        kind=UnitKind.COMMUNE,
        parent=province,
        code="99002",
        audit=False,
    )


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(kind: str = UserKind.OFFICIAL, password: str = "mat-khau-thu-nghiem-1", **fields):
        counter["n"] += 1
        username = fields.pop("username", f"user{counter['n']}")
        user = User.objects.create_user(
            username=username,
            password=password,
            kind=kind,
            full_name=fields.pop("full_name", f"Người Dùng {counter['n']}"),
            **fields,
        )
        return user

    return make


@pytest.fixture
def make_official(make_user):
    def make(role: str, unit, include_subtree: bool = False, **fields):
        user = make_user(kind=UserKind.OFFICIAL, home_unit=unit, **fields)
        RoleGrant.objects.create(user=user, role=role, unit=unit, include_subtree=include_subtree)
        return user

    return make
