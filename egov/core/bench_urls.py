"""Baseline views for the HTTP benchmarks (bench/), mounted only with EGOV_BENCH_ENDPOINTS=1.

They measure what the server and the middleware cost by themselves, so that each page's figure can
be read as a ratio: B_hello answers "ok"; B_row reads one unit by primary key.
"""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from egov.units.models import Unit


def hello(request):
    return HttpResponse("ok", content_type="text/plain")


def row(request, pk: int):
    unit = get_object_or_404(Unit.objects.only("id", "name", "code"), pk=pk)
    return JsonResponse({"id": unit.pk, "name": unit.name, "code": unit.code})


urlpatterns = [
    path("hello/", hello, name="bench-hello"),
    path("row/<int:pk>/", row, name="bench-row"),
]
