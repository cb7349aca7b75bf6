"""Framing: bytes in, :class:`~validator.events.RawEvent` values and framing issues out.

Three input formats, detected from the first significant byte (after an optional
UTF-8 BOM and whitespace) unless the caller names one:

``sse``
    The ``text/event-stream`` body exactly as on the wire, parsed by the WHATWG
    event-stream rules: LF, CRLF and CR line ends (also a CR and an LF in two
    different chunks); one leading BOM; ``event``/``data``/``id``/``retry`` fields in
    any order; one space after the colon stripped; ``:`` comments; several ``data``
    lines joined with ``\\n``; dispatch on a blank line.
``jsonl``
    One JSON payload per non-blank line (the Vercel AI SDK ``*.chunks.txt`` captures).
    Lines end at LF only: per JSON Lines, a CR before it is JSON whitespace.
``json``
    One JSON array of event objects. This format is buffered whole (it cannot be
    framed before it is parsed); ``sse`` and ``jsonl`` are incremental and keep only
    the current event in memory.

Positions are exact: line and column (1-based, in code points) and byte offset
(0-based) of the first character of every payload, across chunk boundaries, CRLF,
CR-only and multi-byte text. A leading BOM counts in byte offsets but not in
columns. Invalid UTF-8 is reported (RSP001) at its first bad byte on each line and
replaced by U+FFFD; in ``sse`` and ``jsonl`` input the columns and offsets of later
characters *on that line* are then best effort (``json`` input keeps them exact).

Event indices count data events only (0, 1, 2, ...); a ``[DONE]`` sentinel carries
the index the next data event would get, and does not consume it.

Only the line-end bytes split lines: U+2028, U+0085, form feed and the like inside
a payload are content.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat

from .events import RawEvent, RawKind
from .findings import Issue, Position

__all__ = ["FORMATS", "Reader"]

FORMATS = ("auto", "sse", "jsonl", "json")

BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
#: Give up looking for the first significant byte after this much leading whitespace.
_DETECT_LIMIT = 1 << 20
_START = Position(1, 1, 0)

_EOL_SPLIT = re.compile(rb"(\r\n|\r|\n)")
_EOL_BYTES = re.compile(rb"\r\n|\r|\n")
_EOL_TEXT = re.compile(r"\r\n|\r|\n")
_JSON_WS = re.compile(r"[ \t\n\r]*")
_ESCAPES = re.compile("[\udc80-\udcff]")
_DONE_LINES = frozenset((b"[DONE]", b"data: [DONE]", b"data:[DONE]"))
_EVENT, _DONE = RawKind.EVENT, RawKind.DONE
_COLON = 0x3A


_pos = Position
#: Payloads longer than this are decoded through a memoryview: no copy of the bytes first.
_BIG = 1 << 16
#: Buffers longer than this (a huge event's line) give their freed copies back to the system.
_HUGE = 1 << 20


def _payload(block: bytes, start: int) -> str:
    """``block[start:]`` decoded as UTF-8 (raises UnicodeDecodeError)."""
    if len(block) < _BIG:
        return block[start:].decode()
    with memoryview(block) as view:
        return str(view[start:], "utf-8")


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc only; elsewhere nothing).

    Framing a huge event frees buffers as large as the event, which glibc keeps in its heap
    once it has raised its mmap threshold; the next copy of the event (joined, cut, decoded)
    and the objects parsed from it cannot always reuse them, so without this they add to the
    peak: three copies of a 27 MB terminal event at once instead of two.
    """
    global _trim
    if _trim is None:
        _trim = _find_trim()
    _trim()


def _find_trim() -> Callable[[], object]:
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
    except (ImportError, OSError, AttributeError, TypeError):
        return lambda: None
    return lambda: trim(0)


_trim: Callable[[], object] | None = None


def _show(raw: bytes, limit: int = 40) -> str:
    text = raw[:limit].decode("utf-8", "replace")
    return repr(text) + ("..." if len(raw) > limit else "")


def _utf8_issue(line: bytes, bad: int, line_no: int, line_offset: int) -> Issue:
    """RSP001 for the first invalid byte ``line[bad]`` (everything before it decodes)."""
    column = len(line[:bad].decode("utf-8", "replace")) + 1
    return Issue(
        "RSP001",
        f"invalid UTF-8: byte 0x{line[bad]:02X} cannot be decoded (read as U+FFFD)",
        position=Position(line_no, column, line_offset + bad),
    )


