"""manage.py audit_verify: walk the audit chain and report the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from egov.audit.services import audit_verify_chain


class Command(BaseCommand):
    help = "Kiểm tra chuỗi băm của nhật ký kiểm toán / verify the audit log hash chain."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, **options):
        result = audit_verify_chain(chunk_size=max(options["chunk_size"], 1))
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(result.message)
