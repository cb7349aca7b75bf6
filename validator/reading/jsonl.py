"""The ``jsonl`` input format: one JSON payload per non-blank line.

The Vercel AI SDK ``*.chunks.txt`` captures. Lines end at LF only: per JSON Lines, a CR
before it is JSON whitespace. A ``[DONE]`` line (bare or as ``data: [DONE]``) is the sentinel.
"""

from __future__ import annotations

from collections.abc import Iterator

from validator.model.events import RawEvent, RawKind
from validator.model.findings import Issue, Position
from validator.reading.lines import LineCutter, decode_part, end_position

__all__ = ["JsonlFramer"]

_DONE_LINES = frozenset((b"[DONE]", b"data: [DONE]", b"data:[DONE]"))
_EVENT, _DONE = RawKind.EVENT, RawKind.DONE
_pos = Position


class JsonlFramer:
    """Frames a ``jsonl`` input whose first byte is at ``offset``, chunk by chunk as it arrives.

    :meth:`feed` and :meth:`close` return the events and issues the bytes complete (iterate
    each fully before the next call); afterwards ``end`` is the position just past the input.
    """

    __slots__ = ("cutter", "end", "index", "line_no", "offset")

    def __init__(self, offset: int) -> None:
        self.cutter = LineCutter(False)
        self.line_no = 1
        self.index = 0
        self.offset = offset
        self.end = Position(1, 1, offset)

    def feed(self, chunk: bytes) -> Iterator[RawEvent | Issue]:
        box = self.cutter.cut(chunk)
        if box is not None:
            lines = box.pop().split(b"\n")
            lines.pop()
            yield from self._lines(lines, 1)

    def close(self) -> Iterator[RawEvent | Issue]:
        last = b""
        rest = self.cutter.rest()
        if rest is not None:
            box, whole = rest
            if whole:
                lines = box.pop().split(b"\n")
                lines.pop()
            else:
                lines = [last := box.pop()]
            yield from self._lines(lines, whole)
        self.end = end_position(self.line_no, self.offset, last)

    def _lines(self, lines: list[bytes], whole: int) -> Iterator[RawEvent | Issue]:
        line_no, index, offset = self.line_no, self.index, self.offset
        for line in lines:
            size = len(line) + whole
            if line.endswith(b"\r"):  # CRLF: the CR is JSON whitespace, left out of the payload
                line = line[:-1]
            if line and (line[0] == 0x7B or line.strip(b" \t\r")):
                position = _pos(line_no, 1, offset)
                if line[0] != 0x7B and line.strip() in _DONE_LINES:
                    yield RawEvent(index, _DONE, "[DONE]", position, (position,), None, False)
                else:
                    text, issue = decode_part(line, 0, line_no, offset)
                    yield RawEvent(index, _EVENT, text, position, (position,), None, False)
                    index += 1
                    if issue is not None:
                        yield issue
            elif not line.isascii():
                _, issue = decode_part(line, 0, line_no, offset)
                if issue is not None:
                    yield issue
            offset += size
            line_no += 1
        self.line_no, self.index, self.offset = line_no, index, offset
