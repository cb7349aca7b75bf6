"""Benchmark: what the validating proxy costs a client, against talking to the upstream directly.

Run by hand, never by the test suite (needs the ``proxy`` extra)::

    python bench/bench_proxy.py                  # 2,000 timed events, a 64 MB transcript, 5 rounds
    python bench/bench_proxy.py --size-mb 200 --events 5000 --repeat 9
    python bench/bench_proxy.py --baseline /path/to/other/checkout   # its proxy too, side by side
    python bench/bench_proxy.py --reference      # and the forwarding alone, unchecked, and a byte relay

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
* ``--reference``: two more paths that check nothing, to say where the proxy's cost comes from: the
  same proxy forwarding a path no protocol claims (what its HTTP stack costs, aiohttp on both sides),
  and a byte relay in asyncio that knows no HTTP (what any relay in Python's event loop costs on
  this machine: a floor under every design the proxy could have in Python).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import generate
from validator.tools.probe.streamkit import message_events, response_snapshot, sequenced, sse_frame

STAMP = re.compile(rb'"delta":"t(\d+) ')
#: A path no protocol claims: the proxy forwards it as it forwards any, without a check.
UNCHECKED = "/v1/passthrough"


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
        # The same answers at paths the proxy does not recognise: forwarded, not checked.
        for path in ("/bulk/v1/responses", f"/bulk{UNCHECKED}"):
            app.router.add_post(path, bulk)
        for path in ("/latency/v1/responses", f"/latency{UNCHECKED}"):
            app.router.add_post(path, latency)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        Path(port_file).write_text(str(site._server.sockets[0].getsockname()[1]))  # type: ignore[union-attr]
        await asyncio.sleep(3600)

    asyncio.run(main())


# ---------------------------------------------------------------- the byte relay (its own process)


class _Pipe(asyncio.Protocol):
    """One side of a TCP relay that knows nothing of HTTP: what it reads, the other side writes,
    with the transports' own flow control. The least any relay in Python's event loop can cost."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: _Pipe | None = None
        self.early: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def link(self, peer: _Pipe) -> None:
        self.peer, peer.peer = peer, self
        assert peer.transport is not None
        for data in self.early:
            peer.transport.write(data)
        self.early.clear()

    def data_received(self, data: bytes) -> None:
        if self.peer is None or self.peer.transport is None:
            self.early.append(data)
        else:
            self.peer.transport.write(data)

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()


def _relay(port_file: str, target_port: int) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[None]] = set()

        async def connect(front: _Pipe) -> None:
            _, back = await loop.create_connection(_Pipe, "127.0.0.1", target_port)
            front.link(back)

        def accepted() -> _Pipe:
            front = _Pipe()
            task = loop.create_task(connect(front))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            return front

        server = await loop.create_server(accepted, "127.0.0.1", 0)
        Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
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


@dataclass
class Route:
    """One way from the client to the upstream, measured in every round."""

    name: str
    url: str
    #: The proxy on the way (its CPU is counted), if any.
    proxy: Proxy | None = None
    #: Whether the proxy checks this traffic (its verdict is awaited and its checker counted).
    checked: bool = False
    #: The path's suffix at the upstream (``UNCHECKED``: one no protocol claims).
    tail: str = "/v1/responses"


