from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "egov.procedures"
    label = "procedures"
    verbose_name = "Thủ tục hành chính"

    def ready(self) -> None:
        # Connects the search index's save signals in every process, not only where it searches.
        from egov.procedures import search  # noqa: F401
