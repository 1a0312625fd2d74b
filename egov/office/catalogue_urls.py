from django.urls import path, re_path

from egov.office.views import catalogue, catalogue_edit

urlpatterns = [
    path("", catalogue.catalogue_assignments, name="catalogue-assignments"),
    path(
        "<int:unit_id>/<str:code>/template/",
        catalogue.catalogue_template,
        name="catalogue-template",
    ),
    re_path(
        r"^thu-tuc/(?P<code>[0-9]\.[0-9]{6})/$",
        catalogue_edit.procedure_edit,
        name="catalogue-procedure-edit",
    ),
]
