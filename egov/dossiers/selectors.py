"""Every read of dossiers, scoped by the access policy: in the query itself for every list; for
one dossier by id, on the units taking part in it (`require_staff_sight`, the same answer).

Officials see a dossier when they hold any dossier right on a unit that takes part in it (the
receiving unit and every unit a step was given to: both sides of an inter-level transfer see the
whole history). Applicants see their own dossiers. Anyone may look a dossier up by its code and
lookup code together, and then sees only what the applicant may see.
"""

from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.accounts.models import RoleGrant, User, UserKind
from egov.accounts.policy import Perm, grants_of, has_perm_on, scope_unit_ids
from egov.core import vntext
from egov.core.compiled import CompiledQuery
from egov.core.errors import NotFound, ValidationFailed
from egov.dossiers.models import (
    NATIONAL_STATUS,
    OPEN_STATES,
    Dossier,
    DossierEvent,
    DossierStep,
    DossierUnit,
    Rating,
    State,
)
from egov.procedures.models import Procedure, StepKind
from egov.units.models import Unit
from egov.workcalendar.deadlines import VN_TZ

DOSSIER_PERMS = (
    Perm.DOSSIER_RECEIVE,
    Perm.DOSSIER_PROCESS,
    Perm.DOSSIER_APPROVE,
    Perm.DOSSIER_ISSUE,
)
ROLE_OF_PERM = {
    Perm.DOSSIER_RECEIVE: "one_stop_officer",
    Perm.DOSSIER_PROCESS: "specialist",
    Perm.DOSSIER_APPROVE: "leader",
    Perm.DOSSIER_ISSUE: "clerk",
}


def _any_of(user: Any, perms: Any) -> set[int] | None:
    """The ids of the units in the union of the user's scopes for `perms`; None when one of
    them is system-wide."""
    ids: set[int] = set()
    for perm in perms:
        part = scope_unit_ids(user, perm)
        if part is None:
            return None
        ids |= part
    return ids


def _in_units(field: str, ids: set[int] | None) -> Q:
    """Rows whose unit foreign key `field` is one of the units `ids` (None: any unit).

    Written as `field_id IN (3, 17, 18)` with the units resolved first (`scope_unit_ids`, one
    query per request) rather than through a join on the unit's own columns
    (`unit.anchor_id = 3 OR unit_id = 3`): each unit is then looked up in the index on `field`,
    and the planner estimates from its statistics how many rows it holds (bench/README.md,
    issue 5)."""
    if ids is None:
        return Q()
    return Q(**{f"{field}__in": sorted(ids)})


def term_q(term: str, field: str = "search_key") -> Q:
    """Rows whose search key (folded: "16438 261124 8021 bui thanh ha 038341692346") holds
    `term` (folded the same way) from the start of one of its words: a name or its beginning
    ("bui thanh"), the given name ("ha": Hà, Hải, Hạnh), a code or a part of one, an ID number
    or its beginning; not a piece from inside a word ("guyen", an ID number's last digits),
    which a counter officer does not type and no index of words can serve."""
    return Q(**{f"{field}__startswith": term}) | Q(**{f"{field}__contains": " " + term})


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def terms_query(term: str) -> str:
    """The tsquery (PostgreSQL) of the words and word pairs a key holding `term` holds (see
    `egov_search_terms`, migration 0007): its pairs of neighbouring words, the last as a
    prefix ("le van an" -> 'le van' & 'van an':*), or its one word as a prefix. A superset of
    `term_q`'s matches: the queries test that too."""
    words = term.split()
    if len(words) == 1:
        return _lexeme(words[0]) + ":*"
    pairs = [_lexeme(f"{a} {b}") for a, b in zip(words, words[1:], strict=False)]
    pairs[-1] += ":*"
    return " & ".join(pairs)


class TermsMatch(Expression):
    """PostgreSQL: `egov_search_terms(<field>) @@ <terms_query(term)>`, read from the
    participants' index of words and word pairs (migration 0007)."""

    output_field = BooleanField()

    def __init__(self, field: str, term: str) -> None:
        super().__init__()
        self.key = F(field)
        self.query = terms_query(term)

    def get_source_expressions(self) -> list[Any]:
        return [self.key]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.key,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.key)
        return f"egov_search_terms({sql}) @@ %s::tsquery", [*params, self.query]


class AmongIds(Expression):
    """PostgreSQL: `<field> = ANY(ARRAY(<ids>))`. The ids are read first and the rows looked up
    by them; `IN (<ids>)` leaves the planner free to scan the other conditions' rows and test
    each against the ids, which it did for a rare term in a role queue of 24,000 dossiers that
    it estimated at 45 (17 ms, against 1 for the one dossier the words index names)."""

    output_field = BooleanField()

    def __init__(self, field: str, ids: QuerySet[Any]) -> None:
        super().__init__()
        self.key, self.ids = F(field), Subquery(ids)

    def get_source_expressions(self) -> list[Any]:
        return [self.key, self.ids]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        self.key, self.ids = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        key_sql, key_params = compiler.compile(self.key)
        ids_sql, ids_params = compiler.compile(self.ids)
        return f"{key_sql} = ANY(ARRAY{ids_sql})", [*key_params, *ids_params]


