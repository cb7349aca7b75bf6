"""The values that flow between the layers: raw framed events and decoded events."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from validator.model.findings import Position
from validator.model.values import int_or_none

__all__ = ["Event", "RawEvent", "RawKind", "RawRun"]


class RawKind(enum.Enum):
    EVENT = "event"  #: a data payload to decode
    DONE = "done"  #: the ``data: [DONE]`` sentinel


@dataclass(slots=True)
class RawEvent:
    """One framed event as the reader found it, before JSON decoding.

    ``data`` is the payload text (SSE ``data:`` lines joined with ``\\n``, or a
    JSONL line, or an element of a JSON array). ``segments`` gives, for each
    line of ``data``, the position of its first character in the input, so that
    a character index inside ``data`` maps back to an exact line, column and
    byte offset. ``position`` is where the payload starts (the first data line's
    value), the place findings about the whole event point to.
    """

    index: int
    kind: RawKind
    data: str
    position: Position
    segments: tuple[Position, ...]
    event_name: str | None = None
    #: True when the input format has SSE framing (``event:`` lines are expected).
    framed: bool = True
    #: Already-decoded payload (JSON array input, or the Python API).
    value: Any = None


@dataclass(slots=True)
class RawRun:
    """Consecutive SSE events framed alike, handed over together (``Reader(..., runs=True)``).

    Each event is a block of exactly two lines, ``event: NAME`` (the same name for all) and
    one ``data: `` line holding an ASCII or valid UTF-8 payload that is not ``[DONE]``, then
    the blank line; or, with ``name`` None, of the ``data: `` line alone (the data-only framing
    of Chat Completions). That is the shape of a run of deltas, the bulk of every transcript:
    the engine may check a run as a whole (:mod:`validator.protocols.lane`) and falls back to
    :meth:`events`, which are exactly the :class:`RawEvent` values the reader yields for
    these blocks when it hands out no runs.
    """

    #: Index of the first event.
    index: int
    #: The ``event:`` line's name; None for blocks of a ``data:`` line alone.
    name: str | None
    #: Each event's ``data:`` value, as bytes.
    payloads: list[bytes]
    #: Where the first payload starts.
    position: Position
    #: Bytes from the end of one payload to the start of the next (line ends, blank line,
    #: ``event:`` line, ``data: ``).
    gap: int
    #: Some payload is longer than ``reading.sse.LONG`` bytes (only such a one can nest too deep).
    long: bool = True

    @property
    def stride(self) -> int:
        """Lines per event: ``event:``, ``data:`` and the blank line, or without the ``event:`` line."""
        return 2 if self.name is None else 3

    def events(self, start: int = 0) -> Iterator[RawEvent]:
        """The events from ``start`` on, one by one."""
        line, offset = self.position.line, self.position.offset
        name, gap, index = self.name, self.gap, self.index
        stride = 2 if name is None else 3
        for i, payload in enumerate(self.payloads):
            if i >= start:
                pos = Position(line, 7, offset)
                yield RawEvent(index + i, RawKind.EVENT, payload.decode(), pos, (pos,), name, True)
            line += stride
            offset += len(payload) + gap

    def offsets(self) -> list[int]:
        """The byte offset of each event's payload (for :meth:`event`)."""
        gap = self.gap
        return list(accumulate([len(p) + gap for p in self.payloads[:-1]], initial=self.position.offset))

    def event(self, i: int, offset: int) -> RawEvent:
        """Event ``i`` alone, whose payload starts at byte ``offset`` (:meth:`offsets`)."""
        pos = Position(self.position.line + self.stride * i, 7, offset)
        text = self.payloads[i].decode()
        return RawEvent(self.index + i, RawKind.EVENT, text, pos, (pos,), self.name, True)

    def line(self, i: int) -> int:
        """The line of event ``i``'s payload."""
        return self.position.line + self.stride * i


@dataclass(slots=True)
class Event:
    """A decoded event handed to the schema and lifecycle layers."""

    index: int
    data: dict[str, Any]
    position: Position
    event_name: str | None = None
    framed: bool = True
    #: JSON pointers of the event's schema errors (:attr:`Issue.slips`): the values the lifecycle
    #: must not trust. Empty when the event is valid.
    slips: tuple[str, ...] = ()

    @property
    def schema_ok(self) -> bool:
        return not self.slips

    @property
    def type(self) -> str | None:
        t = self.data.get("type")
        return t if isinstance(t, str) else None

    @property
    def sequence_number(self) -> int | None:
        return int_or_none(self.data.get("sequence_number"))
