"""The Chat Completions lane (PrefixLane over data-only runs) changes nothing but speed.

A Chat Completions stream is data-only SSE: the reader hands consecutive ``data:`` blocks over as
one RawRun, and the chat machine takes as much of it as would take its usual path with no
finding, the rest going event by event. These tests hold that to the event-by-event path: the
same findings (positions, messages, counts) with the lane on and off on every chat transcript
and capture we have, every chat mutant, and generated streams broken at each place in a run in
each way the lane must notice.
"""

from __future__ import annotations

import copy
import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_lane import frames
from test_reader_fuzz import chunked

from validator.engine import CheckOptions, FileResult, check_chunks
from validator.model.events import RawRun
from validator.protocols.chat.builder import ChatStream, Frame, render
from validator.protocols.chat.machine import ChatMachine
from validator.reading.reader import Reader
from validator.tools.mutate.operators import OPERATOR_TABLES, generate

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CAPTURES = SHARED / "corpus-chat"
OPTIONS = {
    "default": CheckOptions(protocol="chat"),
    "strict": CheckOptions(protocol="chat", strict=True),
    "fragment": CheckOptions(protocol="chat", fragment=True),
    "auto": CheckOptions(),
}


def check(data: bytes, options: CheckOptions, lane: bool, cuts: list[int] | None = None) -> FileResult:
    return check_chunks(chunked(data, cuts or []), "t.sse", options, lane=lane)


def assert_same(data: bytes, options: CheckOptions, cuts: list[int] | None = None) -> FileResult:
    fast = check(data, options, True, cuts)
    slow = check(data, options, False, cuts)
    assert (fast.events, fast.findings, fast.input_format) == (slow.events, slow.findings, slow.input_format)
    return fast


def own_chat_transcripts() -> list[Path]:
    found = [
        p
        for directory in (CORPUS / "streams" / "chat", *sorted((CORPUS / "rules").glob("CH*")))
        for p in sorted(directory.iterdir())
        if p.suffix in {".sse", ".jsonl", ".txt", ".json"} and not p.name.endswith(".expected.json")
    ]
    assert len(found) > 100
    return found


def captures() -> list[Path]:
    if not (CAPTURES / "INDEX.tsv").is_file():
        return []
    return sorted(p for p in CAPTURES.rglob("*") if p.is_file() and p.suffix not in {".tsv", ".md"})


def valid_captures() -> list[Path]:
    if not (CAPTURES / "INDEX.tsv").is_file():
        return []
    with (CAPTURES / "INDEX.tsv").open(encoding="utf-8") as fh:
        return [CAPTURES / r["file"] for r in csv.DictReader(fh, delimiter="\t") if r["judgment"] == "VALID"]


# ---------------------------------------------------------------- the reader's data-only runs


def test_data_only_blocks_are_one_run() -> None:
    data = b"".join(b'data: {"n":%d}\n\n' % i for i in range(5)) + b"data: [DONE]\n\n"
    items = list(Reader([data], "sse", runs=True))
    assert isinstance(items[0], RawRun) and len(items) == 2
    run = items[0]
    assert run.name is None and run.stride == 2 and run.payloads == [b'{"n":%d}' % i for i in range(5)]
    assert [e.position.line for e in run.events()] == [1, 3, 5, 7, 9]
    offsets = run.offsets()
    assert [run.event(i, offsets[i]) for i in range(5)] == list(run.events())
    assert items[1].kind.value == "done" and items[1].position.line == 11


