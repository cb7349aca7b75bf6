"""Test harness for the proxy: the proxy and small aiohttp upstreams, each on its own event loop
thread, on 127.0.0.1 with OS-assigned ports, always shut down."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from aiohttp import web

from validator.tools.proxy.exchange import ExchangeResult
from validator.tools.proxy.server import ProxyConfig, ValidatingProxy

TIMEOUT = 20.0


class LoopThread:
    """An event loop running in a daemon thread; ``run(coro)`` waits for a coroutine's result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Awaitable[Any], timeout: float = TIMEOUT) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        self.loop.close()


class RunningProxy:
    def __init__(self, proxy: ValidatingProxy, thread: LoopThread) -> None:
        self.proxy = proxy
        self.thread = thread

    @property
    def url(self) -> str:
        return self.proxy.url

    @property
    def results(self) -> list[ExchangeResult]:
        return sorted(self.proxy.results, key=lambda r: r.number)

    def wait_results(self, n: int, timeout: float = TIMEOUT) -> list[ExchangeResult]:
        """The results once ``n`` exchanges have ended (they end as their last byte is sent)."""
        deadline = time.monotonic() + timeout
        while len(self.proxy.results) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.proxy.results)} of {n} exchanges ended in {timeout} s")
            time.sleep(0.01)
        return self.results


@contextlib.contextmanager
def running_proxy(upstream: str, on_live: Any = None, **config: Any) -> Iterator[RunningProxy]:
    thread = LoopThread()
    proxy = ValidatingProxy(ProxyConfig(upstream, port=0, **config), on_live=on_live)
    try:
        thread.run(proxy.start())
        yield RunningProxy(proxy, thread)
    finally:
        with contextlib.suppress(Exception):
            thread.run(proxy.stop(timeout=5))
        thread.close()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.contextmanager
def aio_upstream(routes: dict[str, Handler], tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """An aiohttp server answering ``routes`` (path -> handler, any method), over TLS with ``tls``;
    yields its base URL."""
    thread = LoopThread()
    app = web.Application(client_max_size=1 << 30)
    for path, handler in routes.items():
        app.router.add_route("*", path, handler)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1)

    async def start() -> int:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    try:
        port = thread.run(start())
        yield f"{'https' if tls is not None else 'http'}://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(Exception):
            thread.run(runner.cleanup())
        thread.close()


def sdk_websocket_turn(connection: Any) -> list[str]:
    """One response through the openai SDK's WebSocket connection (``client.responses.connect()``):
    a ``response.create`` sent, the types of the events that answer it, up to response.completed."""
    connection.response.create(model="m", input="hi")
    types = []
    for event in connection:
        types.append(event.type)
        if event.type == "response.completed":
            break
    return types
