"""/api/v1/procedures/: the public procedure catalogue (included by egov/api/urls.py)."""

from django.urls import path

from egov.procedures.api.views import ProcedureDetailView, ProcedureListView, ProcedureSuggestView

app_name = "procedures_api"

urlpatterns = [
    path("", ProcedureListView.as_view(), name="list"),
    path("suggest/", ProcedureSuggestView.as_view(), name="suggest"),
    path("<str:code>/", ProcedureDetailView.as_view(), name="detail"),
]
