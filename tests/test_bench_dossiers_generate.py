"""bench/dossiers_generate.py writes dossiers the way the services would: the pages, selectors and
services work on them as on their own."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from egov.dossiers import selectors, services
from egov.dossiers.applicants import ApplicantData
from egov.dossiers.models import (
    CLOSED_STATES,
    Dossier,
    DossierEvent,
    DossierSequence,
    DossierStep,
    DossierUnit,
    State,
    SubmissionChannel,
)

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "dossiers_generate.py"
COUNT = 2000


@pytest.fixture(scope="module")
def generate():
    name = "bench_dossiers_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SCRIPT)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def generated(world, generate):
    plans = generate.unit_plans([world.other_commune])
    stats = generate.generate(plans, COUNT, seed=3, batch=700, citizens=40)
    return stats


def test_rows_are_consistent(world, generated):
    dossiers = list(Dossier.objects.all())
    assert len(dossiers) == COUNT == generated.dossiers
    assert generated.rows > COUNT * 5
    # codes: the services' format, unique, the sequence filled up to the last one of each day
    pattern = re.compile(r"^(?P<agency>[0-9A-Z]+)-(?P<day>\d{6})-(?P<seq>\d{4,})$")
    last = Counter()
    for d in dossiers:
        match = pattern.match(d.code)
        assert match, d.code
        key = (match["agency"], match["day"])
        last[key] = max(last[key], int(match["seq"]))
        assert len(d.lookup_code) == 6
    assert len({d.code for d in dossiers}) == COUNT
    sequences = {
        (s.agency_code, s.day.strftime("%y%m%d")): s.last for s in DossierSequence.objects.all()
    }
    assert sequences == dict(last)
    # a mix of channels and states, with closed ones the majority
    channels = Counter(d.channel for d in dossiers)
    assert set(channels) == {c.value for c in SubmissionChannel}
    assert channels[SubmissionChannel.DIRECT] > channels[SubmissionChannel.POSTAL]
    states = Counter(d.state for d in dossiers)
    assert states[State.RETURNED] > COUNT * 0.8 and states[State.REFUSED] > 0
    # each dossier takes part at its unit; each open dossier stands at an unfinished step
    assert DossierUnit.objects.filter(unit=world.other_commune).count() == COUNT
    steps = {s.pk: s for s in DossierStep.objects.all()}
    for d in dossiers:
        assert d.row_version >= 1
        if d.state in (State.PROCESSING, State.RESULT_READY, State.AWAITING_SUPPLEMENT):
            step = steps[d.current_step_id]
            assert step.dossier_id == d.pk and step.finished_at is None
            assert (d.current_unit_id, d.current_role) == (step.unit_id, step.role)
            assert d.due_at is not None and d.received_at is not None
        if d.state == State.RETURNED:
            assert d.returned_at >= d.received_at and d.timing
        if d.state in CLOSED_STATES:
            assert d.closed_at is not None
    # the timeline ends in the dossier's state
    for d in dossiers[:200]:
        events = list(DossierEvent.objects.filter(dossier=d).order_by("at", "id"))
        assert events and events[-1].state_to == d.state


def test_queues_lookup_and_services_work_on_generated_dossiers(world, generated):
    other = world.other
    waiting = Dossier.objects.exclude(state__in=[*CLOSED_STATES, State.DRAFT]).filter(
        current_role="specialist", current_unit=world.other_commune
    )
    counts = selectors.queue_counts(other["specialist"])
    assert counts["to_process"] == waiting.count()
    rows = list(selectors.work_queue(other["specialist"], selectors.QueueFilter("to_process")))
    assert {d.pk for d in rows} == set(waiting.values_list("pk", flat=True))
    all_rows = selectors.work_queue(other["officer"], selectors.QueueFilter("all"))
    assert all_rows.count() == COUNT
    # the staff on the generated dossiers' own unit see them, others do not
    assert selectors.work_queue(world.staff["officer"], selectors.QueueFilter("all")).count() == 0

    sample = Dossier.objects.filter(state=State.RETURNED).first()
    view = selectors.lookup(sample.code, sample.lookup_code)
    assert view.state == State.RETURNED and view.events

    # the services carry on from where the generator left the dossiers
    if waiting.filter(state=State.PROCESSING).exists():
        d = waiting.filter(state=State.PROCESSING).first()
        moved = services.forward(
            actor=other["specialist"], dossier_id=d.pk, expected_version=d.row_version
        )
        assert moved.current_step.position == d.current_step.position + 1
    ready = Dossier.objects.filter(state=State.RESULT_READY).first()
    if ready is not None:
        done = services.deliver(
            actor=other["officer"],
            dossier_id=ready.pk,
            expected_version=ready.row_version,
            delivery="counter",
        )
        assert done.state == State.RETURNED
    # a new reception today takes the next number of the day, never a generated one
    fresh = services.counter_receive(
        actor=other["officer"],
        unit=world.other_commune,
        procedure=world.procedure,
        applicant=ApplicantData(name="Lê Văn Hùng", id_number="038085001234"),
        components=[
            services.ComponentInput(component_id=c.pk)
            for c in world.procedure.current.components.all()
        ],
    )
    assert Dossier.objects.filter(code=fresh.code).count() == 1
