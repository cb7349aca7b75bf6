"""Live probe: run request scenarios against a Responses endpoint with ``stream: true`` and check them.

This module is the ``probe`` command and what it prints (every reporter, and JUnit with one
testcase per scenario). The scenarios (requests and expectations, RULES.md §M) are data in
:mod:`probe_scenarios`; :mod:`probe_run` sends them over HTTP and checks each answer with the
engine and the scenario's expectations (RSP260), the only network code.

Each scenario gives a :class:`ScenarioResult`, a ``FileResult`` with the scenario's name and
HTTP facts, so every reporter renders probe results.
"""

from __future__ import annotations

import dataclasses
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import click

from validator.engine import CheckOptions
from validator.model.meta import COMMAND
from validator.reporting.outputs import ReportRequest, ReportWriteError, report_options, write_reports
from validator.reporting.report import Report
from validator.reporting.reporters import REPORTERS, Reporter
from validator.reporting.reporters.text import TextReporter

# Scenarios and the runner live in probe_scenarios and probe_run; callers import them from here.
from validator.tools.probe.run import (
    TARGETS,
    ProbeError,
    ScenarioResult,
    run_probe,
    run_scenario,
)
from validator.tools.probe.scenarios import IMAGE_DATA_URL as IMAGE_DATA_URL
from validator.tools.probe.scenarios import SCENARIOS, Scenario
from validator.tools.probe.scenarios import Outcome as Outcome

__all__ = [
    "SCENARIOS",
    "ProbeError",
    "Scenario",
    "ScenarioResult",
    "probe_command",
    "run_probe",
    "run_scenario",
]


# ---------------------------------------------------------------- output


def render_junit(
    results: Sequence[ScenarioResult], url: str, strict: bool = False, *, tool: str = "probe"
) -> str:
    """One testsuite for the endpoint, one testcase per scenario (failures list the findings).

    The proxy renders its exchanges with it too (``tool="proxy"``, one testcase per exchange).
    """
    from validator.reporting.reporters.junit import xml_safe

    suite = ET.Element("testsuite", name=xml_safe(f"{COMMAND} {tool} {url}"))
    failures = errors = skipped = 0
    for r in results:
        case = ET.SubElement(
            suite,
            "testcase",
            name=xml_safe(r.scenario),
            classname=f"{COMMAND}.{tool}",
            time=f"{r.seconds:.3f}",
        )
        lines = [
            f"{f.path}:{f.line}:{f.column}: {f.rule} {f.severity.value}: {f.message}" for f in r.findings
        ]
        # A proxy's exchange has no scenario to decline (probe results only).
        unsupported = getattr(r, "unsupported", None)
        if unsupported is not None:
            ET.SubElement(case, "skipped", message=xml_safe(f"scenario unsupported: {unsupported}"))
            skipped += 1
        elif r.error is not None:
            kind = "could-not-run" if getattr(r, "could_not_run", None) else "transport"
            err = ET.SubElement(case, "error", type=kind, message=xml_safe(r.error))
            err.text = xml_safe("\n".join([r.error, *lines]))
            errors += 1
        elif r.failed(strict):
            first = next(f for f in r.findings if f.severity.rank >= (1 if strict else 2))
            failure = ET.SubElement(case, "failure", type=first.rule, message=xml_safe(first.message))
            failure.text = xml_safe("\n".join(lines))
            failures += 1
        elif lines:
            ET.SubElement(case, "system-out").text = xml_safe("\n".join(lines))
    for key, value in (
        ("tests", len(results)),
        ("failures", failures),
        ("errors", errors),
        ("skipped", skipped),
    ):
        suite.set(key, str(value))
    suite.set("time", f"{sum(r.seconds for r in results):.3f}")
    root = ET.Element("testsuites", name=f"{COMMAND} {tool}")
    root.append(suite)
    for key in ("tests", "failures", "errors"):
        root.set(key, suite.get(key, "0"))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


