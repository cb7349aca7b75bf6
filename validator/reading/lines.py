"""Line framing shared by the ``sse`` and ``jsonl`` formats, and what every format reports alike.

Byte chunks, pushed as they arrive, are re-cut into buffers of whole lines
(:class:`LineCutter`); invalid UTF-8 is reported at its first bad byte (RSP001); huge buffers,
once freed, are handed back to the system (:func:`release_free_memory`, which
:mod:`validator.reading.decode` uses too).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from validator.model.findings import Issue, Position

__all__ = [
    "EOL_SPLIT",
    "HUGE",
    "LineCutter",
    "decode_part",
    "end_position",
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


class LineCutter:
    """Re-cuts chunks pushed one at a time into buffers of whole lines (push-style).

    :meth:`cut` returns ``[buffer]`` (each buffer ending with a line end) or None when the
    chunk completed no line; :meth:`rest` returns what is left at the end of the input:
    ``([buffer], True)``, ``([line], False)`` for a last line nothing terminates, or None.
    A line that spans chunks is joined once, so a single huge line costs linear time.
    Each buffer comes in a one-element list that the cutter keeps no reference to: the
    consumer pops it, so a huge buffer is freed as soon as the consumer is done with it.
    """

    __slots__ = ("cr_is_eol", "held_cr", "pending")

    def __init__(self, cr_is_eol: bool) -> None:
        self.cr_is_eol = cr_is_eol
        self.pending: list[bytes] = []
        self.held_cr = False

    def cut(self, chunk: bytes) -> list[bytes] | None:
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
        cut = chunk.rfind(b"\n")
        if cr_is_eol:
            cut = max(cut, chunk.rfind(b"\r"))
        pending = self.pending
        if cut < 0:
            if chunk:
                pending.append(chunk)
            return None
        lines = chunk[: cut + 1] if cut + 1 < len(chunk) else chunk
        if pending:
            pending.append(lines)
            lines = b"".join(pending)
            pending.clear()
            if len(lines) > HUGE:  # the pieces of a huge line, freed: see release_free_memory
                release_free_memory()
        if cut + 1 < len(chunk):
            pending.append(chunk[cut + 1 :])
        return [lines]

    def rest(self) -> tuple[list[bytes], bool] | None:
        pending, self.pending = self.pending, []
        if self.held_cr:
            self.held_cr = False
            pending.append(b"\r")
            return [b"".join(pending)], True
        if pending:
            return [b"".join(pending)], False
        return None


def end_position(line_no: int, offset: int, last: bytes) -> Position:
    """Just past the input: ``line_no``/``offset`` are the next line's; ``last`` is the input's
    last line when no line end terminates it (else empty)."""
    if last:  # the input ends inside its last line
        return Position(line_no - 1, len(last.decode("utf-8", "replace")) + 1, offset)
    return Position(line_no, 1, offset)
