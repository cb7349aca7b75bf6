"""Line framing shared by the ``sse`` and ``jsonl`` formats, and what every format reports alike.

Byte chunks, pushed as they arrive, are re-cut into buffers of whole lines
(:class:`LineCutter`); invalid UTF-8 is reported at its first bad byte (RSP001); huge buffers,
once freed, are handed back to the system (:func:`release_free_memory`, which
:mod:`validator.reading.decode` uses too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from validator.model.findings import Issue, Position

__all__ = [
    "EOL_SPLIT",
    "HUGE",
    "OVERLONG_HEAD",
    "UNREAD",
    "LineCutter",
    "Overlong",
    "decode_part",
    "end_position",
    "overlong_issue",
    "release_free_memory",
    "utf8_issue",
]

EOL_SPLIT = re.compile(rb"(\r\n|\r|\n)")
#: Buffers longer than this (a huge event's line) give their freed copies back to the system.
HUGE = 1 << 20


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


def utf8_issue(line: bytes, bad: int, line_no: int, line_offset: int) -> Issue:
    """RSP001 for the first invalid byte ``line[bad]`` (everything before it decodes)."""
    column = len(line[:bad].decode("utf-8", "replace")) + 1
    return Issue(
        "RSP001",
        f"invalid UTF-8: byte 0x{line[bad]:02X} cannot be decoded (read as U+FFFD)",
        position=Position(line_no, column, line_offset + bad),
    )


def decode_part(line: bytes, start: int, line_no: int, line_offset: int) -> tuple[str, Issue | None]:
    """Decode ``line[start:]``; on invalid UTF-8 report the first bad byte and replace."""
    part = line[start:]
    try:
        return part.decode(), None
    except UnicodeDecodeError as exc:
        return part.decode("utf-8", "replace"), utf8_issue(line, start + exc.start, line_no, line_offset)


class Overlong(NamedTuple):
    """A line longer than the cutter's limit, read past rather than held (RSP017).

    ``head`` is its first bytes (enough to tell a ``data:`` line, a comment or a payload),
    ``length`` its size in bytes without the line end, ``eol`` the size of its line end (0: the
    input ends inside it).
    """

    head: bytes
    length: int
    eol: int


#: Bytes of an overlong line kept to tell what it was.
OVERLONG_HEAD = 64


class LineCutter:
    """Re-cuts chunks pushed one at a time into buffers of whole lines (push-style).

    :meth:`cut` returns a box (a list) of pieces or None when the chunk completed no line;
    :meth:`rest` returns what is left at the end of the input: ``(box, True)``, or
    ``(box, False)`` when nothing terminates the input's last line, or None. A piece is a buffer
    of whole lines (each ending with a line end; in a box from ``rest(...) == (box, False)`` the
    last line without one), or an :class:`Overlong` line: no line is held longer than ``limit``
    bytes (a line without end is not held whole in memory). The pieces are popped in input
    order: the box is in reverse order, and almost always one buffer.
    A line that spans chunks is joined once, so a single huge line costs linear time.
    The cutter keeps no reference to a box: the consumer pops it, so a huge buffer is freed as
    soon as the consumer is done with it.
    """

    __slots__ = ("cr_is_eol", "held_cr", "limit", "pending", "size", "skipped")

    def __init__(self, cr_is_eol: bool, limit: int | None = None) -> None:
        self.cr_is_eol = cr_is_eol
        self.pending: list[bytes] = []
        #: Bytes in ``pending``.
        self.size = 0
        self.held_cr = False
        #: Longest line held, in bytes; None: no limit.
        self.limit = limit
        #: The head and length so far of an overlong line being read past.
        self.skipped: list[Any] | None = None

    def cut(self, chunk: bytes) -> list[Any] | None:
        if type(chunk) is not bytes:
            chunk = bytes(chunk)
        cr_is_eol = self.cr_is_eol
        if self.held_cr:
            chunk = b"\r" + chunk
            self.held_cr = False
        if cr_is_eol and chunk.endswith(b"\r"):
            # The LF that would make this CR a CRLF may be the next chunk's first byte.
            chunk = chunk[:-1]
            self.held_cr = True
        if self.skipped is not None:
            return self._skip(chunk)
        cut = chunk.rfind(b"\n")
        if cr_is_eol:
            cut = max(cut, chunk.rfind(b"\r"))
        pending = self.pending
        limit = self.limit
        if cut < 0:
            if chunk:
                pending.append(chunk)
                self.size += len(chunk)
                if limit is not None and self.size > limit:
                    self._overflow()
            return None
        lines = chunk[: cut + 1] if cut + 1 < len(chunk) else chunk
        if pending:
            pending.append(lines)
            lines = b"".join(pending)
            pending.clear()
            self.size = 0
            if len(lines) > HUGE:  # the pieces of a huge line, freed: see release_free_memory
                release_free_memory()
        if cut + 1 < len(chunk):
            pending.append(chunk[cut + 1 :])
            self.size = len(chunk) - cut - 1
            if limit is not None and self.size > limit:
                self._overflow()
        if limit is not None and len(lines) > limit:
            return self._bounded(lines)
        return [lines]

    def _overflow(self) -> None:
        """The line being held passed the limit: keep its head and length, drop the rest."""
        head = b""
        for piece in self.pending:  # (not joined: that would copy the limit's worth of bytes)
            head += piece[: OVERLONG_HEAD - len(head)]
            if len(head) >= OVERLONG_HEAD:
                break
        self.skipped = [head, self.size]
        self.pending = []
        self.size = 0
        release_free_memory()

    def _eol(self, chunk: bytes, start: int = 0) -> tuple[int, int]:
        """The first line end in ``chunk`` from ``start``: its index and length, or (-1, 0)."""
        at = chunk.find(b"\n", start)
        if self.cr_is_eol:
            cr = chunk.find(b"\r", start, at if at >= 0 else len(chunk))
            if cr >= 0:
                # A CR is never the chunk's last byte here (cut holds it back).
                return cr, 2 if chunk[cr + 1 : cr + 2] == b"\n" else 1
        return at, 1 if at >= 0 else 0

    def _skip(self, chunk: bytes) -> list[Any] | None:
        """Read past the rest of an overlong line; what follows its end is cut as usual."""
        skipped = self.skipped
        assert skipped is not None
        at, eol = self._eol(chunk)
        if at < 0:
            skipped[1] += len(chunk)
            return None
        self.skipped = None
        overlong = Overlong(skipped[0], skipped[1] + at, eol)
        held, self.held_cr = self.held_cr, False
        rest = chunk[at + eol :]
        if held:
            rest += b"\r"
        box = self.cut(rest) if rest else None
        return [*(box or ()), overlong]

    def _bounded(self, lines: bytes) -> list[Any]:
        """A buffer of whole lines longer than the limit (a chunk that holds a whole huge line):
        its overlong lines as :class:`Overlong` pieces, the rest as buffers (the box reversed)."""
        limit = self.limit
        assert limit is not None
        pieces: list[Any] = []
        start = begin = 0
        end = len(lines)
        while start < end:
            at, eol = self._eol(lines, start)
            if at - start > limit:
                if begin < start:
                    pieces.append(lines[begin:start])
                pieces.append(Overlong(lines[start : start + OVERLONG_HEAD], at - start, eol))
                begin = at + eol
            start = at + eol
        if begin < end:
            pieces.append(lines[begin:] if begin else lines)
        pieces.reverse()
        return pieces

    def rest(self) -> tuple[list[Any], bool] | None:
        pending, self.pending = self.pending, []
        self.size = 0
        if self.skipped is not None:
            skipped, self.skipped = self.skipped, None
            if self.held_cr:  # the overlong line's end, the input's last byte
                self.held_cr = False
                return [Overlong(skipped[0], skipped[1], 1)], True
            return [Overlong(skipped[0], skipped[1], 0)], False
        if self.held_cr:
            self.held_cr = False
            pending.append(b"\r")
            return [b"".join(pending)], True
        if pending:
            return [b"".join(pending)], False
        return None


class Unread:
    """The payload of an :class:`Overlong` line (``RawEvent.value``): not read, already reported."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNREAD"


UNREAD = Unread()


def overlong_issue(piece: Overlong, limit: int | None, line_no: int, offset: int) -> Issue:
    """RSP017 for an overlong line starting at ``line_no``/``offset``."""
    ends = "" if piece.eol else "; the input ends inside it"
    return Issue(
        "RSP017",
        f"line of {piece.length} bytes is longer than the limit ({limit} bytes): not read{ends}",
        position=Position(line_no, 1, offset),
    )


def end_position(line_no: int, offset: int, last: bytes) -> Position:
    """Just past the input: ``line_no``/``offset`` are the next line's; ``last`` is the input's
    last line when no line end terminates it (else empty)."""
    if last:  # the input ends inside its last line
        return Position(line_no - 1, len(last.decode("utf-8", "replace")) + 1, offset)
    return Position(line_no, 1, offset)
