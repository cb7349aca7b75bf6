"""Chat Completions streams built from a few calls, in the exact shape of OpenAI's wire.

Used by the rule examples (``tools/rule_examples/chat.py``), our own transcripts
(``corpus/streams/chat``), the mutation operators and the probe's replay answers. A stream is
a list of :class:`Frame` values (a chunk, an in-band error, ``[DONE]`` or raw lines); each frame
may carry *marks*, the rules a checker must report on its ``data:`` line, so that a generator
can compute the expected findings' lines from the rendered text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ChatStream", "Frame", "render"]


def _hash_id(prefix: str, label: str, length: int = 29) -> str:
    return prefix + hashlib.sha256(label.encode()).hexdigest()[: length - len(prefix)]


@dataclass
class Frame:
    """One SSE event: ``data`` (a dict, or the string ``[DONE]``), lines written before it, marks."""

    data: dict[str, Any] | str
    marks: list[str] = field(default_factory=list)
    #: Extra lines written before the ``data:`` line (comments, ``event:`` lines, stray text),
    #: each a string or ``(text, [rules reported on that line])``.
    pre: list[str | tuple[str, list[str]]] = field(default_factory=list)
    #: Replaces the serialized payload (for broken JSON).
    raw: str | None = None

    def mark(self, *rules: str) -> Frame:
        self.marks.extend(rules)
        return self

    @property
    def payload(self) -> str:
        if self.raw is not None:
            return self.raw
        if isinstance(self.data, str):
            return self.data
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))


def render(
    frames: Iterable[Frame], *, header: Sequence[str] = (), terminated: bool = True
) -> tuple[str, list[tuple[str, int]]]:
    """The ``text/event-stream`` body and the (rule, line) marks; ``header`` lines are SSE comments."""
    lines = [f": {h}" if h else ":" for h in header]
    marks: list[tuple[str, int]] = []
    for frame in frames:
        for line in frame.pre:
            if isinstance(line, tuple):
                marks.extend((rule, len(lines) + 1) for rule in line[1])
                line = line[0]
            lines.append(line)
        marks.extend((rule, len(lines) + 1) for rule in frame.marks)
        lines.append(f"data: {frame.payload}")
        lines.append("")
    text = "\n".join(lines) + "\n"
    if not terminated:
        text = text[:-1]
    return text, marks


class ChatStream:
    """Chunks of one completion: the same id, created, model and fingerprint on each."""

    def __init__(
        self,
        label: str,
        *,
        model: str = "gpt-4o-mini-2024-07-18",
        created: int = 1767225600,
        fingerprint: str | None = "fp_0a1b2c3d4e",
        obfuscation: bool = False,
    ) -> None:
        self.id = _hash_id("chatcmpl-", label)
        self.model = model
        self.created = created
        self.fingerprint = fingerprint
        self.obfuscation = obfuscation
        self._serial = 0

    def chunk(self, choices: list[dict[str, Any]], **extra: Any) -> Frame:
        data: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": self.fingerprint,
            "choices": choices,
        }
        if self.obfuscation:
            self._serial += 1
            data["obfuscation"] = _hash_id("", f"{self.id}/{self._serial}", 10)
        data.update(extra)
        return Frame(data)

    @staticmethod
    def choice(
        delta: dict[str, Any], index: int = 0, finish: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        return {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish, **extra}

    def text(self, parts: Sequence[str], *, index: int = 0, finish: str = "stop") -> list[Frame]:
        """Role chunk, one chunk per part, the finish chunk (OpenAI's shape)."""
        frames = [self.chunk([self.choice({"role": "assistant", "content": "", "refusal": None}, index)])]
        frames += [self.chunk([self.choice({"content": p}, index)]) for p in parts]
        frames.append(self.chunk([self.choice({}, index, finish)]))
        return frames

    def refusal(self, parts: Sequence[str], *, index: int = 0) -> list[Frame]:
        frames = [self.chunk([self.choice({"role": "assistant", "content": None, "refusal": ""}, index)])]
        frames += [self.chunk([self.choice({"refusal": p}, index)]) for p in parts]
        frames.append(self.chunk([self.choice({}, index, "stop")]))
        return frames

    def call_id(self, name: str, k: int) -> str:
        return _hash_id("call_", f"{self.id}/{name}/{k}", 29)

    def tool_calls(
        self, calls: Sequence[tuple[str, Sequence[str]]], *, index: int = 0, finish: str = "tool_calls"
    ) -> list[Frame]:
        """Role chunk, then per call its first fragment (id, type, name, arguments ``""``) and one
        chunk per arguments fragment, then the finish chunk."""
        frames = [self.chunk([self.choice({"role": "assistant", "content": None}, index)])]
        for k, (name, fragments) in enumerate(calls):
            start = {
                "index": k,
                "id": self.call_id(name, k),
                "type": "function",
                "function": {"name": name, "arguments": ""},
            }
            frames.append(self.chunk([self.choice({"tool_calls": [start]}, index)]))
            for fragment in fragments:
                piece = {"index": k, "function": {"arguments": fragment}}
                frames.append(self.chunk([self.choice({"tool_calls": [piece]}, index)]))
        frames.append(self.chunk([self.choice({}, index, finish)]))
        return frames

    def usage(self, prompt: int, completion: int, **details: Any) -> Frame:
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        usage.update(details)
        return self.chunk([], usage=usage)

    @staticmethod
    def done() -> Frame:
        return Frame("[DONE]")

    @staticmethod
    def error(message: str, type_: str = "server_error", code: str | None = None) -> Frame:
        return Frame({"error": {"message": message, "type": type_, "param": None, "code": code}})
