"""The administrative procedure catalogue (TTHC): procedures, their published versions, and which
units handle them.

A `Procedure` is the stable identity (the national code `d.dddddd`). Everything the national
database publishes about it lives on a `ProcedureVersion`: a publication decision adds, amends or
rescinds a procedure from a date, so the portal shows the version in force and a dossier keeps the
version it was submitted under. Texts that the source gives only as free text (fees, times without a
unit) are kept as text and flagged, never guessed into numbers.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from egov.units.models import Unit

CODE_PATTERN = r"^[0-9]\.[0-9]{6}$"


class Level(models.TextChoices):
    PROVINCE = "tinh", _("Cấp tỉnh")
    COMMUNE = "xa", _("Cấp xã")
    MINISTRY = "bo", _("Cấp bộ")
    OTHER = "khac", _("Cơ quan khác")


class Channel(models.TextChoices):
    DIRECT = "direct", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POSTAL = "postal", _("Dịch vụ bưu chính")


class TimeUnit(models.TextChoices):
    WORKING_DAY = "working_day", _("ngày làm việc")
    DAY = "day", _("ngày")
    HOUR = "hour", _("giờ")
    MONTH = "month", _("tháng")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không trực tuyến")


class VersionAction(models.TextChoices):
    PUBLISHED = "published", _("Công bố mới")
    AMENDED = "amended", _("Sửa đổi, bổ sung")
    RESCINDED = "rescinded", _("Bãi bỏ")


class Field(models.Model):
    """Lĩnh vực (sector) as the national catalogue names it."""

    name = models.CharField(_("lĩnh vực"), max_length=255, unique=True)
    slug = models.SlugField(max_length=255, unique=True)
    search_key = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["search_key"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    code = models.CharField(_("mã thủ tục"), max_length=8, unique=True)
    # The version shown on the portal today; recomputed when versions change (see services).
    current = models.ForeignKey(
        "ProcedureVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=CODE_PATTERN), name="procedure_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ProcedureVersion(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    action = models.CharField(
        _("nội dung công bố"),
        max_length=16,
        choices=VersionAction.choices,
        default=VersionAction.PUBLISHED,
    )
    decision_no = models.CharField(_("số quyết định công bố"), max_length=64, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    effective_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    effective_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    name = models.TextField(_("tên thủ tục"))
    levels = models.JSONField(_("cấp thực hiện"), default=list)
    procedure_type = models.CharField(_("loại thủ tục"), max_length=255, blank=True)
    field = models.ForeignKey(
        Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="versions"
    )
    steps = models.TextField(_("trình tự thực hiện"), blank=True)
    subjects = models.TextField(_("đối tượng thực hiện"), blank=True)
    agency = models.TextField(_("cơ quan thực hiện"), blank=True)
    competent_agency = models.TextField(_("cơ quan có thẩm quyền"), blank=True)
    delegated_agency = models.TextField(_("cơ quan được ủy quyền"), blank=True)
    coordinating_agencies = models.TextField(_("cơ quan phối hợp"), blank=True)
    receiving_address = models.TextField(_("địa chỉ tiếp nhận hồ sơ"), blank=True)
    result = models.TextField(_("kết quả thực hiện"), blank=True)
    conditions = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    keywords = models.TextField(_("từ khóa"), blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    fee_exemptions = models.TextField(_("miễn, giảm phí"), blank=True)
    ministry = models.CharField(_("cơ quan ban hành"), max_length=255, blank=True)
    # As published, when the source gives no structured value (kept, never guessed).
    processing_time_text = models.TextField(_("thời hạn giải quyết (văn bản)"), blank=True)
    fees_text = models.TextField(_("phí, lệ phí (văn bản)"), blank=True)
    # Caveats of the data: e.g. "time_without_unit", "fees_free_text", "added_by_hand".
    flags = models.JSONField(default=list, blank=True)
    portal_url = models.URLField(_("trang trên Cổng DVC quốc gia"), max_length=500, blank=True)
    source = models.JSONField(default=dict, blank=True)
    # Folded texts, computed on save by the services (never at query time).
    name_key = models.TextField(editable=False, default="")
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure__code", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=[a.value for a in VersionAction]),
                name="procedure_version_action_valid",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="procedure_version_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["procedure", "decision_no", "effective_from"],
                name="procedure_version_unique_per_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} — {self.name[:80]}"


class Method(models.Model):
    """Cách thức thực hiện: a submission channel with its processing time and fee."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="methods")
    channel = models.CharField(_("hình thức nộp"), max_length=16, choices=Channel.choices)
    time_amount = models.DecimalField(
        _("thời hạn"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    time_unit = models.CharField(
        _("đơn vị thời hạn"), max_length=16, choices=TimeUnit.choices, blank=True
    )
    time_text = models.CharField(_("thời hạn (văn bản)"), max_length=500, blank=True)
    fee_vnd = models.BigIntegerField(_("phí, lệ phí (đồng)"), null=True, blank=True)
    fee_text = models.TextField(_("phí, lệ phí (văn bản)"), blank=True)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        verbose_name = _("cách thức thực hiện")
        verbose_name_plural = _("cách thức thực hiện")
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]), name="method_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(time_amount__isnull=True) | Q(time_amount__gt=0),
                name="method_time_positive",
            ),
            models.CheckConstraint(
                condition=Q(time_amount__isnull=True, time_unit="")
                | (Q(time_amount__isnull=False) & ~Q(time_unit="")),
                name="method_time_has_unit",
            ),
            models.CheckConstraint(
                condition=Q(fee_vnd__isnull=True) | Q(fee_vnd__gte=0),
                name="method_fee_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.time_text or self.time_amount}"


class Component(models.Model):
    """Thành phần hồ sơ: one document of the dossier."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="components"
    )
    position = models.PositiveIntegerField(default=0)
    case = models.TextField(_("trường hợp"), blank=True)
    name = models.TextField(_("tên giấy tờ"))
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("bản sao"), default=0)
    template = models.FileField(_("mẫu đơn, tờ khai"), upload_to="procedures/forms/", blank=True)
    template_name = models.CharField(_("tên mẫu"), max_length=255, blank=True)
    reusable = models.BooleanField(_("dùng lại dữ liệu đã số hóa"), default=False)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return self.name[:120]


class LegalBasis(models.Model):
    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="legal_bases"
    )
    position = models.PositiveIntegerField(default=0)
    number = models.CharField(_("số ký hiệu"), max_length=64)
    summary = models.TextField(_("trích yếu"), blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("căn cứ pháp lý")
        verbose_name_plural = _("căn cứ pháp lý")
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return self.number


class Assignment(models.Model):
    """A unit handles a procedure: its online level there, channels and same-day cutoff."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="procedure_assignments")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="assignments")
    online_level = models.CharField(
        _("mức độ trực tuyến"),
        max_length=16,
        choices=OnlineLevel.choices,
        default=OnlineLevel.NONE,
    )
    full_process_eligible = models.BooleanField(_("đủ điều kiện toàn trình"), default=False)
    channels = models.JSONField(_("hình thức tiếp nhận"), default=list)
    cutoff = models.TimeField(_("giờ tiếp nhận trong ngày"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thủ tục của đơn vị")
        verbose_name_plural = _("thủ tục của đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["unit", "procedure"], name="assignment_unique"),
            models.CheckConstraint(
                condition=Q(online_level__in=[o.value for o in OnlineLevel]),
                name="assignment_online_level_valid",
            ),
            models.CheckConstraint(
                condition=~Q(online_level="full") | Q(full_process_eligible=True),
                name="assignment_full_needs_eligibility",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.procedure}"


# --- Process templates (quy trình nội bộ) -------------------------------------------------------
# Owned by the process-templates work: how a unit processes a procedure, step by step, and the
# share of the legal time each step gets. Written only through `egov.procedures.templates_services`.


class StepKind(models.TextChoices):
    RECEIVE = "receive", _("Tiếp nhận hồ sơ")
    ASSIGN = "assign", _("Phân công xử lý")
    APPRAISE = "appraise", _("Thẩm định, xử lý hồ sơ")
    CONSULT = "consult", _("Lấy ý kiến phối hợp")
    APPROVE = "approve", _("Phê duyệt")
    SIGN = "sign", _("Ký, ban hành kết quả")
    RETURN = "return", _("Trả kết quả")
    TRANSFER = "transfer", _("Chuyển liên thông sang đơn vị khác")


class StepRole(models.TextChoices):
    """The roles that act in a step (values of `egov.accounts.models.Role`)."""

    ONE_STOP_OFFICER = "one_stop_officer", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    LEADER = "leader", _("Lãnh đạo")
    CLERK = "clerk", _("Văn thư")


class ProcessTemplate(models.Model):
    """The steps by which `unit` processes `procedure`. Saving a template writes a new row (the
    next `revision`) and retires the previous one, so at most one is active per pair and the
    steps a dossier followed stay readable."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="process_templates"
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("thủ tục"),
        on_delete=models.PROTECT,
        related_name="process_templates",
    )
    revision = models.PositiveIntegerField(_("lần sửa"), default=1)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    # The version and the legal time (in working hours) the steps were checked against.
    checked_version = models.ForeignKey(
        ProcedureVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    legal_hours = models.DecimalField(
        _("thời hạn theo quy định (giờ làm việc)"), max_digits=9, decimal_places=2
    )
    total_hours = models.DecimalField(
        _("tổng thời gian các bước (giờ làm việc)"), max_digits=9, decimal_places=2
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")
        ordering = ["procedure__code", "unit", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "procedure"],
                condition=Q(is_active=True),
                name="process_template_one_active",
            ),
            models.UniqueConstraint(
                fields=["unit", "procedure", "revision"], name="process_template_revision_unique"
            ),
            models.CheckConstraint(
                condition=Q(total_hours__gt=0) & Q(total_hours__lte=models.F("legal_hours")),
                name="process_template_within_legal_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure} — {self.unit} (#{self.revision})"


class ProcessStep(models.Model):
    template = models.ForeignKey(ProcessTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    kind = models.CharField(_("bước"), max_length=16, choices=StepKind.choices)
    role = models.CharField(_("vai trò thực hiện"), max_length=32, choices=StepRole.choices)
    # The unit that acts; for a transfer step, the unit that receives the dossier.
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị thực hiện"), on_delete=models.PROTECT, related_name="+"
    )
    hours = models.DecimalField(_("thời gian (giờ làm việc)"), max_digits=8, decimal_places=2)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("bước xử lý")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "position"], name="process_step_position_unique"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="process_step_hours_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in StepKind]), name="process_step_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in StepRole]), name="process_step_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_kind_display()}"
