from django.urls import path

from egov.office.views import units

urlpatterns = [
    path("", units.unit_list, name="unit-list"),
    path("<int:pk>/", units.unit_detail, name="unit-detail"),
    path("export.csv", units.unit_export, name="unit-export"),
    path("import/", units.unit_import, name="unit-import"),
]
