#!/usr/bin/env python3
"""Write our own valid Chat Completions streams into ``corpus/streams/chat/``.

Each stream is built with :mod:`validator.protocols.chat.builder` in the exact shape of
OpenAI's wire (role chunk, content or tool-call fragments, finish chunk, usage chunk with
``choices: []``, ``data: [DONE]``); ids are hashes of a label and the text is our own. Every
stream has a sidecar ``<name>.expected.json`` with no findings: a finding on one of them is a
bug in the validator or in the stream.

Usage::

    python tools/build_chat_streams.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from generated_files import sync  # noqa: E402

from validator.protocols.chat.builder import ChatStream, Frame, render  # noqa: E402

OUT = ROOT / "corpus" / "streams" / "chat"
STREAMS: dict[str, tuple[str, Callable[[], list[Frame]]]] = {}


def stream(name: str, covers: str) -> Callable[[Callable[[], list[Frame]]], Callable[[], list[Frame]]]:
    def register(fn: Callable[[], list[Frame]]) -> Callable[[], list[Frame]]:
        STREAMS[name] = (covers, fn)
        return fn

    return register


@stream("text", "text deltas with multi-byte UTF-8 (é, カタカナ, 🍮), usage chunk, [DONE]")
def _text() -> list[Frame]:
    st = ChatStream("streams/text", obfuscation=True)
    return [*st.text(("Crème brûlée", " and カタカナ", " and a flan 🍮.")), st.usage(12, 11), st.done()]


@stream("text_no_usage", "text without stream_options.include_usage: no usage chunk")
def _text_no_usage() -> list[Frame]:
    st = ChatStream("streams/text_no_usage")
    return [*st.text(("Paris", " is the capital", " of France.")), st.done()]


@stream("tool_call", "one tool call: first fragment with id/type/name, argument fragments, finish tool_calls")
def _tool_call() -> list[Frame]:
    st = ChatStream("streams/tool_call")
    return [*st.tool_calls([("get_weather", ['{"ci', 'ty": "Par', 'is"}'])]), st.usage(61, 17), st.done()]


@stream("parallel_tool_calls", "two tool calls (index 0 and 1) in one choice")
def _parallel() -> list[Frame]:
    st = ChatStream("streams/parallel_tool_calls")
    calls = [("get_weather", ['{"city": ', '"Paris"}']), ("get_time", ['{"timezone": ', '"Europe/Paris"}'])]
    return [*st.tool_calls(calls), st.usage(80, 40), st.done()]


@stream("n2_choices", "n=2: two choices interleaved, each with its role chunk and finish chunk")
def _n2() -> list[Frame]:
    st = ChatStream("streams/n2_choices")
    a, b = st.text(("Paris.",), index=0), st.text(("It is Paris.",), index=1)
    frames = [x for pair in zip(a, b, strict=True) for x in pair]
    return [*frames, st.usage(15, 6), st.done()]


@stream("refusal", 'a refusal: content null and refusal "" first, refusal deltas, finish stop')
def _refusal() -> list[Frame]:
    st = ChatStream("streams/refusal", model="gpt-4o-2024-08-06")
    return [*st.refusal(("I'm sorry,", " I can't help", " with that.")), st.usage(40, 9), st.done()]


@stream("logprobs", "logprobs.content on each content delta")
def _logprobs() -> list[Frame]:
    st = ChatStream("streams/logprobs")
    frames = st.text(("Hi", " there"))
    for frame, token in ((frames[1], "Hi"), (frames[2], " there")):
        item = {"token": token, "logprob": -0.25, "bytes": list(token.encode()), "top_logprobs": []}
        frame.data["choices"][0]["logprobs"] = {"content": [item], "refusal": None}  # type: ignore[index]
    return [*frames, st.usage(8, 2), st.done()]


@stream("moderation", "the moderation chunk after the usage chunk (moderated completions)")
def _moderation() -> list[Frame]:
    st = ChatStream("streams/moderation", model="gpt-5-2025-08-07")
    result = {
        "type": "moderation_result",
        "model": "omni-moderation-latest",
        "flagged": False,
        "categories": {"violence": False},
        "category_scores": {"violence": 0.0001},
        "category_applied_input_types": {"violence": ["text"]},
    }
    moderation = {
        "input": {"type": "moderation_results", "model": "omni-moderation-latest", "results": [result]},
        "output": {"type": "moderation_results", "model": "omni-moderation-latest", "results": [result]},
    }
    return [*st.text(("Paris.",)), st.usage(13, 2), st.chunk([], moderation=moderation), st.done()]


def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name, (covers, fn) in STREAMS.items():
        text, marks = render(fn())
        assert not marks
        files[f"{name}.sse"] = text.encode()
        sidecar: dict[str, Any] = {
            "transcript": f"{name}.sse",
            "options": {"protocol": "chat"},
            "findings": [],
            "provenance": {"generator": "tools/build_chat_streams.py", "covers": covers},
        }
        files[f"{name}.sse.expected.json"] = (
            json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n"
        ).encode()
    # The same text stream as payload-only JSON Lines (no SSE framing, no [DONE]).
    lines = [f.payload for f in _text() if not isinstance(f.data, str)]
    files["text_lines.jsonl"] = ("\n".join(lines) + "\n").encode()
    sidecar = {
        "transcript": "text_lines.jsonl",
        "options": {"protocol": "chat"},
        "findings": [],
        "provenance": {"generator": "tools/build_chat_streams.py", "covers": "the text stream as JSON Lines"},
    }
    files["text_lines.jsonl.expected.json"] = (json.dumps(sidecar, indent=2) + "\n").encode()
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed files are stale")
    args = ap.parse_args(argv)
    stale = sync({OUT / name: data for name, data in build().items()}, check=args.check, root=ROOT)
    if not args.check:
        print(f"build_chat_streams: {stale} files written")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
