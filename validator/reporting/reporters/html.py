"""One self-contained HTML file: each stream drawn on its event axis, with its findings over it.

The page needs nothing but itself (inline CSS and script, no network): it can be opened
offline and attached to a CI run. Everything it shows is one JSON document embedded in the
page (:meth:`HtmlReporter.document`), which the script draws:

* the first screen: the verdict, and with several files the findings per file and per rule;
* per file, a timeline on the event axis (event index): the response's phases as a band,
  one lane per output item (choice, tool call, content block: the protocol's
  :class:`~validator.model.outline.Outline`) from where it opened to where it closed, its
  parts as sub-lanes, its deltas as density bars (counts per bin, never one node per delta),
  status steps and done events as marks, the terminal event; each finding drawn at its event,
  coloured by severity, with a line to the earlier event it refers to;
* an overview strip of the whole stream above the timeline: a long stream is looked at through
  a window of it (click the strip to move the window, zoom to widen or narrow it), so that a
  100 MB transcript with thousands of items draws a few hundred lanes at a time;
* a findings table, sortable and filtered by rule and severity; a click shows the raw event
  at the finding's line, pretty-printed, with the value at the finding's JSON pointer marked;
* each rule id links to the rule's documentation, embedded (the text of ``rule RSPnnn``).

The outline and the raw events come from the run (``CheckOptions.outline``, ``Report.excerpts``
read by the command line); the reporter itself opens no file.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import TYPE_CHECKING, Any, ClassVar

from validator.catalog import RULES
from validator.model.meta import DISTRIBUTION, version
from validator.reporting.report import display_uri
from validator.reporting.reporters.base import Reporter
from validator.reporting.reporters.html_assets import SCRIPT, STYLE

if TYPE_CHECKING:
    from validator.engine import FileResult
    from validator.model.findings import Finding
    from validator.model.outline import Outline
    from validator.reading.excerpt import Excerpt
    from validator.reporting.report import Report

__all__ = ["EVENT_BUDGET", "EVENT_CHARS", "FINDINGS_PER_FILE", "HtmlReporter"]

#: Characters of one raw event embedded at most (a larger one is shown cut).
EVENT_CHARS = 64 * 1024
#: Characters of raw events embedded per file at most: the page stays a few MB whatever the input.
EVENT_BUDGET = 2 * 1024 * 1024
#: Findings drawn per file at most (the page says how many more the other reports list): a
#: million would make a page no browser opens, and a report no process can hold.
FINDINGS_PER_FILE = 10_000
#: "(added at line 8)": where a finding's message names the earlier event it is about.
_ADDED_AT = re.compile(r"\(added at line (\d+)\)")


class HtmlReporter(Reporter):
    name = "html"
    suffix = ".html"
    excerpts: ClassVar[str] = "events"
    outlines: ClassVar[bool] = True

    def document(self, report: Report) -> dict[str, Any]:
        """Everything the page shows, as one JSON-able value."""
        files = [self._file(result, report) for result in report.results]
        used = sorted({f.rule for r in report.results for f in r.findings})
        counts = report.counts()
        return {
            "tool": f"{DISTRIBUTION} {version()}",
            "profiles": report.profiles,
            "strict": report.strict,
            "summary": report.summary_line(),
            "passed": report.passed,
            "counts": {s.value: n for s, n in counts.items()},
            "files": files,
            "rules": {
                rid: {
                    "name": RULES[rid].name,
                    "severity": RULES[rid].severity.value,
                    "message": RULES[rid].message,
                    "doc": report.rule_docs.get(rid) or RULES[rid].doc(),
                }
                for rid in used
                if rid in RULES
            },
        }

    def _file(self, result: FileResult, report: Report) -> dict[str, Any]:
        excerpts = report.excerpts.get(result.path, {})
        outline = result.outline
        budget = [EVENT_BUDGET]
        shown: dict[int, int] = {}
        embedded: list[dict[str, Any]] = []
        findings = []
        for f in itertools.islice(result.findings, FINDINGS_PER_FILE):
            ex = excerpts.get(f.offset)
            slot = None
            if ex is not None:
                slot = shown.get(f.offset)
                if slot is None:
                    slot = shown[f.offset] = len(embedded)
                    embedded.append(_excerpt(ex, budget))
            findings.append(_finding(f, slot, _refers_to(f, outline)))
        return {
            "path": display_uri(result.path),
            "format": result.input_format,
            "events": result.events,
            "error": result.error,
            "failed": report.failed_file(result),
            "counts": _counts(result),
            "outline": outline.as_dict() if outline is not None else None,
            "findings": findings,
            "omitted": len(result.findings) - len(findings),
            "excerpts": embedded,
        }

    def render(self, report: Report) -> str:
        data = json.dumps(self.document(report), ensure_ascii=False, separators=(",", ":"))
        # Inside <script>, "</script>" or "<!--" in model text would end or derail the element.
        data = data.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        title = f"{DISTRIBUTION} report"
        if len(report.results) == 1:
            title += f": {_escape(display_uri(report.results[0].path))}"
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            # No network, ever: not even a favicon request.
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
            f"<title>{title}</title>\n"
            f"<style>{STYLE}</style>\n"
            "</head><body>\n"
            "<noscript><p>This report draws itself with JavaScript; the data is in the page.</p></noscript>\n"
            '<div id="app"></div>\n'
            f'<script type="application/json" id="report-data">{data}</script>\n'
            f"<script>{SCRIPT}</script>\n"
            "</body></html>\n"
        )


def _counts(result: FileResult) -> dict[str, int]:
    return {s.value: n for s, n in result.severity_counts().items() if n}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _finding(f: Finding, excerpt: int | None, refers_to: int | None) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": f.severity.value,
        "message": f.message,
        "line": f.line,
        "column": f.column,
        "offset": f.offset,
        "event_index": f.event_index,
        "sequence_number": f.sequence_number,
        "event_type": f.event_type,
        "pointer": f.pointer,
        "details": list(getattr(f, "details", ()) or ()),
        "excerpt": excerpt,
        "refers_to": refers_to,
    }


def _excerpt(ex: Excerpt, budget: list[int]) -> dict[str, Any]:
    event, cut = ex.event, ex.event_cut
    if event is not None:
        if len(event) > EVENT_CHARS:
            event, cut = event[:EVENT_CHARS], True
        if len(event) > budget[0]:
            event, cut = None, True
        else:
            budget[0] -= len(event)
    return {
        "text": ex.text,
        "first_column": ex.first_column,
        "cut_left": ex.cut_left,
        "cut_right": ex.cut_right,
        "event": event,
        "event_cut": cut,
    }


def _refers_to(f: Finding, outline: Outline | None) -> int | None:
    """The event index of the earlier event a finding is about, when it names one.

    A finding's related locations say it directly; otherwise a message such as "(added at
    line 8)" names the line where an item or part opened, which the outline knows.
    """
    for loc in getattr(f, "related", ()) or ():
        index = getattr(loc, "event_index", None)
        if isinstance(index, int) and index != f.event_index:
            return index
    match = _ADDED_AT.search(f.message)
    if match is None or outline is None:
        return None
    line = int(match.group(1))
    for lane in outline.all_lanes():
        if lane.start_line == line and lane.start is not None:
            return lane.start
    return None
