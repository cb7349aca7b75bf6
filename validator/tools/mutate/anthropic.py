"""Mutation operators for Anthropic Messages streams: one defect each, with the rule that must
report it and the event (or end of input) where it becomes visible.

They work on the protocol-neutral transcript model (frames that render back byte for byte) and keep
everything else realistic: valid JSON, ``event:`` lines equal to ``type``, consecutive block
indexes, except the one thing each breaks on purpose.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from validator.tools.mutate.model import (
    Frame,
    Mutation,
    OpFn,
    Transcript,
    dumps,
    edit,
    has_event_line,
    with_data,
    with_event_name,
    with_raw_payload,
)

__all__ = ["TABLE"]

Json = dict[str, Any]


def _types(t: Transcript) -> list[tuple[int, str]]:
    return [(i, t.frames[i].type or "") for i in t.events()]


def _first(t: Transcript, type_: str) -> int | None:
    return next((i for i, k in _types(t) if k == type_), None)


def _all(t: Transcript, type_: str, pred: Callable[[Json], bool] = lambda d: True) -> list[int]:
    return [i for i, k in _types(t) if k == type_ and pred(t.frames[i].data)]


def _failed(t: Transcript) -> bool:
    return _first(t, "error") is not None


def _complete(t: Transcript) -> bool:
    """A whole stream: message_start, a message_delta, message_stop last, no error event."""
    kinds = [k for _, k in _types(t) if k != "ping"]
    return (
        bool(kinds)
        and kinds[0] == "message_start"
        and kinds[-1] == "message_stop"
        and "message_delta" in kinds
    )


def _blocks(t: Transcript) -> dict[int, tuple[int, list[int], int | None]]:
    """Block index -> (start frame, delta frames, stop frame)."""
    out: dict[int, tuple[int, list[int], int | None]] = {}
    for i, k in _types(t):
        idx = t.frames[i].data.get("index")
        if not isinstance(idx, int):
            continue
        if k == "content_block_start":
            out[idx] = (i, [], None)
        elif k == "content_block_delta" and idx in out:
            out[idx][1].append(i)
        elif k == "content_block_stop" and idx in out:
            start, deltas, _ = out[idx]
            out[idx] = (start, deltas, i)
    return out


def _block_type(t: Transcript, start: int) -> str:
    block = t.frames[start].data.get("content_block")
    return block.get("type", "") if isinstance(block, dict) else ""


def _stop_reason(t: Transcript) -> str | None:
    i = _first(t, "message_delta")
    delta = t.frames[i].data.get("delta") if i is not None else None
    return delta.get("stop_reason") if isinstance(delta, dict) else None


def _set(frames: list[Frame], t: Transcript, i: int, change: Callable[[Json], None]) -> None:
    frames[i] = edit(frames[i], t, change)


def _mutation(
    frames: list[Frame], at: int | None, rule: str, description: str, severity: str = "error"
) -> Mutation:
    return Mutation(tuple(frames), at, rule, description, severity=severity)


# ---------------------------------------------------------------- operators


def op_corrupt_json(t: Transcript, rng: random.Random) -> Mutation | None:
    evs = t.events()
    if not evs:
        return None
    i = rng.choice(evs)
    frames = list(t.frames)
    frames[i] = with_raw_payload(t.frames[i], t, dumps(t.frames[i].data)[:-1])
    return _mutation(frames, i, "AN002", f"event {i}: closing brace of the JSON payload removed")


def op_event_name(t: Transcript, rng: random.Random) -> Mutation | None:
    if t.format != "sse":
        return None
    cands = [i for i in t.events() if has_event_line(t.frames[i]) and t.frames[i].type != "ping"]
    names = sorted({k for _, k in _types(t) if k})
    if not cands or len(names) < 2:
        return None
    i = rng.choice(cands)
    other = rng.choice([n for n in names if n != t.frames[i].type])
    frames = list(t.frames)
    frames[i] = with_event_name(t.frames[i], other)
    return _mutation(frames, i, "AN004", f"event {i}: event: line says {other}, data says {t.frames[i].type}")


def op_drop_message_start(t: Transcript, rng: random.Random) -> Mutation | None:
    i = _first(t, "message_start")
    if i is None or _failed(t):
        return None
    frames = list(t.frames)
    del frames[i]
    nxt = next(
        (k for k in range(i, len(frames)) if frames[k].kind == "event" and frames[k].type != "ping"), None
    )
    if nxt is None:
        return None
    return _mutation(
        frames, nxt, "AN201", "message_start dropped: the next event comes before any message_start"
    )


def op_duplicate_message_start(t: Transcript, rng: random.Random) -> Mutation | None:
    i = _first(t, "message_start")
    stops = _all(t, "content_block_stop")
    if i is None or not stops:
        return None
    at = rng.choice(stops) + 1
    frames = list(t.frames)
    frames.insert(at, t.frames[i])
    return _mutation(frames, at, "AN202", f"message_start sent again after event {at - 1}")


def op_block_index_skip(t: Transcript, rng: random.Random) -> Mutation | None:
    blocks = _blocks(t)
    if not blocks:
        return None
    k = rng.choice(sorted(blocks))
    start, deltas, stop = blocks[k]
    frames = list(t.frames)
    for i in [start, *deltas, *([stop] if stop is not None else [])]:
        _set(frames, t, i, lambda d: d.__setitem__("index", k + 1))
    return _mutation(frames, start, "AN205", f"block {k} (and its deltas and stop) numbered {k + 1}")


def op_drop_block_stop(t: Transcript, rng: random.Random) -> Mutation | None:
    if not _complete(t):
        return None
    cands = [stop for _, _, stop in _blocks(t).values() if stop is not None]
    if not cands:
        return None
    i = rng.choice(cands)
    frames = list(t.frames)
    del frames[i]
    at = next(k for k in range(i, len(frames)) if frames[k].type == "message_delta")
    return _mutation(
        frames, at, "AN208", f"content_block_stop at event {i} dropped: the block is never stopped"
    )


def op_delta_after_stop(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = [(deltas[-1], stop) for _, deltas, stop in _blocks(t).values() if deltas and stop is not None]
    if not cands:
        return None
    last, stop = rng.choice(cands)
    frames = list(t.frames)
    moved = frames.pop(last)
    frames.insert(stop, moved)  # the stop moved up by one: the delta now follows it
    return _mutation(frames, stop, "AN206", f"the last delta of a block (event {last}) moved after its stop")


_SWAP = {"text_delta": ("thinking_delta", "thinking"), "thinking_delta": ("text_delta", "text")}


def op_delta_type_mismatch(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = [
        i
        for i in _all(t, "content_block_delta")
        if isinstance(t.frames[i].data.get("delta"), dict) and t.frames[i].data["delta"].get("type") in _SWAP
    ]
    if not cands:
        return None
    i = rng.choice(cands)
    old = t.frames[i].data["delta"]
    new_type, field = _SWAP[old["type"]]
    value = old.get("text", old.get("thinking", ""))
    frames = list(t.frames)
    _set(frames, t, i, lambda d: d.__setitem__("delta", {"type": new_type, field: value}))
    return _mutation(frames, i, "AN209", f"event {i}: {old['type']} sent as {new_type} in the same block")


def op_corrupt_tool_input(t: Transcript, rng: random.Random) -> Mutation | None:
    if _stop_reason(t) == "max_tokens":
        return None
    cands = []
    for _, deltas, stop in _blocks(t).values():
        parts = [t.frames[i].data["delta"].get("partial_json", "") for i in deltas]
        if stop is not None and deltas and "".join(p for p in parts if isinstance(p, str)).strip():
            cands.append((deltas[-1], stop))
    if not cands:
        return None
    last, stop = rng.choice(cands)
    frames = list(t.frames)
    _set(frames, t, last, lambda d: d["delta"].__setitem__("partial_json", d["delta"]["partial_json"] + "}"))
    return _mutation(
        frames, stop, "AN301", f"event {last}: a stray '}}' after the tool input's last fragment"
    )


def op_drop_signature(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = []
    for start, deltas, stop in _blocks(t).values():
        sig = [i for i in deltas if t.frames[i].data["delta"].get("type") == "signature_delta"]
        if _block_type(t, start) == "thinking" and sig and stop is not None:
            cands.append((sig[0], stop))
    if not cands:
        return None
    sig, stop = rng.choice(cands)
    frames = list(t.frames)
    del frames[sig]
    return _mutation(frames, stop - 1, "AN210", f"signature_delta at event {sig} dropped", "warning")


def op_drop_message_delta(t: Transcript, rng: random.Random) -> Mutation | None:
    i = _first(t, "message_delta")
    if i is None or not _complete(t):
        return None
    frames = list(t.frames)
    del frames[i]
    at = next(k for k in range(i, len(frames)) if frames[k].type == "message_stop")
    return _mutation(frames, at, "AN213", "message_delta dropped: message_stop comes without it")


def op_drop_message_stop(t: Transcript, rng: random.Random) -> Mutation | None:
    i = _first(t, "message_stop")
    if i is None or not _complete(t):
        return None
    frames = list(t.frames[:i]) + list(t.frames[i + 1 :])
    return _mutation(frames, None, "AN218", "message_stop dropped: the stream ends without it")


def op_truncate(t: Transcript, rng: random.Random) -> Mutation | None:
    if not _complete(t):
        return None
    stop = _first(t, "message_stop")
    assert stop is not None
    cands = [i for i in t.events() if i < stop - 1]
    if not cands:
        return None
    cut = rng.choice(cands)
    return _mutation(list(t.frames[: cut + 1]), None, "AN218", f"stream cut after event {cut}")


def op_null_stop_reason(t: Transcript, rng: random.Random) -> Mutation | None:
    i = _first(t, "message_delta")
    if i is None:
        return None
    frames = list(t.frames)
    _set(frames, t, i, lambda d: d["delta"].__setitem__("stop_reason", None))
    return _mutation(frames, i, "AN215", "message_delta.delta.stop_reason set to null")


def op_stop_reason_tool_use(t: Transcript, rng: random.Random) -> Mutation | None:
    """Claims tool_use for a message without a tool_use block."""
    i = _first(t, "message_delta")
    has_tool = any(_block_type(t, s) == "tool_use" for s, _, _ in _blocks(t).values())
    if i is None or has_tool or not _complete(t):
        return None
    frames = list(t.frames)
    _set(frames, t, i, lambda d: d["delta"].__setitem__("stop_reason", "tool_use"))
    return _mutation(frames, i, "AN304", "stop_reason changed to tool_use, with no tool_use block")


def op_event_after_stop(t: Transcript, rng: random.Random) -> Mutation | None:
    i = _first(t, "message_stop")
    if i is None or not _complete(t):
        return None
    frames = list(t.frames)
    ping = with_data(t.frames[i], t, {"type": "ping"})
    frames.insert(i + 1, ping)
    return _mutation(frames, i + 1, "AN217", "a ping after message_stop", "warning")


def op_missing_field(t: Transcript, rng: random.Random) -> Mutation | None:
    cands = _all(t, "content_block_delta") + _all(t, "content_block_start")
    if not cands:
        return None
    i = rng.choice(cands)
    key = "delta" if t.frames[i].type == "content_block_delta" else "content_block"
    frames = list(t.frames)
    _set(frames, t, i, lambda d: d.pop(key))
    return _mutation(frames, i, "AN103", f"event {i}: required `{key}` removed")


def op_usage_decrease(t: Transcript, rng: random.Random) -> Mutation | None:
    start, delta = _first(t, "message_start"), _first(t, "message_delta")
    if start is None or delta is None:
        return None
    usage = t.frames[start].data.get("message", {}).get("usage", {})
    before = usage.get("input_tokens")
    if not isinstance(before, int) or before < 1 or t.frames[delta].data.get("usage", {}).get("iterations"):
        return None  # with compaction iterations the top-level counts are the last iteration's
    frames = list(t.frames)
    _set(frames, t, delta, lambda d: d["usage"].__setitem__("input_tokens", before - 1))
    return _mutation(
        frames, delta, "AN302", f"message_delta.usage.input_tokens {before - 1} < {before}", "warning"
    )


def op_error_mid_stream(t: Transcript, rng: random.Random) -> Mutation | None:
    deltas = _all(t, "content_block_delta")
    if not deltas or _failed(t):
        return None
    i = rng.choice(deltas)
    error = with_data(
        t.frames[i], t, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    )
    frames = [*t.frames[: i + 1], error]
    return _mutation(frames, i + 1, "AN219", f"the stream fails with an overloaded_error after event {i}")


#: (name, rule, function, doc): where each rule fires (validator.tools.mutate.operators builds the
#: operators from it).
TABLE: tuple[tuple[str, str, OpFn, str], ...] = (
    ("corrupt-json", "AN002", op_corrupt_json,
     "Removes the closing brace of one event's JSON. Fires at that data line."),
    ("event-name", "AN004", op_event_name,
     "SSE only: one event's `event:` line names another type. Fires there."),
    ("drop-message-start", "AN201", op_drop_message_start, "Drops message_start. Fires at the next event."),
    ("duplicate-message-start", "AN202", op_duplicate_message_start,
     "Sends message_start again after a block stop. Fires at the copy."),
    ("block-index-skip", "AN205", op_block_index_skip,
     "Numbers one block (start, deltas, stop) one higher. Fires at its content_block_start."),
    ("drop-block-stop", "AN208", op_drop_block_stop,
     "Drops one content_block_stop. Fires at message_delta, where the block is still open."),
    ("delta-after-stop", "AN206", op_delta_after_stop,
     "Moves a block's last delta after its stop. Fires at the moved delta."),
    ("delta-type-mismatch", "AN209", op_delta_type_mismatch,
     "Sends a text_delta as a thinking_delta (or the reverse) in the same block. Fires at that delta."),
    ("corrupt-tool-input", "AN301", op_corrupt_tool_input,
     "Appends '}' to a tool input's last fragment. Fires at the block's content_block_stop."),
    ("drop-signature", "AN210", op_drop_signature,
     "Drops a thinking block's signature_delta. Fires (warning) at its content_block_stop."),
    ("drop-message-delta", "AN213", op_drop_message_delta, "Drops message_delta. Fires at message_stop."),
    ("drop-message-stop", "AN218", op_drop_message_stop, "Drops message_stop. Fires at the end of input."),
    ("truncate", "AN218", op_truncate, "Cuts the stream after a random event. Fires at the end of input."),
    ("null-stop-reason", "AN215", op_null_stop_reason, "Sets stop_reason to null. Fires at message_delta."),
    ("stop-reason-tool-use", "AN304", op_stop_reason_tool_use,
     "Claims stop_reason tool_use in a message without a tool_use block. Fires at message_delta."),
    ("event-after-stop", "AN217", op_event_after_stop,
     "Sends a ping after message_stop. Fires (warning) there."),
    ("missing-field", "AN103", op_missing_field,
     "Removes `delta` or `content_block` from one event. Fires at that event."),
    ("usage-decrease", "AN302", op_usage_decrease,
     "Lowers message_delta's input_tokens below message_start's. Fires (warning) at message_delta."),
    ("error-mid-stream", "AN219", op_error_mid_stream,
     "Ends the stream with an overloaded_error after a random delta. Fires at the error event."),
)  # fmt: skip
