"""JSON decoding of framed payloads: RSP002 at the exact place the JSON breaks, RSP003.

orjson parses every payload (the fast path). Only when it fails does the stdlib
parser run again, for its exact character index and familiar message ("Expecting
',' delimiter"); that index is mapped through ``RawEvent.segments`` to the line,
column and byte offset in the input. A few texts orjson refuses are valid JSON
(a lone surrogate escape such as ``"\\ud800"``); the stdlib result is used for them.
NaN and Infinity are refused by both, as RFC 8259 says.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from .events import RawEvent
from .findings import Issue, Position
from .reader import raw_decode

__all__ = ["decode", "locate"]

#: orjson's message when its depth limit (1024) is hit. The stdlib parser is not
#: run on such input: its recursion is bounded only by the interpreter's limit.
_DEPTH = "depth limit"
_WS = re.compile(r"[ \t\n\r]*")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    return f"a {type(value).__name__}"


def _not_object(value: Any) -> tuple[None, list[Issue]]:
    return None, [Issue("RSP003", f"event data is {_kind(value)}, not a JSON object")]


def locate(raw: RawEvent, index: int) -> Position:
    """The input position of character ``index`` of ``raw.data``."""
    data = raw.data
    index = max(0, min(index, len(data)))
    k = data.count("\n", 0, index)
    segments = raw.segments or (raw.position,)
    if k >= len(segments):  # segments do not describe this data: fall back to its start
        return raw.position
    line_start = data.rfind("\n", 0, index) + 1
    piece = data[line_start:index]
    width = len(piece) if piece.isascii() else len(piece.encode("utf-8", "surrogatepass"))
    seg = segments[k]
    return Position(seg.line, seg.column + index - line_start, seg.offset + width)


def decode(raw: RawEvent) -> tuple[dict[str, Any] | None, list[Issue]]:
    """Decode one payload: ``(event, [])``, or ``(None, [RSP002 or RSP003])``."""
    if raw.value is not None:
        value = raw.value
        return (value, []) if isinstance(value, dict) else _not_object(value)
    try:
        value = orjson.loads(raw.data)
    except orjson.JSONDecodeError as exc:
        return _slow(raw, exc)
    return (value, []) if type(value) is dict else _not_object(value)


def _slow(raw: RawEvent, fast_error: orjson.JSONDecodeError) -> tuple[dict[str, Any] | None, list[Issue]]:
    data = raw.data
    if _DEPTH in fast_error.msg:
        at, message = fast_error.pos, "nesting too deep"
    else:
        value, end = raw_decode(data, _skip_ws(data))
        if not isinstance(end, tuple):
            rest = _skip_ws(data, end)
            if rest == len(data):
                # Valid JSON that orjson refuses (a lone surrogate escape, ...).
                return (value, []) if isinstance(value, dict) else _not_object(value)
            end = (rest, "Extra data")
        at, message = end
        if message == "nesting too deep":
            # Deeper than the stdlib parser goes but within orjson's limit: orjson's own
            # diagnosis is the accurate one.
            at, message = fast_error.pos, fast_error.msg
    return None, [Issue("RSP002", f"invalid JSON: {message}", position=locate(raw, at))]


def _skip_ws(text: str, start: int = 0) -> int:
    return _WS.match(text, start).end()  # type: ignore[union-attr]  (matches the empty string)
