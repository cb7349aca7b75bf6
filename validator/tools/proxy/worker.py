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

The body bytes go through a ring of shared memory (a memfd both processes map), the size of the
bound on the backlog (``--check-backlog``); the pipe carries only the frames that say whose bytes
come next, how many, and everything else (pickled). What it costs the proxy, per MB forwarded, is
one copy into memory already mapped, from the event loop itself: no thread (which would fight the
loop for the GIL), no system call per byte. Through a pipe (the design before), each MB cost the
kernel's pipe pages and copy, and, the checker being slower than loopback traffic, the pieces
waiting for the pipe were held in the proxy's heap: fresh pages, faulted in and given back for every
MB (1.0 of the proxy's 1.75 ms/MB CPU, bench/bench_proxy.py, perf). The checker copies each piece
out of the ring and says every so often how far it has taken (an ``ACK``), which frees that space.

The checker process runs at a lower scheduling priority (nice +10): on a busy machine forwarding
gets the CPU first and the check catches up when the traffic pauses. What it has not taken yet waits
in the ring (and, past it, in the proxy, referenced, not copied); :attr:`ProcessChecker.backlog` says
how much, and the proxy bounds it (``--check-backlog``). An exchange abandoned past the bound
(``--when-behind skip``) leaves the checker nothing to work through: its pieces held in the proxy
are dropped, and a notice on a pipe of its own (read only when a count in a page of the shared
memory moves: no system call per piece) reaches the checker ahead of that exchange's bytes in the
ring, which it then passes over, not even copied; the ABANDON frame, in order after them, says
where the check stopped, from the bytes the check was fed. Those bytes are no backlog, so the next
exchange is not skipped for them (its pieces wait in the proxy until the checker has passed them).
Writing starts over at the ring's start whenever the checker has taken everything (it says so at the
end of each exchange), so the pages a busy proxy keeps touched, reused without a page fault, come to
about the largest backlog seen, unless exchanges overlap without a pause (at most the ring). They are
given back when the proxy is idle: once the checker has taken everything and nothing has been
written for :data:`RELEASE_AFTER` seconds (one timer at a time, started by an ACK, never one per
piece; a checker that has not said it took the last bytes, as within a WebSocket session that stays
open, is asked to), the part of the ring written since is freed with ``MADV_REMOVE`` (a hole
punched in the memfd: the pages leave both processes, where ``MADV_DONTNEED`` would only unmap
them from one), and the next bytes go into fresh zeroed pages.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import itertools
import mmap
import os
import pickle
import signal
import struct
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from validator.engine import CheckOptions
from validator.model.findings import Finding
from validator.tools.proxy.exchange import ExchangeCheck, ExchangeResult, WebSocketCheck

__all__ = ["CHECKER_NICE", "RELEASE_AFTER", "InlineChecker", "ProcessChecker"]


#: Where the findings found while a stream flows go: (exchange number, new findings).
Live = Callable[[int, list[Finding]], None]

