"""Running the proxy until SIGINT/SIGTERM, then writing the reports: what ``proxy`` does once its
options are parsed (:mod:`.command` only parses them).

The reports are the ones ``check`` and ``probe`` write, asked for with the same options
(:class:`~validator.reporting.outputs.ReportRequest`) and written by the same function
(:func:`~validator.reporting.outputs.write_reports`) from a name→class table
(:data:`PROXY_REPORTERS`). The formats a reader wants while the traffic flows (text, concise,
github) are written exchange by exchange, to standard output or ``-o FILE``, as each ends; the
others are one document when the proxy stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import IO

from validator.reporting.outputs import ReportRequest, ReportWriteError, use_color, write_reports
from validator.reporting.reporters.base import Reporter
from validator.tools.proxy.console import PROXY_REPORTERS, STREAMED_FORMATS, Console, report_of
from validator.tools.proxy.exchange import ExchangeResult
from validator.tools.proxy.server import ProxyConfig, ValidatingProxy

__all__ = ["serve"]


def serve(config: ProxyConfig, report: ReportRequest, fail_on_findings: bool) -> int:
    """Run the proxy; the exit code: 0, 1 (``fail_on_findings`` and an error finding), 2 (the
    address cannot be listened on, a report cannot be written)."""
    main = report.format or "text"
    streamed = main in STREAMED_FORMATS
    with contextlib.ExitStack() as stack:
        out: IO[str] = sys.stdout
        if streamed and report.output:
            # The main report, written exchange by exchange, goes to its file as they end.
            try:
                out = stack.enter_context(open(report.output, "w", encoding="utf-8"))
            except OSError as exc:
                sys.stderr.write(f"error: cannot write {report.output}: {exc.strerror or exc}\n")
                return 2
        console = Console(
            out,
            sys.stderr,
            main if streamed else None,
            config.options,
            color=use_color(report.color, out),
            verbose=report.verbose,
            quiet=report.quiet,
        )
        try:
            return asyncio.run(_serve(config, console, report, fail_on_findings))
        except OSError as exc:  # the address cannot be listened on
            sys.stderr.write(f"error: {exc.strerror or exc}\n")
            return 2


async def _serve(
    config: ProxyConfig, console: Console, request: ReportRequest, fail_on_findings: bool
) -> int:
    try:
        proxy = ValidatingProxy(config, on_result=console.exchange, on_live=console.live)
    except ValueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    await proxy.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    sys.stderr.write(
        f"proxy: listening on {proxy.url}, forwarding to {config.upstream}\n"
        f"proxy: point the client at {proxy.url} (OpenAI SDKs: base_url={proxy.url}/v1); "
        "Ctrl-C to stop and report\n"
    )
    if config.upstream_insecure:
        sys.stderr.write(
            "proxy: WARNING: --upstream-insecure: the upstream's certificate is not verified; whoever "
            "answers in its place gets the requests, API keys included\n"
        )
    sys.stderr.flush()
    await stop.wait()
    stop.clear()
    if proxy.in_flight and not request.quiet:
        sys.stderr.write(f"proxy: stopping; {proxy.in_flight} exchange(s) in flight (again: stop now)\n")
    waiting = asyncio.ensure_future(proxy.stop())
    forced = asyncio.ensure_future(stop.wait())
    await asyncio.wait({waiting, forced}, return_when=asyncio.FIRST_COMPLETED)
    if not waiting.done():
        waiting.cancel()
    forced.cancel()
    for sig in signals:
        loop.remove_signal_handler(sig)
    results: list[ExchangeResult] = sorted(proxy.results, key=lambda r: r.number)
    for result in results:
        result.url = config.upstream
    code = _write_reports(results, config, request, console)
    if code:
        return code
    failing = [r for r in results if r.has_errors()]
    if not request.quiet:
        sys.stderr.write(
            f"proxy: {len(results)} exchange(s) checked, {len(failing)} with error findings, "
            f"{sum(not r.checked for r in results)} unchecked\n"
        )
    return 1 if fail_on_findings and failing else 0


def _write_reports(
    results: list[ExchangeResult], config: ProxyConfig, request: ReportRequest, console: Console
) -> int:
    """The reports written at the end: every one but a main report already written exchange by exchange."""
    outputs = request.outputs()
    if console.fmt is not None:
        outputs = outputs[1:]  # the main report: written exchange by exchange already
    writers: list[tuple[type[Reporter], str | None]] = [(PROXY_REPORTERS[fmt], path) for fmt, path in outputs]
    report = report_of(results, config.options)
    try:
        write_reports(report, writers, request)
    except ReportWriteError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    console.summarise(report)
    return 0
