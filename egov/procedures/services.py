"""Writes of the procedure catalogue: publish, amend, rescind, and the bulk import.

Records are handled in the *national shape* (the shape of ``shared/data/tthc/procedures.json``,
see ``egov.procedures.importers.national``): ``code``, ``name``, ``field``, ``level``,
``processing_time``, ``fees``, ``components``, ``result``, ``legal_bases``, ``agency``,
``ministry``, ``subjects``, ``decision_no``, ``portal_url``, ``source``.

Decisions (documented here because other parts rely on them):

* **Versions are never edited.** Every change of a procedure's content writes a new
  ``ProcedureVersion`` (a dossier keeps pointing at the version it was submitted under). A version
  is *in force* on a day when ``effective_from`` is empty or not after that day and
  ``effective_to`` is empty or not before it. Among the versions in force, the one with the latest
  ``effective_from`` (empty counts as the earliest) wins, ties going to the newest row.
  ``Procedure.current`` is that version, or ``None`` when it is a rescinding version
  (``action = rescinded``) or when no version is in force. Rescinded procedures and their versions
  are never deleted.
* ``Procedure.current`` is stored, so a version that takes effect later becomes current when
  ``refresh_current`` runs on or after its date (``manage.py import_procedures --refresh-only``,
  to be run daily).
* ``name_key`` = ``vntext.search_key(name)``; ``search_text`` = ``vntext.search_key`` of the name,
  the code, the field, the keywords, the agency and the result, in that order, joined by one space:
  folded, space-separated words (the code ``1.012566`` folds to ``1 012566``).
* Texts the source gives only as text are kept as text: ``processing_time_text`` and ``fees_text``
  always hold the published text. Method rows get a number and a unit only when the text has an
  explicit unit (``N ngày làm việc`` / ``N ngày`` / ``N giờ`` / ``N tháng``, decimals with ``,`` or
  ``.``), either one value (one row, channel ``direct``, flag ``time_channel_unspecified`` because
  the source does not say which channels share it) or the per-channel form
  ``"<hình thức>: <time> / <time>; ..."`` (one row per time). A fee becomes ``fee_vnd`` only when
  the whole text is one amount in đồng of at least 1,000 (``150,000 Việt Nam Đồng``); anything else
  (``Miễn phí`` — which the portal also prints for "not set" —, notes, several values, USD) is
  flagged ``fees_free_text``. Flags: ``time_missing``, ``time_without_unit``, ``time_unparsed``,
  ``time_channel_unspecified``, ``fees_missing``, ``fees_free_text``.
* Import is idempotent by code: a record equal to the procedure's latest version writes nothing; a
  new code publishes a version; a changed record writes a new version (action ``amended``). A
  procedure whose latest version rescinds it stays rescinded when the same content comes again.
  Procedures missing from a file are left alone (an import never rescinds).
* Audit: one event per procedure change made by ``procedure_publish`` / ``procedure_amend`` /
  ``procedure_rescind``; one summary event (``procedures.import``) per import run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from egov.accounts import policy
from egov.audit.services import audit_record
from egov.core import vntext
from egov.core.errors import Forbidden, NotFound, ValidationFailed
from egov.procedures import search
from egov.procedures.models import (
    Channel,
    Component,
    Field,
    LegalBasis,
    Method,
    Procedure,
    ProcedureVersion,
    TimeUnit,
    VersionAction,
)

# Key order of the national shape (also the order of exported records).
RECORD_KEYS = (
    "code",
    "name",
    "field",
    "level",
    "processing_time",
    "fees",
    "components",
    "result",
    "legal_bases",
    "agency",
    "ministry",
    "subjects",
    "decision_no",
    "portal_url",
    "source",
)
COMPONENT_KEYS = ("name", "originals", "copies", "case")

# Text field of the record -> field of ProcedureVersion.
_TEXT_FIELDS = {
    "name": "name",
    "processing_time": "processing_time_text",
    "fees": "fees_text",
    "result": "result",
    "agency": "agency",
    "ministry": "ministry",
    "subjects": "subjects",
    "decision_no": "decision_no",
    "portal_url": "portal_url",
}

CHANNEL_NAMES = {
    "trực tiếp": Channel.DIRECT,
    "trực tuyến": Channel.ONLINE,
    "dịch vụ bưu chính": Channel.POSTAL,
}
_UNITS = {
    "ngày làm việc": TimeUnit.WORKING_DAY,
    "ngày": TimeUnit.DAY,
    "giờ": TimeUnit.HOUR,
    "tháng": TimeUnit.MONTH,
}
_TIME = re.compile(r"^(\d{1,5}(?:[.,]\d{1,2})?) (ngày làm việc|ngày|giờ|tháng)$")
_HAS_UNIT_WORD = re.compile(r"ngày|giờ|tháng|năm|tuần|phút", re.IGNORECASE)
_FEE = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d{3})+|\d+) (?:Việt Nam Đồng|VNĐ|đồng|Đồng)$")


# --- parsing of the published texts --------------------------------------------------------------


@dataclass
class ParsedTime:
    rows: list[tuple[str, Decimal, str]] = field(default_factory=list)  # channel, amount, unit
    flags: list[str] = field(default_factory=list)


def _one_time(text: str) -> tuple[Decimal, str] | None:
    m = _TIME.match(text.strip().lower())
    if not m:
        return None
    try:
        amount = Decimal(m.group(1).replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return None
    if amount <= 0:
        return None
    return amount, _UNITS[m.group(2)]


def parse_processing_time(text: str) -> ParsedTime:
    """Method rows from a published processing time, only where every time has an explicit unit."""
    text = (text or "").strip()
    if not text:
        return ParsedTime(flags=["time_missing"])
    single = _one_time(text)
    if single:
        return ParsedTime(
            rows=[(Channel.DIRECT, single[0], single[1])], flags=["time_channel_unspecified"]
        )
    rows: list[tuple[str, Decimal, str]] = []
    parts = [p.strip() for p in text.split(";")]
    for part in parts:
        name, sep, times = part.partition(":")
        channel = CHANNEL_NAMES.get(name.strip().lower())
        if not sep or channel is None:
            rows = []
            break
        for t in times.split("/"):
            parsed = _one_time(t)
            if parsed is None:
                rows = []
                break
            rows.append((channel, parsed[0], parsed[1]))
        else:
            continue
        break
    if rows:
        return ParsedTime(rows=rows)
    flag = "time_unparsed" if _HAS_UNIT_WORD.search(text) else "time_without_unit"
    return ParsedTime(flags=[flag])


def parse_fee(text: str) -> tuple[int | None, list[str]]:
    """An amount in đồng when the text is exactly one such amount (>= 1,000 đồng), else None and
    the flag ``fees_free_text``. Never guessed: "Miễn phí" can mean "not set" on the portal."""
    text = (text or "").strip()
    if not text:
        return None, ["fees_missing"]
    m = _FEE.match(text)
    if m:
        amount = int(re.sub(r"[.,]", "", m.group(1)))
        if 1000 <= amount < 10**13:
            return amount, []
    return None, ["fees_free_text"]


def search_text_of(*, code: str, name: str, field_name: str, **texts: str) -> str:
    parts = [
        name,
        code,
        field_name,
        texts.get("keywords", ""),
        texts.get("agency", ""),
        texts.get("result", ""),
    ]
    return vntext.search_key(" ".join(p for p in parts if p))


# --- building rows from a record -----------------------------------------------------------------


@dataclass
class BuiltVersion:
    version: ProcedureVersion
    methods: list[Method]
    components: list[Component]
    legal_bases: list[LegalBasis]


def _field_slug(name: str, taken: set[str]) -> str:
    base = (slugify(vntext.search_key(name)) or "linh-vuc")[:240]
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def fields_for(names: Iterable[str]) -> dict[str, Field]:
    """The Field rows for these names, creating the missing ones (one bulk insert)."""
    names = set(names)
    existing = {f.name: f for f in Field.objects.filter(name__in=names)}
    missing = sorted(names - existing.keys())
    if missing:
        taken = set(Field.objects.values_list("slug", flat=True))
        Field.objects.bulk_create(
            [
                Field(
                    name=n,
                    slug=_field_slug(n, taken),
                    search_key=vntext.search_key(n)[:255],
                )
                for n in missing
            ]
        )
        existing.update({f.name: f for f in Field.objects.filter(name__in=missing)})
    return existing


def build_version(
    record: dict[str, Any],
    *,
    procedure: Procedure,
    field_obj: Field,
    action: str = VersionAction.PUBLISHED,
    effective_from: date | None = None,
    effective_to: date | None = None,
    decision_date: date | None = None,
    extra: dict[str, Any] | None = None,
) -> BuiltVersion:
    """Unsaved rows for one validated record (see importers.national.validate_records)."""
    texts = {attr: record.get(key, "") or "" for key, attr in _TEXT_FIELDS.items()}
    extra = dict(extra or {})
    time = parse_processing_time(texts["processing_time_text"])
    fee_vnd, fee_flags = parse_fee(texts["fees_text"])
    flags = list(dict.fromkeys([*time.flags, *fee_flags, *extra.pop("flags", [])]))
    version = ProcedureVersion(
        procedure=procedure,
        action=action,
        effective_from=effective_from,
        effective_to=effective_to,
        decision_date=decision_date,
        levels=list(record.get("level") or []),
        field=field_obj,
        flags=flags,
        source=dict(record.get("source") or {}),
        **texts,
        **extra,
    )
    version.name_key = vntext.search_key(version.name)
    version.search_text = search_text_of(
        code=procedure.code,
        name=version.name,
        field_name=field_obj.name,
        keywords=version.keywords,
        agency=version.agency,
        result=version.result,
    )
    methods = [
        Method(version=version, channel=ch, time_amount=amount, time_unit=unit, fee_vnd=fee_vnd)
        for ch, amount, unit in time.rows
    ]
    components = [
        Component(
            version=version,
            position=i,
            name=c["name"],
            originals=c.get("originals", 0),
            copies=c.get("copies", 0),
            case=c.get("case", ""),
        )
        for i, c in enumerate(record.get("components") or [])
    ]
    bases = [
        LegalBasis(version=version, position=i, number=n)
        for i, n in enumerate(record.get("legal_bases") or [])
    ]
    return BuiltVersion(version, methods, components, bases)


def _carry_forms_over(built: list[BuiltVersion]) -> None:
    """A new version keeps the downloadable forms of its procedure's earlier versions, paper by
    paper (same case and name; the latest earlier version's form wins): a decision amending a
    procedure seldom changes its forms, and staff replace those that did change. The file is
    shared, so replacing it on one version deletes it only when no other version uses it."""
    procedure_ids = {b.version.procedure_id for b in built}
    if not procedure_ids:
        return
    forms: dict[tuple, tuple[str, str]] = {}
    earlier = (
        Component.objects.filter(version__procedure_id__in=procedure_ids)
        .exclude(template="")
        .order_by(F("version__effective_from").asc(nulls_first=True), "version_id", "id")
        .values_list("version__procedure_id", "case", "name", "template", "template_name")
    )
    for procedure_id, case, name, template, template_name in earlier:
        forms[(procedure_id, case, name)] = (template, template_name)
    if not forms:
        return
    for b in built:
        for component in b.components:
            kept = forms.get((b.version.procedure_id, component.case, component.name))
            if kept and not component.template:
                component.template, component.template_name = kept


def _save_built(built: list[BuiltVersion]) -> None:
    _carry_forms_over(built)
    ProcedureVersion.objects.bulk_create([b.version for b in built], batch_size=500)
    methods, components, bases = [], [], []
    for b in built:
        for row in (*b.methods, *b.components, *b.legal_bases):
            row.version_id = b.version.pk
        methods += b.methods
        components += b.components
        bases += b.legal_bases
    Method.objects.bulk_create(methods, batch_size=1000)
    Component.objects.bulk_create(components, batch_size=1000)
    LegalBasis.objects.bulk_create(bases, batch_size=1000)


# --- the record of a version (export, comparison) ------------------------------------------------


def record_of(version: ProcedureVersion) -> dict[str, Any]:
    """The version in the national shape; keys without a value are left out (as in the source).
    Uses `components` and `legal_bases` prefetched in position order when available."""
    rec: dict[str, Any] = {
        "code": version.procedure.code,
        "name": version.name,
        "field": version.field.name,
        "level": list(version.levels or []),
    }
    if version.processing_time_text:
        rec["processing_time"] = version.processing_time_text
    if version.fees_text:
        rec["fees"] = version.fees_text
    comps = sorted(version.components.all(), key=lambda c: c.position)
    if comps:
        out = []
        for c in comps:
            item: dict[str, Any] = {"name": c.name, "originals": c.originals, "copies": c.copies}
            if c.case:
                item["case"] = c.case
            out.append(item)
        rec["components"] = out
    if version.result:
        rec["result"] = version.result
    bases = sorted(version.legal_bases.all(), key=lambda b: b.position)
    if bases:
        rec["legal_bases"] = [b.number for b in bases]
    for key in ("agency", "ministry", "subjects", "decision_no", "portal_url"):
        value = getattr(version, key)
        if value:
            rec[key] = value
    if version.source:
        rec["source"] = dict(version.source)
    return rec


def with_children(qs):
    return qs.select_related("procedure", "field").prefetch_related("components", "legal_bases")


# --- which version is current --------------------------------------------------------------------


def _order_key(row: tuple) -> tuple:
    _pk, _proc, eff_from, _eff_to, _action = row
    return (eff_from or date.min, _pk)


def refresh_current(
    *, procedure_ids: Iterable[int] | None = None, today: date | None = None
) -> int:
    """Recompute `Procedure.current` (for these procedures, or all). Returns how many changed."""
    today = today or timezone.localdate()
    qs = ProcedureVersion.objects.all()
    procs = Procedure.objects.all()
    if procedure_ids is not None:
        ids = list(procedure_ids)
        qs = qs.filter(procedure_id__in=ids)
        procs = procs.filter(pk__in=ids)
    best: dict[int, tuple] = {}
    for row in qs.values_list("pk", "procedure_id", "effective_from", "effective_to", "action"):
        _pk, proc, eff_from, eff_to, _action = row
        if eff_from and eff_from > today:
            continue
        if eff_to and eff_to < today:
            continue
        if proc not in best or _order_key(row) > _order_key(best[proc]):
            best[proc] = row
    changed = []
    for proc in procs.only("pk", "current_id"):
        row = best.get(proc.pk)
        current_id = row[0] if row and row[4] != VersionAction.RESCINDED else None
        if proc.current_id != current_id:
            proc.current_id = current_id
            changed.append(proc)
    Procedure.objects.bulk_update(changed, ["current"], batch_size=500)
    # Bulk writes send no save signals: tell the search index (after commit) ourselves.
    search.invalidate()
    return len(changed)


@transaction.atomic
def versions_take_effect(*, today: date | None = None) -> int:
    """The daily job: versions dated today become the ones in force (and rescissions take
    effect). One audit event names the procedures whose version changed."""
    before = dict(Procedure.objects.values_list("pk", "current_id"))
    changed = refresh_current(today=today)
    if changed:
        after = Procedure.objects.filter(pk__in=before).values_list("pk", "code", "current_id")
        codes = sorted(code for pk, code, current in after if before.get(pk) != current)
        audit_record(
            actor=None,
            action="procedures.versions_take_effect",
            summary={"changed": changed, "codes": codes[:500], "today": str(today or "")},
        )
    return changed


def latest_version(procedure: Procedure) -> ProcedureVersion | None:
    versions = list(procedure.versions.all().only("pk", "effective_from"))
    if not versions:
        return None
    return max(versions, key=lambda v: (v.effective_from or date.min, v.pk))


# --- single-procedure writes ---------------------------------------------------------------------


def _require_manage(actor: Any) -> None:
    if actor is not None and not policy.has_perm_on(actor, policy.Perm.CATALOGUE_MANAGE, None):
        raise Forbidden(_("Bạn không có quyền quản lý danh mục thủ tục hành chính."))


def _validated_one(data: dict[str, Any]) -> dict[str, Any]:
    from egov.procedures.importers.national import validate_records

    return validate_records([data])[0]


def _write_version(
    *,
    actor: Any,
    record: dict[str, Any],
    action: str,
    effective_from: date | None,
    effective_to: date | None,
    decision_date: date | None,
    extra: dict[str, Any] | None,
    audit_action: str,
) -> ProcedureVersion:
    procedure, created = Procedure.objects.get_or_create(code=record["code"])
    if not created:
        Procedure.objects.select_for_update().filter(pk=procedure.pk).first()
    if (
        effective_from is not None
        and procedure.versions.filter(
            decision_no=record.get("decision_no", ""), effective_from=effective_from
        ).exists()
    ):
        raise ValidationFailed(
            _("Quyết định này đã có phiên bản hiệu lực từ cùng ngày."), field="effective_from"
        )
    field_obj = fields_for([record["field"]])[record["field"]]
    built = build_version(
        record,
        procedure=procedure,
        field_obj=field_obj,
        action=action,
        effective_from=effective_from,
        effective_to=effective_to,
        decision_date=decision_date,
        extra=extra,
    )
    _save_built([built])
    refresh_current(procedure_ids=[procedure.pk])
    procedure.refresh_from_db(fields=["current"])
    audit_record(
        actor=actor,
        action=audit_action,
        target=procedure,
        summary={
            "code": procedure.code,
            "version": built.version.pk,
            "action": action,
            "decision_no": built.version.decision_no,
            "effective_from": effective_from,
            "effective_to": effective_to,
            "current": procedure.current_id,
        },
    )
    return built.version


@transaction.atomic
def procedure_publish(
    *,
    actor: Any,
    data: dict[str, Any],
    effective_from: date | None = None,
    effective_to: date | None = None,
    decision_date: date | None = None,
    extra: dict[str, Any] | None = None,
) -> ProcedureVersion:
    """Publish a procedure (a new code) or a new version of it, from a record in the national
    shape. `extra` sets version fields the national shape lacks (steps, keywords, ...)."""
    _require_manage(actor)
    record = _validated_one(data)
    exists = Procedure.objects.filter(code=record["code"], versions__isnull=False).exists()
    return _write_version(
        actor=actor,
        record=record,
        action=VersionAction.AMENDED if exists else VersionAction.PUBLISHED,
        effective_from=effective_from,
        effective_to=effective_to,
        decision_date=decision_date,
        extra=extra,
        audit_action="procedures.amend" if exists else "procedures.publish",
    )


version_save = procedure_publish


@transaction.atomic
def procedure_amend(
    *,
    actor: Any,
    data: dict[str, Any],
    effective_from: date | None = None,
    decision_date: date | None = None,
    extra: dict[str, Any] | None = None,
) -> ProcedureVersion:
    """A new version of an existing procedure, in force from `effective_from` (today if empty)."""
    _require_manage(actor)
    record = _validated_one(data)
    if not Procedure.objects.filter(code=record["code"], versions__isnull=False).exists():
        raise NotFound(_("Không có thủ tục mã %(code)s.") % {"code": record["code"]}, field="code")
    return _write_version(
        actor=actor,
        record=record,
        action=VersionAction.AMENDED,
        effective_from=effective_from or timezone.localdate(),
        effective_to=None,
        decision_date=decision_date,
        extra=extra,
        audit_action="procedures.amend",
    )


@transaction.atomic
def procedure_rescind(
    *,
    actor: Any,
    code: str,
    decision_no: str,
    effective_from: date | None = None,
    decision_date: date | None = None,
) -> ProcedureVersion:
    """Rescind a procedure from `effective_from` (today if empty): a rescinding version carrying
    the content of the latest version. Nothing is deleted; from that day `current` is None."""
    _require_manage(actor)
    procedure = Procedure.objects.filter(code=code).first()
    last = latest_version(procedure) if procedure else None
    if last is None:
        raise NotFound(_("Không có thủ tục mã %(code)s.") % {"code": code}, field="code")
    decision_no = vntext.clean(decision_no or "")
    if not decision_no or len(decision_no) > 64:
        raise ValidationFailed(
            _("Cần số quyết định bãi bỏ (tối đa 64 ký tự)."), field="decision_no"
        )
    last = with_children(ProcedureVersion.objects.filter(pk=last.pk)).get()
    record = record_of(last)
    record["decision_no"] = decision_no
    keep = {
        k: getattr(last, k)
        for k in (
            "procedure_type",
            "steps",
            "competent_agency",
            "delegated_agency",
            "coordinating_agencies",
            "receiving_address",
            "conditions",
            "keywords",
            "description",
            "fee_exemptions",
        )
    }
    return _write_version(
        actor=actor,
        record=record,
        action=VersionAction.RESCINDED,
        effective_from=effective_from or timezone.localdate(),
        effective_to=None,
        decision_date=decision_date,
        extra=keep,
        audit_action="procedures.rescind",
    )


# --- bulk import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    records: int
    created: list[str]
    amended: list[str]
    unchanged: int


@transaction.atomic
def catalogue_import(
    *,
    actor: Any,
    records: list[dict[str, Any]],
    source_label: str = "",
    sha256: str = "",
) -> ImportResult:
    """Write validated records (see `importers.national.validate_records`) in one transaction,
    with one insert per table, and one audit event for the run."""
    _require_manage(actor)
    codes = [r["code"] for r in records]
    existing = {p.code: p for p in Procedure.objects.filter(code__in=codes)}
    latest: dict[int, ProcedureVersion] = {}
    known: dict[int, list[ProcedureVersion]] = {}
    if existing:
        versions = with_children(
            ProcedureVersion.objects.filter(procedure__in=list(existing.values()))
        )
        for v in versions:
            known.setdefault(v.procedure_id, []).append(v)
            old = latest.get(v.procedure_id)
            if old is None or (v.effective_from or date.min, v.pk) > (
                old.effective_from or date.min,
                old.pk,
            ):
                latest[v.procedure_id] = v
    new_procs = [Procedure(code=c) for c in codes if c not in existing]
    Procedure.objects.bulk_create(new_procs, batch_size=1000)
    if new_procs:
        existing.update(
            {p.code: p for p in Procedure.objects.filter(code__in=[p.code for p in new_procs])}
        )
    fields = fields_for(r["field"] for r in records)
    built: list[BuiltVersion] = []
    created: list[str] = []
    amended: list[str] = []
    unchanged = 0
    for r in records:
        proc = existing[r["code"]]
        last = latest.get(proc.pk)
        if last is not None and record_of(last) == r:
            unchanged += 1
            continue
        if (
            last is not None
            and last.action == VersionAction.RESCINDED
            and any(record_of(v) == r for v in known[proc.pk])
        ):
            unchanged += 1  # a rescinded procedure is not brought back by an old file
            continue
        action = VersionAction.PUBLISHED if last is None else VersionAction.AMENDED
        (created if last is None else amended).append(r["code"])
        built.append(build_version(r, procedure=proc, field_obj=fields[r["field"]], action=action))
    _save_built(built)
    touched = [b.version.procedure_id for b in built]
    if touched:
        refresh_current(procedure_ids=touched)
    audit_record(
        actor=actor,
        action="procedures.import",
        summary={
            "source": source_label,
            "sha256": sha256,
            "records": len(records),
            "created": len(created),
            "amended": len(amended),
            "unchanged": unchanged,
            "created_codes": created[:2000],
            "amended_codes": amended[:2000],
        },
    )
    return ImportResult(len(records), created, amended, unchanged)
