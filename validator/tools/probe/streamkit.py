"""Pieces for writing realistic Responses streams: the response snapshot, SSE framing, common items.

No checking code imports this module. It serves the stream generators (``validator.tools.probe.replay`` for
the tests and docs, ``tools/build_streams.py``, ``tools/make_rule_examples.py``,
``bench/bench.py``), which each used to carry a copy of these pieces; it lives in the package so
that all of them import it without path tricks. Committed files depend on every key order here:
after a change, ``--check`` of both tools must still pass and the bench transcript stay the same.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "function_call_events",
    "function_call_item",
    "message_events",
    "message_item",
    "png_b64",
    "response_snapshot",
    "sequenced",
    "sse_frame",
    "text_part",
    "usage",
]

Json = dict[str, Any]
#: Padding for a delta: ``(delta's index in its part, delta) -> obfuscation``.
Obfuscate = Callable[[int, str], str]


def response_snapshot(
    rid: str,
    status: str,
    *,
    created_at: int,
    model: str,
    omit: Collection[str] = (),
    **fields: Any,
) -> Json:
    """A response object with every field the 2026 wire sends, in wire order.

    ``fields`` replace the defaults in place (unknown keys go last); ``omit`` drops keys, so a
    generator that models an older or narrower shape keeps the same order for what it keeps.
    """
    snapshot: Json = {
        "id": rid,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": False,
        "completed_at": None,
        "error": None,
        "frequency_penalty": 0.0,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": model,
        "output": [],
        "parallel_tool_calls": True,
        "presence_penalty": 0.0,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "prompt_cache_retention": None,
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None,
        "service_tier": "auto",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": None,
        "user": None,
        "metadata": {},
    }
    for key in omit:
        del snapshot[key]
    snapshot.update(fields)
    return snapshot


def usage(
    input_tokens: int,
    output_tokens: int,
    *,
    total: int | None = None,
    cached: int = 0,
    cache_write: int | None = None,
    reasoning: int = 0,
) -> Json:
    """A usage object; ``cache_write_tokens`` only when ``cache_write`` is given (newer wire)."""
    details: Json = {"cached_tokens": cached}
    if cache_write is not None:
        details["cache_write_tokens"] = cache_write
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": details,
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output_tokens if total is None else total,
    }


# ---------------------------------------------------------------- framing


def sequenced(payload: Mapping[str, Any], seq: int) -> Json:
    """A copy of ``payload`` with ``sequence_number`` right after ``type`` (last if it has none)."""
    out: Json = {}
    for key, value in payload.items():
        out[key] = value
        if key == "type":
            out["sequence_number"] = seq
    if "sequence_number" not in out:
        out["sequence_number"] = seq
    return out


def sse_frame(event: Mapping[str, Any], *, ensure_ascii: bool = True) -> str:
    """One SSE block as OpenAI sends it: an ``event:`` line, a compact ``data:`` line, a blank line."""
    data = json.dumps(event, ensure_ascii=ensure_ascii, separators=(",", ":"))
    return f"event: {event['type']}\ndata: {data}\n\n"


# ---------------------------------------------------------------- items


def text_part(text: str, annotations: Iterable[Json] = (), logprobs: Iterable[Any] = ()) -> Json:
    return {"type": "output_text", "annotations": list(annotations), "logprobs": list(logprobs), "text": text}


def message_item(item_id: str, status: str, content: list[Json]) -> Json:
    return {"id": item_id, "type": "message", "status": status, "content": content, "role": "assistant"}


def function_call_item(item_id: str, call_id: str, status: str, arguments: str, name: str) -> Json:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "arguments": arguments,
        "call_id": call_id,
        "name": name,
    }


def message_events(
    item_id: str,
    index: int,
    deltas: Sequence[str],
    *,
    obfuscation: Obfuscate | None = None,
    annotations: Sequence[Json] = (),
    logprobs: Sequence[list[Json]] | None = None,
) -> list[Json]:
    """One assistant message with one output_text part, from output_item.added to output_item.done.

    Events carry no ``sequence_number`` (the caller numbers them). Annotations are announced
    after the last delta; ``logprobs`` holds one list per delta. ``obfuscation`` is called once
    per delta, in order (a generator drawing from a random source relies on that).
    """
    text = "".join(deltas)
    where = {"item_id": item_id, "output_index": index, "content_index": 0}
    events: list[Json] = [
        {
            "type": "response.output_item.added",
            "output_index": index,
            "item": message_item(item_id, "in_progress", []),
        },
        {"type": "response.content_part.added", **where, "part": text_part("")},
    ]
    for i, delta in enumerate(deltas):
        event = {
            "type": "response.output_text.delta",
            **where,
            "delta": delta,
            "logprobs": logprobs[i] if logprobs else [],
        }
        if obfuscation is not None:
            event["obfuscation"] = obfuscation(i, delta)
        events.append(event)
    for a_index, annotation in enumerate(annotations):
        events.append(
            {
                "type": "response.output_text.annotation.added",
                **where,
                "annotation_index": a_index,
                "annotation": annotation,
            }
        )
    all_logprobs = [token for per_delta in logprobs or [] for token in per_delta]
    done_item = message_item(item_id, "completed", [text_part(text, annotations)])
    return [
        *events,
        {"type": "response.output_text.done", **where, "text": text, "logprobs": all_logprobs},
        {"type": "response.content_part.done", **where, "part": text_part(text, annotations)},
        {"type": "response.output_item.done", "output_index": index, "item": done_item},
    ]


def function_call_events(
    item_id: str,
    call_id: str,
    index: int,
    deltas: Sequence[str],
    *,
    name: str,
    obfuscation: Obfuscate | None = None,
    done_keys: tuple[str, str] = ("name", "arguments"),
) -> list[Json]:
    """One function_call item whose arguments stream in ``deltas``, without sequence numbers.

    ``done_keys`` is the key order of ``function_call_arguments.done``: generators differ in it,
    and their committed outputs must not change.
    """
    arguments = "".join(deltas)
    where = {"item_id": item_id, "output_index": index}
    added = function_call_item(item_id, call_id, "in_progress", "", name)
    events: list[Json] = [{"type": "response.output_item.added", "output_index": index, "item": added}]
    for i, delta in enumerate(deltas):
        event = {"type": "response.function_call_arguments.delta", **where, "delta": delta}
        if obfuscation is not None:
            event["obfuscation"] = obfuscation(i, delta)
        events.append(event)
    done_values = {"name": name, "arguments": arguments}
    done_item = function_call_item(item_id, call_id, "completed", arguments, name)
    return [
        *events,
        {"type": "response.function_call_arguments.done", **where, **{k: done_values[k] for k in done_keys}},
        {"type": "response.output_item.done", "output_index": index, "item": done_item},
    ]


def png_b64(rgb: tuple[int, int, int], size: int) -> str:
    """A small valid PNG of one colour, base64-encoded (stands in for generated images)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * size
    raw = chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
    raw += chunk(b"IDAT", zlib.compress(row * size, 9)) + chunk(b"IEND", b"")
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + raw).decode("ascii")