def _participants_holding(term: str, units: set[int] | None) -> QuerySet[DossierUnit]:
    """The participants of `units` (None: of any unit) whose key holds `term`. On PostgreSQL a
    wide scope (every unit, or more than WALK_MAX_UNITS) is searched in the index of words
    and word pairs (migration 0007); a few units' participants are read from the unit's index,
    which covers the key (14 ms for the 68,000 of a busy commune): the words index yields every
    row of the country holding a common name, and computing the words outside it costs 4 us a
    row."""
    participants = DossierUnit.objects.filter(term_q(term), _in_units("unit", units))
    wide = units is None or len(units) > WALK_MAX_UNITS
    if wide and connections[participants.db].vendor == "postgresql":
        participants = participants.filter(TermsMatch("search_key", term))
    return participants


def dossiers_for_staff(user: Any, *, search_key: str = "") -> QuerySet[Dossier]:
    """The dossiers `user` sees as an official; with `search_key` (a folded term), only those
    whose search key holds it (`term_q`), searched on the participants' copy of the key
    (DossierUnit.search_key). The office page's search of "all" does not read this queryset:
    `work_queue_rows` walks the user's units in the page's order instead (bench/README.md,
    issue 5)."""
    units = _any_of(user, DOSSIER_PERMS)
    staff = Dossier.objects.exclude(state=State.DRAFT)
    if search_key and connections[staff.db].vendor == "sqlite":
        # SQLite: the participants of the user's units holding the term, found through the
        # unit index (it covers the key, migration 0007), then their dossiers by id; it would
        # otherwise walk every dossier in the page's order testing each key
        matching = _participants_holding(search_key, units)
        return staff.filter(pk__in=matching.values("dossier_id"))
    if search_key:
        taking_part = _participants_holding(search_key, units).filter(dossier=OuterRef("pk"))
    elif units is None:
        return staff
    else:
        taking_part = DossierUnit.objects.filter(_in_units("unit", units), dossier=OuterRef("pk"))
    return staff.filter(Exists(taking_part))


_MAX_ID = 2**63 - 1


def _id(pk: Any) -> int:
    """A row id from the outside; NotFound for anything a database id cannot be."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("Không tìm thấy hồ sơ.")) from None
    if not 1 <= pk <= _MAX_ID:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return pk


def dossier_for_staff(user: Any, pk: Any) -> Dossier:
    """The dossier `pk` with the rows its pages show beside it, if `user` sees it as an official
    (as `dossiers_for_staff(user)` would find it); else NotFound.

    The scope is tested first (`require_staff_sight`), then the dossier is read by its id: two
    queries compiled once (ADR 0005), the same answer as filtering `dossiers_for_staff(user)` by
    the id, for a fifth of the CPU (Django compiled that query, its EXISTS and five joins anew
    for every page; bench/README.md, issue 5)."""
    dossier = dossier_unchecked(require_staff_sight(user, pk))
    if dossier is None:  # gone since the check
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return dossier


def require_staff_sight(user: Any, pk: Any) -> int:
    """The id of a dossier `user` sees as an official, or NotFound: the check before an action
    (which reads the dossier itself under its lock) or a page. One compiled query: the units
    taking part in the dossier unless it is a draft, tested against the user's units, which is
    what `dossiers_for_staff` says in its query."""
    pk = _id(pk)
    units = _any_of(user, DOSSIER_PERMS)
    if units is None:  # a system-wide scope: any dossier but a draft
        found = _STATE.fetch(pk)
        sees = bool(found) and found[0].state != State.DRAFT
    else:
        sees = bool(units) and any(
            row.unit_id in units for row in _TAKING_PART_UNLESS_DRAFT.fetch(pk)
        )
    if not sees:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return pk


def dossier_unchecked(pk: int) -> Dossier | None:
    """The dossier `pk` as `dossier_for_staff` reads it, without asking who reads it: only for
    callers that checked the reader's scope already (or the benchmarks' own endpoint)."""
    found = _DOSSIER_WITH_UNITS.fetch(_id(pk))
    return found[0] if found else None


_DOSSIER_WITH_UNITS = CompiledQuery(
    lambda pk: Dossier.objects.select_related(
        "procedure", "version", "receiving_unit", "current_unit", "current_step"
    ).filter(pk=pk)
)
_STATE = CompiledQuery(lambda pk: Dossier.objects.filter(pk=pk).only("state"))
_TAKING_PART_UNLESS_DRAFT = CompiledQuery(
    lambda pk: (
        DossierUnit.objects.filter(dossier_id=pk)
        .exclude(dossier__state=State.DRAFT)
        .only("unit_id")
        .order_by()
    )
)


def dossiers_of_applicant(user: Any) -> QuerySet[Dossier]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    return Dossier.objects.filter(applicant_id=user.pk).order_by("-created_at", "-id")


def dossier_of_applicant(user: Any, pk: Any) -> Dossier:
    pk = _id(pk)
    dossier = dossiers_of_applicant(user).filter(pk=pk).first()
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return dossier


# The longest period one tracking book covers (one printed register per year at most).
TRACKING_BOOK_MAX_DAYS = 366


def tracking_book_dossiers(
    user: Any, unit: Unit, date_from: date, date_to: date
) -> QuerySet[Dossier]:
    """The tracking book (form 07) of `unit`: the dossiers it received from `date_from` to
    `date_to` (Vietnam dates, both included) that `user` may see, in order of reception, each
    with `transfers` (its inter-level transfer steps). Only staff with a dossier right on `unit`
    keep its book; anyone else is told it does not exist."""
    if not any(has_perm_on(user, perm, unit) for perm in DOSSIER_PERMS):
        raise NotFound(_("Không tìm thấy đơn vị."))
    for field, value in (("date_from", date_from), ("date_to", date_to)):
        # a datetime is a date too, but a day in the book is a Vietnam calendar day
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValidationFailed(_("Ngày không hợp lệ."), field=field)
    if date_from > date_to:
        raise ValidationFailed(_("Từ ngày phải trước hoặc bằng đến ngày."), field="date_to")
    if (date_to - date_from).days >= TRACKING_BOOK_MAX_DAYS:
        raise ValidationFailed(
            _("Mỗi sổ theo dõi in tối đa %(days)s ngày.") % {"days": TRACKING_BOOK_MAX_DAYS},
            field="date_to",
        )
    start = datetime.combine(date_from, time.min, tzinfo=VN_TZ)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=VN_TZ)
    transfers = DossierStep.objects.filter(kind=StepKind.TRANSFER).select_related("unit")
    return (
        dossiers_for_staff(user)
        .filter(receiving_unit=unit, received_at__gte=start, received_at__lt=end)
        .select_related("version")
        .prefetch_related(Prefetch("steps", queryset=transfers, to_attr="transfers"))
        .order_by("received_at", "id")
    )


# --- work queues --------------------------------------------------------------------------------

QUEUES = ("to_receive", "mine", "to_process", "to_return", "due_soon", "overdue", "all")


@dataclass(frozen=True)
class QueueFilter:
    queue: str = "mine"
    search: str = ""
    state: str = ""
    procedure_code: str = ""


def _role_steps(user: Any) -> Q:
    """Dossiers whose current step waits for a role the user holds on that step's unit."""
    q = Q(pk__in=[])
    held = {g.role for g in grants_of(user)}
    for role in ROLE_OF_PERM.values():
        if role not in held:
            continue
        # a system-wide grant's empty Q() makes that role's branch match every unit
        q |= Q(current_role=role) & _in_units("current_unit", scope_unit_ids(user, role=role))
    return q


