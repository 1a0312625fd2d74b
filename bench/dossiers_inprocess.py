"""Online submission, forward and counter reception measured in process (issue 5): queries and
milliseconds per request, sequential, through django.test.Client (the full middleware stack) on
a test database with the `world` fixture; and how long the audit chain's head row is held.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/egov_<you> \
        .venv/bin/pytest bench/dossiers_inprocess.py -q -s [-p no:randomly]

PROF_N (200) requests of each kind; PROF_ONLY=submission|reception|forward: only those; PROF_SHOW=areas: the
profiled requests' (PROF_PROFILED, 1) own time by package; PROF_BROKER=1: Celery publishes to an in-memory broker, as
with REDIS_URL (the send is not run in the request); PROF_SHOW=1: the last request's queries and
its cProfile (PROF_SORT, PROF_LINES: a number of lines or a pattern they must match;
PROF_CALLERS: a pattern, whose functions' callers are listed); PROF_CLOCK=cpu: the profile counts
this process's CPU time, not waits on the database. Each kind also prints the mean CPU per request
of this process and, on PostgreSQL on this host, of its backend (from /proc).
Not part of the test suite (bench/ is not collected).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import time
from contextlib import nullcontext
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from egov.dossiers import services
from egov.dossiers.applicants import ApplicantData
from egov.office.tests.test_home import login_verified

N = int(os.environ.get("PROF_N", "200"))
FORM_ENCODED = "application/x-www-form-urlencoded"
GC_MS: list[float] = []


def _gc_timer():
    """Time spent in the cyclic garbage collector (PROF_GC=1: also gc.freeze() the objects made
    before the first request, as egov.wsgi does in a server process)."""
    import gc

    start = [0.0]

    def cb(phase, info):
        if phase == "start":
            start[0] = time.perf_counter()
        else:
            GC_MS.append((time.perf_counter() - start[0]) * 1000)

    gc.callbacks.append(cb)
    if os.environ.get("PROF_GC"):
        gc.freeze()


SHOW = os.environ.get("PROF_SHOW", "")


def _draft_post():
    return {
        "version": 1,  # the page's hidden field: each draft here is at its first version
        "applicant_kind": "citizen",
        "applicant_name": "Nguyễn Thị Lan",
        "applicant_id_number": "038190000123",
        "applicant_phone": "0912345678",
        "applicant_email": "lan@example.vn",
        "applicant_address": "Thôn Đông",
        "delivery": "electronic",
    }


def _report(name, timings, counts, queries, prof, cpu):
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"\n== {name}: n={len(timings)} queries={sorted(set(counts))} "
        f"median={statistics.median(timings):.1f} ms p95={p95:.1f} ms "
        f"(this process's CPU: median {statistics.median(cpu):.2f} ms)"
    )
    if SHOW:
        for i, q in enumerate(queries, 1):
            print(f"  {i:2d} {q['time']}s {q['sql'][:220]}")
    if prof is not None and SHOW == "areas":
        _areas(prof)
    elif prof is not None and SHOW:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats(
            os.environ.get("PROF_SORT", "cumulative")
        ).print_stats(*_restrictions(os.environ.get("PROF_LINES", "45")))
        if callers := os.environ.get("PROF_CALLERS"):  # who calls the functions matching this
            pstats.Stats(prof, stream=s).sort_stats("cumulative").print_callers(callers)
        print(s.getvalue())


def _restrictions(lines: str) -> list:
    """PROF_LINES: a number of lines, or a regular expression the lines must match (then at most
    60 of them)."""
    return [int(lines)] if lines.isdigit() else [lines, 60]


def _areas(prof):
    """The profiled requests' own time by area of code (package or module), largest first."""
    areas: dict[str, float] = {}
    for (path, _line, _fn), (_cc, _nc, tottime, _ct, _callers) in pstats.Stats(prof).stats.items():
        if "site-packages/" in path:
            parts = path.split("site-packages/", 1)[1].split("/")
            area = "/".join(parts[:3] if parts[0] == "django" else parts[:1])
        elif "/egov/" in path:
            area = "egov/" + path.split("/egov/", 1)[1]
        elif path.startswith("~") or path.startswith("<"):
            area = "builtins"
        else:
            area = "stdlib/" + path.rsplit("/", 1)[-1]
        areas[area] = areas.get(area, 0) + tottime
    total = sum(areas.values())
    for area, t in sorted(areas.items(), key=lambda kv: -kv[1])[:40]:
        print(f"  {t * 1000 / PROFILED:7.2f} ms {t / total:5.1%}  {area}")


PROFILED = int(os.environ.get("PROF_PROFILED", "1"))


def _broker():
    if os.environ.get("PROF_BROKER"):
        import kombu.pools

        from egov.celery import app

        app.conf.update(broker_url="memory://", task_always_eager=False)
        kombu.pools.reset()
        app._pool = None


HOLDS: list[float] = []
WAITS: list[float] = []


def _instrument_head():
    """Time the audit head lock: the wait for it, and how long it is held (lock → commit)."""
    from egov.audit import services as audit

    real = audit._lock_head

    def timed():
        t0 = time.perf_counter()
        head = real()
        t1 = time.perf_counter()
        WAITS.append((t1 - t0) * 1000)
        # first of the commit hooks, so the notifications' publishing is not counted
        connection.run_on_commit.insert(
            0,
            (
                set(connection.savepoint_ids),
                lambda: HOLDS.append((time.perf_counter() - t1) * 1000),
                False,
            ),
        )
        return head

    audit._lock_head = timed


