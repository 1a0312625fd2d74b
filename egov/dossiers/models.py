"""The one-stop dossier (hồ sơ TTHC): from online draft or counter reception to the returned result.

A `Dossier` keeps the procedure version it was submitted under, the applicant as they were at
submission, its place in the lifecycle (`state`, mapped to the national status codes 1–10), the
legal clock (appointment, pauses, extensions) and the step it is at. The steps it follows are
copied from the receiving unit's process template when it is accepted (`DossierStep`), so a later
change of the template never rewrites a running dossier; an inter-level transfer inserts the other
unit's steps. Every change goes through `egov.dossiers.services`, one transaction and one audit
event each; `DossierEvent` is the dossier's own timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from egov.procedures.models import Component, Procedure, ProcedureVersion, StepKind, StepRole
from egov.units.models import Unit


class State(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Mới đăng ký, chờ tiếp nhận")
    RECEIVED = "received", _("Đã tiếp nhận, chờ phân công")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Chờ bổ sung hồ sơ")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Đã rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    RESULT_READY = "result_ready", _("Đã có kết quả, chờ trả")
    RETURNED = "returned", _("Đã trả kết quả")


# National status code (DOMAIN.md 2.2, `TrangThaiHoSo`) of each internal state. A draft is not
# registered anywhere yet and has none.
NATIONAL_STATUS: dict[str, int | None] = {
    State.DRAFT: None,
    State.SUBMITTED: 1,
    State.RECEIVED: 2,
    State.REFUSED: 3,
    State.PROCESSING: 4,
    State.AWAITING_SUPPLEMENT: 5,
    State.AWAITING_PAYMENT: 6,
    State.WITHDRAWN: 7,
    State.STOPPED: 8,
    State.RESULT_READY: 9,
    State.RETURNED: 10,
}

CLOSED_STATES = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED, State.RETURNED})
PAUSED_STATES = frozenset({State.AWAITING_SUPPLEMENT, State.AWAITING_PAYMENT})
# Registered and not closed: the dossiers the work queues are made of. Spelled out (rather than
# "not closed, not a draft") so that the database can use an index on `state` and the partial
# indexes below, whose condition is this very list.
OPEN_STATES = tuple(s.value for s in State if s not in CLOSED_STATES and s != State.DRAFT)


class SubmissionChannel(models.IntegerChoices):
    """`KenhThucHien` of the national portal."""

    DIRECT = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Bưu chính công ích")


class Delivery(models.TextChoices):
    COUNTER = "counter", _("Nhận tại bộ phận một cửa")
    POST = "post", _("Nhận qua dịch vụ bưu chính")
    ELECTRONIC = "electronic", _("Nhận kết quả điện tử")


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Tổ chức, doanh nghiệp")


class Timing(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Dossier(models.Model):
    # Unique by a constraint in Meta, not `unique=True`: on PostgreSQL that would add a second,
    # pattern-matching index, and no dossier is found by the beginning of its code.
    code = models.CharField(_("mã hồ sơ"), max_length=40, null=True, blank=True)
    lookup_code = models.CharField(_("mã tra cứu"), max_length=8, blank=True)
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="dossiers"
    )
    version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("phiên bản thủ tục"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    # The unit (one-stop centre, commune) where the dossier was lodged; the code comes from it.
    receiving_unit = models.ForeignKey(
        Unit,
        verbose_name=_("nơi tiếp nhận"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # dossier_recv begins with it
    )
    channel = models.PositiveSmallIntegerField(
        _("kênh nộp"), choices=SubmissionChannel.choices, default=SubmissionChannel.ONLINE
    )
    state = models.CharField(
        _("trạng thái"), max_length=24, choices=State.choices, default=State.DRAFT
    )
    # Optimistic locking: every change bumps it; a change made on a stale copy is refused.
    row_version = models.PositiveIntegerField(default=1)

    # The applicant as they were when the dossier was lodged.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản người nộp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,  # dossier_applicant begins with it
    )
    applicant_kind = models.CharField(
        _("đối tượng"), max_length=16, choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    applicant_name = models.CharField(_("họ tên người nộp / tên tổ chức"), max_length=255)
    applicant_id_number = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True)
    applicant_tax_code = models.CharField(_("mã số thuế"), max_length=14, blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    applicant_phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    subject = models.TextField(_("nội dung yêu cầu"), blank=True)
    sets = models.PositiveSmallIntegerField(_("số bộ hồ sơ"), default=1)
    delivery = models.CharField(
        _("hình thức nhận kết quả"),
        max_length=16,
        choices=Delivery.choices,
        default=Delivery.COUNTER,
    )
    delivery_address = models.CharField(_("địa chỉ nhận kết quả"), max_length=500, blank=True)

    # The legal clock. `due_at` is the appointment (ngày hẹn trả); it moves when the clock resumes
    # after a pause or when an extension is granted, `first_due_at` keeps the first appointment.
    submitted_at = models.DateTimeField(_("thời điểm nộp"), null=True, blank=True)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    counted_from = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("hẹn trả kết quả"), null=True, blank=True)
    first_due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Office time (µs) left on the clock when it paused; negative when already late.
    paused_remaining_us = models.BigIntegerField(null=True, blank=True)
    supplement_count = models.PositiveSmallIntegerField(default=0)
    extension_count = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(_("thời điểm có kết quả"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    timing = models.CharField(
        _("kết quả về thời hạn"), max_length=8, choices=Timing.choices, blank=True
    )

    # Where the dossier is now: denormalised from the current step for the work queues.
    current_step = models.ForeignKey(
        "DossierStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    current_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # dossier_queue begins with it
    )
    current_role = models.CharField(max_length=32, blank=True)
    current_kind = models.CharField(max_length=16, blank=True)
    current_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # dossier_assignee_state begins with it
    )
    step_due_at = models.DateTimeField(null=True, blank=True)

    # The result.
    result_number = models.CharField(_("số, ký hiệu kết quả"), max_length=64, blank=True)
    result_file = models.FileField(_("tệp kết quả"), upload_to="dossiers/results/", blank=True)
    post_tracking_number = models.CharField(_("số hiệu bưu gửi"), max_length=64, blank=True)
    # Amount the applicant must pay before the result (integer VND).
    obligation_vnd = models.BigIntegerField(null=True, blank=True)

    # Folded applicant name, code and ID for the queues' search (set by the services).
    search_key = models.CharField(max_length=600, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["current_unit", "state", "step_due_at"], name="dossier_queue"),
            models.Index(fields=["receiving_unit", "state", "received_at"], name="dossier_recv"),
            models.Index(fields=["applicant", "-created_at"], name="dossier_applicant"),
            models.Index(fields=["state", "due_at"], name="dossier_state_due"),
            # "All dossiers" of a unit, in the order of their appointment: walked in this order,
            # a page of 50 is found after a thousand rows or so, not after sorting all of them.
            models.Index(fields=["due_at", "id"], name="dossier_due"),
            # The work queues read open dossiers only (a few percent of all): by where they
            # wait and for which role, and by who holds them, in the order of their appointment.
            # On PostgreSQL dossier_open_at also holds the assignee and the search key (INCLUDE,
            # migration 0009): a role queue is read, and searched, from the index alone.
            models.Index(
                fields=["current_unit", "current_role", "due_at", "id"],
                name="dossier_open_at",
                condition=Q(state__in=OPEN_STATES),
            ),
            models.Index(
                fields=["current_assignee", "due_at", "id"],
                name="dossier_open_assignee",
                condition=Q(state__in=OPEN_STATES),
            ),
            # SQLite uses a partial index only when the query's condition names its values, and
            # Django passes them as parameters: "waiting for me" read every dossier there.
            models.Index(
                fields=["current_assignee", "state", "due_at"], name="dossier_assignee_state"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="dossier_code_unique"),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="dossier_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in SubmissionChannel]),
                name="dossier_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(state=State.DRAFT) | Q(code__isnull=False),
                name="dossier_registered_has_code",
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(received_at__isnull=False),
                name="dossier_due_needs_receipt",
            ),
            models.CheckConstraint(
                condition=Q(sets__gte=1) & Q(sets__lte=50), name="dossier_sets_range"
            ),
            models.CheckConstraint(
                condition=Q(obligation_vnd__isnull=True) | Q(obligation_vnd__gte=0),
                name="dossier_obligation_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.RETURNED) | Q(returned_at__isnull=False),
                name="dossier_returned_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.code or f"#{self.pk}"

    @property
    def national_status(self) -> int | None:
        return NATIONAL_STATUS[self.state]

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES

    @property
    def state_label(self) -> str:
        """`get_state_display()` for lists: that one rebuilds a dict of every choice per call."""
        return State(self.state).label


class DossierUnit(models.Model):
    """A unit that takes part in a dossier (receives it, or works a step): its staff see it."""

    # Neither key has an index of its own: dossier_unit_unique begins with the dossier,
    # dossier_unit_by_unit with the unit (each index is one more write per change of a row).
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="participants", db_index=False
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    # The dossier's search_key and due_at, copied (the services keep them equal): the queues
    # search a unit's dossiers for a name, code or ID number here. Migration 0007 orders a
    # unit's participants by (due_at, dossier) in one index, with the key included on
    # PostgreSQL, so a common name is read in the page's order until the page is full; and, on
    # PostgreSQL, indexes the words and word pairs of the key (GIN), where a rare term is found.
    search_key = models.CharField(max_length=600, blank=True, default="", editable=False)
    due_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dossier", "unit"], name="dossier_unit_unique"),
        ]
        indexes = [models.Index(fields=["unit", "dossier"], name="dossier_unit_by_unit")]

    def __str__(self) -> str:
        return f"{self.dossier_id} @ {self.unit_id}"


class DossierSequence(models.Model):
    """The last daily sequence number given under an agency code (gap-free, never reused)."""

    agency_code = models.CharField(max_length=24)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency_code", "day"], name="dossier_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_code} {self.day}: {self.last}"


class DossierComponent(models.Model):
    """One paper of the dossier, from the procedure version's checklist (or added by the officer)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="components")
    position = models.PositiveIntegerField(default=0)
    component = models.ForeignKey(
        Component, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.TextField(_("tên giấy tờ"))
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("bản sao"), default=0)
    # Checked by the officer against the paper (counter) or the upload (online).
    provided = models.BooleanField(_("đã nộp"), default=False)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        ordering = ["dossier", "position"]
        verbose_name = _("giấy tờ trong hồ sơ")
        verbose_name_plural = _("giấy tờ trong hồ sơ")

    def __str__(self) -> str:
        return self.name[:120]


