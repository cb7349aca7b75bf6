"""Where the exchanges are checked: in a worker process (the default), or inline.

Forwarding must not wait for checking: the engine checks some tens of MB/s, loopback HTTP
moves hundreds. So the proxy hands each recognised exchange's bytes to a checker process
(:class:`ProcessChecker`) and forwards the next piece at once; the result comes back when the
check is done, usually while the last bytes are still on their way, later for a stream that
arrives faster than it can be checked. :class:`InlineChecker` checks in the proxy's own event
loop (for tests that patch the checker, and as the fallback when no process can be started).

Both run the same :class:`~.exchange.ExchangeCheck` with the same calls: ``open``, ``start``,
``feed``, ``abandon``, ``finish``; ``finish`` returns an awaitable of the
:class:`~.exchange.ExchangeResult`, and the findings a piece of a stream makes visible go to
``on_live`` as soon as they are found.

What it costs the proxy, per MB forwarded, is one ``writev`` of the bytes aiohttp already holds
into a pipe, from the event loop itself: no thread (which would fight the loop for the GIL), no
pickling of body bytes, no copy unless the pipe is full. The checker process runs at a lower
scheduling priority (nice +10): on a busy machine forwarding gets the CPU first and the check
catches up when the traffic pauses. What it has not read yet waits in the proxy, referenced, not
copied; :attr:`ProcessChecker.backlog` says how much, and the proxy bounds it (``--check-backlog``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import itertools
import os
import pickle
import struct
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from validator.engine import CheckOptions
from validator.model.findings import Finding
from validator.tools.proxy.exchange import ExchangeCheck, ExchangeResult, WebSocketCheck

__all__ = ["CHECKER_NICE", "InlineChecker", "ProcessChecker"]


#: Where the findings found while a stream flows go: (exchange number, new findings).
Live = Callable[[int, list[Finding]], None]

#: The checker process's niceness, added to the proxy's: forwarding comes first, but the check
#: still gets a share on a machine kept busy by others (at 19 it starved there for minutes).
CHECKER_NICE = 10
#: One frame on either pipe: kind, exchange number, payload length; then the payload. A body
#: piece's payload is its bytes as they are; every other payload is pickled.
_HEAD = struct.Struct("<cII")
OPEN, OPEN_WS, START, FEED, ABANDON, FINISH, QUIT = b"o", b"w", b"s", b"f", b"a", b"e", b"q"
LIVE, RESULT, FAILED = b"l", b"r", b"x"
#: Asked for the pipe to the checker (Linux; the default is 64 KB): fewer wake-ups per MB.
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
#: At most this many pieces per writev (IOV_MAX is 1024 on Linux).
_IOV = 512


def _after(pieces: list[bytes | memoryview], written: int) -> list[bytes | memoryview]:
    """What is left of ``pieces`` once their first ``written`` bytes are gone (nothing copied)."""
    rest: list[bytes | memoryview] = []
    for piece in pieces:
        if written >= len(piece):
            written -= len(piece)
        else:
            rest.append(memoryview(piece)[written:] if written else piece)
            written = 0
    return rest


def _apply(
    checks: dict[int, ExchangeCheck | WebSocketCheck], kind: bytes, number: int, args: Any, live: Live
) -> ExchangeResult | None:
    """One message of the checker protocol; the result when the message ends an exchange."""
    if kind == OPEN:
        method, target, body, options, save_dir = args
        checks[number] = ExchangeCheck(number, method, target, body, options, save_dir=save_dir)
        return None
    if kind == OPEN_WS:
        target, options, save_dir = args
        checks[number] = WebSocketCheck(number, target, options, save_dir=save_dir)
        return None
    check = checks.get(number)
    if check is None:
        return None
    if kind == FEED:
        check.feed(args)
        found = check.take_live()
        if found:
            live(number, found)
    elif kind == START and isinstance(check, ExchangeCheck):
        check.start(*args)
    elif kind == ABANDON:
        check.abandon(args)
    elif kind == FINISH:
        del checks[number]
        note, client_gone = args
        return check.finish(note, client_gone=client_gone)
    return None


class InlineChecker:
    """Checks in the caller's event loop: every call returns once its bytes are checked."""

    backlog = 0
    dead: str | None = None

    def __init__(self, on_live: Live) -> None:
        self.checks: dict[int, ExchangeCheck | WebSocketCheck] = {}
        self.on_live = on_live

    def open(
        self, number: int, method: str, target: str, body: bytes, options: CheckOptions, save: Path | None
    ) -> None:
        _apply(self.checks, OPEN, number, (method, target, body, options, save), self.on_live)

    def open_websocket(self, number: int, target: str, options: CheckOptions, save: Path | None) -> None:
        _apply(self.checks, OPEN_WS, number, (target, options, save), self.on_live)

    def start(self, number: int, status: int, content_type: str, content_encoding: str) -> None:
        _apply(self.checks, START, number, (status, content_type, content_encoding), self.on_live)

    def feed(self, number: int, chunk: bytes) -> None:
        _apply(self.checks, FEED, number, chunk, self.on_live)

    def abandon(self, number: int, reason: str) -> None:
        _apply(self.checks, ABANDON, number, reason, self.on_live)

    def finish(self, number: int, note: str | None, client_gone: bool) -> asyncio.Future[ExchangeResult]:
        future: asyncio.Future[ExchangeResult] = asyncio.get_running_loop().create_future()
        result = _apply(self.checks, FINISH, number, (note, client_gone), self.on_live)
        if result is not None:
            future.set_result(result)
        return future

    async def drained(self, below: int) -> None:
        return None

    async def aclose(self, timeout: float = 10.0) -> None:
        self.checks.clear()

    def kill(self) -> None:
        self.checks.clear()


