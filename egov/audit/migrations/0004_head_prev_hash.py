"""The chain head keeps the last event's `prev_hash` too (issue 5): on PostgreSQL one statement
moves the head and appends the event, and the head's UPDATE hands back what the event links to.
An existing head takes the value from its last event."""

from django.db import migrations, models

ZERO_HASH = "0" * 64


def fill_from_last_event(apps, schema_editor):
    head = apps.get_model("audit", "AuditChainHead").objects.filter(pk=1).first()
    last = apps.get_model("audit", "AuditEvent").objects.order_by("-seq").first()
    if head is not None and last is not None:
        head.prev_hash = last.prev_hash
        head.save(update_fields=["prev_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_fewer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="prev_hash",
            field=models.CharField(default=ZERO_HASH, max_length=64),
        ),
        migrations.RunPython(fill_from_last_event, migrations.RunPython.noop),
    ]
