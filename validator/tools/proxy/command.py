"""The ``proxy`` command: parse the options; :mod:`.run` runs the proxy and writes the reports.

The report options are ``check``'s and ``probe``'s, from one definition
(:func:`~validator.reporting.outputs.report_options`).

aiohttp is an optional extra (``pip install 'llm-stream-validator[proxy]'``); this module
imports it only when the command runs, so that a missing extra is a clear message (exit 2),
not a command that silently disappears.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from validator.catalog import PROFILES
from validator.engine import CheckOptions
from validator.reporting.outputs import ReportRequest, report_options
from validator.tools.proxy.console import PROXY_EXTRA_REPORTS, PROXY_REPORTERS

__all__ = ["proxy_command"]

EXTRA_HINT = "pip install 'llm-stream-validator[proxy]'"


def _selectors(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s.strip() for v in values for s in v.split(",") if s.strip())


@click.command("proxy")
@click.option(
    "--upstream", required=True, metavar="URL", help="The server to forward to, e.g. http://127.0.0.1:8000."
)
@click.option(
    "--upstream-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="An https:// upstream: trust the certificates in FILE too (PEM: a private CA, a bundle, or the "
    "server's self-signed certificate), besides the system's (SSL_CERT_FILE replaces those).",
)
@click.option(
    "--upstream-insecure",
    is_flag=True,
    help="An https:// upstream: do not verify its certificate at all. Anyone between the proxy and the "
    "upstream can then read and change the traffic, API keys included. Prefer --upstream-ca.",
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
    "credentials redacted; `check DIR/N.exchange` re-checks one as the proxy did.",
)
@click.option(
    "--profile", type=click.Choice(PROFILES), help="Profile of the checked protocol.  [default: its own]"
)
@click.option("--strict", is_flag=True, help="Warnings fail an exchange too, and strict-only rules report.")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (ids, prefixes, names).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Never these rules.")
@report_options(tuple(PROXY_REPORTERS), extra=PROXY_EXTRA_REPORTS, default="text")
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
    upstream_ca: Path | None,
    upstream_insecure: bool,
    host: str,
    port: int,
    save_dir: Path | None,
    profile: str | None,
    strict: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    report: ReportRequest,
    fail_on_findings: bool,
    timeout: float,
    check_backlog: float,
    when_behind: str,
) -> None:
    """Forward every request to UPSTREAM unchanged and check the Responses, Chat Completions and
    Anthropic Messages traffic as it flows.

    Point the client's base URL at the address it prints. Each checked exchange ends with a
    line on stderr (not with -q). Findings go to standard output (or -o FILE): text, concise
    and github as they are found, json, sarif and junit as one document at the end. SIGINT or
    SIGTERM lets the exchanges in flight finish, writes the reports and exits: 0, or 1 with
    --fail-on-findings when an exchange had an error finding; 2 on a usage error or a report
    that cannot be written.
    """
    try:
        from validator.tools.proxy.run import serve
        from validator.tools.proxy.server import ProxyConfig
    except ImportError as exc:
        click.echo(
            f"error: the proxy needs aiohttp ({exc.name or exc}); install it with: {EXTRA_HINT}", err=True
        )
        sys.exit(2)
    if not upstream.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--upstream")
    if upstream_ca is not None and upstream_insecure:
        raise click.UsageError("--upstream-ca and --upstream-insecure exclude each other")
    if (upstream_ca is not None or upstream_insecure) and not upstream.startswith("https://"):
        raise click.UsageError("--upstream-ca and --upstream-insecure are for an https:// upstream")
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
        upstream_ca=upstream_ca,
        upstream_insecure=upstream_insecure,
    )
    sys.exit(serve(config, report, fail_on_findings))
