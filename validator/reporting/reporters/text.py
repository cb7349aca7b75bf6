"""``path:line:col: RSPnnn severity: message`` lines, then the summary line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from validator.model.findings import Finding, Severity
from validator.reporting.reporters.base import Reporter, escape_controls

if TYPE_CHECKING:
    from validator.reporting.report import Report

__all__ = ["TextReporter"]

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class TextReporter(Reporter):
    name = "text"

    def _style(self, text: str, **styles: object) -> str:
        return click.style(text, **styles) if self.color else text  # type: ignore[arg-type]

    def finding_line(self, f: Finding) -> str:
        where = self._style(f"{f.path}:{f.line}:{f.column}:", bold=True)
        rule = self._style(f.rule, bold=True)
        severity = self._style(f"{f.severity.value}:", fg=_COLORS[f.severity], bold=True)
        return f"{where} {rule} {severity} {escape_controls(f.message)}"

    def render(self, report: Report) -> str:
        lines = [self.finding_line(f) for r in report.results for f in r.findings]
        for entry in report.stale:
            lines.append(f"stale baseline entry: {escape_controls(entry.describe())}")
        if not self.quiet:
            summary = report.summary_line()
            lines.append(self._style(summary, fg="green" if report.passed else "red", bold=True))
        return "".join(line + "\n" for line in lines)
