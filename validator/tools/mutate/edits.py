"""Mutation operators that change, move or insert events (JSON, framing, numbering, text, ids, fields).

Each keeps everything else realistic (valid JSON and framing, consecutive numbers) except the one
thing it breaks on purpose.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterable
from typing import Any

from validator.tools.mutate.model import (
    Mutation,
    OpFn,
    Transcript,
    dumps,
    edit,
    has_event_line,
    numbered,
    renumber,
    with_data,
    with_event_name,
    with_raw_payload,
)
from validator.tools.mutate.structure import LIFECYCLE, as_int, items, terminal_index, text_streams


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
    payload = dumps(t.frames[i].data)
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


def _seq_shift(t: Transcript, rng: random.Random, step: int, rule: str, what: str) -> Mutation | None:
    """Renumber from one event on (not the first), ``step`` away from its own number."""
    cands = t.events()[1:] if numbered(t) else []
    if not cands:
        return None
    i = rng.choice(cands)
    seq = t.frames[i].seq
    assert seq is not None
    frames = t.frames[:i] + renumber(t, t.frames[i:], seq + step)
    return Mutation(frames, i, rule, f"event {i}: {what}")


def op_seq_gap(t: Transcript, rng: random.Random) -> Mutation | None:
    return _seq_shift(t, rng, 1, "RSP204", "sequence_number skips one value (every later one shifted)")


def op_seq_repeat(t: Transcript, rng: random.Random) -> Mutation | None:
    return _seq_shift(t, rng, -1, "RSP205", "repeats the previous sequence_number (later ones follow on)")


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


def wrong_part_index(scope: str, added_type: str) -> OpFn:
    def fn(t: Transcript, rng: random.Random) -> Mutation | None:
        cands = [
            i
            for i in _scoped(t, (scope, "output_index"), (added_type,))
            if as_int(t.frames[i].data[scope]) is not None
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
        if f.kind == "event" and dup.id in dumps(f.data)
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
    cands = [(i, k) for i in t.events() for k in keys if as_int(t.frames[i].data.get(k)) is not None]
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
