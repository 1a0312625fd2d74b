"""Fewer indexes on the audit log, written once per event (issue 5; bench/README.md, tenth run).

Dropped: the hash's unique index and its LIKE twin (random keys, nothing reads an event by its
hash), the plain and LIKE indexes of `actor_label` (the page filters it with `__iexact`, which
neither served) and of `action`. Added: `UPPER(actor_label)` and `action varchar_pattern_ops`, the
two the audit page's filters use.
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_trigger"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("units", "0003_path_c_collation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=64, verbose_name="hành động"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor_label",
            field=models.CharField(blank=True, max_length=150, verbose_name="tài khoản"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64, verbose_name="mã băm"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                django.db.models.functions.text.Upper("actor_label"), name="audit_actor_label_upper"
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["action"], name="audit_action", opclasses=["varchar_pattern_ops"]
            ),
        ),
    ]
