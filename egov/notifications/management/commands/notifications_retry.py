"""manage.py notifications_retry: one pass of the outbox sweeper.

Celery beat runs it every minute where Redis is configured; the embedded default runs this
command from cron (or a systemd timer) instead."""

from django.core.management.base import BaseCommand

from egov.notifications.services import retry_due


class Command(BaseCommand):
    help = "Gửi lại các thông báo đến hạn thử lại / send the notifications that are due again."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, **options):
        outcome = retry_due(limit=max(options["limit"], 1))
        self.stdout.write(
            f"sent {outcome['sent']}, pending {outcome['pending']}, failed {outcome['failed']}"
        )
