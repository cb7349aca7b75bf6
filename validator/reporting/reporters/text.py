"""Text for people: each finding's ``path:line:col: RSPnnn severity: message`` line, then the summary.

``text`` (the default) frames each finding like ruff and rustc do: under its line, the
transcript line it points at with a caret under the column, cut around the column to the
terminal's width (``…`` where the line goes on), and the value at its JSON pointer.
``concise`` is the one-line form alone, for ``grep``, editors and pre-commit. The lines come
from :class:`~validator.report.Report.excerpts`, which the command line reads; a finding
without one (standard input, the Python API) gets its one line.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import click

from validator.model.findings import Finding, Severity
from validator.reporting.reporters.base import StreamingReporter, escape_controls

if TYPE_CHECKING:
    from validator.reading.excerpt import Excerpt
    from validator.reporting.report import Report

__all__ = ["ConciseReporter", "TextReporter", "code_frame", "cut_around", "value_at"]

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
#: Narrowest frame drawn, whatever the terminal says.
_MIN_WIDTH = 40
_MISSING = object()
#: Detail lines shown under a finding without ``-v``: a missing item ``type`` fails every
#: branch of the item union, and two dozen lines of branches bury the one that matters.
SHOWN_DETAILS = 3
#: The schema check's own cap on detail lines ("… and 7 more"), counted in the hidden total.
_CAPPED = re.compile(r"… and (\d+) more")


class TextReporter(StreamingReporter):
    name = "text"
    #: Code frames need the line under each finding, and its event for the pointer's value.
    excerpts: ClassVar[str] = "events"

    def _style(self, text: str, **styles: object) -> str:
        return click.style(text, **styles) if self.color else text  # type: ignore[arg-type]

    def finding_line(self, f: Finding) -> str:
        where = self._style(f"{f.path}:{f.line}:{f.column}:", bold=True)
        rule = self._style(f.rule, bold=True)
        severity = self._style(f"{f.severity.value}:", fg=_COLORS[f.severity], bold=True)
        return f"{where} {rule} {severity} {escape_controls(f.message)}"

    def finding(self, f: Finding, report: Report) -> list[str]:
        """The finding's lines: its one line, its details (where a grouped finding repeats, further
        schema errors: the first few, or all with ``verbose``) indented under it, then its frame
        when the line is known."""
        lines = [self.finding_line(f), *(f"    {escape_controls(d)}" for d in self.shown_details(f))]
        excerpt = report.excerpt(f)
        if excerpt is None:
            return lines
        for row, (gutter, text) in enumerate(code_frame(f, excerpt, max(self.width, _MIN_WIDTH))):
            # The gutter and the caret in colour; the transcript's own text never.
            if row == 2:
                text = self._style(text, fg=_COLORS[f.severity], bold=True)
            lines.append(f"{self._style(gutter, fg='blue', bold=True)} {text}".rstrip())
        lines.append("")
        return lines

    def shown_details(self, f: Finding) -> list[str]:
        """The detail lines drawn: the most relevant few, then how many more ``-v`` shows."""
        details = list(f.details)
        if self.verbose or len(details) <= SHOWN_DETAILS + 1:
            return details
        hidden = len(details) - SHOWN_DETAILS
        capped = _CAPPED.fullmatch(details[-1])
        if capped:
            hidden += int(capped.group(1)) - 1
        return [*details[:SHOWN_DETAILS], f"… and {hidden} more (-v shows every one)"]

    def chunks(self, report: Report) -> Iterator[str]:
        for r in report.results:
            for f in r.findings:
                yield "".join(line + "\n" for line in self.finding(f, report))
        for entry in report.stale:
            yield f"stale baseline entry: {escape_controls(entry.describe())}\n"
        if not self.quiet:
            summary = report.summary_line()
            yield self._style(summary, fg="green" if report.passed else "red", bold=True) + "\n"


class ConciseReporter(TextReporter):
    """One line per finding: ``path:line:col: RSPnnn severity: message``."""

    name = "concise"
    excerpts: ClassVar[str] = ""

    def finding(self, f: Finding, report: Report) -> list[str]:
        return [self.finding_line(f)]


# ---------------------------------------------------------------------- frames


def _cells(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _printable(text: str) -> str:
    # One cell per character, so that the caret stays under its column: a control character
    # (a tab, an ESC from model output) is shown as U+FFFD and never reaches the terminal.
    return "".join("\ufffd" if ch < " " or "\x7f" <= ch <= "\x9f" else ch for ch in text)


def _window(text: str, at: int, room: int) -> tuple[int, int]:
    """The slice ``[a, b)`` of ``text`` around index ``at`` that fits ``room`` cells."""
    a = b = min(at, len(text))
    used = 0
    # A third of the room before the column, the rest after it (the line reads on to the right).
    before = room // 3
    while a > 0 and used + _cells(text[a - 1]) <= before:
        a -= 1
        used += _cells(text[a])
    while b < len(text) and used + _cells(text[b]) <= room:
        used += _cells(text[b])
        b += 1
    while a > 0 and used + _cells(text[a - 1]) <= room:
        a -= 1
        used += _cells(text[a])
    return a, b


def code_frame(f: Finding, excerpt: Excerpt, width: int) -> list[tuple[str, str]]:
    """(gutter, text) rows: ``80 | <line>``, ``   |      ^``, then ``   = <pointer>: <value>``
    when there is one; an empty ``   |`` row before the line.

    ``width`` is the terminal's: the line is cut around the column to fit it, with ``…`` on
    each side where the line goes on.
    """
    number = str(f.line)
    pad = " " * len(number)
    at = max(0, f.column - excerpt.first_column)
    room = max(10, width - len(number) - 3 - 2)  # the gutter, and an ellipsis each side
    shown, offset = cut_around(excerpt.text, at, room, cut_left=excerpt.cut_left, cut_right=excerpt.cut_right)
    frame = [(f"{pad} |", ""), (f"{number} |", shown), (f"{pad} |", " " * offset + "^")]
    if f.pointer and excerpt.event is not None:
        value = value_at(excerpt.event, f.pointer)
        if value is not None:
            head = f"{f.pointer}: "
            frame.append((f"{pad} =", head + _cut(value, max(10, width - len(pad) - 3 - len(head)))))
    return frame


def cut_around(
    text: str, at: int, room: int, *, cut_left: bool = False, cut_right: bool = False
) -> tuple[str, int]:
    """``text`` made printable and cut to ``room`` cells around index ``at``, with ``…`` where it
    goes on (``cut_left``/``cut_right``: it already went on beyond ``text``); and the cell at
    which index ``at`` is drawn."""
    text = _printable(text)
    a, b = _window(text, at, room)
    left = "…" if a > 0 or cut_left else ""
    right = "…" if b < len(text) or cut_right else ""
    return left + text[a:b] + right, sum(_cells(ch) for ch in left + text[a:at])


def _cut(text: str, room: int) -> str:
    text = _printable(text)
    return text if len(text) <= room else text[: room - 1] + "…"


def value_at(event: str, pointer: str) -> str | None:
    """The JSON value at ``pointer`` in ``event``, as compact JSON; ``(absent)`` when the pointer
    names a member the event lacks; None when the event is not JSON or the pointer leads nowhere."""
    try:
        value: Any = json.loads(event)
    except ValueError:
        return None
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    for i, token in enumerate(tokens):
        found = _step(value, token)
        if found is _MISSING:
            return "(absent)" if i == len(tokens) - 1 and isinstance(value, dict) else None
        value = found
    return json.dumps(value, ensure_ascii=False)


def _step(value: Any, token: str) -> Any:
    if isinstance(value, dict):
        return value.get(token, _MISSING)
    if isinstance(value, list) and token.isdigit() and int(token) < len(value):
        return value[int(token)]
    return _MISSING
