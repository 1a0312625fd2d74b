"""The work queues and their counts as the office page reads them (issue 5): the same rows and
counts as the definitions they replaced (kept below as the reference), counts exact up to
COUNT_CAP and shown honestly beyond it, pages without a total past it."""

from __future__ import annotations

import importlib.util
import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from egov.accounts.models import Role
from egov.accounts.policy import Perm, has_any_scope, role_scope_q, scope_q
from egov.dossiers import selectors, services
from egov.dossiers.applicants import ApplicantData
from egov.dossiers.models import CLOSED_STATES, OPEN_STATES, Dossier, DossierUnit, State
from egov.dossiers.tests.fixtures import vn
from egov.office.tests.test_home import login_verified

SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "dossiers_generate.py"
MON = vn(2026, 11, 30, 9)


def _generator():
    name = "bench_dossiers_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SCRIPT)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules[name]


# --- the definitions before issue 5 (a join on the unit's columns, counts over every dossier) --


def _old_staff(user):
    scope = Q(pk__in=[])
    for perm in selectors.DOSSIER_PERMS:
        if has_any_scope(user, perm):
            part = scope_q(user, perm, "unit")
            if not part:
                return Dossier.objects.exclude(state=State.DRAFT)
            scope |= part
    taking_part = DossierUnit.objects.filter(scope, dossier=OuterRef("pk"))
    return Dossier.objects.exclude(state=State.DRAFT).filter(Exists(taking_part))


def _old_queue_q(user, queue, now):
    open_ = ~Q(state__in=CLOSED_STATES) & ~Q(state=State.DRAFT)
    roles = Q(pk__in=[])
    for role in selectors.ROLE_OF_PERM.values():
        roles |= Q(current_role=role) & role_scope_q(user, role, "current_unit")
    receive = scope_q(user, Perm.DOSSIER_RECEIVE, "receiving_unit")
    return {
        "to_receive": Q(state=State.SUBMITTED) & receive,
        "to_return": Q(state=State.RESULT_READY) & receive,
        "mine": open_ & Q(current_assignee_id=user.pk),
        "to_process": open_
        & roles
        & (Q(current_assignee__isnull=True) | Q(current_assignee_id=user.pk)),
        "due_soon": open_ & roles & Q(due_at__gte=now, due_at__lt=now + timedelta(days=2)),
        "overdue": open_ & roles & Q(due_at__lt=now),
        "all": None,
    }[queue]


def _old_counts(user, now):
    aggregates = {}
    for queue in selectors.QUEUES:
        condition = _old_queue_q(user, queue, now)
        aggregates[queue] = Count("pk", filter=condition) if condition is not None else Count("pk")
    return _old_staff(user).aggregate(**aggregates)


def _old_rows(user, queue, now):
    condition = _old_queue_q(user, queue, now)
    rows = _old_staff(user) if condition is None else Dossier.objects.filter(condition)
    return set(rows.values_list("pk", flat=True))


@pytest.fixture
def busy(world, applicant):
    """1,200 generated dossiers at the other commune (every state), and at the commune: one
    online dossier waiting for reception, one at appraisal, one assigned, one sent on to the
    department."""
    gen = _generator()
    gen.generate(gen.unit_plans([world.other_commune]), 1200, seed=5, batch=600, citizens=30)
    s = world.staff
    components = [
        services.ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]

    def counter():
        return services.counter_receive(
            actor=s["officer"], unit=world.commune, procedure=world.procedure,
            applicant=applicant, components=components, at=MON,
        )  # fmt: skip

    draft = services.draft_create(
        actor=world.citizen, procedure=world.procedure, unit=world.commune
    )
    draft.components.update(provided=True)
    services.submit(
        actor=world.citizen, dossier_id=draft.pk, expected_version=draft.row_version, at=MON
    )
    counter()
    assigned = counter()
    services.assign(
        actor=s["leader"],
        dossier_id=assigned.pk,
        expected_version=assigned.row_version,
        assignee=s["specialist"],
    )
    sent = counter()
    services.forward(
        actor=s["specialist"], dossier_id=sent.pk, expected_version=sent.row_version, at=MON
    )
    return world


def _users(world, make_official):
    return [
        *world.staff.values(),
        *world.dept.values(),
        *world.other.values(),
        # a subtree grant over the whole province, and two roles at once
        make_official(Role.LEADER, world.province, include_subtree=True),
        _two_roles(world, make_official),
    ]


def _two_roles(world, make_official):
    from egov.accounts.models import RoleGrant

    user = make_official(Role.ONE_STOP_OFFICER, world.other_commune)
    RoleGrant.objects.create(user=user, role=Role.SPECIALIST, unit=world.other_commune)
    RoleGrant.objects.create(user=user, role=Role.SPECIALIST, unit=world.department)
    return user


