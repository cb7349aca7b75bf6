"""Mutation operators: break a valid transcript in exactly one way, and say which rule must notice.

A mutant is a copy of a valid SSE or JSONL transcript with one defect. Every operator knows the
rule that must report that defect and the event (or end of input) where the defect first becomes
visible, so that a test can assert that the validator finds it there. Operators are pure text/JSON
transformations: they never call the checker.

Realism matters more than variety: except where an operator breaks them on purpose, mutants keep
valid JSON, SSE framing, ``event:`` lines equal to ``type``, and consecutive ``sequence_number``s
(events that are dropped, inserted or moved are renumbered), so that only the semantic rule under
test can catch the mutant. Operators that need a target choose it with ``random.Random(seed)``; an
operator that finds no target in a file produces nothing.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = [
    "OPERATORS",
    "Mutant",
    "Operator",
    "Transcript",
    "generate",
    "parse",
    "render",
    "write_mutants",
]

LIFECYCLE = frozenset(
    {
        "response.created",
        "response.queued",
        "response.in_progress",
        "response.completed",
        "response.incomplete",
        "response.failed",
    }
)
TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})


# ---------------------------------------------------------------------------- transcript model


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
    suffix = Path(name).suffix.lower()
    if suffix in (".sse", ".txt", ".event-stream"):
        return "sse"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "jsonl" if first.lstrip().startswith("{") else "sse"


def parse(text: str, fmt: str | None = None, name: str = "") -> Transcript:
    """Split a transcript into frames; ``render(parse(t)) == t`` for any LF or CRLF input."""
    fmt = fmt or detect_format(text, name)
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


def _dumps(value: Any) -> str:
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
    return _with_payload(f, t, _dumps(data), data, name)


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


# ---------------------------------------------------------------------------- stream structure


@dataclass
class Item:
    output_index: int
    id: str | None
    type: str | None
    added: int | None = None  # frame index
    done: int | None = None


@dataclass
class TextStream:
    """One delta/done text stream: a message or reasoning part, a summary part, or item arguments."""

    done_type: str
    field: str
    scope: str  # "content_index", "summary_index" or "" (item-scoped)
    output_index: int
    index: int | None
    deltas: list[int] = field(default_factory=list)
    done: int | None = None


#: delta type -> (done type, text field of the done event, part index field or "" for item streams)
TEXT_STREAMS: dict[str, tuple[str, str, str]] = {
    "response.output_text.delta": ("response.output_text.done", "text", "content_index"),
    "response.refusal.delta": ("response.refusal.done", "refusal", "content_index"),
    "response.reasoning_text.delta": ("response.reasoning_text.done", "text", "content_index"),
    "response.reasoning.delta": ("response.reasoning.done", "text", "content_index"),
    "response.reasoning_summary_text.delta": (
        "response.reasoning_summary_text.done",
        "text",
        "summary_index",
    ),
    "response.function_call_arguments.delta": ("response.function_call_arguments.done", "arguments", ""),
    "response.custom_tool_call_input.delta": ("response.custom_tool_call_input.done", "input", ""),
    "response.mcp_call_arguments.delta": ("response.mcp_call_arguments.done", "arguments", ""),
    "response.code_interpreter_call_code.delta": ("response.code_interpreter_call_code.done", "code", ""),
}
DONE_TYPES = {done: (delta, fld, scope) for delta, (done, fld, scope) in TEXT_STREAMS.items()}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def items(t: Transcript) -> list[Item]:
    found: dict[int, Item] = {}
    for i in t.events():
        d = t.frames[i].data
        oi = _int(d.get("output_index"))
        item = d.get("item")
        if oi is None or not isinstance(item, dict):
            continue
        if d.get("type") == "response.output_item.added":
            iid = item.get("id")
            found[oi] = Item(oi, iid if isinstance(iid, str) else None, item.get("type"), added=i)
        elif d.get("type") == "response.output_item.done" and oi in found:
            found[oi].done = i
    return list(found.values())


def text_streams(t: Transcript) -> list[TextStream]:
    streams: dict[tuple[str, int, int | None], TextStream] = {}
    for i in t.events():
        d = t.frames[i].data
        typ = d.get("type")
        oi = _int(d.get("output_index"))
        if typ in TEXT_STREAMS:
            done_type, fld, scope = TEXT_STREAMS[typ]
        elif typ in DONE_TYPES:
            done_type, (_, fld, scope) = typ, DONE_TYPES[typ]
        else:
            continue
        if oi is None:
            continue
        index = _int(d.get(scope)) if scope else None
        key = (done_type, oi, index)
        s = streams.setdefault(key, TextStream(done_type, fld, scope, oi, index))
        if typ == done_type:
            s.done = i
        else:
            s.deltas.append(i)
    return list(streams.values())


def refers_to(d: dict[str, Any], item: Item) -> bool:
    if d.get("type") in LIFECYCLE:
        return False
    inner = d.get("item")
    return (
        _int(d.get("output_index")) == item.output_index
        or (item.id is not None and d.get("item_id") == item.id)
        or (isinstance(inner, dict) and item.id is not None and inner.get("id") == item.id)
    )


def _first(frames: Sequence[Frame], start: int, pred: Callable[[dict[str, Any]], bool]) -> int | None:
    return next(
        (i for i in range(start, len(frames)) if frames[i].kind == "event" and pred(frames[i].data)), None
    )


def terminal_index(t: Transcript) -> int | None:
    return next((i for i in t.events() if t.frames[i].type in TERMINAL), None)


# ---------------------------------------------------------------------------- operators


@dataclass(frozen=True)
class Mutation:
    frames: tuple[Frame, ...]
    #: Frame index (in ``frames``) where the rule must fire; None: at the end of input.
    at: int | None
    rule: str
    description: str
    #: The profile the rule needs (None: the base transcript's profile).
    profile: str | None = None


OpFn = Callable[[Transcript, random.Random], "Mutation | None"]


@dataclass(frozen=True)
class Operator:
    name: str
    rule: str
    doc: str
    fn: OpFn


def _drop(t: Transcript, index: int) -> tuple[Frame, ...]:
    return renumber(t, t.frames[:index] + t.frames[index + 1 :])


def _events_of(t: Transcript, *types: str) -> list[int]:
    return [i for i in t.events() if t.frames[i].type in types]


def _change_char(text: str, rng: random.Random) -> str:
    pos = rng.randrange(len(text))
    old = text[pos]
    new = "x" if old != "x" else "y"
    return text[:pos] + new + text[pos + 1 :]


def op_corrupt_json(t: Transcript, rng: random.Random) -> Mutation | None:
    evs = t.events()
    if not evs:
        return None
    i = rng.choice(evs)
    payload = _dumps(t.frames[i].data)
    frames = list(t.frames)
    frames[i] = with_raw_payload(t.frames[i], t, payload[:-1])  # a lost closing brace
    return Mutation(tuple(frames), i, "RSP002", f"event {i}: closing brace of the JSON payload removed")


def op_event_name(t: Transcript, rng: random.Random) -> Mutation | None:
    if t.format != "sse":
        return None
    cands = [i for i in t.events() if has_event_line(t.frames[i])]
    names = sorted({t.frames[i].type for i in t.events() if t.frames[i].type})
    if not cands or len(names) < 2:
        return None
    i = rng.choice(cands)
    other = rng.choice([n for n in names if n != t.frames[i].type])
    frames = list(t.frames)
    frames[i] = with_event_name(t.frames[i], other)
    return Mutation(
        tuple(frames), i, "RSP004", f"event {i}: event: line says {other}, data says {t.frames[i].type}"
    )


def _seq_targets(t: Transcript) -> list[int]:
    return t.events()[1:] if numbered(t) else []


def op_seq_gap(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = _seq_targets(t)
    if not cands:
        return None
    i = rng.choice(cands)
    seq = t.frames[i].seq
    assert seq is not None
    frames = t.frames[:i] + renumber(t, t.frames[i:], seq + 1)
    return Mutation(
        frames, i, "RSP204", f"event {i}: sequence_number skips one value (every later one shifted)"
    )


def op_seq_repeat(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = _seq_targets(t)
    if not cands:
        return None
    i = rng.choice(cands)
    seq = t.frames[i].seq
    assert seq is not None
    frames = t.frames[:i] + renumber(t, t.frames[i:], seq - 1)
    return Mutation(
        frames, i, "RSP205", f"event {i}: repeats the previous sequence_number (later ones follow on)"
    )


def op_swap_adjacent(t: Transcript, rng: random.Random) -> Mutation | None:
    evs = t.events()
    if not numbered(t) or len(evs) < 3:
        return None
    k = rng.randrange(1, len(evs) - 1)
    a, b = evs[k], evs[k + 1]
    frames = list(t.frames)
    frames[a], frames[b] = t.frames[b], t.frames[a]
    return Mutation(
        tuple(frames),
        a,
        "RSP204",
        f"events {a} and {b} swapped with their sequence_numbers ({t.frames[a].type} / {t.frames[b].type})",
    )


def _drop_op(
    types: Sequence[str],
    rule: str,
    locate: Callable[[Transcript, int, tuple[Frame, ...]], int | None],
    opener: bool = False,
) -> OpFn:
    """Drop one event of ``types`` (renumbering the rest); ``locate`` finds where it shows.

    Dropping an ``opener`` (an added event) is no defect in a resumed stream, which may refer to
    items and parts opened before it started.
    """

    def fn(t: Transcript, rng: random.Random) -> Mutation | None:
        # Locations do not depend on numbering: filter on the cheap unrenumbered list.
        if opener and resumed(t):
            return None
        cands = [i for i in _events_of(t, *types) if locate(t, i, t.frames[:i] + t.frames[i + 1 :]) != -1]
        if not cands:
            return None
        i = rng.choice(cands)
        frames = _drop(t, i)
        at = locate(t, i, frames)
        where = "end of input" if at is None else f"event {at}"
        return Mutation(frames, at, rule, f"{t.frames[i].type} (event {i}) dropped; visible at {where}")

    return fn


def _at_first_event(t: Transcript, i: int, frames: tuple[Frame, ...]) -> int | None:
    first = _first(frames, 0, lambda d: True)
    if first is not None and frames[first].type == "response.queued":
        # created and queued may come in either order, so a missing created is certain only at
        # the first event after queued that is not response.created.
        return _first(frames, first + 1, lambda d: True)
    return first


def _at_first_item_ref(t: Transcript, i: int, frames: tuple[Frame, ...]) -> int | None:
    item = next(it for it in items(t) if it.added == i)
    at = _first(frames, i, lambda d: refers_to(d, item))
    # Another item added before the first reference would hit output-index rules first.
    other = _first(frames, i, lambda d: d.get("type") == "response.output_item.added")
    if at is None or (other is not None and other < at):
        return -1
    return at


def _at_terminal_after_item(t: Transcript, i: int, frames: tuple[Frame, ...]) -> int | None:
    # An item left open shows when the response ends; after an `error` event the failure is
    # the root cause and an open item is not a defect of its own, so such streams are no target.
    if any(f.type == "error" for f in frames):
        return -1
    at = _first(frames, i, lambda d: d.get("type") in TERMINAL)
    return -1 if at is None else at


def _part_key(d: dict[str, Any], scope: str) -> tuple[Any, Any]:
    return (d.get("output_index"), d.get(scope))


def _at_first_part_ref(
    scope: str, added_type: str
) -> Callable[[Transcript, int, tuple[Frame, ...]], int | None]:
    def locate(t: Transcript, i: int, frames: tuple[Frame, ...]) -> int | None:
        key = _part_key(t.frames[i].data, scope)
        at = _first(frames, i, lambda d: scope in d and _part_key(d, scope) == key)
        other = _first(frames, i, lambda d: d.get("type") == added_type and d.get("output_index") == key[0])
        if at is None or (other is not None and other < at):
            return -1
        return at

    return locate


def _at_item_done(t: Transcript, i: int, frames: tuple[Frame, ...]) -> int | None:
    """A part left open shows when its item closes (output_item.done of the same output_index)."""
    oi = t.frames[i].data.get("output_index")
    at = _first(
        frames, i, lambda d: d.get("type") == "response.output_item.done" and d.get("output_index") == oi
    )
    return -1 if at is None else at


def op_drop_text_done(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = [s for s in text_streams(t) if s.done is not None and s.deltas]
    if not cands:
        return None
    s = rng.choice(cands)
    assert s.done is not None
    frames = _drop(t, s.done)
    if s.scope:
        closer = (
            "response.content_part.done"
            if s.scope == "content_index"
            else "response.reasoning_summary_part.done"
        )
        at = _first(
            frames,
            s.done,
            lambda d: d.get("type") == closer and _part_key(d, s.scope) == (s.output_index, s.index),
        )
    else:
        at = _first(
            frames,
            s.done,
            lambda d: (
                d.get("type") == "response.output_item.done" and d.get("output_index") == s.output_index
            ),
        )
    if at is None:
        return None
    return Mutation(
        frames, at, "RSP247", f"{s.done_type} (event {s.done}) dropped; its stream closes at event {at}"
    )


def op_drop_delta(t: Transcript, rng: random.Random) -> Mutation | None:
    # A stream needs a delta left: zero deltas with a done text is allowed (E4).
    cands = [
        (s, i)
        for s in text_streams(t)
        if s.done is not None and len(s.deltas) >= 2
        for i in s.deltas
        if t.frames[i].data.get("delta")
    ]
    if not cands:
        return None
    s, i = rng.choice(cands)
    assert s.done is not None
    frames = _drop(t, i)
    return Mutation(
        frames, s.done - 1, "RSP301", f"{t.frames[i].type} (event {i}) dropped; its done no longer matches"
    )


def op_drop_terminal(t: Transcript, rng: random.Random) -> Mutation | None:
    i = terminal_index(t)
    if i is None:
        return None
    frames = _drop(t, i)
    return Mutation(frames, None, "RSP209", f"terminal {t.frames[i].type} (event {i}) dropped")


def op_drop_in_progress(t: Transcript, rng: random.Random) -> Mutation | None:
    term = terminal_index(t)
    cands = _events_of(t, "response.in_progress")
    if term is None or t.frames[term].type == "response.failed" or len(cands) != 1:
        return None
    frames = _drop(t, cands[0])
    return Mutation(frames, term - 1, "RSP207", f"response.in_progress (event {cands[0]}) dropped")


def op_delta_char(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = [
        (s, i)
        for s in text_streams(t)
        if s.done is not None
        for i in s.deltas
        if isinstance(t.frames[i].data.get("delta"), str) and t.frames[i].data["delta"]
    ]
    if not cands:
        return None
    s, i = rng.choice(cands)
    frames = list(t.frames)
    new = _change_char(t.frames[i].data["delta"], rng)
    frames[i] = edit(t.frames[i], t, lambda d: d.__setitem__("delta", new))
    return Mutation(
        tuple(frames), s.done, "RSP301", f"one character of {t.frames[i].type} (event {i}) changed"
    )


def op_done_char(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = [
        s
        for s in text_streams(t)
        if s.done is not None
        and s.deltas
        and isinstance(t.frames[s.done].data.get(s.field), str)
        and t.frames[s.done].data[s.field]
    ]
    if not cands:
        return None
    s = rng.choice(cands)
    assert s.done is not None
    frames = list(t.frames)
    new = _change_char(t.frames[s.done].data[s.field], rng)
    frames[s.done] = edit(t.frames[s.done], t, lambda d: d.__setitem__(s.field, new))
    return Mutation(
        tuple(frames), s.done, "RSP301", f"one character of {s.done_type}.{s.field} (event {s.done}) changed"
    )


def op_delta_after_done(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = [s for s in text_streams(t) if s.done is not None and s.deltas and s.deltas[-1] < s.done]
    if not cands:
        return None
    s = rng.choice(cands)
    assert s.done is not None
    i = s.deltas[-1]
    moved = (
        list(t.frames[:i]) + list(t.frames[i + 1 : s.done + 1]) + [t.frames[i]] + list(t.frames[s.done + 1 :])
    )
    frames = renumber(t, moved)
    return Mutation(
        frames, s.done, "RSP246", f"last {t.frames[i].type} (event {i}) moved after its {s.done_type}"
    )


def _scoped(t: Transcript, need: Iterable[str], exclude: Iterable[str] = ()) -> list[int]:
    ex = set(exclude) | LIFECYCLE
    return [i for i in t.events() if t.frames[i].type not in ex and all(k in t.frames[i].data for k in need)]


def _other_id(value: str) -> str:
    return value[:-1] + ("x" if not value.endswith("x") else "y")


def op_wrong_item_id(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = [
        i for i in _scoped(t, ("item_id", "output_index")) if isinstance(t.frames[i].data["item_id"], str)
    ]
    if not cands:
        return None
    i = rng.choice(cands)
    old = t.frames[i].data["item_id"]
    others = [it.id for it in items(t) if it.id and it.id != old and it.added is not None and it.added < i]
    new = rng.choice(others) if others else _other_id(old)
    frames = list(t.frames)
    frames[i] = edit(t.frames[i], t, lambda d: d.__setitem__("item_id", new))
    return Mutation(tuple(frames), i, "RSP223", f"{t.frames[i].type} (event {i}): item_id {old} -> {new}")


def op_wrong_output_index(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = _scoped(
        t, ("item_id", "output_index"), ("response.output_item.added", "response.output_item.done")
    )
    if not cands:
        return None
    i = rng.choice(cands)
    old = t.frames[i].data["output_index"]
    known = [
        it.output_index for it in items(t) if it.added is not None and it.added < i and it.output_index != old
    ]
    # Either way the item_id names a known item that is not at output_index: an identity mismatch.
    new = rng.choice(known) if known else max((it.output_index for it in items(t)), default=old) + 1
    frames = list(t.frames)
    frames[i] = edit(t.frames[i], t, lambda d: d.__setitem__("output_index", new))
    return Mutation(
        tuple(frames), i, "RSP223", f"{t.frames[i].type} (event {i}): output_index {old} -> {new}"
    )


def _wrong_part_index(scope: str, added_type: str) -> OpFn:
    def fn(t: Transcript, rng: random.Random) -> Mutation | None:
        cands = [
            i
            for i in _scoped(t, (scope, "output_index"), (added_type,))
            if _int(t.frames[i].data[scope]) is not None
        ]
        if not cands:
            return None
        i = rng.choice(cands)
        oi = t.frames[i].data["output_index"]
        used = [
            t.frames[k].data[scope]
            for k in _scoped(t, (scope,))
            if t.frames[k].data.get("output_index") == oi
        ]
        new = max(used) + 1
        frames = list(t.frames)
        frames[i] = edit(t.frames[i], t, lambda d: d.__setitem__(scope, new))
        return Mutation(
            tuple(frames), i, "RSP240", f"{t.frames[i].type} (event {i}): {scope} -> {new} (never added)"
        )

    return fn


def _replace_strings(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, list):
        return [_replace_strings(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace_strings(v, old, new) for k, v in value.items()}
    return value


def op_duplicate_item_id(t: Transcript, rng: random.Random) -> Mutation | None:
    its = sorted((it for it in items(t) if it.id and it.added is not None), key=lambda it: it.added or 0)
    if len(its) < 2:
        return None
    j = rng.randrange(1, len(its))
    src, dup = its[rng.randrange(j)], its[j]
    assert src.id and dup.id
    frames = tuple(
        with_data(f, t, _replace_strings(f.data, dup.id, src.id))
        if f.kind == "event" and dup.id in _dumps(f.data)
        else f
        for f in t.frames
    )
    return Mutation(
        frames,
        dup.added,
        "RSP222",
        f"item {dup.output_index} renamed everywhere to the id of item {src.output_index} ({src.id})",
    )


def op_event_after_terminal(t: Transcript, rng: random.Random) -> Mutation | None:
    term = terminal_index(t)
    if term is None:
        return None
    cands = [i for i in t.events() if i < term and t.frames[i].type not in LIFECYCLE] or [
        i for i in t.events() if i < term
    ]
    if not cands:
        return None
    copied = t.frames[rng.choice(cands)]
    frames = renumber(t, (*t.frames[: term + 1], copied, *t.frames[term + 1 :]))
    return Mutation(
        frames, term + 1, "RSP208", f"a copy of {copied.type} sent after the terminal {t.frames[term].type}"
    )


def op_truncate(t: Transcript, rng: random.Random) -> Mutation | None:
    term = terminal_index(t)
    if term is None:
        return None
    cands = [i for i in t.events() if i < term]
    if not cands:
        return None
    k = rng.choice(cands)
    return Mutation(t.frames[: k + 1], None, "RSP209", f"stream cut after event {k} ({t.frames[k].type})")


#: Fields every profile requires on the events that carry them.
REQUIRED = ("response", "item", "part", "delta", "item_id", "output_index", "content_index", "summary_index")


def op_missing_field(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = [
        (i, k) for i in t.events() for k in REQUIRED if k in t.frames[i].data and t.frames[i].type != "error"
    ]
    if not cands:
        return None
    i, key = rng.choice(cands)
    frames = list(t.frames)
    frames[i] = edit(t.frames[i], t, lambda d: d.pop(key))
    return Mutation(
        tuple(frames), i, "RSP103", f"{t.frames[i].type} (event {i}): required field {key!r} removed"
    )


def op_wrong_type(t: Transcript, rng: random.Random) -> Mutation | None:
    keys = ("output_index", "content_index", "summary_index")
    cands = [(i, k) for i in t.events() for k in keys if _int(t.frames[i].data.get(k)) is not None]
    if not cands:
        return None
    i, key = rng.choice(cands)
    frames = list(t.frames)
    frames[i] = edit(t.frames[i], t, lambda d: d.__setitem__(key, str(d[key])))
    return Mutation(tuple(frames), i, "RSP103", f"{t.frames[i].type} (event {i}): {key} sent as a string")


def op_unknown_type(t: Transcript, rng: random.Random) -> Mutation | None:
    term = terminal_index(t)
    evs = [i for i in t.events() if term is None or i < term]
    if not evs:
        return None
    after = rng.choice(evs)
    data: dict[str, Any] = {"type": "response.heartbeat"}
    if numbered(t):
        data["sequence_number"] = 0  # renumbered below
    new = with_data(t.frames[after], t, data)
    frames = renumber(t, (*t.frames[: after + 1], new, *t.frames[after + 1 :]))
    return Mutation(
        frames,
        after + 1,
        "RSP102",
        f"unknown event type response.heartbeat inserted after event {after}",
        profile="open-responses",
    )


def _terminal_edit(
    t: Transcript, change: Callable[[dict[str, Any]], str | None], rule: str
) -> Mutation | None:
    term = terminal_index(t)
    if term is None or not isinstance(t.frames[term].data.get("response"), dict):
        return None
    data = copy.deepcopy(t.frames[term].data)
    what = change(data["response"])
    if what is None:
        return None
    frames = list(t.frames)
    frames[term] = with_data(t.frames[term], t, data)
    return Mutation(tuple(frames), term, rule, f"terminal {t.frames[term].type} (event {term}): {what}")


def op_final_output_missing_item(t: Transcript, rng: random.Random) -> Mutation | None:
    def change(resp: dict[str, Any]) -> str | None:
        out = resp.get("output")
        # A failed response may end with no output at all, so it keeps at least one item.
        least = 2 if resp.get("status") == "failed" else 1
        if not isinstance(out, list) or len(out) < least:
            return None
        k = rng.randrange(len(out))
        del out[k]
        return f"response.output[{k}] removed"

    return _terminal_edit(t, change, "RSP305")


NEXT_STATUS = {"completed": "in_progress", "incomplete": "completed", "failed": "completed"}


def op_terminal_status(t: Transcript, rng: random.Random) -> Mutation | None:
    def change(resp: dict[str, Any]) -> str | None:
        old = resp.get("status")
        if old not in NEXT_STATUS:
            return None
        resp["status"] = NEXT_STATUS[old]
        return f"response.status {old} -> {resp['status']}"

    return _terminal_edit(t, change, "RSP210")


def op_response_id(t: Transcript, rng: random.Random) -> Mutation | None:
    life = [
        i
        for i in t.events()
        if t.frames[i].type in LIFECYCLE and isinstance(t.frames[i].data.get("response"), dict)
    ]
    cands = [i for i in life[1:] if isinstance(t.frames[i].data["response"].get("id"), str)]
    if not cands:
        return None
    i = rng.choice(cands)
    new = _other_id(t.frames[i].data["response"]["id"])
    frames = list(t.frames)
    frames[i] = edit(t.frames[i], t, lambda d: d["response"].__setitem__("id", new))
    return Mutation(
        tuple(frames), i, "RSP211", f"{t.frames[i].type} (event {i}): response.id changed to {new}"
    )


#: The operator table: (name, usual expected rule, function, doc). The doc says where the rule
#: fires; a few operators pick another rule per target (said in the doc), and the sidecar always
#: records the real expectation.
_TABLE: tuple[tuple[str, str, OpFn, str], ...] = (
    ("corrupt-json", "RSP002", op_corrupt_json,
     "Removes the closing brace of one event's JSON. Fires at that data line."),
    ("event-name", "RSP004", op_event_name,
     "SSE only: one event's `event:` line names another type of the stream. Fires at its data line."),
    ("seq-gap", "RSP204", op_seq_gap,
     "One sequence_number skips a value (later ones shift too, so there is one gap). Fires at that event."),
    ("seq-repeat", "RSP205", op_seq_repeat,
     "One event repeats the previous sequence_number (later ones follow on). Fires at that event."),
    ("swap-adjacent", "RSP204", op_swap_adjacent,
     "Two adjacent events swap places, numbers included: the first of the pair now skips a number. "
     "Fires there (RSP205 follows at the next event)."),
    ("drop-created", "RSP206", _drop_op(("response.created",), "RSP206", _at_first_event),
     "Drops response.created (renumbered from 0, so the stream does not look resumed). Fires at the new "
     "first event, or, when that is response.queued (which may precede created), at the event after it."),
    ("drop-in-progress", "RSP207", op_drop_in_progress,
     "Drops response.in_progress before a completed or incomplete terminal event. "
     "Fires at the terminal event."),
    ("drop-item-added", "RSP220",
     _drop_op(("response.output_item.added",), "RSP220", _at_first_item_ref, True),
     "Drops one output_item.added. Fires at the first later event that refers to the item."),
    ("drop-item-done", "RSP228", _drop_op(("response.output_item.done",), "RSP228", _at_terminal_after_item),
     "Drops one output_item.done. Fires at the terminal event, which ends the response with the item "
     "still open (streams with an `error` event are no target: there the error explains it)."),
    ("drop-part-added", "RSP240", _drop_op(("response.content_part.added",), "RSP240", _at_first_part_ref(
        "content_index", "response.content_part.added"), True),
     "Drops one content_part.added. Fires at the first later event for that part."),
    ("drop-part-done", "RSP244", _drop_op(("response.content_part.done",), "RSP244", _at_item_done),
     "Drops one content_part.done. Fires at the item's output_item.done, which closes it with the part "
     "still open."),
    ("drop-summary-part-added", "RSP240", _drop_op(("response.reasoning_summary_part.added",), "RSP240",
        _at_first_part_ref("summary_index", "response.reasoning_summary_part.added"), True),
     "Drops one reasoning_summary_part.added. Fires at the first later event for that summary part."),
    ("drop-summary-part-done", "RSP244",
     _drop_op(("response.reasoning_summary_part.done",), "RSP244", _at_item_done),
     "Drops one reasoning_summary_part.done. Fires at the reasoning item's output_item.done."),
    ("drop-text-done", "RSP247", op_drop_text_done,
     "Drops the `.done` event of a text stream that had deltas (output_text, refusal, reasoning_text, "
     "reasoning_summary_text, function_call_arguments, custom_tool_call_input, mcp_call_arguments, "
     "code_interpreter_call_code). Fires at the event that closes the stream: content_part.done, "
     "reasoning_summary_part.done or output_item.done."),
    ("drop-delta", "RSP301", op_drop_delta,
     "Drops one non-empty delta of a stream that has several (one with none left is allowed). Fires at "
     "the stream's `.done` event, whose text no longer equals the concatenated deltas."),
    ("drop-terminal", "RSP209", op_drop_terminal,
     "Drops the terminal event (completed, incomplete or failed). Fires at the end of input."),
    ("delta-char", "RSP301", op_delta_char,
     "Changes one character of one delta. Fires at the stream's `.done` event."),
    ("done-char", "RSP301", op_done_char,
     "Changes one character of a `.done` text (text, refusal, arguments, input, code). Fires at that event."),
    ("delta-after-done", "RSP246", op_delta_after_done,
     "Moves the last delta of a stream to just after its `.done`. Fires at the moved delta "
     "(RSP301 also fires at the `.done`)."),
    ("wrong-item-id", "RSP223", op_wrong_item_id,
     "Gives one item-scoped event the item_id of another item (or a changed id). Fires at that event."),
    ("wrong-output-index", "RSP223", op_wrong_output_index,
     "Gives one item-scoped event another item's output_index (or, with no other item yet, an index "
     "never added), so that its item_id names a known item that is not there. Fires at that event."),
    ("wrong-content-index", "RSP240", _wrong_part_index("content_index", "response.content_part.added"),
     "Points one content-part event at a content_index that is never added. Fires at that event."),
    ("wrong-summary-index", "RSP240",
     _wrong_part_index("summary_index", "response.reasoning_summary_part.added"),
     "Points one summary event at a summary_index that is never added. Fires at that event."),
    ("duplicate-item-id", "RSP222", op_duplicate_item_id,
     "Renames a later item, everywhere, to an earlier item's id. "
     "Fires at the later item's output_item.added."),
    ("event-after-terminal", "RSP208", op_event_after_terminal,
     "Sends a copy of an item event after the terminal event (numbered on). Fires at the copy."),
    ("truncate", "RSP209", op_truncate,
     "Cuts the stream cleanly after a random event before the terminal one. Fires at the end of input."),
    ("missing-field", "RSP103", op_missing_field,
     "Removes a required field (response, item, part, delta, item_id, output_index, content_index or "
     "summary_index) from one event. Fires at that event."),
    ("wrong-type", "RSP103", op_wrong_type,
     "Sends output_index, content_index or summary_index of one event as a string. Fires at that event."),
    ("unknown-type", "RSP102", op_unknown_type,
     "Inserts an event of the unknown type `response.heartbeat`. Fires at that event; an error in the "
     "open-responses profile (the sidecar says so), a warning in openai, where unknown types are tolerated."),
    ("final-output-missing-item", "RSP305", op_final_output_missing_item,
     "Removes one item from the terminal response's output (a failed response keeps at least one: it "
     "may legitimately end with none). Fires at the terminal event."),
    ("terminal-status", "RSP210", op_terminal_status,
     "Changes the terminal response's status (completed -> in_progress, incomplete or failed -> completed). "
     "Fires at the terminal event."),
    ("response-id", "RSP211", op_response_id,
     "Changes response.id in one lifecycle event after the first. Fires at that event."),
)  # fmt: skip

OPERATORS: dict[str, Operator] = {name: Operator(name, rule, doc, fn) for name, rule, fn, doc in _TABLE}


# ---------------------------------------------------------------------------- mutants


@dataclass(frozen=True)
class Mutant:
    name: str  #: file name of the mutant
    text: str
    expected: dict[str, Any]


def _select(ops: Iterable[str] | None) -> list[Operator]:
    names = list(ops) if ops else list(OPERATORS)
    unknown = [n for n in names if n not in OPERATORS]
    if unknown:
        raise KeyError(f"unknown operator(s): {', '.join(unknown)}")
    return [OPERATORS[n] for n in names]


def generate(
    text: str,
    base: str = "<stream>",
    ops: Iterable[str] | None = None,
    seed: int = 0,
    *,
    profile: str = "openai",
    transcript: Transcript | None = None,
) -> Iterator[Mutant]:
    """Yield at most one mutant per operator; each operator draws from its own ``Random(seed)``.

    ``profile`` is the one the base transcript is valid in; ``transcript`` saves re-parsing ``text``.
    """
    t = transcript or parse(text, name=base)
    stem, ext = Path(base).stem, (Path(base).suffix or (".sse" if t.format == "sse" else ".jsonl"))
    for op in _select(ops):
        m = op.fn(t, random.Random(seed))
        if m is None:
            continue
        mt = replace(t, frames=m.frames)
        out = render(mt)
        line = end_line(out) if m.at is None else payload_lines(mt)[m.at]
        yield Mutant(
            f"{stem}.{op.name}.s{seed}{ext}",
            out,
            {
                "base": Path(base).name,
                "operator": op.name,
                "seed": seed,
                "rule": m.rule,
                "line": line,
                "at": "end" if m.at is None else "event",
                "profile": m.profile or profile,
                "severity": "error",
                "description": m.description,
            },
        )


def sidecar_path(mutant: Path) -> Path:
    return mutant.with_name(mutant.name + ".expected.json")


def write_mutants(
    path: str | Path,
    out_dir: str | Path,
    ops: Iterable[str] | None = None,
    seed: int = 0,
    profile: str = "openai",
) -> list[Path]:
    """Write each mutant of ``path`` and its ``.expected.json`` sidecar into ``out_dir``."""
    src = Path(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for m in generate(src.read_bytes().decode("utf-8"), src.name, ops, seed, profile=profile):
        target = out / m.name
        target.write_bytes(m.text.encode("utf-8"))
        sidecar_path(target).write_text(
            json.dumps(m.expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        written.append(target)
    return written


# ---------------------------------------------------------------------------- verdicts

#: How a checker did on one mutant.
DETECTED, ELSEWHERE, MISSED = "detected", "elsewhere", "missed"


def judge(findings: Iterable[Any], expected: dict[str, Any]) -> tuple[str, str]:
    """Classify a checker's findings (``rule``, ``line``, ``severity``) against a sidecar.

    ``detected``: the expected rule at the expected line with the expected severity;
    ``elsewhere``: some other error (the mutant fails, but not where or why it should);
    ``missed``: no error at all. The second value names what fired, for reports.
    """
    fs = list(findings)
    want = expected.get("severity", "error")

    def sev(f: Any) -> str:
        return getattr(f.severity, "value", f.severity)

    if any(f.rule == expected["rule"] and f.line == expected["line"] and sev(f) == want for f in fs):
        return DETECTED, f"{expected['rule']}@{expected['line']}"
    errors = [f for f in fs if sev(f) == "error"]
    if errors:
        same = [f for f in errors if f.rule == expected["rule"]]
        first = (same or errors)[0]
        return ELSEWHERE, f"{first.rule}@{first.line}"
    return MISSED, ""
