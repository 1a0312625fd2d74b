from django.urls import path, re_path

from egov.portal.views import catalogue, home

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
]
