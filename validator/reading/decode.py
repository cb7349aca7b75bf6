"""JSON decoding of framed payloads: RSP002 at the exact place the JSON breaks, RSP003.

orjson parses every payload (the fast path). Only when it fails does the stdlib
parser run again, for its exact character index and familiar message ("Expecting
',' delimiter"); that index is mapped through ``RawEvent.segments`` to the line,
column and byte offset in the input. A few texts orjson refuses are valid JSON
(a lone surrogate escape such as ``"\\ud800"``); the stdlib result is used for them.
NaN and Infinity are refused by both, as RFC 8259 says.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from validator.model.events import RawEvent
from validator.model.findings import Issue, Position
from validator.reading.jsonarray import skip_ws
from validator.reading.lines import UNREAD
from validator.reading.reader import (  # the reader frees huge events' buffers too
    raw_decode,
    release_free_memory,
)

__all__ = [
    "HUGE",
    "MAX_DEPTH",
    "SHALLOW",
    "decode",
    "decode_huge",
    "depth_issue",
    "exact_ints_needed",
    "exact_ints_possible",
    "loads_long",
    "locate",
    "release_free_memory",
    "too_deep",
]

#: orjson's message when its depth limit (1024) is hit. The stdlib parser is not
#: run on such input: its recursion is bounded only by the interpreter's limit.
_DEPTH = "depth limit"

#: The deepest nesting an event may have (the event object is level 1). orjson parses 1024
#: levels, but the checks are Python (the schema engine's explanations, messages quoting a
#: value, comparisons of items), whose recursion ends near 1000 frames: a deeper event is
#: reported as RSP002 instead of reaching them. 254 is what ``orjson.dumps`` serialises,
#: which makes the test one C call.
MAX_DEPTH = 254
#: A payload this short cannot nest deeper than MAX_DEPTH (each level takes two characters).
SHALLOW = 2 * MAX_DEPTH
_DUMPS_DEPTH = "Recursion limit"

#: An integer literal orjson does not read exactly, as an object member's value or an array's
#: element: past 64 bits, so 20 digits or more, or 19 after a ``-`` (below -2**63). orjson reads
#: it as a float (99999999999999999999 becomes 1e20, -9999999999999999999 becomes -1e19); such
#: payloads are parsed by the stdlib parser, which keeps them exact. (A 19-digit negative that
#: fits in 64 bits matches too: it is read exactly either way, only more slowly.)
exact_ints_needed = re.compile(r"[:,\[]\s*(?:-\d{19}|\d{20})").search
#: Where :data:`exact_ints_needed` can find something, at a fraction of its cost on a short
#: payload (a search for ``:`` rather than for any of three characters; a set tested on the few
#: characters after each): 20 characters of JSON whitespace, ASCII digits, ``-+.eE`` and ``,[]``
#: after a ``:``. A member's value that is such an integer starts so, and so does an array of
#: numbers (nested or not) that holds one. Not seen: such an integer in an array after a string,
#: an object or a literal of that array (``["a", 1e20 as an integer]``); in a payload longer than
#: SHALLOW :func:`loads_long` finds that too. What only the full pattern finds otherwise (Unicode
#: digits or spaces) is inside a string, or the JSON is broken, and either way orjson's reading
#: (or its failure, which ends in decode()) is the same. The hot path asks this first.
exact_ints_possible = re.compile(r":[-+.0-9eE \t\r\n,\[\]]{20}").search


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


@dataclass(frozen=True, slots=True)
class NotJSON:
    """An event given as a Python value that JSON cannot carry (a set, bytes, an object)."""

    reason: str


def decode(raw: RawEvent) -> tuple[dict[str, Any] | None, list[Issue]]:
    """Decode one payload: ``(event, [])``, or ``(None, [RSP002 or RSP003])``."""
    if raw.value is not None:
        value = raw.value
        if value is UNREAD:  # a line past the limit: the reader reported it (RSP017)
            return None, []
        if type(value) is NotJSON:
            return None, [Issue("RSP002", f"event is not JSON: {value.reason}", position=raw.position)]
        if isinstance(value, dict) and too_deep(value):
            return None, [depth_issue(raw)]
        return (value, []) if isinstance(value, dict) else _not_object(value)
    if exact_ints_needed(raw.data):
        return _checked(raw, *_slow(raw, None))
    try:
        value = orjson.loads(raw.data)
    except orjson.JSONDecodeError as exc:
        return _checked(raw, *_slow(raw, exc))
    return _checked(raw, *((value, []) if type(value) is dict else _not_object(value)))


def _checked(
    raw: RawEvent, value: dict[str, Any] | None, issues: list[Issue]
) -> tuple[dict[str, Any] | None, list[Issue]]:
    if value is not None and len(raw.data) > SHALLOW and too_deep(value):
        return None, [depth_issue(raw)]
    return value, issues


def loads_long(text: str) -> Any:
    """orjson's reading of a payload longer than :data:`SHALLOW` (and not :data:`HUGE`), or None
    where :func:`decode` must decide: broken JSON, nesting deeper than :data:`MAX_DEPTH`, or an
    integer orjson rounds (:data:`exact_ints_needed`). A value that is not an object is returned
    as it is, for :func:`decode` to report.

    One ``orjson.dumps`` of the value answers both costly questions. It fails on nesting deeper
    than MAX_DEPTH. And an integer orjson rounds (past 64 bits, so 9.2e18 or more in size) is
    a float in the value, which orjson writes with an exponent, ``e+18`` or more: where what it
    wrote holds no ``+`` (a memchr), the text holds no such integer, and the regular expression
    need not scan it (the long payloads are the done events and the terminal response, which
    repeat every text of the stream). Where ``e+`` is written (looked for only after a ``+``, the
    faster search), :data:`exact_ints_needed` decides, which sees array elements too.
    (tests/test_decode.py holds orjson to writing such floats so.)
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict:
        return value
    try:
        written = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return None if exact_ints_needed(text) or too_deep(value) else value
    if b"+" in written and b"e+" in written and exact_ints_needed(text):
        return None
    return value


