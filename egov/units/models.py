"""The administrative unit tree: provinces, communes, historical districts, and the agencies
inside them, as data with validity dates.

Two relations matter:
- `parent` is where the unit sat when it existed (a commune under its district until 30/06/2025);
- `path` is where the unit is found *now* for access scoping: a live unit under its parent, a
  merged unit under the unit it was merged into. A grant over a subtree is a prefix match on
  `path`, so everything that belonged to a merged unit is found under its successor.
"""

from __future__ import annotations

import re
from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Decision 20/2020/QĐ-TTg (amended by 09/2025/QĐ-TTg): AAA.BB.CC.Xnn, 13 characters.
EDID_PATTERN = r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$"
EDID_RE = re.compile(EDID_PATTERN)
STAT_CODE_PATTERN = r"^([0-9]{2}|[0-9]{3}|[0-9]{5})$"


class UnitKind(models.TextChoices):
    # Administrative levels.
    PROVINCE = "province", _("Tỉnh")
    CENTRAL_CITY = "central_city", _("Thành phố trực thuộc trung ương")
    DISTRICT = "district", _("Cấp huyện (đến 30/06/2025)")
    COMMUNE = "commune", _("Xã")
    WARD = "ward", _("Phường")
    TOWNSHIP = "township", _("Thị trấn (đến 30/06/2025)")
    SPECIAL_ZONE = "special_zone", _("Đặc khu")
    # Agencies and offices inside a unit.
    PEOPLES_COMMITTEE = "peoples_committee", _("Ủy ban nhân dân")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    OFFICE = "office", _("Phòng, văn phòng")
    SERVICE_CENTRE = "service_centre", _("Trung tâm Phục vụ hành chính công")
    VERTICAL_AGENCY = "vertical_agency", _("Cơ quan ngành dọc")


ADMINISTRATIVE_KINDS = frozenset(
    {
        UnitKind.PROVINCE,
        UnitKind.CENTRAL_CITY,
        UnitKind.DISTRICT,
        UnitKind.COMMUNE,
        UnitKind.WARD,
        UnitKind.TOWNSHIP,
        UnitKind.SPECIAL_ZONE,
    }
)
PROVINCE_KINDS = frozenset({UnitKind.PROVINCE, UnitKind.CENTRAL_CITY})
COMMUNE_KINDS = frozenset(
    {UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE, UnitKind.TOWNSHIP}
)


def subtree_q(path: str, field: str = "") -> Q:
    """Rows whose unit path lies at or below `path`, as an index range rather than LIKE.

    Paths are "/1/25/": every descendant starts with the prefix, and "0" follows "/" in byte
    order, so the subtree is exactly [prefix, prefix-with-its-last-"/"-as-"0"). Byte order holds
    on SQLite and on PostgreSQL (migration 0003 gives `path` the "C" collation), and both then
    read one index range; SQLite cannot use an index for LIKE.
    """
    prefix = f"{field}__path" if field else "path"
    return Q(**{f"{prefix}__gte": path, f"{prefix}__lt": path[:-1] + "0"})


class UnitQuerySet(models.QuerySet["Unit"]):
    def in_force(self, on: date | None = None) -> UnitQuerySet:
        on = on or date.today()  # noqa: DTZ011 - a civil date in the server's zone is intended
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=on),
            Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        )

    def historical(self) -> UnitQuerySet:
        return self.filter(valid_to__isnull=False)

    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        return self.filter(subtree_q(unit.path))


class Unit(models.Model):
    code = models.CharField(
        _("mã thống kê"),
        max_length=5,
        blank=True,
        db_index=True,
        help_text=_("Mã của Cục Thống kê: 2 chữ số (tỉnh), 3 (huyện cũ), 5 (xã)."),
    )
    edid = models.CharField(
        _("mã định danh điện tử"),
        max_length=13,
        blank=True,
        help_text=_("Theo Quyết định 20/2020/QĐ-TTg: AAA.BB.CC.Xnn"),
    )
    name = models.CharField(_("tên chính thức"), max_length=255)
    kind = models.CharField(_("loại"), max_length=32, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("sáp nhập vào"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_units",
    )
    # Materialised scope path of ids, "/1/25/310/": where the unit is found today.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    # The live unit this one's records now belong to (itself while in force).
    anchor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=32, blank=True)
    search_key = models.CharField(max_length=255, db_index=True, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(valid_to__isnull=True) & ~Q(code=""),
                name="unit_code_unique_in_force",
            ),
            # A code can be reused after a reorganisation: an ended unit is keyed by its code
            # and the day it ended (the national import relies on this to stay idempotent).
            models.UniqueConstraint(
                fields=["code", "valid_to"],
                condition=Q(valid_to__isnull=False) & ~Q(code=""),
                name="unit_code_unique_historical",
            ),
            models.UniqueConstraint(
                fields=["edid"],
                condition=Q(valid_to__isnull=True) & ~Q(edid=""),
                name="unit_edid_unique_in_force",
            ),
            models.CheckConstraint(
                condition=Q(edid="") | Q(edid__regex=EDID_PATTERN), name="unit_edid_format"
            ),
            models.CheckConstraint(
                condition=Q(code="") | Q(code__regex=STAT_CODE_PATTERN), name="unit_code_format"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_validity_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in UnitKind]), name="unit_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="unit_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_administrative(self) -> bool:
        return self.kind in ADMINISTRATIVE_KINDS

    def in_force_on(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or self.valid_to >= on
        )

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1 if self.path else 0


class UnitSuccession(models.Model):
    """One old unit's part in a new unit from a date (the official old → new conversion table)."""

    predecessor = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="successions", verbose_name=_("đơn vị cũ")
    )
    successor = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="predecessions", verbose_name=_("đơn vị mới")
    )
    effective_date = models.DateField(_("ngày hiệu lực"))
    partial = models.BooleanField(_("chỉ một phần"), default=False)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("sắp xếp đơn vị")
        verbose_name_plural = _("sắp xếp đơn vị")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor", "effective_date"], name="unit_succession_unique"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="unit_succession_distinct"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective_date:%d/%m/%Y})"
