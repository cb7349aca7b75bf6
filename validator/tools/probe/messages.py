"""The probe's scenarios for ``POST /v1/messages`` (Anthropic Messages), as data.

Text, a forced tool call, extended thinking, and a malformed request that must be refused with a
4xx JSON error. Each expectation returns the problems it finds in the streamed message, which
:func:`outcome` rebuilds from the events the way anthropic-python's accumulator does; nothing
here sends anything.
"""

from __future__ import annotations

import contextlib
from typing import Any

from validator.tools.probe.scenarios import Outcome, Scenario, decoded_events

__all__ = ["HEADERS", "SCENARIOS", "messages_url", "outcome"]

#: Sent with every request (the API refuses a request without a version).
HEADERS = {"anthropic-version": "2023-06-01"}

_WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the current weather for a location",
    "input_schema": {
        "type": "object",
        "properties": {"location": {"type": "string", "description": "The city, e.g. Paris, France"}},
        "required": ["location"],
    },
}


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def _blocks(o: Outcome) -> list[dict[str, Any]]:
    content = (o.final or {}).get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _finished(o: Outcome) -> list[str]:
    if o.final is None:
        return ["the stream has no message_start, so the message cannot be judged"]
    problems = []
    reason = o.final.get("stop_reason")
    if reason not in ("end_turn", "tool_use", "max_tokens", "stop_sequence"):
        problems.append(f"the message ends with stop_reason {reason!r}, expected end_turn or tool_use")
    if not _blocks(o):
        problems.append("the message has no content block")
    return problems


def _has_text(o: Outcome) -> list[str]:
    if o.final is not None and not any(b.get("type") == "text" and b.get("text") for b in _blocks(o)):
        return ["the message has no text"]
    return []


def _called_the_tool(o: Outcome) -> list[str]:
    if o.final is None:
        return []
    calls = [b for b in _blocks(o) if b.get("type") == "tool_use"]
    if not calls:
        return ["the message has no tool_use block although the tool was forced"]
    problems = []
    if o.final.get("stop_reason") != "tool_use":
        problems.append(f"stop_reason is {o.final.get('stop_reason')!r} with a tool call, expected tool_use")
    if not any(isinstance(c.get("input"), dict) and c["input"].get("location") for c in calls):
        problems.append("no get_weather call carries the required `location` in its input")
    return problems


def _thought(o: Outcome) -> list[str]:
    if o.final is None:
        return []
    thinking = [b for b in _blocks(o) if b.get("type") in ("thinking", "redacted_thinking")]
    if not thinking:
        return ["the message has no thinking block although thinking was enabled"]
    if not any(b.get("type") == "redacted_thinking" or b.get("signature") for b in thinking):
        return ["no thinking block is signed: it cannot be passed back to the API"]
    return []


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "messages-text",
            "Text answer",
            lambda m: {"model": m, "max_tokens": 256, "messages": _user("Say hello in exactly 3 words.")},
            (_finished, _has_text),
        ),
        Scenario(
            "messages-tool-use",
            "Forced tool call",
            lambda m: {
                "model": m,
                "max_tokens": 512,
                "messages": _user("What's the weather like in Paris, France?"),
                "tools": [_WEATHER_TOOL],
                "tool_choice": {"type": "tool", "name": "get_weather"},
            },
            (_finished, _called_the_tool),
        ),
        Scenario(
            "messages-thinking",
            "Extended thinking",
            lambda m: {
                "model": m,
                "max_tokens": 2048,
                "thinking": {"type": "enabled", "budget_tokens": 1024},
                "messages": _user("What is 17 * 23? Answer with the number only."),
            },
            (_finished, _thought),
            uses_reasoning_model=True,
        ),
        Scenario(
            "messages-malformed-request",
            "Malformed request is refused with a 4xx JSON error",
            lambda m: {"model": m, "max_tokens": 16, "messages": 42},
            checks=(),
            rejected=True,
        ),
    )
}


def messages_url(base_url: str) -> str:
    """{base}/v1/messages; a base that already ends in /v1 or /v1/messages is kept."""
    base = base_url.rstrip("/")
    if base.endswith("/messages"):
        return base
    return f"{base}/messages" if base.endswith("/v1") else f"{base}/v1/messages"


def outcome(body: bytes) -> Outcome:
    """The events of a streamed body and the message they build (framing is the engine's to report)."""
    events: list[dict[str, Any]] = []
    positions: list[tuple[int, int, int]] = []
    result = Outcome(events, positions)
    message: dict[str, Any] | None = None
    inputs: dict[int, str] = {}
    for data, pos in decoded_events(body):
        events.append(data)
        positions.append(pos)
        message = _accumulate(message, data, inputs)
        if data.get("type") in ("message_delta", "message_stop"):
            result.final_at = pos
    result.final = message
    return result


def _accumulate(
    message: dict[str, Any] | None, event: dict[str, Any], inputs: dict[int, str]
) -> dict[str, Any] | None:
    """One event into the message, as anthropic-python's accumulate_event does (leniently)."""
    import json

    kind = event.get("type")
    if kind == "message_start":
        start = event.get("message")
        return {**start, "content": []} if isinstance(start, dict) and message is None else message
    if message is None:
        return None
    content: list[Any] = message["content"]
    index = event.get("index")
    if kind == "content_block_start" and isinstance(event.get("content_block"), dict):
        content.append(dict(event["content_block"]))
    elif kind == "content_block_delta" and isinstance(index, int) and 0 <= index < len(content):
        block, delta = content[index], event.get("delta") or {}
        dtype = delta.get("type")
        if dtype == "text_delta":
            block["text"] = block.get("text", "") + str(delta.get("text", ""))
        elif dtype == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + str(delta.get("thinking", ""))
        elif dtype == "signature_delta":
            block["signature"] = delta.get("signature")
        elif dtype == "input_json_delta":
            inputs[index] = inputs.get(index, "") + str(delta.get("partial_json", ""))
            with contextlib.suppress(ValueError):  # incomplete so far; the engine judges the whole
                block["input"] = json.loads(inputs[index]) if inputs[index] else {}
    elif kind == "message_delta" and isinstance(event.get("delta"), dict):
        message["stop_reason"] = event["delta"].get("stop_reason")
    return message
