"""Pieces for writing realistic Anthropic Messages streams, in the shape api.anthropic.com sends.

No checking code imports this module. It serves the generators: our own corpus transcripts and
rule examples (``tools/rule_examples/anthropic.py``), the probe's replay answers, the mutation
tests and the benchmark. Everything is deterministic (ids are hashes of labels), so committed
files depend on the key order here: after a change, ``--check`` of the tool must still pass.

A stream is a list of :class:`Ev` (an event name and its payload, or raw bytes for framing
defects); :func:`render_sse` writes them with one ``event:`` and one ``data:`` line each and
records the line of every ``data:`` line, so that expected findings are computed, never typed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Ev",
    "MessageBuilder",
    "dumps",
    "eventstream_message",
    "render_eventstream",
    "render_jsonl",
    "render_sse",
]

Json = dict[str, Any]
MODEL = "claude-sonnet-4-5-20250929"


def dumps(value: Any) -> str:
    """Compact and not ASCII-escaped, like the API."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Ev:
    """One event: ``name`` is the ``event:`` line (None: none), ``data`` its payload. ``raw``
    replaces the whole ``data:`` value (a framing defect); ``marks`` are the rule ids a finding is
    expected for at this event's ``data:`` line."""

    name: str | None
    data: Any
    raw: bytes | None = None
    marks: list[str] = field(default_factory=list)

    def mark(self, *rules: str) -> Ev:
        self.marks.extend(rules)
        return self

    @property
    def type(self) -> str | None:
        return self.data.get("type") if isinstance(self.data, dict) else None


def ev(data: Json, name: str | None = "") -> Ev:
    """An event whose ``event:`` name is its type (``name=""``), another name, or none (None)."""
    return Ev(data.get("type") if name == "" else name, data)


def _id(prefix: str, *label: str, n: int = 24) -> str:
    digest = hashlib.sha256("/".join(label).encode()).digest()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789"
    return prefix + "".join(alphabet[b % len(alphabet)] for b in digest[:n])


class MessageBuilder:
    """One message being streamed: blocks get consecutive indexes, usage adds up."""

    def __init__(self, label: str, *, model: str = MODEL, input_tokens: int = 24, pings: bool = True) -> None:
        self.label = label
        self.model = model
        self.input_tokens = input_tokens
        self.output_tokens = 0
        self.pings = pings
        self.index = 0
        self.events: list[Ev] = []
        self.calls = 0

    def id(self, prefix: str, name: str = "0") -> str:
        return _id(prefix, self.label, name)

    def start(self, **usage: Any) -> MessageBuilder:
        message = {
            "id": self.id("msg_01"),
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": self.input_tokens,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": 1,
                **usage,
            },
        }
        self.events.append(ev({"type": "message_start", "message": message}))
        return self

    def _block(self, block: Json, deltas: Iterable[Json]) -> MessageBuilder:
        i = self.index
        self.index += 1
        self.events.append(ev({"type": "content_block_start", "index": i, "content_block": block}))
        if self.pings and i == 0:
            self.events.append(ev({"type": "ping"}))
        for delta in deltas:
            self.output_tokens += 1
            self.events.append(ev({"type": "content_block_delta", "index": i, "delta": delta}))
        self.events.append(ev({"type": "content_block_stop", "index": i}))
        return self

    def text(self, chunks: Sequence[str], citations: Sequence[Json] = ()) -> MessageBuilder:
        deltas: list[Json] = [{"type": "citations_delta", "citation": c} for c in citations]
        deltas += [{"type": "text_delta", "text": t} for t in chunks]
        block: Json = {"type": "text", "text": ""}
        if citations:
            block = {"citations": [], **block}
        return self._block(block, deltas)

    def thinking(self, chunks: Sequence[str], signature: str | None = "auto") -> MessageBuilder:
        deltas: list[Json] = [{"type": "thinking_delta", "thinking": t} for t in chunks]
        if signature is not None:
            sig = signature if signature != "auto" else _id("Eu", self.label, "sig", str(self.index), n=60)
            deltas.append({"type": "signature_delta", "signature": sig})
        return self._block({"type": "thinking", "thinking": "", "signature": ""}, deltas)

    def redacted_thinking(self) -> MessageBuilder:
        return self._block({"type": "redacted_thinking", "data": _id("Er", self.label, "red", n=48)}, ())

    def tool_use(self, name: str, fragments: Sequence[str], *, server: bool = False) -> MessageBuilder:
        self.calls += 1
        prefix = "srvtoolu_01" if server else "toolu_01"
        block = {
            "type": "server_tool_use" if server else "tool_use",
            "id": self.id(prefix, f"call{self.calls}"),
            "name": name,
            "input": {},
        }
        return self._block(block, [{"type": "input_json_delta", "partial_json": f} for f in fragments])

    def last_call_id(self) -> str:
        for e in reversed(self.events):
            if e.type == "content_block_start" and "id" in e.data["content_block"]:
                return str(e.data["content_block"]["id"])
        raise ValueError("no tool call yet")

    def tool_result(self, type_: str, content: Any) -> MessageBuilder:
        return self._block({"type": type_, "tool_use_id": self.last_call_id(), "content": content}, ())

    def finish(
        self, stop_reason: str = "end_turn", *, stop_sequence: str | None = None, **usage: Any
    ) -> MessageBuilder:
        delta = {"stop_reason": stop_reason, "stop_sequence": stop_sequence}
        counts = {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": max(self.output_tokens, 1),
            **usage,
        }
        self.events.append(ev({"type": "message_delta", "delta": delta, "usage": counts}))
        self.events.append(ev({"type": "message_stop"}))
        return self

    def error(self, type_: str = "overloaded_error", message: str = "Overloaded") -> MessageBuilder:
        self.events.append(ev({"type": "error", "error": {"type": type_, "message": message}}))
        return self


