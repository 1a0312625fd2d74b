"""Reads of the outbox. Rows belong to no unit: the caller decides who may see them, through the
object named in `ref` (e.g. only staff who may see dossier 123 read "dossier:123")."""

from __future__ import annotations

from django.db.models import QuerySet

from egov.notifications.models import Notification


def notifications_about(ref: str) -> QuerySet[Notification]:
    """The messages queued about one object, oldest first."""
    return Notification.objects.filter(ref=ref).order_by("created_at", "pk")