class DossierFile(models.Model):
    """An uploaded or scanned file of a component. Stored under a generated name only."""

    component = models.ForeignKey(DossierComponent, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="dossiers/files/%Y/%m/")
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class DossierStep(models.Model):
    """One step of the dossier's processing; together they are the control slip (phiếu kiểm
    soát): who handed the dossier over to whom and when, and whether each step kept its time."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    role = models.CharField(max_length=32, choices=StepRole.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(max_digits=8, decimal_places=2)
    # For the steps inserted by an inter-level transfer: the transfer step they belong to.
    transfer = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="inserted"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    timing = models.CharField(max_length=8, choices=Timing.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["dossier", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "position"], name="dossier_step_position_unique"
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="dossier_step_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_kind_display()}"


class DossierEvent(models.Model):
    """The dossier's timeline: every transition, who did it, and what the applicant may see."""

    # dossier_event_timeline begins with the dossier: no index of its own
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=32)
    state_from = models.CharField(max_length=24, blank=True)
    state_to = models.CharField(max_length=24)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    step = models.ForeignKey(
        DossierStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    note = models.TextField(blank=True)
    # Shown to the applicant on the lookup page (internal hand-overs are not).
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="dossier_event_timeline")]

    def __str__(self) -> str:
        return f"{self.action} {self.state_from}→{self.state_to}"

    @property
    def state_label(self) -> str:
        return State(self.state_to).label if self.state_to in State.values else self.state_to

    @property
    def action_label(self) -> str:
        from egov.dossiers.transitions import TRANSITIONS

        if self.action == "draft":
            return str(_("Tạo hồ sơ"))
        if any(t.action == self.action for t in TRANSITIONS):
            return str(TRANSITIONS.get(self.action).label)
        return self.action


