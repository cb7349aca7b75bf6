"""``check --statistics``: how often each rule fired, instead of every finding (ruff's ``--statistics``).

One row per rule, the most frequent first: the count, the rule's id, the worst severity it was
reported at, in how many files, and its name. ``text`` ends with the summary line as every text
output does; ``json`` is a list of objects, one per rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from validator.model.findings import Severity
from validator.reporting.reporters.base import Reporter

if TYPE_CHECKING:
    from validator.reporting.report import Report

__all__ = ["RuleCount", "StatisticsJsonReporter", "StatisticsTextReporter", "rule_counts"]


@dataclass
class RuleCount:
    rule: str
    name: str
    severity: Severity
    count: int = 0
    files: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "count": self.count,
            "files": self.files,
        }


def rule_counts(report: Report) -> list[RuleCount]:
    """Each rule that fired with its count, most frequent first (then by id)."""
    counts: dict[str, RuleCount] = {}
    for result in report.results:
        seen: set[str] = set()
        for f in result.findings:
            row = counts.setdefault(f.rule, RuleCount(f.rule, f.name, f.severity))
            row.count += 1
            if f.severity.rank > row.severity.rank:
                row.severity = f.severity
            if f.rule not in seen:
                seen.add(f.rule)
                row.files += 1
    return sorted(counts.values(), key=lambda r: (-r.count, r.rule))


class StatisticsTextReporter(Reporter):
    """ruff's layout: each column padded to its widest entry (counts to the right) and the columns
    separated by tabs, so they line up in a terminal and split on tabs in a script; the name, of
    any length, comes last."""

    name = "text"

    def render(self, report: Report) -> str:
        counts = rule_counts(report)
        lines = []
        if counts:
            count_w = max(len(str(r.count)) for r in counts)
            rule_w = max(len(r.rule) for r in counts)
            sev_w = max(len(r.severity.value) for r in counts)
            files_w = max(len(str(r.files)) for r in counts)
            for r in counts:
                files = f"{r.files:>{files_w}} " + ("file " if r.files == 1 else "files")
                severity = r.severity.value
                lines.append(
                    f"{r.count:>{count_w}}\t{r.rule:<{rule_w}}\t{severity:<{sev_w}}\t{files}\t{r.name}"
                )
        if not self.quiet:
            lines.append(report.summary_line())
        return "".join(line + "\n" for line in lines)


class StatisticsJsonReporter(Reporter):
    name = "json"
    suffix = ".json"

    def render(self, report: Report) -> str:
        return json.dumps([r.as_dict() for r in rule_counts(report)], indent=2) + "\n"
