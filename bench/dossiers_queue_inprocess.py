"""The officer's work queue (issue 5) timed in process on the benchmark database: the selectors
alone, and the page through django.test.Client, with its number of queries and, with --explain,
EXPLAIN ANALYZE of each query the page makes (PostgreSQL).

Everything runs inside one transaction that is rolled back at the end (the logins write
sessions), so the database is left as it was. No migration is applied here: run
`manage.py migrate` against the database first if the tree has new ones.

    .venv/bin/python bench/dossiers_queue_inprocess.py [--sqlite] [--repeat 30] [--explain]
        [--root DIR]   # time another checkout's code (e.g. the commit before a change)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--sqlite", action="store_true")
parser.add_argument("--repeat", type=int, default=30)
parser.add_argument("--explain", action="store_true")
parser.add_argument("--root", type=Path, default=HERE, help="the checkout whose code is timed")
parser.add_argument("--only", default="", help="run only the cases whose name contains this")
args = parser.parse_args()

spec = importlib.util.spec_from_file_location("bench_gen", HERE / "bench" / "dossiers_generate.py")
gen = importlib.util.module_from_spec(spec)
sys.modules["bench_gen"] = gen
spec.loader.exec_module(gen)

os.environ.update(gen.bench_env(args.sqlite))
os.environ["ALLOWED_HOSTS"] = "testserver"
sys.path.insert(0, str(args.root.resolve()))

import django  # noqa: E402

django.setup()
(HERE / "var").mkdir(exist_ok=True)
from django.core.management import call_command  # noqa: E402

call_command("collectstatic", interactive=False, verbosity=0)

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from egov.accounts.models import User  # noqa: E402
from egov.dossiers import selectors  # noqa: E402
from egov.dossiers.models import Dossier  # noqa: E402

CASES = [
    # (name, user, what): what is a page URL or a callable of the user
    ("officer: page, default queue", "motcua.luuve", "/office/dossiers/"),
    ("officer: page, all", "motcua.luuve", "/office/dossiers/?queue=all"),
    ("officer: page, all + state=returned", "motcua.luuve", "/office/dossiers/?queue=all&state=returned"),
    ("officer: page, all + state=processing", "motcua.luuve", "/office/dossiers/?queue=all&state=processing"),
    ("officer: page, all + q=nguyen", "motcua.luuve", "/office/dossiers/?queue=all&q=nguyen"),
    ("officer: page, all + q=tran van", "motcua.luuve", "/office/dossiers/?queue=all&q=tran+van"),
    ("officer: page, all + q=le thi", "motcua.luuve", "/office/dossiers/?queue=all&q=le+thi"),
    ("officer: page, all + q=<rare name>", "motcua.luuve", "/office/dossiers/?queue=all&q={RARE}"),
    ("officer: page, all + q=<a code>", "motcua.luuve", "/office/dossiers/?queue=all&q={CODE}"),
    ("officer: page, all + q=<an ID number>", "motcua.luuve", "/office/dossiers/?queue=all&q={IDNUM}"),
    ("officer: page, all + q=nguyen (API)", "motcua.luuve", "/api/v1/dossiers/?search=nguyen"),
    ("officer: page, all + q=tran van (API)", "motcua.luuve", "/api/v1/dossiers/?search=tran+van"),
    ("officer: page, all (API)", "motcua.luuve", "/api/v1/dossiers/"),
    ("officer: page, all + state=returned (API)", "motcua.luuve", "/api/v1/dossiers/?state=returned"),
    ("specialist: page, to_process (API)", "cv.luuve", "/api/v1/dossiers/?queue=to_process"),
    ("officer: page, all, page 20", "motcua.luuve", "/office/dossiers/?queue=all&page=20"),
    ("specialist: page, to_process", "cv.luuve", "/office/dossiers/?queue=to_process"),
    ("specialist: page, overdue", "cv.luuve", "/office/dossiers/?queue=overdue"),
    ("leader (subtree): page, all", "ld.luuve", "/office/dossiers/?queue=all"),
    # the role queues searched: a common name, a given name, the unit's agency code (every
    # dossier holds it), and one dossier's name, code and ID number
    *(
        (f"{who}: page, {queue} + q={label}", user, f"/office/dossiers/?queue={queue}&q={q}")
        for who, user, queues in (
            ("officer", "motcua.luuve", ("to_receive", "to_return", "to_process", "overdue")),
            ("specialist", "cv.luuve", ("to_process", "mine", "due_soon", "overdue")),
        )
        for queue in queues
        for label, q in (
            ("nguyen van", "nguyen+van"),
            ("hoa", "hoa"),
            ("<agency code>", "{AGENCY}"),
            ("<rare name>", "{RARE}"),
            ("<a code>", "{CODE}"),
            ("<an ID number>", "{IDNUM}"),
        )
    ),
    ("officer: selector queue_counts", "motcua.luuve", "counts"),
    ("officer: selector work_queue(all)[:50]", "motcua.luuve", "rows"),
    ("officer: selector work_queue_rows(all, nguyen)", "motcua.luuve", "search rows"),
]  # fmt: skip


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def sample_terms(user: User) -> dict[str, str]:
    """Search terms taken from the user's latest open dossier (URL-quoted)."""
    from urllib.parse import quote_plus

    from egov.dossiers.models import OPEN_STATES

    d = (
        selectors.dossiers_for_staff(user)
        .filter(state__in=OPEN_STATES)
        .order_by("-id")
        .only("code", "applicant_name", "applicant_id_number")
        .first()
    )
    terms = {
        "IDNUM": d.applicant_id_number,
        "RARE": d.applicant_name,
        "CODE": d.code,
        "AGENCY": d.code.split("-")[0],
    }
    return {k: quote_plus(v) for k, v in terms.items()}


