"""JUnit XML: one ``<testsuite>`` per transcript, one ``<testcase>`` per finding.

The shape follows the Surefire schema CI servers read (Jenkins xUnit's
``junit-10.xsd``): a ``<testcase>`` has no file or line attributes there, so the
location goes in the ``<failure>`` text. A clean transcript gets one passing
testcase so that CI dashboards count it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from validator.model.findings import Finding
from validator.model.meta import COMMAND
from validator.reporting.reporters.base import StreamingReporter

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from validator.engine import FileResult
    from validator.reporting.counter import OccurrenceCounter
    from validator.reporting.report import Report

__all__ = ["JunitReporter", "xml_safe"]

# Characters XML 1.0 cannot carry even as references (C0 controls but tab/LF/CR,
# surrogates, U+FFFE/U+FFFF). Transcripts quote model output, which contains them.
# Compiled on first use: its Unicode ranges take ~3 ms to compile, a cost every run would pay.
_XML_FORBIDDEN = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def xml_safe(text: str) -> str:
    return re.sub(_XML_FORBIDDEN, "", text)


def _seconds(t: float) -> str:
    # Surefire's time type allows at most three decimals.
    return f"{t:.3f}"


class JunitReporter(StreamingReporter):
    name = "junit"
    suffix = ".xml"

    def _cases(self, result: FileResult) -> Iterator[ET.Element]:
        """The suite's test cases, one at a time (a file can have a million findings)."""
        import xml.etree.ElementTree as ET  # only when a JUnit report is written (start-up time)

        if result.error is not None:
            case = ET.Element("testcase", name="read transcript", classname=xml_safe(result.path))
            err = ET.SubElement(case, "error", type="unreadable", message=xml_safe(result.error))
            err.text = xml_safe(f"{result.path}: {result.error}")
            yield case
        elif not result.findings:
            yield ET.Element("testcase", name="conformance", classname=xml_safe(result.path))
        else:
            from validator.reporting.counter import OccurrenceCounter  # (start-up time)

            seen = OccurrenceCounter()
            for f in result.findings:
                case = ET.Element("testcase", name=_case_name(f, seen), classname=xml_safe(result.path))
                failure = ET.SubElement(case, "failure", type=f.severity.value, message=xml_safe(f.message))
                failure.text = xml_safe(_failure_text(f))
                yield case

    @staticmethod
    def _tally(result: FileResult) -> tuple[int, int, int]:
        """(tests, failures, errors) of the file's suite."""
        if result.error is not None:
            return 1, 0, 1
        n = len(result.findings)
        return max(n, 1), n, 0

    def chunks(self, report: Report) -> Iterator[str]:
        # The document ElementTree would write (indented by ET.indent), an element at a time: each
        # start tag and test case is serialized by ElementTree itself, so the escaping is its own.
        import xml.etree.ElementTree as ET

        tallies = [self._tally(r) for r in report.results]
        root = ET.Element("testsuites", name=COMMAND)
        for i, key in enumerate(("tests", "failures", "errors")):
            root.set(key, str(sum(t[i] for t in tallies)))
        root.set("time", _seconds(sum(report.duration(i) for i in range(len(report.results)))))
        yield '<?xml version="1.0" encoding="utf-8"?>\n'
        if not report.results:
            yield ET.tostring(root, encoding="unicode") + "\n"
            return
        yield _start_tag(root)
        for i, result in enumerate(report.results):
            tests, failures, errors = tallies[i]
            suite = ET.Element("testsuite", name=xml_safe(result.path))
            for key, value in (("tests", tests), ("failures", failures), ("errors", errors), ("skipped", 0)):
                suite.set(key, str(value))
            suite.set("time", _seconds(report.duration(i)))
            yield "\n  " + _start_tag(suite)
            for case in self._cases(result):
                if len(case):
                    case.text = "\n      "
                    case[0].tail = "\n    "
                yield "\n    " + ET.tostring(case, encoding="unicode")
            yield "\n  </testsuite>"
        yield "\n</testsuites>\n"


def _start_tag(element: ET.Element) -> str:
    """``<tag attr="...">`` as ElementTree writes it."""
    import xml.etree.ElementTree as ET

    element.text = "\x1f"  # a stand-in for the content, never in an escaped attribute
    text = ET.tostring(element, encoding="unicode")
    element.text = None
    return text[: text.index("\x1f")]


def _case_name(f: Finding, seen: OccurrenceCounter) -> str:
    """``RSP002 invalid-json (line 20)``; made unique when one line has the same rule twice."""
    base = f"{f.rule} {f.name} (line {f.line})"
    n = seen.add(base)
    if n > 1:
        base = f"{f.rule} {f.name} (line {f.line}, #{n})"
    return base


def _failure_text(f: Finding) -> str:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.rule} {f.severity.value}: {f.message}"]
    context = [
        f"{key}: {value}"
        for key, value in (
            ("byte offset", f.offset),
            ("event index", f.event_index),
            ("sequence_number", f.sequence_number),
            ("event type", f.event_type),
            ("pointer", f.pointer or None),
        )
        if value is not None
    ]
    if context:
        lines.append(", ".join(context))
    return "\n".join(lines)
