"""JUnit XML: one ``<testsuite>`` per transcript, one ``<testcase>`` per finding.

The shape follows the Surefire schema CI servers read (Jenkins xUnit's
``junit-10.xsd``): a ``<testcase>`` has no file or line attributes there, so the
location goes in the ``<failure>`` text. A clean transcript gets one passing
testcase so that CI dashboards count it.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from validator.model.findings import Finding
from validator.model.meta import COMMAND
from validator.reporting.reporters.base import Reporter

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from validator.engine import FileResult
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


class JunitReporter(Reporter):
    name = "junit"
    suffix = ".xml"

    def _suite(self, report: Report, result: FileResult, seconds: float) -> ET.Element:
        import xml.etree.ElementTree as ET  # only when a JUnit report is written (start-up time)

        suite = ET.Element("testsuite", name=xml_safe(result.path))
        failures = errors = 0
        if result.error is not None:
            case = ET.SubElement(suite, "testcase", name="read transcript", classname=xml_safe(result.path))
            err = ET.SubElement(case, "error", type="unreadable", message=xml_safe(result.error))
            err.text = xml_safe(f"{result.path}: {result.error}")
            errors = 1
        elif not result.findings:
            ET.SubElement(suite, "testcase", name="conformance", classname=xml_safe(result.path))
        else:
            seen: Counter[str] = Counter()
            for f in result.findings:
                failure = ET.SubElement(
                    ET.SubElement(
                        suite, "testcase", name=_case_name(f, seen), classname=xml_safe(result.path)
                    ),
                    "failure",
                    type=f.severity.value,
                    message=xml_safe(f.message),
                )
                failure.text = xml_safe(_failure_text(f))
                failures += 1
        suite.set("tests", str(len(suite)))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", "0")
        suite.set("time", _seconds(seconds))
        return suite

    def render(self, report: Report) -> str:
        import xml.etree.ElementTree as ET

        root = ET.Element("testsuites", name=COMMAND)
        for i, result in enumerate(report.results):
            root.append(self._suite(report, result, report.duration(i)))
        for key in ("tests", "failures", "errors"):
            root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
        root.set("time", _seconds(sum(report.duration(i) for i in range(len(report.results)))))
        ET.indent(root)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case_name(f: Finding, seen: Counter[str]) -> str:
    """``RSP002 invalid-json (line 20)``; made unique when one line has the same rule twice."""
    base = f"{f.rule} {f.name} (line {f.line})"
    seen[base] += 1
    if seen[base] > 1:
        base = f"{f.rule} {f.name} (line {f.line}, #{seen[base]})"
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
