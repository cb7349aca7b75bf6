"""Mutation operators that remove events: one dropped opener, closer, delta or terminal event, or a cut.

Each knows where the missing event first becomes visible (the event that needed it, or the end of
input); the rest of the stream is renumbered so that only the rule under test can notice.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from validator.tools.mutate.model import Frame, Mutation, OpFn, Transcript, renumber, resumed
from validator.tools.mutate.structure import (
    TERMINAL,
    events_of,
    first_event,
    items,
    refers_to,
    terminal_index,
    text_streams,
)


def drop(t: Transcript, index: int) -> tuple[Frame, ...]:
    return renumber(t, t.frames[:index] + t.frames[index + 1 :])


def drop_op(
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
        cands = [i for i in events_of(t, *types) if locate(t, i, t.frames[:i] + t.frames[i + 1 :]) != -1]
        if not cands:
            return None
        i = rng.choice(cands)
        frames = drop(t, i)
        at = locate(t, i, frames)
        where = "end of input" if at is None else f"event {at}"
        return Mutation(frames, at, rule, f"{t.frames[i].type} (event {i}) dropped; visible at {where}")

    return fn


def at_first_event(t: Transcript, i: int, frames: tuple[Frame, ...]) -> int | None:
    first = first_event(frames, 0, lambda d: True)
    if first is not None and frames[first].type == "response.queued":
        # created and queued may come in either order, so a missing created is certain only at
        # the first event after queued that is not response.created.
        return first_event(frames, first + 1, lambda d: True)
    return first


def at_first_item_ref(t: Transcript, i: int, frames: tuple[Frame, ...]) -> int | None:
    item = next(it for it in items(t) if it.added == i)
    at = first_event(frames, i, lambda d: refers_to(d, item))
    # Another item added before the first reference would hit output-index rules first.
    other = first_event(frames, i, lambda d: d.get("type") == "response.output_item.added")
    if at is None or (other is not None and other < at):
        return -1
    return at


def at_terminal_after_item(t: Transcript, i: int, frames: tuple[Frame, ...]) -> int | None:
    # An item left open shows when the response ends; after an `error` event the failure is
    # the root cause and an open item is not a defect of its own, so such streams are no target.
    if any(f.type == "error" for f in frames):
        return -1
    at = first_event(frames, i, lambda d: d.get("type") in TERMINAL)
    return -1 if at is None else at


def _part_key(d: dict[str, Any], scope: str) -> tuple[Any, Any]:
    return (d.get("output_index"), d.get(scope))


def at_first_part_ref(
    scope: str, added_type: str
) -> Callable[[Transcript, int, tuple[Frame, ...]], int | None]:
    def locate(t: Transcript, i: int, frames: tuple[Frame, ...]) -> int | None:
        key = _part_key(t.frames[i].data, scope)
        at = first_event(frames, i, lambda d: scope in d and _part_key(d, scope) == key)
        other = first_event(
            frames, i, lambda d: d.get("type") == added_type and d.get("output_index") == key[0]
        )
        if at is None or (other is not None and other < at):
            return -1
        return at

    return locate


def at_item_done(t: Transcript, i: int, frames: tuple[Frame, ...]) -> int | None:
    """A part left open shows when its item closes (output_item.done of the same output_index)."""
    oi = t.frames[i].data.get("output_index")
    at = first_event(
        frames, i, lambda d: d.get("type") == "response.output_item.done" and d.get("output_index") == oi
    )
    return -1 if at is None else at


def op_drop_text_done(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = [s for s in text_streams(t) if s.done is not None and s.deltas]
    if not cands:
        return None
    s = rng.choice(cands)
    assert s.done is not None
    frames = drop(t, s.done)
    if s.scope:
        closer = (
            "response.content_part.done"
            if s.scope == "content_index"
            else "response.reasoning_summary_part.done"
        )
        at = first_event(
            frames,
            s.done,
            lambda d: d.get("type") == closer and _part_key(d, s.scope) == (s.output_index, s.index),
        )
    else:
        at = first_event(
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
    frames = drop(t, i)
    return Mutation(
        frames, s.done - 1, "RSP301", f"{t.frames[i].type} (event {i}) dropped; its done no longer matches"
    )


def op_drop_terminal(t: Transcript, rng: random.Random) -> Mutation | None:
    i = terminal_index(t)
    if i is None:
        return None
    frames = drop(t, i)
    return Mutation(frames, None, "RSP209", f"terminal {t.frames[i].type} (event {i}) dropped")


def op_drop_in_progress(t: Transcript, rng: random.Random) -> Mutation | None:
    term = terminal_index(t)
    cands = events_of(t, "response.in_progress")
    if term is None or t.frames[term].type == "response.failed" or len(cands) != 1:
        return None
    frames = drop(t, cands[0])
    return Mutation(frames, term - 1, "RSP207", f"response.in_progress (event {cands[0]}) dropped")


def op_truncate(t: Transcript, rng: random.Random) -> Mutation | None:
    term = terminal_index(t)
    if term is None:
        return None
    cands = [i for i in t.events() if i < term]
    if not cands:
        return None
    k = rng.choice(cands)
    return Mutation(t.frames[: k + 1], None, "RSP209", f"stream cut after event {k} ({t.frames[k].type})")
