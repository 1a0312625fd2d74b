"""Seed the government's day swaps cited in DOMAIN.md §10 (the Saturdays worked in exchange for a
day off; the days off themselves are in the holidays package). Same rows as
`services.CITED_EXCEPTIONS`; written here as data so that the migration never changes with the
code. No audit event: a migration acts for nobody; `services.load_calendar_exceptions` re-creates
a deleted row with an event."""

import datetime

from django.db import migrations

_SOURCE = (
    "Hoán đổi ngày làm việc của công chức, viên chức do Chính phủ công bố; trích dẫn: "
    "DOMAIN.md §10 [V] ({}). Ngày nghỉ hoán đổi đã có trong gói holidays: {}."
)

ROWS = [
    (
        datetime.date(2025, 4, 26),
        "Làm bù cho ngày nghỉ 02/05/2025",
        _SOURCE.format(
            "2025: nghỉ 2/5, làm bù thứ Bảy 26/4",
            "“Ngày nghỉ (thay cho ngày 26/04/2025)” ngày 02/05/2025",
        ),
    ),
    (
        datetime.date(2026, 8, 22),
        "Làm bù cho ngày nghỉ 31/08/2026",
        _SOURCE.format(
            "2026: nghỉ 31/8, hoán đổi với thứ Bảy 22/8",
            "“Ngày nghỉ (thay cho ngày 22/08/2026)” ngày 31/08/2026",
        ),
    ),
]


def forwards(apps, schema_editor):
    CalendarException = apps.get_model("workcalendar", "CalendarException")
    for day, name, note in ROWS:
        if not CalendarException.objects.filter(date=day, unit__isnull=True).exists():
            CalendarException.objects.create(
                date=day, unit=None, kind="working_day", name=name, note=note
            )


def backwards(apps, schema_editor):
    CalendarException = apps.get_model("workcalendar", "CalendarException")
    for day, name, _note in ROWS:
        CalendarException.objects.filter(date=day, unit__isnull=True, name=name).delete()


class Migration(migrations.Migration):
    dependencies = [("workcalendar", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
