"""The text a finding points at, read back from the transcript for the code frames and the HTML report.

Reporters never open files. After the check, the command line asks this module for the
line under each finding (:class:`Excerpt`): a window of the line around the finding's byte
offset (a line of a large transcript can hold megabytes: the terminal response with every
item), and on request the whole event on that line, for the value at the finding's JSON
pointer and the raw event the HTML report shows. Each excerpt is one seek and one bounded
read; the transcript is not read again as a whole. Standard input cannot be read twice, so it
gets no excerpts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["EVENT_LIMIT", "WINDOW", "Excerpt", "FileExcerpts", "read_excerpts"]

#: Bytes read on each side of a finding's offset for its line.
WINDOW = 2048
#: Bytes of an event read at most (a larger one is shown cut).
EVENT_LIMIT = 256 * 1024
#: Bytes of an event read first.
_FIRST_READ = 8192


@dataclass(frozen=True, slots=True)
class Excerpt:
    """The line at a finding, around its column, and the event on that line when asked for.

    ``text`` is part of the line: it starts at column ``first_column`` (1-based, in code
    points) of the real line; ``cut_left`` / ``cut_right`` say whether the line goes on
    beyond it. ``event`` is the event's JSON text (an SSE line's ``data:`` value, a JSON
    Lines line, or the JSON value starting at the offset), cut at :data:`EVENT_LIMIT` bytes
    (``event_cut``); None when the finding is not on an event (the end of the input).
    """

    text: str
    first_column: int
    cut_left: bool
    cut_right: bool
    event: str | None = None
    event_cut: bool = False


def read_excerpts(
    path: str, wanted: Iterable[tuple[int, int, bool]], *, event_limit: int = EVENT_LIMIT
) -> dict[int, Excerpt]:
    """Excerpts of the file at each ``(offset, column, with_event)``, by offset; {} when it
    cannot be read.

    ``column`` is the finding's (1-based): with it the excerpt knows where the line starts even
    when that lies beyond the window. ``with_event``: also read the event on that line.
    """
    if path == "-" or path.startswith("<"):
        return {}
    found: dict[int, Excerpt] = {}
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            for offset, column, events in wanted:
                known = found.get(offset)
                if (known is not None and (known.event is not None or not events)) or not 0 <= offset <= size:
                    continue
                found[offset] = _excerpt(fh, offset, column, size, events, event_limit)
    except OSError:
        return found
    return found


class FileExcerpts:
    """The excerpts of one file read one at a time, as a reporter asks for them (:meth:`read`).

    For a run with more findings than are worth holding excerpts for (a million of them): the
    same excerpts :func:`read_excerpts` gives, each read when its finding is written, with the
    event when the finding has a JSON pointer (the value a code frame shows). The file stays
    open until :meth:`close`.
    """

    def __init__(
        self, path: str, *, known: dict[int, Excerpt] | None = None, event_limit: int = EVENT_LIMIT
    ) -> None:
        self.path = path
        #: Excerpts already read (:func:`read_excerpts`), by offset.
        self.known = known or {}
        self.event_limit = event_limit
        self._fh: Any = None
        self._size = -1
        self._last: tuple[int, Excerpt] | None = None

    def get(self, offset: int) -> Excerpt | None:
        """The excerpt read up front at ``offset``, if any (what the HTML report embeds)."""
        return self.known.get(offset)

    def read(self, finding: Any) -> Excerpt | None:
        """The excerpt at ``finding`` (its ``offset``, ``column`` and ``pointer``), or None."""
        offset, events = finding.offset, bool(finding.pointer)
        known = self.known.get(offset)
        if known is not None and (known.event is not None or not events):
            return known
        last = self._last
        if last is not None and last[0] == offset and (last[1].event is not None or not events):
            return last[1]
        if self._fh is None:
            if self._size == -2 or self.path == "-" or self.path.startswith("<"):
                return None
            try:
                self._fh = open(self.path, "rb")  # noqa: SIM115 (closed by close())
                self._size = self._fh.seek(0, 2)
            except OSError:
                self._size = -2
                return None
        if not 0 <= offset <= self._size:
            return None
        try:
            excerpt = _excerpt(self._fh, offset, finding.column, self._size, events, self.event_limit)
        except OSError:
            return None
        self._last = (offset, excerpt)
        return excerpt

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _excerpt(fh, offset: int, column: int, size: int, events: bool, limit: int) -> Excerpt:  # type: ignore[no-untyped-def]
    start = max(0, offset - WINDOW)
    fh.seek(start)
    raw = fh.read(offset - start + WINDOW)
    at = offset - start
    nl = raw.rfind(b"\n", 0, at)
    line_start = start + nl + 1 if nl >= 0 else (0 if start == 0 else -1)
    left = raw[nl + 1 : at] if nl >= 0 else raw[:at]
    end_nl = raw.find(b"\n", at)
    right = raw[at:end_nl] if end_nl >= 0 else raw[at:]
    cut_right = end_nl < 0 and start + len(raw) < size
    left_text = left.decode("utf-8", "replace")
    if line_start < 0:
        # The line starts before the window: a partial character at its left edge is dropped.
        left_text = left.decode("utf-8", "ignore")
    text = (left_text + right.decode("utf-8", "replace")).rstrip("\r")
    first_column = max(1, column - len(left_text))
    excerpt = Excerpt(text, first_column, first_column > 1, cut_right)
    if not events:
        return excerpt
    event, cut = _event(fh, offset, line_start if line_start >= 0 else None, raw, at, size, limit)
    return Excerpt(text, first_column, first_column > 1, cut_right, event, cut)


def _event(
    fh, offset: int, line_start: int | None, raw: bytes, at: int, size: int, limit: int
) -> tuple[str | None, bool]:  # type: ignore[no-untyped-def]
    """The event on the line at ``offset``: its JSON text, and whether it was cut."""
    if offset >= size:
        return None, False
    begin = offset if line_start is None else line_start
    fh.seek(begin)
    # Most events are a line of a few hundred bytes: read the rest of the limit only when the
    # line goes on (a finding on every event would otherwise read the limit for each).
    body = fh.read(min(limit + 1, _FIRST_READ))
    if len(body) == _FIRST_READ and b"\n" not in body:
        body += fh.read(limit + 1 - _FIRST_READ)
    cut = len(body) > limit
    body = body[:limit]
    nl = body.find(b"\n")
    line = body[:nl] if nl >= 0 else body
    if nl >= 0:
        cut = False
    line = line.rstrip(b"\r")
    stripped = line.lstrip()
    if stripped.startswith(b"data:"):
        payload = stripped[5:]
        payload = payload[1:] if payload.startswith(b" ") else payload
        return payload.decode("utf-8", "replace"), cut
    if stripped.startswith((b"{", b"[")):
        text = line.decode("utf-8", "replace").strip()
        if _parses(text) or cut:
            return text, cut
    # A value spread over several lines (a JSON array transcript): the value starting at the offset.
    fh.seek(offset)
    chunk = fh.read(limit).decode("utf-8", "replace")
    if chunk[:1] in ("{", "["):
        try:
            _, end = json.JSONDecoder().raw_decode(chunk)
        except ValueError:
            return chunk, True
        return chunk[:end], False
    text = line.decode("utf-8", "replace").strip()
    return (text or None), cut


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
