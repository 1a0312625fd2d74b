from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "egov.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền"

    def ready(self) -> None:
        # Login, failed login and logout write audit events (django.contrib.auth signals).
        from egov.accounts import signals_auth  # noqa: F401
