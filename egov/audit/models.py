"""Audit events: append-only and hash-chained.

Each event stores `seq` (its primary key: 1, 2, 3 ... without gaps), the hash of the event before
it (`prev_hash`) and its own `hash`, a SHA-256 over a canonical serialisation of every other stored
field (see `egov.audit.chain`). Changing, removing or slipping in a row breaks the chain, and
`manage.py audit_verify` names the first broken link.

The rows are never updated or deleted through Django (the model and its queryset refuse), and on
PostgreSQL a trigger refuses UPDATE and DELETE in SQL as well (migration 0002).

Foreign keys to the actor, the unit and the content type keep their id even when the referenced
row disappears (`DO_NOTHING`, no database constraint): changing an audit row would break the chain,
so the name of the actor and of the unit are copied into `actor_label` and `unit_name`.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from egov.units.models import Unit

ZERO_HASH = "0" * 64


class AuditLogImmutable(RuntimeError):
    """Raised on any attempt to change or delete an audit event through Django."""


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise AuditLogImmutable("Nhật ký kiểm toán chỉ được ghi thêm / the audit log is append-only.")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    update = _refuse
    delete = _refuse
    bulk_update = _refuse
    bulk_create = _refuse  # events are appended one by one through audit_record (the chain)
    update_or_create = _refuse
    _raw_delete = _refuse


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(_("số thứ tự"), primary_key=True)
    created_at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("tài khoản"), max_length=150, blank=True)
    role = models.CharField(_("vai trò"), max_length=32, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    unit_name = models.CharField(_("tên đơn vị"), max_length=255, blank=True)
    action = models.CharField(_("hành động"), max_length=64)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("loại đối tượng"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    object_repr = models.CharField(_("đối tượng"), max_length=200, blank=True)
    summary = models.JSONField(_("nội dung thay đổi"), default=dict, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    request_id = models.CharField(_("mã yêu cầu"), max_length=64, blank=True)
    user_agent = models.CharField(_("trình duyệt"), max_length=200, blank=True)
    prev_hash = models.CharField(_("mã băm trước"), max_length=64)
    # Not indexed: no event is looked up by its hash (the chain is checked in `seq` order), and
    # an index of random values would take a random page of a large index on every event
    # written. Two events cannot share one unless SHA-256 collides: each hashes its own `seq`.
    hash = models.CharField(_("mã băm"), max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("sự kiện nhật ký")
        verbose_name_plural = _("nhật ký kiểm toán")
        ordering = ["-seq"]
        indexes = [
            # The log filtered by an account (`actor_label__iexact`, any case) and by the start
            # of an action ("unit."): each read through one index, written once per event.
            models.Index(Upper("actor_label"), name="audit_actor_label_upper"),
            models.Index(fields=["action"], opclasses=["varchar_pattern_ops"], name="audit_action"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()

    @property
    def role_label(self) -> str:
        """The role's name for display (the code itself if it is not a known role)."""
        from egov.accounts.models import Role  # display only; audit does not depend on accounts

        return str(dict(Role.choices).get(self.role, self.role))

    @property
    def summary_text(self) -> str:
        return json.dumps(self.summary, ensure_ascii=False, sort_keys=True)

    @property
    def summary_pretty(self) -> str:
        return json.dumps(self.summary, ensure_ascii=False, sort_keys=True, indent=2)


class AuditChainHead(models.Model):
    """The one row that holds the end of the chain. Writers lock it (select_for_update) to append,
    which serialises them; the verifier compares it with the last event (a cut tail shows)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=ZERO_HASH)
    # the hash before the last event's: the last event's prev_hash, handed back by the statement
    # that appends an event and moves the head in one (PostgreSQL, `audit_record`)
    prev_hash = models.CharField(max_length=64, default=ZERO_HASH)

    class Meta:
        verbose_name = _("đầu chuỗi nhật ký")
        verbose_name_plural = _("đầu chuỗi nhật ký")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single_row"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq}"
