from django.urls import path

from egov.office.views import calendar

urlpatterns = [
    path("", calendar.calendar_year, name="calendar"),
]
