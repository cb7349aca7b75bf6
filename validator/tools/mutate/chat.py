"""Mutation operators for Chat Completions streams: one defect each, with the rule that must see it.

Same contract as the Responses operators (the transcript model, :class:`Mutation`, one
``random.Random(seed)`` per operator, nothing produced without a target), on the chunks of a
``chat.completion.chunk`` stream: the mutants keep valid JSON and SSE framing except where the
operator breaks them on purpose, so that only the rule under test can catch them.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from validator.tools.mutate.model import Frame, Mutation, Transcript, edit, with_data, with_raw_payload

__all__ = ["CHAT_TABLE"]


def _chunks(t: Transcript) -> list[int]:
    """Frame indices of the content chunks (object chat.completion.chunk with choices)."""
    return [
        i
        for i, f in enumerate(t.frames)
        if f.kind == "event"
        and isinstance(f.data, dict)
        and f.data.get("object") == "chat.completion.chunk"
        and isinstance(f.data.get("choices"), list)
        and f.data["choices"]
    ]


def _entries(f: Frame) -> list[dict[str, Any]]:
    return [c for c in f.data.get("choices", []) if isinstance(c, dict)] if isinstance(f.data, dict) else []


def _finish_chunks(t: Transcript) -> list[tuple[int, int]]:
    """(frame index, choice index) of each choice's first non-null finish_reason."""
    seen: set[int] = set()
    out = []
    for i in _chunks(t):
        for c in _entries(t.frames[i]):
            if c.get("finish_reason") is not None and c.get("index") not in seen:
                seen.add(c.get("index"))
                out.append((i, c["index"]))
    return out


def _done(t: Transcript) -> int | None:
    return next((i for i, f in enumerate(t.frames) if f.kind == "done"), None)


def _set(frames: tuple[Frame, ...], i: int, frame: Frame) -> tuple[Frame, ...]:
    return (*frames[:i], frame, *frames[i + 1 :])


def _insert(frames: tuple[Frame, ...], i: int, frame: Frame) -> tuple[Frame, ...]:
    return (*frames[:i], frame, *frames[i:])


def _copy_with(f: Frame, t: Transcript, data: dict[str, Any]) -> Frame:
    return with_data(replace(f, gap=max(f.gap, 1)), t, data)


def _calls(t: Transcript) -> list[tuple[int, int, int]]:
    """(frame index, choices position, tool_calls position) of every tool-call fragment."""
    out = []
    for i in _chunks(t):
        for k, c in enumerate(t.frames[i].data["choices"]):
            calls = c.get("delta", {}).get("tool_calls") if isinstance(c.get("delta"), dict) else None
            for m, call in enumerate(calls or []):
                if isinstance(call, dict):
                    out.append((i, k, m))
    return out


def _at_close(t: Transcript, frames: tuple[Frame, ...]) -> int | None:
    """Where a choice left open is reported: the [DONE] frame, or the end (None)."""
    return next((i for i, f in enumerate(frames) if f.kind == "done"), None)


# ---------------------------------------------------------------------------- operators


def op_corrupt_json(t: Transcript, rng: random.Random) -> Mutation | None:
    chunks = _chunks(t)
    if not chunks:
        return None
    i = rng.choice(chunks)
    payload = json.dumps(t.frames[i].data, ensure_ascii=False, separators=(",", ":"))[:-1]
    return Mutation(
        _set(t.frames, i, with_raw_payload(t.frames[i], t, payload)), i, "CH003", "closing brace removed"
    )


def op_drop_done(t: Transcript, rng: random.Random) -> Mutation | None:
    done = _done(t)
    if done is None or t.format != "sse":
        return None
    frames = t.frames[:done] + t.frames[done + 1 :]
    return Mutation(frames, None, "CH002", "data: [DONE] removed")


def op_truncate(t: Transcript, rng: random.Random) -> Mutation | None:
    finishes = _finish_chunks(t)
    if t.format != "sse" or not finishes:
        return None
    last = min(i for i, _ in finishes)
    candidates = [i for i in _chunks(t) if i < last]
    if not candidates:
        return None
    cut = rng.choice(candidates)
    return Mutation(t.frames[: cut + 1], None, "CH002", f"stream cut after frame {cut}")


def op_chunk_after_done(t: Transcript, rng: random.Random) -> Mutation | None:
    done = _done(t)
    chunks = _chunks(t)
    if done is None or not chunks:
        return None
    extra = _copy_with(t.frames[chunks[-1]], t, copy.deepcopy(t.frames[chunks[-1]].data))
    frames = (*t.frames[: done + 1], extra, *t.frames[done + 1 :])
    return Mutation(frames, done + 1, "CH007", "a copy of the last chunk after [DONE]")


