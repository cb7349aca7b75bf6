"""The probe's scenarios, as data: what each one sends and what its answer must show.

The HTTP cases of the Open Responses compliance suite (RULES.md §M: basic text, system prompt,
tool calling, image input, multi-turn, and the streaming tool call), plus structured output, a
reasoning request and a malformed request that must be refused with a 4xx JSON error. An
expectation returns the problems it finds in an :class:`Outcome` (each becomes RSP260); nothing
here sends anything.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# ---------------------------------------------------------------- what the scenarios send


def _png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (220, 30, 30)) -> bytes:
    """A small solid-colour PNG, built here so the probe carries no binary fixture."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


IMAGE_DATA_URL = "data:image/png;base64," + base64.b64encode(_png()).decode()

_WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a location",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}
        },
        "required": ["location"],
    },
}

_PERSON_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}


def _msg(role: str, content: Any) -> dict[str, Any]:
    return {"type": "message", "role": role, "content": content}


# ---------------------------------------------------------------- what the scenarios expect


def decoded_events(body: bytes) -> Iterator[tuple[dict[str, Any], tuple[int, int, int]]]:
    """Each decoded event of a streamed body with its (line, column, offset); what cannot be
    decoded is left out (framing problems are the engine's to report)."""
    from validator.model.events import RawEvent, RawKind
    from validator.reading import decode, reader

    for item in reader.Reader([body], "sse"):
        if not isinstance(item, RawEvent) or item.kind is RawKind.DONE:
            continue
        data, _ = decode.decode(item)
        if data is not None:
            yield data, (item.position.line, item.position.column, item.position.offset)


@dataclass
class Outcome:
    """The decoded events of a streamed answer and its final response."""

    events: list[dict[str, Any]]
    #: (line, column, offset) of each event, same order as ``events``.
    positions: list[tuple[int, int, int]]
    final: dict[str, Any] | None = None
    final_at: tuple[int, int, int] = (1, 1, 0)
    #: The profile the answer is judged by (what a scenario may demand differs, see below).
    profile: str = "openai"

    @property
    def output(self) -> list[Any]:
        out = (self.final or {}).get("output")
        return out if isinstance(out, list) else []


def _completed(o: Outcome) -> list[str]:
    if o.final is None:
        return ["the stream has no terminal response event, so the response cannot be judged"]
    problems = []
    status = o.final.get("status")
    if status != "completed":
        problems.append(f"final response status is {status!r}, expected 'completed'")
    if not o.output:
        problems.append("final response output is empty")
    return problems


def _has_function_call(o: Outcome) -> list[str]:
    if o.final is not None and not any(
        isinstance(i, dict) and i.get("type") == "function_call" for i in o.output
    ):
        return ["final response output has no function_call item"]
    return []


def _streamed_function_call(o: Outcome) -> list[str]:
    def seen(etype: str, item_type: str | None = None) -> bool:
        for e in o.events:
            if e.get("type") != etype:
                continue
            item = e.get("item")
            if item_type is None or (isinstance(item, dict) and item.get("type") == item_type):
                return True
        return False

    wanted = [
        ("response.output_item.added", "function_call", "output_item.added with a function_call item"),
        ("response.function_call_arguments.delta", None, "function_call_arguments.delta"),
        ("response.function_call_arguments.done", None, "function_call_arguments.done"),
        ("response.output_item.done", "function_call", "output_item.done with a function_call item"),
    ]
    if o.profile == "openai":
        # Zero deltas are allowed (RULES.md E4): servers that have the arguments whole (LM Studio,
        # corpus 063; LiteLLM's bridge for a one-chunk call) send them in .done only.
        wanted.pop(1)
    return [f"no {what} in the stream" for etype, item, what in wanted if not seen(etype, item)]


def _json_text(o: Outcome) -> list[str]:
    texts = [
        part.get("text")
        for item in o.output
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") == "output_text"
    ]
    if not texts:
        return ["final response has no output_text to parse as JSON"] if o.final is not None else []
    try:
        value = json.loads("".join(t for t in texts if isinstance(t, str)))
    except ValueError:
        return ["output_text is not JSON although a json_schema format was requested"]
    missing = [k for k in _PERSON_SCHEMA["required"] if not isinstance(value, dict) or k not in value]
    return [f"JSON output lacks the schema's required {', '.join(missing)}"] if missing else []


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    #: model -> request body (``stream: true`` is added when sending).
    request: Callable[[str], dict[str, Any]]
    checks: tuple[Callable[[Outcome], list[str]], ...] = (_completed,)
    #: The request is malformed on purpose: expect a 4xx JSON error, not a stream.
    rejected: bool = False
    uses_reasoning_model: bool = False


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "basic-text",
            "Basic text response",
            lambda m: {"model": m, "input": [_msg("user", "Say hello in exactly 3 words.")]},
        ),
        Scenario(
            "system-prompt",
            "System prompt",
            lambda m: {
                "model": m,
                "input": [
                    _msg("system", "You are a pirate. Always respond in pirate speak."),
                    _msg("user", "Say hello."),
                ],
            },
        ),
        Scenario(
            "tool-calling",
            "Tool calling",
            lambda m: {
                "model": m,
                "input": [_msg("user", "What's the weather like in San Francisco?")],
                "tools": [_WEATHER_TOOL],
            },
            (_completed, _has_function_call),
        ),
        Scenario(
            "image-input",
            "Image input (inline base64 PNG)",
            lambda m: {
                "model": m,
                "input": [
                    _msg(
                        "user",
                        [
                            {"type": "input_text", "text": "What colour is this image? Answer in one word."},
                            {"type": "input_image", "image_url": IMAGE_DATA_URL},
                        ],
                    )
                ],
            },
        ),
        Scenario(
            "multi-turn",
            "Multi-turn conversation",
            lambda m: {
                "model": m,
                "input": [
                    _msg("user", "My name is Alice."),
                    _msg("assistant", "Hello Alice! Nice to meet you. How can I help you today?"),
                    _msg("user", "What is my name?"),
                ],
            },
        ),
        Scenario(
            "streaming-tool-call",
            "Streaming tool call",
            lambda m: {
                "model": m,
                "input": [_msg("user", "What's the weather like in Paris, France?")],
                "tools": [_WEATHER_TOOL],
            },
            (_completed, _has_function_call, _streamed_function_call),
        ),
        Scenario(
            "structured-output",
            "Structured output (JSON schema)",
            lambda m: {
                "model": m,
                "input": [_msg("user", "Invent a person and give their name and age.")],
                "text": {
                    "format": {
                        "type": "json_schema",
                        "name": "person",
                        "schema": _PERSON_SCHEMA,
                        "strict": True,
                    }
                },
            },
            (_completed, _json_text),
        ),
        Scenario(
            "reasoning",
            "Reasoning request",
            lambda m: {
                "model": m,
                "input": [_msg("user", "What is 17 * 23? Answer with the number only.")],
                "reasoning": {"effort": "low", "summary": "auto"},
            },
            uses_reasoning_model=True,
        ),
        Scenario(
            "malformed-request",
            "Malformed request is refused with a 4xx JSON error",
            lambda m: {"model": m, "input": 42},
            checks=(),
            rejected=True,
        ),
    )
}