class ScenarioJunitReporter(Reporter):
    """JUnit with one testcase per scenario (skipped: the server declined it)."""

    name = "junit"
    suffix = ".xml"

    def render(self, report: Report) -> str:
        return render_junit(report.results, _url(report), report.strict)  # type: ignore[arg-type]


class ProbeTextReporter(TextReporter):
    """A verdict line per scenario (what the server answered), then the findings and the summary."""

    def render(self, report: Report) -> str:
        text = super().render(report)
        if self.quiet:  # findings only
            return text
        refused = [r for r in report.results if getattr(r, "could_not_run", None)]
        if refused:
            # Not "could not be read": the server would not serve the probe (the reason is above).
            statuses = ", ".join(sorted({f"HTTP {r.status}" for r in refused}))  # type: ignore[attr-defined]
            summary = (
                f"The probe could not run: {len(refused)} of {len(report.results)} scenarios got {statuses}."
            )
            lines = text.rstrip("\n").split("\n")
            lines[-1] = self._style(summary, fg="red", bold=True)
            text = "\n".join(lines) + "\n"
        styles = {"ERROR": "red", "FAIL": "red", "SKIP": "yellow", "PASS": "green"}
        verdicts = [f"probe {_url(report)}"]
        for r in report.results:
            assert isinstance(r, ScenarioResult)
            verdict = (
                "ERROR"
                if r.could_not_run
                else "FAIL"
                if r.failed(report.strict)
                else "SKIP"
                if r.unsupported
                else "PASS"
            )
            where = f"HTTP {r.status} {r.content_type.split(';')[0]}".rstrip()
            extra = f"; {r.error}" if r.error else ""
            if r.unsupported:
                extra += f"; scenario unsupported by the server: {r.unsupported}"
            shown = self._style(verdict, fg=styles[verdict], bold=True)
            verdicts.append(f"  {shown}  {r.scenario:<20} {where}, {r.events} events{extra}")
        return "\n".join(verdicts) + "\n\n" + text


def _url(report: Report) -> str:
    return next((r.url for r in report.results if isinstance(r, ScenarioResult)), "")


#: The probe's reporters by ``--format``: every check reporter that renders results without
#: reading transcripts, with the probe's own text and JUnit.
PROBE_REPORTERS: dict[str, type[Reporter]] = {
    **{name: cls for name, cls in REPORTERS.items() if name != "html"},
    "text": ProbeTextReporter,
    "junit": ScenarioJunitReporter,
}
#: The reports ``probe`` writes besides the main one (``--junit-xml``, ``--sarif``, ``--json-report``).
PROBE_EXTRA_REPORTS = ("junit", "sarif", "json")


def _report(results: Sequence[ScenarioResult], options: CheckOptions) -> Report:
    durations = [r.seconds for r in results]
    return Report(results, profile=options.profile or "", strict=options.strict, durations=durations)


def render(results: Sequence[ScenarioResult], fmt: str, url: str, options: CheckOptions) -> str:
    """The probe's results in one format, as ``probe --format`` prints them (``url`` is the
    endpoint's, as each result also records it)."""
    report = _report([dataclasses.replace(r, url=r.url or url) for r in results], options)
    return PROBE_REPORTERS[fmt]().render(report)


# ---------------------------------------------------------------- the command


def _scenario_names(values: Sequence[str], protocol: str = "responses") -> list[str]:
    known = TARGETS[protocol].scenarios
    names: list[str] = []
    for value in values:
        for name in (v.strip() for v in value.split(",")):
            if not name:
                continue
            if name == "all":
                names.extend(known)
            elif name not in known:
                raise click.BadParameter(
                    f"unknown {protocol} scenario {name!r} (choose from all, {', '.join(known)})",
                    param_hint="--scenarios",
                )
            else:
                names.append(name)
    return list(dict.fromkeys(names)) or list(known)


