"""Background tasks of the catalogue (ids and dates only; safe to run twice)."""

from __future__ import annotations

from egov.celery import app
from egov.procedures import services


@app.task(ignore_result=True)
def versions_take_effect() -> None:
    services.versions_take_effect()
