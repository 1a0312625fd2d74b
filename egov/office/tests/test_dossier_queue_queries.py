"""The officer's work queue costs a fixed number of queries, whatever the number of rows shown
(the benchmark's target: at most 10 for a page of up to 50 rows with filters)."""

from __future__ import annotations

import pytest

from egov.dossiers import services
from egov.dossiers.applicants import ApplicantData
from egov.office.tests.test_home import login_verified

MAX_QUERIES = 10


def _receive(world, n: int) -> list[str]:
    officer = world.staff["officer"]
    components = [
        services.ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]
    codes = []
    for i in range(n):
        dossier = services.counter_receive(
            actor=officer,
            unit=world.commune,
            procedure=world.procedure,
            applicant=ApplicantData(name=f"Lê Văn Hùng {i}", id_number=f"038085{i:06d}"),
            components=components,
        )
        codes.append(dossier.code)
    return codes


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("officer", "queue=all&state=processing&q=le+van+hung"),
        ("officer", "queue=all&q=le+van"),  # a search read through the participants' indexes
        ("specialist", "queue=to_process"),
    ],
)
def test_queue_page_queries_do_not_grow_with_the_rows(
    client, world, django_assert_max_num_queries, rows, who, query
):
    codes = _receive(world, rows)
    login_verified(client, world.staff[who])
    with django_assert_max_num_queries(MAX_QUERIES):
        page = client.get(f"/office/dossiers/?{query}")
    assert page.status_code == 200
    body = page.content.decode()
    assert all(code in body for code in codes)  # every row is on the page
