"""The ``proxy`` command: parse the options, run the proxy until SIGINT/SIGTERM, write the reports.

aiohttp is an optional extra (``pip install 'llm-stream-validator[proxy]'``); this module
imports it only when the command runs, so that a missing extra is a clear message (exit 2),
not a command that silently disappears.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from validator.catalog import PROFILES
from validator.engine import CheckOptions
from validator.tools.proxy.console import FORMATS

if TYPE_CHECKING:
    from validator.tools.proxy.exchange import ExchangeResult

__all__ = ["proxy_command"]

EXTRA_HINT = "pip install 'llm-stream-validator[proxy]'"


def _selectors(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s.strip() for v in values for s in v.split(",") if s.strip())


@click.command("proxy")
@click.option(
    "--upstream", required=True, metavar="URL", help="The server to forward to, e.g. http://127.0.0.1:8000."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="0: any free port."
)
@click.option(
    "--save",
    "save_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to save every checked exchange in (N.sse / N.json / N.jsonl and N.exchange), "
    "credentials redacted.",
)
@click.option(
    "--profile", type=click.Choice(PROFILES), help="Profile of the checked protocol.  [default: its own]"
)
@click.option("--strict", is_flag=True, help="Warnings fail an exchange too, and strict-only rules report.")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (ids, prefixes, names).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Never these rules.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text, concise, github: each finding as it is found; the others: one document at the end.",
)
@click.option(
    "--junit-xml", type=click.Path(dir_okay=False, path_type=Path), help="Write a JUnit report at exit."
)
@click.option(
    "--sarif", type=click.Path(dir_okay=False, path_type=Path), help="Write a SARIF report at exit."
)
@click.option(
    "--json-report", type=click.Path(dir_okay=False, path_type=Path), help="Write a JSON report at exit."
)
@click.option(
    "--fail-on-findings", is_flag=True, help="Exit 1 if any exchange had an error finding (for CI)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=600.0,
    show_default=True,
    help="Seconds to wait for the upstream between two reads of an answer.",
)
@click.option(
    "--check-backlog",
    type=click.FloatRange(min=0.0625),
    default=128.0,
    show_default=True,
    metavar="MB",
    help="At most this much forwarded traffic waits for the checker process (all exchanges together).",
)
@click.option(
    "--when-behind",
    type=click.Choice(["wait", "skip"]),
    default="wait",
    show_default=True,
    help="Past --check-backlog: wait (read from the upstream only as fast as the checker checks) or "
    "skip (forward at full speed, report the exchange UNCHECKED from that byte).",
)
def proxy_command(
    upstream: str,
    host: str,
    port: int,
    save_dir: Path | None,
    profile: str | None,
    strict: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fmt: str,
    junit_xml: Path | None,
    sarif: Path | None,
    json_report: Path | None,
    fail_on_findings: bool,
    timeout: float,
    check_backlog: float,
    when_behind: str,
) -> None:
    """Forward every request to UPSTREAM unchanged and check the Responses traffic as it flows.

    Point the client's base URL at the address it prints. Each checked exchange ends with a
    line on stderr; SIGINT or SIGTERM lets the exchanges in flight finish, writes the reports
    and exits: 0, or 1 with --fail-on-findings when an exchange had an error finding; 2 on a
    usage error.
    """
    try:
        from validator.tools.proxy.server import ProxyConfig
    except ImportError as exc:
        click.echo(
            f"error: the proxy needs aiohttp ({exc.name or exc}); install it with: {EXTRA_HINT}", err=True
        )
        sys.exit(2)
    if not upstream.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--upstream")
    try:
        options = CheckOptions(
            profile=profile, strict=strict, select=_selectors(select), ignore=_selectors(ignore)
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    config = ProxyConfig(
        upstream,
        host,
        port,
        options,
        save_dir,
        read_timeout=timeout,
        check_backlog=int(check_backlog * (1 << 20)),
        when_behind=when_behind,
    )
    reports = [(p, name) for p, name in ((junit_xml, "junit"), (sarif, "sarif"), (json_report, "json")) if p]
    try:
        code = asyncio.run(_serve(config, fmt, reports, fail_on_findings))
    except OSError as exc:
        click.echo(f"error: {exc.strerror or exc}", err=True)
        sys.exit(2)
    sys.exit(code)


async def _serve(config: object, fmt: str, reports: list[tuple[Path, str]], fail_on_findings: bool) -> int:
    from validator.tools.proxy.console import STREAMED_FORMATS, Console, render
    from validator.tools.proxy.server import ProxyConfig, ValidatingProxy

    assert isinstance(config, ProxyConfig)
    console = Console(sys.stdout, sys.stderr, fmt, config.options, color=False)
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
    sys.stderr.flush()
    await stop.wait()
    stop.clear()
    if proxy.in_flight:
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
    if fmt not in STREAMED_FORMATS:
        sys.stdout.write(render(results, fmt, config.upstream, config.options))
    for path, name in reports:
        try:
            path.write_text(render(results, name, config.upstream, config.options), encoding="utf-8")
        except OSError as exc:
            sys.stderr.write(f"error: cannot write {path}: {exc.strerror or exc}\n")
            return 2
    failing = [r for r in results if r.has_errors()]
    sys.stderr.write(
        f"proxy: {len(results)} exchange(s) checked, {len(failing)} with error findings, "
        f"{sum(not r.checked for r in results)} unchecked\n"
    )
    return 1 if fail_on_findings and failing else 0