def _holds(name):
    if HOLDS:
        HOLDS.sort()
        WAITS.sort()
        print(
            f"   audit head ({name}): lock query median {statistics.median(WAITS):.2f} ms, "
            f"held until commit median {statistics.median(HOLDS):.2f} ms "
            f"p95 {HOLDS[int(len(HOLDS) * 0.95) - 1]:.2f} ms"
        )
        HOLDS.clear()
        WAITS.clear()


def _backend_cpu() -> tuple[int | None, float]:
    """The PostgreSQL backend serving this connection, and its CPU seconds so far (None, 0 on
    SQLite, or where its /proc entry cannot be read: another host)."""
    if connection.vendor != "postgresql":
        return None, 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None, 0.0
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(name, client, make_request, count):
    HOLDS.clear()
    WAITS.clear()
    timings, counts, last, prof, cpu = [], [], None, None, []
    GC_MS.clear()
    pid, backend_before = _backend_cpu()
    for i in range(count):
        request = make_request(i)
        # as wrk does: the flash message of the last response is not sent back (the test client
        # would otherwise pile up one message per request in its cookie)
        client.cookies.pop("messages", None)
        profile = i >= count - PROFILED
        if profile and prof is None:
            # PROF_CLOCK=cpu: this process's CPU time only (waits on the database left out)
            clock = (
                time.process_time if os.environ.get("PROF_CLOCK") == "cpu" else time.perf_counter
            )
            prof = cProfile.Profile(clock)
        connection.queries_log.clear()
        # the queries are captured on the last request only: capturing formats every statement
        # with its values (psycopg's mogrify), a tenth of a submission's CPU
        capture = CaptureQueriesContext(connection) if i == count - 1 else nullcontext()
        with capture as ctx:
            t0, c0 = time.perf_counter(), time.process_time()
            if profile:
                prof.enable()
            response = request()
            if profile:
                prof.disable()
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 302, response.content.decode()[:3000]
        if ctx is not None:
            counts.append(len(ctx.captured_queries))
            last = ctx.captured_queries
    # the profiled requests (the last PROF_PROFILED) pay cProfile's overhead: left out
    unprofiled = cpu[: count - PROFILED] or cpu
    process_ms = statistics.fmean(unprofiled)
    backend_ms = 0.0
    if pid is not None:
        backend_ms = (_backend_cpu()[1] - backend_before) * 1000 / count
    _report(name, timings, counts, last, prof, cpu)
    print(
        f"   CPU per request, mean: this process {process_ms:.2f} ms (unprofiled requests)"
        + (f", its PostgreSQL backend {backend_ms:.2f} ms" if pid is not None else "")
    )
    print(
        f"   gc: {len(GC_MS)} collections, {sum(GC_MS) / count:.2f} ms per request, "
        f"longest {max(GC_MS, default=0):.1f} ms"
    )
    _holds(name)


@pytest.mark.django_db(transaction=True)
def test_profile(client, world):
    _broker()
    _instrument_head()
    citizen = world.citizen
    drafts = []
    for _ in range(N + 5 if os.environ.get("PROF_ONLY", "submission") == "submission" else 0):
        d = services.draft_create(actor=citizen, procedure=world.procedure, unit=world.commune)
        d.components.update(provided=True)
        drafts.append(d.pk)
    client.force_login(citizen)
    body = urlencode(_draft_post())  # as a browser and wrk send it, not multipart
    _gc_timer()
    only = os.environ.get("PROF_ONLY", "")
    if only in ("", "submission"):
        _run(
            "online submission",
            client,
            lambda i: (
                lambda: client.post(f"/ho-so/{drafts[i]}/submit/", body, content_type=FORM_ENCODED)
            ),
            N,
        )
    # counter reception
    officer = world.staff["officer"]
    client.logout()
    login_verified(client, officer)
    comps = [c.pk for c in world.procedure.current.components.all()]
    rec = {
        "applicant_kind": "citizen",
        "applicant_name": "Lê Văn Hùng",
        "applicant_id_number": "038085001234",
        "applicant_address": "Thôn 1",
        "applicant_phone": "0987654321",
        "applicant_email": "",
        "applicant_tax_code": "",
        "channel": "1",
        "sets": "1",
        "delivery": "counter",
        "delivery_address": "",
        "outcome": "accept",
        "items": "",
        "reason": "",
        "due_at": "",
        "provided": [str(pk) for pk in comps],
    }
    rec_body = urlencode(rec, doseq=True)
    url = f"/office/dossiers/tiep-nhan/?unit={world.commune.pk}&code={world.procedure.code}"
    if only in ("", "reception"):
        _run(
            "counter reception",
            client,
            lambda i: lambda: client.post(url, rec_body, content_type=FORM_ENCODED),
            N,
        )
    if only not in ("", "forward"):
        return
    # forward from appraisal
    comps_in = [services.ComponentInput(component_id=pk) for pk in comps]
    fresh = []
    for i in range(N):
        d = services.counter_receive(
            actor=officer,
            unit=world.commune,
            procedure=world.procedure,
            applicant=ApplicantData(
                name=f"Lê Văn {i}", id_number=f"038085{i:06d}", phone="0987654321"
            ),
            components=comps_in,
        )
        fresh.append((d.pk, d.row_version))
    client.logout()
    login_verified(client, world.staff["specialist"])
    _run(
        "forward",
        client,
        lambda i: (
            lambda: client.post(
                f"/office/dossiers/{fresh[i][0]}/forward/",
                urlencode({"version": fresh[i][1], "note": ""}),
                content_type=FORM_ENCODED,
            )
        ),
        N,
    )
