"""What the HTTP benchmarks share: a free port, one wrk run read back from the Lua script's
RESULT line, and the results table against B_hello."""

from __future__ import annotations

import re
import socket
import subprocess
import tempfile

_RESULT = re.compile(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
