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

This module detects the format and dispatches; each format is framed by its own module
(:mod:`validator.reading.sse`, :mod:`validator.reading.jsonl`, :mod:`validator.reading.jsonarray`), the line
buffering ``sse`` and ``jsonl`` share is :mod:`validator.reading.lines`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from validator.model.events import RawEvent, RawRun
from validator.model.findings import Issue, Position
from validator.reading.eventstream import frame_eventstream
from validator.reading.eventstream import sniff as eventstream_prelude
from validator.reading.jsonarray import (
    find_constant as find_constant,  # re-exported: decode.py's strict parser
)
from validator.reading.jsonarray import frame_json
from validator.reading.jsonarray import raw_decode as raw_decode
from validator.reading.jsonl import frame_jsonl
from validator.reading.lines import release_free_memory as release_free_memory  # re-exported for decode.py
from validator.reading.sse import frame_sse

__all__ = ["FORMATS", "Reader"]

FORMATS = ("auto", "sse", "jsonl", "json", "eventstream")

BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
#: Give up looking for the first significant byte after this much leading whitespace.
_DETECT_LIMIT = 1 << 20
_START = Position(1, 1, 0)


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


def _detect(first: int | None, head: list[bytes]) -> str:
    if first == 0x00 and eventstream_prelude(b"".join(head)[:12]):
        # A binary AWS event-stream body: its first byte is the top of a big-endian length.
        return "eventstream"
    if first == 0x5B:  # [
        return "json"
    if first == 0x7B:  # {
        return "jsonl"
    return "sse"


class Reader:
    """Frames a transcript given as byte chunks; iterate it once.

    Yields :class:`RawEvent` values and framing :class:`Issue` values (each with
    its ``position``) in input order; with ``runs``, also :class:`RawRun` values.
    Afterwards ``end`` is the position just past the last byte and ``format`` the
    format that was read.
    """

    def __init__(self, chunks: Iterable[bytes], input_format: str = "auto", *, runs: bool = False) -> None:
        if input_format not in FORMATS:
            raise ValueError(f"unknown input format {input_format!r} (choose from {', '.join(FORMATS)})")
        self._chunks = chunks
        self._requested = input_format
        self.format: str = "sse" if input_format == "auto" else input_format
        self.end: Position = _START
        self._started = False
        #: Yield runs of SSE events framed alike as :class:`RawRun` values (see there).
        self.runs = runs

    def __iter__(self) -> Iterator[RawEvent | RawRun | Issue]:
        if self._started:
            raise RuntimeError("a Reader reads its input once; create a new one")
        self._started = True
        # Detection reads the first chunk(s) now; returning the format's own
        # generator (not wrapping it) saves a generator hop per event, which is why
        # each format reports the end position through a callback, not a return value.
        source = iter(self._chunks)
        head, first = _take_head(source)
        if self._requested == "auto":
            self.format = _detect(first, head)
        base = 0
        if head and head[0].startswith(BOM):
            head[0] = head[0][3:]
            base = 3
        chunks = _chain(head, source)
        if self.format == "sse":
            return frame_sse(chunks, base, self._at_end, self.runs)
        if self.format == "jsonl":
            return frame_jsonl(chunks, base, self._at_end)
        if self.format == "eventstream":
            return frame_eventstream(chunks, base, self._at_end)
        return frame_json(chunks, base, self._at_end)

    def _at_end(self, end: Position) -> None:
        self.end = end


def _chain(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from head
    yield from rest
