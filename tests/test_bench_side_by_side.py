"""bench/side_by_side.py reads each side's figures from dossiers_inprocess's report."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parent.parent / "bench" / "side_by_side.py"
_SPEC = importlib.util.spec_from_file_location("side_by_side", _PATH)
side_by_side = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(side_by_side)

REPORT = """
bench/dossiers_inprocess.py
== online submission: n=2500 queries=[9, 12] median=6.8 ms p95=10.0 ms (this process's CPU: median 5.07 ms)
   1 0.001s SELECT ...
   CPU per request, mean: this process 5.39 ms (unprofiled requests), its PostgreSQL backend 1.56 ms
== transition (forward): n=200 queries=[13, 13] median=9.1 ms p95=12.0 ms (this process's CPU: median 7.25 ms)
.
1 passed in 29.69s
"""


def test_each_kind_s_figures_are_read_with_its_own_means():
    assert side_by_side.figures(REPORT) == [
        "online submission: CPU median 5.07 ms, mean 5.39 + backend 1.56 (wall 6.8)",
        "transition (forward): CPU median 7.25 ms (wall 9.1)",
    ]


def test_a_kind_without_means_does_not_take_the_next_kind_s():
    first, second = REPORT.split("== transition")
    swapped = "== transition" + second.split(".\n1 passed")[0] + first
    assert side_by_side.figures(swapped) == [
        "transition (forward): CPU median 7.25 ms (wall 9.1)",
        "online submission: CPU median 5.07 ms, mean 5.39 + backend 1.56 (wall 6.8)",
    ]


def test_a_report_without_figures_gives_none():
    assert side_by_side.figures("1 error in 6.03s") == []
