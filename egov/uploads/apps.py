from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "egov.uploads"
    label = "uploads"
    verbose_name = "Tệp tải lên"
