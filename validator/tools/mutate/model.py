"""The transcript model behind ``mutate``: frames that render back byte for byte, and frame edits.

``parse`` splits an SSE or JSONL transcript into frames (one event block or line each, with the
blank lines after it) and ``render`` joins them back, so that an operator changes only the bytes of
the event it breaks. Edits build new frames (payload, ``event:`` line) and ``renumber`` keeps
``sequence_number``s consecutive after events are dropped, inserted or moved.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Frame:
    """One SSE event block (or one JSONL line) with the blank lines that follow it.

    ``kind`` is ``event`` (a JSON payload), ``done`` (the ``[DONE]`` sentinel) or ``other``
    (comments only). Frames are never modified in place: operators build new ones.
    """

    lines: tuple[str, ...]
    gap: int
    kind: str
    data: Any = None

    @property
    def type(self) -> str | None:
        t = self.data.get("type") if isinstance(self.data, dict) else None
        return t if isinstance(t, str) else None

    @property
    def seq(self) -> int | None:
        n = self.data.get("sequence_number") if isinstance(self.data, dict) else None
        return n if isinstance(n, int) and not isinstance(n, bool) else None


@dataclass(frozen=True)
class Transcript:
    format: str  # "sse" or "jsonl"
    newline: str
    lead: int  # blank lines before the first frame
    final_newline: bool
    frames: tuple[Frame, ...]

    def events(self) -> list[int]:
        """Indices of the frames that hold a JSON event."""
        return [i for i, f in enumerate(self.frames) if f.kind == "event"]


def _field(line: str) -> tuple[str, str]:
    # WHATWG: "name: value" (one optional space), "name:value", or a bare "name".
    name, colon, value = line.partition(":")
    if colon and value.startswith(" "):
        value = value[1:]
    return name, value


def payload_text(lines: Sequence[str], fmt: str) -> str | None:
    """The event payload of a frame's lines: the JSONL line, or the SSE data lines joined."""
    if fmt == "jsonl":
        return lines[0] if lines else None
    data = [_field(line)[1] for line in lines if not line.startswith(":") and _field(line)[0] == "data"]
    return "\n".join(data) if data else None


def _decode_frame(lines: Sequence[str], fmt: str) -> Frame:
    payload = payload_text(lines, fmt)
    if payload is None:
        return Frame(tuple(lines), 0, "other")
    if payload.strip() == "[DONE]":
        return Frame(tuple(lines), 0, "done")
    try:
        value = json.loads(payload)
    except ValueError:
        return Frame(tuple(lines), 0, "bad")
    return Frame(tuple(lines), 0, "event" if isinstance(value, dict) else "bad", value)


def detect_format(text: str, name: str = "") -> str:
    """``sse``, ``jsonl`` or ``json`` (an array, which is not mutated), from the content as
    the checker reads it (the first significant character), the name deciding only for SSE
    and JSON Lines, which may both start with ``{``-free text."""
    first = text.lstrip("\ufeff \t\r\n")[:1]
    if first == "[":
        return "json"
    suffix = Path(name).suffix.lower()
    if suffix in (".sse", ".txt", ".event-stream"):
        return "sse"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    return "jsonl" if first == "{" else "sse"


def parse(text: str, fmt: str | None = None, name: str = "") -> Transcript:
    """Split a transcript into frames; ``render(parse(t)) == t`` for any LF or CRLF input."""
    fmt = fmt or detect_format(text, name)
    if fmt == "json":
        raise ValueError(
            "cannot mutate a JSON array transcript: only SSE and JSON Lines are mutated"
            " (write the events one per line to mutate them as JSON Lines)"
        )
    if fmt not in ("sse", "jsonl"):
        raise ValueError(f"cannot mutate {fmt!r} input (only sse and jsonl)")
    newline = "\r\n" if "\r\n" in text else "\n"
    final = text.endswith(newline)
    body = text[: -len(newline)] if final else text
    lead = 0
    blocks: list[list[Any]] = []  # [lines, gap]
    for line in body.split(newline) if body else []:
        if line.strip() == "":
            if blocks:
                blocks[-1][1] += 1
            else:
                lead += 1
        elif blocks and blocks[-1][1] == 0 and fmt == "sse":
            blocks[-1][0].append(line)
        else:
            blocks.append([[line], 0])
    frames = tuple(replace(_decode_frame(lines, fmt), gap=gap) for lines, gap in blocks)
    return Transcript(fmt, newline, lead, final, frames)