def test_queues_and_counts_match_the_definitions_they_replaced(busy, make_official):
    world = busy
    waiting = Dossier.objects.filter(
        state__in=OPEN_STATES, current_unit=world.other_commune, current_role="specialist"
    )
    due = sorted(d for d in waiting.values_list("due_at", flat=True) if d)
    assert due
    # now, and moments when the specialist's dossiers are all late, or due within two days
    moments = [timezone.now(), due[-1] + timedelta(seconds=1), due[0] - timedelta(days=1)]
    checked = 0
    for user in _users(world, make_official):
        for now in moments:
            counts = selectors.queue_counts(user, now=now)
            old = _old_counts(user, now)
            capped = {k: min(n, selectors.COUNT_CAP + 1) for k, n in old.items()}
            assert counts == capped, (user.username, now)
            for queue in selectors.QUEUES:
                rows = selectors.work_queue(user, selectors.QueueFilter(queue), now=now)
                assert set(rows.values_list("pk", flat=True)) == _old_rows(user, queue, now)
                checked += counts[queue]
    # the fixture is not empty where it matters
    other = selectors.queue_counts(world.other["specialist"], now=moments[1])
    assert other["to_process"] > 0 and other["overdue"] > 0 and other["all"] == 1001
    assert selectors.queue_counts(world.other["specialist"], now=moments[2])["due_soon"] > 0
    assert selectors.queue_counts(world.staff["officer"])["to_receive"] == 1
    assert selectors.queue_counts(world.staff["specialist"])["mine"] == 1
    assert checked > 0


def test_counts_stop_at_the_cap(busy, monkeypatch):
    officer = busy.other["officer"]
    assert selectors.queue_counts(officer)["all"] == 1001  # "more than 1,000"
    monkeypatch.setattr(selectors, "COUNT_CAP", 5000)
    assert selectors.queue_counts(officer)["all"] == 1200
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    counts = selectors.queue_counts(officer)
    exact = _old_counts(officer, timezone.now())
    assert counts == {k: min(n, 6) for k, n in exact.items()}
    rows = selectors.work_queue(officer, selectors.QueueFilter("all", state="returned"))
    assert selectors.capped_count(rows) == 6
    assert selectors.capped_count(rows, cap=5000) == rows.count() > 1000


def _caption(body: str) -> str:
    return re.search(r"<caption>(.*?)</caption>", body, re.S).group(1).strip()


def test_the_page_shows_a_capped_count_and_pages_without_a_total(client, busy):
    officer = busy.other["officer"]
    login_verified(client, officer)
    body = client.get("/office/dossiers/?queue=all").content.decode()
    assert '>Tất cả hồ sơ <span class="badge">1.000+</span>' in body
    assert _caption(body) == "Trên 1.000 hồ sơ"
    assert "Trang 1<" in body and "Trang 1/" not in body and "page=2" in body
    ordered = list(
        selectors.work_queue(officer, selectors.QueueFilter("all")).values_list("code", flat=True)
    )
    assert len(ordered) == 1200
    # the last page: the total is known there; no link further
    last = client.get("/office/dossiers/?queue=all&page=24").content.decode()
    assert ordered[-1] in last and ordered[1150] in last and ordered[1149] not in last
    assert _caption(last) == "1200 hồ sơ" and "Trang 24/24" in last
    assert "page=25" not in last and "page=23" in last
    # past it: an empty page that says so and links back
    past = client.get("/office/dossiers/?queue=all&page=30").content.decode()
    assert _caption(past) == "Không có hồ sơ nào ở trang này."
    assert "Không có hồ sơ nào." in past and "page=29" in past
    # "all" filtered is not counted: more than a page, or the exact number on the only page
    returned = client.get("/office/dossiers/?queue=all&state=returned").content.decode()
    assert _caption(returned) == "Trên 50 hồ sơ" and "page=2" in returned
    second = client.get("/office/dossiers/?queue=all&state=returned&page=2").content.decode()
    assert _caption(second) == "Trên 100 hồ sơ"
    refused = Dossier.objects.filter(state=State.REFUSED).count()
    body = client.get("/office/dossiers/?queue=all&state=refused").content.decode()
    assert 0 < refused <= 50
    assert _caption(body) == f"{refused} hồ sơ" and 'class="pager"' not in body
    # the other queues: the exact total and the number of pages, as before
    login_verified(client, busy.other["specialist"])
    waiting = selectors.queue_counts(busy.other["specialist"])["to_process"]
    body = client.get("/office/dossiers/?queue=to_process").content.decode()
    assert 0 < waiting <= 50 and _caption(body) == f"{waiting} hồ sơ"
    body = client.get("/office/dossiers/?queue=to_process&state=processing").content.decode()
    processing = selectors.work_queue(
        busy.other["specialist"], selectors.QueueFilter("to_process", state="processing")
    ).count()
    assert _caption(body) == f"{processing} hồ sơ"


