"""The ``jsonl`` input format: one JSON payload per non-blank line.

The Vercel AI SDK ``*.chunks.txt`` captures. Lines end at LF only: per JSON Lines, a CR
before it is JSON whitespace. A ``[DONE]`` line (bare or as ``data: [DONE]``) is the sentinel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from validator.model.events import RawEvent, RawKind
from validator.model.findings import Issue, Position
from validator.reading.lines import decode_part, end_position, whole_lines

__all__ = ["frame_jsonl"]

_DONE_LINES = frozenset((b"[DONE]", b"data: [DONE]", b"data:[DONE]"))
_EVENT, _DONE = RawKind.EVENT, RawKind.DONE
_pos = Position


def frame_jsonl(
    chunks: Iterable[bytes], offset: int, at_end: Callable[[Position], None]
) -> Iterator[RawEvent | Issue]:
    """Events and issues of a ``jsonl`` input whose first byte is at ``offset``; ``at_end`` gets
    the position just past the input once it is read."""
    line_no = 1
    index = 0
    last = b""
    for box, whole in whole_lines(chunks, False):
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
    at_end(end_position(line_no, offset, last))