def render_sse(events: Sequence[Ev], header: Sequence[str] = ()) -> tuple[bytes, list[tuple[str, int]], int]:
    """The SSE bytes, the (rule, line) of every mark, and the line just past the input.

    ``header`` lines become SSE comments before the first event, followed by a blank line.
    """
    out: list[bytes] = []
    marks: list[tuple[str, int]] = []
    line = 1
    if header:
        for text in header:
            out.append(f": {text}\n".encode())
            line += 1
        out.append(b"\n")
        line += 1
    for e in events:
        if e.name is not None:
            out.append(f"event: {e.name}\n".encode())
            line += 1
        data = e.raw if e.raw is not None else dumps(e.data).encode()
        out.append(b"data: " + data + b"\n\n")
        marks.extend((rule, line) for rule in e.marks)
        line += 2
    return b"".join(out), marks, line


def render_jsonl(events: Sequence[Ev]) -> tuple[bytes, list[tuple[str, int]], int]:
    """Payload-only JSON Lines (as Vercel's and Bedrock's decoded fixtures are)."""
    out: list[bytes] = []
    marks: list[tuple[str, int]] = []
    for line, e in enumerate(events, start=1):
        out.append((e.raw if e.raw is not None else dumps(e.data).encode()) + b"\n")
        marks.extend((rule, line) for rule in e.marks)
    return b"".join(out), marks, len(events) + 1


def eventstream_message(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message (string headers only, as Bedrock sends them), CRCs included."""
    head = b"".join(
        bytes([len(k)]) + k.encode() + b"\x07" + struct.pack(">H", len(v.encode())) + v.encode()
        for k, v in headers.items()
    )
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack(">II", total, len(head))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + head + payload
    return body + struct.pack(">I", zlib.crc32(body))


def render_eventstream(events: Sequence[Ev]) -> tuple[bytes, list[tuple[str, int]], int]:
    """Bedrock's InvokeModelWithResponseStream body: each event a ``chunk`` message whose payload is
    ``{"bytes": base64(event JSON), "p": padding}``. Marks point at message numbers."""
    out: list[bytes] = []
    marks: list[tuple[str, int]] = []
    headers = {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}
    for number, e in enumerate(events, start=1):
        raw = e.raw if e.raw is not None else dumps(e.data).encode()
        payload = dumps({"bytes": base64.b64encode(raw).decode(), "p": "abcdefghij"[: number % 10]})
        out.append(eventstream_message(headers, payload.encode()))
        marks.extend((rule, number) for rule in e.marks)
    return b"".join(out), marks, len(events) + 1