def op_change_id(t: Transcript, rng: random.Random) -> Mutation | None:
    chunks = _chunks(t)
    if len(chunks) < 2:
        return None
    i = rng.choice(chunks[1:])
    frame = edit(t.frames[i], t, lambda d: d.__setitem__("id", str(d.get("id")) + "x"))
    return Mutation(_set(t.frames, i, frame), i, "CH210", "one chunk's id changed")


def op_wrong_object(t: Transcript, rng: random.Random) -> Mutation | None:
    chunks = _chunks(t)
    if not chunks:
        return None
    i = rng.choice(chunks)
    frame = edit(t.frames[i], t, lambda d: d.__setitem__("object", "chat.completion"))
    return Mutation(_set(t.frames, i, frame), i, "CH111", "object: chat.completion")


def op_drop_delta(t: Transcript, rng: random.Random) -> Mutation | None:
    chunks = _chunks(t)
    if not chunks:
        return None
    i = rng.choice(chunks)
    frame = edit(t.frames[i], t, lambda d: d["choices"][0].pop("delta", None))
    return Mutation(_set(t.frames, i, frame), i, "CH121", "a choice's delta removed")


def op_invalid_finish(t: Transcript, rng: random.Random) -> Mutation | None:
    finishes = _finish_chunks(t)
    if not finishes:
        return None
    i, index = rng.choice(finishes)

    def change(d: dict[str, Any]) -> None:
        for c in d["choices"]:
            if c.get("index") == index:
                c["finish_reason"] = rng.choice(["", "end_turn", "eos"])

    return Mutation(
        _set(t.frames, i, edit(t.frames[i], t, change)), i, "CH123", "finish_reason outside the enum"
    )


def op_drop_finish(t: Transcript, rng: random.Random) -> Mutation | None:
    finishes = _finish_chunks(t)
    if not finishes:
        return None
    i, index = rng.choice(finishes)

    def change(d: dict[str, Any]) -> None:
        for c in d["choices"]:
            if c.get("index") == index:
                c["finish_reason"] = None

    frames = _set(t.frames, i, edit(t.frames[i], t, change))
    return Mutation(frames, _at_close(t, frames), "CH225", f"choice {index}'s finish_reason set to null")


def _after_finish(
    t: Transcript, rng: random.Random, delta: Callable[[int, str], dict[str, Any]], rule: str, what: str
) -> Mutation | None:
    finishes = _finish_chunks(t)
    if not finishes:
        return None
    i, index = rng.choice(finishes)
    base = t.frames[i].data
    finish = next(c["finish_reason"] for c in _entries(t.frames[i]) if c.get("index") == index)
    data = {k: v for k, v in base.items() if k not in ("usage", "obfuscation")}
    data["choices"] = [{"index": index, **delta(index, finish)}]
    frames = _insert(t.frames, i + 1, _copy_with(t.frames[i], t, data))
    return Mutation(frames, i + 1, rule, what)


def op_content_after_finish(t: Transcript, rng: random.Random) -> Mutation | None:
    return _after_finish(
        t,
        rng,
        lambda _i, _f: {"delta": {"content": " More."}, "logprobs": None, "finish_reason": None},
        "CH224",
        "a content chunk after the choice's finish chunk",
    )


def op_finish_changed(t: Transcript, rng: random.Random) -> Mutation | None:
    return _after_finish(
        t,
        rng,
        lambda _i, f: {"delta": {}, "logprobs": None, "finish_reason": "length" if f != "length" else "stop"},
        "CH229",
        "the choice finished again with another reason",
    )


def op_choice_index_gap(t: Transcript, rng: random.Random) -> Mutation | None:
    chunks = _chunks(t)
    indexes = sorted(
        {c.get("index") for i in chunks for c in _entries(t.frames[i]) if type(c.get("index")) is int}
    )
    if not indexes:
        return None
    top = indexes[-1]

    def change(d: dict[str, Any]) -> None:
        for c in d["choices"]:
            if c.get("index") == top:
                c["index"] = top + 1

    frames = list(t.frames)
    first = None
    for i in chunks:
        if any(c.get("index") == top for c in _entries(t.frames[i])):
            frames[i] = edit(t.frames[i], t, change)
            first = i if first is None else first
    return Mutation(tuple(frames), first, "CH220", f"choice {top} renumbered {top + 1}")


