"""unit_merge / unit_update / unit_close: history kept, paths and anchors right for the merged
units and everything below them, scope follows through the access policy."""

from __future__ import annotations

from datetime import date

import pytest

from egov.accounts.models import Role
from egov.audit.models import AuditEvent
from egov.core.errors import Conflict, Forbidden, ValidationFailed
from egov.units.models import Unit, UnitKind, UnitSuccession
from egov.units.services import (
    primary_successor,
    rebuild_paths,
    unit_close,
    unit_create,
    unit_merge,
    unit_update,
)

from .conftest import visible_ids

DAY = date(2025, 7, 1)


def mk(name, kind=UnitKind.COMMUNE, parent=None, code="", **extra):
    return unit_create(
        actor=None, name=name, kind=kind, parent=parent, code=code, audit=False, **extra
    )


def fresh(unit):
    return Unit.objects.get(pk=unit.pk)


@pytest.fixture
def tree(province, commune_a, commune_b):
    """province ── commune_a (99001) ── ubnd_a (agency), old_x (merged into commune_a earlier)
    ├─ commune_b (99002) ── hamlet_b (historical child, not merged)
    ├─ commune_c (99003)  target
    └─ commune_s (99004)  sibling"""
    commune_c = mk("Xã Cẩm Tú", parent=province, code="99003")
    commune_s = mk("Xã Sơn Hà", parent=province, code="99004")
    ubnd_a = mk("UBND Xã An Hòa", kind=UnitKind.PEOPLES_COMMITTEE, parent=commune_a)
    old_x = mk("Xã Xuân Cũ", parent=province, code="99010", valid_to=date(2020, 1, 1))
    old_x.merged_into = commune_a
    old_x.save()
    rebuild_paths([old_x.pk])
    hamlet_b = mk(
        "Thôn Bình Cũ", kind=UnitKind.OFFICE, parent=commune_b, valid_to=date(2024, 12, 31)
    )
    return {
        "province": province,
        "a": commune_a,
        "b": commune_b,
        "c": commune_c,
        "s": commune_s,
        "ubnd_a": ubnd_a,
        "old_x": fresh(old_x),
        "hamlet_b": hamlet_b,
    }


def test_merge_keeps_history_and_moves_everything_under_target(tree, sysadmin):
    a, b, c = tree["a"], tree["b"], tree["c"]
    before = AuditEvent.objects.count()
    created = unit_merge(
        actor=sysadmin, sources=[a, b], target=c, effective_date=DAY, note="Nhập toàn bộ"
    )

    assert {(s.predecessor_id, s.successor_id, s.partial) for s in created} == {
        (a.pk, c.pk, False),
        (b.pk, c.pk, False),
    }
    for unit in (a, b):
        unit = fresh(unit)
        assert unit.valid_to == date(2025, 6, 30)
        assert unit.merged_into_id == c.pk
        assert unit.anchor_id == c.pk
        assert unit.path == f"{c.path}{unit.pk}/"
    # Descendants: merged earlier into A, an agency of A, a historical child of B.
    old_x, ubnd_a, hamlet_b = (fresh(tree[k]) for k in ("old_x", "ubnd_a", "hamlet_b"))
    assert old_x.path == f"{c.path}{a.pk}/{old_x.pk}/"
    assert old_x.anchor_id == c.pk
    assert ubnd_a.path == f"{c.path}{a.pk}/{ubnd_a.pk}/"
    assert ubnd_a.anchor_id == ubnd_a.pk  # a unit of its own, found under C
    assert hamlet_b.path == f"{c.path}{b.pk}/{hamlet_b.pk}/"
    # Parents are history and stay as they were.
    assert fresh(a).parent_id == tree["province"].pk
    assert ubnd_a.parent_id == a.pk
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "unit.merge"
    assert {s["id"] for s in event.summary["sources"]} == {a.pk, b.pk}