def _decode_part(line: bytes, start: int, line_no: int, line_offset: int) -> tuple[str, Issue | None]:
    """Decode ``line[start:]``; on invalid UTF-8 report the first bad byte and replace."""
    part = line[start:]
    try:
        return part.decode(), None
    except UnicodeDecodeError as exc:
        return part.decode("utf-8", "replace"), _utf8_issue(line, start + exc.start, line_no, line_offset)


def _whole_lines(chunks: Iterable[bytes], cr_is_eol: bool) -> Iterator[tuple[list[bytes], bool]]:
    """Re-cut chunks into buffers of whole lines: ``([buffer], True)``, each ending with a line end.

    The input's last line, when nothing terminates it, comes last as ``([line], False)``.
    A line that spans chunks is joined once, so a single huge line costs linear time.
    Each buffer comes in a one-element list that this generator keeps no reference to: the
    consumer pops it, so a huge buffer is freed as soon as the consumer is done with it.
    """
    pending: list[bytes] = []
    held_cr = False
    for chunk in chunks:
        if type(chunk) is not bytes:
            chunk = bytes(chunk)
        if held_cr:
            chunk = b"\r" + chunk
            held_cr = False
        if cr_is_eol and chunk.endswith(b"\r"):
            # The LF that would make this CR a CRLF may be the next chunk's first byte.
            chunk = chunk[:-1]
            held_cr = True
        cut = chunk.rfind(b"\n")
        if cr_is_eol:
            cut = max(cut, chunk.rfind(b"\r"))
        if cut < 0:
            if chunk:
                pending.append(chunk)
            continue
        lines = chunk[: cut + 1] if cut + 1 < len(chunk) else chunk
        if pending:
            pending.append(lines)
            lines = b"".join(pending)
            pending = []
            if len(lines) > _HUGE:  # the pieces of a huge line, freed: see release_free_memory
                release_free_memory()
        box = [lines]
        lines = b""
        yield box, True
        if cut + 1 < len(chunk):
            pending.append(chunk[cut + 1 :])
    if held_cr:
        pending.append(b"\r")
        yield [b"".join(pending)], True
    elif pending:
        yield [b"".join(pending)], False


def _split(region: bytes) -> tuple[list[bytes], Iterable[int]]:
    """Lines of ``region`` (whole lines) and the byte length of each line end."""
    if b"\r" in region:
        parts = _EOL_SPLIT.split(region)
        return parts[0:-1:2], [len(e) for e in parts[1::2]]
    lines = region.split(b"\n")
    lines.pop()
    return lines, repeat(1)


class _SseParser:
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
        huge = len(buf) > _HUGE
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
                    late.append(_utf8_issue(line, start + exc.start, line_no, offset))
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
            self.event_name, issue = _decode_part(line, start, line_no, offset)
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
            _, issue = _decode_part(line, 0, line_no, offset)
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


def _take_head(chunks: Iterator[bytes]) -> tuple[list[bytes], int | None]:
    """Read until the first significant byte; return the chunks read and that byte.

    The first returned chunk holds at least 3 bytes (unless the input is shorter),
    so a BOM split across chunks is still recognised.
    """
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        if not chunk:
            continue
        chunk = bytes(chunk)
        if size < 3:
            parts.append(chunk)
            size += len(chunk)
            if size < 3:
                continue
            parts = [b"".join(parts)]
            body = parts[0][3:] if parts[0].startswith(BOM) else parts[0]
        else:
            parts.append(chunk)
            size += len(chunk)
            body = chunk
        significant = body.lstrip(_WS)
        if significant:
            return parts, significant[0]
        if size > _DETECT_LIMIT:
            return parts, None
    if parts and size < 3:
        parts = [b"".join(parts)]
        significant = parts[0].lstrip(_WS)
        return parts, significant[0] if significant else None
    return parts, None


def _detect(first: int | None) -> str:
    if first == 0x5B:  # [
        return "json"
    if first == 0x7B:  # {
        return "jsonl"
    return "sse"