def test_page_numbers_out_of_range(client, busy):
    login_verified(client, busy.other["officer"])
    for page in ("0", "-3", "abc", "99999999999999999999"):
        assert client.get(f"/office/dossiers/?queue=all&page={page}").status_code == 200
    # a counted queue: past the end is its last page, as the paginator did
    login_verified(client, busy.other["specialist"])
    waiting = selectors.queue_counts(busy.other["specialist"])["to_process"]
    body = client.get("/office/dossiers/?queue=to_process&page=9").content.decode()
    assert _caption(body) == f"{waiting} hồ sơ" and "Không có hồ sơ nào." not in body


# --- searches (a name, a part of one, a code, an ID number) --------------------------------------


def _old_search(user, queue, now, search):
    """The search as it was: on the dossier's own key, or its code exactly."""
    from egov.core import vntext

    term = vntext.search_key(vntext.clean(search))[:100]
    matching = Dossier.objects.filter(Q(code=search.strip()[:40]) | Q(search_key__contains=term))
    return _old_rows(user, queue, now) & set(matching.values_list("pk", flat=True))


def test_participants_carry_their_dossiers_search_key(busy):
    """Copied at reception, at submission, when an inter-level transfer adds a unit, and by the
    benchmark's generator; the key of a draft follows its edits."""
    rows = DossierUnit.objects.values_list("search_key", "dossier__search_key")
    assert rows.count() > 1200
    assert all(own == copied for own, copied in rows)
    assert DossierUnit.objects.exclude(search_key="").count() > 1200
    world = busy
    draft = services.draft_create(
        actor=world.citizen, procedure=world.procedure, unit=world.commune
    )
    services.draft_update(
        actor=world.citizen,
        dossier_id=draft.pk,
        expected_version=draft.row_version,
        applicant=ApplicantData(name="Trịnh Thị Mơ", id_number="038190009999"),
    )
    draft.refresh_from_db()
    assert draft.search_key == "trinh thi mo 038190009999"
    assert set(draft.participants.values_list("search_key", flat=True)) == {draft.search_key}


def test_searches_match_the_definitions_they_replaced(busy, make_official):
    world = busy
    generated = list(
        Dossier.objects.filter(receiving_unit=world.other_commune)
        .exclude(state=State.DRAFT)
        .order_by("id")
        .values_list("code", "applicant_name", "applicant_id_number")[:3]
    )
    sent = Dossier.objects.filter(current_unit=world.department).get()
    searches = [
        "nguyen",
        "Lê Văn",
        "TRAN van",
        *(value for row in generated for value in row),
        sent.code,
        sent.applicant_id_number,
        sent.applicant_name,
        "hung 0380",  # across the name and the ID number
        "không có ai tên này",
    ]
    now = timezone.now()
    found = {}
    for user in _users(world, make_official):
        for search in searches:
            for queue in selectors.QUEUES:
                rows = selectors.work_queue(user, selectors.QueueFilter(queue, search=search))
                got = set(rows.values_list("pk", flat=True))
                assert got == _old_search(user, queue, now, search), (user, search, queue)
                if queue == "all":
                    found[(user.pk, search)] = got
    # not empty where it matters: a generated dossier by its code, name and ID number at its
    # commune, and not elsewhere; the transferred one on both sides of the transfer
    officer, elsewhere = world.other["officer"], world.staff["officer"]
    for code, name, id_number in generated:
        pk = Dossier.objects.get(code=code).pk
        for search in (code, name, id_number):
            assert pk in found[(officer.pk, search)]
            assert pk not in found[(elsewhere.pk, search)]
    for user in (world.staff["officer"], *world.dept.values()):
        for search in (sent.code, sent.applicant_id_number, sent.applicant_name):
            assert sent.pk in found[(user.pk, search)], (user.username, search)
    assert not found[(world.other["officer"].pk, sent.code)]
    assert not found[(officer.pk, "không có ai tên này")]


def test_the_backfill_copies_the_search_keys(busy):
    """Migration 0004 fills the copy of rows that existed before it."""
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("egov.dossiers.migrations.0004_participant_search")
    DossierUnit.objects.update(search_key="")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.backfill(apps, editor)
    rows = DossierUnit.objects.values_list("search_key", "dossier__search_key")
    assert all(own == copied for own, copied in rows)
    assert DossierUnit.objects.exclude(search_key="").count() > 1200
