"""One JSON document: ``{"version": 1, "files": [...], "summary": {...}}``.

Written as it is made (:meth:`JsonReporter.chunks`): each finding is encoded when it is read
back, so a run with a million findings never holds the document; the text is exactly what
``json.dumps(document, indent=2)`` gives (:func:`dumps_at`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from validator.model.findings import Finding, Severity
from validator.reporting.reporters.base import StreamingReporter

if TYPE_CHECKING:
    from validator.engine import FileResult
    from validator.reporting.report import Report

__all__ = [
    "FORMAT_VERSION",
    "JsonReporter",
    "Streamed",
    "dumps_at",
    "finding_value",
    "stream_list",
    "stream_object",
]

#: Bumped on any incompatible change to the document's shape.
FORMAT_VERSION = 1


def dumps_at(value: Any, depth: int) -> str:
    """``value`` as ``json.dumps(..., indent=2)`` writes it ``depth`` levels deep in a document.

    ensure_ascii=False keeps model text readable; the writer deals with lone surrogates. A JSON
    string never holds a raw line end, so every line end is one the indentation put there.
    """
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + "  " * depth) if depth else text


class Streamed:
    """A list item or member value whose text is written as it is made (an iterator of its text)."""

    __slots__ = ("text",)

    def __init__(self, text: Iterator[str]) -> None:
        self.text = text


def stream_list(values: Iterable[Any], depth: int) -> Iterator[str]:
    """A list ``depth`` levels deep, written item by item as ``json.dumps(indent=2)`` would;
    an item may be :class:`Streamed`."""
    inner = ",\n" + "  " * (depth + 1)
    sep = "[\n" + "  " * (depth + 1)
    empty = True
    for value in values:
        if type(value) is Streamed:
            yield sep
            yield from value.text
        else:
            yield sep + dumps_at(value, depth + 1)
        sep = inner
        empty = False
    yield "[]" if empty else "\n" + "  " * depth + "]"


def stream_object(members: Iterable[tuple[str, Any]], depth: int) -> Iterator[str]:
    """An object ``depth`` levels deep, written member by member; a value may be :class:`Streamed`."""
    sep = "{\n" + "  " * (depth + 1)
    for key, value in members:
        yield sep + json.dumps(key, ensure_ascii=False) + ": "
        if type(value) is Streamed:
            yield from value.text
        else:
            yield dumps_at(value, depth + 1)
        sep = ",\n" + "  " * (depth + 1)
    yield "\n" + "  " * depth + "}"


def finding_value(f: Finding, depth: int) -> Any:
    """``f.as_dict()``, or, for a group read back from a spilled store (``related`` not a tuple:
    up to a million places), the same written as its places are read (an object ``depth`` deep)."""
    if type(f.related) is tuple:
        return f.as_dict()
    members = dataclasses.replace(f, related=()).as_dict()
    members["related"] = Streamed(stream_list((r.as_dict() for r in f.related), depth + 1))
    return Streamed(stream_object(members.items(), depth))


class JsonReporter(StreamingReporter):
    name = "json"
    suffix = ".json"

    def _file(self, report: Report, r: FileResult) -> dict[str, Any]:
        return {
            "path": r.path,
            "format": r.input_format,
            "events": r.events,
            "valid": not report.failed_file(r),
            "error": r.error,
            "notice": r.notice,
            "profiles": list(r.profiles),
        }

    def _summary(self, report: Report) -> dict[str, Any]:
        counts = report.counts()
        profiles = report.profiles
        return {
            "files": len(report.results),
            "files_with_findings": sum(1 for r in report.results if r.findings),
            "unreadable": len(report.unreadable),
            "nothing_checked": sum(1 for r in report.results if r.notice is not None),
            "errors": counts[Severity.ERROR],
            "warnings": counts[Severity.WARNING],
            "infos": counts[Severity.INFO],
            # The run's profile (null when its files were checked against several: see profiles).
            "profile": profiles[0] if len(profiles) == 1 else None,
            "profiles": profiles,
            "strict": report.strict,
            "passed": report.passed,
            "baselined": report.baselined,
            "stale": [e.as_dict() for e in report.stale],
        }

    def document(self, report: Report) -> dict[str, Any]:
        """The whole document as one value (what :meth:`chunks` writes piece by piece)."""
        files = [
            {**self._file(report, r), "findings": [f.as_dict() for f in r.findings]} for r in report.results
        ]
        return {"version": FORMAT_VERSION, "files": files, "summary": self._summary(report)}

    def chunks(self, report: Report) -> Iterator[str]:
        def files() -> Iterator[Streamed]:
            for r in report.results:
                findings = Streamed(stream_list((finding_value(f, 4) for f in r.findings), 3))
                yield Streamed(stream_object([*self._file(report, r).items(), ("findings", findings)], 2))

        members = (
            ("version", FORMAT_VERSION),
            ("files", Streamed(stream_list(files(), 1))),
            ("summary", self._summary(report)),
        )
        yield from stream_object(members, 0)
        yield "\n"