class Reader:
    """Frames a transcript given as byte chunks; iterate it once.

    Yields :class:`RawEvent` values and framing :class:`Issue` values (each with
    its ``position``) in input order. Afterwards ``end`` is the position just past
    the last byte and ``format`` the format that was read.
    """

    def __init__(self, chunks: Iterable[bytes], input_format: str = "auto") -> None:
        if input_format not in FORMATS:
            raise ValueError(f"unknown input format {input_format!r} (choose from {', '.join(FORMATS)})")
        self._chunks = chunks
        self._requested = input_format
        self.format: str = "sse" if input_format == "auto" else input_format
        self.end: Position = _START
        self._started = False

    def __iter__(self) -> Iterator[RawEvent | Issue]:
        if self._started:
            raise RuntimeError("a Reader reads its input once; create a new one")
        self._started = True
        # Detection reads the first chunk(s) now; returning the format's own
        # generator (not wrapping it) saves a generator hop per event.
        source = iter(self._chunks)
        head, first = _take_head(source)
        if self._requested == "auto":
            self.format = _detect(first)
        base = 0
        if head and head[0].startswith(BOM):
            head[0] = head[0][3:]
            base = 3
        chunks = _chain(head, source)
        if self.format == "sse":
            return self._sse(chunks, base)
        if self.format == "jsonl":
            return self._jsonl(chunks, base)
        return self._json(chunks, base)

    def _sse(self, chunks: Iterable[bytes], offset: int) -> Iterator[RawEvent | Issue]:
        parser = _SseParser(offset)
        last = b""
        for box, whole in _whole_lines(chunks, True):
            if whole:
                yield from parser.buffer(box)
            else:
                last = box[0]
                yield from parser.lines([last], (0,))
        yield from parser.finish()
        self._finish(parser.line_no, parser.offset, last)

    def _jsonl(self, chunks: Iterable[bytes], offset: int) -> Iterator[RawEvent | Issue]:
        line_no = 1
        index = 0
        last = b""
        for box, whole in _whole_lines(chunks, False):
            buf = box.pop()
            if whole:
                lines = buf.split(b"\n")
                lines.pop()
            else:
                lines = [last := buf]
            for line in lines:
                size = len(line) + whole
                if line.endswith(b"\r"):  # CRLF: the CR is JSON whitespace, left out of the payload
                    line = line[:-1]
                if line and (line[0] == 0x7B or line.strip(b" \t\r")):
                    position = _pos(line_no, 1, offset)
                    if line[0] != 0x7B and line.strip() in _DONE_LINES:
                        yield RawEvent(index, _DONE, "[DONE]", position, (position,), None, False)
                    else:
                        try:
                            text = line.decode()
                            issue = None
                        except UnicodeDecodeError as exc:
                            text = line.decode("utf-8", "replace")
                            issue = _utf8_issue(line, exc.start, line_no, offset)
                        yield RawEvent(index, _EVENT, text, position, (position,), None, False)
                        index += 1
                        if issue is not None:
                            yield issue
                elif not line.isascii():
                    _, issue = _decode_part(line, 0, line_no, offset)
                    if issue is not None:
                        yield issue
                offset += size
                line_no += 1
        self._finish(line_no, offset, last)

    def _finish(self, line_no: int, offset: int, last: bytes) -> None:
        if last:  # the input ends inside its last line
            self.end = Position(line_no - 1, len(last.decode("utf-8", "replace")) + 1, offset)
        else:
            self.end = Position(line_no, 1, offset)

    def _json(self, chunks: Iterable[bytes], base: int) -> Iterator[RawEvent | Issue]:
        text_map = _TextMap(b"".join(chunks), base)
        self.end = text_map.end
        pending = text_map.issues[::-1]  # RSP001s, yielded in position order among the events
        for item in _array_items(text_map):
            at = item.position.offset  # type: ignore[union-attr]
            while pending and pending[-1].position.offset <= at:  # type: ignore[union-attr]
                yield pending.pop()
            yield item
        yield from reversed(pending)


def _chain(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from head
    yield from rest


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
        parts = _EOL_SPLIT.split(raw)
        for i in range(0, len(parts), 2):
            line = parts[i]
            try:
                text = line.decode()
            except UnicodeDecodeError as exc:
                self.issues.append(
                    _utf8_issue(line, exc.start, len(char_starts), byte_starts[-1] + self._base)
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


def _array_items(tm: _TextMap) -> Iterator[RawEvent | Issue]:
    text = tm.text

    def broken(at: int, message: str) -> Issue:
        return Issue("RSP002", f"invalid JSON: {message}", position=tm.position(at))

    def skip(at: int) -> int:
        return _JSON_WS.match(text, at).end()  # type: ignore[union-attr]

    i = skip(0)
    if i == len(text):
        return
    if text[i] != "[":
        yield broken(i, "expected '[' (the json input format is one array of event objects)")
        return
    i = skip(i + 1)
    if text[i : i + 1] == "]":
        i = skip(i + 1)
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
        i = skip(end)
        if text[i : i + 1] == ",":
            i = skip(i + 1)
            continue
        if text[i : i + 1] == "]":
            i = skip(i + 1)
            if i < len(text):
                yield broken(i, "Extra data after the array")
            return
        if i == len(text):
            yield broken(i, "unterminated array: expecting ',' or ']'")
        else:
            yield broken(i, "Expecting ',' delimiter")
        return
