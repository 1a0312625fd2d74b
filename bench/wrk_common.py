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
    return {
        "rps": float(rps),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(errors),
        "requests": int(requests),
    }


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
