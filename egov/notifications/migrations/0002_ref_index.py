"""The notification's `ref` indexed once: callers find their messages by equality; the LIKE
twin that `db_index=True` adds on PostgreSQL was one more entry per insert and update (issue 5).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="ref",
            field=models.CharField(blank=True, max_length=100, verbose_name="liên quan đến"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["ref"], name="notification_ref"),
        ),
    ]