def test_scope_after_merge(tree, make_official):
    a, b, c, s = tree["a"], tree["b"], tree["c"], tree["s"]
    leader_c = make_official(Role.LEADER, c)
    leader_c_tree = make_official(Role.LEADER, c, include_subtree=True)
    leader_s = make_official(Role.LEADER, s, include_subtree=True)
    leader_a = make_official(Role.LEADER, a)
    assert visible_ids(leader_c) == {c.pk}
    assert tree["old_x"].pk in visible_ids(leader_a)

    unit_merge(actor=None, sources=[a, b], target=c, effective_date=DAY)

    ids = {k: tree[k].pk for k in tree}
    # Without subtree: C and every unit whose records now belong to C.
    assert visible_ids(leader_c) == {ids["c"], ids["a"], ids["b"], ids["old_x"]}
    # With subtree: also everything that sat below A and B.
    assert visible_ids(leader_c_tree) == {
        ids["c"],
        ids["a"],
        ids["b"],
        ids["old_x"],
        ids["ubnd_a"],
        ids["hamlet_b"],
    }
    # A sibling sees nothing of A's or B's history.
    assert visible_ids(leader_s) == {ids["s"]}
    # The province administrator with subtree still sees everything.
    admin = make_official(Role.UNIT_ADMIN, tree["province"], include_subtree=True)
    assert visible_ids(admin) == set(ids.values())


def test_merge_of_a_district_moves_its_communes(province, make_official):
    district = mk("Huyện Cũ", kind=UnitKind.DISTRICT, parent=province, code="901")
    communes = [mk(f"Xã Số {i}", parent=district, code=f"9{i:04d}") for i in range(1, 4)]
    target = mk("Tỉnh Mới", kind=UnitKind.PROVINCE, code="98")
    leader = make_official(Role.LEADER, target, include_subtree=True)
    assert visible_ids(leader) == {target.pk}

    unit_merge(actor=None, sources=[district], target=target, effective_date=DAY)

    assert visible_ids(leader) == {target.pk, district.pk, *(c.pk for c in communes)}
    for commune in communes:
        assert fresh(commune).path == f"{target.path}{district.pk}/{commune.pk}/"
        assert fresh(commune).anchor_id == commune.pk
    # Merging one of the (moved) communes again uses its current path.
    unit_merge(actor=None, sources=[communes[0]], target=target, effective_date=date(2026, 1, 1))
    assert fresh(communes[0]).path == f"{target.path}{communes[0].pk}/"


def test_merge_scales_with_few_queries(province, django_assert_max_num_queries):
    a = mk("Tỉnh Lớn", kind=UnitKind.PROVINCE, code="97")
    target = mk("Tỉnh Nhận", kind=UnitKind.PROVINCE, code="96")
    district = mk("Huyện Lớn", kind=UnitKind.DISTRICT, parent=a, code="970")
    Unit.objects.bulk_create(
        Unit(name=f"Xã {i}", kind=UnitKind.COMMUNE, parent=district, valid_to=date(2025, 6, 30))
        for i in range(2000)
    )
    assert rebuild_paths() == 2000
    with django_assert_max_num_queries(25):
        unit_merge(actor=None, sources=[a], target=target, effective_date=DAY)
    assert (
        Unit.objects.filter(path__startswith=f"{target.path}{a.pk}/{district.pk}/").count() == 2001
    )


