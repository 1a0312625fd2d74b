"""REST API v1. Each domain keeps its own url module of API routes."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("calendar/", include("egov.workcalendar.api_urls")),
    path("procedures/", include("egov.procedures.api.urls")),
    path("", include("egov.dossiers.api.urls")),
]
