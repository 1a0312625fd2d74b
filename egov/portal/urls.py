from django.urls import path

from egov.portal.views import home

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("citizen/", home.citizen_home, name="citizen-home"),
]