# ---------------------------------------------------------------- the checker process


def _read_frame(inbox: IO[bytes]) -> tuple[bytes, int, bytes] | None:
    head = inbox.read(_HEAD.size)
    if len(head) < _HEAD.size:
        return None
    kind, number, size = _HEAD.unpack(head)
    payload = inbox.read(size) if size else b""
    if len(payload) < size:
        return None
    return kind, number, payload


def _frame(kind: bytes, number: int, value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEAD.pack(kind, number, len(payload)) + payload


def _serve(inbox: IO[bytes], out: int) -> None:
    """The checker process's loop: frames in, results out, until the proxy says quit."""
    checks: dict[int, ExchangeCheck | WebSocketCheck] = {}

    def send(kind: bytes, number: int, value: Any) -> None:
        view = memoryview(_frame(kind, number, value))
        while view:
            view = view[os.write(out, view) :]

    def live(number: int, found: list[Finding]) -> None:
        send(LIVE, number, found)

    while True:
        frame = _read_frame(inbox)
        if frame is None or frame[0] == QUIT:
            return
        kind, number, payload = frame
        try:
            args = payload if kind == FEED else pickle.loads(payload)
            result = _apply(checks, kind, number, args, live)
        except Exception:  # ExchangeCheck guards the engine; this is for anything else
            checks.pop(number, None)
            send(FAILED, number, traceback.format_exc())
            continue
        if result is not None:
            send(RESULT, result.number, result)


class ProcessChecker:
    """A checker process fed through a pipe written from the event loop (see the module's doc)."""

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
        with contextlib.suppress(OSError):
            mine = os.getpriority(os.PRIO_PROCESS, 0)
            os.setpriority(os.PRIO_PROCESS, self.process.pid, min(19, mine + CHECKER_NICE))
        self.to_child = os.dup(self.process.stdin.fileno())
        self.from_child = os.dup(self.process.stdout.fileno())
        self.process.stdin.close()
        self.process.stdout.close()
        with contextlib.suppress(OSError):
            fcntl.fcntl(self.to_child, _F_SETPIPE_SZ, _PIPE_SIZE)
        os.set_blocking(self.to_child, False)
        os.set_blocking(self.from_child, False)
        #: What the pipe has not taken yet: the bytes objects themselves, oldest first.
        self.queue: collections.deque[bytes | memoryview] = collections.deque()
        self.backlog = 0
        self._writing = False
        self._drain: list[tuple[int, asyncio.Future[None]]] = []
        self._inbox = bytearray()
        self.waiting: dict[int, asyncio.Future[ExchangeResult]] = {}
        self.fallback: dict[int, ExchangeResult] = {}
        self.dead: str | None = None
        self._closing = False
        loop.add_reader(self.from_child, self._readable)

    # ------------------------------------------------------------ the calls

    def open(
        self, number: int, method: str, target: str, body: bytes, options: CheckOptions, save: Path | None
    ) -> None:
        # What the exchange is, kept here too: if the process dies, the result still says so.
        self.fallback[number] = ExchangeResult(
            f"<{method} {target} #{number}>", number=number, method=method, target=target
        )
        self._send_value(OPEN, number, (method, target, body, options, save))

    def open_websocket(self, number: int, target: str, options: CheckOptions, save: Path | None) -> None:
        self.fallback[number] = ExchangeResult(
            f"<WebSocket {target} #{number}>", number=number, method="WebSocket", target=target
        )
        self._send_value(OPEN_WS, number, (target, options, save))

    def start(self, number: int, status: int, content_type: str, content_encoding: str) -> None:
        self._send_value(START, number, (status, content_type, content_encoding))

    def feed(self, number: int, chunk: bytes) -> None:
        # Even empty: an empty WebSocket message is a (blank) line of its transcript.
        self._send(_HEAD.pack(FEED, number, len(chunk)), chunk)

    def abandon(self, number: int, reason: str) -> None:
        self._send_value(ABANDON, number, reason)

    def finish(self, number: int, note: str | None, client_gone: bool) -> asyncio.Future[ExchangeResult]:
        future: asyncio.Future[ExchangeResult] = self.loop.create_future()
        self.waiting[number] = future
        if self.dead is not None:
            self._lost(number, self.dead)
        else:
            self._send_value(FINISH, number, (note, client_gone))
        return future

    async def drained(self, below: int) -> None:
        """Returns once the backlog is at most ``below`` bytes (or the process is gone)."""
        if self.backlog <= below or self.dead is not None:
            return
        future: asyncio.Future[None] = self.loop.create_future()
        self._drain.append((below, future))
        await future

    # ------------------------------------------------------------ the pipe to the process

    def _send_value(self, kind: bytes, number: int, value: Any) -> None:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._send(_HEAD.pack(kind, number, len(payload)), payload)

    def _send(self, head: bytes, payload: bytes) -> None:
        if self.dead is not None:
            return
        pieces: list[bytes | memoryview] = [head, payload]
        if not self.queue:
            try:
                written = os.writev(self.to_child, pieces)
            except BlockingIOError:
                written = 0
            except OSError:
                self._died()
                return
            pieces = _after(pieces, written)
        for piece in pieces:
            if len(piece):
                self.queue.append(piece)
                self.backlog += len(piece)
        if self.queue and not self._writing:
            self._writing = True
            self.loop.add_writer(self.to_child, self._writable)

    def _writable(self) -> None:
        pieces = list(itertools.islice(self.queue, _IOV))
        try:
            written = os.writev(self.to_child, pieces)
        except BlockingIOError:
            return
        except OSError:
            self._died()
            return
        self.backlog -= written
        while written:
            first = self.queue[0]
            if len(first) <= written:
                written -= len(first)
                self.queue.popleft()
            else:
                self.queue[0] = memoryview(first)[written:]
                written = 0
        if not self.queue:
            self._stop_writing()
        self._wake()

    def _stop_writing(self) -> None:
        if self._writing:
            self._writing = False
            self.loop.remove_writer(self.to_child)

    def _wake(self) -> None:
        if not self._drain:
            return
        keep = []
        for below, future in self._drain:
            if self.backlog <= below or self.dead is not None:
                if not future.done():
                    future.set_result(None)
            else:
                keep.append((below, future))
        self._drain = keep

    # ------------------------------------------------------------ the pipe from the process

    def _readable(self) -> None:
        try:
            data = os.read(self.from_child, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.loop.remove_reader(self.from_child)
            self._died()
            return
        inbox = self._inbox
        inbox += data
        while len(inbox) >= _HEAD.size:
            kind, number, size = _HEAD.unpack_from(inbox)
            end = _HEAD.size + size
            if len(inbox) < end:
                break
            payload = pickle.loads(memoryview(inbox)[_HEAD.size : end])
            del inbox[:end]
            self._deliver(kind, number, payload)

    def _deliver(self, kind: bytes, number: int, payload: Any) -> None:
        if kind == LIVE:
            self.on_live(number, payload)
            return
        if kind == FAILED:
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
        self._stop_writing()
        self.queue.clear()
        self.backlog = 0
        self._wake()
        for number in list(self.waiting):
            self._lost(number, self.dead)

    # ------------------------------------------------------------ the end

    async def aclose(self, timeout: float = 10.0) -> None:
        """Once every exchange has its result: the process ends when it reads the last frame."""
        if self.dead is None:
            self._send(_HEAD.pack(QUIT, 0, 0), b"")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.drained(0), timeout)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.loop.run_in_executor(None, self.process.wait), timeout)
        self.kill()

    def kill(self) -> None:
        """Ends the process (if it still runs) and lets go of its pipes."""
        self._stop_writing()
        self.queue.clear()
        self.backlog = 0
        with contextlib.suppress(ValueError, RuntimeError):
            self.loop.remove_reader(self.from_child)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for fd in (self.to_child, self.from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.to_child = self.from_child = -1


def _main() -> None:
    """The checker process: the pipe on standard input and output (anything printed goes to stderr)."""
    inbox = os.fdopen(os.dup(0), "rb", buffering=_PIPE_SIZE)
    out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _serve(inbox, out)


if __name__ == "__main__":
    _main()