def _layout(t: Transcript) -> tuple[list[str], list[int]]:
    """All output lines, and for each frame the 1-based line of its payload."""
    out: list[str] = [""] * t.lead
    where: list[int] = []
    last = len(t.frames) - 1
    for i, f in enumerate(t.frames):
        payload = 0
        if t.format == "sse":
            payload = next((k for k, line in enumerate(f.lines) if _field(line)[0] == "data"), 0)
        where.append(len(out) + payload + 1)
        out.extend(f.lines)
        # An SSE block must be followed by a blank line, or it merges with the next one.
        gap = max(f.gap, 1) if t.format == "sse" and i < last else f.gap
        out.extend([""] * gap)
    return out, where


def render(t: Transcript) -> str:
    lines, _ = _layout(t)
    text = t.newline.join(lines)
    return text + t.newline if t.final_newline and lines else text


def payload_lines(t: Transcript) -> list[int]:
    return _layout(t)[1]


def end_line(text: str) -> int:
    """The line of the end-of-input position (one past the last line terminator)."""
    return text.count("\n") + 1


# ---------------------------------------------------------------------------- frame edits


def dumps(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from \ud83d-style escapes: keep them escaped
        text = json.dumps(value, separators=(",", ":"))
    return text


def _with_payload(f: Frame, t: Transcript, payload: str, data: Any, name: str | None) -> Frame:
    if t.format == "jsonl":
        return replace(f, lines=(payload,), data=data)
    out: list[str] = []
    wrote = False
    for line in f.lines:
        key = _field(line)[0] if not line.startswith(":") else ""
        if key == "data":
            if not wrote:  # multi-line data collapses to one line: the JSON has no raw newlines
                out.append(("data: " if line.startswith("data: ") else "data:") + payload)
                wrote = True
        elif key == "event" and name is not None:
            out.append(("event: " if line.startswith("event: ") else "event:") + name)
        else:
            out.append(line)
    return replace(f, lines=tuple(out), data=data)


def with_data(f: Frame, t: Transcript, data: dict[str, Any]) -> Frame:
    """The frame with a new payload; its ``event:`` line follows the new type."""
    name = data.get("type") if isinstance(data.get("type"), str) else None
    return _with_payload(f, t, dumps(data), data, name)


def with_raw_payload(f: Frame, t: Transcript, payload: str) -> Frame:
    return _with_payload(f, t, payload, None, None)


def with_event_name(f: Frame, name: str) -> Frame:
    lines = tuple(
        (("event: " if line.startswith("event: ") else "event:") + name)
        if _field(line)[0] == "event"
        else line
        for line in f.lines
    )
    return replace(f, lines=lines)


def has_event_line(f: Frame) -> bool:
    return any(_field(line)[0] == "event" and not line.startswith(":") for line in f.lines)


def edit(f: Frame, t: Transcript, change: Callable[[dict[str, Any]], None]) -> Frame:
    data = copy.deepcopy(f.data)
    change(data)
    return with_data(f, t, data)


def numbered(t: Transcript) -> bool:
    """True when every event carries a sequence_number (so edits must keep them consecutive)."""
    evs = [t.frames[i] for i in t.events()]
    return bool(evs) and all(f.seq is not None for f in evs)


def resumed(t: Transcript) -> bool:
    """A stream resumed with ``starting_after``: it may refer to items and parts added before it."""
    evs = t.events()
    first = t.frames[evs[0]] if evs else None
    return first is not None and first.type != "response.created" and (first.seq or 0) > 0


def renumber(t: Transcript, frames: Sequence[Frame], start: int | None = None) -> tuple[Frame, ...]:
    """Number the events consecutively from the base's first number (nothing if the base has none)."""
    if not numbered(t):
        return tuple(frames)
    n = t.frames[t.events()[0]].seq if start is None else start
    assert n is not None
    out: list[Frame] = []
    for f in frames:
        if f.kind == "event" and isinstance(f.data, dict):
            if f.data.get("sequence_number") != n:
                f = edit(f, t, lambda d, n=n: d.__setitem__("sequence_number", n))
            n += 1
        out.append(f)
    return tuple(out)


# ---------------------------------------------------------------------------- operator results


@dataclass(frozen=True)
class Mutation:
    frames: tuple[Frame, ...]
    #: Frame index (in ``frames``) where the rule must fire; None: at the end of input.
    at: int | None
    rule: str
    description: str
    #: The profile the rule needs (None: the base transcript's profile).
    profile: str | None = None
    #: The severity the rule reports it with.
    severity: str = "error"


OpFn = Callable[[Transcript, random.Random], "Mutation | None"]
