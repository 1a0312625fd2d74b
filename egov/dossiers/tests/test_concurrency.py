"""Concurrent receptions and concurrent officers on PostgreSQL: codes stay unique and gap-free,
and of two officers acting on the same dossier at once exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from egov.core.errors import Conflict
from egov.dossiers import services
from egov.dossiers.models import Dossier, DossierEvent
from egov.dossiers.services import ComponentInput
from egov.dossiers.tests.fixtures import vn

pytestmark = [
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="SQLite serialises writers itself; the race exists on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

AT = vn(2026, 11, 30, 9)


def _run(workers):
    barrier = threading.Barrier(len(workers))
    results: list[object] = []

    def run(fn):
        try:
            barrier.wait(timeout=30)
            results.append(fn())
        except BaseException as exc:  # collected for the assertions
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_concurrent_receptions_get_unique_gap_free_codes(world, applicant):
    components = [
        ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]

    def receive_many():
        return [
            services.counter_receive(
                actor=world.staff["officer"], unit=world.commune, procedure=world.procedure,
                applicant=applicant, components=components, at=AT,
            ).code
            for _ in range(8)
        ]  # fmt: skip

    results = _run([receive_many] * 4)
    assert not [r for r in results if isinstance(r, BaseException)], results
    codes = sorted(c for batch in results for c in batch)
    assert codes == [f"99001-261130-{n:04d}" for n in range(1, 33)]


def test_two_officers_at_once_only_one_wins(world, applicant):
    d = services.counter_receive(
        actor=world.staff["officer"], unit=world.commune, procedure=world.procedure,
        applicant=applicant, components=[
            ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
        ], at=AT,
    )  # fmt: skip
    seen = d.row_version
    other = type(world.staff["specialist"]).objects.get(pk=world.staff["specialist"].pk)

    def act(user):
        return lambda: services.forward(actor=user, dossier_id=d.pk, expected_version=seen)

    results = _run([act(world.staff["specialist"]), act(other)])
    wins = [r for r in results if isinstance(r, Dossier)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].code == "stale_version"
    assert DossierEvent.objects.filter(dossier=d, action="forward").count() == 1
