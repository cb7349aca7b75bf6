"""The proxy's HTTP/1.1 client to the upstream: an answer's body read as the bytes on the wire.

aiohttp's client (the proxy's before) decodes the chunked framing into pieces, joins what it
holds at each read and, on the way out, aiohttp's server frames each piece again: three copies
of every byte and a framing that is the proxy's, not the upstream's. Here the body is passed on
exactly as it came off the socket, framing included (chunk sizes, extensions, trailers), and the
chunked framing is only parsed: to know where the body ends, and to hand the checker the decoded
bytes as views into what was read (:class:`Dechunker`, nothing copied).

Connections are kept for the next request to the same upstream (an HTTPS one costs a handshake);
one that turns out closed before any byte of its answer is retried once on a new connection.
WebSocket sessions do not come here (aiohttp's client serves them).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass

from yarl import URL

__all__ = ["Answer", "Dechunker", "UpstreamBroke", "UpstreamClient"]

#: At most this much in one read from the upstream's socket, once reads fill asyncio's 256 KB.
_READ_SIZE = 1 << 20
_SMALL_READ = 1 << 18
#: Reading from the upstream pauses while this much waits to be passed on.
_HIGH_WATER = 2 << 20
#: Kept connections to the upstream, at most (more at once are closed when their answer ends).
_MAX_IDLE = 64
#: A response head (status line and headers), a chunk-size line, the trailers: at most this long.
_MAX_HEAD = 1 << 16
_HEX = b"0123456789abcdefABCDEF"
#: Methods whose request carries no Content-Length when it has no body (as aiohttp's client).
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "CONNECT"})


class UpstreamBroke(Exception):
    """The upstream's connection ended, or sent what is not HTTP, before the answer was whole."""


