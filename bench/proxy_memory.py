"""Benchmark: the memory the ``proxy`` command keeps after a large exchange, and after a pause.

Run by hand, never by the test suite (needs the ``proxy`` extra)::

    python bench/proxy_memory.py                               # this tree, a 100 MB exchange
    git worktree add /tmp/proxy-base main
    python bench/proxy_memory.py --baseline-tree /tmp/proxy-base   # before and after, side by side

For each tree: the ``proxy`` command (its own process, with its checker process) in front of an
upstream serving one valid Responses stream of ``--size-mb``, read whole by a client. Once the
exchange's check is done (its checker process idle again), and again ``--idle`` seconds later
(past the ring's release delay), from /proc: each process's resident memory (``VmRSS``) and the
part of it that is shared memory (``RssShmem``: the ring, which both map), and ``VmHWM`` (peak
RSS). Memory does not depend on the machine's load; the check's seconds do.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench_proxy import Proxy, _children, _cpu  # noqa: E402

from validator.tools.probe.replay import ReplayServer, Reply, text_events, to_sse  # noqa: E402

FIELDS = ("VmRSS", "RssShmem", "VmHWM")


def _status(pid: int) -> dict[str, int]:
    """MB of each of FIELDS for the process ``pid``."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in FIELDS:
            values[key] = int(rest.split()[0]) // 1024
    return values


def _run(name: str, tree: Path, url: str, size: int, idle: float) -> list[tuple[str, dict[str, int]]]:
    # -q: no line per exchange; the check is done when the checker process is idle again.
    proxy = Proxy(name, url, str(tree), ["-q"])
    try:
        [checker] = _children(proxy.proc.pid)
        received = _fetch(proxy.url)
        assert received == size, (received, size)
        started = time.monotonic()
        _wait_checked(checker)
        done = time.monotonic() - started
        rows = [(f"checked (+{done:.1f} s)", _both(proxy.proc.pid, checker))]
        time.sleep(idle)
        rows.append((f"idle {idle:g} s later", _both(proxy.proc.pid, checker)))
        return rows
    finally:
        proxy.stop()


def _both(proxy: int, checker: int) -> dict[str, int]:
    values = {f"proxy {k}": v for k, v in _status(proxy).items()}
    values.update({f"checker {k}": v for k, v in _status(checker).items()})
    return values


def _fetch(url: str) -> int:
    import httpx

    received = 0
    with httpx.stream(
        "POST", url + "/v1/responses", json={"model": "m", "input": "x", "stream": True}, timeout=600
    ) as response:
        for piece in response.iter_raw():
            received += len(piece)
    return received


def _wait_checked(checker: int) -> None:
    """Until the checker process has used no CPU for half a second (it has checked everything)."""
    last = _cpu(checker)
    while True:
        time.sleep(0.5)
        now = _cpu(checker)
        if now == last:
            return
        last = now


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--idle", type=float, default=13.0, help="seconds to wait after the check")
    parser.add_argument("--baseline-tree", type=Path, help="also run the proxy from this checkout")
    args = parser.parse_args()
    # One message whose text is a fifth of the stream (the deltas, then four done events repeat it).
    body = to_sse(text_events("0123456789abcdef" * (args.size_mb * (1 << 20) // 80), pieces=20000))
    trees = [("this tree", ROOT)] + (
        [("baseline", args.baseline_tree.resolve())] if args.baseline_tree else []
    )
    with ReplayServer({}, default=Reply(body, chunks=2000)) as server:
        url = server.url.removesuffix("/v1")
        print(f"one exchange of {len(body) / (1 << 20):.0f} MB; MB from /proc/<pid>/status")
        for name, tree in trees:
            for when, values in _run(name, tree, url, len(body), args.idle):
                shown = "  ".join(f"{k} {v:>4}" for k, v in values.items())
                print(f"{name:<10} {when:<22} {shown}")


if __name__ == "__main__":
    main()
