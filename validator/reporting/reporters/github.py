"""GitHub Actions workflow commands, plus a Markdown table for the job summary.

GitHub shows at most 10 annotations of each kind per step, so a run with more
findings also appends every finding (up to a cap) to ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from validator.model.findings import Finding, Severity
from validator.model.meta import COMMAND
from validator.reporting.report import display_uri
from validator.reporting.reporters.base import StreamingReporter

if TYPE_CHECKING:
    from validator.reporting.report import Report

__all__ = ["GithubReporter", "escape_data", "escape_property"]

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
#: The step summary is limited to 1 MiB; this many rows stays well under it.
SUMMARY_ROWS = 1000


def escape_data(text: str) -> str:
    # The same escapes as @actions/core's toCommandValue/escapeData.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(StreamingReporter):
    name = "github"

    def annotation(self, f: Finding) -> str:
        props = (
            f"file={escape_property(display_uri(f.path))},line={f.line},col={f.column},"
            f"title={escape_property(f'{f.rule} {f.name}')}"
        )
        return f"::{_COMMAND[f.severity]} {props}::{escape_data(f.message)}"

    def chunks(self, report: Report) -> Iterator[str]:
        for r in report.results:
            if r.error is not None:
                yield f"::error file={escape_property(display_uri(r.path))}::{escape_data(r.error)}\n"
            for f in r.findings:
                yield self.annotation(f) + "\n"
        for entry in report.stale:
            yield f"::notice title=stale baseline entry::{escape_data(entry.describe())}\n"

    def step_summary(self, report: Report) -> str:
        """Markdown for ``$GITHUB_STEP_SUMMARY``: the verdict and a table of findings."""
        out = [f"## {COMMAND}", "", report.summary_line(), ""]
        # The first rows only: the findings are not all gathered (a run can have a million).
        total = sum(report.counts().values())
        if total:
            out += ["| Location | Rule | Severity | Message |", "| --- | --- | --- | --- |"]
            findings = (f for r in report.results for f in r.findings)
            for f in itertools.islice(findings, SUMMARY_ROWS):
                location = _cell(f"{display_uri(f.path)}:{f.line}:{f.column}")
                out.append(f"| `{location}` | {f.rule} {f.name} | {f.severity.value} | {_cell(f.message)} |")
            if total > SUMMARY_ROWS:
                out += ["", f"… and {total - SUMMARY_ROWS} more (see the full report)."]
            out.append("")
        return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    # Model output may hold "|", newlines or HTML, any of which would break the table.
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ").replace("<", "&lt;")
