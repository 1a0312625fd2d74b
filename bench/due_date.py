"""Benchmark of the due-date arithmetic, in process and over HTTP.

    .venv/bin/python bench/due_date.py [--cases 10000] [--no-http] [--seed 1]

In process: 10,000 random cases (receipt 2024–2027 at random minutes, working days with and
without fractions, hours, calendar days, optional 15:00 cutoff), each timed alone, on
  1. the pure calendar (`deadlines.due_date` over a `WorkCalendar` built from the holidays package),
  2. the service path (`selectors.due_date_for`, the calendar cache of a migrated SQLite database).
Over HTTP: gunicorn (2 workers) on a migrated temporary SQLite database with production settings
(DEBUG=0), then `GET /api/v1/calendar/due-date/` — 10,000 requests of random cases over one
keep-alive connection with http.client (latency per request), and `wrk` (if installed) with 2
threads and 8 connections for 10 s (throughput and latency percentiles).
Prints median and p95 in µs (ms for HTTP) and throughput. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def random_cases(n: int, seed: int) -> list[tuple[datetime, Decimal, str, str | None]]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1)
    span_minutes = int((datetime(2027, 12, 31) - start).total_seconds() // 60)
    cases = []
    for _ in range(n):
        received = start + timedelta(minutes=rng.randrange(span_minutes))
        unit = rng.choice(["working_day", "working_day", "hour", "day"])
        if unit == "working_day":
            amount = Decimal(rng.randrange(0, 31))
            if rng.random() < 0.25:
                amount += Decimal("0.5")
        elif unit == "hour":
            amount = Decimal(rng.randrange(0, 161)) / 4
        else:
            amount = Decimal(rng.randrange(0, 61))
        cutoff = "15:00" if rng.random() < 0.3 else None
        cases.append((received, amount, unit, cutoff))
    return cases


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def report(label: str, samples_ns: list[int], unit: str = "µs") -> None:
    scale = 1_000 if unit == "µs" else 1_000_000
    values = [s / scale for s in samples_ns]
    total_s = sum(samples_ns) / 1e9
    print(
        f"{label:<46} n={len(values):>6}  median {statistics.median(values):8.2f} {unit}"
        f"  p95 {percentile(values, 95):8.2f} {unit}  p99 {percentile(values, 99):8.2f} {unit}"
        f"  ({len(values) / total_s:,.0f}/s sequential)"
    )


def setup_django(db_path: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "egov.settings"
    os.environ["EGOV_DEMO"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["EGOV_VAR_DIR"] = str(db_path.parent)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def in_process(cases: list, rounds: int = 1) -> None:
    from datetime import time as dtime

    from egov.workcalendar import selectors
    from egov.workcalendar.deadlines import WorkCalendar, due_date
    from egov.workcalendar.services import CITED_EXCEPTIONS
    from egov.workcalendar.years import ExceptionRow

    parsed = [(r, a, u, dtime(15) if c else None) for r, a, u, c in cases]
    rows = [ExceptionRow(c.day, str(c.kind), c.name, c.note) for c in CITED_EXCEPTIONS]
    calendar = WorkCalendar.national(rows=rows)
    for received, amount, unit, cutoff in parsed[:200]:  # load the years once
        due_date(calendar, received, amount, unit, cutoff=cutoff)
        selectors.due_date_for(received_at=received, amount=amount, amount_unit=unit, cutoff=cutoff)
    clock = time.perf_counter_ns
    for label, call in (
        ("pure deadlines.due_date", lambda r, a, u, c: due_date(calendar, r, a, u, cutoff=c)),
        (
            "service selectors.due_date_for (cached)",
            lambda r, a, u, c: selectors.due_date_for(
                received_at=r, amount=a, amount_unit=u, cutoff=c
            ),
        ),
    ):
        samples = []
        for _ in range(rounds):
            for received, amount, unit, cutoff in parsed:
                t0 = clock()
                call(received, amount, unit, cutoff)
                samples.append(clock() - t0)
        report(label, samples)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(tmp: Path) -> tuple[subprocess.Popen, int]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "egov.settings",
        "DEBUG": "0",
        "EGOV_DEMO": "0",
        "SECRET_KEY": "bench",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EGOV_SECURE": "0",
        "DATABASE_URL": f"sqlite:///{tmp / 'http.sqlite3'}",
        "EGOV_VAR_DIR": str(tmp),
        "STATIC_ROOT": str(tmp / "static"),
        "LOG_LEVEL": "ERROR",
    }
    (tmp / "static").mkdir(exist_ok=True)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run(
        [python, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "egov.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz/")
            if conn.getresponse().status == 200:
                conn.close()
                return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def http_bench(cases: list, port: int) -> None:
    paths = []
    for received, amount, unit, cutoff in cases:
        params = {"received_at": received.isoformat(), "amount": str(amount), "unit": unit}
        if cutoff:
            params["cutoff"] = cutoff
        paths.append("/api/v1/calendar/due-date/?" + urlencode(params))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for path in paths[:200]:  # warm both workers' caches
        conn.request("GET", path)
        conn.getresponse().read()
    samples = []
    clock = time.perf_counter_ns
    started = clock()
    for path in paths:
        t0 = clock()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        samples.append(clock() - t0)
        if response.status != 200:
            raise SystemExit(f"HTTP {response.status} for {path}")
    elapsed = (clock() - started) / 1e9
    conn.close()
    report("HTTP http.client, 1 keep-alive connection", samples, unit="ms")
    print(f"{'':<46} throughput {len(paths) / elapsed:,.0f} requests/s (one connection)")

    if shutil.which("wrk"):
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(
            "done = function(summary, latency, requests)\n"
            '  io.write(string.format("wrk p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  '
            'requests %d  errors %d\\n", latency:percentile(50) / 1000, '
            "latency:percentile(95) / 1000, latency:percentile(99) / 1000, "
            "summary.requests, summary.errors.status + summary.errors.connect + "
            "summary.errors.read + summary.errors.write + summary.errors.timeout))\n"
            "end\n"
        )
        url = f"http://127.0.0.1:{port}{paths[0]}"
        out = subprocess.run(
            ["wrk", "-t2", "-c8", "-d10s", "-s", str(script), url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        script.unlink()
        lines = [line for line in out.splitlines() if line.strip()]
        for line in lines:
            if (
                line.startswith(("Requests/sec", "wrk p50", "Transfer/sec"))
                or "requests in" in line
            ):
                print(f"{'wrk -t2 -c8 -d10s (one URL)':<46} {line.strip()}")
    else:
        print("wrk not installed: skipped (apt-get install -y wrk)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    cases = random_cases(args.cases, args.seed)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="egov-bench-") as tmp_name:
        tmp = Path(tmp_name)
        setup_django(tmp / "inproc.sqlite3")
        in_process(cases)
        if not args.no_http:
            server, port = start_server(tmp)
            try:
                http_bench(cases, port)
            finally:
                server.terminate()
                server.wait(timeout=10)


if __name__ == "__main__":
    main()