def test_partial_merge_primary_successor(province):
    old = mk("Phường An Hưng", kind=UnitKind.WARD, parent=province, code="16435")
    agency = mk("UBND Phường An Hưng", kind=UnitKind.PEOPLES_COMMITTEE, parent=old)
    high = mk("Phường Đông Quang", kind=UnitKind.WARD, parent=province, code="16417")
    low = mk("Phường Hạc Thành", kind=UnitKind.WARD, parent=province, code="14797")

    unit_merge(actor=None, sources=[old], target=high, effective_date=DAY, partial={old.pk})
    assert fresh(old).merged_into_id == high.pk
    assert fresh(old).valid_to == date(2025, 6, 30)
    # The same split, second part: the lowest code becomes the primary successor.
    unit_merge(actor=None, sources=[old], target=low, effective_date=DAY, partial={old.pk})
    old = fresh(old)
    assert old.merged_into_id == low.pk
    assert old.path == f"{low.path}{old.pk}/"
    assert fresh(agency).path == f"{low.path}{old.pk}/{agency.pk}/"
    assert primary_successor(old, DAY) == low
    assert set(
        UnitSuccession.objects.filter(predecessor=old).values_list("successor", "partial")
    ) == {(high.pk, True), (low.pk, True)}

    # The successor that took it whole wins over codes.
    other = mk("Xã Khác", parent=province, code="99999")
    unit_merge(actor=None, sources=[old], target=other, effective_date=DAY)
    assert fresh(old).merged_into_id == other.pk
    with pytest.raises(Conflict):  # whole into two units: impossible
        unit_merge(actor=None, sources=[old], target=high, effective_date=DAY)


@pytest.mark.parametrize(
    "case",
    [
        "self",
        "inside",
        "ended_target",
        "ended_source",
        "twice",
        "bad_partial",
        "empty",
        "future_source",
        "long_note",
    ],
)
def test_merge_refusals_change_nothing(tree, case):
    a, b, c = tree["a"], tree["b"], tree["c"]
    kwargs = {"actor": None, "sources": [a, b], "target": c, "effective_date": DAY}
    if case == "self":
        kwargs["target"] = a
    elif case == "inside":
        kwargs["target"] = tree["ubnd_a"]
    elif case == "ended_target":
        kwargs["target"] = tree["old_x"]
    elif case == "ended_source":
        kwargs["sources"] = [tree["hamlet_b"]]
    elif case == "twice":
        kwargs["sources"] = [a, a]
    elif case == "bad_partial":
        kwargs["partial"] = {tree["s"].pk}
    elif case == "empty":
        kwargs["sources"] = []
    elif case == "future_source":
        late = mk("Xã Mới Lập", parent=tree["province"], code="99020", valid_from=date(2026, 1, 1))
        kwargs["sources"] = [late]
    elif case == "long_note":
        kwargs["note"] = "x" * 300
    snapshot = list(
        Unit.objects.order_by("pk").values_list(
            "pk", "path", "anchor_id", "valid_to", "merged_into_id"
        )
    )
    events = AuditEvent.objects.count()
    with pytest.raises((ValidationFailed, Conflict)):
        unit_merge(**kwargs)
    assert (
        list(
            Unit.objects.order_by("pk").values_list(
                "pk", "path", "anchor_id", "valid_to", "merged_into_id"
            )
        )
        == snapshot
    )
    assert not UnitSuccession.objects.exists()
    assert AuditEvent.objects.count() == events


def test_merge_needs_unit_manage_on_sources_and_target(tree, make_official):
    a, c, s = tree["a"], tree["c"], tree["s"]
    admin_c = make_official(Role.UNIT_ADMIN, c)
    with pytest.raises(Forbidden):
        unit_merge(actor=admin_c, sources=[a], target=c, effective_date=DAY)
    leader = make_official(Role.LEADER, tree["province"], include_subtree=True)
    with pytest.raises(Forbidden):
        unit_merge(actor=leader, sources=[a], target=c, effective_date=DAY)
    assert fresh(a).valid_to is None
    admin = make_official(Role.UNIT_ADMIN, tree["province"], include_subtree=True)
    unit_merge(actor=admin, sources=[a, s], target=c, effective_date=DAY)
    assert fresh(s).merged_into_id == c.pk


