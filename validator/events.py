"""The values that flow between the layers: raw framed events and decoded events."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from .findings import Position

__all__ = ["Event", "RawEvent", "RawKind"]


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
class Event:
    """A decoded event handed to the schema and lifecycle layers."""

    index: int
    data: dict[str, Any]
    position: Position
    event_name: str | None = None
    framed: bool = True
    schema_ok: bool = True

    @property
    def type(self) -> str | None:
        t = self.data.get("type")
        return t if isinstance(t, str) else None

    @property
    def sequence_number(self) -> int | None:
        n = self.data.get("sequence_number")
        return n if isinstance(n, int) and not isinstance(n, bool) else None
