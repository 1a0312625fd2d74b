"""Concurrent writers on PostgreSQL: the head-row lock keeps the chain whole and gap-free."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from egov.audit.models import AuditEvent
from egov.audit.services import audit_record, audit_verify_chain

THREADS, PER_THREAD = 4, 25


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="SQLite serialises writers itself; the race exists on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_valid_chain():
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(PER_THREAD):
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", summary={"t": n, "i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, THREADS * PER_THREAD + 1))
    writers = set(AuditEvent.objects.values_list("summary__t", flat=True))
    assert writers == set(range(THREADS))
    result = audit_verify_chain(chunk_size=7)
    assert result.ok and result.checked == THREADS * PER_THREAD
