from django.urls import path, re_path

from egov.portal.views import catalogue, dossiers, forms, home

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("citizen/", home.citizen_home, name="citizen-home"),
    path("thu-tuc/", catalogue.procedure_list, name="procedure-list"),
    path("thu-tuc/tim-kiem/", catalogue.procedure_search, name="procedure-search"),
    # The national code d.dddddd (anything else is not a procedure page: 404).
    re_path(
        r"^thu-tuc/(?P<code>[0-9]\.[0-9]{6})/$",
        catalogue.procedure_detail,
        name="procedure-detail",
    ),
    re_path(
        r"^thu-tuc/(?P<code>[0-9]\.[0-9]{6})/nop-truc-tuyen/$",
        dossiers.start,
        name="dossier-start",
    ),
    path("ho-so/", dossiers.my_dossiers, name="dossier-list"),
    path("ho-so/<int:pk>/", dossiers.detail, name="dossier-detail"),
    path("ho-so/<int:pk>/ket-qua/", dossiers.result_file, name="dossier-result"),
    path("ho-so/<int:pk>/tep/", dossiers.upload, name="dossier-upload"),
    path("ho-so/<int:pk>/tep/<int:file_id>/xoa/", dossiers.remove_file, name="dossier-file-remove"),
    path("ho-so/<int:pk>/<slug:action>/", dossiers.act, name="dossier-act"),
    path("tra-cuu-ho-so/", dossiers.lookup, name="dossier-lookup"),
    re_path(
        r"^thu-tuc/(?P<code>[0-9]\.[0-9]{6})/mau/(?P<component_id>[0-9]{1,12})/$",
        forms.component_template_download,
        name="component-template",
    ),
]
