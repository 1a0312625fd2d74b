"""The dossier pages over HTTP on the generated database, against baselines served the same way.

    .venv/bin/python bench/dossiers_generate.py [--sqlite]      # first: the dossiers
    .venv/bin/python bench/dossiers_http.py [--sqlite] [--duration 20] [--workers 2]
        [--redis redis://127.0.0.1:6379/13 | --no-redis] [--no-celery-worker]

gunicorn (`-w 2` sync workers, DEBUG off, persistent database connections, the full middleware
stack) serves egov on the database `dossiers_generate.py` filled; wrk (-t2 -c16) warms each
endpoint for 5 s, then measures it for --duration seconds. Sessions are made in the database
beforehand (the cookie is passed; officials without TOTP, as in the demo) and POSTs carry a CSRF
cookie and the X-CSRFToken header.

As in production, the server runs with `REDIS_URL` (the cache and the Celery broker): a request
that changes a dossier inserts its outbox rows and, after the commit, wakes the worker (one task
per burst, egov/notifications/wakeup.py); a real Celery worker process (`--pool solo`, one
process, on the same machine) sends them.
`--no-redis` measures the embedded default instead (no broker: Celery runs the send inline, inside
the request, after the commit); `--no-celery-worker` leaves the published tasks in Redis.

Endpoints, all at Xã Lưu Vệ:

- B_hello /bench/hello/ ("ok"), B_row /bench/row/<id>/ (one unit by id), B_pdf /bench/pdf/ (a
  trivial one-line PDF by WeasyPrint, the engine of forms 02–07) and B_pdf ReportLab
  /bench/pdf-rl/ (the same by ReportLab, the engine of form 01): the baselines;
- the receipt (form 01 with its QR code, ReportLab) of a received dossier, /bench/receipt/<id>/:
  the PDF alone, to read against B_pdf ReportLab;
- online submission: POST /ho-so/<pk>/submit/ by a citizen on drafts made beforehand (the form's
  data saved, then submitted: validation, code, lookup code, history, audit), one draft per
  request; the procedure is one whose papers are not required as files;
- counter reception: POST /office/dossiers/tiep-nhan/?unit=&code= (a new dossier with its
  papers, steps, appointment, history and audit) by the one-stop officer;
- a state transition: POST /office/dossiers/<pk>/forward/ by the specialist, one fresh dossier
  (at its appraisal step) per request;
- lookup by code: GET /tra-cuu-ho-so/?ma=&mtc= over 1,000 dossiers (the throttle raised through
  EGOV_LOOKUP_RATE for the run);
- the work queue: GET /office/dossiers/ with 50 rows, filtered by state, or searched by name.

Each endpoint is measured twice: saturated (wrk -t2 -c16, --duration seconds: the rate it
sustains, latency mostly queueing behind 15 others on 2 workers), then unsaturated (-c2, one
connection per worker, --latency-seconds: the time one request takes when nobody waits, which is
what the issue's "p95 ≤ N ms" asks of a user's request). The submission is also sent at the
issue's rate, 250 a second (--paced), open loop: each request timed from when it was due, so the
p95 is that of a citizen's request while 250 others arrive each second. Then "counter reception + receipt": what
the counter does for each citizen, the reception's POST then its form 01 (GET
/office/dossiers/<id>/in/01/), timed together by 2 officers at once over keep-alive connections.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dossiers_generate as gen  # noqa: E402
from wrk_common import (  # noqa: E402
    cpu_by_command,
    cpu_snapshot,
    format_cpu,
    print_table,
    run_wrk,
    start_server,
)

ROOT = gen.ROOT
parser = argparse.ArgumentParser()
parser.add_argument("--sqlite", action="store_true")
parser.add_argument("--duration", type=int, default=20)
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--pool", type=int, default=18_000, help="drafts / fresh dossiers made")
parser.add_argument("--only", default="", help="endpoint names separated by semicolons")
parser.add_argument(
    "--latency-seconds", type=int, default=10, help="then each endpoint unsaturated (0: skip)"
)
parser.add_argument("--latency-connections", type=int, default=2)
parser.add_argument(
    "--units", type=int, default=20, help="receiving units the submissions go to, in turn"
)
parser.add_argument(
    "--one-unit", action="store_true", help="every submission to Lưu Vệ (its sequence's worst case)"
)
parser.add_argument("--pairs", type=int, default=300, help="receptions with their receipt")
parser.add_argument(
    "--redis",
    default="redis://127.0.0.1:6379/13",
    help="REDIS_URL of the server and the Celery worker (a database of its own)",
)
parser.add_argument(
    "--paced",
    default="online submission=250",
    help="NAME=RATE;...: after those endpoints' other runs, requests sent at RATE a second "
    "(open loop: each timed from when it was due) for --latency-seconds ('': none)",
)
parser.add_argument("--no-redis", action="store_true", help="the embedded default: no broker")
parser.add_argument("--no-celery-worker", action="store_true", help="publish, but send nothing")
parser.add_argument(
    "--restart-before",
    default="",
    help="endpoint names (semicolons) before which gunicorn is restarted: new workers",
)
args = parser.parse_args()

CSRF = secrets.token_hex(16)  # 32 characters: an unmasked token the server accepts
ENV = {**gen.bench_env(args.sqlite), "EGOV_LOOKUP_RATE": "1000000/s"}
REDIS_URL = "" if args.no_redis else args.redis
if REDIS_URL:
    ENV["REDIS_URL"] = REDIS_URL


def check_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        raise SystemExit(
            f"no Redis at {REDIS_URL} ({exc}): start one, or pass --no-redis"
        ) from None


def start_celery_worker() -> subprocess.Popen:
    """One worker process (solo pool) consuming the server's queue, as a deployment runs it."""
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "egov",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=ENV,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,  # the console SMS and e-mail backends print every message
    )
    time.sleep(3)
    if worker.poll() is not None:
        raise SystemExit(f"the Celery worker exited with {worker.returncode}")
    return worker


