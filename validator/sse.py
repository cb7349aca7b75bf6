"""The ``sse`` input format: the ``text/event-stream`` body exactly as on the wire.

Parsed by the WHATWG event-stream rules (see :mod:`validator.reader` for the contract): a
fast path turns typical blocks (``event:`` + ``data:``, or a lone ``data:``) into events
without looking at their lines one by one; everything else goes line by line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import repeat

from .events import RawEvent, RawKind
from .findings import Issue, Position
from .lines import EOL_SPLIT, HUGE, decode_part, end_position, release_free_memory, utf8_issue, whole_lines

__all__ = ["SseParser", "frame_sse"]

_EVENT, _DONE = RawKind.EVENT, RawKind.DONE
_COLON = 0x3A
_pos = Position
#: Payloads longer than this are decoded through a memoryview: no copy of the bytes first.
_BIG = 1 << 16


def _payload(block: bytes, start: int) -> str:
    """``block[start:]`` decoded as UTF-8 (raises UnicodeDecodeError)."""
    if len(block) < _BIG:
        return block[start:].decode()
    with memoryview(block) as view:
        return str(view[start:], "utf-8")


def _show(raw: bytes, limit: int = 40) -> str:
    text = raw[:limit].decode("utf-8", "replace")
    return repr(text) + ("..." if len(raw) > limit else "")


def _split(region: bytes) -> tuple[list[bytes], Iterable[int]]:
    """Lines of ``region`` (whole lines) and the byte length of each line end."""
    if b"\r" in region:
        parts = EOL_SPLIT.split(region)
        return parts[0:-1:2], [len(e) for e in parts[1::2]]
    lines = region.split(b"\n")
    lines.pop()
    return lines, repeat(1)


class SseParser:
    """The WHATWG event-stream interpretation, one line at a time, plus a block fast path."""

    __slots__ = ("event_name", "index", "late", "line_no", "offset", "segments", "values")

    def __init__(self, offset: int) -> None:
        self.index = 0
        self.line_no = 1
        self.offset = offset  # of the next line to read
        self.values: list[str] = []
        self.segments: list[Position] = []
        self.event_name: str | None = None
        #: Issues positioned after the start of the event being built: yielded after it.
        self.late: list[Issue] = []

    def buffer(self, box: list[bytes]) -> Iterator[RawEvent | Issue]:
        """Whole lines (popped from ``box``). Typical blocks take a fast path, the rest goes line by line.

        The buffer is cut at blank lines (in C); a block that is exactly
        ``event: NAME`` + ``data: PAYLOAD``, or a lone ``data: PAYLOAD``, becomes an
        event without looking at its lines one by one. That needs one kind of line
        end in the buffer (LF, CRLF or CR only); mixed buffers go line by line.

        Memory: the buffer is dropped once cut, and each block once read, so that a huge
        event (a terminal response with every item) is held once, as its text.
        """
        buf = box.pop()
        if b"\r" not in buf:
            eol = b"\n"
        elif b"\n" not in buf:
            eol = b"\r"
        elif buf.count(b"\r") == buf.count(b"\n") == buf.count(b"\r\n"):
            eol = b"\r\n"
        else:
            yield from self.lines(*_split(buf))
            return
        size = len(eol)
        nl = eol[-1:]  # in this buffer, every line end contains this byte
        step = 2 * size  # the line end of the last line plus the blank line
        blocks = buf.split(eol + eol)
        huge = len(buf) > HUGE
        del buf
        if huge:  # the buffer, freed now that its blocks are cut: see release_free_memory
            release_free_memory()
        tail = blocks.pop()
        blocks.reverse()  # popped in input order: a block is released as soon as it is read
        pop = blocks.pop
        if blocks and (self.values or self.event_name is not None):
            # The first block continues an event begun in the previous buffer.
            block: bytes | None = pop()
            if not self.values and block.startswith(b"data: ") and block.find(nl, 6) < 0:
                # Its event: line ended the previous buffer and this is its lone data line: the
                # usual shape of a huge event (a line longer than a chunk is a buffer of its own).
                # Same result as lines() below, without a copy of the line and its list.
                try:
                    text = _payload(block, 6)
                except UnicodeDecodeError:
                    pass
                else:
                    # Only the event holds the text: the consumer may drop it as soon as it is parsed.
                    ready = [self._lone_data(text, len(block) + step)]
                    block, text = None, ""
                    yield ready.pop()
            if block is not None:  # (an empty block is a blank line: it dispatches)
                lines = block.split(eol)
                block = None
                lines.append(b"")
                yield from self.lines(lines, repeat(size))
        line_no, offset, index = self.line_no, self.offset, self.index
        while blocks:
            block = pop()
            if block.startswith(b"data: "):
                if block.find(nl, 6) < 0:
                    try:
                        text = _payload(block, 6)
                    except UnicodeDecodeError:
                        pass
                    else:
                        position = _pos(line_no, 7, offset + 6)
                        line_no += 2
                        offset += len(block) + step
                        block = b""
                        if text[:1] == "[" and text.strip(" \t") == "[DONE]":
                            yield RawEvent(index, _DONE, text, position, (position,), None, True)
                        else:
                            yield RawEvent(index, _EVENT, text, position, (position,), None, True)
                            index += 1
                        continue
            elif block.startswith(b"event: "):
                end = block.find(eol, 7)
                at = end + size + 6
                if end > 0 and block.startswith(b"data: ", end + size) and block.find(nl, at) < 0:
                    try:
                        text = _payload(block, at)
                        name = block[7:end].decode()
                    except UnicodeDecodeError:
                        pass
                    else:
                        position = _pos(line_no + 1, 7, offset + at)
                        line_no += 3
                        offset += len(block) + step
                        block = b""
                        if text[:1] == "[" and text.strip(" \t") == "[DONE]":
                            yield RawEvent(index, _DONE, text, position, (position,), name, True)
                        else:
                            yield RawEvent(index, _EVENT, text, position, (position,), name, True)
                            index += 1
                        continue
            self.line_no, self.offset, self.index = line_no, offset, index
            lines = block.split(eol)
            lines.append(b"")
            yield from self.lines(lines, repeat(size))
            line_no, offset, index = self.line_no, self.offset, self.index
        self.line_no, self.offset, self.index = line_no, offset, index
        if tail:
            lines = tail.split(eol)
            lines.pop()
            yield from self.lines(lines, repeat(size))

    def _lone_data(self, text: str, size: int) -> RawEvent:
        """The event of a pending ``event:`` name whose only data line (``size`` bytes with the
        line end and the blank line) starts this buffer: what :meth:`lines` makes of it."""
        position = _pos(self.line_no, 7, self.offset + 6)
        self.line_no += 2
        self.offset += size
        name, self.event_name = self.event_name, None
        if text[:1] == "[" and text.strip(" \t") == "[DONE]":
            return RawEvent(self.index, _DONE, text, position, (position,), name, True)
        self.index += 1
        return RawEvent(self.index - 1, _EVENT, text, position, (position,), name, True)

    def lines(self, lines: list[bytes], ends: Iterable[int]) -> Iterator[RawEvent | Issue]:
        line_no = self.line_no
        offset = self.offset
        values = self.values
        late = self.late
        for line, end in zip(lines, ends, strict=False):
            if not line:
                if values:
                    yield from self._dispatch()
                    values, late = self.values, self.late
                self.event_name = None
            elif line.startswith(b"data:"):
                start = 6 if line[5:6] == b" " else 5
                try:
                    values.append(line[start:].decode())
                except UnicodeDecodeError as exc:
                    values.append(line[start:].decode("utf-8", "replace"))
                    late.append(utf8_issue(line, start + exc.start, line_no, offset))
                self.segments.append(_pos(line_no, start + 1, offset + start))
            else:
                issues = self._field(line, line_no, offset)
                if issues:
                    if values:
                        late.extend(issues)
                    else:
                        yield from issues
            offset += len(line) + end
            line_no += 1
        self.line_no = line_no
        self.offset = offset

    def _field(self, line: bytes, line_no: int, offset: int) -> list[Issue]:
        """Every line but blank and ``data:`` ones; returns its issues."""
        if line.startswith(b"event:"):
            start = 7 if line[6:7] == b" " else 6
            self.event_name, issue = decode_part(line, start, line_no, offset)
            return [] if issue is None else [issue]
        issues: list[Issue] = []
        if line[0] != _COLON:  # not a comment
            colon = line.find(b":")
            name = line if colon < 0 else line[:colon]
            if name == b"data":  # no colon: a data field with an empty value
                self.values.append("")
                self.segments.append(_pos(line_no, 5, offset + 4))
            elif name == b"event":
                self.event_name = ""
            elif name == b"id":
                message = "SSE id: field sent (resumption uses sequence_number)"
                issues.append(Issue("RSP009", message, position=_pos(line_no, 1, offset)))
            elif name != b"retry":
                if colon < 0:
                    message = f"line is not an SSE field or comment (no ':'): {_show(line)}"
                else:
                    message = f"unknown SSE field {_show(name)} (expected event, data, id or retry)"
                issues.append(Issue("RSP010", message, position=_pos(line_no, 1, offset)))
        if not line.isascii():
            _, issue = decode_part(line, 0, line_no, offset)
            if issue is not None:
                issues.append(issue)
        return issues

    def _dispatch(self) -> Iterator[RawEvent | Issue]:
        values, segments = self.values, self.segments
        if len(values) == 1:
            data = values[0]
            segs: tuple[Position, ...] = (segments[0],)
        else:
            data = "\n".join(values)
            segs = tuple(segments)
        if data[:1] == "[" and data.strip(" \t") == "[DONE]":
            yield RawEvent(self.index, _DONE, data, segs[0], segs, self.event_name, True)
        else:
            yield RawEvent(self.index, _EVENT, data, segs[0], segs, self.event_name, True)
            self.index += 1
        if self.late:
            yield from self.late
        self.values, self.segments, self.late = [], [], []

    def finish(self) -> Iterator[RawEvent | Issue]:
        """End of input: an event still open is dispatched, with RSP011."""
        if not self.values:
            return
        position = self.segments[0]
        late, self.late = self.late, []
        yield from self._dispatch()
        yield Issue(
            "RSP011",
            "last event is not followed by a blank line (WHATWG clients discard it)",
            position=position,
        )
        yield from late


def frame_sse(
    chunks: Iterable[bytes], offset: int, at_end: Callable[[Position], None]
) -> Iterator[RawEvent | Issue]:
    """Events and issues of an ``sse`` input whose first byte is at ``offset``; ``at_end`` gets
    the position just past the input once it is read."""
    parser = SseParser(offset)
    last = b""
    for box, whole in whole_lines(chunks, True):
        if whole:
            yield from parser.buffer(box)
        else:
            last = box[0]
            yield from parser.lines([last], (0,))
    yield from parser.finish()
    at_end(end_position(parser.line_no, parser.offset, last))
