"""Line framing shared by the ``sse`` and ``jsonl`` formats, and what every format reports alike.

Byte chunks are re-cut into buffers of whole lines (:func:`whole_lines`); invalid UTF-8 is
reported at its first bad byte (RSP001); huge buffers, once freed, are handed back to the
system (:func:`release_free_memory`, which :mod:`validator.reading.decode` uses too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from validator.model.findings import Issue, Position

__all__ = [
    "EOL_SPLIT",
    "HUGE",
    "decode_part",
    "end_position",
    "release_free_memory",
    "utf8_issue",
    "whole_lines",
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


def whole_lines(chunks: Iterable[bytes], cr_is_eol: bool) -> Iterator[tuple[list[bytes], bool]]:
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
            if len(lines) > HUGE:  # the pieces of a huge line, freed: see release_free_memory
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


def end_position(line_no: int, offset: int, last: bytes) -> Position:
    """Just past the input: ``line_no``/``offset`` are the next line's; ``last`` is the input's
    last line when no line end terminates it (else empty)."""
    if last:  # the input ends inside its last line
        return Position(line_no - 1, len(last.decode("utf-8", "replace")) + 1, offset)
    return Position(line_no, 1, offset)
