"""Findings are values: what a check reports, and where.

Checks never know where they are in a file. They return :class:`Issue` values
(a rule id, a message, a JSON pointer and, for framing problems, an explicit
position). The engine stamps each issue with the file, line, column, byte offset,
event index and sequence number, which gives a :class:`Finding`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["EventRef", "Finding", "Issue", "Location", "Position", "Severity", "covered"]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.ERROR: 2, Severity.WARNING: 1, Severity.INFO: 0}


class Position(NamedTuple):
    """A place in the input: 1-based line and column (in code points), 0-based byte offset.

    A named tuple rather than a frozen dataclass: the reader makes one per event and a
    tuple is three times cheaper to build, with the same immutability and ordering.
    """

    line: int
    column: int
    offset: int


class EventRef(NamedTuple):
    """Enough of an earlier event to point a finding at it, without keeping the event.

    A named tuple like :class:`Position`: every output item and part keeps one, and a frozen
    dataclass costs three times as much to build (half a microsecond, for each of them).
    """

    index: int
    position: Position
    sequence_number: int | None = None
    type: str | None = None


def covered(pointer: str, slips: tuple[str, ...]) -> bool:
    """Is the value at JSON pointer ``pointer`` inside one of ``slips`` (pointers of schema errors)?

    ``/item`` covers ``/item`` and ``/item/status``, not ``/items`` nor ``/output_index``; the
    empty pointer (the whole event) covers everything.
    """
    return any(pointer == slip or not slip or pointer.startswith(slip + "/") for slip in slips)


class Location(NamedTuple):
    """A further place the same finding occurs (a grouped repeat): where, and which event."""

    line: int
    column: int
    offset: int
    event_index: int | None = None
    sequence_number: int | None = None

    def as_dict(self) -> dict[str, object]:
        return self._asdict()


@dataclass(frozen=True, slots=True)
class Issue:
    """What a check reports, before the engine knows the file and event.

    ``position`` is None when the issue is about the event being checked (the
    engine uses that event's position); framing and end-of-stream issues carry
    their own. ``severity`` is None for the rule's default in the active profile; ``case`` names
    a condition of the rule whose severity the catalog sets per profile (``Rule.cases``).
    ``event`` refers to an earlier event when the issue is about that one rather
    than the event being fed (for example an item that is never closed).

    A schema finding also carries ``details`` (its event's further distinct schema errors, most
    relevant first) and ``slips``: the JSON pointer of every schema error of the event (a missing
    required field by its own name), which tells the lifecycle what it cannot trust in that
    event (:func:`covered`).
    """

    rule: str
    message: str
    pointer: str = ""
    position: Position | None = None
    severity: Severity | None = None
    event: EventRef | None = None
    details: tuple[str, ...] = ()
    slips: tuple[str, ...] = ()
    case: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    offset: int
    event_index: int | None = None
    sequence_number: int | None = None
    event_type: str | None = None
    pointer: str = ""
    #: Further lines about this finding: every other distinct schema error of the event, most
    #: relevant first; where an embedded stream's finding is in its body.
    details: tuple[str, ...] = field(default=())
    #: Further places the same finding occurs (identical schema findings grouped at the first).
    #: A tuple; a spilled store's group reads them back when iterated (a million of them).
    related: Sequence[Location] = field(default=())

    def sort_key(self) -> tuple[int, int, str]:
        return (self.offset, self.line, self.rule)

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "offset": self.offset,
            "event_index": self.event_index,
            "sequence_number": self.sequence_number,
            "event_type": self.event_type,
            "pointer": self.pointer,
            "details": list(self.details),
            "related": [r.as_dict() for r in self.related],
        }
