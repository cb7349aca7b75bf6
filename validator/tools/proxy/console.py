"""What the proxy says: one line per exchange on stderr, findings as they are known, reports at the end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import IO

from validator.engine import CheckOptions, FileResult
from validator.model.findings import Finding, Severity
from validator.reporting.report import Report, plural
from validator.reporting.reporters import REPORTERS
from validator.reporting.reporters.base import escape_controls
from validator.tools.proxy.exchange import ExchangeResult

__all__ = ["FORMATS", "STREAMED_FORMATS", "Console", "exchange_line", "render"]

#: Formats written exchange by exchange as each ends; the others are one document at the end.
STREAMED_FORMATS = frozenset({"text", "concise", "github"})
#: The formats the proxy writes (the HTML report draws a stream's outline, which it does not build).
FORMATS = ("text", "concise", "json", "junit", "sarif", "github")
_FIRST = 2  # findings named on an exchange's line


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


def render(results: Sequence[ExchangeResult], fmt: str, url: str, options: CheckOptions) -> str:
    """All exchanges as one document: JUnit (one testcase per exchange) or any reporter's format."""
    if fmt == "junit":
        from validator.tools.probe.command import render_junit

        return render_junit(results, url, options.strict, tool="proxy")
    report = Report(
        results, profile=_profile(options), strict=options.strict, durations=[r.seconds for r in results]
    )
    return REPORTERS[fmt]().render(report)


class Console:
    """Writes each exchange as it ends: its line on ``err``, its findings on ``out`` (text, github)."""

    def __init__(
        self, out: IO[str], err: IO[str], fmt: str, options: CheckOptions, color: bool = False
    ) -> None:
        self.out = out
        self.err = err
        self.fmt = fmt
        self.options = options
        self.color = color
        #: Findings already written per exchange number, so that none is written twice.
        self.printed: dict[int, Counter[Finding]] = {}

    def live(self, number: int, findings: list[Finding]) -> None:
        """Findings of a stream still flowing, written at once (text and github)."""
        if self.fmt in STREAMED_FORMATS and findings:
            self.printed.setdefault(number, Counter()).update(findings)
            self._write(findings)

    def exchange(self, result: ExchangeResult) -> None:
        """The exchange's line, and the findings not written while it flowed (end-of-stream ones)."""
        self.err.write(f"proxy: {exchange_line(result, self.options.strict)}\n")
        self.err.flush()
        printed = self.printed.pop(result.number, Counter())
        if self.fmt in STREAMED_FORMATS:
            rest = []
            for finding in result.findings:
                if printed[finding] > 0:
                    printed[finding] -= 1
                else:
                    rest.append(finding)
            self._write(rest)

    def _write(self, findings: list[Finding]) -> None:
        if not findings:
            return
        carrier = FileResult(findings[0].path, findings=findings)
        report = Report([carrier], profile=_profile(self.options), strict=self.options.strict)
        self.out.write(REPORTERS[self.fmt](color=self.color, quiet=True).render(report))
        self.out.flush()
