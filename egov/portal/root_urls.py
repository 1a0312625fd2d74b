"""The project-wide `home` route (no namespace: LOGIN_REDIRECT_URL = "home")."""

from django.urls import path

from egov.portal.views import home

urlpatterns = [
    path("", home.route_home, name="home"),
]
