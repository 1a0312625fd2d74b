"""One dossier as an official reads it (`dossier_for_staff`, `require_staff_sight`): decided on
the dossier's state and the units taking part in it, read by id, with the same answer as the
scoped queryset `dossiers_for_staff(user)` that every list reads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from egov.accounts.models import Role, RoleGrant
from egov.core.errors import NotFound
from egov.dossiers import selectors, services
from egov.dossiers.models import Dossier, State
from egov.dossiers.tests.fixtures import vn

MON = vn(2026, 11, 30, 9)


def _fwd(dossier, actor, at):
    dossier.refresh_from_db()
    return services.forward(
        actor=actor, dossier_id=dossier.pk, expected_version=dossier.row_version, at=at
    )


@pytest.fixture
def dossiers(world, applicant):
    """A draft; a dossier received at the commune; one the commune sent to the department
    (both take part); one received at the other commune."""
    s = world.staff
    draft = services.draft_create(
        actor=world.citizen, procedure=world.procedure, unit=world.commune
    )
    components = [
        services.ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]

    def counter(officer, unit):
        return services.counter_receive(
            actor=officer, unit=unit, procedure=world.procedure, applicant=applicant,
            components=components, at=MON,
        )  # fmt: skip

    here = counter(s["officer"], world.commune)
    sent = counter(s["officer"], world.commune)
    _fwd(sent, s["specialist"], MON + timedelta(hours=1))
    _fwd(sent, world.dept["officer"], MON + timedelta(hours=2))
    there = counter(world.other["officer"], world.other_commune)
    return {"draft": draft, "here": here, "sent": sent, "there": there}


def _users(world, make_official, make_user):
    two_roles = make_official(Role.ONE_STOP_OFFICER, world.other_commune)
    RoleGrant.objects.create(user=two_roles, role=Role.SPECIALIST, unit=world.department)
    admin = make_user(kind="official")
    RoleGrant.objects.create(user=admin, role=Role.SYSTEM_ADMIN, unit=None)
    return {
        **{f"commune {k}": u for k, u in world.staff.items()},
        **{f"department {k}": u for k, u in world.dept.items()},
        **{f"other commune {k}": u for k, u in world.other.items()},
        "province leader (subtree)": make_official(
            Role.LEADER, world.province, include_subtree=True
        ),
        "province leader (unit only)": make_official(Role.LEADER, world.province),
        "other commune officer, department specialist": two_roles,
        "system admin": admin,
        "unit admin": make_official(Role.UNIT_ADMIN, world.commune),
        "citizen": world.citizen,
        "official without grants": make_user(kind="official"),
    }


def test_one_dossier_is_seen_exactly_as_the_scoped_queryset_sees_it(
    world, dossiers, make_official, make_user
):
    assert dossiers["sent"].participants.count() == 2  # the department takes part
    seen = {}
    for who, user in _users(world, make_official, make_user).items():
        listed = set(selectors.dossiers_for_staff(user).values_list("pk", flat=True))
        for what, dossier in dossiers.items():
            expected = dossier.pk in listed
            try:
                got = selectors.dossier_for_staff(user, dossier.pk)
            except NotFound:
                got = None
            assert (got is not None) == expected, (who, what)
            if got is not None:
                assert got == dossier
            try:
                sight = selectors.require_staff_sight(user, str(dossier.pk))
            except NotFound:
                sight = None
            assert sight == (dossier.pk if expected else None), (who, what)
            seen[who, what] = expected
    # the fixture holds both answers where they matter
    assert seen["department specialist", "sent"] and not seen["department specialist", "there"]
    assert seen["commune leader", "here"] and not seen["commune leader", "draft"]
    assert seen["province leader (subtree)", "there"]
    assert not seen["province leader (unit only)", "here"]
    assert seen["other commune officer, department specialist", "sent"]
    assert not seen["other commune leader", "here"] and seen["other commune leader", "there"]
    assert not any(seen["system admin", what] for what in dossiers)  # no dossier rights
    assert not any(seen["citizen", what] for what in dossiers)
    assert not any(seen["official without grants", what] for what in dossiers)


@pytest.mark.parametrize("pk", [0, -1, 2**63, "12a", "", None, "1e3", 10**30])
def test_ids_no_dossier_can_have_are_not_found(world, dossiers, pk):
    for read in (selectors.dossier_for_staff, selectors.require_staff_sight):
        with pytest.raises(NotFound):
            read(world.staff["leader"], pk)


def test_a_dossier_that_is_gone_is_not_found(world, dossiers):
    pk = dossiers["here"].pk
    Dossier.objects.filter(pk=pk).delete()
    with pytest.raises(NotFound):
        selectors.dossier_for_staff(world.staff["leader"], pk)
    with pytest.raises(NotFound):
        selectors.require_staff_sight(world.staff["leader"], pk)
    assert selectors.dossier_unchecked(pk) is None


def test_the_dossier_comes_with_what_its_pages_show(world, dossiers, django_assert_num_queries):
    leader = world.staff["leader"]
    selectors.dossier_for_staff(leader, dossiers["here"].pk)  # the user's grants, read once
    with django_assert_num_queries(2):  # the dossier with its rows, the units taking part
        dossier = selectors.dossier_for_staff(leader, dossiers["sent"].pk)
    with django_assert_num_queries(0):
        assert dossier.receiving_unit == world.commune
        assert dossier.current_unit == world.department
        assert dossier.current_step.unit_id == world.department.pk
        assert dossier.version.name and dossier.procedure.code
    assert dossier.state == State.PROCESSING


def test_a_system_wide_scope_sees_every_dossier_but_drafts(world, dossiers, monkeypatch):
    """No role has a system-wide dossier right today; should one, both reads agree on it."""
    monkeypatch.setattr(selectors, "_any_of", lambda user, perms: None)
    user = world.stranger
    listed = set(selectors.dossiers_for_staff(user).values_list("pk", flat=True))
    assert listed == {d.pk for what, d in dossiers.items() if what != "draft"}
    for what, dossier in dossiers.items():
        if what == "draft":
            with pytest.raises(NotFound):
                selectors.dossier_for_staff(user, dossier.pk)
            with pytest.raises(NotFound):
                selectors.require_staff_sight(user, dossier.pk)
        else:
            assert selectors.dossier_for_staff(user, dossier.pk) == dossier
            assert selectors.require_staff_sight(user, dossier.pk) == dossier.pk
