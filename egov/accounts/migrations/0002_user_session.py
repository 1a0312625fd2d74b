"""Sessions kept with their user's key (accounts.UserSession): a request reads both in one query.

The sessions still open in Django's table are copied, each with the user its data names, so
nobody is signed out by the upgrade. Data that cannot be read (signed with another SECRET_KEY, or
damaged) is left behind: that session was already unusable.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_open_sessions(apps, schema_editor):
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    Old = apps.get_model("sessions", "Session")
    New = apps.get_model("accounts", "UserSession")
    decoder = SessionStore()
    batch = []
    for row in Old.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000):
        data = decoder.decode(row.session_data)  # {} when it cannot be read
        if not data:
            continue
        try:
            user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            user_id = None
        if user_id is not None and not 0 < user_id < 2**63:
            user_id = None
        batch.append(
            New(
                session_key=row.session_key,
                session_data=row.session_data,
                expire_date=row.expire_date,
                user_id=user_id,
            )
        )
        if len(batch) >= 2000:
            New.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    New.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('sessions', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='UserSession',
            fields=[
                ('session_key', models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name='session key')),
                ('session_data', models.TextField(verbose_name='session data')),
                ('expire_date', models.DateTimeField(db_index=True, verbose_name='expire date')),
                ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người dùng')),
            ],
            options={
                'verbose_name': 'session',
                'verbose_name_plural': 'sessions',
                'db_table': 'accounts_session',
                'abstract': False,
            },
        ),
        migrations.RunPython(copy_open_sessions, migrations.RunPython.noop),
    ]