#: The checker process's niceness, added to the proxy's: forwarding comes first, but the check
#: still gets a share on a machine kept busy by others (at 19 it starved there for minutes).
CHECKER_NICE = 10
#: One frame on either pipe: kind, exchange number, payload length; then the payload, pickled,
#: except a body piece's (FEED: its bytes are in the ring, from the offset ``_AT`` that follows
#: the head on the pipe) and an ACK's (the checker's count of the ring's bytes taken, ``_TAKEN``).
_HEAD = struct.Struct("<cII")
_AT = struct.Struct("<I")
_TAKEN = struct.Struct("<Q")
OPEN, OPEN_WS, START, FEED, ABANDON, FINISH, QUIT = b"o", b"w", b"s", b"f", b"a", b"e", b"q"
#: The proxy asks the checker to say how far it has taken (an ACK) when it has taken all it will.
SYNC = b"y"
LIVE, RESULT, FAILED, ACK = b"l", b"r", b"x", b"c"
#: The ring is never smaller (--check-backlog's own minimum).
_MIN_RING = 1 << 16
#: The page after the ring (same memfd, mapped on its own): its first bytes count the abandon
#: notices sent (``_RUNG``), so that the checker looks at the notice pipe only when there is news.
_PAGE = mmap.PAGESIZE
_RUNG = struct.Struct("<I")
#: One notice on the notice pipe: the number of an exchange abandoned (--when-behind skip).
_NOTICE = struct.Struct("<I")
#: Seconds the ring stays empty, nothing written, before its pages are given back: well above the
#: pause between an agent's calls (re-faulting the pages costs some 0.3 ms of CPU per MB, little
#: beside the check's tens of ms per MB, but nothing is won by doing it between two calls), small
#: beside the idle hours of a proxy left running.
RELEASE_AFTER = 10.0
#: Frees a shared memory range's pages (they read as zeros after): Linux; MADV_DONTNEED would only
#: unmap them from one process, the memfd keeping them.
_MADV_REMOVE: int | None = getattr(mmap, "MADV_REMOVE", None)
#: How the checker process starts: the proxy's own code, not what the working directory holds.
#: ``python -m`` would put the working directory first on its import path, where another
#: checkout, or a project's own ``validator`` package, would be imported instead (a checker from
#: other code: one that crashes or, worse, checks differently); ``-P``, which leaves it out, needs
#: Python 3.11. So the working directory is left out, and the folder this package came from goes
#: first when it was first in the proxy too (``python -m validator`` run in a checkout), or last
#: when the package would not be found otherwise (a program that put it on its path at run time).
_BOOT = """
import importlib.util, runpy, sys
root, first, module = sys.argv[1:4]
del sys.argv[1:4]
if sys.path and sys.path[0] == "":  # the working directory (not there with PYTHONSAFEPATH)
    del sys.path[0]
if first == "1":
    sys.path.insert(0, root)
elif importlib.util.find_spec(module.partition(".")[0]) is None:
    sys.path.append(root)
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""
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

    def feed(self, number: int, data: bytes) -> None:
        _apply(self.checks, FEED, number, data, self.on_live)

    def abandon(self, number: int, limit: int) -> None:
        _apply(self.checks, ABANDON, number, limit, self.on_live)

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


def _read_frame(inbox: IO[bytes]) -> tuple[bytes, int, int, bytes] | None:
    """(kind, number, payload length, payload); a FEED's payload is in the ring: what is read
    here is where."""
    head = inbox.read(_HEAD.size)
    if len(head) < _HEAD.size:
        return None
    kind, number, size = _HEAD.unpack(head)
    if kind != FEED and not size:
        return kind, number, size, b""
    payload = inbox.read(_AT.size if kind == FEED else size)
    if len(payload) < (_AT.size if kind == FEED else size):
        return None
    return kind, number, size, payload


class _RingReader:
    """The checker's side of the ring: takes the next bytes out (a copy), and tells the proxy how
    far it has taken once a step more is free (never less often than an eighth of the ring, so a
    proxy waiting for room always hears back)."""

    def __init__(self, ring: mmap.mmap, send: Callable[[bytes, int, bytes], None]) -> None:
        self.ring = ring
        self.size = len(ring)
        self.send = send
        self.taken = 0
        self.told = 0
        self.step = min(1 << 20, self.size // 8)

    def take(self, n: int, at: bytes) -> bytes:
        (start,) = _AT.unpack(at)
        end = start + n
        ring = self.ring
        data = ring[start:end] if end <= self.size else ring[start:] + ring[: end - self.size]
        self.taken += n
        if self.taken - self.told >= self.step:
            self.tell()
        return data

    def skip(self, n: int) -> None:
        """The next ``n`` bytes are an abandoned exchange's: passed over, not even copied."""
        self.taken += n
        if self.taken - self.told >= self.step:
            self.tell()

    def tell(self) -> None:
        if self.taken != self.told:
            self.told = self.taken
            self.send(ACK, 0, _TAKEN.pack(self.taken))


