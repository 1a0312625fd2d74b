"""The benchmarks' baseline views (mounted only with EGOV_BENCH_ENDPOINTS=1) answer what the
benchmarks measure: "ok", one unit, a trivial PDF by each engine, and a dossier's receipt."""

from __future__ import annotations

import io
import json

import pikepdf
import pytest
from django.http import Http404
from django.test import RequestFactory

from egov.core import bench_urls
from egov.dossiers import services
from egov.dossiers.applicants import ApplicantData


def test_baselines(world):
    request = RequestFactory().get("/")
    assert bench_urls.hello(request).content == b"ok"
    row = json.loads(bench_urls.row(request, world.commune.pk).content)
    assert row["id"] == world.commune.pk
    for view in (bench_urls.pdf, bench_urls.pdf_reportlab):
        pdf = view(request)
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # each engine's baseline is its own (the producer it writes)
    for view, engine in ((bench_urls.pdf, "WeasyPrint"), (bench_urls.pdf_reportlab, "ReportLab")):
        with pikepdf.open(io.BytesIO(view(request).content)) as doc:
            assert engine in str(doc.docinfo["/Producer"])


def test_receipt_of_a_received_dossier(world):
    dossier = services.counter_receive(
        actor=world.staff["officer"],
        unit=world.commune,
        procedure=world.procedure,
        applicant=ApplicantData(name="Lê Văn Hùng", id_number="038085001234"),
        components=[
            services.ComponentInput(component_id=c.pk)
            for c in world.procedure.current.components.all()
        ],
    )
    response = bench_urls.receipt(RequestFactory().get("/"), dossier.pk)
    assert response.content.startswith(b"%PDF")
    with pytest.raises(Http404):
        bench_urls.receipt(RequestFactory().get("/"), dossier.pk + 1000)
