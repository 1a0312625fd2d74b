from django.urls import path

from egov.office.views import catalogue

urlpatterns = [
    path("", catalogue.catalogue_assignments, name="catalogue-assignments"),
    path(
        "<int:unit_id>/<str:code>/template/",
        catalogue.catalogue_template,
        name="catalogue-template",
    ),
]