class _Abandoned:
    """The exchanges the proxy has abandoned (``--when-behind skip``) whose bytes the checker
    may still meet: told through the notice pipe, ahead of the ABANDON frame that follows their
    last bytes in order, so that the bytes between are passed over instead of checked (a
    checker that fell behind catches up at once). Only a hint: a notice read late, or never (the
    pipe full), leaves those bytes checked as they come, and the ABANDON frame says where the
    check stopped either way, from the bytes the check was actually fed."""

    def __init__(self, control: mmap.mmap, notices: int) -> None:
        self.control = control
        self.notices = notices
        self.heard = 0
        self.pending = bytearray()
        self.numbers: set[int] = set()
        #: The last exchange opened: a notice for one above it comes before its OPEN frame.
        self.last_opened = 0

    def skips(self, number: int, checks: dict[int, Any]) -> bool:
        """Whether a body piece of exchange ``number`` is passed over. One read of shared memory
        per piece; the pipe only when its count of notices moved."""
        if _RUNG.unpack_from(self.control)[0] != self.heard & 0xFFFFFFFF:
            self._hear(checks)
        return number in self.numbers

    def _hear(self, checks: dict[int, Any]) -> None:
        try:
            self.pending += os.read(self.notices, 1 << 16)
        except OSError:  # not written yet (the count is ahead of the pipe), or the proxy is gone
            return
        whole = len(self.pending) - len(self.pending) % _NOTICE.size
        for (number,) in _NOTICE.iter_unpack(self.pending[:whole]):
            self.heard += 1
            # One already finished is not kept: nothing of it is left to pass over.
            if number in checks or number > self.last_opened:
                self.numbers.add(number)
        del self.pending[:whole]

    def opened(self, number: int) -> None:
        self.last_opened = max(self.last_opened, number)

    def done(self, number: int) -> None:
        self.numbers.discard(number)