def drain_queue(limit: float = 300) -> None:
    """Wait until the Celery worker has taken every task the previous endpoint published, so
    that its sends do not run on the cores while the next endpoint is measured."""
    import redis

    r = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    t0, waiting = time.monotonic(), r.llen("celery")
    while r.llen("celery") and time.monotonic() - t0 < limit:
        time.sleep(0.2)
    if waiting:
        took = time.monotonic() - t0
        print(f"  worker backlog: {waiting} tasks, drained in {took:.1f} s", flush=True)
    time.sleep(0.5)  # the last task taken


def wal_snapshot() -> tuple | None:
    """PostgreSQL's WAL counters (records, full-page images, bytes), checkpoints so far and the
    log's position: what an endpoint wrote to the log per request, whether a checkpoint began
    meanwhile (after one, each page's first change is logged whole), and the range to read with
    pg_waldump."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as c:
        c.execute("SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal")
        wal = c.fetchone()
        c.execute(
            "SELECT checkpoints_timed + checkpoints_req, pg_current_wal_lsn(),"
            " pg_walfile_name(pg_current_wal_lsn()) FROM pg_stat_bgwriter"
        )
        return (*wal, *c.fetchone())


def format_wal(before: tuple | None, after: tuple | None, n: int) -> str:
    if before is None or after is None or not n:
        return ""
    records, fpi, size, checkpoints = (a - b for a, b in zip(after[:4], before[:4], strict=True))
    return (
        f"WAL per request: {records / n:.1f} records, {fpi / n:.2f} full pages, "
        f"{size / n / 1024:.1f} kB; checkpoints begun: {checkpoints}; "
        f"LSN {before[4]}..{after[4]} (segment {before[5]})"
    )


def session_cookie(username: str) -> str:
    import time as t

    from django.test import Client

    from egov.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    session = client.session
    session["egov_last_seen"] = int(t.time())
    session.save()
    return session.session_key


def prepare() -> dict:
    from django.core.management import call_command

    gen.setup_django(args.sqlite)
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connection
    from django.utils import timezone

    from egov.demo import services as demo
    from egov.dossiers.models import Dossier, State
    from egov.units.models import Unit

    total = Dossier.objects.count()
    if total < 1000:
        raise SystemExit("run bench/dossiers_generate.py first")
    luu_ve = Unit.objects.get(code=demo.LUU_VE, valid_to__isnull=True)
    at_luu_ve = Dossier.objects.filter(receiving_unit=luu_ve).count()  # before the pools
    # The submissions go to the generated receiving units in turn, as a province's citizens
    # submit to their own communes; --one-unit sends them all to Lưu Vệ, whose gap-free daily
    # sequence then makes them wait for one another (each holds it until its commit).
    units = [luu_ve] if args.one_unit else gen.load_units_only(args.units)
    plans = gen.unit_plans(units)
    plan = plans[0]
    assert plan.unit.pk == luu_ve.pk

    def online_offer(p):
        # online without files: a procedure of the unit whose papers are not required as
        # files, else the drafts' papers are marked provided (as after an officer's check)
        optional = [o for o in p.offers if not any(c[2] or c[3] for c in o.components)]
        return (optional[0], False) if optional else (p.offers[0], True)

    offers = [online_offer(p) for p in plans]
    online = offers[0][0]
    counter = plan.offers[0]
    g = gen.Generator(plans, now=timezone.now(), seed=int(time.time()))
    g.citizens = gen.make_citizens(50, g.rnd)
    citizen = g.citizens[0]
    drafts = []
    for i in range(args.pool):
        k = i % len(plans)
        drafts.append(g.draft(plans[k], offers[k][0], citizen, provided=offers[k][1]))
    upload_drafts = [g.draft(plan, online, citizen) for _ in range(args.pool // 3)]
    fresh = [g.dossier(g.now, 1, plan=plan, offer=counter, hold=True) for _ in range(args.pool)]
    g.flush()
    g.finish()
    from egov.accounts.models import User
    from egov.procedures.models import Procedure

    citizen_name = User.objects.get(pk=citizen[0]).username
    from egov.dossiers.models import DossierComponent

    first_paper = dict(
        DossierComponent.objects.filter(dossier_id__in=upload_drafts, position=0).values_list(
            "dossier_id", "pk"
        )
    )
    sample = list(
        Dossier.objects.exclude(state=State.DRAFT)
        .order_by("?")
        .values_list("code", "lookup_code")[:1000]
    )
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("ANALYZE")
    versions = dict(Dossier.objects.filter(pk__in=fresh[:5]).values_list("pk", "row_version"))
    assert set(versions.values()) == {1}, versions
    counter_code = Procedure.objects.get(pk=counter.procedure_id).code
    print(
        f"database {gen.database_url(args.sqlite).split(':')[0]}: {total:,} dossiers, "
        f"{at_luu_ve:,} at Lưu Vệ before the pools of "
        f"{args.pool:,} drafts (at {len(units)} units) and {args.pool:,} dossiers at appraisal",
        flush=True,
    )
    return {
        "unit": luu_ve.pk,
        "counter_code": counter_code,
        "counter_components": [c[0] for c in counter.components],
        "drafts": drafts,
        "uploads": [(pk, first_paper[pk]) for pk in upload_drafts if pk in first_paper],
        "fresh": fresh,
        "sample": sample,
        "officer": session_cookie("motcua.luuve"),
        "specialist": session_cookie("cv.luuve"),
        "citizen": session_cookie(citizen_name),
    }


def scan_pdf() -> bytes:
    """A one-page PDF of about 1 MB: a 1000 × 1000 grey scan (noise, so it does not compress)."""
    import io
    import os

    import pikepdf

    pdf = pikepdf.Pdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    image = pdf.make_stream(os.urandom(1_000_000))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 1000, 1000, 8
    image.ColorSpace = pikepdf.Name.DeviceGray
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im1=image))
    page.Contents = pdf.make_stream(b"q 500 0 0 500 50 200 cm /Im1 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


BOUNDARY = "----egovbench7MA4YWxkTrZu0gW"


def multipart_parts(pdf: bytes) -> tuple[bytes, bytes]:
    """The body around the component id: (before, after)."""
    before = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="component"\r\n\r\n').encode()
    after = (
        (
            f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="giay-to-scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + pdf
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return before, after


# Each request is taken from a list shared by the threads (thread k takes k, k + n, ...), so that
# a POST that consumes its dossier never sees it twice.
LUA = """
local requests = %(requests)s
local method = %(method)s
local body = %(body)s
local ids = %(ids)s
local before, after = nil, nil
if %(parts)s then
  local f = io.open(%(before)s, "rb"); before = f:read("*all"); f:close()
  f = io.open(%(after)s, "rb"); after = f:read("*all"); f:close()
