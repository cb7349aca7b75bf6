"""One JSON document: ``{"version": 1, "files": [...], "summary": {...}}``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from validator.model.findings import Severity
from validator.reporting.reporters.base import Reporter

if TYPE_CHECKING:
    from validator.reporting.report import Report

__all__ = ["FORMAT_VERSION", "JsonReporter"]

#: Bumped on any incompatible change to the document's shape.
FORMAT_VERSION = 1


class JsonReporter(Reporter):
    name = "json"
    suffix = ".json"

    def document(self, report: Report) -> dict[str, Any]:
        counts = report.counts()
        files = [
            {
                "path": r.path,
                "format": r.input_format,
                "events": r.events,
                "valid": not report.failed_file(r),
                "error": r.error,
                "notice": r.notice,
                "findings": [f.as_dict() for f in r.findings],
            }
            for r in report.results
        ]
        summary = {
            "files": len(report.results),
            "files_with_findings": sum(1 for r in report.results if r.findings),
            "unreadable": len(report.unreadable),
            "nothing_checked": sum(1 for r in report.results if r.notice is not None),
            "errors": counts[Severity.ERROR],
            "warnings": counts[Severity.WARNING],
            "infos": counts[Severity.INFO],
            "profile": report.profile,
            "strict": report.strict,
            "passed": report.passed,
            "baselined": report.baselined,
            "stale": [e.as_dict() for e in report.stale],
        }
        return {"version": FORMAT_VERSION, "files": files, "summary": summary}

    def render(self, report: Report) -> str:
        # ensure_ascii=False keeps model text readable; report.write_text deals with
        # lone surrogates.
        return json.dumps(self.document(report), indent=2, ensure_ascii=False) + "\n"
