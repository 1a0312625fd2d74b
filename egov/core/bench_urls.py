"""Baseline views for the HTTP benchmarks (bench/), mounted only with EGOV_BENCH_ENDPOINTS=1.

They measure what the server and the middleware cost by themselves, so that each page's figure can
be read as a ratio: B_hello answers "ok"; B_row reads one unit by primary key; B_pdf renders a
trivial one-line A4 PDF in the printed forms' font, by each engine the forms use: `pdf/` through
WeasyPrint (forms 02–07), `pdf-rl/` through ReportLab (form 01, `egov.dossiers.receipt_pdf`).
`receipt/<id>/` renders form 01 of a dossier, read as the print view reads it but with no access
check (benchmark databases only), to time the PDF alone against the ReportLab B_pdf.
"""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from egov.units.models import Unit


def hello(request):
    return HttpResponse("ok", content_type="text/plain")


def row(request, pk: int):
    unit = get_object_or_404(Unit.objects.only("id", "name", "code"), pk=pk)
    return JsonResponse({"id": unit.pk, "name": unit.name, "code": unit.code})


TRIVIAL_HTML = (
    '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>@page { size: A4 }'
    ' html { font-family: "Times New Roman", "Liberation Serif", serif }</style></head>'
    "<body><p>Hồ sơ</p></body></html>"
)


def pdf(request):
    from weasyprint import HTML

    from egov.dossiers import printing

    data = HTML(string=TRIVIAL_HTML, url_fetcher=printing._url_fetcher()).write_pdf()
    return HttpResponse(data, content_type="application/pdf")


def pdf_reportlab(request):
    from egov.dossiers import receipt_pdf

    return HttpResponse(receipt_pdf.trivial_pdf(), content_type="application/pdf")


def receipt(request, pk: int):
    from egov.dossiers import printing, selectors

    # read as the print view reads it (`dossier_for_staff`), without its scope check
    dossier = selectors.dossier_unchecked(pk)
    if dossier is None:
        raise Http404
    return HttpResponse(printing.receipt(dossier), content_type="application/pdf")


urlpatterns = [
    path("hello/", hello, name="bench-hello"),
    path("pdf/", pdf, name="bench-pdf"),
    path("pdf-rl/", pdf_reportlab, name="bench-pdf-reportlab"),
    path("receipt/<int:pk>/", receipt, name="bench-receipt"),
    path("row/<int:pk>/", row, name="bench-row"),
]
