"""Benchmark: peak memory of ``check`` on inputs that used to grow it without bound (a finding per
event over a million events, one line of gigabytes).

Run by hand, never by the test suite::

    python bench/memory.py                                   # this tree
    git worktree add /tmp/mem-base main
    python bench/memory.py --baseline-tree /tmp/mem-base     # before and after, side by side

The cases (``--cases``, all by default), their inputs generated in ``bench/out`` (git-ignored)
unless they are there already:

* ``defects``: a JSON Lines transcript of one message streamed as ``--defects`` text deltas
  (1,000,000 by default, about 146 MB) whose ``sequence_number`` goes up by two: every delta is an
  RSP204 finding (a sequence gap), each with its own message; checked in each ``--formats``;
* ``jobs``: that file under two names (a hard link), checked with ``-j 1`` and ``-j 2`` (text,
  json, sarif): the workers' findings must not come back to the command as lists;
* ``grouped``: the same deltas in order, each with one identical schema defect (a logprob without
  its fields): one grouped finding with a million places (text, json, sarif, html);
* ``baseline``: ``defects`` with ``--write-baseline``: a million distinct baseline keys;
* ``noline``: ``--noline-mb`` (2,000 by default) of one JSON Lines line with no line end: a
  ``response.created`` whose instructions never close.

Each run is its own process, its report written to a file in ``bench/out``. The table prints
per tree (this one beside ``--baseline-tree``): the peak RSS of the run's largest process
(``MB``, from ``getrusage``), the peak sum over the command and its worker processes of their
proportional set sizes (``all``, sampled from /proc every 50 ms: what a ``-j`` run costs the
machine; pages a fork shares counted once), and the seconds. Peak memory does not depend on the
machine's load; the seconds do (on a shared machine, compare them only within one run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FORMATS = ("text", "concise", "json", "sarif", "junit", "github", "html")
_RID = "resp_bench0000000000000000000000000000000000000000"
_MID = "msg_1"


def _response(status: str, output: list) -> dict:
    return {
        "id": _RID,
        "object": "response",
        "created_at": 1762527468,
        "status": status,
        "model": "gpt-4o-2024-08-06",
        "output": output,
    }


def generate_defects(path: Path, defects: int) -> None:
    """One message streamed as ``defects`` deltas, its sequence numbers going up by two."""
    seq = 0

    def line(event: dict) -> str:
        nonlocal seq
        event["sequence_number"] = seq
        seq += 2  # the defect: every number skips one
        return json.dumps(event, separators=(",", ":")) + "\n"

    where = {"item_id": _MID, "output_index": 0, "content_index": 0}
    part = {"type": "output_text", "annotations": [], "text": ""}
    with path.open("w", encoding="utf-8") as fh:
        fh.write(line({"type": "response.created", "response": _response("in_progress", [])}))
        fh.write(line({"type": "response.in_progress", "response": _response("in_progress", [])}))
        item = {"id": _MID, "type": "message", "status": "in_progress", "role": "assistant", "content": []}
        fh.write(line({"type": "response.output_item.added", "output_index": 0, "item": item}))
        fh.write(line({"type": "response.content_part.added", **where, "part": part}))
        head = (
            '{"type":"response.output_text.delta","item_id":"'
            + _MID
            + '","output_index":0,"content_index":0,'
        )
        batch = []
        for _ in range(defects):
            batch.append(f'{head}"delta":"a","logprobs":[],"sequence_number":{seq}}}\n')
            seq += 2
            if len(batch) >= 10000:
                fh.write("".join(batch))
                batch.clear()
        fh.write("".join(batch))
        text = "a" * defects
        done_part = {**part, "text": text}
        fh.write(line({"type": "response.output_text.done", **where, "text": text, "logprobs": []}))
        fh.write(line({"type": "response.content_part.done", **where, "part": done_part}))
        done = {**item, "status": "completed", "content": [done_part]}
        fh.write(line({"type": "response.output_item.done", "output_index": 0, "item": done}))
        fh.write(line({"type": "response.completed", "response": _response("completed", [done])}))


def generate_noline(path: Path, size_mb: int) -> None:
    """``size_mb`` MB of one line that never ends (no line end, no closing quote)."""
    block = b"a" * (1 << 20)
    with path.open("wb") as fh:
        fh.write(b'{"type":"response.created","sequence_number":0,"instructions":"')
        for _ in range(size_mb * 1_000_000 // len(block)):
            fh.write(block)


def generate_grouped(path: Path, defects: int) -> None:
    """``defects`` deltas each with the same schema defect (a logprob without its fields), their
    sequence numbers in order: one grouped finding with ``defects - 1`` related locations."""
    with path.open("w", encoding="utf-8") as fh:
        for seq, line in enumerate(_defects_lines(defects)):
            event = json.loads(line)
            event["sequence_number"] = seq
            if event["type"] == "response.output_text.delta":
                event["logprobs"] = [{}]
            fh.write(json.dumps(event, separators=(",", ":")) + "\n")


def _defects_lines(defects: int) -> Iterator[str]:
    tmp = HERE / "out" / f"grouped-source-{os.getpid()}.jsonl"
    generate_defects(tmp, defects)
    try:
        with tmp.open(encoding="utf-8") as fh:
            yield from fh
    finally:
        tmp.unlink()


def _tree_pss_kib(pid: int) -> int:
    """Proportional set size of ``pid`` and its descendants (pages shared after a fork counted
    once between the processes sharing them), from /proc; 0 where that cannot be read."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def _child(tree: str, out: str, args: list[str]) -> None:
    """Run ``check`` from ``tree`` in a grandchild; print as JSON its peak RSS (of its largest
    process), the peak sum over its process tree (sampled) and its seconds."""
    cmd = [sys.executable, "-P", "-m", "validator", "check", "--quiet", "-o", out, *args]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, "PYTHONPATH": tree}
        )
        tree_peak = 0
        while proc.poll() is None:
            tree_peak = max(tree_peak, _tree_pss_kib(proc.pid))
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "rss_kib": rss,
                "tree_kib": tree_peak,
                "exit": proc.returncode,
                "stderr": stderr[-500:],
            }
        )
    )


