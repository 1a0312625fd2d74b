"""Fill a scratch database with dossiers for the benchmarks: N dossiers over 2 years.

    .venv/bin/python bench/dossiers_generate.py [--sqlite] [--count 1000000] [--units 20]

The database is a scratch one of its own (PostgreSQL `egov_bench_dossiers` on 127.0.0.1, or
var/bench-dossiers.sqlite3 with --sqlite), never the demo's. It gets the demo (Thanh Hóa's units,
the real catalogue, the demo accounts, Xã Lưu Vệ's default process templates; `load_demo`, with
DEBUG on for that call only), then the default templates of the demo's other communes and of
further communes of the province up to --units receiving units, through the same catalogue
services. Then it writes the dossiers in batches with COPY (PostgreSQL) or executemany (SQLite),
not through the services (a million service calls would take hours), rows shaped as the services
write them: codes in the same format from a filled `DossierSequence`, lookup codes, `row_version`
counted as the services bump it, the `current_*` position, participants, the steps copied from the
unit's template with their deadlines on the unit's working calendar, the appointment from the
procedure's legal time, events, supplement requests, decisions. Not written: audit events (the
audit log is a hash chain appended one by one), uploaded files, ratings, notifications.

The mix is OUR ASSUMPTION, not statistics: channels online 40 % / direct 55 % / postal 5 %;
procedures weighted by rank (a few are most of the volume); submissions on working days in office
hours (online ones also evenings and weekends); 2 % refused at reception, 1 % withdrawn during
processing, 8 % asked to supplement once (one in ten of them twice; 3 % of those never answer and
are stopped), each step normally taking 10–90 % of its allotted time and 5 % of steps overrunning
(1.1–3 ×), a fifth of dossiers that end late getting an extension (form 04). Officials are the demo
accounts where a unit has them (Lưu Vệ has all four roles), otherwise none.
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_NAME = "egov_bench_dossiers"

_HOUR_US = 3600 * 1_000_000

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
            "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Mai", "Trịnh", "Đinh", "Lưu")  # fmt: skip
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Xuân", "Thu", "Hồng")
GIVEN = ("An", "Anh", "Bình", "Chi", "Cường", "Dung", "Dũng", "Giang", "Hà", "Hải", "Hạnh",
         "Hiếu", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam",
         "Ngọc", "Phương", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Tuấn",
         "Vân", "Yến")  # fmt: skip
HAMLETS = ("Thôn 1", "Thôn 2", "Thôn 3", "Thôn Đông", "Thôn Tây", "Thôn Nam", "Thôn Bắc",
           "Khu phố 1", "Khu phố 2")  # fmt: skip


def database_url(sqlite: bool) -> str:
    if sqlite:
        return f"sqlite:///{ROOT / 'var' / 'bench-dossiers.sqlite3'}"
    return f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"


def bench_env(sqlite: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(sqlite),
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "EGOV_SECURE": "0",
        "EGOV_BENCH_ENDPOINTS": "1",
        # The benchmark's officials log in with a prepared session, without TOTP (as the demo).
        "EGOV_OFFICIAL_2FA_REQUIRED": "0",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "DJANGO_SETTINGS_MODULE": "egov.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("EGOV_TESTING", None)
    env.pop("REDIS_URL", None)
    return env


def setup_django(sqlite: bool) -> None:
    """Point this process at the scratch database (created when missing) and migrate it."""
    (ROOT / "var").mkdir(exist_ok=True)
    os.environ.update(bench_env(sqlite))
    sys.path.insert(0, str(ROOT))
    if not sqlite:
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname=%s", [PG_NAME]).fetchone():
                c.execute(f"CREATE DATABASE {PG_NAME}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load_units(n_units: int) -> list[Any]:
    """The demo, then default templates at further communes up to `n_units` receiving units."""
    from django.conf import settings

    from egov.demo import services as demo
    from egov.procedures.models import Channel, OnlineLevel, ProcessTemplate
    from egov.procedures.templates_services import (
        assignments_bulk_set,
        common_commune_procedures,
        load_default_templates,
    )
    from egov.units.models import Unit, UnitKind

    settings.DEBUG = True  # load_demo refuses otherwise; only for this call
    try:
        demo.load_demo()
    finally:
        settings.DEBUG = False
    province = Unit.objects.get(code=demo.PROVINCE_CODE, valid_to__isnull=True)
    first = [demo.LUU_VE, demo.QUANG_YEN, demo.HAC_THANH]
    others = list(
        Unit.objects.filter(
            parent=province,
            kind__in=[UnitKind.COMMUNE, UnitKind.WARD],
            valid_to__isnull=True,
        )
        .exclude(code__in=first)
        .order_by("code")
        .values_list("code", flat=True)
    )
    codes = (first + others)[:n_units]
    units = [Unit.objects.get(code=c, valid_to__isnull=True) for c in codes]
    procedures = common_commune_procedures(40)
    for unit in units:
        if not ProcessTemplate.objects.filter(unit=unit, is_active=True).exists():
            loaded = load_default_templates(unit=unit, procedures=procedures)
            handled = set(loaded.created) | set(loaded.kept)
            assignments_bulk_set(
                actor=None,
                unit=unit,
                procedures=[p for p in procedures if p.code in handled],
                online_level=OnlineLevel.PARTIAL,
                channels=[Channel.DIRECT, Channel.ONLINE],
            )
    return units


def load_units_only(n_units: int) -> list[Any]:
    """The receiving units `load_units` prepared, in the same order."""
    from egov.demo import services as demo
    from egov.units.models import Unit, UnitKind

    province = Unit.objects.get(code=demo.PROVINCE_CODE, valid_to__isnull=True)
    first = [demo.LUU_VE, demo.QUANG_YEN, demo.HAC_THANH]
    others = list(
        Unit.objects.filter(
            parent=province, kind__in=[UnitKind.COMMUNE, UnitKind.WARD], valid_to__isnull=True
        )
        .exclude(code__in=first)
        .order_by("code")
        .values_list("code", flat=True)
    )
    return [Unit.objects.get(code=c, valid_to__isnull=True) for c in (first + others)[:n_units]]


# --- the plan: what each unit handles, read once ---------------------------------------------------


@dataclass
class Offer:
    procedure_id: int
    version_id: int
    subject: str
    components: list[tuple[int, str, int, int]]
    steps: list[tuple[str, str, int, Decimal]]  # kind, role, unit id, hours
    time: dict[int, tuple[Decimal, str]]  # channel → (amount, time unit)
    cutoff: Any = None


@dataclass
class UnitPlan:
    unit: Any
    agency: str
    offers: list[Offer]
    cum_weights: list[float]
    staff: dict[str, tuple[int, str]] = field(default_factory=dict)  # role → (user id, label)


def unit_plans(units: list[Any]) -> list[UnitPlan]:
    from egov.accounts.models import RoleGrant
    from egov.dossiers import clock
    from egov.dossiers.codes import agency_code
    from egov.dossiers.models import Dossier, SubmissionChannel
    from egov.procedures.models import Assignment, ProcessTemplate, TimeUnit

    plans = []
    for unit in units:
        templates = (
            ProcessTemplate.objects.filter(unit=unit, is_active=True)
            .select_related("procedure__current")
            .prefetch_related(
                "steps", "procedure__current__components", "procedure__current__methods"
            )
            .order_by("procedure__code")
        )
        cutoffs = dict(Assignment.objects.filter(unit=unit).values_list("procedure_id", "cutoff"))
        offers = []
        for template in templates:
            version = template.procedure.current
            if version is None:
                continue
            times = {}
            for channel in SubmissionChannel:
                probe = Dossier(version=version, channel=channel)
                method = clock.method_for(probe)
                if method is not None and method.time_unit != TimeUnit.MONTH:
                    times[channel.value] = (method.time_amount, method.time_unit)
            if len(times) < len(SubmissionChannel):
                continue  # months or no structured time: the officer sets it; left out
            offers.append(
                Offer(
                    procedure_id=template.procedure_id,
                    version_id=version.pk,
                    subject=version.name,
                    components=[
                        (c.pk, c.name, c.originals, c.copies)
                        for c in sorted(version.components.all(), key=lambda c: c.position)
                    ],
                    steps=[
                        (s.kind, s.role, s.unit_id, s.hours)
                        for s in sorted(template.steps.all(), key=lambda s: s.position)
                    ],
                    time=times,
                    cutoff=cutoffs.get(template.procedure_id),
                )
            )
        if not offers:
            continue
        # Rank weights 1/(rank+1): a few procedures are most of the volume (our assumption).
        weights = [1 / (i + 1) for i in range(len(offers))]
        cum, total = [], 0.0
        for w in weights:
            total += w
            cum.append(total)
        plan = UnitPlan(unit, agency_code(unit), offers, [c / total for c in cum])
        grants = RoleGrant.objects.filter(unit=unit).select_related("user").order_by("id")
        for grant in grants:
            plan.staff.setdefault(
                grant.role, (grant.user_id, grant.user.full_name or grant.user.username)
            )
        plans.append(plan)
    return plans


# --- rows ----------------------------------------------------------------------------------------


class Table:
    """Rows of one model as tuples in the order of its concrete columns, with the defaults."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        template: list[Any] = []
        for f in self.fields:
            if f.has_default():
                template.append(f.get_default())
            elif f.null:
                template.append(None)
            elif f.get_internal_type() in ("CharField", "TextField", "EmailField", "FileField"):
                template.append("")
            else:
                template.append(None)
        self.template = template
        self.rows: list[list[Any]] = []

    def add(self, values: dict[str, Any]) -> list[Any]:
        row = list(self.template)
        index = self.index
        for key, value in values.items():
            row[index[key]] = value
        self.rows.append(row)
        return row