class SupplementRequest(models.Model):
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (form 02)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplements")
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    items = models.TextField(_("giấy tờ cần bổ sung, hoàn thiện"))
    reason = models.TextField(_("lý do"))
    # The state the dossier returns to once supplemented.
    resume_state = models.CharField(max_length=24, choices=State.choices)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer_note = models.TextField(blank=True)

    class Meta:
        ordering = ["dossier", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(answered_at__isnull=True),
                name="dossier_one_open_supplement",
            ),
        ]

    def __str__(self) -> str:
        return self.items[:120]


class Decision(models.Model):
    """A written decision on the dossier that has its own form: refusal (03), apology and
    extension (04), stop notice (05), withdrawal."""

    class Kind(models.TextChoices):
        REFUSAL = "refusal", _("Từ chối tiếp nhận giải quyết hồ sơ")
        EXTENSION = "extension", _("Xin lỗi và đề nghị gia hạn thời gian giải quyết")
        STOP = "stop", _("Dừng giải quyết hồ sơ")
        WITHDRAWAL = "withdrawal", _("Rút hồ sơ")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("lý do"))
    new_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="extension") | Q(new_due_at__isnull=False),
                name="dossier_extension_has_new_due",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Rất hài lòng")
    SATISFIED = "satisfied", _("Hài lòng")
    NOT_SATISFIED = "not_satisfied", _("Không hài lòng")


class Rating(models.Model):
    """The applicant's satisfaction with the handling of one dossier (DOMAIN.md 5)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    overall = models.CharField(_("mức độ hài lòng"), max_length=16, choices=Satisfaction.choices)
    # Optional detail: criterion number (1–9) → satisfaction value.
    criteria = models.JSONField(default=dict, blank=True)
    comment = models.TextField(_("ý kiến"), blank=True)
    via_counter = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(overall__in=[s.value for s in Satisfaction]),
                name="rating_overall_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_overall_display()
