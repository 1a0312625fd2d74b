"""The Celery app: tasks run on Redis workers, or inline when REDIS_URL is not set."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.settings")
app = Celery("egov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(*args, **kwargs) -> None:
    """Around each task, as around each request: close a connection that is broken, left in
    the wrong transaction state or older than CONN_MAX_AGE, and keep the others (settings
    CELERY_DB_REUSE_MAX says why Celery's own closing is off). Eager tasks run inside the caller's
    request or transaction and are left alone."""
    task = kwargs.get("task") or kwargs.get("sender")
    if getattr(getattr(task, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