def write(tables: list[Table]) -> int:
    from django.db import connection

    written = 0
    with connection.cursor() as cursor:
        for table in tables:
            if not table.rows:
                continue
            name = table.model._meta.db_table
            cols = ", ".join(connection.ops.quote_name(c) for c in table.columns)
            if connection.vendor == "postgresql":
                _choices_as_values(cursor.cursor)
                with cursor.cursor.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
                    for row in table.rows:
                        copy.write_row(row)
            else:
                fields = table.fields
                adapted = [
                    [
                        f.get_db_prep_value(v, connection, prepared=False)
                        for f, v in zip(fields, row, strict=True)
                    ]
                    for row in table.rows
                ]
                marks = ", ".join(["%s"] * len(table.columns))
                cursor.executemany(f"INSERT INTO {name} ({cols}) VALUES ({marks})", adapted)
            written += len(table.rows)
            table.rows.clear()
    return written


def _choices_as_values(cursor: Any) -> None:
    """psycopg writes an Enum as its name; the choices are stored by value."""
    from psycopg.types.numeric import IntDumper
    from psycopg.types.string import StrDumper

    from egov.dossiers import models as m
    from egov.procedures.models import StepKind, StepRole

    for cls in (
        m.State,
        m.Delivery,
        m.Timing,
        m.Decision.Kind,
        m.ApplicantKind,
        StepKind,
        StepRole,
    ):
        cursor.adapters.register_dumper(cls, StrDumper)
    cursor.adapters.register_dumper(m.SubmissionChannel, IntDumper)


