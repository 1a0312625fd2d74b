from django.apps import AppConfig


class WorkcalendarConfig(AppConfig):
    name = "egov.workcalendar"
    label = "workcalendar"
    verbose_name = "Lịch làm việc"
