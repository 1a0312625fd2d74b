"""/api/v1/calendar/: the public working-day calendar (included by egov/api/urls.py)."""

from django.urls import path

from egov.workcalendar.api_views import CalendarYearView, DueDateView

app_name = "workcalendar_api"

urlpatterns = [
    path("due-date/", DueDateView.as_view(), name="due-date"),
    path("<str:year>/", CalendarYearView.as_view(), name="year"),
]