def next_ids(models: list[Any]) -> dict[Any, int]:
    from django.db.models import Max

    return {m: (m.objects.aggregate(m=Max("id"))["m"] or 0) + 1 for m in models}


def reset_sequences(models: list[Any]) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def make_citizens(n: int, rnd: random.Random) -> list[tuple[int, str, str, str]]:
    """Accounts of the online applicants (fictional: no one's real name or number)."""
    from django.contrib.auth.hashers import make_password

    from egov.accounts.models import User, UserKind
    from egov.core import vntext

    existing = list(
        User.objects.filter(username__startswith="bench-cd-")
        .order_by("id")
        .values_list("id", "full_name", "national_id", "phone")
    )
    if len(existing) >= n:
        return existing[:n]
    unusable = make_password(None)
    users = []
    for i in range(len(existing), n):
        name = f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}"
        users.append(
            User(
                username=f"bench-cd-{i:06d}",
                password=unusable,
                kind=UserKind.CITIZEN,
                full_name=name,
                national_id=f"038{rnd.randint(0, 3)}{rnd.randint(40, 99):02d}{i:06d}",
                phone=f"09{rnd.randint(10000000, 99999999)}",
                sort_key=vntext.person_sort_key(name),
            )
        )
    User.objects.bulk_create(users, batch_size=2000)
    return list(
        User.objects.filter(username__startswith="bench-cd-")
        .order_by("id")
        .values_list("id", "full_name", "national_id", "phone")
    )[:n]


@dataclass
class Stats:
    dossiers: int = 0
    rows: int = 0
    seconds: float = 0.0
    states: dict[str, int] = field(default_factory=dict)


