"""The shape of a checked stream, drawn by the HTML report and ``show``: an :class:`Outline`.

A protocol fills it while the engine checks the stream (the same pass, the same decoded
events; see ``OutlineBuilder`` in each protocol), so a 100 MB transcript is never read twice.
It is small whatever the length of the stream: deltas are not kept one by one but counted in
bins of the event axis (:class:`Density`), and the bins grow coarser as the stream grows
longer, so that there are never more than :data:`MAX_BINS` of them per lane.

The vocabulary is the protocols' common one. A *lane* is what a stream is made of at the
top level (a Responses output item; a Chat Completions choice or tool call; an Anthropic
content block); its *children* are its sub-lanes (a Responses item's content or summary
parts; a choice's tool calls). A *mark* is one event worth showing on the axis (a hosted
tool's status step, a text's done event, the terminal event); a *phase* is where the
response as a whole changed state. Positions are event indices (0-based, the axis) with
the line of the event in the file, for the reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from validator.model.events import Event, RawEvent, RawRun

__all__ = ["MAX_BINS", "Density", "Lane", "Mark", "Outline", "OutlineBuilder", "Phase", "RunObserver"]

#: Told of each run of events a fast lane takes whole: (the run, its decoded events from ``start``
#: on, ``start``).
RunObserver = Callable[["RawRun", list[Any], int], None]

#: At most this many bins across the event axis (a density bar is never more detailed).
MAX_BINS = 1024


@dataclass(slots=True)
class Mark:
    """One event drawn on the axis."""

    index: int
    line: int
    label: str


@dataclass(slots=True)
class Phase:
    """The response entered state ``name`` at event ``index`` (lasts until the next phase)."""

    name: str
    index: int
    line: int


class Density:
    """How many deltas fell in each bin of the event axis (bin = event index // width).

    ``width`` is the outline's: :meth:`Outline.coarsen` doubles it for every density at
    once, so that all bars of one outline share their bins.
    """

    __slots__ = ("bins", "count", "first", "last")

    def __init__(self) -> None:
        self.bins: dict[int, int] = {}
        self.count = 0
        #: Event index of the first and last delta (-1: none yet).
        self.first = -1
        self.last = -1

    def add(self, index: int, width: int, n: int = 1) -> None:
        """``n`` deltas at event indices ``index`` .. ``index + n - 1``."""
        bins = self.bins
        if self.first < 0:
            self.first = index
        self.last = index + n - 1
        self.count += n
        end = index + n
        while index < end:
            b = index // width
            upto = min(end, (b + 1) * width)
            bins[b] = bins.get(b, 0) + upto - index
            index = upto

    def coarsen(self) -> None:
        merged: dict[int, int] = {}
        for b, n in self.bins.items():
            merged[b >> 1] = merged.get(b >> 1, 0) + n
        self.bins = merged

    def as_list(self) -> list[list[int]]:
        """``[[bin, count], ...]`` in bin order."""
        return [[b, n] for b, n in sorted(self.bins.items())]


@dataclass(slots=True)
class Lane:
    """An output item, choice, tool call or content block: from where it opened to where it closed.

    ``start`` is None when the stream never opened it (its first event was a later one);
    ``end`` is None when the stream never closed it.
    """

    key: str
    kind: str
    label: str
    start: int | None = None
    start_line: int | None = None
    end: int | None = None
    end_line: int | None = None
    status: str | None = None
    children: list[Lane] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    deltas: Density = field(default_factory=Density)
    #: Characters of streamed text (or of arguments), as the deltas carried them.
    chars: int = 0

    @property
    def first(self) -> int | None:
        """The lane's first event on the axis (its start, or its first delta or mark)."""
        found = [
            i
            for i in (self.start, self.end, self.deltas.first if self.deltas.count else None)
            if i is not None
        ]
        found += [m.index for m in self.marks]
        return min(found, default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "start": self.start,
            "start_line": self.start_line,
            "end": self.end,
            "end_line": self.end_line,
            "status": self.status,
            "deltas": self.deltas.count,
            "delta_bins": self.deltas.as_list(),
            "delta_first": self.deltas.first if self.deltas.count else None,
            "delta_last": self.deltas.last if self.deltas.count else None,
            "chars": self.chars,
            "marks": [[m.index, m.line, m.label] for m in self.marks],
            "children": [c.as_dict() for c in self.children],
        }


@dataclass
class Outline:
    """A stream's structure; see the module docstring."""

    protocol: str
    #: What the phases are of, in the protocol's words ("response", "message").
    subject: str = "response"
    events: int = 0
    #: Events per bin of every :class:`Density` in this outline.
    width: int = 1
    phases: list[Phase] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)
    #: Events of the stream that belong to no lane and are not phases ([DONE], undecodable ones).
    marks: list[Mark] = field(default_factory=list)
    terminal: Mark | None = None
    #: The terminal status (``completed``, ``incomplete``, ``failed``; a finish reason, a stop reason).
    status: str | None = None
    usage: dict[str, Any] | None = None
    #: Event types the outline has no place for, with their counts.
    other: dict[str, int] = field(default_factory=dict)

    def reach(self, index: int) -> None:
        """Event ``index`` exists: coarsen every density while it lies beyond MAX_BINS bins."""
        while index >= self.width * MAX_BINS:
            self.width *= 2
            for lane in self.all_lanes():
                lane.deltas.coarsen()

    def all_lanes(self) -> list[Lane]:
        out: list[Lane] = []
        stack = list(reversed(self.lanes))
        while stack:
            lane = stack.pop()
            out.append(lane)
            stack.extend(reversed(lane.children))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "subject": self.subject,
            "events": self.events,
            "width": self.width,
            "phases": [[p.name, p.index, p.line] for p in self.phases],
            "lanes": [lane.as_dict() for lane in self.lanes],
            "marks": [[m.index, m.line, m.label] for m in self.marks],
            "terminal": None
            if self.terminal is None
            else [self.terminal.index, self.terminal.line, self.terminal.label],
            "status": self.status,
            "usage": self.usage,
            "other": self.other,
        }


class OutlineBuilder(Protocol):
    """What a protocol's outline builder is fed, like its state machine, while the engine checks."""

    def feed(self, event: Event) -> None: ...

    def feed_run(self, run: RawRun, events: list[Any], start: int) -> None:
        """The events of ``run`` from ``start`` on (decoded: ``events``), taken whole by the lane."""
        ...

    def feed_done(self, raw: RawEvent) -> None: ...

    def feed_undecodable(self, raw: RawEvent) -> None: ...

    def finish(self, events: int) -> Outline:
        """The outline, once the stream (``events`` events) has been fed."""
        ...
