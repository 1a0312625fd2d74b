"""The one access policy: grants on units, subtrees, merged history, 404 versus 403."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from egov.accounts import policy
from egov.accounts.models import Role, RoleGrant, UserKind
from egov.accounts.policy import Perm
from egov.units.models import Unit, UnitKind
from egov.units.services import refresh_path, unit_create


def visible_unit_ids(user, perm=Perm.UNIT_VIEW):
    return set(
        Unit.objects.filter(policy.scope_q(user, perm, field="")).values_list("id", flat=True)
    )


@pytest.fixture
def ubnd_a(commune_a):
    return unit_create(
        actor=None,
        name="UBND Xã An Hòa",
        kind=UnitKind.PEOPLES_COMMITTEE,
        parent=commune_a,
        audit=False,
    )


def test_grant_without_subtree_covers_only_its_unit(make_official, province, commune_a, ubnd_a):
    leader = make_official(Role.LEADER, commune_a)
    assert visible_unit_ids(leader) == {commune_a.id}
    assert policy.has_perm_on(leader, Perm.DOSSIER_APPROVE, commune_a)
    assert not policy.has_perm_on(leader, Perm.DOSSIER_APPROVE, ubnd_a)
    assert not policy.has_perm_on(leader, Perm.DOSSIER_APPROVE, province)


def test_grant_over_subtree_covers_descendants_not_siblings(
    make_official, province, commune_a, commune_b, ubnd_a
):
    leader = make_official(Role.LEADER, commune_a, include_subtree=True)
    assert visible_unit_ids(leader) == {commune_a.id, ubnd_a.id}
    provincial = make_official(Role.LEADER, province, include_subtree=True)
    assert visible_unit_ids(provincial) == {province.id, commune_a.id, commune_b.id, ubnd_a.id}


def test_role_decides_the_permission(make_official, commune_a):
    officer = make_official(Role.ONE_STOP_OFFICER, commune_a)
    assert policy.has_perm_on(officer, Perm.DOSSIER_RECEIVE, commune_a)
    assert not policy.has_perm_on(officer, Perm.DOSSIER_APPROVE, commune_a)
    assert not policy.has_perm_on(officer, Perm.USER_MANAGE, commune_a)
    assert visible_unit_ids(officer, Perm.USER_MANAGE) == set()


def test_citizen_and_inactive_official_have_no_scope(make_user, make_official, commune_a):
    citizen = make_user(kind=UserKind.CITIZEN)
    assert visible_unit_ids(citizen) == set()
    official = make_official(Role.LEADER, commune_a)
    official.is_active = False
    assert visible_unit_ids(official) == set()


def test_citizen_with_a_stray_grant_row_still_has_no_rights(make_user, commune_a):
    citizen = make_user(kind=UserKind.CITIZEN)
    RoleGrant.objects.create(user=citizen, role=Role.LEADER, unit=commune_a)
    assert not policy.has_perm_on(citizen, Perm.UNIT_VIEW, commune_a)


def test_system_admin_sees_everything(make_user, province, commune_a, commune_b):
    admin = make_user(kind=UserKind.OFFICIAL)
    RoleGrant.objects.create(user=admin, role=Role.SYSTEM_ADMIN, unit=None)
    assert visible_unit_ids(admin) == set(Unit.objects.values_list("id", flat=True))
    assert policy.has_perm_on(admin, Perm.USER_MANAGE, None)


def test_merged_units_are_found_under_their_successor(
    make_official, province, commune_a, commune_b
):
    old = unit_create(
        actor=None, name="Xã Cũ", kind=UnitKind.COMMUNE, parent=province, code="99003", audit=False
    )
    old_child = unit_create(
        actor=None, name="Thôn Cũ", kind=UnitKind.OFFICE, parent=old, audit=False
    )
    old.merged_into = commune_a
    old.valid_to = old.valid_from
    refresh_path(old)
    old.save()
    refresh_path(old_child)
    old_child.save()
    leader_a = make_official(Role.LEADER, commune_a)
    leader_b = make_official(Role.LEADER, commune_b, include_subtree=True)
    assert old.id in visible_unit_ids(leader_a)
    assert policy.has_perm_on(leader_a, Perm.DOSSIER_APPROVE, old)
    assert old.id not in visible_unit_ids(leader_b)
    assert not policy.has_perm_on(leader_b, Perm.UNIT_VIEW, old)
    # the old unit's own subtree is under the successor too when the grant covers the subtree
    subtree_leader = make_official(Role.LEADER, commune_a, include_subtree=True)
    assert {old.id, old_child.id} <= visible_unit_ids(subtree_leader)


def test_get_for_user_answers_404_out_of_scope_and_403_without_right(
    make_official, commune_a, commune_b
):
    officer = make_official(Role.ONE_STOP_OFFICER, commune_a)
    qs = Unit.objects.all()
    assert policy.get_for_user(officer, qs, Perm.UNIT_VIEW, field="", pk=commune_a.pk) == commune_a
    with pytest.raises(Http404):
        policy.get_for_user(officer, qs, Perm.UNIT_VIEW, field="", pk=commune_b.pk)
    with pytest.raises(PermissionDenied):
        policy.get_for_user(
            officer, qs, Perm.UNIT_VIEW, write_perm=Perm.UNIT_MANAGE, field="", pk=commune_a.pk
        )
    with pytest.raises(Http404):
        policy.get_for_user(officer, qs, Perm.UNIT_VIEW, field="", pk="not-a-number")


def test_unit_admin_may_grant_only_inside_subtree_and_never_system_admin(
    make_official, province, commune_a, commune_b
):
    admin_a = make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True)
    assert policy.may_grant(admin_a, Role.SPECIALIST, commune_a)
    assert not policy.may_grant(admin_a, Role.SPECIALIST, commune_b)
    assert not policy.may_grant(admin_a, Role.SPECIALIST, province)
    assert not policy.may_grant(admin_a, Role.SYSTEM_ADMIN, None)


def test_grants_are_read_in_one_query(make_official, commune_a, django_assert_num_queries):
    leader = make_official(Role.LEADER, commune_a)
    policy.forget_grants(leader)
    with django_assert_num_queries(1):
        for _ in range(5):
            policy.has_perm_on(leader, Perm.UNIT_VIEW, commune_a)


def test_scope_unit_ids_are_the_units_scope_q_selects(
    make_official, make_user, province, commune_a, commune_b, ubnd_a
):
    """The ids the dossier queues filter on are exactly the units the Q objects select:
    own unit, merged history, subtrees, several grants, none, system-wide."""
    old = unit_create(
        actor=None, name="Xã Cũ", kind=UnitKind.COMMUNE, parent=province, code="99003", audit=False
    )
    old.merged_into = commune_a
    old.valid_to = old.valid_from
    refresh_path(old)
    old.save()
    two = make_official(Role.ONE_STOP_OFFICER, commune_a)
    RoleGrant.objects.create(user=two, role=Role.SPECIALIST, unit=commune_b, include_subtree=True)
    admin = make_user(kind=UserKind.OFFICIAL)
    RoleGrant.objects.create(user=admin, role=Role.SYSTEM_ADMIN, unit=None)
    users = [
        make_official(Role.LEADER, commune_a),
        make_official(Role.LEADER, province, include_subtree=True),
        make_official(Role.CLERK, ubnd_a),
        two,
        admin,
        make_user(kind=UserKind.CITIZEN),
    ]
    every = set(Unit.objects.values_list("id", flat=True))
    for user in users:
        for perm in (Perm.UNIT_VIEW, Perm.DOSSIER_RECEIVE, Perm.DOSSIER_PROCESS, Perm.USER_MANAGE):
            ids = policy.scope_unit_ids(user, perm)
            assert (every if ids is None else ids) == visible_unit_ids(user, perm)
        for role in Role.values:
            ids = policy.scope_unit_ids(user, role=role)
            q = Unit.objects.filter(policy.role_scope_q(user, role, ""))
            assert (every if ids is None else ids) == set(q.values_list("id", flat=True))
    assert old.id in policy.scope_unit_ids(users[0], Perm.DOSSIER_APPROVE)
    # a grant taken away is forgotten with the grants
    RoleGrant.objects.filter(user=two, role=Role.SPECIALIST).delete()
    assert policy.scope_unit_ids(two, Perm.DOSSIER_PROCESS)
    policy.forget_grants(two)
    assert policy.scope_unit_ids(two, Perm.DOSSIER_PROCESS) == set()