class Generator:
    def __init__(self, plans: list[UnitPlan], *, now: datetime, seed: int = 1, days: int = 730):
        from egov.dossiers import models as m
        from egov.workcalendar.selectors import calendar_for

        self.m = m
        self.plans = plans
        self.now = now
        self.days = days
        self.rnd = random.Random(seed)
        self.calendars = {p.unit.pk: calendar_for(p.unit) for p in plans}
        for p in plans:
            for offer in p.offers:
                for _k, _r, unit_id, _h in offer.steps:
                    if unit_id not in self.calendars:
                        from egov.units.models import Unit

                        self.calendars[unit_id] = calendar_for(Unit.objects.get(pk=unit_id))
        self.tables = {
            name: Table(model)
            for name, model in (
                ("dossier", m.Dossier),
                ("unit", m.DossierUnit),
                ("component", m.DossierComponent),
                ("step", m.DossierStep),
                ("event", m.DossierEvent),
                ("supplement", m.SupplementRequest),
                ("decision", m.Decision),
            )
        }
        self.ids = next_ids([t.model for t in self.tables.values()])
        self.sequences: dict[tuple[str, Any], int] = {}
        for agency, day, last in m.DossierSequence.objects.filter(
            agency_code__in={p.agency for p in plans}
        ).values_list("agency_code", "day", "last"):
            self.sequences[(agency, day)] = last
        self.touched: set[tuple[str, Any]] = set()
        self._requests: list[dict[str, Any]] = []
        self._participants: list[list[Any]] = []  # the rows of the dossier being made
        self.citizens: list[tuple[int, str, str, str]] = []
        self.stats = Stats()

    # -- helpers

    def _id(self, name: str) -> int:
        model = self.tables[name].model
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _code(self, plan: UnitPlan, moment: datetime) -> str:
        from egov.workcalendar.deadlines import to_vietnam_time

        day = to_vietnam_time(moment).date()
        key = (plan.agency, day)
        seq = self.sequences.get(key, 0) + 1
        self.sequences[key] = seq
        self.touched.add(key)
        return f"{plan.agency}-{day:%y%m%d}-{seq:04d}"

    def _lookup(self) -> str:
        from egov.dossiers.codes import LOOKUP_ALPHABET, LOOKUP_LENGTH

        return "".join(self.rnd.choices(LOOKUP_ALPHABET, k=LOOKUP_LENGTH))

    def moments(self, count: int) -> list[tuple[datetime, int]]:
        """Sorted (submission moment, channel) pairs over the last `days` days."""
        from egov.dossiers.models import SubmissionChannel as C
        from egov.workcalendar.deadlines import VN_TZ

        rnd = self.rnd
        start = (self.now - timedelta(days=self.days)).astimezone(VN_TZ)
        cal = next(iter(self.calendars.values()))
        out = []
        span = (self.now.astimezone(VN_TZ) - start).total_seconds()
        while len(out) < count:
            r = rnd.random()
            channel = C.ONLINE if r < 0.40 else C.DIRECT if r < 0.95 else C.POSTAL
            at = start + timedelta(seconds=rnd.random() * span)
            if channel != C.ONLINE:
                # counter and post: working days, 7:30–11:30 and 13:30–17:00
                if not cal.is_working_day(at.date()):
                    continue
                minute = rnd.randrange(450)
                hour, minute = divmod(450 + minute if minute < 240 else 570 + minute, 60)
                at = at.replace(hour=hour, minute=minute, second=rnd.randrange(60))
                if at > self.now:
                    continue
            out.append((at, channel))
        out.sort(key=lambda x: x[0])
        return out

    def _event(self, d: dict[str, Any], events: list, **kw: Any) -> None:
        events.append(kw)

    # -- one dossier

    def dossier(
        self,
        at: datetime,
        channel: int,
        *,
        plan: UnitPlan | None = None,
        offer: Offer | None = None,
        hold: bool = False,
    ) -> int:
        """One dossier submitted at `at`, followed up to `self.now`; `hold`: stop once received
        (a fresh dossier at its first processing step, for the transition benchmark)."""
        from egov.core import vntext
        from egov.dossiers import models as m
        from egov.procedures.models import StepKind
        from egov.workcalendar.deadlines import (
            add_office_time,
            office_time_between,
            to_vietnam_time,
        )
        from egov.workcalendar.selectors import due_date_for

        rnd, now, S = self.rnd, self.now, m.State
        plan = plan or self.plans[rnd.randrange(len(self.plans))]
        offer = offer or plan.offers[bisect.bisect_left(plan.cum_weights, rnd.random())]
        unit = plan.unit
        cal = self.calendars[unit.pk]
        staff = plan.staff
        did = self._id("dossier")
        online = channel == m.SubmissionChannel.ONLINE
        events: list[dict[str, Any]] = []
        version = 1

        def officer(role: str) -> tuple[int | None, str]:
            return staff.get(role, (None, ""))

        def event(action, state_from, state_to, when, role=None, actor=None, **kw):
            if actor is None and role is not None:
                actor = officer(role)
            aid, label = actor if actor is not None else (None, "")
            events.append(
                dict(
                    dossier_id=did, at=when, actor_id=aid, actor_label=label, action=action,
                    state_from=state_from, state_to=state_to, **kw,
                )
            )  # fmt: skip

        d: dict[str, Any] = dict(
            id=did,
            procedure_id=offer.procedure_id,
            version_id=offer.version_id,
            receiving_unit_id=unit.pk,
            channel=channel,
            subject=offer.subject,
            created_at=at,
        )
        if online:
            uid, name, id_number, phone = self.citizens[rnd.randrange(len(self.citizens))]
            created = at - timedelta(minutes=rnd.randint(3, 600))
            d.update(applicant_id=uid, delivery=m.Delivery.ELECTRONIC, created_at=created)
            event("draft", "", S.DRAFT, created, actor=(uid, name), unit_id=unit.pk)
            event("submit", S.DRAFT, S.SUBMITTED, at, actor=(uid, name))
            version = 3  # created, draft saved, submitted
        else:
            name = f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}"
            id_number = f"038{rnd.randint(0, 3)}{rnd.randint(40, 99):02d}{rnd.randrange(10**6):06d}"
            phone = f"09{rnd.randint(10000000, 99999999)}"
            if channel == m.SubmissionChannel.POSTAL:
                d["delivery"] = m.Delivery.POST
                d["delivery_address"] = f"{rnd.choice(HAMLETS)}, {unit.name}"
        code = self._code(plan, at)
        d.update(
            code=code,
            lookup_code=self._lookup(),
            applicant_name=name,
            applicant_id_number=id_number,
            applicant_phone=phone,
            applicant_address=f"{rnd.choice(HAMLETS)}, {unit.name}",
            submitted_at=at,
            search_key=vntext.search_key(f"{code} {name} {id_number}")[:600],
        )
        participant = {"dossier_id": did, "search_key": d["search_key"]}  # copied, as services do
        row = self.tables["unit"].add({"id": self._id("unit"), "unit_id": unit.pk, **participant})
        self._participants.append(row)  # their due_at is copied when the dossier is finished
        for i, (cid, cname, originals, copies) in enumerate(offer.components):
            self.tables["component"].add(
                dict(
                    id=self._id("component"), dossier_id=did, position=i, component_id=cid,
                    name=cname, originals=originals, copies=copies, provided=True,
                )
            )  # fmt: skip

        fate = 0.5 if hold else rnd.random()
        refused, withdrawn = fate < 0.02, 0.02 <= fate < 0.03
        supplements = 0
        if 0.03 <= fate < 0.11:
            supplements = 2 if rnd.random() < 0.1 else 1
        never_answers = supplements and rnd.random() < 0.03

        received = at
        state = S.SUBMITTED
        if online:
            received = add_office_time(cal, at, rnd.randint(900, 6 * 3600) * 1_000_000)
            if received > now:
                return self._finish(d, events, state, version, [])
        if refused:
            reason = "Hồ sơ không thuộc thẩm quyền giải quyết của đơn vị."
            self.tables["decision"].add(
                dict(
                    id=self._id("decision"), dossier_id=did, kind=m.Decision.Kind.REFUSAL,
                    at=received, by_id=officer("one_stop_officer")[0], reason=reason,
                )
            )  # fmt: skip
            d["closed_at"] = received
            event("refuse", S.SUBMITTED if online else "", S.REFUSED, received,
                  role="one_stop_officer", note=reason, unit_id=None if online else unit.pk)  # fmt: skip
            return self._finish(d, events, S.REFUSED, version + (1 if online else 0), [])

        # reception: the appointment, the steps, the first step done at once
        amount, time_unit = offer.time[channel]
        due = due_date_for(
            received_at=received, amount=amount, amount_unit=time_unit, unit=unit,
            cutoff=offer.cutoff,
        )  # fmt: skip
        d.update(received_at=received, counted_from=due.counted_from, due_at=due.due_at,
                 first_due_at=due.due_at)  # fmt: skip
        steps = []
        for pos, (kind, role, unit_id, hours) in enumerate(offer.steps, start=1):
            steps.append(
                dict(
                    id=self._id("step"), dossier_id=did, position=pos, kind=kind, role=role,
                    unit_id=unit_id, hours=hours, timing="", note="",
                )
            )  # fmt: skip

        for unit_id in dict.fromkeys(s["unit_id"] for s in steps):
            if unit_id != unit.pk:  # the other units of an inter-level template see it too
                row = self.tables["unit"].add(
                    {"id": self._id("unit"), "unit_id": unit_id, **participant}
                )
                self._participants.append(row)

        def step_due(step, start):
            return add_office_time(
                self.calendars[step["unit_id"]], start, int(step["hours"] * _HOUR_US)
            )

        def timing(finished, due_at):
            if finished > due_at:
                return m.Timing.LATE
            if to_vietnam_time(finished).date() < to_vietnam_time(due_at).date():
                return m.Timing.EARLY
            return m.Timing.ON_TIME

        def finish(step, when):
            step["finished_at"] = when
            step["handed_by_id"] = officer(step["role"])[0]
            step["timing"] = timing(when, step["due_at"])

        def enter(step, when):
            step["started_at"] = when
            step["due_at"] = step_due(step, when)
            d.update(
                current_step_id=step["id"], current_unit_id=step["unit_id"],
                current_role=step["role"], current_kind=step["kind"],
                current_assignee_id=None, step_due_at=step["due_at"],
            )  # fmt: skip
            if step["kind"] == StepKind.RETURN:
                d["finished_at"] = when
                return S.RESULT_READY
            return S.PROCESSING

        first = steps[0]
        first["started_at"] = received
        first["due_at"] = step_due(first, received)
        finish(first, received)
        state = enter(steps[1], received)
        event("accept", S.SUBMITTED if online else "", state, received, role="one_stop_officer",
              unit_id=None if online else unit.pk)  # fmt: skip
        if online:
            version += 1
        t = received
        index = 1
        while not hold:
            step = steps[index]
            if step["kind"] == StepKind.RETURN:
                back = add_office_time(cal, t, rnd.randint(1800, 3 * 8 * 3600) * 1_000_000)
                if back > now:
                    break
                finish(step, back)
                d.update(returned_at=back, closed_at=back)
                d["delivery"] = d.get("delivery") or m.Delivery.COUNTER
                if d["delivery"] == m.Delivery.POST:
                    d["post_tracking_number"] = f"RR{rnd.randrange(10**9):09d}VN"
                elif d["delivery"] == m.Delivery.ELECTRONIC:  # a name only: no file is written
                    d["result_file"] = f"dossiers/results/bench/{code}.pdf"
                late = d.get("extension_count", 0) or d.get("supplement_count", 0) > 1
                d["timing"] = m.Timing.LATE if late else timing(d["finished_at"], d["due_at"])
                event("deliver", S.RESULT_READY, S.RETURNED, back, role="one_stop_officer")
                state = S.RETURNED
                version += 1
                break
            if step["kind"] == StepKind.APPRAISE and (supplements or withdrawn):
                pause = add_office_time(
                    self.calendars[step["unit_id"]], t, rnd.randint(1800, 4 * 3600) * 1_000_000
                )
                if pause > now:
                    break
                if withdrawn:
                    reason = "Người nộp xin rút hồ sơ."
                    self.tables["decision"].add(
                        dict(id=self._id("decision"), dossier_id=did,
                             kind=m.Decision.Kind.WITHDRAWAL, at=pause, by_id=None, reason=reason)
                    )  # fmt: skip
                    d["closed_at"] = pause
                    event("withdraw", state, S.WITHDRAWN, pause, note=reason,
                          actor=(d.get("applicant_id"), name) if online else None)  # fmt: skip
                    state = S.WITHDRAWN
                    version += 1
                    break
                items = "Bản sao giấy tờ chứng minh nơi cư trú."
                remaining = office_time_between(cal, pause, d["due_at"])
                if pause >= d["due_at"]:
                    remaining = -office_time_between(cal, d["due_at"], pause)
                d["supplement_count"] = d.get("supplement_count", 0) + 1
                event("request_supplement", S.PROCESSING, S.AWAITING_SUPPLEMENT, pause,
                      role="specialist", note=items, step_id=step["id"])  # fmt: skip
                version += 1
                request = dict(
                    id=self._id("supplement"), dossier_id=did, requested_at=pause,
                    requested_by_id=officer("specialist")[0], items=items,
                    reason="Thiếu giấy tờ theo quy định.", resume_state=S.PROCESSING,
                )  # fmt: skip
                self._requests.append(request)  # added once answered or not
                back = pause + timedelta(hours=rnd.randint(20, 240))
                stop_at = pause + timedelta(days=rnd.randint(15, 30))
                if never_answers and stop_at <= now:
                    reason = "Quá thời hạn mà người nộp không bổ sung hồ sơ."
                    request.update(answered_at=stop_at, answer_note=reason)
                    self.tables["decision"].add(
                        dict(id=self._id("decision"), dossier_id=did, kind=m.Decision.Kind.STOP,
                             at=stop_at, by_id=officer("leader")[0], reason=reason)
                    )  # fmt: skip
                    d["closed_at"] = stop_at
                    event("stop", S.AWAITING_SUPPLEMENT, S.STOPPED, stop_at, role="leader",
                          note=reason)  # fmt: skip
                    state = S.STOPPED
                    version += 1
                    break
                if never_answers or back > now:
                    d.update(paused_at=pause, paused_remaining_us=remaining)
                    state = S.AWAITING_SUPPLEMENT
                    break
                request.update(answered_at=back, answered_by_id=d.get("applicant_id"))
                if remaining > 0:
                    d["due_at"] = add_office_time(cal, back, remaining)
                step_cal = self.calendars[step["unit_id"]]
                left = office_time_between(step_cal, pause, step["due_at"])
                if left > 0:
                    step["due_at"] = add_office_time(step_cal, back, left)
                    d["step_due_at"] = step["due_at"]
                event("supplement", S.AWAITING_SUPPLEMENT, S.PROCESSING, back,
                      actor=(d.get("applicant_id"), name) if online else None)  # fmt: skip
                version += 1
                supplements -= 1
                t = back
                if supplements:
                    continue
            factor = rnd.uniform(1.1, 3.0) if rnd.random() < 0.05 else rnd.uniform(0.1, 0.9)
            done = add_office_time(
                self.calendars[step["unit_id"]], t, int(float(step["hours"]) * factor * _HOUR_US)
            )
            if done > now:
                break
            if done > d["due_at"] and not d.get("extension_count") and rnd.random() < 0.2:
                new_due = done + timedelta(days=2)
                extended_at = max(t, d["due_at"] - timedelta(hours=4))
                reason = "Hồ sơ cần xác minh thêm."
                self.tables["decision"].add(
                    dict(id=self._id("decision"), dossier_id=did,
                         kind=m.Decision.Kind.EXTENSION, at=extended_at,
                         by_id=officer("leader")[0], reason=reason, new_due_at=new_due)
                )  # fmt: skip
                d.update(due_at=new_due, extension_count=1)
                event("extend", state, state, extended_at, role="leader", note=reason)
                version += 1
            finish(step, done)
            following = steps[index + 1]
            new_state = enter(following, done)
            event("forward", state, new_state, done, role=step["role"], step_id=step["id"],
                  unit_id=step["unit_id"], public=new_state != state)  # fmt: skip
            state = new_state
            version += 1
            t = done
            index += 1
        return self._finish(d, events, state, version, steps)

    def _finish(self, d, events, state, version, steps) -> None:
        d["state"] = state
        due_at = self.tables["unit"].index["due_at"]
        for row in self._participants:
            row[due_at] = d.get("due_at")
        self._participants.clear()
        d["row_version"] = version
        d["updated_at"] = events[-1]["at"] if events else d["created_at"]
        self.tables["dossier"].add(d)
        for request in self._requests:
            self.tables["supplement"].add(request)
        self._requests.clear()
        for step in steps:
            self.tables["step"].add(step)
        for e in events:
            e["id"] = self._id("event")
            self.tables["event"].add(e)
        self.stats.states[state] = self.stats.states.get(state, 0) + 1
        return d["id"]

    def draft(
        self,
        plan: UnitPlan,
        offer: Offer,
        citizen: tuple[int, str, str, str],
        *,
        provided: bool = False,
    ) -> int:
        """An online draft as `draft_create` leaves it, ready to submit (the benchmark's pool)."""
        from egov.dossiers import models as m

        did = self._id("dossier")
        uid, name, id_number, phone = citizen
        at = self.now
        self.tables["unit"].add(
            {"id": self._id("unit"), "dossier_id": did, "unit_id": plan.unit.pk}
        )
        for i, (cid, cname, originals, copies) in enumerate(offer.components):
            self.tables["component"].add(
                dict(
                    id=self._id("component"), dossier_id=did, position=i, component_id=cid,
                    name=cname, originals=originals, copies=copies, provided=provided,
                )
            )  # fmt: skip
        self.tables["event"].add(
            dict(
                id=self._id("event"), dossier_id=did, at=at, actor_id=uid, actor_label=name,
                action="draft", state_from="", state_to=m.State.DRAFT, unit_id=plan.unit.pk,
            )
        )  # fmt: skip
        self.tables["dossier"].add(
            dict(
                id=did, procedure_id=offer.procedure_id, version_id=offer.version_id,
                receiving_unit_id=plan.unit.pk, channel=m.SubmissionChannel.ONLINE,
                state=m.State.DRAFT, applicant_id=uid, applicant_name=name,
                applicant_id_number=id_number, applicant_phone=phone, subject=offer.subject,
                delivery=m.Delivery.ELECTRONIC, created_at=at, updated_at=at,
            )
        )  # fmt: skip
        return did

    def flush(self) -> int:
        from django.db import transaction

        order = ["dossier", "unit", "component", "step", "event", "supplement", "decision"]
        with transaction.atomic():
            return write([self.tables[n] for n in order])

    def finish(self, *, reset: bool = True) -> None:
        from egov.dossiers.models import DossierSequence

        rows = [
            DossierSequence(agency_code=a, day=day, last=self.sequences[(a, day)])
            for a, day in sorted(self.touched)
        ]
        DossierSequence.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["agency_code", "day"],
            update_fields=["last"],
        )
        if reset:
            reset_sequences([t.model for t in self.tables.values()])