@pytest.mark.parametrize("path", own_chat_transcripts(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_runs_expand_to_the_same_events(path: Path) -> None:
    data = path.read_bytes()
    for size in (len(data) or 1, 4096, 97):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert frames(chunks, True) == frames(chunks, False)


# ---------------------------------------------------------------- the engine


@pytest.mark.parametrize("path", own_chat_transcripts(), ids=lambda p: str(p.relative_to(CORPUS)))
@pytest.mark.parametrize("mode", list(OPTIONS))
def test_same_findings_on_own_transcripts(path: Path, mode: str) -> None:
    assert_same(path.read_bytes(), OPTIONS[mode])


@pytest.mark.skipif(not captures(), reason=f"the shared chat captures are not at {CAPTURES}")
@pytest.mark.parametrize("mode", list(OPTIONS))
def test_same_findings_on_shared_captures(mode: str) -> None:
    paths = captures()
    assert len(paths) > 40
    for path in paths:
        assert_same(path.read_bytes(), OPTIONS[mode])


def _mutation_bases() -> list[Path]:
    own = sorted(p for p in (CORPUS / "streams" / "chat").iterdir() if p.suffix in (".sse", ".jsonl"))
    return own + valid_captures()


@pytest.mark.parametrize("op", list(OPERATOR_TABLES["chat"]))
def test_same_findings_on_every_mutant(op: str) -> None:
    count = 0
    for base in _mutation_bases():
        text = base.read_text(encoding="utf-8")
        for seed in (0, 1):
            for mutant in generate(text, base.name, [op], seed, profile="chat", protocol="chat"):
                assert_same(mutant.text.encode(), OPTIONS["default"])
                count += 1
    assert count > 0


# Streams made to stop a run half-way in each way the lane must see.

DROP = object()


def _stream(words: list[str], calls: int = 1) -> list[Frame]:
    s = ChatStream("lane")
    frames_ = s.text(words, finish="tool_calls")[:-1]
    frames_ += s.tool_calls([("f", [f'{{"a":{k}', "}"]) for k in range(calls)])[1:]
    return [*frames_, s.usage(3, len(words)), s.done()]


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        if value is DROP:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value

    return edit


#: How to break one chunk of a run: an edit of its payload.
EDITS: dict[str, Callable[[dict[str, Any]], None] | None] = {
    "clean": None,
    "other id": _set(("id",), "chatcmpl-other"),
    "other created": _set(("created",), 5),
    "float created": _set(("created",), 1767225600.0),
    "other model": _set(("model",), "other"),
    "other object": _set(("object",), "chat.completion"),
    "no object": _set(("object",), DROP),
    "finish_reason": _set(("choices", 0, "finish_reason"), "stop"),
    "no finish_reason": _set(("choices", 0, "finish_reason"), DROP),
    "unknown finish_reason": _set(("choices", 0, "finish_reason"), "done"),
    "other choice": _set(("choices", 0, "index"), 1),
    "float index": _set(("choices", 0, "index"), 0.0),
    "negative index": _set(("choices", 0, "index"), -1),
    "role again": _set(("choices", 0, "delta", "role"), "assistant"),
    "other role": _set(("choices", 0, "delta", "role"), "tool"),
    "refusal": _set(("choices", 0, "delta", "refusal"), "no"),
    "content list": _set(("choices", 0, "delta", "content"), [{"type": "text", "text": "x"}]),
    "content number": _set(("choices", 0, "delta", "content"), 5),
    "reasoning": _set(("choices", 0, "delta", "reasoning_content"), "hm"),
    "no delta": _set(("choices", 0, "delta"), DROP),
    "logprobs": _set(("choices", 0, "logprobs"), {"content": [], "refusal": None}),
    # Invalid against the schema, in members the machine's usual path does not look at.
    "logprobs not an object": _set(("choices", 0, "logprobs"), "x"),
    "fingerprint not a string": _set(("system_fingerprint",), 5),
    "unknown service_tier": _set(("service_tier",), 7),
    "usage null": _set(("usage",), None),
    "usage": _set(("usage",), {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}),
    "error": _set(("error",), {"message": "boom"}),
    "extra member": _set(("extra",), 1),
    "two choices": lambda d: d["choices"].append({**copy.deepcopy(d["choices"][0]), "index": 1}),
    "no choices": _set(("choices",), []),
    "huge created": _set(("created",), 10**20 + 1),
}


def _edited(name: str, at: int, words: list[str], calls: int = 1, first: Any = None) -> bytes:
    frames_ = _stream(words, calls)
    chunks = [f for f in frames_ if isinstance(f.data, dict) and f.data.get("choices")]
    if first is not None:
        for f in frames_:
            if isinstance(f.data, dict) and "created" in f.data:
                f.data["created"] = first
    edit = EDITS[name]
    if edit is not None:
        edit(chunks[at % len(chunks)].data)  # type: ignore[arg-type]
    return render(frames_)[0].encode()


@pytest.mark.parametrize("at", [1, 2, 6, 13, 15, -2, -1])
@pytest.mark.parametrize("name", list(EDITS))
@pytest.mark.parametrize("mode", ["default", "strict", "fragment"])
def test_same_findings_when_a_run_breaks(name: str, mode: str, at: int) -> None:
    words = [f" w{i}" for i in range(12)]
    result = assert_same(_edited(name, at, words, calls=2), OPTIONS[mode])
    if name == "clean":
        assert result.findings == []


def test_an_integer_orjson_would_round_is_not_taken_for_the_first() -> None:
    """created 10**20 + 1 after 10**20: orjson reads both as 1e20, the ordinary path keeps them
    apart (CH212); so must the lane."""
    words = [f" w{i}" for i in range(8)]
    result = assert_same(_edited("huge created", 5, words, first=10**20), OPTIONS["default"])
    assert "CH212" in {f.rule for f in result.findings}


@SETTINGS
@given(
    words=st.lists(st.text(max_size=4), min_size=1, max_size=30),
    name=st.sampled_from(list(EDITS)),
    at=st.integers(0, 40),
    calls=st.integers(0, 3),
    events=st.booleans(),
    cuts=st.lists(st.integers(0, 20000), max_size=4),
)
def test_same_findings_when_a_run_breaks_fuzz(
    words: list[str], name: str, at: int, calls: int, events: bool, cuts: list[int]
) -> None:
    data = _edited(name, at, words, calls)
    if events:  # some chunks framed with an event: line (CH008), which the lane never takes
        data = data.replace(b"data: {", b"event: x\ndata: {", 1 + at % 3)
    assert_same(data, OPTIONS["default"], cuts)


def test_the_lane_takes_the_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[int] = []
    original = ChatMachine.feed_prefix

    def spy(self: ChatMachine, etype: str | None, events: list[Any], start: int, stop: int) -> int:
        count = original(self, etype, events, start, stop)
        taken.append(count)
        return count

    monkeypatch.setattr(ChatMachine, "feed_prefix", spy)
    words = [f" w{i}" for i in range(40)]
    result = check(_edited("clean", 0, words, calls=1), OPTIONS["default"], True)
    assert result.findings == [] and result.events == 46
    # One run: the role chunk opens the stream (ordinary), the lane takes the 40 words; the call's
    # first chunk goes the ordinary way, the lane takes its two fragments; the finish chunk is
    # refused, and the usage chunk (not a content chunk) is not even offered.
    assert taken == [0, 40, 2, 0]
