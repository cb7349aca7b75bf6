"""The ``json`` input format: one JSON array of event objects, buffered whole.

It cannot be framed before it is parsed, so the whole input is decoded once and each
element's position is looked up in it (:class:`_TextMap`); positions stay exact on lines
with invalid UTF-8 too. The strict JSON parser here (:func:`raw_decode`: no NaN or Infinity,
integers of any length) is also the one :mod:`validator.reading.decode` locates broken payloads with.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator

from validator.model.events import RawEvent, RawKind
from validator.model.findings import Issue, Position
from validator.reading.lines import EOL_SPLIT, utf8_issue

__all__ = ["find_constant", "frame_json", "raw_decode", "skip_ws"]

_EOL_BYTES = re.compile(rb"\r\n|\r|\n")
_EOL_TEXT = re.compile(r"\r\n|\r|\n")
_JSON_WS = re.compile(r"[ \t\n\r]*")
_ESCAPES = re.compile("[\udc80-\udcff]")
_EVENT = RawKind.EVENT


def frame_json(
    chunks: Iterable[bytes], base: int, at_end: Callable[[Position], None]
) -> Iterator[RawEvent | Issue]:
    """Events and issues of a ``json`` input whose first byte is at ``base``; ``at_end`` gets
    the position just past the input as soon as it is read (before the first event)."""
    text_map = _TextMap(b"".join(chunks), base)
    at_end(text_map.end)
    pending = text_map.issues[::-1]  # RSP001s, yielded in position order among the events
    for item in _array_items(text_map):
        at = item.position.offset  # type: ignore[union-attr]
        while pending and pending[-1].position.offset <= at:  # type: ignore[union-attr]
            yield pending.pop()
        yield item
    yield from reversed(pending)


class _TextMap:
    """A whole buffered input as text, with exact positions for character indices.

    A line with invalid UTF-8 is decoded one character per bad byte (U+FFFD in
    the text), so that byte offsets stay exact on that line too.
    """

    def __init__(self, raw: bytes, base: int) -> None:
        self.issues: list[Issue] = []
        self._base = base
        #: Lines with bad bytes: the line with each bad byte as a surrogate escape.
        self._escaped: dict[int, str] = {}
        try:
            self.text = raw.decode()
            self._char_starts = [0, *(m.end() for m in _EOL_TEXT.finditer(self.text))]
            self._byte_starts = [0, *(m.end() for m in _EOL_BYTES.finditer(raw))]
        except UnicodeDecodeError:
            self._decode_lines(raw)
        self._ascii = self.text.isascii()
        self._cursor = (-1, 0, 0)  # line, char index, byte offset of the last lookup
        last = len(self._char_starts) - 1
        self.end = Position(last + 1, len(self.text) - self._char_starts[last] + 1, base + len(raw))

    def _decode_lines(self, raw: bytes) -> None:
        # Line by line, so that each line with a bad byte gets its own RSP001.
        pieces: list[str] = []
        char_starts = [0]
        byte_starts = [0]
        parts = EOL_SPLIT.split(raw)
        for i in range(0, len(parts), 2):
            line = parts[i]
            try:
                text = line.decode()
            except UnicodeDecodeError as exc:
                self.issues.append(
                    utf8_issue(line, exc.start, len(char_starts), byte_starts[-1] + self._base)
                )
                escaped = line.decode("utf-8", "surrogateescape")
                self._escaped[len(char_starts) - 1] = escaped
                text = _ESCAPES.sub("\ufffd", escaped)
            pieces.append(text)
            if i + 1 < len(parts):
                eol = parts[i + 1]
                pieces.append(eol.decode())
                char_starts.append(char_starts[-1] + len(text) + len(eol))
                byte_starts.append(byte_starts[-1] + len(line) + len(eol))
        self.text = "".join(pieces)
        self._char_starts = char_starts
        self._byte_starts = byte_starts

    def position(self, index: int) -> Position:
        k = bisect_right(self._char_starts, index) - 1
        line_start = self._char_starts[k]
        if self._ascii:
            offset = self._byte_starts[k] + index - line_start
        else:
            # Lookups come in increasing order: continue from the last one on the same line.
            line, last_index, last_offset = self._cursor
            if line != k or index < last_index:
                last_index, last_offset = line_start, self._byte_starts[k]
            escaped = self._escaped.get(k)
            if escaped is None:
                piece = self.text[last_index:index]
                width = len(piece) if piece.isascii() else len(piece.encode())
            else:
                piece = escaped[last_index - line_start : index - line_start]
                width = len(piece.encode("utf-8", "surrogateescape"))
            offset = last_offset + width
            self._cursor = (k, index, offset)
        return Position(k + 1, index - line_start + 1, offset + self._base)


class _Constant(ValueError):
    """NaN, Infinity or -Infinity: accepted by the stdlib parser, but not JSON."""


def _reject_constant(token: str) -> object:
    raise _Constant(token)


def _parse_int(digits: str) -> object:
    try:
        return int(digits)
    except ValueError:  # past sys.get_int_max_str_digits(): still valid JSON
        from decimal import Decimal

        return Decimal(digits)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_parse_int)
_CONSTANT_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(-?Infinity|NaN)', re.DOTALL)


def find_constant(text: str, start: int = 0) -> int:
    """Index of the first NaN/Infinity token outside strings (``start`` if none)."""
    for m in _CONSTANT_TOKEN.finditer(text, start):
        if m.group(1):
            return m.start(1)
    return start


def raw_decode(text: str, index: int) -> tuple[object, int] | tuple[None, tuple[int, str]]:
    """Parse one JSON value at ``text[index]``: ``(value, end)`` or ``(None, (error index, message))``."""
    try:
        return _DECODER.raw_decode(text, index)
    except _Constant as exc:
        return None, (find_constant(text, index), f"{exc.args[0]} is not a JSON value")
    except json.JSONDecodeError as exc:
        return None, (exc.pos, exc.msg)
    except RecursionError:
        return None, (index, "nesting too deep")
    except (ValueError, MemoryError) as exc:
        return None, (index, str(exc) or type(exc).__name__)


def skip_ws(text: str, at: int = 0) -> int:
    """The index of the first character at or after ``at`` that is not JSON whitespace."""
    return _JSON_WS.match(text, at).end()  # type: ignore[union-attr]  (matches the empty string)


def _array_items(tm: _TextMap) -> Iterator[RawEvent | Issue]:
    text = tm.text

    def broken(at: int, message: str) -> Issue:
        return Issue("RSP002", f"invalid JSON: {message}", position=tm.position(at))

    i = skip_ws(text, 0)
    if i == len(text):
        return
    if text[i] != "[":
        yield broken(i, "expected '[' (the json input format is one array of event objects)")
        return
    i = skip_ws(text, i + 1)
    if text[i : i + 1] == "]":
        i = skip_ws(text, i + 1)
        if i < len(text):
            yield broken(i, "Extra data after the array")
        return
    index = 0
    while True:
        value, end = raw_decode(text, i)
        if isinstance(end, tuple):
            yield broken(*end)
            return
        data = text[i:end]
        pos = tm.position(i)
        if "\n" in data:
            starts = [i + m.end() for m in re.finditer("\n", data)]
            segments = (pos, *(tm.position(s) for s in starts))
        else:
            segments = (pos,)
        yield RawEvent(index, _EVENT, data, pos, segments, None, False, value)
        index += 1
        i = skip_ws(text, end)
        if text[i : i + 1] == ",":
            i = skip_ws(text, i + 1)
            continue
        if text[i : i + 1] == "]":
            i = skip_ws(text, i + 1)
            if i < len(text):
                yield broken(i, "Extra data after the array")
            return
        if i == len(text):
            yield broken(i, "unterminated array: expecting ',' or ']'")
        else:
            yield broken(i, "Expecting ',' delimiter")
        return