def _queue_q(user: Any, queue: str, now: datetime) -> Q | None:
    """The condition of a queue (None: every dossier the user may see)."""
    open_ = Q(state__in=OPEN_STATES)
    if queue == "to_receive":
        units = scope_unit_ids(user, Perm.DOSSIER_RECEIVE)
        return Q(state=State.SUBMITTED) & _in_units("receiving_unit", units)
    if queue == "to_return":
        units = scope_unit_ids(user, Perm.DOSSIER_RECEIVE)
        return Q(state=State.RESULT_READY) & _in_units("receiving_unit", units)
    if queue == "mine":
        return open_ & Q(current_assignee_id=user.pk)
    if queue == "to_process":
        return (
            open_
            & _role_steps(user)
            & (Q(current_assignee__isnull=True) | Q(current_assignee_id=user.pk))
        )
    if queue == "due_soon":
        return open_ & _role_steps(user) & Q(due_at__gte=now, due_at__lt=now + timedelta(days=2))
    if queue == "overdue":
        return open_ & _role_steps(user) & Q(due_at__lt=now)
    return None


def _term(search: str) -> str:
    """What a queue's search looks for: a name, a part of one, a code or an ID number, folded
    as the dossiers' search keys are (the key begins with the code: a code is found by it)."""
    return vntext.search_key(vntext.clean(search or ""))[:100]


def _filtered(user: Any, filters: QueueFilter, now: datetime) -> QuerySet[Dossier]:
    """The rows of a queue, unordered and without their columns chosen (the counts compile
    seven of these)."""
    if filters.queue not in QUEUES:
        raise ValidationFailed(_("Hàng đợi không hợp lệ."), field="queue")
    if filters.state and filters.state not in State.values:
        raise ValidationFailed(_("Trạng thái không hợp lệ."), field="state")
    condition = _queue_q(user, filters.queue, now)
    term = _term(filters.search)
    if condition is None:
        qs = dossiers_for_staff(user, search_key=term)
    else:
        qs = Dossier.objects.filter(condition)
        if term:
            qs = _holding(qs, term)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.procedure_code:
        qs = qs.filter(procedure__code=filters.procedure_code[:8])
    return qs


