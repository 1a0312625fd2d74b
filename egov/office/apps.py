from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "egov.office"
    label = "office"
    verbose_name = "Văn phòng cán bộ"