def _serve(inbox: IO[bytes], out: int, ring: mmap.mmap, abandoned: _Abandoned) -> None:
    """The checker process's loop: frames in, results out, until the proxy says quit."""
    checks: dict[int, ExchangeCheck | WebSocketCheck] = {}

    def write(kind: bytes, number: int, payload: bytes) -> None:
        view = memoryview(_HEAD.pack(kind, number, len(payload)) + payload)
        while view:
            view = view[os.write(out, view) :]

    def send(kind: bytes, number: int, value: Any) -> None:
        write(kind, number, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def live(number: int, found: list[Finding]) -> None:
        send(LIVE, number, found)

    reader = _RingReader(ring, write)
    while True:
        frame = _read_frame(inbox)
        if frame is None or frame[0] == QUIT:
            return
        kind, number, size, payload = frame
        if kind == FEED and abandoned.skips(number, checks):
            reader.skip(size)
            continue
        if kind == SYNC:
            reader.tell()
            continue
        if kind in (OPEN, OPEN_WS):
            abandoned.opened(number)
        elif kind == FINISH:
            reader.tell()  # the exchange's last bytes free their room now, not a step later
            abandoned.done(number)
        try:
            args = reader.take(size, payload) if kind == FEED else pickle.loads(payload)
            result = _apply(checks, kind, number, args, live)
        except Exception:  # ExchangeCheck guards the engine; this is for anything else
            checks.pop(number, None)
            send(FAILED, number, traceback.format_exc())
            continue
        if result is not None:
            send(RESULT, result.number, result)


class ProcessChecker:
    """A checker process fed through a pipe written from the event loop (see the module's doc)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_live: Live,
        ring_size: int = 128 << 20,
        release_after: float | None = RELEASE_AFTER,
    ) -> None:
        self.loop = loop
        self.on_live = on_live
        # Whole pages: the control page is mapped on its own, from the page after the ring.
        ring_size = -(-max(_MIN_RING, ring_size) // _PAGE) * _PAGE
        shared = _shared_memory(ring_size + _PAGE)
        notices, self.notices = os.pipe()
        try:
            self.ring = mmap.mmap(shared, ring_size)
            self.control = mmap.mmap(shared, _PAGE, offset=ring_size)
        except BaseException:
            for fd in (shared, notices, self.notices):
                os.close(fd)
            raise
        try:
            # A fresh interpreter (not multiprocessing): nothing of the proxy's process is inherited
            # or re-imported, whatever program embeds the proxy.
            self.process = subprocess.Popen(
                _boot_command(str(shared), str(notices)),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                pass_fds=(shared, notices),
                # Its own process group: a terminal's Ctrl-C reaches the proxy, which stops it once
                # the exchanges in flight are checked, not this process mid-check (or mid-import).
                start_new_session=True,
            )
        except BaseException:
            self.ring.close()
            self.control.close()
            os.close(self.notices)
            os.close(shared)
            raise
        finally:
            os.close(notices)
        #: Kept open: how much of it is allocated is :attr:`memory_in_use` (each process's
        #: mapping would keep the memory without it).
        self.memory = shared
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
        os.set_blocking(self.notices, False)
        #: Abandon notices sent (the count in the control page).
        self.rung = 0
        self.ring_size = ring_size
        #: Body bytes put into the ring so far, and how many of them the checker has taken.
        self.written = 0
        self.taken = 0
        #: Where the next bytes go: on from the last ones, or back at the start when the checker
        #: has taken everything (so light traffic keeps to the ring's first pages).
        self.head = 0
        #: Whose bytes the ring holds, in order: [from, to (counted as ``written``), exchange,
        #: abandoned], one entry per run of one exchange's bytes; and how many of them are an
        #: abandoned exchange's (``abandoned_bytes``): the checker passes over those, so they are not a
        #: backlog that should get the next exchange skipped.
        self.segments: collections.deque[list[Any]] = collections.deque()
        self.abandoned_bytes = 0
        #: The end of the ring's part written since its pages were last given back, and the timer
        #: that gives them back once the ring has stayed empty (None: never, or not now).
        self.touched = 0
        self.release_after = release_after if _MADV_REMOVE is not None else None
        self._idle: asyncio.TimerHandle | None = None
        #: What waits for room in the ring, in order: body pieces (exchange number, the bytes
        #: themselves) and, behind them, the frames that must not overtake them (number None).
        self.held: collections.deque[tuple[int | None, bytes | memoryview]] = collections.deque()
        self.held_bytes = 0
        #: What the pipe has not taken yet: frames, oldest first.
        self.queue: collections.deque[bytes | memoryview] = collections.deque()
        self.queued = 0
        self._writing = False
        self._drain: list[tuple[int, asyncio.Future[None]]] = []
        self._inbox = bytearray()
        self.waiting: dict[int, asyncio.Future[ExchangeResult]] = {}
        self.fallback: dict[int, ExchangeResult] = {}
        self.dead: str | None = None
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

    @property
    def backlog(self) -> int:
        """Bytes handed over that the checker has still to work through (in the ring, but an
        abandoned exchange's; held; in the pipe)."""
        return self.written - self.taken - self.abandoned_bytes + self.held_bytes + self.queued

    def feed(self, number: int, data: bytes) -> None:
        """The exchange's next body bytes, said in one frame (what does not fit the ring waits)."""
        # Even empty: an empty WebSocket message is a (blank) line of its transcript.
        if self.dead is not None:
            return
        rest = data if self.held else self._put(number, data)
        if rest is not None:
            self.held.append((number, rest))
            self.held_bytes += len(rest)

    def abandon(self, number: int, limit: int) -> None:
        """The exchange is checked no further (the checker fell more than ``limit`` bytes behind):
        its pieces held here are dropped, the checker is told at once (it passes over those in
        the ring), and the ABANDON frame after its last bytes in order says where its check
        stopped."""
        if self.dead is not None:
            return
        held = self.held
        if any(entry[0] == number for entry in held):
            self.held = collections.deque(entry for entry in held if entry[0] != number)
            self.held_bytes = sum(len(data) for n, data in self.held if n is not None)
        for segment in self.segments:
            if segment[2] == number and not segment[3]:
                segment[3] = True
                self.abandoned_bytes += segment[1] - segment[0]
        self._notify(number)
        self._send_value(ABANDON, number, limit)
        self._release()  # what waited behind its pieces may go now

    def _notify(self, number: int) -> None:
        try:
            os.write(self.notices, _NOTICE.pack(number))
        except OSError:  # the pipe full: the ABANDON frame still tells, in order
            return
        self.rung += 1
        _RUNG.pack_into(self.control, 0, self.rung & 0xFFFFFFFF)

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
        self._send(_HEAD.pack(kind, number, len(payload)) + payload)

    def _send(self, frame: bytes) -> None:
        """A frame other than a body piece's: after the pieces waiting for the ring, if any."""
        if self.dead is not None:
            return
        if self.held:
            self.held.append((None, frame))
        else:
            self._pipe(frame)

    # ------------------------------------------------------------ the ring

    def _put(self, number: int, data: bytes | memoryview) -> memoryview | None:
        """Copies what fits of ``data`` into the ring and says so on the pipe in one frame; what
        did not fit, if anything."""
        ring_size = self.ring_size
        if self.written == self.taken:
            self.head = 0
        at = self.head
        size = len(data)
        n = min(size, ring_size - (self.written - self.taken))
        if n == size and at + n <= ring_size:
            self.ring[at : at + n] = data
        elif n:
            view = memoryview(data)
            first = min(n, ring_size - at)
            self.ring[at : at + first] = view[:first]
            self.ring[: n - first] = view[first:n]
        if n:
            end = min(at + n, ring_size)
            if end > self.touched:
                self.touched = end
            segments = self.segments
            if segments and segments[-1][2] == number and not segments[-1][3]:
                segments[-1][1] += n
            else:
                segments.append([self.written, self.written + n, number, False])
        self.written += n
        self.head = (at + n) % ring_size
        if n or n == size:
            self._pipe(_HEAD.pack(FEED, number, n) + _AT.pack(at))
        return memoryview(data)[n:] if n < size else None

    def _release(self) -> None:
        """Room in the ring: what was held for it goes in, in order, as far as it fits."""
        held = self.held
        while held:
            number, data = held[0]
            if number is None:
                held.popleft()
                self._pipe(data)
                continue
            rest = self._put(number, data)
            if rest is not None:
                self.held_bytes -= len(data) - len(rest)
                held[0] = (number, rest)
                return
            held.popleft()
            self.held_bytes -= len(data)

    # ------------------------------------------------------------ the pipe's own queue

    def _pipe(self, frame: bytes) -> None:
        if self.dead is not None:
            return
        pieces: list[bytes | memoryview] = [frame]
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
                self.queued += len(piece)
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
        self.queued -= written
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
            if kind == ACK:
                self._took(_TAKEN.unpack_from(inbox, _HEAD.size)[0])
                del inbox[:end]
                self._release()
                self._wake()
                if self.touched:
                    self._wait_idle(restart=self.written == self.taken)
                continue
            payload = pickle.loads(memoryview(inbox)[_HEAD.size : end])
            del inbox[:end]
            self._deliver(kind, number, payload)

    def _took(self, taken: int) -> None:
        """The checker has taken the ring's bytes up to ``taken``: their segments go."""
        self.taken = taken
        segments = self.segments
        while segments and segments[0][1] <= taken:
            start, end, _, dead = segments.popleft()
            if dead:
                self.abandoned_bytes -= end - start
        if segments and segments[0][0] < taken:
            first = segments[0]
            if first[3]:
                self.abandoned_bytes -= taken - first[0]
            first[0] = taken

    # ------------------------------------------------------------ the ring's pages, given back

    def _wait_idle(self, restart: bool = False) -> None:
        """The ring's pages go back once nothing has been written for ``release_after`` s and the
        checker has taken everything. One timer at a time, started by an ACK (never one per piece);
        ``restart``: the ACK that empties the ring, from which the pause is counted."""
        if self.release_after is None or self.dead is not None:
            return
        if self._idle is not None:
            if not restart:
                return
            self._idle.cancel()
        self._idle = self.loop.call_later(self.release_after, self._on_idle, self.written)

    def _on_idle(self, written: int) -> None:
        self._idle = None
        if self.dead is not None:
            return
        if self.written != written:
            self._wait_idle()  # written to meanwhile: the pause starts now
        elif self.written == self.taken:
            self.give_back()
        else:
            # Nothing written for the delay, but the checker has not said it took the last bytes:
            # it says so every step and at an exchange's end, and a WebSocket session stays open
            # for as long as the client likes. Asked, its ACK starts the wait again.
            self._send(_HEAD.pack(SYNC, 0, 0))

    def give_back(self) -> None:
        """The pages of the ring written to (the checker has taken everything: nothing in them is
        needed) are freed, in both processes: the next bytes go into fresh zeroed pages."""
        if not self.touched or self.written != self.taken or _MADV_REMOVE is None:
            return
        try:
            self.ring.madvise(_MADV_REMOVE, 0, -(-self.touched // _PAGE) * _PAGE)
        except (OSError, ValueError):  # not a memfd (another system's temporary file): keep them
            self.release_after = None
            return
        self.touched = 0

    @property
    def memory_in_use(self) -> int:
        """Bytes of the shared memory (ring and control page) that take memory now."""
        return os.fstat(self.memory).st_blocks * 512

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
        self._forget()
        self._wake()
        for number in list(self.waiting):
            self._lost(number, self.dead)

    # ------------------------------------------------------------ the end

    async def aclose(self, timeout: float = 10.0) -> None:
        """Once every exchange has its result: the process ends when it reads the last frame."""
        if self.dead is None:
            self._send(_HEAD.pack(QUIT, 0, 0))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.drained(0), timeout)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.loop.run_in_executor(None, self.process.wait), timeout)
        self.kill()

    def kill(self) -> None:
        """Ends the process (if it still runs) and lets go of its pipes and ring. An exchange
        still in flight (the proxy stopped before it ended) is reported unchecked, and its
        pieces go nowhere: the ring they would be copied into is gone."""
        if self.dead is None:
            self.dead = "the checker process was stopped before the exchange ended (the proxy shut down)"
        self._forget()
        self._wake()
        for number in list(self.waiting):
            self._lost(number, self.dead)
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        with contextlib.suppress(ValueError, RuntimeError):
            self.loop.remove_reader(self.from_child)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for fd in (self.to_child, self.from_child, self.notices, self.memory):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.to_child = self.from_child = self.notices = self.memory = -1
        self.ring.close()
        self.control.close()

    def _forget(self) -> None:
        """Nothing more goes to the process: what waits for it is dropped."""
        self._stop_writing()
        self.queue.clear()
        self.held.clear()
        self.queued = self.held_bytes = self.abandoned_bytes = 0
        self.segments.clear()
        self.written = self.taken


def _boot_command(*args: str) -> list[str]:
    """The command line that runs this module as the checker process, with ``args``."""
    root = Path(__file__).resolve().parents[3]
    first = bool(sys.path) and Path(sys.path[0] or os.curdir).resolve() == root
    return [sys.executable, "-c", _BOOT, str(root), "1" if first else "0", __name__, *args]


def _shared_memory(size: int) -> int:
    """A file descriptor of ``size`` bytes of memory to share with the checker process: a memfd
    (Linux), else an unlinked temporary file."""
    create = getattr(os, "memfd_create", None)
    if create is not None:
        fd = create("llm-stream-validator-checker", os.MFD_CLOEXEC)
    else:
        with tempfile.TemporaryFile() as file:
            fd = os.dup(file.fileno())
    try:
        os.ftruncate(fd, size)
    except OSError:
        os.close(fd)
        raise
    return fd


def _main() -> None:
    """The checker process: the pipe on standard input and output (anything printed goes to
    stderr), the ring's file descriptor as its argument."""
    # A service manager may signal every process of the service, not only the proxy: the proxy
    # stops this process (its QUIT frame, or the pipe closing when the proxy is gone) once the
    # exchanges in flight are checked; the signal here would only cut those checks short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    shared, notices = int(sys.argv[1]), int(sys.argv[2])
    ring_size = os.fstat(shared).st_size - _PAGE
    ring = mmap.mmap(shared, ring_size)
    control = mmap.mmap(shared, _PAGE, offset=ring_size)
    os.close(shared)
    os.set_blocking(notices, False)
    inbox = os.fdopen(os.dup(0), "rb", buffering=_PIPE_SIZE)
    out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _serve(inbox, out, ring, _Abandoned(control, notices))


if __name__ == "__main__":
    _main()
