"""The ``jsonl`` input format: one JSON payload per non-blank line.

The Vercel AI SDK ``*.chunks.txt`` captures. Lines end at LF only: per JSON Lines, a CR
before it is JSON whitespace. A ``[DONE]`` line (bare or as ``data: [DONE]``) is the sentinel.
"""

from __future__ import annotations

from collections.abc import Iterator

from validator.model.events import RawEvent, RawKind
from validator.model.findings import Issue, Position
from validator.reading.lines import (
    UNREAD,
    LineCutter,
    Overlong,
    decode_part,
    end_position,
    overlong_issue,
)

__all__ = ["JsonlFramer"]

_DONE_LINES = frozenset((b"[DONE]", b"data: [DONE]", b"data:[DONE]"))
_EVENT, _DONE = RawKind.EVENT, RawKind.DONE
_pos = Position


class JsonlFramer:
    """Frames a ``jsonl`` input whose first byte is at ``offset``, chunk by chunk as it arrives.

    :meth:`feed` and :meth:`close` return the events and issues the bytes complete (iterate
    each fully before the next call); afterwards ``end`` is the position just past the input.
    A line longer than ``limit`` bytes is not read (RSP017): its event is one nobody can read.
    """

    __slots__ = ("cutter", "end", "index", "line_no", "offset")

    def __init__(self, offset: int, limit: int | None = None) -> None:
        self.cutter = LineCutter(False, limit)
        self.line_no = 1
        self.index = 0
        self.offset = offset
        self.end = Position(1, 1, offset)

    def feed(self, chunk: bytes) -> Iterator[RawEvent | Issue]:
        box = self.cutter.cut(chunk)
        if box is not None:
            yield from self._pieces(box)

    def _pieces(self, box: list[bytes | Overlong]) -> Iterator[RawEvent | Issue]:
        while box:
            if type(box[-1]) is Overlong:
                yield from self._overlong(box.pop())  # type: ignore[arg-type]
                continue
            lines = box.pop().split(b"\n")  # type: ignore[union-attr]
            lines.pop()
            yield from self._lines(lines, 1)

    def close(self) -> Iterator[RawEvent | Issue]:
        last = b""
        rest = self.cutter.rest()
        if rest is not None:
            box, whole = rest
            if whole:
                yield from self._pieces(box)
            elif type(box[0]) is Overlong:
                piece = box.pop()
                yield from self._overlong(piece)
                # (Its column is counted in bytes: the line was not decoded.)
                self.end = Position(self.line_no - 1, piece.length + 1, self.offset)
                return
            else:
                yield from self._lines([last := box.pop()], 0)
        self.end = end_position(self.line_no, self.offset, last)

    def _overlong(self, piece: Overlong) -> Iterator[RawEvent | Issue]:
        """A line past the limit: RSP017, and an event that could not be read in its place."""
        position = _pos(self.line_no, 1, self.offset)
        yield overlong_issue(piece, self.cutter.limit, self.line_no, self.offset)
        yield RawEvent(self.index, _EVENT, "", position, (position,), None, False, UNREAD)
        self.index += 1
        self.offset += piece.length + piece.eol
        self.line_no += 1

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
