"""What the proxy says: one line per exchange on stderr, findings as they are known, reports at the end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import IO

from validator.engine import CheckOptions, FileResult
from validator.model.findings import Finding, Severity
from validator.reporting.outputs import append_step_summary
from validator.reporting.report import Report, plural
from validator.reporting.reporters import REPORTERS
from validator.reporting.reporters.base import Reporter, escape_controls
from validator.tools.proxy.exchange import ExchangeResult

__all__ = ["PROXY_REPORTERS", "STREAMED_FORMATS", "Console", "exchange_line", "report_of"]

#: Formats written exchange by exchange as each ends; the others are one document at the end.
STREAMED_FORMATS = frozenset({"text", "concise", "github"})
_FIRST = 2  # findings named on an exchange's line


class ProxyJunitReporter(Reporter):
    """JUnit with one testcase per exchange (``#3 POST /v1/responses``), the probe's layout."""

    name = "junit"
    suffix = ".xml"

    def render(self, report: Report) -> str:
        from validator.tools.probe.command import render_junit

        url = next((getattr(r, "url", "") for r in report.results), "")
        return render_junit(report.results, url, report.strict, tool="proxy")  # type: ignore[arg-type]


#: The proxy's reporters by ``--format`` (and for ``--junit-xml``, ``--sarif``, ``--json-report``):
#: every check reporter but the HTML one (it draws a stream's outline, which the proxy does not
#: build), with JUnit one testcase per exchange.
PROXY_REPORTERS: dict[str, type[Reporter]] = {
    **{name: cls for name, cls in REPORTERS.items() if name != "html"},
    "junit": ProxyJunitReporter,
}
#: The reports ``proxy`` writes besides the main one.
PROXY_EXTRA_REPORTS = ("junit", "sarif", "json")


def verdict(result: ExchangeResult, strict: bool = False) -> str:
    if not result.checked:
        return "UNCHECKED"
    if result.failed(strict):
        return "FAIL"
    if result.findings:
        return "WARN"
    return "PASS"


def exchange_line(result: ExchangeResult, strict: bool = False) -> str:
    """``#3 POST /v1/responses 200 text/event-stream, 12 events, 0.84 s: FAIL 2 errors (RSP201 8:7 …)``"""
    status = "no answer" if result.status is None else str(result.status)
    media = result.content_type.split(";")[0].strip()
    head = f"{result.label} -> {status}" + (f" {media}" if media else "")
    facts = [head, plural(result.events, "event"), f"{result.seconds:.2f} s"]
    text = ", ".join(facts) + f": {verdict(result, strict)}"
    counts = [plural(sum(f.severity is s for f in result.findings), s.value) for s in Severity]
    counts = [c for c in counts if not c.startswith("0 ")]
    if counts:
        text += " " + ", ".join(counts)
        first = "; ".join(f"{f.rule} {f.line}:{f.column} {f.message[:100]}" for f in result.findings[:_FIRST])
        more = " …" if len(result.findings) > _FIRST else ""
        text += f" ({first}{more})"
    if result.note:
        text += f" [{result.note}]"
    if result.error:
        text += f" [{result.error}]"
    return escape_controls(text)


def _profile(options: CheckOptions) -> str:
    """The profile reports name: the chosen one, or the default of the protocol checked."""
    return options.profile or options.for_protocol(options.named_protocol() or "responses").profile or ""


def report_of(results: Sequence[ExchangeResult], options: CheckOptions) -> Report:
    """All exchanges as one report (each exchange a result, as a file is for ``check``)."""
    return Report(
        results, profile=_profile(options), strict=options.strict, durations=[r.seconds for r in results]
    )


class Console:
    """Writes each exchange as it ends: its line on ``err`` (not with ``quiet``), and with a
    format read while the traffic flows (``fmt``: text, concise, github; None for the others,
    written at the end) its findings on ``out``, each as soon as it is known."""

    def __init__(
        self,
        out: IO[str],
        err: IO[str],
        fmt: str | None,
        options: CheckOptions,
        color: bool = False,
        *,
        verbose: bool = False,
        quiet: bool = False,
    ) -> None:
        self.out = out
        self.err = err
        self.fmt = fmt if fmt in STREAMED_FORMATS else None
        self.options = options
        self.color = color
        self.verbose = verbose
        self.quiet = quiet
        #: Findings already written per exchange number, so that none is written twice.
        self.printed: dict[int, Counter[Finding]] = {}

    def live(self, number: int, findings: list[Finding]) -> None:
        """Findings of a stream still flowing, written at once."""
        if self.fmt is not None and findings:
            self.printed.setdefault(number, Counter()).update(findings)
            self._write(findings)

    def exchange(self, result: ExchangeResult) -> None:
        """The exchange's line, and the findings not written while it flowed (end-of-stream ones)."""
        if not self.quiet:
            self.err.write(f"proxy: {exchange_line(result, self.options.strict)}\n")
            self.err.flush()
        printed = self.printed.pop(result.number, Counter())
        if self.fmt is not None:
            rest = []
            for finding in result.findings:
                if printed[finding] > 0:
                    printed[finding] -= 1
                else:
                    rest.append(finding)
            self._write(rest)

    def summarise(self, report: Report) -> None:
        """At the end: what a format written exchange by exchange adds for the whole run (the
        github format's step summary)."""
        if self.fmt is not None:
            append_step_summary(self._reporter(), report, self.err)

    def _reporter(self) -> Reporter:
        assert self.fmt is not None
        # quiet: each exchange's findings without a summary line of their own.
        return PROXY_REPORTERS[self.fmt](color=self.color, quiet=True, verbose=self.verbose)

    def _write(self, findings: list[Finding]) -> None:
        if not findings:
            return
        carrier = FileResult(findings[0].path, findings=findings)
        report = Report([carrier], profile=_profile(self.options), strict=self.options.strict)
        self.out.write(self._reporter().render(report))
        self.out.flush()