def too_deep(value: Any) -> bool:
    """Does ``value`` nest deeper than :data:`MAX_DEPTH`?"""
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        if _DUMPS_DEPTH in str(exc):
            return True
        # Something orjson will not write (a lone surrogate, an integer past 64 bits): count.
        return _depth(value) > MAX_DEPTH
    return False


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                return depth
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def depth_issue(raw: RawEvent) -> Issue:
    return Issue(
        "RSP002", f"invalid JSON: nesting too deep (more than {MAX_DEPTH} levels)", position=raw.position
    )


def _slow(
    raw: RawEvent, fast_error: orjson.JSONDecodeError | None
) -> tuple[dict[str, Any] | None, list[Issue]]:
    """The stdlib parser's verdict: after orjson failed (``fast_error``), or, with None, for
    a payload whose integers orjson would round."""
    data = raw.data
    if fast_error is not None and _DEPTH in fast_error.msg:
        at, message = fast_error.pos, "nesting too deep"
    else:
        value, end = raw_decode(data, skip_ws(data))
        if not isinstance(end, tuple):
            rest = skip_ws(data, end)
            if rest == len(data):
                # Valid JSON that orjson refuses (a lone surrogate escape, ...) or rounds.
                return (value, []) if isinstance(value, dict) else _not_object(value)
            end = (rest, "Extra data")
        at, message = end
        if message == "nesting too deep" and fast_error is not None:
            # Deeper than the stdlib parser goes but within orjson's limit: orjson's own
            # diagnosis is the accurate one.
            at, message = fast_error.pos, fast_error.msg
    return None, [Issue("RSP002", f"invalid JSON: {message}", position=locate(raw, at))]


# --------------------------------------------------------------------------- huge payloads

#: Payloads longer than this (a terminal response holding every item) go through decode_huge.
#: Below it orjson's working document (~1.5× the text, so 6 MB at most) does not matter and its
#: speed does (a 1.3 MB terminal event: 4 ms instead of 18 ms).
HUGE = 4 << 20
_I64_MIN, _U64_MAX = -(1 << 63), (1 << 64) - 1


class _Refused(ValueError):
    """A value orjson would read differently: decode_huge leaves the payload to decode()."""


def _int_as_orjson(digits: str) -> int:
    value = int(digits)
    if not _I64_MIN <= value <= _U64_MAX:  # orjson reads these as floats, or refuses them
        raise _Refused(digits)
    return value


def _float_as_orjson(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):  # orjson refuses them ("number is infinity")
        raise _Refused(text)
    return value


def _huge_decoder(known: Callable[[str], str] | None = None) -> json.JSONDecoder:
    """A parser that shares equal ``type``, ``status``, ``role`` and ``name`` values.

    They repeat in every item of a terminal output (``message``, ``completed``, ``assistant``,
    ``output_text``, a function's name): one string object each instead of one per item is
    ~10 MB of a 65 MB terminal response with 57k items. Object keys need nothing: the parser
    already shares them. Only these fields: sharing every short string would also put each
    unique id in the table. Built per payload, so the table goes with the event; and shared
    while the objects are built, not after, so the separate copies never add up to the peak.

    ``known`` gives, for an ``id`` or ``call_id``, an equal string the caller already holds (the
    items streamed before the terminal event): one copy fewer of each instead of a table of them.
    """
    memo: dict[str, str] = {}
    share = memo.setdefault

    def hook(obj: dict[str, Any]) -> dict[str, Any]:
        # Unrolled (no loop, no set): this runs once per object of a payload tens of MB long.
        value = obj.get("type")
        if type(value) is str:
            obj["type"] = share(value, value)
        value = obj.get("status")
        if type(value) is str:
            obj["status"] = share(value, value)
        value = obj.get("role")
        if type(value) is str:
            obj["role"] = share(value, value)
        value = obj.get("name")
        if type(value) is str:
            obj["name"] = share(value, value)
        if known is not None:
            value = obj.get("id")
            if type(value) is str:
                obj["id"] = known(value)
            value = obj.get("call_id")
            if type(value) is str:
                obj["call_id"] = known(value)
        return obj

    return json.JSONDecoder(parse_int=_int_as_orjson, parse_float=_float_as_orjson, object_hook=hook)


#: Deeper than this, orjson refuses what the stdlib parser might accept.
_ORJSON_DEPTH = 1024


def decode_huge(raw: RawEvent, known: Callable[[str], str] | None = None) -> dict[str, Any] | None:
    """A huge payload that is a valid JSON object, as orjson reads it; None: use :func:`decode`.

    orjson builds a document of the whole text before the first Python object, ~1.5 times the
    text on top of the result: for a 27 MB terminal event that document, not the event, set the
    peak memory of a check. The stdlib parser builds the objects directly. It is used only where
    it gives what orjson gives: a lone surrogate escape, an integer past 64 bits, a number out of
    float range, or nesting orjson refuses all go back to decode() and its exact diagnosis.
    ``known``: see :func:`_huge_decoder`.
    """
    data = raw.data
    if raw.value is not None or "\\ud" in data or "\\uD" in data or sys.getrecursionlimit() > _ORJSON_DEPTH:
        return None
    try:
        value, end = _huge_decoder(known).raw_decode(data, skip_ws(data))
    except (ValueError, RecursionError):  # JSONDecodeError and _Refused are ValueErrors
        return None
    if type(value) is not dict or skip_ws(data, end) != len(data):
        return None
    return value
