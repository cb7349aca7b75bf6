"""What a transcript contains, for ``mutate``'s operators: output items, text streams, the terminal event.

Operators pick their targets from these views and find where a defect shows with ``first_event``;
none of this changes a transcript.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from validator.tools.mutate.model import Frame, Transcript

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


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def items(t: Transcript) -> list[Item]:
    found: dict[int, Item] = {}
    for i in t.events():
        d = t.frames[i].data
        oi = as_int(d.get("output_index"))
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
        oi = as_int(d.get("output_index"))
        if typ in TEXT_STREAMS:
            done_type, fld, scope = TEXT_STREAMS[typ]
        elif typ in DONE_TYPES:
            done_type, (_, fld, scope) = typ, DONE_TYPES[typ]
        else:
            continue
        if oi is None:
            continue
        index = as_int(d.get(scope)) if scope else None
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
        as_int(d.get("output_index")) == item.output_index
        or (item.id is not None and d.get("item_id") == item.id)
        or (isinstance(inner, dict) and item.id is not None and inner.get("id") == item.id)
    )


def first_event(frames: Sequence[Frame], start: int, pred: Callable[[dict[str, Any]], bool]) -> int | None:
    return next(
        (i for i in range(start, len(frames)) if frames[i].kind == "event" and pred(frames[i].data)), None
    )


def terminal_index(t: Transcript) -> int | None:
    return next((i for i in t.events() if t.frames[i].type in TERMINAL), None)


def events_of(t: Transcript, *types: str) -> list[int]:
    return [i for i in t.events() if t.frames[i].type in types]
