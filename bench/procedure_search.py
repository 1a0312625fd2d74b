"""Procedure search engine, in process: index build and query time with 5,000 procedures.

    .venv/bin/python bench/procedure_search.py [--size 5000] [--rounds 200]

The index is built from the 1,601 real procedures of /work/shared/data/tthc/procedures.json,
repeated with other leading code digits until `--size` rows (load only: these rows exist in this
process's memory, never in a database). Queries: the real-name queries of the search quality
table, typing prefixes, codes and misspellings. Each query is timed uncached (`Index._rank`) and
through the result cache (`Index.rank`). No HTTP: see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.settings")
os.environ.setdefault("EGOV_TESTING", "1")

import django  # noqa: E402

django.setup()

from egov.core.vntext import search_key  # noqa: E402
from egov.procedures import search as engine  # noqa: E402

DATA = Path("/work/shared/data/tthc/procedures.json")
QUERIES = [
    "dang ky khai sinh",
    "ĐĂNG KÝ KHAI SINH",
    "đăng kí khai sinh",
    "khai sin",
    "dang ky kahi sinh",
    "ket hon",
    "khai tu",
    "chung thuc ban sao",
    "cap doi the can cuoc",
    "dang ky thuong tru",
    "thanh lap ho kinh doanh",
    "hoà giải tranh chấp đất đai",
    "cap giay phep xay dung",
    "1.001193",
    "001193",
    "d",
    "da",
    "dang",
    "dang k",
    "dang ky kh",
    "xyzzy qwerty",
    "dang ky khai sinh o dau",
]


def rows(size: int):
    items = json.loads(DATA.read_text(encoding="utf-8"))
    n = 0
    for copy in range(10):
        for item in items:
            if n == size:
                return
            n += 1
            code = item["code"] if copy == 0 else f"{copy}{item['code'][1:]}"
            text = " ".join([code, item["name"], item.get("field") or ""])
            text += " " + (item.get("agency") or "") + " " + (item.get("result") or "")
            yield (
                n,
                n,
                code,
                item["name"],
                search_key(item["name"]),
                search_key(text),
                search_key(item.get("field") or ""),
                item.get("field") or "",
                tuple(item.get("level") or ()),
            )


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    prepared = list(rows(args.size))
    start = time.perf_counter()
    index = engine.build_index(prepared)
    build = time.perf_counter() - start
    print(f"procedures: {len(index.hits)}, words: {len(index.vocabulary)}")
    print(f"index build (folded rows -> index): {build * 1000:.0f} ms")

    folded = [engine.fold_query(q) for q in QUERIES]
    fold_times, raw_times, cached_times = [], [], []
    per_query: dict[str, list[float]] = {q: [] for q in QUERIES}
    for _ in range(args.rounds):
        for q, f in zip(QUERIES, folded, strict=True):
            t0 = time.perf_counter_ns()
            engine.fold_query(q)
            t1 = time.perf_counter_ns()
            index._rank(f, field=None, level=None)
            t2 = time.perf_counter_ns()
            index.rank(f, field=None, level=None)
            t3 = time.perf_counter_ns()
            fold_times.append((t1 - t0) / 1000)
            raw_times.append((t2 - t1) / 1000)
            cached_times.append((t3 - t2) / 1000)
            per_query[q].append((t2 - t1) / 1000)
    for label, values in [
        ("fold query", fold_times),
        ("rank, uncached", raw_times),
        ("rank, cached", cached_times),
    ]:
        print(
            f"{label:16s} median {statistics.median(values):8.1f} µs"
            f"   p95 {pct(values, 95):8.1f} µs   p99 {pct(values, 99):8.1f} µs"
        )
    print("uncached median per query (µs), hits:")
    for q, f in zip(QUERIES, folded, strict=True):
        hits = len(index._rank(f, field=None, level=None))
        print(f"  {q!r:32s} {statistics.median(per_query[q]):8.1f}  {hits}")


if __name__ == "__main__":
    main()
