"""Benchmark: what the validating proxy costs a client, against talking to the upstream directly.

Run by hand, never by the test suite (needs the ``proxy`` extra)::

    python bench/bench_proxy.py                  # 2,000 timed events, a 64 MB transcript, 5 rounds
    python bench/bench_proxy.py --size-mb 200 --events 5000 --repeat 9
    python bench/bench_proxy.py --baseline /path/to/other/checkout   # its proxy too, side by side

Processes on loopback, as in real use: an aiohttp upstream, the ``proxy`` command (with its full
check of every event, in its checker process), and this client. Each round runs every path
(direct, the proxy, the ``--baseline`` proxy) in turn, in a rotating order, so load that comes
and goes hits them alike; figures are medians over the rounds with their range.

* latency per event: the upstream sends a valid Responses stream whose deltas each carry the
  ``time.monotonic_ns()`` at which they were written, one every ``--gap-ms``; the client takes
  the time each event's last byte arrives. Direct, that is the loopback and HTTP cost; through
  the proxy, that plus the proxy's. The p50 and p99 of a run, and what the proxy adds to them
  (proxy minus the direct run of the same round).
* throughput: the upstream sends a ``--size-mb`` transcript (bench.py's generator: messages,
  function calls, reasoning, token-sized deltas) as fast as the client reads it; MB/s at the
  client, and the ratio to the direct run of the same round.
* CPU per MB (from /proc, the scheduler's count; load-independent as far as anything is): the proxy
  process and its checker process over the throughput runs; the upstream and the client for scale.
  And the proxy process's CPU per event over the latency runs (what each event costs it, whatever
  the load does to the wall-clock figures).
* the check: after each proxied run the bench waits for the proxy's line for that exchange and
  reports how long after the client's last byte the check was done, and its verdict (the
  transcript is valid: anything but PASS means the check was not complete).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import generate
from validator.tools.probe.streamkit import message_events, response_snapshot, sequenced, sse_frame

STAMP = re.compile(rb'"delta":"t(\d+) ')


# ---------------------------------------------------------------- the upstream (its own process)


def _snapshot(status: str, output: list[dict]) -> dict:
    return response_snapshot("resp_bench", status, created_at=1767225740, model="bench", output=output)


async def _latency(request, n: int, gap: float):  # type: ignore[no-untyped-def]
    """A valid one-message stream whose ``n`` deltas each carry the time they were written."""
    from aiohttp import web

    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    seq = 0

    async def send(event: dict) -> None:
        nonlocal seq
        await response.write(sse_frame(sequenced(event, seq)).encode())
        seq += 1

    shell = message_events("msg_bench", 0, ["x"])
    await send({"type": "response.created", "response": _snapshot("in_progress", [])})
    for event in shell[:2]:
        await send(event)
    pieces = []
    for _ in range(n):
        await asyncio.sleep(gap)
        piece = f"t{time.monotonic_ns()} "
        pieces.append(piece)
        await send({**shell[2], "delta": piece})
    done = message_events("msg_bench", 0, pieces)[-3:]
    for event in done:
        await send(event)
    await send({"type": "response.completed", "response": _snapshot("completed", [done[-1]["item"]])})
    await response.write_eof()
    return response


def _pieces(body: bytes, per_event: bool) -> list[memoryview]:
    """What the upstream writes, each piece one chunk: 64 KB slices, or one SSE event each (how
    vLLM, LiteLLM, uvicorn/starlette servers and OpenAI send)."""
    view = memoryview(body)
    if not per_event:
        return [view[start : start + (1 << 16)] for start in range(0, len(body), 1 << 16)]
    pieces, start = [], 0
    while start < len(body):
        end = body.find(b"\n\n", start)
        end = len(body) if end < 0 else end + 2
        pieces.append(view[start:end])
        start = end
    return pieces


def _upstream(port_file: str, transcript: str, n: int, gap: float, per_event: bool = False) -> None:
    from aiohttp import web

    pieces = _pieces(Path(transcript).read_bytes(), per_event)

    async def bulk(request):  # type: ignore[no-untyped-def]
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for piece in pieces:
            await response.write(piece)
        await response.write_eof()
        return response

    async def latency(request):  # type: ignore[no-untyped-def]
        return await _latency(request, n, gap)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/bulk/v1/responses", bulk)
        app.router.add_post("/latency/v1/responses", latency)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        Path(port_file).write_text(str(site._server.sockets[0].getsockname()[1]))  # type: ignore[union-attr]
        await asyncio.sleep(3600)

    asyncio.run(main())


# ---------------------------------------------------------------- the client (this process)


def _read(url: str, on_event: bool) -> tuple[int, float, list[int]]:
    """(bytes, seconds, per-event latencies in ns) for one streamed POST, read with a raw socket."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    body = b'{"model":"bench","stream":true}'
    started = time.perf_counter()
    conn.request("POST", parts.path, body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    total = 0
    latencies: list[int] = []
    pending = b""
    while True:
        chunk = response.read1(1 << 16)
        if not chunk:
            break
        total += len(chunk)
        if on_event:
            now = time.monotonic_ns()
            pending += chunk
            *complete, pending = pending.split(b"\n\n")
            for block in complete:
                match = STAMP.search(block)
                if match:
                    latencies.append(now - int(match.group(1)))
    seconds = time.perf_counter() - started
    conn.close()
    return total, seconds, latencies


def _pct(values: list[int], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] / 1e6


def _cpu(pid: int) -> float:
    """CPU seconds of a process so far, all its threads (0 once it is gone): the scheduler's
    nanosecond count (``/proc/PID/task/*/schedstat``), not the 10 ms ticks of ``stat``."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


class Proxy:
    """The ``proxy`` command in its own process; its per-exchange lines read as they come."""

    def __init__(self, name: str, upstream: str, tree: str | None, extra: list[str]) -> None:
        self.name = name
        env = dict(os.environ)
        if tree is not None:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [tree, env.get("PYTHONPATH")]))
        # ``-m`` puts the working directory first on sys.path: the tree's own, not this one's.
        command = [sys.executable, "-m", "validator", "proxy", "--upstream", upstream, "--port", "0"]
        self.proc = subprocess.Popen(
            [*command, "--format", "json", *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tree or os.getcwd(),
        )
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        match = re.search(r"listening on (http://\S+),", line)
        if match is None:
            self.proc.kill()
            raise SystemExit(f"proxy {name} did not start: {line}")
        self.url = match.group(1)
        self.tree = tree
        self.lines: queue.SimpleQueue[tuple[float, str]] = queue.SimpleQueue()
        threading.Thread(target=self._lines, daemon=True).start()

    def _lines(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put((time.perf_counter(), line.rstrip()))

    def exchange_done(self, timeout: float = 600) -> tuple[float, str]:
        """When the next exchange's line came, and its verdict."""
        deadline = time.monotonic() + timeout
        while True:
            at, line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            match = re.match(r"proxy: #\d+ .*?: (PASS|WARN|FAIL|UNCHECKED)", line)
            if match:
                return at, match.group(1) + (" [" + line.split(" [", 1)[1] if " [" in line else "")

    def cpu(self) -> tuple[float, float]:
        """(proxy, checker processes) CPU seconds so far."""
        return _cpu(self.proc.pid), sum(_cpu(c) for c in _children(self.proc.pid))

    def stop(self) -> None:
        self.proc.send_signal(2)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _median(values: list[float], fmt: str = ".0f") -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=64)
    parser.add_argument("--events", type=int, default=2000, help="0: no latency runs")
    parser.add_argument("--gap-ms", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5, help="rounds (each runs every path once)")
    parser.add_argument(
        "--baseline",
        metavar="TREE",
        help="also a proxy run from this checkout (its validator/ first on PYTHONPATH)",
    )
    parser.add_argument(
        "--per-event",
        action="store_true",
        help="throughput runs: the upstream writes one chunk per SSE event (as real servers do), not 64 KB",
    )
    parser.add_argument("--proxy-arg", action="append", default=[], help="passed to the proxy command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        transcript = Path(tmp) / "bulk.sse"
        generate(transcript, args.size_mb)
        size = transcript.stat().st_size
        port_file = Path(tmp) / "port"
        upstream = multiprocessing.Process(
            target=_upstream,
            args=(str(port_file), str(transcript), args.events, args.gap_ms / 1000, args.per_event),
            daemon=True,
        )
        upstream.start()
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline:
                raise SystemExit("upstream did not start")
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port_file.read_text()}"
        proxies = [Proxy("proxy", base, None, args.proxy_arg)]
        if args.baseline:
            proxies.append(Proxy("baseline", base, args.baseline, []))
        names = ["direct"] + [p.name for p in proxies]
        p50: dict[str, list[float]] = {n: [] for n in names}
        p99: dict[str, list[float]] = {n: [] for n in names}
        rate: dict[str, list[float]] = {n: [] for n in names}
        cpu: dict[str, list[float]] = {n: [] for n in names}
        event_cpu: dict[str, list[float]] = {n: [] for n in names}
        checker_cpu: dict[str, list[float]] = {n: [] for n in names}
        check_after: dict[str, list[float]] = {n: [] for n in names}
        verdicts: dict[str, list[str]] = {n: [] for n in names}
        ends_cpu: list[float] = []
        try:
            for proxy in proxies:  # warm-up: imports, schema compilation
                _read(proxy.url + "/latency/v1/responses", True)
                proxy.exchange_done()
            for round_ in range(args.repeat):
                order = names[round_ % len(names) :] + names[: round_ % len(names)]
                for name in order:
                    proxy = next((p for p in proxies if p.name == name), None)
                    url = base if proxy is None else proxy.url
                    if args.events:
                        spent = proxy.cpu()[0] if proxy is not None else 0.0
                        _, _, values = _read(url + "/latency/v1/responses", True)
                        p50[name].append(_pct(values, 50))
                        p99[name].append(_pct(values, 99))
                        if proxy is not None:
                            proxy.exchange_done()
                            event_cpu[name].append((proxy.cpu()[0] - spent) / args.events * 1e6)
                    before = proxy.cpu() if proxy is not None else (0.0, 0.0)
                    ends = _cpu(os.getpid()), _cpu(upstream.pid or 0)
                    total, seconds, _ = _read(url + "/bulk/v1/responses", False)
                    end = time.perf_counter()
                    assert total == size, (name, total, size)
                    rate[name].append(size / seconds / 1e6)
                    if proxy is None:
                        spent = _cpu(os.getpid()) - ends[0]
                        ends_cpu.append((spent + _cpu(upstream.pid or 0) - ends[1]) / (size / 1e6) * 1e3)
                        continue
                    at, verdict = proxy.exchange_done()
                    check_after[name].append(max(0.0, at - end))
                    verdicts[name].append(verdict)
                    after = proxy.cpu()
                    cpu[name].append((after[0] - before[0]) / (size / 1e6) * 1e3)
                    checker_cpu[name].append((after[1] - before[1]) / (size / 1e6) * 1e3)
        finally:
            for proxy in proxies:
                proxy.stop()
            upstream.terminate()
            upstream.join(10)
    load = os.getloadavg()
    print(
        f"# proxy bench: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, loopback, load {load[0]:.1f}"
    )
    chunks = "one chunk per SSE event" if args.per_event else "64 KB chunks"
    print(
        f"# latency: {args.events} events, one every {args.gap_ms:g} ms; throughput: {size / 1e6:.1f} MB"
        f" in {chunks}"
    )
    print(f"# {args.repeat} rounds, paths interleaved; median (min-max) over the rounds\n")
    columns = [
        "path", "event p50 ms", "event p99 ms", "proxy CPU µs/event", "MB/s", "proxy CPU ms/MB",
        "checker CPU ms/MB", "check done after s", "verdicts",
    ]  # fmt: skip
    print("| " + " | ".join(columns) + " |")
    print("|---" * len(columns) + "|")
    for name in names:
        seen = sorted(set(verdicts[name]))
        shown = ", ".join(f"{verdicts[name].count(v)}x {v}" for v in seen) or "-"
        print(
            f"| {name} | {_median(p50[name], '.3f')} | {_median(p99[name], '.3f')} | "
            f"{_median(event_cpu[name], '.0f')} | {_median(rate[name])} | "
            f"{_median(cpu[name], '.2f')} | {_median(checker_cpu[name], '.1f')} | "
            f"{_median(check_after[name], '.2f')} | {shown} |"
        )
    print(f"\nupstream + client CPU, direct: {_median(ends_cpu, '.2f')} ms/MB")
    for proxy in proxies:
        name = proxy.name
        added50 = [a - b for a, b in zip(p50[name], p50["direct"], strict=True)]
        added99 = [a - b for a, b in zip(p99[name], p99["direct"], strict=True)]
        ratio = [a / b * 100 for a, b in zip(rate[name], rate["direct"], strict=True)]
        print(
            f"added by {name}: p50 {_median(added50, '+.3f')} ms, "
            f"p99 {_median(added99, '+.3f')} ms per event; throughput {_median(ratio)} % of direct"
        )


if __name__ == "__main__":
    main()
