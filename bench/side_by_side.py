"""Two versions of the code measured at the same time, each in its own process and database.

    SECRET_KEY=x .venv/bin/python bench/side_by_side.py OLD_REF [--new REF] [--rounds 2]
        [--n 2500] [--only submission]

On a machine whose speed moves by a third within minutes, runs of two versions one after the
other rank them either way (bench/README, eleventh run). Here `bench/dossiers_inprocess.py`
runs for both versions at once (each on a fresh PostgreSQL database, `egov_side_old` and
`egov_side_new`), so both see the same minutes of the machine; each round prints both sides'
CPU per request (median and mean of the process, mean of its PostgreSQL backend).

OLD_REF is checked out in a worktree beside this checkout (<checkout>-side-old, removed at the end); the new side
is this checkout (its working tree) unless --new names a ref too. Both use this checkout's .venv.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
LINE = re.compile(
    r"== (?P<name>[^:]+): n=(?P<n>\d+) .*median=(?P<wall>[\d.]+) ms .*CPU: median (?P<cpu>[\d.]+) ms"
)
MEANS = re.compile(r"this process (?P<mean>[\d.]+) ms .*backend (?P<backend>[\d.]+) ms")


def worktree(ref: str, name: str) -> Path:
    # beside this checkout, where the shared reference data (../shared) is found as from here
    path = ROOT.parent / f"{ROOT.name}-side-{name}"
    if path.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=True)
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-q", str(path), ref], cwd=ROOT, check=True
    )
    return path


def fresh_database(name: str) -> None:
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(
            ["psql", "-qh", "127.0.0.1", "-U", "postgres", "-c", sql],
            check=True,
            capture_output=True,
        )


def start(tree: Path, database: str, args: argparse.Namespace) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "DATABASE_URL": f"{SERVER}/{database}",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "side-by-side"),
        "PROF_N": str(args.n),
        "PROF_ONLY": args.only,
        "PROF_BROKER": "1",
        "PROF_CLOCK": "cpu",
    }
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/pytest"), "bench/dossiers_inprocess.py", "-q", "-s",
         "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def figures(output: str) -> list[str]:
    found, lines = [], output.splitlines()
    for i, line in enumerate(lines):
        head = LINE.search(line)
        if head is None:
            continue
        means = None
        for following in lines[i + 1 :]:
            if LINE.search(following):
                break  # the next kind's: this one printed no means
            means = means or MEANS.search(following)
        tail = f", mean {means['mean']} + backend {means['backend']}" if means else ""
        found.append(f"{head['name']}: CPU median {head['cpu']} ms{tail} (wall {head['wall']})")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="the git ref to compare against")
    parser.add_argument("--new", help="a git ref for the new side (default: this working tree)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--n", type=int, default=2500, help="requests of each kind per run")
    parser.add_argument("--only", default="submission", help="PROF_ONLY of dossiers_inprocess")
    args = parser.parse_args()
    trees = {"old": worktree(args.old, "old")}
    trees["new"] = worktree(args.new, "new") if args.new else ROOT
    try:
        for round_ in range(1, args.rounds + 1):
            runs = {}
            for side, tree in trees.items():
                fresh_database(f"egov_side_{side}")
                runs[side] = start(tree, f"egov_side_{side}", args)
            outputs = {side: run.communicate()[0] for side, run in runs.items()}
            print(f"round {round_}", flush=True)
            for side, output in outputs.items():
                if runs[side].returncode != 0:
                    print(output[-3000:], file=sys.stderr)
                    raise SystemExit(f"the {side} side failed")
                for line in figures(output):
                    print(f"  {side}: {line}", flush=True)
    finally:
        for tree in trees.values():
            if tree != ROOT:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)


if __name__ == "__main__":
    main()