def _holding(queue: QuerySet[Dossier], term: str) -> QuerySet[Dossier]:
    """The dossiers of a role queue (a few units' open dossiers for a role) whose key holds
    `term`. PostgreSQL: a surely rare term (`_rare`) is found in the participants' index of
    words and word pairs, then tested on the queue's rows; any other is tested on each of the
    queue's rows (`strpos`, which no index serves: the planner preferred the dossiers' trigram
    index for `term_q`'s LIKE, 24 ms for a common name where the queue held 159 rows)."""
    if connections[queue.db].vendor != "postgresql":
        return queue.filter(term_q(term))
    holds = GreaterThan(StrIndex(Concat(Value(" "), F("search_key")), Value(" " + term)), 0)
    queue = queue.filter(holds)
    if _rare(term):
        holding = DossierUnit.objects.filter(TermsMatch("search_key", term))
        queue = queue.filter(AmongIds("pk", holding.values("dossier_id")))
    return queue


LISTED_FIELDS = (
    "id",
    "code",
    "state",
    "applicant_name",
    "received_at",
    "due_at",
    "step_due_at",
    "current_kind",
    "current_role",
    "row_version",
    "procedure__code",
    "version__name",
    "current_unit__name",
)


def _listed(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return (
        qs.select_related("procedure", "version", "current_unit")
        .only(*LISTED_FIELDS)
        .order_by("due_at", "id")
    )


def work_queue(
    user: Any, filters: QueueFilter, *, now: datetime | None = None
) -> QuerySet[Dossier]:
    return _listed(_filtered(user, filters, now or timezone.now()))


# The columns of a queue's line on the office page (`work_queue_rows`).
ROW_FIELDS = (
    "id",
    "code",
    "applicant_name",
    "state",
    "due_at",
    "procedure__code",
    "version__name",
    "current_unit__name",
)


def work_queue_rows(
    user: Any, filters: QueueFilter, start: int, stop: int, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Rows `start` to `stop` of `work_queue(user, filters)` as the office page lists them
    (ROW_FIELDS): the same rows in the same order, read the quickest way (`_page`)."""
    return list(_page(user, filters, start, stop, now).values(*ROW_FIELDS))


def work_queue_page(
    user: Any, filters: QueueFilter, start: int, stop: int, *, now: datetime | None = None
) -> list[Dossier]:
    """Rows `start` to `stop` of `work_queue(user, filters)`, with the fields it loads."""
    return list(_listed(_page(user, filters, start, stop, now)))


def _page(
    user: Any, filters: QueueFilter, start: int, stop: int, now: datetime | None
) -> QuerySet[Dossier]:
    """The dossiers of rows `start` to `stop` of a queue, in its order. Their ids are chosen
    first, and only those rows are joined to their procedure, version and unit: ordered after
    the joins, a queue of 24,000 open dossiers joined every one of them before keeping 51
    (31 ms against 17). "All" at the user's few units on PostgreSQL is read from the dossiers
    among `_all_candidates` (scoped again)."""
    start, stop = max(start, 0), max(start, stop, 0)
    candidates = _all_candidates(user, filters, stop)
    if candidates is None:
        rows = _filtered(user, filters, now or timezone.now())
        if filters.queue != "all" and connections[rows.db].vendor == "postgresql":
            return Dossier.objects.filter(pk__in=_role_queue_ids(rows, start, stop)).order_by(
                "due_at", "id"
            )
    else:
        rows = dossiers_for_staff(user).filter(pk__in=candidates)
        if filters.state:
            rows = rows.filter(state=filters.state)
    ids = rows.order_by("due_at", "id").values("id")[start:stop]
    return Dossier.objects.filter(pk__in=ids).order_by("due_at", "id")


def _role_queue_ids(rows: QuerySet[Dossier], start: int, stop: int) -> RawSQL | list[int]:
    """The ids of rows `start` to `stop` of a role queue (PostgreSQL): the queue's rows found
    first by its condition (OFFSET 0 keeps PostgreSQL from planning them with the order), then
    sorted. Asked for them in order, the planner may walk every dossier of the country in the
    order's index (dossier_due), testing each, when it expects the queue's rows to be many
    and spread: at Lưu Vệ the officer's "to process" held 146 dossiers where it expected 4,451,
    all last in that order, and the walk read 961,000 rows (650 ms; bench/README.md, thirteenth
    run). A role queue holds a few units' open dossiers for a role: sorting them costs little."""
    try:
        sql, params = rows.order_by().values("id", "due_at").query.sql_with_params()
    except EmptyResultSet:  # a queue of a right the user does not hold
        return []
    ordered = f"SELECT q.id FROM ({sql} OFFSET 0) AS q ORDER BY q.due_at, q.id LIMIT %s OFFSET %s"  # noqa: S608 (the SQL Django compiled; values are parameters)
    return RawSQL(ordered, [*params, stop - start, start])  # noqa: S611 (the values are parameters)


# "All" at up to WALK_MAX_UNITS units (PostgreSQL) reads each unit's participants in the page's
# order (index dossier_unit_due, migration 0007), WALK_WINDOW of them at most, and keeps those
# whose dossier has the state asked for and, searched, whose key holds the term. Read from the
# dossiers in their order instead, a unit whose dossiers all come late in that order (a unit
# new after a merger, holding only the open dossiers handed over to it) was found after walking
# the country's: 850 ms for its first page, 1.1 s filtered by "returned", which it had none of
# (bench/README.md). A common name fills the page after a thousand index rows or so. What does
# not fill it in the window (a term or state rarer than 1 in 300 or so of the unit's dossiers)
# is read as before: a term from the index of words and word pairs (dossier_unit_terms), which
# yields few rows for such a term but every row of the country for a common one; a state from
# the dossiers in their order. A wider scope (a leader over a whole province) is read from the
# dossiers (`dossiers_for_staff`), whose order a walk of each unit would not follow.
WALK_MAX_UNITS = 16
WALK_WINDOW = 16_000


def _all_candidates(user: Any, filters: QueueFilter, stop: int) -> RawSQL | None:
    """The ids of dossiers among which the first `stop` rows of "all" are, read from the
    participants' indexes (every one of them is in the queue); None where this does not
    apply."""
    if filters.queue != "all" or filters.procedure_code:
        return None
    if connections[Dossier.objects.db].vendor != "postgresql":
        return None
    if filters.state and filters.state not in State.values:
        raise ValidationFailed(_("Trạng thái không hợp lệ."), field="state")
    units = _any_of(user, DOSSIER_PERMS)
    if units is None or len(units) > WALK_MAX_UNITS:
        return None
    term = _term(filters.search)
    quote = connections[Dossier.objects.db].ops.quote_name
    participants, dossiers = quote(DossierUnit._meta.db_table), quote(Dossier._meta.db_table)
    state_sql, state_params = ("AND d.state = %s", [filters.state]) if filters.state else ("", [])
    n, needle = max(stop, 0), " " + term
    units_list = sorted(units) or [0]  # no unit: no participant (ids start at 1)
    if term:
        fallback_sql = f"""
            SELECT q.dossier_id FROM (
                SELECT DISTINCT p.due_at, p.dossier_id
                FROM {participants} AS p JOIN {dossiers} AS d ON d.id = p.dossier_id
                WHERE egov_search_terms(p.search_key) @@ %s::tsquery
                    AND strpos(' ' || p.search_key, %s) > 0
                    AND p.unit_id + 0 = ANY(%s::bigint[])
                    AND d.state <> %s {state_sql}
                ORDER BY p.due_at, p.dossier_id
                LIMIT %s
            ) AS q
        """  # noqa: S608 (table names from the models; every value is a parameter)
        fallback_params = [terms_query(term), needle, units_list, State.DRAFT, *state_params, n]
        if _rare(term):
            return RawSQL(fallback_sql, fallback_params)  # noqa: S611 (the values are parameters)
        term_sql, term_params = "AND strpos(' ' || p.search_key, %s) > 0", [needle]
    elif filters.state in OPEN_STATES:
        # Few dossiers of the country are in an open state at any time, and they are the
        # recent ones, last in the page's order: the walk would read its whole window for
        # nothing (60 ms against 16 at Lưu Vệ for "processing"). The dossiers of that
        # state in their order (index dossier_state_due) are read instead.
        return None
    else:
        # the dossiers in their order, each tested for a participant of the units: the query
        # "all" is without the walk, for a state that fills no page in the window
        fallback_sql = f"""
            SELECT q.id FROM (
                SELECT d.id FROM {dossiers} AS d
                WHERE d.state <> %s {state_sql} AND EXISTS (
                    SELECT 1 FROM {participants} AS p
                    WHERE p.dossier_id = d.id AND p.unit_id = ANY(%s::bigint[])
                )
                ORDER BY d.due_at, d.id
                LIMIT %s
            ) AS q
        """  # noqa: S608 (table names from the models; every value is a parameter)
        fallback_params = [State.DRAFT, *state_params, units_list, n]
        term_sql, term_params = "", []
    # `walk`, per unit (a lateral join): its first WALK_WINDOW participants in the page's order,
    # index only; those holding the term, joined to their dossiers for the state, `n` at most;
    # and whether they are all of the unit's matches that can come first (`n` found, or the
    # window held every participant of the unit: counted only when fewer were found). When
    # every unit's are, the candidates are these; otherwise the first `n` of the fallback.
    # There, "unit_id + 0" makes the unit a test of the few rows the index yields: as an index
    # condition the planner reads every row of the unit from its B-tree first (4 ms for 68,000).
    sql = f"""
        WITH walk AS (
            SELECT m.ids, cardinality(m.ids) >= %s OR (
                SELECT count(*) FROM (
                    SELECT 1 FROM {participants} AS c WHERE c.unit_id = u.id LIMIT %s
                ) AS c
            ) < %s AS complete
            FROM unnest(%s::bigint[]) AS u (id)
            CROSS JOIN LATERAL (
                SELECT coalesce(array_agg(x.dossier_id), '{{}}') FROM (
                    SELECT p.dossier_id FROM (
                        SELECT w.dossier_id, w.due_at, w.search_key FROM {participants} AS w
                        WHERE w.unit_id = u.id ORDER BY w.due_at, w.dossier_id LIMIT %s
                    ) AS p
                    JOIN {dossiers} AS d ON d.id = p.dossier_id
                    WHERE d.state <> %s {term_sql} {state_sql}
                    ORDER BY p.due_at, p.dossier_id
                    LIMIT %s
                ) AS x
            ) AS m (ids)
        )
        SELECT unnest(ids) FROM walk WHERE (SELECT bool_and(complete) FROM walk)
        UNION ALL
        SELECT * FROM ({fallback_sql}) AS q WHERE NOT (SELECT bool_and(complete) FROM walk)
    """  # noqa: S608 (table names from the models; every value is a parameter)
    params = [
        *(n, WALK_WINDOW, WALK_WINDOW, units_list, WALK_WINDOW, State.DRAFT),
        *term_params,
        *state_params,
        n,
        *fallback_params,
    ]
    return RawSQL(sql, params)  # noqa: S611 (the values are parameters)


def _rare(term: str) -> bool:
    """Whether `term` is surely rare: three words or more (a full name, a code), or a number
    of nine digits or more (an ID number, or most of one). Such a term is read from the words
    index at once: walking the units' windows to find it missing there costs 5-7 ms at a busy
    commune. Either way the rows are the same."""
    words = term.split()
    return len(words) >= 3 or any(len(word) >= 9 and word.isdigit() for word in words)


# Counts stop here: the page shows "1.000+" beyond it. Counting every dossier of a busy unit
# (tens of thousands in "all") costs a scan of all of them; the first 1,001 cost little.
COUNT_CAP = 1000


def capped_count(queryset: QuerySet[Any], cap: int | None = None) -> int:
    """The number of rows, exact up to `cap` (COUNT_CAP); `cap + 1` means "more than `cap`"."""
    cap = COUNT_CAP if cap is None else cap
    return queryset.order_by().values("pk")[: cap + 1].count()


def queue_total(user: Any, filters: QueueFilter, *, cap: int | None = None) -> int | None:
    """How many rows the queue `filters` asks for holds, capped as `capped_count`; None for
    "all" searched, which is not counted: the count reads every participant of the user's
    units holding the term (25 ms of a 37 ms page at a busy commune, where the page's rows
    cost 3 ms: bench/README, fourteenth run). Its page says "more than" and pages on."""
    if filters.queue == "all" and _term(filters.search):
        return None
    return capped_count(work_queue(user, filters), cap)


def queue_counts(user: Any, *, now: datetime | None = None) -> dict[str, int]:
    """How many dossiers wait in each queue (the rows `work_queue` lists), in one query. Each
    count is exact up to COUNT_CAP; COUNT_CAP + 1 means "more than COUNT_CAP"."""
    now = now or timezone.now()
    key = _counts_key(user)
    compiled = _COUNTS.get(key)
    if compiled is None:
        compiled = _compile_counts(user, key)
    if not compiled:  # the moment is not a plain parameter here (SQLite's are text)
        sql, params = _counts_sql(user, now)
    else:
        sql, params, moments = compiled
        params = list(params)
        for i, offset in moments:
            params[i] = now + offset
    with connections[Dossier.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        return {queue: int(n) for queue, n in zip(QUEUES, cursor.fetchone(), strict=True)}


# The counts' SQL, built once per process for each user and scope, with the moment it counts at
# swapped in as a parameter: building and compiling the seven querysets cost more CPU than the
# database's answer (3 ms against 2). `_counts_key` holds everything the queues' conditions
# read besides the moment (`_queue_q`, `_all_count_sql`: the user's id and the units of each
# of its scopes); a change there must show in it.
_COUNTS: dict[tuple[Any, ...], tuple[str, list[Any], list[tuple[int, timedelta]]]] = {}
_COUNTS_SIZE = 2000
_NOW_MARK = datetime(1901, 1, 1, tzinfo=UTC)


def _compile_counts(user: Any, key: tuple[Any, ...]) -> tuple[Any, ...]:
    """The counts' SQL and parameters at _NOW_MARK, and where the moment sits among them
    (with its offset: "due soon" ends at now + 2 days), found by building it at two moments a
    day apart: the parameters that differ must be datetimes a day apart. () when they are not
    (SQLite's are text): the counts are then built for each call."""
    sql, params = _counts_sql(user, _NOW_MARK)
    later_sql, later = _counts_sql(user, _NOW_MARK + timedelta(days=1))
    moments = []
    for i, (value, other) in enumerate(zip(params, later, strict=True)):
        if value == other:
            continue
        if not (isinstance(value, datetime) and isinstance(other, datetime)):
            moments = None
            break
        if other - value != timedelta(days=1):
            moments = None
            break
        moments.append((i, value - _NOW_MARK))
    if len(_COUNTS) >= _COUNTS_SIZE:
        _COUNTS.clear()
    compiled = (sql, params, moments) if moments is not None and sql == later_sql else ()
    _COUNTS[key] = compiled
    return compiled


def _counts_key(user: Any) -> tuple[Any, ...]:
    def frozen(ids: set[int] | None) -> tuple[int, ...] | None:
        return None if ids is None else tuple(sorted(ids))

    held = {g.role for g in grants_of(user)}
    roles = tuple(
        (role, frozen(scope_unit_ids(user, role=role)))
        for role in ROLE_OF_PERM.values()
        if role in held
    )
    return (
        Dossier.objects.db,
        COUNT_CAP,
        WALK_MAX_UNITS,
        user.pk,
        frozen(scope_unit_ids(user, Perm.DOSSIER_RECEIVE)),
        roles,
        frozen(_any_of(user, DOSSIER_PERMS)),
    )


def _counts_sql(user: Any, now: datetime) -> tuple[str, list[Any]]:
    columns, params = [], []
    for queue in QUEUES:
        if queue == "all" and (counted := _all_count_sql(user)) is not None:
            columns.append(counted[0])
            params.extend(counted[1])
            continue
        rows = _filtered(user, QueueFilter(queue=queue), now)
        try:
            sql, sql_params = rows.order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
        except EmptyResultSet:  # a queue of a right the user does not hold
            columns.append("0")
            continue
        # the SQL Django compiled for the queryset; its values stay parameters
        columns.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")  # noqa: S608
        params.extend(sql_params)
    return "SELECT " + ", ".join(columns), params


def _all_count_sql(user: Any) -> tuple[str, list[Any]] | None:
    """PostgreSQL, a few units: the capped count of "all" from the participants. Counted
    from the dossiers, it walks them by id until 1,001 of the user's units are found (five
    times that many at a commune holding 7 % of them, and all of them at one holding 0.1 %),
    or hashes all of the units' participants (68,000 at Lưu Vệ, 14 ms). Here each unit yields
    its first 1,001 participants whose dossier is received (a due date: never a draft, with
    the copy of migration 0006), index only, and only when it has fewer, those without one
    whose dossier is not a draft. The first branch is ordered by the index's own order: without
    it PostgreSQL, expecting 1,001 rows soon, scanned the whole table for a unit that has fewer
    (246 ms against 2 ms, bench/README.md)."""
    if connections[Dossier.objects.db].vendor != "postgresql":
        return None
    units = _any_of(user, DOSSIER_PERMS)
    if units is None or not units or len(units) > WALK_MAX_UNITS:
        return None
    quote = connections[Dossier.objects.db].ops.quote_name
    participants, dossiers = quote(DossierUnit._meta.db_table), quote(Dossier._meta.db_table)
    cap = COUNT_CAP + 1
    sql = f"""(
        SELECT least(count(DISTINCT x.id), %s) FROM unnest(%s::bigint[]) AS u (id)
        CROSS JOIN LATERAL (
            SELECT y.id FROM (
                (SELECT p.dossier_id AS id FROM {participants} AS p
                 WHERE p.unit_id = u.id AND p.due_at IS NOT NULL ORDER BY p.due_at LIMIT %s)
                UNION ALL
                (SELECT p.dossier_id FROM {participants} AS p
                 JOIN {dossiers} AS d ON d.id = p.dossier_id
                 WHERE p.unit_id = u.id AND p.due_at IS NULL AND d.state <> %s LIMIT %s)
            ) AS y LIMIT %s
        ) AS x
    )"""  # noqa: S608 (table names from the models; every value is a parameter)
    return sql, [cap, sorted(units), cap, State.DRAFT, cap, cap]


# --- the dossier page ----------------------------------------------------------------------------


def dossier_page(user: Any, dossier: Dossier) -> dict[str, Any]:
    """Everything the staff dossier page shows, in a fixed number of queries."""
    from egov.dossiers.rights import available_actions

    return {
        "dossier": dossier,
        "components": list(dossier.components.prefetch_related("files")),
        "steps": list(
            dossier.steps.select_related("unit", "assignee", "handed_by").order_by("position")
        ),
        "events": list(dossier.events.select_related("unit").order_by("at", "id")),
        "supplements": list(dossier.supplements.all()),
        "decisions": list(dossier.decisions.all()),
        "actions": available_actions(user, dossier),
    }


class CounterRating:
    """Where a dossier stands for the counter's rating tablet."""

    OPEN = "open"  # returned, not rated yet: the applicant may rate now
    RATED = "rated"
    NOT_RETURNED = "not_returned"
    NOT_ALLOWED = "not_allowed"  # the user does not receive dossiers for its unit


def counter_rating_status(user: Any, dossier: Dossier) -> str:
    """Whether `user` may hand the counter's tablet to the applicant of `dossier` to rate it."""
    if not has_perm_on(user, Perm.DOSSIER_RECEIVE, dossier.receiving_unit):
        return CounterRating.NOT_ALLOWED
    if dossier.state != State.RETURNED:
        return CounterRating.NOT_RETURNED
    if Rating.objects.filter(dossier=dossier).exists():
        return CounterRating.RATED
    return CounterRating.OPEN


def possible_assignees(dossier: Dossier, *, next_step: bool) -> QuerySet[User]:
    """Officials who hold the role of the current step (or of the next one) at its unit."""
    step = dossier.current_step
    if step is not None and next_step:
        step = (
            DossierStep.objects.filter(dossier=dossier, position__gt=step.position)
            .order_by("position")
            .first()
        )
    if step is None:
        return User.objects.none()
    unit = Unit.objects.only("id", "path").get(pk=step.unit_id)
    parts = [p for p in unit.path.split("/") if p]
    ancestors = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    grants = RoleGrant.objects.filter(role=step.role).filter(
        Q(unit_id=unit.pk) | Q(include_subtree=True, unit__path__in=ancestors)
    )
    return (
        User.objects.filter(is_active=True, pk__in=grants.values("user_id"))
        .only("id", "username", "full_name")
        .order_by("full_name", "id")
    )


# --- public lookup --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicView:
    code: str
    procedure_name: str
    state: str
    state_label: str
    national_status: int | None
    received_at: datetime | None
    due_at: datetime | None
    returned_at: datetime | None
    events: list[DossierEvent]
    can_rate: bool


def lookup(code: str, lookup_code: str) -> PublicView:
    """A dossier by its code and lookup code, both required; a wrong pair says nothing about
    whether the code exists (the caller throttles attempts)."""
    code = (code or "").strip()[:40]
    lookup_code = (lookup_code or "").strip().upper()[:8]
    not_found = NotFound(_("Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này."))
    if not code or not lookup_code:
        raise not_found
    row = next(iter(_lookup_dossiers().filter(code=code)[:1]), None)
    if row is None or not hmac.compare_digest(row.lookup_code, lookup_code):
        raise not_found
    events = [
        DossierEvent(at=at, action=action, state_to=state_to)
        for at, action, state_to in _public_events().filter(dossier_id=row.id)
    ]
    return PublicView(
        code=row.code,
        procedure_name=row.procedure_name,
        state=row.state,
        state_label=State(row.state).label,
        national_status=NATIONAL_STATUS[row.state],
        received_at=row.received_at,
        due_at=row.due_at,
        returned_at=row.returned_at,
        events=events,
        can_rate=row.state == State.RETURNED and not row.rated,
    )


# The lookup's two queries, built once per process (a public page read far more than any other:
# building the query took as long as running it); each call only adds its filter.
@functools.cache
def _lookup_dossiers() -> QuerySet:
    return (
        Dossier.objects.exclude(state=State.DRAFT)
        .annotate(
            procedure_name=F("version__name"),
            rated=Exists(Rating.objects.filter(dossier=OuterRef("pk"))),
        )
        .values_list(
            "id",
            "code",
            "lookup_code",
            "state",
            "received_at",
            "due_at",
            "returned_at",
            "procedure_name",
            "rated",
            named=True,
        )  # fmt: skip
    )


@functools.cache
def _public_events() -> QuerySet:
    return (
        DossierEvent.objects.filter(public=True)
        .order_by("at", "id")
        .values_list("at", "action", "state_to")
    )


# --- one dossier as its applicant or an official sees it ------------------------------------------


@dataclass(frozen=True)
class DossierAccess:
    dossier: Dossier
    # True: seen as an official of a unit taking part (everything); False: as its applicant
    # (public events only, no control slip).
    as_staff: bool


def _with_details(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return queryset.select_related(
        "procedure",
        "version",
        "receiving_unit",
        "current_unit",
        "current_assignee",
        "current_step__unit",
        "rating",
    ).prefetch_related(
        "components__files",
        "supplements",
        "decisions",
        "events__unit",
        "steps__unit",
        "steps__assignee",
        "steps__handed_by",
    )


def dossier_access(user: Any, pk: Any) -> DossierAccess:
    """A dossier the user may see: as an official of a unit taking part, or as its applicant.
    NotFound otherwise (whether it exists is not told)."""
    pk = _id(pk)
    if user is not None and getattr(user, "kind", None) == UserKind.OFFICIAL:
        dossier = _with_details(dossiers_for_staff(user)).filter(pk=pk).first()
        if dossier is not None:
            return DossierAccess(dossier, as_staff=True)
    dossier = _with_details(dossiers_of_applicant(user)).filter(pk=pk).first()
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return DossierAccess(dossier, as_staff=False)


# --- what a request names --------------------------------------------------------------------------


def reception_target(procedure_code: str, unit_id: Any) -> tuple[Procedure, Unit]:
    """The procedure (by its national code) and the unit a dossier is lodged with."""
    procedure = Procedure.objects.filter(code=(procedure_code or "").strip()[:20]).first()
    if procedure is None:
        raise ValidationFailed(_("Không có thủ tục với mã này."), field="procedure")
    try:
        unit_pk = int(unit_id)
    except (TypeError, ValueError):
        unit_pk = 0
    unit = Unit.objects.filter(pk=unit_pk).first() if 1 <= unit_pk <= _MAX_ID else None
    if unit is None:
        raise ValidationFailed(_("Không có đơn vị này."), field="unit")
    return procedure, unit


def official_by_id(pk: Any, field: str = "assignee") -> User:
    """An active official named by id (the services check their role on the step)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    user = (
        User.objects.filter(pk=pk, kind=UserKind.OFFICIAL, is_active=True).first()
        if 1 <= pk <= _MAX_ID
        else None
    )
    if user is None:
        raise ValidationFailed(_("Không có cán bộ này."), field=field)
    return user


def dossier_with_result(user: Any, pk: Any) -> Dossier:
    """A dossier whose result file the user may download: its officials once the file is
    attached, its applicant once the result was returned."""
    access = dossier_access(user, pk)
    dossier = access.dossier
    if not dossier.result_file or (not access.as_staff and dossier.state != State.RETURNED):
        raise NotFound(_("Chưa có kết quả để tải về."))
    return dossier