class _Connection(asyncio.Protocol):
    """One connection to the upstream: what it receives waits in ``pending`` for the reader,
    reading paused while too much waits (TCP's flow control slows the upstream down)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.pending: list[bytes] = []
        self.size = 0
        self.ended = False
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.paused = False
        self.sized = False
        #: Bytes received for the request in flight: a kept connection that ends before any byte
        #: of its answer is retried.
        self.received = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        # The selector transports read up to ``max_size`` at a time; others keep their own size.
        self.sized = isinstance(getattr(transport, "max_size", None), int)

    def data_received(self, data: bytes) -> None:
        if self.sized:
            # A read that filled its buffer (a fast answer, more waiting): the next may take up
            # to 1 MB, not asyncio's 256 KB, so a fast answer comes in a quarter of the reads,
            # and of what is done once per read (the send, the wake-up, the frame to the
            # checker): the proxy's CPU per MB 0.93 -> 0.66 ms (bench_proxy's 64 MB transcript).
            # Otherwise back to 256 KB: each read allocates its size first, and a slow stream's
            # small reads would pay for a fresh megabyte each.
            transport = self.transport
            transport.max_size = _READ_SIZE if len(data) >= transport.max_size else _SMALL_READ  # type: ignore[union-attr]
        self.pending.append(data)
        self.size += len(data)
        self.received += len(data)
        if self.size > _HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        if exc is not None:
            self.error = exc
        self._wake()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def take(self, timeout: float) -> list[bytes]:
        """What has arrived since the last call (waiting up to ``timeout`` s for something);
        empty once the connection has ended; a reset raises."""
        if not self.pending and not self.ended:
            self.waiter = self.loop.create_future()
            timer = self.loop.call_later(timeout, _expire, self.waiter)
            try:
                await self.waiter
            finally:
                timer.cancel()
                self.waiter = None
        pieces = self.pending
        if pieces:
            self.pending = []
            self.size = 0
            if self.paused and self.transport is not None:
                self.paused = False
                self.transport.resume_reading()
            return pieces
        if self.error is not None:
            raise UpstreamBroke(_reason(self.error))
        return pieces

    @property
    def reusable(self) -> bool:
        return (
            not self.ended
            and not self.pending
            and self.transport is not None
            and not self.transport.is_closing()
        )

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(asyncio.TimeoutError())


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class Dechunker:
    """The chunked framing (RFC 9112 §7.1) parsed as it flows: ``feed`` takes the bytes as read
    and gives the chunks' data in them (views, not copies) and how many of the bytes belong to
    the body (all but what follows its end). Extensions and trailers are skipped, not judged."""

    _SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)

    def __init__(self) -> None:
        self.state = self._SIZE
        self.left = 0
        self.line = b""

    @property
    def done(self) -> bool:
        return self.state == self._DONE

    def feed(self, data: bytes) -> tuple[list[memoryview], int]:
        out: list[memoryview] = []
        view = memoryview(data)
        at, end = 0, len(data)
        while at < end:
            state = self.state
            if state == self._DATA:
                n = min(self.left, end - at)
                out.append(view[at : at + n])
                at += n
                self.left -= n
                if not self.left:
                    self.state = self._DATA_END
                continue
            if state == self._DONE:
                break
            # A line: the chunk size, the CRLF after a chunk's data, a trailer line.
            stop = data.find(b"\n", at)
            if stop < 0:
                self.line += data[at:]
                if len(self.line) > _MAX_HEAD:
                    raise UpstreamBroke("a chunked body line longer than 64 KB")
                return out, end
            line = (self.line + data[at:stop]) if self.line else data[at:stop]
            self.line = b""
            at = stop + 1
            line = line.rstrip(b"\r")
            if state == self._SIZE:
                digits = line.split(b";", 1)[0].rstrip(b" \t")
                if not digits or digits.strip(_HEX):
                    raise UpstreamBroke(f"not a chunk size: {line[:40]!r}")
                self.left = int(digits, 16)
                self.state = self._DATA if self.left else self._TRAILER
            elif state == self._DATA_END:
                if line:
                    raise UpstreamBroke("a chunk longer than its size")
                self.state = self._SIZE
            elif not line:  # the blank line after the trailers
                self.state = self._DONE
        return out, at


@dataclass
class Answer:
    """The upstream's answer: its head, and its body as read (``body()``)."""

    status: int
    reason: str
    version: tuple[int, int]
    #: As received, in order (names keep their case; values decoded as aiohttp's client does).
    headers: list[tuple[str, str]]
    #: "none" (HEAD, 1xx, 204, 304), "length", "chunked" or "close" (the body ends with the connection).
    framing: str
    length: int
    connection: _Connection
    client: UpstreamClient
    key: tuple[str, str, int]
    #: What came after the head in the same read.
    rest: bytes
    read_timeout: float
    complete: bool = False

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    async def body(self) -> AsyncIterator[tuple[bytes, list[memoryview] | None]]:
        """(bytes as received, the body's data in them when the framing is chunked) until the
        body ends; a reset, a timeout or an end before the framing's raises."""
        framing = self.framing
        if framing == "none" or (framing == "length" and not self.length):
            self.complete = not self.rest
            return
        dechunker = Dechunker() if framing == "chunked" else None
        left = self.length
        pieces = [self.rest] if self.rest else []
        self.rest = b""
        while True:
            if not pieces:
                pieces = await self.connection.take(self.read_timeout)
                if not pieces:
                    if framing == "close":
                        self.complete = True
                        return
                    raise UpstreamBroke("the upstream closed the connection before the end of the answer")
            for data in pieces:
                if dechunker is not None:
                    decoded, used = dechunker.feed(data)
                    yield (data if used == len(data) else data[:used]), decoded
                    if dechunker.done:
                        self.complete = used == len(data)  # bytes past the end: not reused
                        return
                elif framing == "length":
                    if len(data) >= left:
                        yield (data if len(data) == left else data[:left]), None
                        self.complete = len(data) == left
                        return
                    left -= len(data)
                    yield data, None
                else:
                    yield data, None
            pieces = []

    def release(self) -> None:
        """Done with the answer: its connection goes back to the pool if it can serve another."""
        keep = (
            self.complete
            and self.status != 101  # switched to another protocol: no longer HTTP/1.1
            and self.framing != "close"
            and self.version >= (1, 1)
            and "close" not in (self.header("connection") or "").lower()
            and self.connection.reusable
        )
        idle = self.client.idle.setdefault(self.key, [])
        # Those the upstream has closed meanwhile go (it closes idle ones after its own timeout).
        idle[:] = [c for c in idle if c.reusable]
        if keep and len(idle) < _MAX_IDLE:
            idle.append(self.connection)
        else:
            self.connection.close()


