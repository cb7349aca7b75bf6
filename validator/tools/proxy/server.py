"""The validating proxy: an aiohttp server in front of the upstream, checking as bytes flow.

Every request is forwarded to the upstream (method, path and query as sent, headers but the
hop-by-hop ones, body); the answer comes back with its status, headers and body bytes
unchanged, each piece written to the client as soon as it arrives from the upstream, and only
then given to the checker (:mod:`.worker`). The framing of the body is kept: a chunked
answer is chunked, a close-delimited one is close-delimited, a Content-Length is kept. Both
sides are aiohttp's: its C parser reads the upstream's chunked framing faster than Python code
could, one chunk per SSE event being how servers send (a proxy of its own reading the framing in
Python cost 15% more CPU per MB on such traffic, see bench/bench_proxy.py --per-event).

The upstream failing is passed on as the client would see it without the proxy, as far as
a proxy can: no answer at all (refused, timed out) becomes a 502 with an error body in the
API's shape; a reset or a timeout mid-body cuts the client's connection at the same byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from validator.engine import CheckOptions
from validator.model.findings import Finding
from validator.tools.proxy.exchange import ExchangeResult, ws_message
from validator.tools.proxy.save import Saver, redact_target
from validator.tools.proxy.traffic import Route, options_for, recognise
from validator.tools.proxy.worker import RELEASE_AFTER, InlineChecker, ProcessChecker

__all__ = ["ProxyConfig", "ValidatingProxy"]

#: Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not the message.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
#: Set by aiohttp from the connection and the body; never copied from the other side.
_REQUEST_SKIP = HOP_BY_HOP | {"host", "content-length"}
_WS_HANDSHAKE = frozenset(
    {"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol"}
)
#: Headers aiohttp's client adds when absent: the proxy adds nothing the client did not send.
_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
_UPSTREAM_ERROR = "x-llm-stream-validator-proxy"


class _CloseDelimited(web.StreamResponse):
    """A response whose body ends when the connection closes (no Content-Length, not chunked),
    for an upstream answer framed that way. aiohttp would chunk it for an HTTP/1.1 client; its
    WebSocket response turns that off the same way."""

    _length_check = False


@dataclass
class ProxyConfig:
    upstream: str
    host: str = "127.0.0.1"
    port: int = 8787
    options: CheckOptions = field(default_factory=CheckOptions)
    save_dir: Path | None = None
    #: Seconds to wait for the upstream's connection and between two reads of its answer.
    connect_timeout: float = 30.0
    read_timeout: float = 600.0
    #: Check in a separate process (forwarding never waits for the checker); False: in the loop.
    check_process: bool = True
    #: Bytes forwarded but not yet taken by the checker process, at most (all exchanges together).
    check_backlog: int = 128 << 20
    #: Past that bound: "wait" reads from the upstream only as fast as the checker takes the
    #: bytes (the stream slows down, every byte is checked); "skip" forwards at full speed and
    #: reports the exchange's check incomplete (UNCHECKED, with the byte it stopped at).
    when_behind: str = "wait"
    #: Seconds the checker's ring stays empty before its pages are given back (not an option:
    #: tests shorten it).
    ring_release_after: float = RELEASE_AFTER
    #: An https:// upstream: certificates to trust besides the system's (PEM: a private CA, a
    #: bundle, a self-signed certificate), or no verification at all (``upstream_insecure``).
    upstream_ca: Path | None = None
    upstream_insecure: bool = False


class ValidatingProxy:
    """``await proxy.start()`` listens; every checked exchange's result goes to ``on_result``
    (and into :attr:`results`); ``await proxy.stop()`` lets the exchanges in flight finish."""

    def __init__(
        self,
        config: ProxyConfig,
        on_result: Callable[[ExchangeResult], None] | None = None,
        on_live: Callable[[int, list[Finding]], None] | None = None,
        log: IO[str] | None = None,
    ) -> None:
        self.config = config
        base = URL(config.upstream)
        if base.scheme not in ("http", "https") or not base.host:
            raise ValueError(f"upstream must be an http:// or https:// URL, not {config.upstream!r}")
        self.base = base
        self.prefix = base.raw_path.rstrip("/")
        self.tls = _upstream_tls(config)
        self.on_result = on_result
        self.on_live = on_live
        self.log = log if log is not None else sys.stderr
        self.results: list[ExchangeResult] = []
        self.saver = Saver(config.save_dir) if config.save_dir is not None else None
        self._number = 0
        self._in_flight: set[asyncio.Task[Any]] = set()
        #: Exchanges forwarded whose check is still running.
        self._checking: set[asyncio.Task[Any]] = set()
        #: When each exchange began, by number: its duration is the client's, not the checker's.
        self._began: dict[int, float] = {}
        self.checker: ProcessChecker | InlineChecker = InlineChecker(self._live)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        host = self.config.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    @property
    def in_flight(self) -> int:
        """Calls being answered or checked now."""
        return len(self._in_flight) + len(self._checking)

    # ------------------------------------------------------------ life cycle

    async def start(self) -> None:
        if self.config.check_process:
            try:
                self.checker = self._checker_process()
            except OSError as exc:
                self.log.write(f"proxy: no checker process ({exc}); checking in the proxy itself\n")
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self.config.connect_timeout, sock_read=self.config.read_timeout
        )
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=False, ssl=self.tls),
            timeout=timeout,
            auto_decompress=False,
            skip_auto_headers=_AUTO_HEADERS,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        app = web.Application(client_max_size=1 << 30)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # aiohttp logs every client that goes away mid-answer as an error: it is not one here.
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await self._site.start()
        server = self._site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.config.port

    async def stop(self, timeout: float | None = None) -> None:
        """Stop listening, let the exchanges in flight finish (at most ``timeout`` s), close."""
        if self._site is not None:
            await self._site.stop()
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=timeout)
        if self._checking:
            await asyncio.wait(set(self._checking), timeout=timeout)
        await self.checker.aclose()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def _revive_checker(self) -> None:
        """A checker process that died (its exchanges are reported unchecked) is replaced."""
        checker = self.checker
        if isinstance(checker, ProcessChecker) and checker.dead is not None:
            self.log.write(f"proxy: {checker.dead}; starting a new one\n")
            checker.kill()
            self.checker = self._checker_process()

    def _checker_process(self) -> ProcessChecker:
        # Its ring holds the whole bound: the backlog waits there, not in the proxy's heap.
        return ProcessChecker(
            asyncio.get_running_loop(),
            self._live,
            self.config.check_backlog,
            release_after=self.config.ring_release_after,
        )

    def _next(self) -> int:
        self._number += 1
        return self._number

    def _live(self, number: int, findings: list[Finding]) -> None:
        if self.on_live is not None:
            try:
                self.on_live(number, findings)
            except Exception as exc:  # the console must not break the traffic
                self.log.write(f"proxy: cannot report findings of exchange #{number}: {exc}\n")

    def _done(self, result: ExchangeResult) -> None:
        self.results.append(result)
        if self.on_result is not None:
            try:
                self.on_result(result)
            except Exception as exc:  # the console must not break the traffic either
                self.log.write(f"proxy: cannot report exchange {result.label}: {exc}\n")

    # ------------------------------------------------------------ HTTP

    def _upstream_url(self, request: web.Request) -> URL:
        # The path and query exactly as the client sent them (not re-encoded), under the upstream's.
        return URL(str(self.base.origin()) + self.prefix + request.raw_path, encoded=True)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        route = recognise(request.method, request.raw_path, request.headers)
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            if request.headers.get("upgrade", "").lower() == "websocket":
                return await self._websocket(request, route)
            return await self._forward(request, route)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    def _request_headers(
        self, request: web.Request, skip: frozenset[str] = _REQUEST_SKIP
    ) -> CIMultiDict[str]:
        headers: CIMultiDict[str] = CIMultiDict()
        for key, value in request.headers.items():
            if key.lower() not in skip:
                headers.add(key, value)
        return headers

    async def _forward(self, request: web.Request, route: Route | None) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        number: int | None = None
        if route is not None:
            number = self._next()
            self._began[number] = time.monotonic()
            self._revive_checker()
            options = options_for(self.config.options, route)
            self.checker.open(number, request.method, _shown(request), body, options, self.config.save_dir)
        # The checker this exchange was opened on, to its end (a dead one is replaced for the next).
        checker = self.checker
        try:
            upstream = await self._session.request(
                request.method,
                self._upstream_url(request),
                headers=self._request_headers(request),
                data=body if body else None,
                allow_redirects=False,
                compress=None,
            )
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            reason = _unreachable(exc)
            if number is not None:
                note = f"upstream failed before answering: {reason}"
                self._complete(checker, number, request, body, None, None, note)
            return _bad_gateway(f"the proxy could not reach the upstream {self.base}: {reason}")
        async with upstream:
            return await self._relay(request, upstream, checker, number, body)

    async def _relay(
        self,
        request: web.Request,
        upstream: aiohttp.ClientResponse,
        checker: ProcessChecker | InlineChecker,
        number: int | None,
        body: bytes,
    ) -> web.StreamResponse:
        headers: CIMultiDict[str] = CIMultiDict()
        for key, value in upstream.headers.items():
            if key.lower() not in HOP_BY_HOP:
                headers.add(key, value)
        chunked = "chunked" in upstream.headers.get("transfer-encoding", "").lower()
        if chunked:
            headers.popall("Content-Length", None)  # chunked framing overrides it (RFC 9112 §6.3)
        length = upstream.headers.get("content-length")
        delimited_by_close = (
            not chunked
            and length is None
            and request.method != "HEAD"
            and upstream.status not in (204, 304)
            and upstream.status >= 200
        )
        response = (_CloseDelimited if delimited_by_close else web.StreamResponse)(
            status=upstream.status, reason=upstream.reason, headers=headers
        )
        if delimited_by_close or upstream.headers.get("connection", "").lower() == "close":
            response.force_close()
        if chunked:
            response.enable_chunked_encoding()
        if number is not None:
            checker.start(
                number,
                upstream.status,
                upstream.headers.get("content-type", ""),
                upstream.headers.get("content-encoding", ""),
            )
        checking = number is not None
        note: str | None = None
        client_gone = False
        try:
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                try:
                    await response.write(chunk)
                except (ConnectionError, aiohttp.ClientConnectionResetError):
                    client_gone = True
                    note = "the client went away mid-answer"
                    break
                if checking:
                    checking = await self._hand_over(checker, number, chunk)  # type: ignore[arg-type]
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            note = f"upstream broke off the answer: {_reason(exc)}"
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
            note = f"upstream sent nothing for {self.config.read_timeout:g} s; answer cut off"
        except (ConnectionError, aiohttp.ClientConnectionResetError):
            client_gone = True
            note = "the client went away mid-answer"
        if note is None:
            with contextlib.suppress(ConnectionError, aiohttp.ClientConnectionResetError):
                await response.write_eof()
        else:
            # The client sees the break as it would without the proxy: the connection ends mid-body.
            transport = request.transport
            if transport is not None:
                transport.abort()
        if number is not None:
            self._complete(
                checker, number, request, body, upstream.status, upstream.headers, note, client_gone
            )
        return response

    async def _hand_over(self, checker: ProcessChecker | InlineChecker, number: int, data: bytes) -> bool:
        """``data`` to the checker, once it is on its way to the other side: the check never delays
        a byte the proxy has, only (past --check-backlog, with "wait") the reading of the next one.
        With "skip", past the bound the exchange is checked no further: what of it still waits for
        the checker is dropped, and its result says up to where it was checked. Whether it is
        still checked."""
        checker.feed(number, data)
        limit = self.config.check_backlog
        if checker.backlog <= limit:
            return True
        if self.config.when_behind == "wait":
            # Down to three quarters: resuming at every MB the checker takes would cost a
            # wake-up per piece; this lets a quarter of the bound through at once.
            await checker.drained(limit - limit // 4)
            return True
        checker.abandon(number, limit)
        return False

    def _complete(
        self,
        checker: ProcessChecker | InlineChecker,
        number: int,
        request: web.Request,
        body: bytes,
        status: int | None,
        response_headers: Any,
        note: str | None,
        client_gone: bool = False,
    ) -> None:
        """The exchange is over for the client: its check finishes in the background."""
        pending = checker.finish(number, note, client_gone)
        seconds = time.monotonic() - self._began.pop(number, time.monotonic())
        saved = {
            "method": request.method,
            "target": request.raw_path,
            "request_headers": list(request.headers.items()),
            "request_body": body,
            "status": status,
            "response_headers": list(response_headers.items()) if response_headers is not None else [],
            "note": note,
            "client_gone": client_gone,
        }
        task = asyncio.ensure_future(self._record(pending, saved, seconds))
        self._checking.add(task)
        task.add_done_callback(self._checking.discard)

    async def _record(
        self, pending: asyncio.Future[ExchangeResult], saved: dict[str, Any], seconds: float
    ) -> None:
        result = await pending
        result.seconds = seconds
        if self.saver is not None:
            try:
                meta = self.saver.write_exchange(
                    result.number,
                    body_file=Path(result.saved[0]).name if result.saved else None,
                    unchecked=None if result.checked else result.error,
                    **saved,
                )
                result.saved.append(str(meta))
            except OSError as exc:
                self.log.write(f"proxy: cannot save exchange {result.label}: {exc}\n")
        if result.trace:
            self.log.write(f"proxy: {result.label}: {result.error}\n{result.trace}")
        self._done(result)

    # ------------------------------------------------------------ WebSocket

    async def _websocket(self, request: web.Request, route: Route | None) -> web.StreamResponse:
        assert self._session is not None
        protocols = [
            p.strip() for p in request.headers.get("sec-websocket-protocol", "").split(",") if p.strip()
        ]
        url = self._upstream_url(request).with_scheme("wss" if self.base.scheme == "https" else "ws")
        try:
            upstream = await self._session.ws_connect(
                url,
                headers=self._request_headers(request, _REQUEST_SKIP | _WS_HANDSHAKE),
                protocols=protocols,
                autoping=True,
                max_msg_size=0,
                compress=0,
            )
        except aiohttp.WSServerHandshakeError as exc:
            return web.Response(status=exc.status, text=exc.message or "")
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return _bad_gateway(f"the proxy could not reach the upstream {self.base}: {_unreachable(exc)}")
        number: int | None = None
        checker = self.checker
        if route is not None:
            number = self._next()
            self._began[number] = time.monotonic()
            self._revive_checker()
            checker = self.checker
            options = options_for(self.config.options, route)
            checker.open_websocket(number, _shown(request), options, self.config.save_dir)
        client = web.WebSocketResponse(
            protocols=[upstream.protocol] if upstream.protocol else (), autoping=True, max_msg_size=0
        )
        await client.prepare(request)
        checking = number is not None

        async def pump(source: Any, sink: Any) -> None:
            nonlocal checking
            async for msg in source:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    await sink.send_str(msg.data)
                    if checking:
                        # In the order the proxy passed the messages on: the transcript's lines.
                        checking = await self._hand_over(checker, number, ws_message(msg.data))  # type: ignore[arg-type]
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    await sink.send_bytes(msg.data)
                else:
                    break
            with contextlib.suppress(Exception):
                await sink.close(code=source.close_code or aiohttp.WSCloseCode.OK)

        note = None
        try:
            await asyncio.gather(pump(client, upstream), pump(upstream, client))
        except (ConnectionError, aiohttp.ClientError) as exc:
            note = f"WebSocket broke off: {_reason(exc)}"
        finally:
            await upstream.close()
            if number is not None:
                self._complete(checker, number, request, b"", 101, None, note)
        return client


def _upstream_tls(config: ProxyConfig) -> ssl.SSLContext | bool:
    """How an https:// upstream's certificate is verified: aiohttp's default (True: the system's
    certificates, or SSL_CERT_FILE's), those plus ``upstream_ca``'s, or not at all (False)."""
    if config.upstream_insecure:
        return False
    if config.upstream_ca is None:
        return True
    context = ssl.create_default_context()
    try:
        context.load_verify_locations(cafile=config.upstream_ca)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise ValueError(
            f"--upstream-ca {config.upstream_ca}: no PEM certificate read from it ({reason})"
        ) from exc
    # As aiohttp's own context: the proxy speaks HTTP/1.1 to the upstream.
    context.set_alpn_protocols(("http/1.1",))
    return context


def _unreachable(exc: BaseException) -> str:
    """Why the upstream could not be reached; for a certificate, what to do about it."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        error = exc.certificate_error
        detail = getattr(error, "verify_message", None) or _reason(error)
        return (
            f"its TLS certificate was not accepted ({detail}); to trust a private CA or a self-signed "
            "certificate, start the proxy with --upstream-ca FILE"
        )
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return f"the TLS handshake failed ({_reason(exc.os_error)}): does the upstream speak TLS there?"
    return _reason(exc)


def _shown(request: web.Request) -> str:
    """The target as every report shows it (console, JUnit, findings, a dead checker's stand-in
    result): a secret in its query redacted, as in the saved record, once, where it comes in."""
    return redact_target(request.raw_path)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0] if text else type(exc).__name__


def _bad_gateway(message: str) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": "upstream_unreachable", "param": None, "code": None}},
        status=502,
        headers={_UPSTREAM_ERROR: "upstream-unreachable"},
    )
