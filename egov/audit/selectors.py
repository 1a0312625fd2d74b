"""Reading the audit trail: always through the acting user's scope."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from egov.accounts.policy import Perm, scope_q
from egov.audit.models import AuditEvent
from egov.units.models import Unit, subtree_q


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_for(
    user: Any,
    *,
    action: str | None = None,
    actor: Any = None,
    unit: Unit | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: str | None = None,
) -> QuerySet[AuditEvent]:
    """Events the user may see (audit.view on the event's unit; events without a unit only for
    system administrators), newest first.

    `action` matches the start of the action ("unit." finds every unit action); `actor` is a
    user or a username (matched on the copied label, so deleted users are found too); `unit`
    selects events of that unit and the units below it; dates are local calendar days, both
    included; `q` searches the action, the account and the object.
    """
    events = AuditEvent.objects.filter(scope_q(user, Perm.AUDIT_VIEW, field="unit"))
    if action:
        events = events.filter(action__startswith=action)
    if actor is not None and actor != "":
        if isinstance(actor, str):
            events = events.filter(actor_label__iexact=actor)
        else:
            events = events.filter(actor_id=actor.pk)
    if unit is not None:
        below = subtree_q(unit.path, "unit") if unit.path else Q(pk__in=[])
        events = events.filter(Q(unit_id=unit.pk) | below)
    if date_from:
        events = events.filter(created_at__gte=_local_midnight(date_from))
    if date_to:
        events = events.filter(created_at__lt=_local_midnight(date_to + timedelta(days=1)))
    if q:
        events = events.filter(
            Q(action__icontains=q) | Q(actor_label__icontains=q) | Q(object_repr__icontains=q)
        )
    return events.select_related("content_type").order_by("-seq")
