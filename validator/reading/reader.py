"""Framing: bytes in, :class:`~validator.model.events.RawEvent` values and framing issues out.

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
``eventstream``
    An AWS event-stream body (Bedrock's ``InvokeModelWithResponseStream``): binary messages with
    CRCs, each chunk carrying one base64 event; detected by a valid prelude. Buffered whole; a
    position's line is the message's number (:mod:`validator.reading.eventstream`).
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

Framing is push-style (:class:`StreamReader`): chunks are handed over as they arrive, from a
file or a live connection alike, and each returns the events it completes; :class:`Reader` is
the same over an iterable of chunks. This module detects the format and dispatches; each
format is framed by its own module (:mod:`validator.reading.sse`, :mod:`validator.reading.jsonl`,
:mod:`validator.reading.jsonarray`), the line buffering ``sse`` and ``jsonl`` share is
:mod:`validator.reading.lines`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from validator.model.events import RawEvent, RawRun
from validator.model.findings import Issue, Position
from validator.reading.eventstream import frame_eventstream
from validator.reading.eventstream import sniff as eventstream_prelude
from validator.reading.jsonarray import (
    find_constant as find_constant,  # re-exported: decode.py's strict parser
)
from validator.reading.jsonarray import frame_json
from validator.reading.jsonarray import raw_decode as raw_decode
from validator.reading.jsonl import JsonlFramer
from validator.reading.lines import release_free_memory as release_free_memory  # re-exported for decode.py
from validator.reading.sse import SseFramer

__all__ = ["FORMATS", "Reader", "StreamReader", "sniff_container"]

FORMATS = ("auto", "sse", "jsonl", "json", "eventstream")

BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
#: Give up looking for the first significant byte after this much leading whitespace.
_DETECT_LIMIT = 1 << 20
#: The bytes of a binary AWS event-stream's prelude (total and header lengths, CRC).
_PRELUDE_BYTES = 12
_START = Position(1, 1, 0)
#: HAR's one top-level member, and a vcrpy cassette saved by its JSON serializer.
_JSON_CONTAINER = re.compile(rb'\{\s*"(log|interactions|http_interactions)"\s*:')
#: A YAML cassette's top-level key (vcrpy, go-vcr: ``interactions``; Ruby VCR: ``http_interactions``).
_YAML_CASSETTE = re.compile(rb"(?m)^(?:http_)?interactions:")


def sniff_container(head: bytes) -> str | None:
    """``"har"`` or ``"cassette"`` when the first bytes of an input are a container's, else None.

    Content, not the file name, decides: a cassette on standard input or saved as ``.txt``, a
    HAR saved as ``.json``. An event stream cannot look like either: no event holds a ``log``
    or ``interactions`` member first, and no SSE field is named ``interactions``.
    """
    body = head.lstrip(BOM + _WS)
    match = _JSON_CONTAINER.match(body)
    if match is not None:
        return "har" if match.group(1) == b"log" else "cassette"
    # (The plain search first: the pattern, anchored at line starts, is tried at every byte.)
    if body[:1] != b"{" and b"interactions:" in body and _YAML_CASSETTE.search(body) is not None:
        return "cassette"
    return None


def _detect(first: int | None, head: list[bytes]) -> str:
    if first == 0x00 and eventstream_prelude(b"".join(head)[:12]):
        # A binary AWS event-stream body: its first byte is the top of a big-endian length.
        return "eventstream"
    if first == 0x5B:  # [
        return "json"
    if first == 0x7B:  # {
        return "jsonl"
    return "sse"


class _BufferedFramer:
    """A format that cannot be framed before it is whole (``json``, ``eventstream``), pushed chunk
    by chunk: buffered, framed at the end by ``frame(chunks, base, at_end)``."""

    __slots__ = ("base", "chunks", "end", "frame")

    def __init__(self, frame: Callable[..., Iterator[RawEvent | Issue]], base: int) -> None:
        self.frame = frame
        self.base = base
        self.chunks: list[bytes] = []
        self.end = Position(1, 1, base)

    def feed(self, chunk: bytes) -> Iterator[RawEvent | Issue]:
        self.chunks.append(chunk)
        return iter(())

    def close(self) -> Iterator[RawEvent | Issue]:
        chunks, self.chunks = self.chunks, []
        return self.frame(chunks, self.base, self._at_end)

    def _at_end(self, end: Position) -> None:
        self.end = end


class StreamReader:
    """Frames a transcript pushed as byte chunks, as they arrive (a live stream, or a file).

    :meth:`feed` returns the :class:`RawEvent` values and framing :class:`Issue` values (each
    with its ``position``) that the chunk completes, in input order, and with ``runs`` also
    :class:`RawRun` values; :meth:`close` returns the rest at the end of the input. Iterate
    each result fully before the next call. Afterwards ``end`` is the position just past the
    last byte and ``format`` the format that was read.

    With ``input_format="auto"`` the format is detected from the first significant byte: the
    chunks before it are held (at least 3 bytes, so that a BOM split across chunks is seen).
    """

    __slots__ = ("_first", "_framer", "_head", "_requested", "_size", "format", "max_line", "runs")

    def __init__(
        self, input_format: str = "auto", *, runs: bool = False, max_line: int | None = None
    ) -> None:
        if input_format not in FORMATS:
            raise ValueError(f"unknown input format {input_format!r} (choose from {', '.join(FORMATS)})")
        self._requested = input_format
        self.format: str = "sse" if input_format == "auto" else input_format
        #: Yield runs of SSE events framed alike as :class:`RawRun` values (see there).
        self.runs = runs
        #: ``sse`` and ``jsonl``: the longest line read, in bytes (a longer one is RSP017); None: no limit.
        self.max_line = max_line
        self._framer: SseFramer | JsonlFramer | _BufferedFramer | None = None
        self._head: list[bytes] = []
        self._size = 0
        #: The input's first significant byte, once seen.
        self._first: int | None = None

    @property
    def end(self) -> Position:
        return self._framer.end if self._framer is not None else _START

    def feed(self, chunk: bytes) -> Iterator[RawEvent | RawRun | Issue]:
        framer = self._framer
        if framer is not None:
            return framer.feed(chunk)
        if not chunk:
            return iter(())
        return self._head_chunk(bytes(chunk))

    def close(self) -> Iterator[RawEvent | RawRun | Issue]:
        if self._framer is None:
            head = b"".join(self._head)
            body = head[3:] if head.startswith(BOM) else head
            significant = body.lstrip(_WS)
            yield from self._start(significant[0] if significant else None)
        assert self._framer is not None
        yield from self._framer.close()

    def _head_chunk(self, chunk: bytes) -> Iterator[RawEvent | RawRun | Issue]:
        """Hold the chunks up to the first significant byte, then start the format's framer."""
        head = self._head
        if self._size < 3:
            head.append(chunk)
            self._size += len(chunk)
            if self._size < 3:
                return iter(())
            head[:] = [b"".join(head)]
            body = head[0][3:] if head[0].startswith(BOM) else head[0]
        else:
            head.append(chunk)
            self._size += len(chunk)
            body = chunk
        if self._first is None:
            significant = body.lstrip(_WS)
            if significant:
                self._first = significant[0]
        if self._first is not None:
            if self._first == 0x00 and self._requested == "auto" and self._size < _PRELUDE_BYTES:
                return iter(())  # a binary event-stream is told by its whole prelude: wait for it
            return self._start(self._first)
        if self._size > _DETECT_LIMIT:
            return self._start(None)
        return iter(())

    def _start(self, first: int | None) -> Iterator[RawEvent | RawRun | Issue]:
        """Choose the framer now; what the held chunks complete comes from the returned iterator."""
        if self._requested == "auto":
            self.format = _detect(first, self._head)
        head, self._head = self._head, []
        base = 0
        if head and head[0].startswith(BOM):
            head[0] = head[0][3:]
            base = 3
        framer: SseFramer | JsonlFramer | _BufferedFramer
        if self.format == "sse":
            framer = SseFramer(base, self.runs, self.max_line)
        elif self.format == "jsonl":
            framer = JsonlFramer(base, self.max_line)
        elif self.format == "eventstream":
            framer = _BufferedFramer(frame_eventstream, base)
        else:
            framer = _BufferedFramer(frame_json, base)
        self._framer = framer
        return _fed(framer, head)