@click.command("probe")
@click.option(
    "--base-url",
    required=True,
    help="API base, e.g. https://api.openai.com/v1 (POST {base}/responses); with --protocol anthropic, "
    "e.g. https://api.anthropic.com (POST {base}/v1/messages).",
)
@click.option(
    "--protocol",
    type=click.Choice(sorted(TARGETS)),
    default="responses",
    show_default=True,
    help="The endpoint's protocol: its scenarios, URL and authentication.",
)
@click.option(
    "--api-key-env",
    default=None,
    metavar="VAR",
    help="Environment variable holding the API key (a Bearer token; x-api-key for anthropic; none if "
    "unset).  [default: OPENAI_API_KEY, ANTHROPIC_API_KEY for anthropic]",
)
@click.option("--model", default="gpt-4o-mini", show_default=True, help="Model for the scenarios.")
@click.option("--reasoning-model", default=None, help="Model for the reasoning scenario [default: --model].")
@click.option(
    "--scenarios",
    "scenario_args",
    multiple=True,
    metavar="NAMES",
    help=f"Comma-separated scenarios to run [default: all]: {', '.join(SCENARIOS)}.",
)
@click.option(
    "--save",
    "save_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to save each answer body in (<scenario>.sse), to re-check offline or commit as a fixture.",
)
@report_options(tuple(PROBE_REPORTERS), extra=PROBE_EXTRA_REPORTS, default="text")
@click.option(
    "--profile",
    type=click.Choice(["openai", "open-responses", "anthropic", "anthropic-compatible"]),
    default=None,
    help="A profile of the protocol.  [default: its first: openai, anthropic]",
)
@click.option("--strict", is_flag=True, help="Warnings fail a scenario too.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds to wait for the connection (at most 10) and between bytes of the answer.",
)
@click.pass_context
def probe_command(
    ctx: click.Context,
    base_url: str,
    protocol: str,
    api_key_env: str | None,
    model: str,
    reasoning_model: str | None,
    scenario_args: tuple[str, ...],
    save_dir: Path | None,
    report: ReportRequest,
    profile: str | None,
    strict: bool,
    timeout: float,
) -> None:
    """Run request scenarios against a live Responses endpoint (stream: true) and check every answer.

    Exit status: 0 every scenario passed, 1 a scenario failed, 2 usage error, the endpoint
    cannot be reached, or it would not serve the probe (HTTP 401, 403, 429: the probe could not run).
    """
    names = _scenario_names(scenario_args, protocol)
    if not base_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--base-url")
    target = TARGETS[protocol]
    api_key = os.environ.get(api_key_env or target.key_env)
    if api_key_env and not api_key:
        raise click.UsageError(f"environment variable {api_key_env} is not set")
    try:
        options = CheckOptions(profile=profile, strict=strict, protocol=protocol)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        results = run_probe(
            base_url,
            names,
            model=model,
            reasoning_model=reasoning_model,
            api_key=api_key,
            options=options,
            save_dir=save_dir,
            timeout=timeout,
        )
    except ProbeError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    except OSError as exc:  # the --save folder cannot be created or written
        click.echo(f"error: cannot save transcripts: {exc}", err=True)
        ctx.exit(2)
    saved = {Path(r.saved).resolve() for r in results if r.saved}
    for path in (report.output, *report.reports.values()):
        if path and Path(path).resolve() in saved:  # a report never replaces a saved answer
            click.echo(f"error: refusing to write {path}: it is a transcript --save wrote", err=True)
            ctx.exit(2)
    checked = _report(results, options.for_protocol(protocol))
    writers = [(PROBE_REPORTERS[fmt], path) for fmt, path in report.outputs()]
    try:
        write_reports(checked, writers, report)
    except ReportWriteError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    # The server would not serve the probe (bad key, forbidden, rate limited): it could not run,
    # which outranks findings, as an unreadable file does for check.
    refused = list(dict.fromkeys(r.could_not_run for r in results if r.could_not_run))
    for reason in refused:
        click.echo(f"error: the probe could not run: {reason}", err=True)
    ctx.exit(2 if refused else 1 if any(r.failed(strict) for r in results) else 0)