end
local threads = 0
local counter = 0
local started = {}
local headers = {
  ["Cookie"] = %(cookie)s,
  ["X-CSRFToken"] = %(csrf)s,
  ["Content-Type"] = %(content_type)s,
}
setup = function(thread)
  thread:set("index", threads)
  threads = threads + 1
  table.insert(started, thread)
end
init = function(args)
  step = tonumber(%(threads)d)
  i = index
end
request = function()
  local n = (i %% #requests) + 1
  i = i + step
  if before then
    return wrk.format(method, requests[n], headers, before .. ids[n] .. after)
  end
  return wrk.format(method, requests[n], headers, body)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %%d %%.1f %%.2f %%.2f %%.2f %%d\\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
  -- the first request no thread reached: the threads take every n-th and may drift apart
  local reached = 0
  for _, thread in ipairs(started) do
    reached = math.max(reached, thread:get("i") or 0)
  end
  io.write(string.format("NEXT %%d\\n", reached))
end
"""


def lua_str(value: str) -> str:
    return json.dumps(value)


def wrk(base: str, spec: dict, seconds: int, connections: int = 16) -> dict[str, float]:
    """One wrk run. An endpoint that consumes its paths (`consume`: a dossier can be submitted
    or forwarded once) starts after the paths the runs before it used."""
    paths = spec["paths"][spec.get("cursor", 0) :]
    if len(paths) < 300 and spec.get("consume"):
        print("  pool exhausted: raise --pool", flush=True)
    script = LUA % {
        "requests": "{" + ", ".join(lua_str(p) for p in paths) + "}",
        "method": lua_str(spec.get("method", "GET")),
        "body": lua_str(spec["body"]) if spec.get("body") else "nil",
        "cookie": lua_str(f"csrftoken={CSRF}; sessionid={spec['session']}")
        if spec.get("session")
        else lua_str(f"csrftoken={CSRF}"),
        "csrf": lua_str(CSRF),
        "threads": min(2, connections),
        "ids": "{"
        + ", ".join(lua_str(str(x)) for x in spec.get("ids", [])[spec.get("cursor", 0) :])
        + "}",
        "parts": "true" if spec.get("parts") else "false",
        "before": lua_str(spec["parts"][0]) if spec.get("parts") else "nil",
        "after": lua_str(spec["parts"][1]) if spec.get("parts") else "nil",
        "content_type": lua_str(spec.get("content_type", "application/x-www-form-urlencoded")),
    }
    result = run_wrk(script, base, seconds, "--timeout", "10s", connections=connections)
    requests = result["requests"]
    if spec.get("consume"):
        # past every request a thread took (the two threads drift apart: a margin of 64 was
        # not always enough, and the next run met drafts already submitted)
        spec["cursor"] = spec.get("cursor", 0) + max(result.get("next", 0), int(requests) + 64)
    return result


def _headers(spec: dict) -> dict[str, str]:
    """What a request of `spec` carries besides its body: the session, the CSRF token, the type."""
    return {
        "Cookie": f"csrftoken={CSRF}; sessionid={spec.get('session', '')}",
        "X-CSRFToken": CSRF,
        "Content-Type": spec.get("content_type", "application/x-www-form-urlencoded"),
    }


def check(base: str, spec: dict) -> bool:
    """One request by hand before the load, so that a wrong set-up shows as an error."""
    body = spec["body"].encode() if spec.get("body") else None
    if spec.get("parts"):
        before, after = (Path(p).read_bytes() for p in spec["parts"])
        body = before + str(spec["ids"][-1]).encode() + after
    request = urllib.request.Request(
        base + spec["paths"][-1],
        data=body,
        method=spec.get("method", "GET"),
        headers=_headers(spec),
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        status = opener.open(request, timeout=30).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except TimeoutError:
        print(f"  SKIPPED {spec['paths'][-1]}: no answer within 30 s", flush=True)
        return False
    want = spec.get("expect", 200)
    if status != want:
        print(f"  SKIPPED {spec['paths'][-1]}: HTTP {status}, expected {want}", flush=True)
        return False
    return True


def _requests_of(spec: dict, count: int) -> Callable[[int], tuple[str, bytes | None]]:
    """The path and body of request `n` (< `count`) of `spec`'s unused ones, as the Lua script
    makes them."""
    cursor, paths = spec.get("cursor", 0), spec["paths"]
    if spec.get("consume") and cursor + count > len(paths):
        print("  pool exhausted: raise --pool", flush=True)
    body = spec["body"].encode() if spec.get("body") else None
    before, after = (
        (Path(p).read_bytes() for p in spec["parts"]) if spec.get("parts") else (b"", b"")
    )

    def request(n: int) -> tuple[str, bytes | None]:
        path = paths[(cursor + n) % len(paths)]
        if spec.get("parts"):
            ids = spec["ids"]
            return path, before + str(ids[(cursor + n) % len(ids)]).encode() + after
        return path, body

    return request


def paced(base: str, spec: dict, rate: float, seconds: int, clients: int = 16) -> dict:
    """Requests sent at `rate` a second for `seconds` (request k is due at k / rate), by up to
    `clients` keep-alive connections. Open loop: each request is timed from when it was due,
    not from when a connection was free to send it, so a server that falls behind shows it in
    the latency (wrk's closed loop would send fewer requests instead). This is what "≥ 250/s
    with p95 ≤ 60 ms" asks: the p95 of a request while 250 arrive every second."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    host = urlsplit(base)
    headers = _headers(spec)
    total = int(rate * seconds)
    request_of = _requests_of(spec, total)
    times: list[float] = []
    errors = [0]
    taken = [0]
    lock = threading.Lock()
    want = spec.get("expect", 200)
    start = time.perf_counter() + 0.5

    def client() -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        while True:
            with lock:
                k = taken[0]
                taken[0] += 1
            if k >= total:
                break
            due = start + k / rate
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            path, body = request_of(k)
            try:
                conn.request(spec.get("method", "GET"), path, body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                ok = answer.status == want
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
                ok = False
            elapsed = (time.perf_counter() - due) * 1000
            with lock:
                if ok:
                    times.append(elapsed)
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds_taken = time.perf_counter() - start
    if spec.get("consume"):
        spec["cursor"] = spec.get("cursor", 0) + total
    return _summary(times, errors[0], seconds_taken)


def reception_with_receipt(base: str, path: str, body: str, session: str, count: int) -> dict:
    """What the counter does for a citizen: the reception (POST, answered by a redirect to the
    new dossier's page) then its receipt, form 01 (GET /office/dossiers/<id>/in/01/), timed
    together, over keep-alive connections, by `args.latency_connections` officers at once."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    host = urlsplit(base)
    headers = {
        "Cookie": f"csrftoken={CSRF}; sessionid={session}",
        "X-CSRFToken": CSRF,
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": base + "/",
    }
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def officer(n: int) -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        for _ in range(n):
            started = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            location = answer.getheader("Location", "")
            if answer.status != 302 or not location.rstrip("/").split("/")[-1].isdigit():
                with lock:
                    errors[0] += 1
                continue
            conn.request("GET", location.rstrip("/") + "/in/01/", headers=headers)
            pdf = conn.getresponse()
            content = pdf.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if pdf.status == 200 and content.startswith(b"%PDF"):
                    times.append(elapsed)
                else:
                    errors[0] += 1
        conn.close()

    per = max(1, count // args.latency_connections)
    threads = [
        threading.Thread(target=officer, args=(per,)) for _ in range(args.latency_connections)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _summary(times, errors[0], time.perf_counter() - started)


def _summary(times: list[float], errors: int, seconds: float) -> dict[str, float]:
    """Rate and percentiles of requests timed in Python, in the shape `run_wrk` answers."""
    times = sorted(times)

    def pct(q: float) -> float:
        return times[min(len(times) - 1, int(q * len(times)))] if times else float("nan")

    return {
        "rps": len(times) / seconds,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": errors,
        "requests": len(times),
    }


def main() -> None:
    from urllib.parse import urlencode

    if REDIS_URL:
        check_redis()
    data = prepare()
    worker = start_celery_worker() if REDIS_URL and not args.no_celery_worker else None
    mode = "embedded (no broker: sends inline)" if not REDIS_URL else f"REDIS_URL={REDIS_URL}"
    print(f"notifications: {mode}, Celery worker: {'yes' if worker else 'no'}", flush=True)
    server, base = start_server(ROOT, ENV, args.workers)
    applicant = {
        "applicant_kind": "citizen",
        "applicant_name": "Nguyễn Thị Ánh",
        "applicant_id_number": "038185001234",
        "applicant_address": "Thôn Đông, xã Lưu Vệ",
        "applicant_phone": "0912000001",
        "applicant_email": "",
        "applicant_tax_code": "",
    }
    reception = urlencode(
        [
            *applicant.items(),
            ("channel", "1"),
            ("sets", "1"),
            ("delivery", "counter"),
            ("delivery_address", ""),
            ("outcome", "accept"),
            ("items", ""),
            ("reason", ""),
            ("due_at", ""),
            *(("provided", str(pk)) for pk in data["counter_components"]),
        ]
    )
    # version: the page's hidden field (each draft of the pool is at its first version)
    submission = urlencode([("version", "1"), *applicant.items(), ("delivery", "electronic")])
    before, after = multipart_parts(scan_pdf())
    parts = []
    for chunk in (before, after):
        with tempfile.NamedTemporaryFile("wb", suffix=".part", delete=False) as f:
            f.write(chunk)
        parts.append(f.name)
    lookups = [f"/tra-cuu-ho-so/?{urlencode({'ma': c, 'mtc': m})}" for c, m in data["sample"]]
    endpoints = {
        "B_hello": {"paths": ["/bench/hello/"]},
        "B_row": {"paths": [f"/bench/row/{data['unit']}/"]},
        "B_pdf": {"paths": ["/bench/pdf/"]},
        "B_pdf ReportLab": {"paths": ["/bench/pdf-rl/"]},
        "receipt PDF (form 01)": {
            "paths": [f"/bench/receipt/{pk}/" for pk in data["fresh"][-500:]]
        },
        "online submission": {
            "paths": [f"/ho-so/{pk}/submit/" for pk in data["drafts"]],
            "method": "POST",
            "body": submission,
            "session": data["citizen"],
            "expect": 302,
            "consume": True,
        },
        "upload 1 MB PDF (draft)": {
            "paths": [f"/ho-so/{pk}/tep/" for pk, _c in data["uploads"]],
            "ids": [c for _pk, c in data["uploads"]],
            "method": "POST",
            "parts": parts,
            "content_type": f"multipart/form-data; boundary={BOUNDARY}",
            "session": data["citizen"],
            "expect": 302,
            "consume": True,
        },
        "counter reception": {
            "paths": [
                "/office/dossiers/tiep-nhan/?"
                + urlencode({"unit": data["unit"], "code": data["counter_code"]})
            ],
            "method": "POST",
            "body": reception,
            "session": data["officer"],
            "expect": 302,
        },
        "transition (forward)": {
            "paths": [f"/office/dossiers/{pk}/forward/" for pk in data["fresh"]],
            "method": "POST",
            "body": "version=1&note=",
            "session": data["specialist"],
            "expect": 302,
            "consume": True,
        },
        "lookup by code": {"paths": lookups},
        "queue, state filter": {
            "paths": ["/office/dossiers/?queue=all&state=returned"],
            "session": data["officer"],
        },
        "queue, name search": {
            "paths": [
                f"/office/dossiers/?queue=all&q={q}" for q in ("nguyen", "tran+van", "le+thi")
            ],
            "session": data["officer"],
        },
    }
    only = {n.strip() for n in args.only.split(";") if n.strip()}
    restart_before = {n.strip() for n in args.restart_before.split(";") if n.strip()}
    pacing = {
        name.strip(): float(rate)
        for name, _, rate in (p.partition("=") for p in args.paced.split(";") if p.strip())
    }
    try:
        results, latency, at_rate = {}, {}, {}
        for name, spec in endpoints.items():
            if only and name not in only and not name.startswith("B_"):
                continue
            if name in restart_before:
                server.terminate()
                server.wait(timeout=60)
                server, base = start_server(ROOT, ENV, args.workers)
                print(f"  (gunicorn restarted before {name})", flush=True)
            if not check(base, spec):
                continue
            if worker:
                drain_queue()
            wrk(base, spec, 5)
            before, wal_before = cpu_snapshot(), wal_snapshot()
            results[name] = wrk(base, spec, args.duration)
            n = results[name]["requests"]
            spent = cpu_by_command(before, cpu_snapshot(), n)
            print(f"  {name}: {results[name]}\n    {format_cpu(spent)}", flush=True)
            if wal := format_wal(wal_before, wal_snapshot(), n):
                print(f"    {wal}", flush=True)
            if args.latency_seconds:
                if worker:
                    drain_queue()
                latency[name] = wrk(
                    base, spec, args.latency_seconds, connections=args.latency_connections
                )
                print(f"  {name} at -c{args.latency_connections}: {latency[name]}", flush=True)
            if name in pacing and args.latency_seconds:
                if worker:
                    drain_queue()
                rate = pacing[name]
                at_rate[f"{name} at {rate:g}/s"] = paced(base, spec, rate, args.latency_seconds)
                print(f"  {name} at {rate:g}/s: {at_rate[f'{name} at {rate:g}/s']}", flush=True)
        if not only or "counter reception + receipt" in only:
            spec = endpoints["counter reception"]
            if worker:
                drain_queue()
            reception_with_receipt(base, spec["paths"][0], spec["body"], spec["session"], 20)
            latency["counter reception + receipt"] = reception_with_receipt(
                base, spec["paths"][0], spec["body"], spec["session"], args.pairs
            )
        print(f"\nsaturated: wrk -t2 -c16, {args.duration} s per endpoint")
        print_table(results, width=26)
        if latency:
            print(
                f"\nunsaturated: {args.latency_connections} connections (one per worker), "
                f"{args.latency_seconds} s per endpoint; the pair over keep-alive connections"
            )
            print_table(latency if "B_hello" in latency else {**results, **latency}, width=26)
        if at_rate:
            print(
                "\npaced: requests sent at a fixed rate by 16 connections, each timed from when "
                f"it was due, {args.latency_seconds} s"
            )
            print_table({"B_hello": results["B_hello"], **at_rate}, width=32)
    finally:
        server.terminate()
        server.wait(timeout=60)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)


if __name__ == "__main__":
    main()
