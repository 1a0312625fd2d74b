from django.urls import path

from egov.office.views import home

urlpatterns = [
    path("", home.home, name="home"),
]
