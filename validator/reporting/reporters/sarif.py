"""SARIF 2.1.0, in the subset GitHub code scanning accepts for upload.

What code scanning relies on: ``tool.driver.rules`` with ``shortDescription``,
``fullDescription``, ``help`` and ``defaultConfiguration.level``; each result's
``ruleId``, ``level``, ``message.text`` and one ``physicalLocation`` whose
``artifactLocation.uri`` is relative to the repository root; and
``partialFingerprints`` so that an alert survives lines moving between runs.
Columns are counted in code points, which the run declares in ``columnKind``
(SARIF's default is UTF-16 code units).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from validator.catalog import RULES, Rule
from validator.model.findings import Finding, Severity
from validator.model.meta import DISTRIBUTION, version
from validator.reporting.baseline import without_positions
from validator.reporting.report import display_uri
from validator.reporting.reporters.base import StreamingReporter
from validator.reporting.reporters.json import Streamed, stream_list, stream_object

if TYPE_CHECKING:
    from validator.reporting.report import Report

__all__ = ["SarifReporter", "fingerprint"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
#: GitHub's ``problem.severity`` vocabulary for non-security results.
_PROBLEM = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
FINGERPRINT_KEY = "responsesValidator/v1"


def fingerprint(f: Finding, occurrence: int) -> str:
    """Stable across runs and line moves: the baseline key plus which occurrence of it this is."""
    key = "\0".join(
        (display_uri(f.path), f.rule, f.event_type or "", without_positions(f.message), str(occurrence))
    )
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _quote(uri: str) -> str:
    # A file name that is not UTF-8 reaches us with its bytes as surrogate escapes: the URI
    # percent-encodes those bytes, which names the very file. (Other surrogates: escaped.)
    try:
        return quote(uri.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return quote(uri.encode("utf-8", "backslashreplace"))


def _artifact(path: str) -> dict[str, str]:
    uri = display_uri(path)
    if uri.startswith("/"):
        # Outside the working directory: an absolute file URI is the only honest location.
        return {"uri": "file://" + _quote(uri)}
    return {"uri": _quote(uri), "uriBaseId": "%SRCROOT%"}


#: A rule's protocol, as a SARIF tag.
_PROTOCOL_TAG = {
    "responses": "responses-api",
    "chat": "chat-completions-api",
    "anthropic": "anthropic-messages-api",
}


def _descriptor(rule: Rule, profile: str) -> dict[str, Any]:
    severity = rule.severity_in(profile)
    config: dict[str, Any] = {"level": _LEVEL[severity or rule.severity]}
    if severity is None:
        config["enabled"] = False
    doc = rule.doc()
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.message},
        "fullDescription": {"text": rule.what},
        "help": {"text": doc, "markdown": _help_markdown(rule)},
        "defaultConfiguration": config,
        "properties": {
            "tags": [_PROTOCOL_TAG[rule.protocol], rule.layer],
            "precision": "very-high",
            "problem.severity": _PROBLEM[severity or rule.severity],
        },
    }


def _help_markdown(rule: Rule) -> str:
    return (
        f"**{rule.id} {rule.name}** ({rule.severity.value}, {rule.layer})\n\n"
        f"{rule.message}\n\n"
        f"### What it checks\n\n{rule.what}\n\n"
        f"### Why it matters\n\n{rule.why}\n\nSource: {rule.source}\n"
    )


class SarifReporter(StreamingReporter):
    name = "sarif"
    suffix = ".sarif"

    def __init__(self, *, tool_version: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tool_version = tool_version

    def _run(self, report: Report) -> dict[str, Any]:
        """The run without its results."""
        notifications = [
            {
                "level": "error",
                "message": {"text": f"could not read {file.path}: {file.error}"},
                "locations": [{"physicalLocation": {"artifactLocation": _artifact(file.path)}}],
            }
            for file in report.results
            if file.error is not None
        ]
        return {
            "tool": {
                "driver": {
                    "name": DISTRIBUTION,
                    "version": self.tool_version or version(),
                    "rules": [_descriptor(r, report.profile_for(r.protocol)) for r in RULES.values()],
                }
            },
            "invocations": [
                {"executionSuccessful": not report.unreadable, "toolExecutionNotifications": notifications}
            ],
            "columnKind": "unicodeCodePoints",
        }

    def _results(self, report: Report, depth: int | None = None) -> Iterator[Any]:
        """Each finding's result; ``depth``: written as made (see :meth:`_result`)."""
        index = {rule_id: i for i, rule_id in enumerate(RULES)}
        for file in report.results:
            # Which occurrence of its key each finding is, in ~16 bytes a key (a file can have a
            # million findings, each with its own message).
            from validator.reporting.counter import OccurrenceCounter  # (start-up time)

            seen = OccurrenceCounter()
            for f in file.findings:
                occurrence = seen.add((f.rule, f.event_type or "", without_positions(f.message)))
                yield self._result(f, index.get(f.rule), occurrence, depth)

    def document(self, report: Report) -> dict[str, Any]:
        """The whole log as one value (what :meth:`chunks` writes piece by piece)."""
        run = {**self._run(report), "results": list(self._results(report))}
        return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}

    def chunks(self, report: Report) -> Iterator[str]:
        results = Streamed(stream_list(self._results(report, 4), 3))
        run = [*self._run(report).items(), ("results", results)]
        members = (
            ("$schema", SCHEMA_URI),
            ("version", "2.1.0"),
            ("runs", Streamed(stream_list([Streamed(stream_object(run, 2))], 1))),
        )
        yield from stream_object(members, 0)
        yield "\n"

    def _result(self, f: Finding, rule_index: int | None, occurrence: int, depth: int | None = None) -> Any:
        """The result of ``f``; with ``depth`` (how deep the object is in the log), a group read
        back from a spilled store (up to a million places) is written as its places are read."""
        region: dict[str, Any] = {"startLine": f.line, "startColumn": f.column, "byteOffset": f.offset}
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(f.path), "region": region}}],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f, occurrence)},
        }
        if f.details:
            result["message"]["text"] = "\n".join((f.message, *f.details))
        streamed = depth is not None and type(f.related) is not tuple
        if f.related:
            # Where the same finding repeats (grouped identical schema findings): every place kept.
            places = (
                {
                    "id": n,
                    "physicalLocation": {
                        "artifactLocation": _artifact(f.path),
                        "region": {"startLine": r.line, "startColumn": r.column, "byteOffset": r.offset},
                    },
                    "message": {"text": "the same finding"},
                }
                for n, r in enumerate(f.related, 1)
            )
            if streamed and depth is not None:
                result["relatedLocations"] = Streamed(stream_list(places, depth + 1))
            else:
                result["relatedLocations"] = list(places)
        if rule_index is not None:
            result["ruleIndex"] = rule_index
        properties = {
            k: v
            for k, v in (
                ("eventIndex", f.event_index),
                ("sequenceNumber", f.sequence_number),
                ("eventType", f.event_type),
                ("pointer", f.pointer or None),
            )
            if v is not None
        }
        if properties:
            result["properties"] = properties
        return Streamed(stream_object(result.items(), depth)) if streamed and depth is not None else result