class UpstreamClient:
    """Requests to one upstream, over kept connections."""

    def __init__(self, base: URL, connect_timeout: float, read_timeout: float) -> None:
        self.base = base
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._ssl: ssl.SSLContext | None = None

    async def request(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, head_request: bool
    ) -> Answer:
        """Sends the request (``target`` as given: path and query, already encoded) and reads the
        answer's head. Raises OSError, asyncio.TimeoutError or UpstreamBroke."""
        base = self.base
        host, port = base.raw_host or "", base.port or (443 if base.scheme == "https" else 80)
        key = (base.scheme, host, port)
        lines = [f"{method} {target} HTTP/1.1", f"Host: {_host_header(base)}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if body or method not in _NO_BODY:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")
        while True:
            idle = self.idle.get(key)
            connection = idle.pop() if idle else None
            reused = connection is not None and connection.reusable
            if connection is None or not reused:
                if connection is not None:
                    connection.close()
                    continue
                connection = await self._connect(host, port)
            transport = connection.transport
            assert transport is not None
            connection.received = 0
            transport.write(head + body if len(body) < (1 << 16) else head)
            if len(body) >= (1 << 16):
                transport.write(body)
            try:
                return await self._head(connection, key, head_request)
            except UpstreamBroke:
                # A kept connection the upstream had closed meanwhile: once more on a new one.
                connection.close()
                if reused and connection.received == 0:
                    continue
                raise
            except BaseException:
                connection.close()
                raise

    async def _connect(self, host: str, port: int) -> _Connection:
        loop = asyncio.get_running_loop()
        secure = self.base.scheme == "https"
        if secure and self._ssl is None:
            self._ssl = ssl.create_default_context()
        _, connection = await asyncio.wait_for(
            loop.create_connection(
                lambda: _Connection(loop),
                host,
                port,
                ssl=self._ssl if secure else None,
                server_hostname=host if secure else None,
            ),
            self.connect_timeout,
        )
        return connection

    async def _head(self, connection: _Connection, key: tuple[str, str, int], head_request: bool) -> Answer:
        buffer = b""
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    raise UpstreamBroke("an answer head longer than 64 KB")
                pieces = await connection.take(self.read_timeout)
                if not pieces:
                    raise UpstreamBroke("the upstream closed the connection without an answer")
                buffer += b"".join(pieces)
                continue
            status, reason, version, headers = _parse_head(buffer[:end])
            rest = buffer[end + 4 :]
            if 100 <= status < 200 and status != 101:
                buffer = rest  # an interim answer (100 Continue, 103 Early Hints): the final one follows
                continue
            break
        framing, length = _framing(status, head_request, headers)
        return Answer(
            status, reason, version, headers, framing, length, connection, self, key, rest, self.read_timeout
        )

    def close(self) -> None:
        for connections in self.idle.values():
            for connection in connections:
                connection.close()
        self.idle.clear()


def _host_header(base: URL) -> str:
    host = base.raw_host or ""
    if ":" in host:
        host = f"[{host}]"
    if base.explicit_port and base.port != {"http": 80, "https": 443}.get(base.scheme):
        return f"{host}:{base.port}"
    return host


def _parse_head(raw: bytes) -> tuple[int, str, tuple[int, int], list[tuple[str, str]]]:
    text = raw.decode("utf-8", "surrogateescape")
    first, *lines = text.split("\r\n")
    parts = first.split(" ", 2)
    try:
        protocol, code = parts[0], parts[1]
        major, minor = protocol.removeprefix("HTTP/").split(".")
        version = (int(major), int(minor))
        status = int(code)
        if not protocol.startswith("HTTP/") or len(code) != 3 or not 100 <= status <= 999:
            raise ValueError
    except (IndexError, ValueError):
        raise UpstreamBroke(f"not an HTTP answer: {first[:60]!r}") from None
    headers: list[tuple[str, str]] = []
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            if line[:1] in (" ", "\t") and headers:  # obsolete line folding: one value
                headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
                continue
            raise UpstreamBroke(f"not a header line: {line[:60]!r}")
        headers.append((name, value.strip(" \t")))
    return status, parts[2] if len(parts) > 2 else "", version, headers


def _framing(status: int, head_request: bool, headers: list[tuple[str, str]]) -> tuple[str, int]:
    """How the body ends (RFC 9112 §6.3)."""
    if head_request or status < 200 or status in (204, 304):
        return "none", 0
    codings = [v for k, v in headers if k.lower() == "transfer-encoding"]
    if codings:
        last = ",".join(codings).split(",")[-1].strip().lower()
        return ("chunked", 0) if last == "chunked" else ("close", 0)
    lengths = {v.strip() for k, v in headers if k.lower() == "content-length"}
    if lengths:
        value = lengths.pop() if len(lengths) == 1 else ""
        if not value.isdigit():
            raise UpstreamBroke(f"a Content-Length that is not one number: {sorted(lengths | {value})}")
        return "length", int(value)
    return "close", 0
