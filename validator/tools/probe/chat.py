"""The probe's scenarios for ``POST /v1/chat/completions`` (Chat Completions), as data.

Text, one tool call, parallel tool calls, the usage chunk, ``n=2``, and a malformed request that
must be refused with a 4xx JSON error. Each answer is checked by the engine as a chat stream with
the request known (so ``include_usage`` and ``n`` are enforced: CH230, CH225), and by the
expectations below over the choices :func:`reassemble` rebuilds (an unmet one is CH270);
nothing here sends anything.
"""

from __future__ import annotations

from typing import Any

from validator.model.events import RawEvent, RawKind
from validator.reading import decode, reader
from validator.tools.probe.scenarios import Outcome, Scenario

__all__ = ["SCENARIOS", "chat_url", "outcome", "reassemble"]


def chat_url(base_url: str) -> str:
    """{base}/chat/completions; a base that already ends so is kept."""
    base = base_url.rstrip("/")
    return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


def outcome(body: bytes) -> Outcome:
    """The chunks of a streamed answer; an expectation about the whole answer points at its last chunk."""
    events: list[dict[str, Any]] = []
    positions: list[tuple[int, int, int]] = []
    for item in reader.Reader([body], "sse"):
        if not isinstance(item, RawEvent) or item.kind is RawKind.DONE:
            continue
        data, _ = decode.decode(item)
        if isinstance(data, dict):
            events.append(data)
            positions.append((item.position.line, item.position.column, item.position.offset))
    result = Outcome(events, positions)
    if positions:
        result.final_at = positions[-1]
    return result


_WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city, e.g. Paris"}},
            "required": ["city"],
        },
    },
}


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def reassemble(o: Outcome) -> dict[int, dict[str, Any]]:
    """index -> {"content", "finish_reason", "calls": {index: name}} from the chunks of an answer."""
    choices: dict[int, dict[str, Any]] = {}
    for chunk in o.events:
        for entry in chunk.get("choices") or []:
            if not isinstance(entry, dict) or type(entry.get("index")) is not int:
                continue
            choice = choices.setdefault(entry["index"], {"content": "", "finish_reason": None, "calls": {}})
            delta = entry.get("delta") if isinstance(entry.get("delta"), dict) else {}
            if isinstance(delta.get("content"), str):
                choice["content"] += delta["content"]
            for call in delta.get("tool_calls") or []:
                if isinstance(call, dict) and type(call.get("index")) is int:
                    name = (call.get("function") or {}).get("name")
                    if call["index"] not in choice["calls"] or name:
                        choice["calls"][call["index"]] = name or choice["calls"].get(call["index"])
            if entry.get("finish_reason") is not None:
                choice["finish_reason"] = entry["finish_reason"]
    return choices


def _answered(o: Outcome) -> list[str]:
    choices = reassemble(o)
    if not choices:
        return ["the stream has no choice at all"]
    return [f"choice {i} never finished" for i, c in sorted(choices.items()) if c["finish_reason"] is None]


def _text(o: Outcome) -> list[str]:
    first = reassemble(o).get(0)
    if first is None:
        return []
    problems = [] if first["content"].strip() else ["choice 0 has no text content"]
    if first["finish_reason"] not in (None, "stop"):
        problems.append(f"choice 0 finished with {first['finish_reason']!r}, expected 'stop'")
    return problems


def _calls(least: int) -> Any:
    def check(o: Outcome) -> list[str]:
        first = reassemble(o).get(0)
        if first is None:
            return []
        named = [n for n in first["calls"].values() if n]
        if len(named) < least:
            # One root cause: without the calls, the finish_reason is wrong too.
            return [f"choice 0 has {len(named)} named tool call(s), expected {least} or more"]
        if first["finish_reason"] not in (None, "tool_calls"):
            return [f"choice 0 finished with {first['finish_reason']!r}, expected 'tool_calls'"]
        return []

    return check


def _usage(o: Outcome) -> list[str]:
    if any(c.get("choices") == [] and isinstance(c.get("usage"), dict) for c in o.events):
        return []
    return ["no usage chunk (choices: [], usage) although stream_options.include_usage was sent"]


def _two_choices(o: Outcome) -> list[str]:
    found = sorted(reassemble(o))
    return [] if found == [0, 1] else [f"choices {found}, expected [0, 1] for n=2"]


_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "chat-text",
        "Chat Completions: text answer",
        lambda m: {"model": m, "messages": _user("Say hello in exactly 3 words.")},
        (_answered, _text),
    ),
    Scenario(
        "chat-tool-call",
        "Chat Completions: one tool call",
        lambda m: {
            "model": m,
            "messages": _user("What's the weather like in Paris? Use the tool."),
            "tools": [_WEATHER],
        },
        (_answered, _calls(1)),
    ),
    Scenario(
        "chat-parallel-tool-calls",
        "Chat Completions: parallel tool calls",
        lambda m: {
            "model": m,
            "messages": _user("What's the weather in Paris and in Tokyo? Call the tool once for each city."),
            "tools": [_WEATHER],
            "parallel_tool_calls": True,
        },
        (_answered, _calls(2)),
    ),
    Scenario(
        "chat-usage",
        "Chat Completions: usage chunk (stream_options.include_usage)",
        lambda m: {
            "model": m,
            "messages": _user("Say hello."),
            "stream_options": {"include_usage": True},
        },
        (_answered, _usage),
    ),
    Scenario(
        "chat-n2",
        "Chat Completions: two choices (n=2)",
        lambda m: {"model": m, "messages": _user("Name a colour."), "n": 2},
        (_answered, _two_choices),
    ),
    Scenario(
        "chat-error-answer",
        "Chat Completions: a malformed request is refused with a 4xx JSON error",
        lambda m: {"model": m, "messages": 42},
        checks=(),
        rejected=True,
    ),
)


SCENARIOS: dict[str, Scenario] = {s.name: s for s in _SCENARIOS}
