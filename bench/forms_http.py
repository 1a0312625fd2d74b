"""The receipt (form 01) over HTTP against each engine's trivial PDF, read-only, on the database
bench/dossiers_generate.py filled.

    .venv/bin/python bench/forms_http.py [--sqlite] [--duration 15] [--workers 2]

gunicorn (`-w 2` sync workers, DEBUG off, the full middleware stack) serves egov on the generated
database with the bench endpoints; wrk (-t2 -c16) warms each endpoint for 3 s, then measures it
for --duration seconds: B_hello, B_pdf WeasyPrint (/bench/pdf/), B_pdf ReportLab
(/bench/pdf-rl/), and /bench/receipt/<id>/ (form 01, ReportLab, with its QR code: the dossier
read, its papers and its accept event) for two received dossiers, the one with the fewest papers
handed in among those with at least 3 and the one with the most (of the last 5,000 made). Nothing is written: unlike
dossiers_http.py, no pools, no sessions, so it can run beside other work on the same database.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dossiers_generate as gen  # noqa: E402
from wrk_common import free_port, print_table, run_wrk  # noqa: E402

ROOT = gen.ROOT

LUA = """
local n = 0
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %.1f %.2f %.2f %.2f %d\\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def receipts() -> dict[str, int]:
    """Two received dossiers among the last 5,000 made: the fewest papers (at least 3) and the
    most."""
    import django

    django.setup()
    from django.db.models import Count, Q

    from egov.dossiers.models import Dossier

    last = Dossier.objects.order_by("-pk").values_list("pk", flat=True).first()
    received = (
        Dossier.objects.filter(pk__gt=last - 5000, received_at__isnull=False)
        .exclude(code="")
        .annotate(papers=Count("components", filter=Q(components__provided=True)))
    )
    few = received.filter(papers__gte=3).order_by("papers", "pk").first()
    most = received.order_by("-papers", "pk").first()
    return {
        f"receipt, {few.papers} papers": few.pk,
        f"receipt, {most.papers} papers": most.pk,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    env = gen.bench_env(args.sqlite)
    os.environ.update(env)
    endpoints = {
        "B_hello": "/bench/hello/",
        "B_pdf WeasyPrint": "/bench/pdf/",
        "B_pdf ReportLab": "/bench/pdf-rl/",
        **{label: f"/bench/receipt/{pk}/" for label, pk in receipts().items()},
    }
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "egov.wsgi", "-w", str(args.workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/bench/hello/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        results = {}
        for name, path in endpoints.items():
            with urllib.request.urlopen(base + path, timeout=30) as response:
                assert response.status == 200, (name, response.status)
            run_wrk(LUA, base + path, 3)
            results[name] = run_wrk(LUA, base + path, args.duration, "--timeout", "10s")
            print(f"  {name}: {results[name]}", flush=True)
        print_table(results, width=24)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