def test_update_moves_subtree_and_refuses_cycles(tree, sysadmin):
    a, c = tree["a"], tree["c"]
    before = AuditEvent.objects.count()
    unit = unit_update(actor=sysadmin, unit=a, parent=c, name="  Xã  An Hòa Mới ")
    assert unit.name == "Xã An Hòa Mới"
    assert unit.search_key == "xa an hoa moi"
    assert unit.path == f"{c.path}{a.pk}/"
    assert fresh(tree["ubnd_a"]).path == f"{c.path}{a.pk}/{tree['ubnd_a'].pk}/"
    assert fresh(tree["old_x"]).path == f"{c.path}{a.pk}/{tree['old_x'].pk}/"
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.order_by("-seq").first().summary["parent"] == [
        tree["province"].pk,
        c.pk,
    ]

    for bad_parent in (a, tree["ubnd_a"]):
        with pytest.raises(ValidationFailed):
            unit_update(actor=sysadmin, unit=a, parent=bad_parent)
    with pytest.raises(ValidationFailed):  # c is now a's parent: a cycle through parents
        unit_update(actor=sysadmin, unit=c, parent=a)
    assert fresh(c).parent_id == tree["province"].pk


@pytest.mark.parametrize(
    "fields",
    [
        {"edid": "000.00.00.h30"},
        {"edid": "000.00.00.H3"},
        {"code": "1234"},
        {"code": "１２"},
        {"kind": "hamlet"},
        {"name": "   "},
        {"name": "x" * 256},
        {"email": "khong-phai-email"},
        {"phone": "<script>"},
        {"valid_to": date(2000, 1, 1), "valid_from": date(2001, 1, 1)},
        {"merged_into": None},
        {"name": "a\x00b"},
        {"valid_from": "2025-01-01"},
    ],
)
def test_update_refuses_bad_values(tree, fields):
    a = tree["a"]
    with pytest.raises(ValidationFailed):
        unit_update(actor=None, unit=a, **fields)
    assert fresh(a).name == a.name and fresh(a).code == a.code


def test_update_conflicts_and_permissions(tree, make_official):
    with pytest.raises(Conflict):
        unit_update(actor=None, unit=tree["a"], code="99002")  # commune_b's code
    unit_update(actor=None, unit=tree["a"], edid="000.00.01.H99")
    with pytest.raises(Conflict):
        unit_update(actor=None, unit=tree["b"], edid="000.00.01.H99")
    admin_a = make_official(Role.UNIT_ADMIN, tree["a"])
    unit_update(actor=admin_a, unit=tree["a"], phone="0237 3852 000")
    with pytest.raises(Forbidden):
        unit_update(actor=admin_a, unit=tree["b"], name="Xã Bị Đổi")
    with pytest.raises(Forbidden):  # may not move its unit out of its own scope
        unit_update(actor=admin_a, unit=tree["ubnd_a"], parent=tree["b"])
    assert fresh(tree["b"]).name == "Xã Bình Minh"


def test_close(tree, sysadmin):
    unit = unit_close(actor=sysadmin, unit=tree["s"], valid_to=date(2025, 6, 30))
    assert unit.valid_to == date(2025, 6, 30)
    assert fresh(tree["s"]).path == tree["s"].path
    with pytest.raises(ValidationFailed):
        unit_close(
            actor=sysadmin,
            unit=mk("Xã Muộn", parent=tree["province"], valid_from=date(2026, 1, 1)),
            valid_to=date(2025, 1, 1),
        )


def test_rebuild_paths_repairs_the_tree(tree):
    expected = dict(Unit.objects.values_list("pk", "path"))
    anchors = dict(Unit.objects.values_list("pk", "anchor_id"))
    Unit.objects.update(path="/broken/", anchor=None)
    assert rebuild_paths() == len(expected)
    assert dict(Unit.objects.values_list("pk", "path")) == expected
    assert dict(Unit.objects.values_list("pk", "anchor_id")) == anchors
    assert rebuild_paths() == 0


def test_rebuild_paths_refuses_a_cycle(tree):
    a, b = tree["a"], tree["b"]
    Unit.objects.filter(pk=a.pk).update(parent=b)
    Unit.objects.filter(pk=b.pk).update(parent=a)
    with pytest.raises(ValidationFailed):
        rebuild_paths()