def _start(target: Any, args: tuple[Any, ...], port_file: Path) -> tuple[multiprocessing.Process, int]:
    process = multiprocessing.Process(target=target, args=(str(port_file), *args), daemon=True)
    process.start()
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline:
            raise SystemExit(f"{target.__name__} did not start")
        time.sleep(0.05)
    return process, int(port_file.read_text())


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
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also two paths that check nothing: the proxy forwarding a path it does not recognise "
        "(its HTTP stack alone), and a byte relay in asyncio that knows no HTTP (the least any "
        "relay in Python's event loop costs)",
    )
    parser.add_argument("--proxy-arg", action="append", default=[], help="passed to the proxy command")
    args = parser.parse_args()
    processes: list[multiprocessing.Process] = []
    proxies: list[Proxy] = []
    with tempfile.TemporaryDirectory() as tmp:
        transcript = Path(tmp) / "bulk.sse"
        generate(transcript, args.size_mb)
        size = transcript.stat().st_size
        upstream, port = _start(
            _upstream,
            (str(transcript), args.events, args.gap_ms / 1000, args.per_event),
            Path(tmp) / "port",
        )
        processes.append(upstream)
        base = f"http://127.0.0.1:{port}"
        proxies.append(Proxy("proxy", base, None, args.proxy_arg))
        routes = [Route("direct", base), Route("proxy", proxies[0].url, proxies[0], True)]
        if args.baseline:
            proxies.append(Proxy("baseline", base, args.baseline, []))
            routes.append(Route("baseline", proxies[-1].url, proxies[-1], True))
        if args.reference:
            relay, relay_port = _start(_relay, (port,), Path(tmp) / "relay-port")
            processes.append(relay)
            routes.append(Route("proxy, path not checked", proxies[0].url, proxies[0], tail=UNCHECKED))
            routes.append(Route("byte relay (no HTTP)", f"http://127.0.0.1:{relay_port}", tail=UNCHECKED))
        relay_pid = processes[1].pid if args.reference else None
        names = [r.name for r in routes]
        p50: dict[str, list[float]] = {n: [] for n in names}
        p99: dict[str, list[float]] = {n: [] for n in names}
        rate: dict[str, list[float]] = {n: [] for n in names}
        cpu: dict[str, list[float]] = {n: [] for n in names}
        event_cpu: dict[str, list[float]] = {n: [] for n in names}
        checker_cpu: dict[str, list[float]] = {n: [] for n in names}
        check_after: dict[str, list[float]] = {n: [] for n in names}
        verdicts: dict[str, list[str]] = {n: [] for n in names}
        ends_cpu: list[float] = []

        def relay_cpu(route: Route) -> float:
            """CPU seconds so far of what stands between client and upstream on ``route``."""
            if route.proxy is not None:
                return route.proxy.cpu()[0]
            return _cpu(relay_pid) if relay_pid and route.tail == UNCHECKED else 0.0

        try:
            for proxy in proxies:  # warm-up: imports, schema compilation
                _read(proxy.url + "/latency/v1/responses", True)
                proxy.exchange_done()
            for round_ in range(args.repeat):
                for route in routes[round_ % len(routes) :] + routes[: round_ % len(routes)]:
                    name, proxy = route.name, route.proxy
                    if args.events:
                        spent = relay_cpu(route)
                        _, _, values = _read(route.url + "/latency" + route.tail, True)
                        p50[name].append(_pct(values, 50))
                        p99[name].append(_pct(values, 99))
                        if route.checked:
                            proxy.exchange_done()  # type: ignore[union-attr]
                        if name != "direct":
                            event_cpu[name].append((relay_cpu(route) - spent) / args.events * 1e6)
                    before = relay_cpu(route), proxy.cpu()[1] if route.checked else 0.0  # type: ignore[union-attr]
                    ends = _cpu(os.getpid()), _cpu(upstream.pid or 0)
                    total, seconds, _ = _read(route.url + "/bulk" + route.tail, False)
                    end = time.perf_counter()
                    assert total == size, (name, total, size)
                    rate[name].append(size / seconds / 1e6)
                    if name == "direct":
                        spent = _cpu(os.getpid()) - ends[0]
                        ends_cpu.append((spent + _cpu(upstream.pid or 0) - ends[1]) / (size / 1e6) * 1e3)
                        continue
                    if route.checked:
                        at, verdict = proxy.exchange_done()  # type: ignore[union-attr]
                        check_after[name].append(max(0.0, at - end))
                        verdicts[name].append(verdict)
                        checker_cpu[name].append((proxy.cpu()[1] - before[1]) / (size / 1e6) * 1e3)  # type: ignore[union-attr]
                    cpu[name].append((relay_cpu(route) - before[0]) / (size / 1e6) * 1e3)
        finally:
            for proxy in proxies:
                proxy.stop()
            for process in processes:
                process.terminate()
                process.join(10)
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
        "path", "event p50 ms", "event p99 ms", "relay CPU µs/event", "MB/s", "relay CPU ms/MB",
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
    for name in names[1:]:
        added50 = [a - b for a, b in zip(p50[name], p50["direct"], strict=True)]
        added99 = [a - b for a, b in zip(p99[name], p99["direct"], strict=True)]
        ratio = [a / b * 100 for a, b in zip(rate[name], rate["direct"], strict=True)]
        print(
            f"added by {name}: p50 {_median(added50, '+.3f')} ms, "
            f"p99 {_median(added99, '+.3f')} ms per event; throughput {_median(ratio)} % of direct"
        )


if __name__ == "__main__":
    main()