def _measure(tree: Path, args: list[str], suffix: str) -> dict:
    out = HERE / "out" / f"memory-report-{os.getpid()}{suffix}"
    args = [a.replace("{out}", str(HERE / "out" / f"memory-extra-{os.getpid()}")) for a in args]
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(tree), str(out), *args],
        capture_output=True,
        text=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["size"] = out.stat().st_size if out.exists() else 0
    out.unlink(missing_ok=True)
    for extra in (HERE / "out").glob(f"memory-extra-{os.getpid()}*"):
        extra.unlink()
    if result["exit"] not in (0, 1):
        print(f"{tree} {' '.join(args)}: exit {result['exit']}: {result['stderr']}", file=sys.stderr)
    return result


#: What each case checks: its inputs, and the formats and options it runs with (``{formats}``:
#: every --formats; a row per entry).
CASES = ("defects", "jobs", "grouped", "baseline", "noline")


def _rows(case: str, inputs: dict[str, list[Path]], formats: list[str]) -> Iterator[tuple[str, list[str]]]:
    files = [str(p) for p in inputs[case]]
    if case == "defects":
        for fmt in formats:
            yield fmt, ["--format", fmt, *files]
    elif case == "jobs":
        # The same two files, serial and in two worker processes.
        for fmt in [f for f in formats if f in ("text", "json", "sarif")] or formats[:1]:
            for jobs in ("1", "2"):
                yield f"{fmt} -j {jobs}", ["--format", fmt, "-j", jobs, *files]
    elif case == "grouped":
        for fmt in [f for f in formats if f in ("text", "json", "sarif", "html")] or formats[:1]:
            yield fmt, ["--format", fmt, *files]
    elif case == "baseline":
        yield "text", ["--format", "text", "--write-baseline", "{out}.json", *files]
    else:  # noline: every format gives the same one finding; one is enough
        yield formats[0], ["--format", formats[0], *files]


def _inputs(case: str, args: argparse.Namespace) -> list[Path]:
    out_dir = HERE / "out"
    defects = out_dir / f"memory-defects-{args.defects}.jsonl"
    if case in ("defects", "jobs", "baseline"):
        if not defects.exists():
            generate_defects(defects, args.defects)
        if case != "jobs":
            return [defects]
        # A second name for the same bytes (a hard link, or a copy where links are not allowed).
        twin = out_dir / f"memory-defects-{args.defects}-twin.jsonl"
        if not twin.exists():
            try:
                os.link(defects, twin)
            except OSError:
                shutil.copyfile(defects, twin)
        return [defects, twin]
    if case == "grouped":
        path = out_dir / f"memory-grouped-{args.defects}.jsonl"
        if not path.exists():
            generate_grouped(path, args.defects)
        return [path]
    if case == "noline":
        path = out_dir / f"memory-noline-{args.noline_mb}mb.jsonl"
        if not path.exists():
            generate_noline(path, args.noline_mb)
        return [path]
    raise SystemExit(f"unknown case {case!r} ({', '.join(CASES)})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--defects", type=int, default=1_000_000)
    parser.add_argument("--noline-mb", type=int, default=2000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--cases", "--inputs", default=",".join(CASES), help=f"which: {', '.join(CASES)}")
    parser.add_argument("--baseline-tree", type=Path, help="also run the check from this checkout")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], args.child[2:])
        return
    (HERE / "out").mkdir(exist_ok=True)
    cases = args.cases.split(",")
    inputs = {case: _inputs(case, args) for case in cases}
    for case, paths in inputs.items():
        sizes = " + ".join(f"{p.stat().st_size / 1e6:.1f} MB" for p in paths)
        print(f"{case}: {', '.join(p.name for p in paths)} ({sizes})")
    trees = [("this", ROOT)]
    if args.baseline_tree:
        base = args.baseline_tree.resolve()
        if not (base / "validator" / "__init__.py").is_file():
            raise SystemExit(f"{base} holds no validator package")
        trees.insert(0, ("base", base))
    formats = args.formats.split(",")
    head = "".join(f"{label + ' MB':>10}{label + ' all':>10}{label + ' s':>8}" for label, _ in trees)
    print(f"\n{'case':<10}{'run':<12}{head}")
    print(
        "(MB: peak RSS of the largest process, load-independent; all: peak sum of the proportional"
        " set sizes of the command and its workers, sampled; s: seconds, which depend on load)"
    )
    for case in cases:
        for label, cmd in _rows(case, inputs, formats):
            cells = ""
            for _, tree in trees:
                r = _measure(tree, cmd, "." + cmd[1])
                cells += f"{r['rss_kib'] / 1024:>10.0f}{r['tree_kib'] / 1024:>10.0f}{r['seconds']:>8.1f}"
            print(f"{case:<10}{label:<12}{cells}", flush=True)


if __name__ == "__main__":
    main()
