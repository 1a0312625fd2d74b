"""What the HTTP benchmarks share: gunicorn serving egov on a free port, one wrk run read back
from the Lua script's RESULT line, and the results table against B_hello."""

from __future__ import annotations

import re
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

_RESULT = re.compile(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)")
_NEXT = re.compile(r"NEXT (\d+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path, env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str]:
    """gunicorn (`workers` sync workers) serving egov on a free loopback port, once it answers
    /bench/hello/; (the process, its base URL)."""
    port = free_port()
    server = subprocess.Popen(
        [str(root / ".venv/bin/gunicorn"), "egov.wsgi", "-w", str(workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        cwd=root,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/bench/hello/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return server, base


def run_wrk(
    script: str, base: str, seconds: int, *options: str, connections: int = 16
) -> dict[str, float]:
    """wrk -t2 -c16 (or `connections`) for `seconds` with the Lua `script` (whose done() prints
    the RESULT line)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", *options, f"-d{seconds}s", "-s", f.name, base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests, rps, p50, p95, p99, errors = _RESULT.search(out).groups()
    result = {
        "rps": float(rps),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(errors),
        "requests": int(requests),
    }
    if found := _NEXT.search(out):  # a script that says which of its requests it reached
        result["next"] = int(found.group(1))
    return result


def print_table(results: dict[str, dict[str, float]], width: int = 16) -> None:
    hello = results["B_hello"]["rps"]
    print(
        f"{'endpoint':<{width}} {'req/s':>8} {'% B_hello':>9} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6}"
    )
    for name, r in results.items():
        print(
            f"{name:<{width}} {r['rps']:>8.0f} {100 * r['rps'] / hello:>8.0f}% {r['p50']:>7.2f} "
            f"{r['p95']:>7.2f} {r['p99']:>7.2f} {r['errors']:>6}"
        )


_CLK = 100  # USER_HZ: /proc's clock ticks per second on Linux


def cpu_snapshot() -> dict[int, tuple[str, int]]:
    """Every process's (command name, user + system clock ticks) from /proc."""
    import os

    snap = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        snap[int(pid)] = (comm, int(fields[11]) + int(fields[12]))
    return snap


def cpu_by_command(before: dict, after: dict, requests: int) -> dict[str, float]:
    """CPU milliseconds per request spent by each command name between two snapshots (processes
    that started in between are counted from zero)."""
    spent: dict[str, float] = {}
    for pid, (comm, ticks) in after.items():
        was = before.get(pid)
        used = ticks - (was[1] if was and was[0] == comm else 0)
        if used > 0:
            spent[comm] = spent.get(comm, 0) + used * 1000 / _CLK / max(requests, 1)
    return dict(sorted(spent.items(), key=lambda kv: -kv[1]))


def format_cpu(spent: dict[str, float], top: int = 6) -> str:
    total = sum(spent.values())
    parts = [f"{comm} {ms:.2f}" for comm, ms in list(spent.items())[:top]]
    return f"CPU ms/request: total {total:.2f} = " + ", ".join(parts)
