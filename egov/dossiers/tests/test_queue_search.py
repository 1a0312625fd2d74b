"""The work queue's search (issue 5): what a term matches, the participants' copy of the due
date the search reads in the page's order, and the page's rows read through the participants'
indexes being the queryset's rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from egov.accounts.models import Role
from egov.core import vntext
from egov.dossiers import selectors, services
from egov.dossiers.applicants import ApplicantData
from egov.dossiers.models import Dossier, DossierUnit, State
from egov.dossiers.tests.fixtures import vn
from egov.dossiers.tests.test_queues import (  # noqa: F401 (busy: a fixture)
    MON,
    _two_roles,
    _users,
    busy,
)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the participants' indexes are PostgreSQL's"
)


def _copies_disagree() -> list[tuple[int, int]]:
    rows = DossierUnit.objects.values_list("pk", "dossier_id", "due_at", "dossier__due_at")
    return [(pk, dossier) for pk, dossier, own, copied in rows if own != copied]


def _matches(key: str, term: str) -> bool:
    """The search's definition: the term begins a word of the key."""
    return (" " + term) in (" " + key)


def test_participants_carry_their_dossiers_due_date(busy, applicant):  # noqa: F811
    """Copied by the generator, at reception (counter and online), when a supplement resumes
    the clock, when the appointment is extended, and when a transfer adds a unit."""
    world = busy
    s = world.staff
    assert DossierUnit.objects.exclude(due_at=None).count() > 1000
    assert not _copies_disagree()
    components = [
        services.ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]
    d = services.counter_receive(
        actor=s["officer"], unit=world.commune, procedure=world.procedure, applicant=applicant,
        components=components, at=MON,
    )  # fmt: skip
    d = services.request_supplement(
        actor=s["specialist"], dossier_id=d.pk, expected_version=d.row_version,
        items="Giấy tờ", reason="Thiếu", at=vn(2026, 11, 30, 11),
    )  # fmt: skip
    d = services.supplement(
        actor=s["officer"], dossier_id=d.pk, expected_version=d.row_version,
        at=vn(2026, 12, 2, 11),
    )  # fmt: skip
    assert d.due_at == vn(2026, 12, 7, 17)  # moved two working days on
    d = services.extend(
        actor=s["leader"], dossier_id=d.pk, expected_version=d.row_version,
        new_due_at=vn(2026, 12, 10, 17), reason="Cần xác minh", at=MON,
    )  # fmt: skip
    services.forward(actor=s["specialist"], dossier_id=d.pk, expected_version=d.row_version, at=MON)
    d.refresh_from_db()
    assert set(d.participants.values_list("unit_id", "due_at")) == {
        (world.commune.pk, vn(2026, 12, 10, 17)),
        (world.department.pk, vn(2026, 12, 10, 17)),
    }
    assert not _copies_disagree()


def test_a_term_matches_from_the_start_of_a_word(busy):  # noqa: F811
    world = busy
    officer = world.staff["officer"]
    components = [
        services.ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]
    d = services.counter_receive(
        actor=officer, unit=world.commune, procedure=world.procedure,
        applicant=ApplicantData(name="Nguyễn Thị Hạnh", id_number="038190001234"),
        components=components, at=MON,
    )  # fmt: skip

    def found(search: str) -> bool:
        rows = selectors.work_queue(officer, selectors.QueueFilter("all", search=search))
        page = selectors.work_queue_rows(
            officer, selectors.QueueFilter("all", search=search), 0, 51
        )
        assert [r["id"] for r in page] == [r.pk for r in rows[:51]]
        return d.pk in {r.pk for r in rows}

    code_parts = vntext.search_key(d.code).split()
    for search in (
        "Nguyễn Thị Hạnh", "nguyen thi", "NGUYEN", "thi hanh", "Hạnh", "han", "0381", "038190001234",
        d.code, code_parts[-1], " ".join(code_parts[-2:]), "hanh 0381",
    ):  # fmt: skip
        assert found(search), search
    for search in ("guyen", "anh", "1234", "thi nguyen", "nguyen hanh", "hạnh nguyễn"):
        assert not found(search), search


def _searches(world) -> list[str]:
    generated = list(
        Dossier.objects.filter(receiving_unit=world.other_commune)
        .exclude(state=State.DRAFT)
        .order_by("-id")
        .values_list("code", "applicant_name", "applicant_id_number")[:2]
    )
    return [
        "nguyen", "van", "tran van", "le thi", "a", "h", "thi h",
        *(value for row in generated for value in row),
        "khong co ai",
    ]  # fmt: skip


