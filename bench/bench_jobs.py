"""Benchmark: ``check -j 1`` against ``check -j 2`` on many tiny files (issue #18).

Run by hand, never by the test suite::

    python bench/bench_jobs.py                       # 10,000 tiny files, 3 rounds
    python bench/bench_jobs.py --files 2000 --repeat 5
    python bench/bench_jobs.py --baseline-tree /tmp/base   # also the code of an earlier commit

It writes ``--files`` small valid Responses transcripts (a short text reply each, about 4 KB)
into a temporary folder, then runs ``python -P -m validator check --format concise -j N`` on the
folder, each run its own process, the jobs interleaved round by round so that a change in the
machine's load falls on all of them alike. For each it prints the median wall time (with the
fastest and slowest run), and the median CPU time (user + system, the command and its worker
processes together, from ``RUSAGE_CHILDREN``): on a loaded machine the wall time says little,
the CPU time what the work costs. It also prints the load average before and after, and checks
that every run printed the same report.

With ``--baseline-tree DIR`` (a checkout of an earlier commit, e.g. ``git worktree add DIR main``)
the same two runs are made from that tree's ``validator`` package, side by side.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from validator.tools.probe.replay import text_events, to_sse  # noqa: E402


def write_files(folder: Path, count: int) -> int:
    """``count`` valid transcripts, each its own reply; returns their total size in bytes."""
    total = 0
    for i in range(count):
        body = to_sse(text_events(f"Reply number {i}."))
        (folder / f"s{i:05d}.sse").write_bytes(body)
        total += len(body)
    return total


def run_once(tree: Path, folder: Path, jobs: int) -> tuple[float, float, str]:
    """One check of ``folder`` with ``-j jobs`` from ``tree``: wall seconds, CPU seconds, report."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "validator",
            "check",
            "--format",
            "concise",
            "-j",
            str(jobs),
            str(folder),
        ],
        # -P: the package comes from PYTHONPATH (the tree), not from the current directory.
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if run.returncode != 0:
        raise SystemExit(f"check -j {jobs} from {tree} exited {run.returncode}:\n{run.stdout}{run.stderr}")
    return wall, cpu, run.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="how many tiny files (10,000)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of runs (3)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="the -j values (1 2)")
    parser.add_argument("--baseline-tree", type=Path, help="also run the check from this checkout")
    args = parser.parse_args()

    trees = [("this", ROOT)]
    if args.baseline_tree:
        trees.append(("base", args.baseline_tree.resolve()))
    for _name, tree in trees:
        if not (tree / "validator" / "__init__.py").is_file():
            raise SystemExit(f"{tree} holds no validator package")
        # Timed as an installed command runs: with its bytecode compiled.
        compileall.compile_dir(tree / "validator", quiet=1)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        folder = Path(tmp)
        size = write_files(folder, args.files)
        print(f"{args.files} files, {size / args.files / 1024:.1f} KB each, {os.cpu_count()} CPUs")
        walls: dict[tuple[str, int], list[float]] = {}
        cpus: dict[tuple[str, int], list[float]] = {}
        reports: set[str] = set()
        for _ in range(args.repeat):
            for name, tree in trees:
                for jobs in args.jobs:
                    wall, cpu, report = run_once(tree, folder, jobs)
                    walls.setdefault((name, jobs), []).append(wall)
                    cpus.setdefault((name, jobs), []).append(cpu)
                    reports.add(report)
    load_after = os.getloadavg()
    print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    head = f"{'tree':<6} {'-j':>3} {'wall s (min..max)':>22} {'CPU s (min..max)':>22}"
    print(f"{head}  wall ratio to -j {args.jobs[0]}")
    for name, _tree in trees:
        first = statistics.median(walls[(name, args.jobs[0])])
        for jobs in args.jobs:
            w, c = walls[(name, jobs)], cpus[(name, jobs)]
            wall = f"{statistics.median(w):.2f} ({min(w):.2f}..{max(w):.2f})"
            cpu = f"{statistics.median(c):.2f} ({min(c):.2f}..{max(c):.2f})"
            print(f"{name:<6} {jobs:>3} {wall:>22} {cpu:>22}  {statistics.median(w) / first:.2f}")
    same = "the same report" if len(reports) == 1 else f"{len(reports)} DIFFERENT reports"
    print(f"every run printed {same}")
    if len(reports) != 1:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
