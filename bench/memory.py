"""Benchmark: peak memory of ``check`` on inputs that used to grow it without bound (a finding per
event over a million events, one line of gigabytes).

Run by hand, never by the test suite::

    python bench/memory.py                                   # this tree
    git worktree add /tmp/mem-base main
    python bench/memory.py --baseline-tree /tmp/mem-base     # before and after, side by side

Two inputs, generated in ``bench/out`` (git-ignored) unless they are there already:

* ``defects``: a JSON Lines transcript of one message streamed as ``--defects`` text deltas
  (1,000,000 by default, about 75 MB) whose ``sequence_number`` goes up by two: every delta is an
  RSP204 finding (a sequence gap), each with its own message;
* ``noline``: ``--noline-mb`` (2,000 by default) of one JSON Lines line with no line end: a
  ``response.created`` whose instructions never close.

Each format (``--formats``: text, concise, json, sarif, junit, github, html) runs ``check`` on each
input in its own process, written to a file in ``bench/out``, and the table prints its peak RSS and
seconds, this tree beside the baseline tree. Peak RSS does not depend on the machine's load;
the seconds do (on a shared machine, compare them only within one run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
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


def _child(tree: str, fmt: str, path: str, out: str) -> None:
    """Run ``check`` from ``tree`` in a grandchild; print its peak RSS and seconds as JSON."""
    cmd = [sys.executable, "-P", "-m", "validator", "check", "--quiet", "--format", fmt, "-o", out, path]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": tree})
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {"seconds": elapsed, "rss_kib": rss, "exit": proc.returncode, "stderr": proc.stderr[-500:]}
        )
    )


def _measure(tree: Path, fmt: str, path: Path) -> dict:
    out = HERE / "out" / f"memory-report-{os.getpid()}.{fmt}"
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(tree), fmt, str(path), str(out)],
        capture_output=True,
        text=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["size"] = out.stat().st_size if out.exists() else 0
    out.unlink(missing_ok=True)
    if result["exit"] not in (0, 1):
        print(f"{tree} {fmt} {path.name}: exit {result['exit']}: {result['stderr']}", file=sys.stderr)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--defects", type=int, default=1_000_000)
    parser.add_argument("--noline-mb", type=int, default=2000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--inputs", default="defects,noline", help="which inputs: defects, noline")
    parser.add_argument("--baseline-tree", type=Path, help="also run the check from this checkout")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    inputs = {}
    for name in args.inputs.split(","):
        if name == "defects":
            path = out_dir / f"memory-defects-{args.defects}.jsonl"
            if not path.exists():
                generate_defects(path, args.defects)
        elif name == "noline":
            path = out_dir / f"memory-noline-{args.noline_mb}mb.jsonl"
            if not path.exists():
                generate_noline(path, args.noline_mb)
        else:
            raise SystemExit(f"unknown input {name!r} (defects, noline)")
        inputs[name] = path
        print(f"{name}: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    trees = [("this", ROOT)]
    if args.baseline_tree:
        base = args.baseline_tree.resolve()
        if not (base / "validator" / "__init__.py").is_file():
            raise SystemExit(f"{base} holds no validator package")
        trees.insert(0, ("base", base))
    formats = args.formats.split(",")
    head = "".join(f"{label + ' MB':>12}{label + ' s':>10}" for label, _ in trees)
    print(f"\n{'input':<9}{'format':<9}{head}   (peak RSS, load-independent; seconds depend on load)")
    for name, path in inputs.items():
        # The inputs are checked once with each tree (noline: formats give the same finding; one is enough
        # beyond text).
        for fmt in formats if name == "defects" else formats[:1]:
            cells = ""
            for _, tree in trees:
                r = _measure(tree, fmt, path)
                cells += f"{r['rss_kib'] / 1024:>12.0f}{r['seconds']:>10.1f}"
            print(f"{name:<9}{fmt:<9}{cells}", flush=True)


if __name__ == "__main__":
    main()