def test_the_pages_rows_are_the_querysets(busy, make_official, monkeypatch):  # noqa: F811
    """Whatever path reads them (the walk in due order, searched or not; the words index, or
    the dossiers in their order, when the walk's window is too short for the term or the
    state; the dossiers, for a scope too wide to walk or an open state; SQLite's),
    a page's rows are the queryset's slice: the same rows in the same order, in the scope."""
    world = busy
    users = [
        world.other["officer"],
        world.staff["officer"],
        world.dept["specialist"],
        make_official(Role.LEADER, world.province, include_subtree=True),
        _two_roles(world, make_official),
    ]
    now = timezone.now()
    expected = {}
    for user in users:
        for search in ["", *_searches(world)]:
            for state in ("", State.PROCESSING, State.RETURNED):
                filters = selectors.QueueFilter("all", search=search, state=state)
                rows = selectors.work_queue(user, filters, now=now)
                for start, stop in ((0, 51), (50, 101)):
                    expected[(user, filters, start, stop)] = [r.pk for r in rows[start:stop]]
    assert sum(map(len, expected.values())) > 500
    for window, max_units in ((selectors.WALK_WINDOW, 16), (40, 16), (1, 16), (16_000, 0)):
        monkeypatch.setattr(selectors, "WALK_WINDOW", window)
        monkeypatch.setattr(selectors, "WALK_MAX_UNITS", max_units)
        for (user, filters, start, stop), pks in expected.items():
            got = selectors.work_queue_rows(user, filters, start, stop, now=now)
            assert [r["id"] for r in got] == pks, (window, max_units, user, filters, start)


def test_a_role_queues_page_is_its_querysets_slice(busy, make_official):  # noqa: F811
    """The role queues' pages (their ids chosen first, then joined; a rare term found in the
    words index first on PostgreSQL): the queryset's rows in its order, for the office page
    (`work_queue_rows`) and the API (`work_queue_page`, with the columns it lists loaded)."""
    world = busy
    sent = Dossier.objects.filter(current_unit=world.department).get()
    users = _users(world, make_official)
    searches = ["", *_searches(world), sent.code, sent.applicant_name, sent.applicant_id_number]
    now, compared, found = timezone.now(), 0, set()
    for user in users:
        for queue in (q for q in selectors.QUEUES if q != "all"):
            for search in searches:
                filters = selectors.QueueFilter(queue, search=search)
                rows = selectors.work_queue(user, filters, now=now)
                for start, stop in ((0, 51), (3, 9), (50, 101)):
                    pks = [r.pk for r in rows[start:stop]]
                    got = selectors.work_queue_rows(user, filters, start, stop, now=now)
                    assert [r["id"] for r in got] == pks, (user, filters, start)
                    page = selectors.work_queue_page(user, filters, start, stop, now=now)
                    assert [d.pk for d in page] == pks, (user, filters, start)
                    compared += len(pks)
                    found.update((search, pk) for pk in pks)
    assert compared > 50
    # the rare terms found the transferred dossier in its role queues
    assert {(sent.code, sent.pk), (sent.applicant_id_number, sent.pk)} <= found


def test_the_api_page_reads_only_its_rows(busy, make_official, django_assert_max_num_queries):  # noqa: F811
    """`work_queue_page` loads what the API lists in its one query: reading a row's procedure,
    version and unit asks nothing more."""
    officer = _two_roles(busy, make_official)
    counts = selectors.queue_counts(officer)
    busiest = max((q for q in counts if q != "all"), key=counts.get)
    waiting = selectors.work_queue(officer, selectors.QueueFilter(busiest)).first()
    name = waiting.applicant_name.split()[0]
    for queue in ("all", busiest):
        filters = selectors.QueueFilter(queue, search=name)
        selectors.work_queue_page(officer, filters, 0, 51)  # the user's grants, read once
        with django_assert_max_num_queries(1):
            rows = selectors.work_queue_page(officer, filters, 0, 51)
            labels = [
                (d.procedure.code, d.version.name, d.current_unit and d.current_unit.name)
                for d in rows
            ]
        # the first word of a waiting applicant's name: that dossier at least in its queue,
        # and more than it among the 1,200 of "all"
        assert len(labels) > (1 if queue == "all" else 0), queue


@postgresql_only
def test_the_words_index_holds_every_match(busy):  # noqa: F811
    """The tsquery of a term finds every key the term matches (a superset: the queries test
    the term too), on the keys of the generated dossiers and odd ones."""
    keys = list(DossierUnit.objects.values_list("search_key", flat=True).distinct()[:300])
    keys += ["a b", "o'neil x\\y", "x  y", ""]
    terms = {"o'neil", "o'neil x\\", "x\\y", "nguyen van", "thi h", "khong co ai"}
    for key in keys[:60]:
        words = key.split()
        for i in range(len(words)):
            terms.add(words[i][:2])
            terms.add(" ".join(words[i : i + 2]))
            terms.add(" ".join(words[i : i + 3])[:-1].strip())
    terms.discard("")
    found = 0
    with connection.cursor() as cursor:
        for term in terms:
            cursor.execute(
                "SELECT k FROM unnest(%s::text[]) AS k WHERE egov_search_terms(k) @@ %s::tsquery",
                [keys, selectors.terms_query(term)],
            )
            indexed = {k for (k,) in cursor.fetchall()}
            matching = {k for k in keys if _matches(k, term)}
            assert matching <= indexed, term
            found += bool(matching)
    assert found > 100


def test_terms_query():
    assert selectors.terms_query("nguyen") == "'nguyen':*"
    assert selectors.terms_query("le van an") == "'le van' & 'van an':*"
    assert selectors.terms_query("o'neil x\\y") == "'o''neil x\\\\y':*"
