"""Where the exchanges are checked: in a worker process (the default), or inline.

Forwarding must not wait for checking: the engine checks some tens of MB/s, loopback HTTP
moves hundreds. So the proxy hands each recognised exchange's bytes to a checker process
(:class:`ProcessChecker`) and forwards the next piece at once; the result comes back when the
check is done, usually while the last bytes are still on their way, later for a stream that
arrives faster than it can be checked. :class:`InlineChecker` checks in the proxy's own event
loop (for tests that patch the checker, and as the fallback when no process can be started).

Both run the same :class:`~.exchange.ExchangeCheck` with the same calls: ``open``, ``start``,
``feed``, ``finish``; ``finish`` returns an awaitable of the :class:`~.exchange.ExchangeResult`,
and the findings a piece of a stream makes visible go to ``on_live`` as soon as they are found.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from validator.engine import CheckOptions
from validator.model.findings import Finding
from validator.tools.proxy.exchange import ExchangeCheck, ExchangeResult

__all__ = ["InlineChecker", "ProcessChecker"]


#: Where the findings found while a stream flows go: (exchange number, new findings).
Live = Callable[[int, list[Finding]], None]


def _apply(checks: dict[int, ExchangeCheck], message: tuple[Any, ...], live: Live) -> ExchangeResult | None:
    """One message of the checker protocol; the result when the message ends an exchange."""
    kind, number, *args = message
    if kind == "open":
        method, target, body, options, save_dir = args
        checks[number] = ExchangeCheck(number, method, target, body, options, save_dir=save_dir)
        return None
    check = checks.get(number)
    if check is None:
        return None
    if kind == "start":
        check.start(*args)
    elif kind == "feed":
        check.feed(args[0])
        found = check.take_live()
        if found:
            live(number, found)
    elif kind == "finish":
        del checks[number]
        return check.finish(args[0], client_gone=args[1])
    return None


class InlineChecker:
    def __init__(self, on_live: Live) -> None:
        self.checks: dict[int, ExchangeCheck] = {}
        self.on_live = on_live

    def send(self, *message: Any) -> None:
        _apply(self.checks, message, self.on_live)

    def open(
        self, number: int, method: str, target: str, body: bytes, options: CheckOptions, save: Path | None
    ) -> None:
        self.send("open", number, method, target, body, options, save)

    def finish(self, number: int, note: str | None, client_gone: bool) -> asyncio.Future[ExchangeResult]:
        future: asyncio.Future[ExchangeResult] = asyncio.get_running_loop().create_future()
        result = _apply(self.checks, ("finish", number, note, client_gone), self.on_live)
        if result is not None:
            future.set_result(result)
        return future

    def close(self) -> None:
        self.checks.clear()


def _serve(inbox: Connection, outbox: Connection) -> None:
    """The checker process's loop: messages in, results out, until the proxy says quit."""
    checks: dict[int, ExchangeCheck] = {}

    def live(number: int, found: list[Finding]) -> None:
        outbox.send(("live", number, found))

    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):
            return
        if message[0] == "quit":
            return
        try:
            result = _apply(checks, message, live)
        except Exception:  # ExchangeCheck guards the engine; this is for anything else
            number = message[1]
            checks.pop(number, None)
            outbox.send(("failed", number, traceback.format_exc()))
            continue
        if result is not None:
            outbox.send(("result", result.number, result))


class ProcessChecker:
    """A checker process fed through a pipe. A writer thread sends (the event loop never waits
    on a full pipe: a check that falls behind queues bytes, it never slows the traffic) and a
    reader thread hands results back to the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_live: Live) -> None:
        self.loop = loop
        self.on_live = on_live
        # A fresh interpreter (not multiprocessing): nothing of the proxy's process is inherited
        # or re-imported, whatever program embeds the proxy.
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.to_child = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.from_child = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        self.outbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self.waiting: dict[int, asyncio.Future[ExchangeResult]] = {}
        self.fallback: dict[int, ExchangeResult] = {}
        self.dead: str | None = None
        self.writer = threading.Thread(target=self._write, daemon=True, name="proxy-checker-writer")
        self.reader = threading.Thread(target=self._read, daemon=True, name="proxy-checker-reader")
        self.writer.start()
        self.reader.start()

    def send(self, *message: Any) -> None:
        self.outbox.put(message)

    def open(
        self, number: int, method: str, target: str, body: bytes, options: CheckOptions, save: Path | None
    ) -> None:
        # What the exchange is, kept here too: if the process dies, the result still says so.
        self.fallback[number] = ExchangeResult(
            f"<{method} {target} #{number}>", number=number, method=method, target=target
        )
        self.send("open", number, method, target, body, options, save)

    def finish(self, number: int, note: str | None, client_gone: bool) -> asyncio.Future[ExchangeResult]:
        future: asyncio.Future[ExchangeResult] = self.loop.create_future()
        self.waiting[number] = future
        if self.dead is not None:
            self._lost(number, self.dead)
        else:
            self.send("finish", number, note, client_gone)
        return future

    def _write(self) -> None:
        while True:
            message = self.outbox.get()
            if message is None:
                message = ("quit", 0)
            try:
                self.to_child.send(message)
            except (OSError, ValueError):
                return
            if message[0] == "quit":
                return

    def _read(self) -> None:
        while True:
            try:
                kind, number, payload = self.from_child.recv()
            except (EOFError, OSError):
                self._call(self._died)
                return
            self._call(self._deliver, kind, number, payload)

    def _call(self, function: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            self.loop.call_soon_threadsafe(function, *args)

    def _deliver(self, kind: str, number: int, payload: Any) -> None:
        if kind == "live":
            self.on_live(number, payload)
            return
        if kind == "failed":
            self._lost(number, f"checker failed: {payload.strip().splitlines()[-1]}")
            return
        self.fallback.pop(number, None)
        future = self.waiting.pop(number, None)
        if future is not None and not future.done():
            future.set_result(payload)

    def _lost(self, number: int, reason: str) -> None:
        result = self.fallback.pop(number, None) or ExchangeResult(f"<#{number}>", number=number)
        result.checked = False
        result.error = f"not checked: {reason}"
        future = self.waiting.pop(number, None)
        if future is not None and not future.done():
            future.set_result(result)

    def _died(self) -> None:
        if self.dead is None:
            code = self.process.poll()
            self.dead = "the checker process ended" + (f" (exit code {code})" if code is not None else "")
        for number in list(self.waiting):
            self._lost(number, self.dead)

    def close(self) -> None:
        """Once every exchange has its result: the process ends when it reads the last message."""
        self.outbox.put(None)
        self.writer.join(5)
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.reader.join(5)
        for conn in (self.to_child, self.from_child):
            with contextlib.suppress(OSError):
                conn.close()


def _main() -> None:
    """The checker process: the pipe on standard input and output (anything printed goes to stderr)."""
    inbox = Connection(os.dup(0), writable=False)
    outbox = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _serve(inbox, outbox)


if __name__ == "__main__":
    _main()
