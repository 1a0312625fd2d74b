"""Give a commune the default process templates of the commune procedures people use most.

    manage.py load_commune_templates --unit 99001 [--unit ...] [--limit 40] [--replace]

Only procedures whose current version carries a structured legal time (amount and unit, as
imported from the national catalogue) get a template; the others are listed and skipped, never
guessed. The split of the legal time across the steps (receive → appraise → approve → sign →
return) is egov's default (`templates_services.DEFAULT_SPLIT`), not a regulation: each unit
adjusts it on /office/catalogue/. Runs as the system; every change is audited.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from egov.procedures import templates_services as svc
from egov.units.models import Unit


class Command(BaseCommand):
    help = "Default process templates for the most used commune procedures (our split)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--unit",
            action="append",
            required=True,
            help="Unit id or statistical code (repeatable).",
        )
        parser.add_argument("--limit", type=int, default=40)
        parser.add_argument("--replace", action="store_true", help="Replace active templates.")

    def handle(self, *args, **options) -> None:
        limit = options["limit"]
        if not 1 <= limit <= 500:
            raise CommandError("--limit must be between 1 and 500.")
        units = []
        for ref in options["unit"]:
            ref = (ref or "").strip()
            if not (ref.isascii() and ref.isdigit()):
                raise CommandError(f"Unknown unit: {ref[:20]!r}")
            unit = Unit.objects.filter(code=ref).first() or Unit.objects.filter(pk=int(ref)).first()
            if unit is None:
                raise CommandError(f"Unknown unit: {ref}")
            units.append(unit)
        procedures = svc.common_commune_procedures(limit)
        if not procedures:
            raise CommandError(
                "No commune procedure with a structured legal time: import the catalogue first."
            )
        for unit in units:
            result = svc.load_default_templates(
                unit=unit, procedures=procedures, replace=options["replace"]
            )
            self.stdout.write(
                f"{unit.name}: {len(result.created)} templates created, "
                f"{len(result.kept)} kept, {len(result.skipped)} skipped"
            )
