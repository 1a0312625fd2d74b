"""Scoped reads: unit_list, unit_get, unit_history."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404

from egov.accounts.models import Role, UserKind
from egov.core.errors import ValidationFailed
from egov.units.models import UnitKind
from egov.units.selectors import unit_children, unit_get, unit_history, unit_list
from egov.units.services import unit_create, unit_merge

JULY = date(2025, 7, 1)


def mk(name, kind=UnitKind.COMMUNE, parent=None, code="", **extra):
    return unit_create(
        actor=None, name=name, kind=kind, parent=parent, code=code, audit=False, **extra
    )


@pytest.fixture
def tree(province, commune_a, commune_b):
    old = mk("Xã Hòa Cũ", parent=province, code="99010")
    unit_merge(actor=None, sources=[old], target=commune_a, effective_date=JULY)
    ubnd = mk("UBND Xã An Hòa", kind=UnitKind.PEOPLES_COMMITTEE, parent=commune_a)
    return {"province": province, "a": commune_a, "b": commune_b, "old": old, "ubnd": ubnd}


def names(qs):
    return [u.name for u in qs]


def test_list_is_scoped_and_ordered_by_path(tree, make_official):
    leader = make_official(Role.LEADER, tree["a"])
    assert names(unit_list(user=leader)) == ["Xã An Hòa"]
    assert names(unit_list(user=leader, include_history=True)) == ["Xã An Hòa", "Xã Hòa Cũ"]
    admin = make_official(Role.UNIT_ADMIN, tree["province"], include_subtree=True)
    listed = list(unit_list(user=admin, include_history=True))
    assert [u.path for u in listed] == sorted(u.path for u in listed)
    assert len(listed) == 5
    citizen = make_official(Role.LEADER, tree["b"])
    citizen.kind = UserKind.CITIZEN
    citizen.save()
    assert not unit_list(user=citizen).exists()


def test_search_filters(tree, make_official):
    admin = make_official(Role.UNIT_ADMIN, tree["province"], include_subtree=True)
    assert names(unit_list(user=admin, q="an hoa")) == ["Xã An Hòa", "UBND Xã An Hòa"]
    assert names(unit_list(user=admin, q="HOÀ")) == ["Xã An Hòa", "UBND Xã An Hòa"]
    assert names(unit_list(user=admin, q="hoa", include_history=True, kind="commune")) == [
        "Xã An Hòa",
        "Xã Hòa Cũ",
    ]
    assert names(unit_list(user=admin, q="9900")) == ["Xã An Hòa", "Xã Bình Minh"]
    assert names(unit_list(user=admin, root=tree["a"])) == ["Xã An Hòa", "UBND Xã An Hòa"]
    assert names(unit_list(user=admin, q="'; DROP TABLE units_unit; --")) == []
    assert names(unit_list(user=admin, q="%")) == []
    assert names(unit_list(user=admin, q="x" * 10_000)) == []
    with pytest.raises(ValidationFailed):
        unit_list(user=admin, kind="hamlet")


def test_get_is_scoped(tree, make_official):
    leader = make_official(Role.LEADER, tree["a"])
    assert unit_get(user=leader, pk=tree["old"].pk) == tree["old"]
    for pk in (tree["b"].pk, tree["province"].pk, 10**12, "abc", None):
        with pytest.raises(Http404):
            unit_get(user=leader, pk=pk)


def test_history_is_recursive(tree):
    a, b = tree["a"], tree["b"]
    older = mk("Xã Rất Cũ", parent=tree["province"], code="99011")
    unit_merge(actor=None, sources=[older], target=b, effective_date=date(2020, 1, 1))
    newest = mk("Xã Hợp Nhất", parent=tree["province"], code="99012", valid_from=date(2026, 1, 1))
    unit_merge(actor=None, sources=[a, b], target=newest, effective_date=date(2026, 1, 1))
    steps = unit_history(newest)
    assert [(s.unit.name, s.depth) for s in steps] == [
        ("Xã An Hòa", 1),
        ("Xã Bình Minh", 1),
        ("Xã Hòa Cũ", 2),
        ("Xã Rất Cũ", 2),
    ]
    assert unit_history(tree["ubnd"]) == []


def test_children(tree, make_official):
    admin = make_official(Role.UNIT_ADMIN, tree["province"], include_subtree=True)
    assert names(unit_children(user=admin, unit=tree["province"])) == ["Xã An Hòa", "Xã Bình Minh"]
    assert names(unit_children(user=admin, unit=tree["province"], include_history=True)) == [
        "Xã An Hòa",
        "Xã Bình Minh",
        "Xã Hòa Cũ",
    ]
    leader = make_official(Role.LEADER, tree["a"])
    assert names(unit_children(user=leader, unit=tree["a"])) == []