def main() -> None:
    print(f"code: {args.root}; {Dossier.objects.count():,} dossiers; {connection.vendor}")
    with transaction.atomic():
        clients, users, samples = {}, {}, {}
        for _name, username, _what in CASES:
            if username not in clients:
                users[username] = User.objects.get(username=username)
                clients[username] = Client()
                clients[username].force_login(users[username])
        samples = sample_terms(users["motcua.luuve"])
        for name, username, what in CASES:
            if args.only and args.only not in name:
                continue
            what = what.format(**samples) if what.startswith("/") else what
            user, client = users[username], clients[username]
            if what == "counts":

                def run(user=user):
                    return selectors.queue_counts(user)
            elif what == "rows":

                def run(user=user):
                    return list(selectors.work_queue(user, selectors.QueueFilter("all"))[:50])
            elif what == "search rows":

                def run(user=user):
                    found = selectors.QueueFilter("all", search="nguyen")
                    return selectors.work_queue_rows(user, found, 0, 51)
            else:

                def run(url=what, client=client):
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code)
                    return response

            run()
            times, cpu = [], []
            for _ in range(args.repeat):
                # a fresh user object per request, as a request has (grants are cached on it)
                for cached in ("_egov_grants", "_egov_grant_units"):
                    users[username].__dict__.pop(cached, None)
                start, cpu_start = time.perf_counter(), time.process_time()
                run()
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - cpu_start) * 1000)
            with CaptureQueriesContext(connection) as ctx:
                result = run()
            queries = [q for q in ctx.captured_queries if not q["sql"].startswith("SAVEPOINT")]
            queries = [q for q in queries if not q["sql"].startswith("RELEASE SAVEPOINT")]
            in_db = sum(float(q["time"]) for q in queries) * 1000
            print(
                f"{name:45} p50 {statistics.median(times):8.1f} ms  p95 {pct(times, 95):8.1f} ms"
                f"  {len(queries)} queries ({in_db:.1f} ms in them, once);"
                f" this process's CPU p50 {statistics.median(cpu):.1f} ms",
                flush=True,
            )
            if what.startswith("/office/"):
                body = result.content.decode()
                caption = body.split("<caption>")[1].split("</caption>")[0].strip()
                print(f"{'':45} caption: {caption}")
            if args.explain and connection.vendor == "postgresql":
                for q in queries:
                    if float(q["time"]) < 0.002 and "dossiers_dossier" not in q["sql"]:
                        continue
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                        plan = "\n".join(r[0] for r in cursor.fetchall())
                    print(f"--- {q['time']} s: {q['sql'][:300]}\n{plan}\n")
        transaction.set_rollback(True)


main()
