"""The ``sse`` input format: the ``text/event-stream`` body exactly as on the wire.

Parsed by the WHATWG event-stream rules (see :mod:`validator.reading.reader` for the contract): a
fast path turns typical blocks (``event:`` + ``data:``, or a lone ``data:``) into events
without looking at their lines one by one; everything else goes line by line.

With ``runs`` (the engine's reader), consecutive typical blocks under the same ``event:``
line (the deltas of one text), or of a lone ``data:`` line each (the chunks of a Chat
Completions stream), are found by one regular expression and handed over together as a
:class:`~validator.model.events.RawRun` (:meth:`SseParser._scan`). Without it, the original
block loop (:meth:`SseParser.buffer`) frames every buffer; it also frames huge buffers in
either case, with the fewest copies. The tests hold the two to the same events.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import repeat

from validator.model.events import RawEvent, RawKind, RawRun
from validator.model.findings import Issue, Position
from validator.reading.lines import (
    EOL_SPLIT,
    HUGE,
    UNREAD,
    LineCutter,
    Overlong,
    decode_part,
    end_position,
    overlong_issue,
    release_free_memory,
)

__all__ = ["SseFramer", "SseParser"]

_EVENT, _DONE = RawKind.EVENT, RawKind.DONE
_COLON = 0x3A
_pos = Position
#: Buffers up to this size are scanned for runs (the usual buffer is one read of
#: ``transcript.CHUNK_SIZE``); a bigger one holds a huge event, framed by
#: :meth:`SseParser.buffer` with the fewest copies.
_SCAN_LIMIT = 4 << 20
#: A run flags a payload longer than this (``RawRun.long``): decode.SHALLOW, the shortest that
#: can nest too deep (a test holds the two equal; sse cannot import decode, which imports it).
LONG = 508
#: Payloads longer than this are decoded through a memoryview: no copy of the bytes first.
_BIG = 1 << 16


def _payload(block: bytes, start: int, stop: int | None = None) -> str:
    """``block[start:stop]`` decoded as UTF-8 (raises UnicodeDecodeError)."""
    if (len(block) if stop is None else stop) - start < _BIG:
        return block[start:stop].decode()
    with memoryview(block) as view:
        return str(view[start:stop], "utf-8")


def _show(raw: bytes, limit: int = 40) -> str:
    text = raw[:limit].decode("utf-8", "replace")
    return repr(text) + ("..." if len(raw) > limit else "")


@lru_cache(maxsize=256)
def _run_pattern(header: bytes, sep: bytes) -> re.Pattern[bytes]:
    """Two or more blocks, each ``header``, one line that is not ``[DONE]`` (nor any other
    payload starting with ``[``), and a blank line."""
    # In a buffer with one kind of line end, the last byte of ``sep`` is in every line end; a
    # class of one negated byte is several times faster than ``[^\r\n]``.
    other = b"[^" + re.escape(sep[-1:]) + b"]"
    end = re.escape(sep)
    # A line of more than LONG bytes takes the second branch and sets the group.
    line = b"(?:" + other + b"{0,%d}" % LONG + end + b"|(" + other + b"*)" + end + b")"
    block = re.escape(header) + rb"(?!\[)" + line
    return re.compile(b"(?:" + block + b"){2,}")


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

    __slots__ = (
        "event_name",
        "index",
        "late",
        "line_no",
        "offset",
        "runs",
        "segments",
        "unread",
        "values",
    )

    def __init__(self, offset: int, runs: bool = False) -> None:
        #: Hand consecutive events framed alike over as one :class:`RawRun` (see :meth:`_scan`).
        self.runs = runs
        self.index = 0
        self.line_no = 1
        self.offset = offset  # of the next line to read
        self.values: list[str] = []
        self.segments: list[Position] = []
        self.event_name: str | None = None
        #: Issues positioned after the start of the event being built: yielded after it.
        self.late: list[Issue] = []
        #: A data line of the event being built was past the limit (:meth:`overlong`).
        self.unread = False

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
        if self.runs and len(buf) <= _SCAN_LIMIT:
            yield from self._scan(buf, eol)
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
        while blocks:
            yield from self._block(pop(), eol)
        if tail:
            lines = tail.split(eol)
            lines.pop()
            yield from self.lines(lines, repeat(size))

    def _scan(self, buf: bytes, eol: bytes) -> Iterator[RawEvent | RawRun | Issue]:
        """:meth:`buffer` with runs: the same events, but consecutive ones framed alike as one
        :class:`RawRun`, found by a regular expression over the buffer rather than block by block.

        ``eol`` is the buffer's only kind of line end. Each other block goes through
        :meth:`_block`, as :meth:`buffer` would take it.
        """
        size = len(eol)
        sep = eol + eol
        step = 2 * size
        pos = 0
        if self.values or self.event_name is not None:
            # The first block continues an event begun in the previous buffer.
            cut = buf.find(sep)
            lines = (buf if cut < 0 else buf[:cut]).split(eol)
            if cut < 0:
                lines.pop()
                yield from self.lines(lines, repeat(size))
                return
            lines.append(b"")
            yield from self.lines(lines, repeat(size))
            pos = cut + step
        end_of_buffer = len(buf)
        ascii_only = buf.isascii()
        while True:
            cut = buf.find(sep, pos)
            if cut < 0:
                break
            found = self._run(buf, pos, cut, eol, ascii_only)
            if found is not None:
                run, pos = found
                yield run
                continue
            yield from self._block(buf, eol, pos, cut)
            pos = cut + step
        if pos < end_of_buffer:
            lines = buf[pos:].split(eol)
            lines.pop()
            yield from self.lines(lines, repeat(size))

    def _run(
        self, buf: bytes, start: int, cut: int, eol: bytes, ascii_only: bool
    ) -> tuple[RawRun, int] | None:
        """The run that starts with the block ``buf[start:cut]``, and where it ends: two or more
        blocks, each the same ``event:`` line (or none), one ``data:`` line that is not ``[DONE]``
        and a blank line. None (nothing framed) when there is no such run or it is not valid UTF-8."""
        size = len(eol)
        if buf.startswith(b"event: ", start):
            name_end = buf.find(eol, start + 7, cut)
            if name_end < 0:
                return None
            header = buf[start : name_end + size + 6]
            if not header.endswith(b"data: "):
                return None
            stride = 3
        elif buf.startswith(b"data: ", start):
            name_end, header, stride = 0, b"data: ", 2  # data-only blocks (Chat Completions)
        else:
            return None
        sep = eol + eol
        if not buf.startswith(header, cut + 2 * size):
            return None  # the usual case: the next block is another event
        match = _run_pattern(header, sep).match(buf, start)
        if match is None:
            return None
        stop = match.end()
        if not ascii_only:
            try:
                buf[start:stop].decode()
            except UnicodeDecodeError:
                return None
        length = len(header)
        payloads = buf[start + length : stop - 2 * size].split(sep + header)
        count = len(payloads)
        position = _pos(self.line_no + stride - 2, 7, self.offset + length)
        name = buf[start + 7 : name_end].decode() if name_end else None
        run = RawRun(self.index, name, payloads, position, length + 2 * size, match.start(1) >= 0)
        self.line_no += stride * count
        self.offset += stop - start
        self.index += count
        return run, stop

    def _block(
        self, buf: bytes, eol: bytes, start: int = 0, stop: int | None = None
    ) -> Iterator[RawEvent | Issue]:
        """The block ``buf[start:stop]`` (the lines before a blank line, in a buffer with one kind
        of line end): a typical one (``data:`` alone, ``event:`` + ``data:``) becomes an event at
        once, the rest goes line by line.

        Memory: the block is dropped before its event is handed on, so that a huge event is
        held once, as its text (the caller passes a block it keeps no reference to).
        """
        if stop is None:
            stop = len(buf)
        size = len(eol)
        name_end = 0
        if buf.startswith(b"data: ", start):
            at, lines = start + 6, 2
        elif buf.startswith(b"event: ", start):
            name_end = buf.find(eol, start + 7, stop)
            at, lines = name_end + size + 6, 3
            if name_end < 0 or not buf.startswith(b"data: ", name_end + size):
                at = -1
        else:
            at = -1
        if at >= 0 and buf.find(eol[-1:], at, stop) < 0:
            try:
                text = _payload(buf, at, stop)
                name = buf[start + 7 : name_end].decode() if name_end else None
            except UnicodeDecodeError:
                pass
            else:
                event = self._event(text, _pos(self.line_no + lines - 2, 7, self.offset + at - start), name)
                self.line_no += lines
                self.offset += stop - start + 2 * size
                buf = b""
                yield event
                return
        split = buf[start:stop].split(eol)
        buf = b""
        split.append(b"")
        yield from self.lines(split, repeat(size))

    def _lone_data(self, text: str, size: int) -> RawEvent:
        """The event of a pending ``event:`` name whose only data line (``size`` bytes with the
        line end and the blank line) starts this buffer: what :meth:`lines` makes of it."""
        event = self._event(text, _pos(self.line_no, 7, self.offset + 6), self.event_name)
        self.line_no += 2
        self.offset += size
        self.event_name = None
        return event

    def _event(self, text: str, position: Position, name: str | None) -> RawEvent:
        """The event of a one-line payload: the ``[DONE]`` sentinel, or the next data event."""
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
                text, issue = decode_part(line, start, line_no, offset)
                values.append(text)
                if issue is not None:
                    late.append(issue)
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

    def overlong(self, piece: Overlong, limit: int | None) -> Iterator[Issue]:
        """A line past the limit (RSP017), not read: a ``data:`` line leaves its event unreadable."""
        line_no, offset = self.line_no, self.offset
        issue = overlong_issue(piece, limit, line_no, offset)
        if piece.head.startswith(b"data:"):
            start = 6 if piece.head[5:6] == b" " else 5
            self.values.append("")
            self.segments.append(_pos(line_no, start + 1, offset + start))
            self.unread = True
            self.late.append(issue)
        elif self.values:
            self.late.append(issue)
        else:
            yield issue
        self.line_no = line_no + 1
        self.offset = offset + piece.length + piece.eol

    def _dispatch(self) -> Iterator[RawEvent | Issue]:
        values, segments = self.values, self.segments
        if len(values) == 1:
            data = values[0]
            segs: tuple[Position, ...] = (segments[0],)
        else:
            data = "\n".join(values)
            segs = tuple(segments)
        if self.unread:
            self.unread = False
            yield RawEvent(self.index, _EVENT, "", segs[0], segs, self.event_name, True, UNREAD)
            self.index += 1
        elif data[:1] == "[" and data.strip(" \t") == "[DONE]":
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


class SseFramer:
    """Frames an ``sse`` input whose first byte is at ``offset``, chunk by chunk as it arrives.

    :meth:`feed` and :meth:`close` return the events and issues the bytes complete (iterate
    each fully before the next call); afterwards ``end`` is the position just past the input.
    With ``runs``, consecutive events framed alike come as :class:`RawRun` values.
    """

    __slots__ = ("cutter", "end", "parser")

    def __init__(self, offset: int, runs: bool = False, limit: int | None = None) -> None:
        self.parser = SseParser(offset, runs)
        self.cutter = LineCutter(True, limit)
        self.end = Position(1, 1, offset)

    def feed(self, chunk: bytes) -> Iterator[RawEvent | RawRun | Issue]:
        box = self.cutter.cut(chunk)
        if box is not None:
            yield from self._pieces(box)

    def _pieces(self, box: list[bytes | Overlong]) -> Iterator[RawEvent | RawRun | Issue]:
        # Almost always one buffer; the parser pops each buffer itself, so that it is freed early.
        parser = self.parser
        while box:
            if type(box[-1]) is Overlong:
                yield from parser.overlong(box.pop(), self.cutter.limit)  # type: ignore[arg-type]
            else:
                yield from parser.buffer(box)  # type: ignore[arg-type]

    def close(self) -> Iterator[RawEvent | RawRun | Issue]:
        parser = self.parser
        last = b""
        end: Position | None = None
        rest = self.cutter.rest()
        if rest is not None:
            box, whole = rest
            if whole:
                yield from self._pieces(box)
            elif type(box[0]) is Overlong:
                piece = box.pop()
                yield from parser.overlong(piece, self.cutter.limit)  # type: ignore[arg-type]
                # (Its column is counted in bytes: the line was not decoded.)
                end = Position(parser.line_no - 1, piece.length + 1, parser.offset)  # type: ignore[union-attr]
            else:
                last = box[0]  # type: ignore[assignment]
                yield from parser.lines([last], (0,))
        yield from parser.finish()
        self.end = end or end_position(parser.line_no, parser.offset, last)
