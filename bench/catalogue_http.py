"""The public catalogue over HTTP with 5,000 procedures, against baselines served the same way.

    .venv/bin/python bench/catalogue_http.py [--sqlite] [--duration 20] [--warmup 5] [--workers 2]

A scratch database (PostgreSQL `egov_bench_catalogue`, or var/bench-catalogue.sqlite3 with
--sqlite) gets the 1,601 real procedures through the real importer, plus copies of them under
other leading code digits (5.xxxxxx, 6.xxxxxx, 7.xxxxxx) up to 5,000 — load only, flagged
"bench_copy", never in a real database. gunicorn serves egov with DEBUG off and persistent database
connections; wrk (-t2 -c16) warms each endpoint for --warmup seconds (5), then measures it for
--duration seconds (20), rotating through many URLs with a Lua script that prints p50/p95/p99:

- B_hello: /bench/hello/ ("ok"), B_row: /bench/row/<id>/ (one unit by id), the baselines;
- the search API /api/v1/procedures/?search=…, the rendered search page /thu-tuc/tim-kiem/?q=…,
  and the procedure page /thu-tuc/<code>/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wrk_common import print_table, run_wrk, start_server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser()
parser.add_argument("--sqlite", action="store_true")
parser.add_argument("--duration", type=int, default=20)
parser.add_argument("--warmup", type=int, default=5)
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--size", type=int, default=5000)
args = parser.parse_args()

(ROOT / "var").mkdir(exist_ok=True)
if args.sqlite:
    DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'bench-catalogue.sqlite3'}"
else:
    DATABASE_URL = "postgres://postgres@127.0.0.1:5432/egov_bench_catalogue"
ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "0",
    "SECRET_KEY": "bench-" + "k" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "EGOV_SECURE": "0",
    "EGOV_BENCH_ENDPOINTS": "1",
    "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
    "DJANGO_SETTINGS_MODULE": "egov.settings",
    "PYTHONPATH": str(ROOT),
}
ENV.pop("EGOV_TESTING", None)
ENV.pop("REDIS_URL", None)
DATA = Path(os.environ.get("EGOV_TTHC_DATA", ROOT.parent / "shared/data/tthc/procedures.json"))

QUERIES = [
    "dang ky khai sinh",
    "ĐĂNG KÝ KHAI SINH",
    "đăng kí khai sinh",
    "khai sin",
    "ket hon",
    "khai tu",
    "chung thuc ban sao",
    "cap doi the can cuoc",
    "dang ky thuong tru",
    "thanh lap ho kinh doanh",
    "hoà giải tranh chấp đất đai",
    "cap giay phep xay dung",
    "1.001193",
    "dang ky kahi sinh",
    "xac nhan tinh trang hon nhan",
    "giay phep lai xe",
    "dat dai",
    "ho ngheo",
    "thue",
    "dang k",
]


def prepare() -> tuple[int, list[str]]:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    if not args.sqlite:
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            if not c.execute(
                "SELECT 1 FROM pg_database WHERE datname='egov_bench_catalogue'"
            ).fetchone():
                c.execute("CREATE DATABASE egov_bench_catalogue")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from egov.procedures.importers.national import import_json_bytes
    from egov.procedures.models import Procedure
    from egov.units.models import Unit, UnitKind
    from egov.units.services import unit_create

    if Procedure.objects.count() < args.size:
        records = json.loads(DATA.read_text(encoding="utf-8"))
        extra = []
        seen = {r["code"] for r in records}
        for digit in "567":
            for record in records:
                code = digit + record["code"][1:]
                if len(records) + len(extra) >= args.size or code in seen:
                    continue
                seen.add(code)
                copy = dict(record, code=code)
                copy.pop("portal_url", None)
                extra.append(copy)
        payload = json.dumps(records + extra, ensure_ascii=False).encode("utf-8")
        import_json_bytes(actor=None, data=payload, source_label="bench: real + copies")
    unit = Unit.objects.first() or unit_create(
        actor=None, name="Tỉnh Bench", kind=UnitKind.PROVINCE, audit=False
    )
    codes = list(
        Procedure.objects.filter(current__isnull=False)
        .order_by("?")
        .values_list("code", flat=True)[:300]
    )
    print(
        f"database {DATABASE_URL.split(':')[0]}: {Procedure.objects.count()} procedures", flush=True
    )
    return unit.pk, codes


LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %%d %%.1f %%.2f %%.2f %%.2f %%d\\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def wrk(base: str, paths: list[str], seconds: int) -> dict[str, float]:
    return run_wrk(LUA % ", ".join(json.dumps(p) for p in paths), base, seconds)


def main() -> None:
    unit_id, codes = prepare()
    server, base = start_server(ROOT, ENV, args.workers)
    try:
        endpoints = {
            "B_hello": ["/bench/hello/"],
            "B_row": [f"/bench/row/{unit_id}/"],
            "search API": [f"/api/v1/procedures/?search={quote(q)}" for q in QUERIES],
            "search page": [f"/thu-tuc/tim-kiem/?q={quote(q)}" for q in QUERIES],
            "procedure page": [f"/thu-tuc/{code}/" for code in codes],
        }
        results = {}
        print(
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average before: "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
        for name, paths in endpoints.items():
            wrk(base, paths, args.warmup)
            results[name] = wrk(base, paths, args.duration)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print_table(results)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