def _fed(
    framer: SseFramer | JsonlFramer | _BufferedFramer, chunks: list[bytes]
) -> Iterator[RawEvent | RawRun | Issue]:
    for chunk in chunks:
        yield from framer.feed(chunk)


class Reader:
    """Frames a transcript given as byte chunks (a :class:`StreamReader` over them); iterate it once.

    Yields :class:`RawEvent` values and framing :class:`Issue` values (each with
    its ``position``) in input order; with ``runs``, also :class:`RawRun` values.
    Afterwards ``end`` is the position just past the last byte and ``format`` the
    format that was read.
    """

    def __init__(
        self,
        chunks: Iterable[bytes],
        input_format: str = "auto",
        *,
        runs: bool = False,
        max_line: int | None = None,
    ) -> None:
        self._chunks = chunks
        self._stream = StreamReader(input_format, runs=runs, max_line=max_line)
        self._started = False

    @property
    def format(self) -> str:
        return self._stream.format

    @property
    def end(self) -> Position:
        return self._stream.end

    @property
    def runs(self) -> bool:
        return self._stream.runs

    def __iter__(self) -> Iterator[RawEvent | RawRun | Issue]:
        if self._started:
            raise RuntimeError("a Reader reads its input once; create a new one")
        self._started = True
        return self._items()

    def _items(self) -> Iterator[RawEvent | RawRun | Issue]:
        stream = self._stream
        feed = stream.feed
        for chunk in self._chunks:
            yield from feed(chunk)
        yield from stream.close()