def op_error_mid_stream(t: Transcript, rng: random.Random) -> Mutation | None:
    chunks = _chunks(t)
    if len(chunks) < 2:
        return None
    k = rng.randrange(len(chunks) - 1)
    i = chunks[k]
    error = {
        "error": {"message": "upstream connection reset", "type": "server_error", "param": None, "code": None}
    }
    frames = _insert(t.frames, i + 1, _copy_with(t.frames[i], t, error))
    return Mutation(frames, i + 2, "CH063", "an in-band error mid-stream, the stream going on after it")


def op_error_in_chunk(t: Transcript, rng: random.Random) -> Mutation | None:
    chunks = _chunks(t)
    if not chunks:
        return None
    i = chunks[-1]
    frame = edit(
        t.frames[i], t, lambda d: d.__setitem__("error", {"code": 400, "message": "Token limit reached"})
    )
    later = [j for j in range(i + 1, len(t.frames)) if t.frames[j].kind == "event"]
    if later:
        return None
    return Mutation(_set(t.frames, i, frame), i, "CH005", "the last chunk carries a top-level error")


def _call_edit(
    t: Transcript,
    rng: random.Random,
    first: bool,
    change: Callable[[dict[str, Any]], bool],
    rule: str,
    what: str,
) -> Mutation | None:
    """Edit one tool-call fragment (a call's first one, or a later one); ``change`` says if it applied."""
    seen: set[tuple[int, int]] = set()
    targets = []
    for i, k, m in _calls(t):
        c = t.frames[i].data["choices"][k]
        key = (c.get("index"), c["delta"]["tool_calls"][m].get("index"))
        is_first = key not in seen
        seen.add(key)
        if is_first == first:
            targets.append((i, k, m))
    rng.shuffle(targets)
    for i, k, m in targets:
        data = copy.deepcopy(t.frames[i].data)
        if change(data["choices"][k]["delta"]["tool_calls"][m]):
            return Mutation(_set(t.frames, i, with_data(t.frames[i], t, data)), i, rule, what)
    return None


def op_tool_drop_id(t: Transcript, rng: random.Random) -> Mutation | None:
    return _call_edit(
        t, rng, True, lambda c: c.pop("id", None) is not None, "CH251", "a call's first fragment lost its id"
    )


def op_tool_drop_index(t: Transcript, rng: random.Random) -> Mutation | None:
    return _call_edit(
        t, rng, False, lambda c: c.pop("index", None) is not None, "CH150", "a fragment lost its index"
    )


def op_tool_change_id(t: Transcript, rng: random.Random) -> Mutation | None:
    return _call_edit(
        t,
        rng,
        False,
        lambda c: c.__setitem__("id", "call_" + "f" * 24) is None,
        "CH258",
        "a later fragment carries another id",
    )


def op_tool_index_gap(t: Transcript, rng: random.Random) -> Mutation | None:
    calls = _calls(t)
    if not calls:
        return None
    i0, k0, _ = calls[0]
    choice = t.frames[i0].data["choices"][k0].get("index")
    frames = list(t.frames)
    for i, k, m in calls:
        data = frames[i].data
        if data["choices"][k].get("index") != choice:
            continue
        data = copy.deepcopy(data)
        call = data["choices"][k]["delta"]["tool_calls"][m]
        if type(call.get("index")) is int:
            call["index"] += 1
        frames[i] = with_data(frames[i], t, data)
    return Mutation(tuple(frames), i0, "CH254", "every tool-call index of a choice shifted by one")


def op_tool_args_cut(t: Transcript, rng: random.Random) -> Mutation | None:
    """Drops the last arguments fragment that closes a call's JSON: the text no longer parses."""
    finishes = dict((index, i) for i, index in _finish_chunks(t))
    by_call: dict[tuple[Any, Any], list[tuple[int, int, int]]] = {}
    for i, k, m in _calls(t):
        c = t.frames[i].data["choices"][k]
        by_call.setdefault((c.get("index"), c["delta"]["tool_calls"][m].get("index")), []).append((i, k, m))
    keys = sorted(by_call, key=str)
    rng.shuffle(keys)
    for key in keys:
        pieces = by_call[key]
        last = pieces[-1]
        i, k, m = last
        args = t.frames[i].data["choices"][k]["delta"]["tool_calls"][m].get("function", {}).get("arguments")
        finish_at = finishes.get(key[0])
        if not args or len(pieces) < 2 or finish_at is None or finish_at <= i:
            continue
        data = copy.deepcopy(t.frames[i].data)
        data["choices"][k]["delta"]["tool_calls"][m]["function"]["arguments"] = ""
        text = "".join(
            t.frames[a].data["choices"][b]["delta"]["tool_calls"][c].get("function", {}).get("arguments")
            or ""
            for a, b, c in pieces[:-1]
        )
        try:
            json.loads(text)
            continue
        except ValueError:
            pass
        finish = next(
            c2["finish_reason"] for c2 in _entries(t.frames[finish_at]) if c2.get("index") == key[0]
        )
        if finish == "length":
            continue
        return Mutation(
            _set(t.frames, i, with_data(t.frames[i], t, data)),
            finish_at,
            "CH353",
            "a call's last arguments fragment emptied",
        )
    return None