def generate(
    plans: list[UnitPlan],
    count: int,
    *,
    now: datetime | None = None,
    seed: int = 1,
    batch: int = 10_000,
    days: int = 730,
    citizens: int | None = None,
    progress: bool = False,
    id_offset: int = 0,
) -> Stats:
    from django.utils import timezone

    started = time.perf_counter()
    gen = Generator(plans, now=now or timezone.now(), seed=seed, days=days)
    if id_offset:
        gen.ids = {model: value + id_offset for model, value in gen.ids.items()}
    gen.citizens = make_citizens(citizens or max(50, min(20_000, count // 50)), gen.rnd)
    moments = gen.moments(count)
    for i, (at, channel) in enumerate(moments, start=1):
        gen.dossier(at, channel)
        if i % batch == 0 or i == count:
            gen.stats.rows += gen.flush()
            if progress:
                spent = time.perf_counter() - started
                print(
                    f"  {i:>9,} dossiers, {gen.stats.rows:>11,} rows, {spent:7.1f} s, "
                    f"{gen.stats.rows / spent:,.0f} rows/s",
                    flush=True,
                )
    gen.finish(reset=not id_offset)
    gen.stats.dossiers = count
    gen.stats.seconds = time.perf_counter() - started
    return gen.stats


# Rows of one worker start this far above the previous worker's (ids are bigint).
ID_STRIDE = 10**9


def checkpoint(connection) -> None:
    """PostgreSQL: write out now what the generation and its VACUUM left dirty, so that the
    first benchmark does not share the cores with a checkpoint of the generation's writes (the
    first run on a new database was the slowest in several sessions; in the fourteenth run,
    with a checkpoint before it, it was not: bench/README). Needs a superuser or the
    pg_checkpoint role; without it, says so and goes on."""
    if connection.vendor != "postgresql":
        return
    from django.db import DatabaseError

    began = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as exc:
        print(f"no CHECKPOINT ({exc}): the first benchmark may pay for the generation's writes")
        return
    print(f"CHECKPOINT in {time.perf_counter() - began:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=20, help="receiving communes (≥ 1)")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers", type=int, default=2, help="processes, each with its own units (PostgreSQL)"
    )
    parser.add_argument("--part", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django(args.sqlite)
    workers = 1 if args.sqlite else max(1, args.workers)
    if args.part is not None:  # one worker: the units i with i % workers == part
        units = load_units_only(args.units)
        plans = unit_plans([u for i, u in enumerate(units) if i % workers == args.part])
        shares = [
            args.count * len(range(k, len(units), workers)) // len(units) for k in range(workers)
        ]
        shares[-1] += args.count - sum(shares)
        share = shares[args.part]
        stats = generate(
            plans, share, seed=args.seed + args.part, batch=args.batch, progress=True,
            id_offset=(args.part + 1) * ID_STRIDE if workers > 1 else 0,
            citizens=max(50, min(20_000, args.count // 50)),
        )  # fmt: skip
        print(f"RESULT {stats.dossiers} {stats.rows} {stats.seconds:.3f}", flush=True)
        for state, n in stats.states.items():
            print(f"STATE {state} {n}", flush=True)
        return
    t0 = time.perf_counter()
    units = load_units(args.units)
    from egov.dossiers import models as m

    make_citizens(max(50, min(20_000, args.count // 50)), random.Random(args.seed))
    print(
        f"{database_url(args.sqlite).split(':')[0]}: {len(units)} receiving units; set-up "
        f"{time.perf_counter() - t0:.1f} s; {workers} worker(s)",
        flush=True,
    )
    started = time.perf_counter()
    import subprocess

    base = [
        sys.executable,
        __file__,
        "--count",
        str(args.count),
        "--units",
        str(args.units),
        "--batch",
        str(args.batch),
        "--seed",
        str(args.seed),
        "--workers",
        str(workers),
    ]
    if args.sqlite:
        base.append("--sqlite")
    procs = [
        subprocess.Popen([*base, "--part", str(k)], stdout=subprocess.PIPE, text=True)
        for k in range(workers)
    ]  # fmt: skip
    dossiers = rows = 0
    states: dict[str, int] = {}
    for k, proc in enumerate(procs):
        for line in proc.stdout:
            if line.startswith("RESULT"):
                _r, n, r, _s = line.split()
                dossiers += int(n)
                rows += int(r)
            elif line.startswith("STATE"):
                _s, state, n = line.split()
                states[state] = states.get(state, 0) + int(n)
            else:
                print(f"[{k}] {line}", end="", flush=True)
        if proc.wait() != 0:
            raise SystemExit(f"worker {k} failed")
    reset_sequences(
        [m.Dossier, m.DossierUnit, m.DossierComponent, m.DossierStep, m.DossierEvent,
         m.SupplementRequest, m.Decision]
    )  # fmt: skip
    # Fresh statistics: without them PostgreSQL plans the new tables as if empty (a parallel
    # scan of the papers for one dossier's 30 rows). On PostgreSQL also a VACUUM, as autovacuum
    # would do in time to a database in service: rows just written by COPY carry no hint bits
    # and no visibility map, so the first requests to touch their pages pay for setting them,
    # and autovacuum may start in the middle of a benchmark. The same submission-only run made
    # 179/s right after a generation, then 236, 274 and 269/s after this VACUUM (bench/README).
    from django.db import connection

    analyse = "VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(analyse)
    checkpoint(connection)
    seconds = time.perf_counter() - started
    print(
        f"generated {dossiers:,} dossiers ({rows:,} rows) in {seconds:.1f} s: "
        f"{dossiers / seconds:,.0f} dossiers/s, {rows / seconds:,.0f} rows/s"
    )
    for state, n in sorted(states.items(), key=lambda x: -x[1]):
        print(f"  {state:<22} {n:>9,} ({100 * n / max(1, dossiers):.2f} %)")


if __name__ == "__main__":
    main()
