"""Benchmark: what the validating proxy costs a client, against talking to the upstream directly.

Run by hand, never by the test suite (needs the ``proxy`` extra)::

    python bench/bench_proxy.py                  # 2,000 timed events, a 64 MB transcript, 3 runs each
    python bench/bench_proxy.py --size-mb 200 --events 5000 --repeat 5

Three processes on loopback, as in real use: an aiohttp upstream, the ``proxy`` command (with
its full check of every event), and this client. Two measurements, each run ``--repeat`` times,
direct and through the proxy interleaved, medians reported side by side:

* latency per event: the upstream sends a valid Responses stream whose deltas each carry the
  ``time.monotonic_ns()`` at which they were written, one every ``--gap-ms``; the client takes
  the time each event's last byte arrives. Direct, that is the loopback and HTTP cost; through
  the proxy, that plus the proxy (forwarding, then checking). The difference of the p50 and
  p99 is what the proxy adds per event.
* throughput: the upstream sends a ``--size-mb`` transcript (bench.py's generator: messages,
  function calls, reasoning, token-sized deltas) as fast as the client reads it; MB/s at the client.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
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


def _upstream(port_file: str, transcript: str, n: int, gap: float) -> None:
    from aiohttp import web

    body = Path(transcript).read_bytes()

    async def bulk(request):  # type: ignore[no-untyped-def]
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        view = memoryview(body)
        for start in range(0, len(body), 1 << 16):
            await response.write(view[start : start + (1 << 16)])
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
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
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


def _start_proxy(upstream: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "validator",
            "proxy",
            "--upstream",
            upstream,
            "--port",
            "0",
            "--format",
            "json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    match = re.search(r"listening on (http://\S+),", line)
    if match is None:
        proc.kill()
        raise SystemExit(f"proxy did not start: {line}")
    return proc, match.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=64)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--gap-ms", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        transcript = Path(tmp) / "bulk.sse"
        generate(transcript, args.size_mb)
        size = transcript.stat().st_size
        port_file = Path(tmp) / "port"
        upstream = multiprocessing.Process(
            target=_upstream,
            args=(str(port_file), str(transcript), args.events, args.gap_ms / 1000),
            daemon=True,
        )
        upstream.start()
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline:
                raise SystemExit("upstream did not start")
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port_file.read_text()}"
        proxy, proxy_url = _start_proxy(base)
        try:
            lat: dict[str, list[int]] = {"direct": [], "proxy": []}
            lat_p: dict[str, list[tuple[float, float]]] = {"direct": [], "proxy": []}
            rate: dict[str, list[float]] = {"direct": [], "proxy": []}
            _read(proxy_url + "/latency/v1/responses", True)  # warm-up: imports, schema compilation
            for _ in range(args.repeat):
                for name, url in (("direct", base), ("proxy", proxy_url)):
                    _, _, values = _read(url + "/latency/v1/responses", True)
                    lat[name] += values
                    lat_p[name].append((_pct(values, 50), _pct(values, 99)))
                    total, seconds, _ = _read(url + "/bulk/v1/responses", False)
                    assert total == size, (name, total, size)
                    rate[name].append(size / seconds / 1e6)
        finally:
            proxy.send_signal(2)
            try:
                proxy.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proxy.kill()
            upstream.terminate()
            upstream.join(10)
    print(f"# proxy bench: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, loopback")
    print(f"# latency: {args.events} events, one every {args.gap_ms:g} ms, x{args.repeat} runs each")
    print(f"# throughput: {size / 1e6:.1f} MB transcript, x{args.repeat} runs each (median, range)\n")
    print("| path | event latency p50 | p99 | throughput MB/s (range) |")
    print("|---|---|---|---|")
    for name in ("direct", "proxy"):
        values = lat[name]
        rates = rate[name]
        print(
            f"| {name} | {_pct(values, 50):.3f} ms | {_pct(values, 99):.3f} ms | "
            f"{statistics.median(rates):.0f} ({min(rates):.0f}-{max(rates):.0f}) |"
        )
    added50 = _pct(lat["proxy"], 50) - _pct(lat["direct"], 50)
    added99 = _pct(lat["proxy"], 99) - _pct(lat["direct"], 99)
    ratio = statistics.median(rate["proxy"]) / statistics.median(rate["direct"])
    print(
        f"\nadded by the proxy: p50 {added50:+.3f} ms, p99 {added99:+.3f} ms per event; "
        f"throughput {ratio:.0%} of direct"
    )


if __name__ == "__main__":
    main()
