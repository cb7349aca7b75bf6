"""``show FILE``: the stream's outline in the terminal, with each finding where it happens.

One entry per line, in the order of the stream (event index): the response's phases, each
output item (choice, content block) with its parts indented under it, their delta counts and
marks, the terminal event with its status and usage, and each finding at its event::

    #0 message msg_1 [completed]  events 2-7, lines 8-23
       content 0 output_text  events 3-6 · 12 deltas, 57 chars · done @5
    ✗ 20:630 RSP002 error: invalid JSON: ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from validator.model.findings import Finding, Severity
from validator.reporting.reporters.base import escape_controls

if TYPE_CHECKING:
    from validator.engine import FileResult
    from validator.model.outline import Lane, Outline

__all__ = ["render_outline"]

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SIGNS = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "i"}
#: Marks listed by name on a lane's line at most; the rest are counted.
_MARKS_LISTED = 6


def render_outline(result: FileResult, *, color: bool = False) -> str:
    """The outline of one checked file, as text; its findings inline."""

    def style(text: str, **styles: Any) -> str:
        return click.style(text, **styles) if color else text

    head = f"{result.path} ({result.input_format or 'unknown format'}, {_n(result.events, 'event')})"
    lines = [style(head, bold=True)]
    if result.error is not None:
        lines.append(f"  could not be read: {result.error}")
        return "\n".join(lines) + "\n"
    outline = result.outline
    # (event index, order within the index, lines): sorted, this is the stream's order.
    entries: list[tuple[float, int, list[str]]] = []
    if outline is not None:
        if outline.phases:
            phases = " → ".join(f"{p.name} @{p.index}" for p in outline.phases)
            entries.append((-1, 0, [f"  {outline.subject}: {phases}"]))
        for lane in outline.lanes:
            first = lane.first
            entries.append((first if first is not None else outline.events, 1, _lane(lane, "  ", style)))
        for mark in outline.marks:
            entries.append((mark.index, 2, [f"  {mark.label} @{mark.index} (line {mark.line})"]))
        if outline.terminal is not None:
            entries.append((outline.terminal.index, 3, [_terminal(outline, style)]))
        if outline.other:
            other = ", ".join(f"{t} ×{n}" for t, n in sorted(outline.other.items()))
            entries.append((outline.events + 1, 0, [f"  other events: {escape_controls(other)}"]))
    for f in result.findings:
        index = f.event_index if f.event_index is not None else (outline.events if outline else 0)
        entries.append((index, 4, [_finding(f, style)]))
    entries.sort(key=lambda e: (e[0], e[1]))
    for _, _, block in entries:
        lines.extend(block)
    if outline is None:
        # Cassettes, HAR files and WebSocket sessions hold several streams: no outline is drawn yet.
        lines.insert(1, "  (no outline for a container of streams; its findings:)")
    return "\n".join(lines) + "\n"


def _n(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _span(lane: Lane) -> str:
    start = f"line {lane.start_line} (event {lane.start})" if lane.start is not None else "never added"
    end = f"line {lane.end_line} (event {lane.end})" if lane.end is not None else "never closed"
    return f"{start} – {end}"


def _lane(lane: Lane, indent: str, style: Any) -> list[str]:
    status = f" [{lane.status}]" if lane.status else ""
    parts = [_span(lane)]
    if lane.deltas.count:
        parts.append(f"{_n(lane.deltas.count, 'delta')}, {lane.chars} chars")
    if lane.marks:
        names = [f"{m.label} @{m.index}" for m in lane.marks[:_MARKS_LISTED]]
        if len(lane.marks) > _MARKS_LISTED:
            names.append(f"… {len(lane.marks) - _MARKS_LISTED} more")
        parts.append(", ".join(names))
    label = escape_controls(lane.label)
    if lane.kind not in lane.label:
        label += f" {lane.kind}"
    open_ = lane.end is None or lane.start is None
    text = f"{indent}{style(label, bold=True)}{status}  " + " · ".join(parts)
    if open_:
        text = f"{indent}{style(label, bold=True)}{status}  " + style(" · ".join(parts), fg="red")
    out = [text]
    for child in lane.children:
        out.extend(_lane(child, indent + "   ", style))
    return out


def _terminal(outline: Outline, style: Any) -> str:
    mark = outline.terminal
    assert mark is not None
    text = f"  {mark.label} @{mark.index} (line {mark.line}): {outline.status}"
    if outline.usage:
        usage = ", ".join(f"{k} {v}" for k, v in outline.usage.items() if isinstance(v, int))
        text += f" · usage {usage}"
    return style(text, bold=True)


def _finding(f: Finding, style: Any) -> str:
    sign = style(
        f"{_SIGNS[f.severity]} {f.line}:{f.column} {f.rule} {f.severity.value}:",
        fg=_COLORS[f.severity],
        bold=True,
    )
    return f"  {sign} {escape_controls(f.message)}"
