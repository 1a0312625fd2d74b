from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "egov.core"
    label = "core"
    verbose_name = "Lõi dùng chung"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from egov.core.prepared import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="egov.core.prepared")
