from django.core.management.base import BaseCommand, CommandError

from egov.core.errors import DomainError
from egov.demo import services


class Command(BaseCommand):
    help = "Nạp dữ liệu demo (tỉnh Thanh Hóa, tài khoản demo). Idempotent; chỉ khi DEBUG bật."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-accounts", action="store_true", help="Không in danh sách tài khoản demo."
        )

    def handle(self, *args, **options):
        try:
            counts = services.load_demo()
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Dữ liệu demo sẵn sàng / demo data ready: {counts['units']} đơn vị, "
                f"{counts['users']} tài khoản, {counts.get('procedures', 0)} thủ tục hành chính, "
                f"{counts.get('dossiers', 0)} hồ sơ."
            )
        )
        self.stdout.write(
            f"Mẫu đơn, tờ khai / form templates: {counts.get('forms', 0)} thành phần hồ sơ có mẫu; "
            f"{counts.get('forms_missing', 0)} mẫu chưa có tệp, "
            f"{counts.get('forms_refused', 0)} tệp bị từ chối."
        )
        if not options["quiet_accounts"]:
            self.stdout.write(accounts_table())


def accounts_table() -> str:
    from egov.accounts.models import Role
    from egov.units.models import Unit

    names = dict(
        Unit.objects.filter(
            valid_to__isnull=True, code__in=[a.place for a in services.DEMO_ACCOUNTS]
        ).values_list("code", "name")
    )

    lines = [
        "",
        f"Tài khoản demo / demo accounts (mật khẩu / password: {services.DEMO_PASSWORD})",
        f"{'tên đăng nhập':<18} {'họ tên':<30} {'vai trò':<24} nơi",
    ]
    for a in services.DEMO_ACCOUNTS:
        role = str(Role(a.role).label) if a.role else "Công dân / doanh nghiệp"
        place = {"": "", "province": "Tỉnh Thanh Hóa"}.get(a.place, names.get(a.place, a.place))
        if a.include_subtree:
            place += " (cả đơn vị trực thuộc)"
        lines.append(f"{a.username:<18} {a.full_name:<30} {role:<24} {place}")
    return "\n".join(lines)
