"""Staff-facing pages under /office/. Each topic keeps its own url module."""

from django.urls import include, path

app_name = "office"

urlpatterns = [
    path("", include("egov.office.home_urls")),
    path("units/", include("egov.office.units_urls")),
    path("audit/", include("egov.office.audit_urls")),
    path("calendar/", include("egov.office.calendar_urls")),
    path("catalogue/", include("egov.office.catalogue_urls")),
    path("dossiers/", include("egov.office.dossiers_urls")),
]