def op_finish_tool_calls_without_calls(t: Transcript, rng: random.Random) -> Mutation | None:
    called = {t.frames[i].data["choices"][k].get("index") for i, k, _ in _calls(t)}
    finishes = [(i, index) for i, index in _finish_chunks(t) if index not in called]
    if not finishes:
        return None
    i, index = rng.choice(finishes)

    def change(d: dict[str, Any]) -> None:
        for c in d["choices"]:
            if c.get("index") == index:
                c["finish_reason"] = "tool_calls"

    return Mutation(
        _set(t.frames, i, edit(t.frames[i], t, change)), i, "CH257", "a text choice finished with tool_calls"
    )


#: (name, rule, function, doc): where each fires, as for the Responses operators.
CHAT_TABLE: tuple[tuple[str, str, Callable[[Transcript, random.Random], Mutation | None], str], ...] = (
    ("chat-corrupt-json", "CH003", op_corrupt_json,
     "Removes the closing brace of one chunk's JSON. Fires at that data line."),
    ("chat-drop-done", "CH002", op_drop_done,
     "SSE only: removes data: [DONE]. Fires at the end of input."),
    ("chat-truncate", "CH002", op_truncate,
     "SSE only: cuts the stream after a chunk before the first finish. Fires at the end of input."),
    ("chat-chunk-after-done", "CH007", op_chunk_after_done,
     "Sends a copy of the last chunk after [DONE]. Fires at the copy."),
    ("chat-change-id", "CH210", op_change_id,
     "Changes the id of one chunk after the first. Fires at that chunk."),
    ("chat-wrong-object", "CH111", op_wrong_object,
     "Sets one chunk's object to chat.completion. Fires at that chunk."),
    ("chat-drop-delta", "CH121", op_drop_delta,
     "Removes a choice's delta. Fires at that chunk."),
    ("chat-invalid-finish", "CH123", op_invalid_finish,
     "Sets a finish_reason outside the enum. Fires at that chunk."),
    ("chat-drop-finish", "CH225", op_drop_finish,
     "Sets a choice's finish_reason to null. Fires at [DONE] (or the end)."),
    ("chat-content-after-finish", "CH224", op_content_after_finish,
     "Inserts a content chunk after a choice's finish chunk. Fires at it."),
    ("chat-finish-changed", "CH229", op_finish_changed,
     "Finishes a finished choice again with another reason. Fires at that chunk."),
    ("chat-choice-index-gap", "CH220", op_choice_index_gap,
     "Renumbers the highest choice index n to n+1. Fires at its first chunk."),
    ("chat-error-mid-stream", "CH063", op_error_mid_stream,
     "Inserts an in-band error between two chunks. Fires at the chunk after it."),
    ("chat-error-in-chunk", "CH005", op_error_in_chunk,
     "Puts a top-level error on the last chunk. Fires at that chunk."),
    ("chat-tool-drop-id", "CH251", op_tool_drop_id,
     "Removes the id of a call's first fragment. Fires at that chunk."),
    ("chat-tool-drop-index", "CH150", op_tool_drop_index,
     "Removes the index of a later fragment. Fires at that chunk."),
    ("chat-tool-change-id", "CH258", op_tool_change_id,
     "Gives a later fragment another call id. Fires at that chunk."),
    ("chat-tool-index-gap", "CH254", op_tool_index_gap,
     "Shifts a choice's tool-call indexes by one. Fires at its first fragment."),
    ("chat-tool-args-cut", "CH353", op_tool_args_cut,
     "Empties a call's last arguments fragment: the JSON no longer parses. Fires at the finish chunk."),
    ("chat-finish-tool-calls", "CH257", op_finish_tool_calls_without_calls,
     "Finishes a text choice with tool_calls. Fires at that chunk."),
)  # fmt: skip
