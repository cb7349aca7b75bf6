"""The Chat Completions tables, kinds and request facts, independent of any file."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from validator.catalog import RULES
from validator.engine import CheckOptions, check_bytes
from validator.protocols.chat.kinds import Kind, classify, is_chat_payload
from validator.protocols.chat.request import ChatRequest, answer_choice_issues
from validator.protocols.chat.tables import CHOICE_TRANSITIONS, STREAM_TRANSITIONS, ChoiceState, Phase, Step

STREAMS = Path(__file__).resolve().parent.parent / "corpus" / "streams" / "chat"


def test_stream_table_covers_every_phase_and_kind() -> None:
    kinds = [k for k in Kind if k is not Kind.ANNOTATION]
    assert set(STREAM_TRANSITIONS) == set(itertools.product(Phase, kinds))
    for (_, _), (_, rule) in STREAM_TRANSITIONS.items():
        assert rule is None or rule in RULES


def test_choice_table_names_known_rules_and_finishes_once() -> None:
    for (state, _step), (after, rule) in CHOICE_TRANSITIONS.items():
        assert rule is None or rule in RULES
        if state is ChoiceState.FINISHED:
            assert after is ChoiceState.FINISHED and rule is not None
    assert CHOICE_TRANSITIONS[(ChoiceState.OPEN, Step.FINISH)] == (ChoiceState.FINISHED, None)


@pytest.mark.parametrize(
    "payload,kind",
    [
        ({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}}]}, Kind.CHUNK),
        ({"object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": 1}}, Kind.USAGE),
        ({"object": "chat.completion.chunk", "choices": [], "moderation": {"input": {}}}, Kind.MODERATION),
        ({"object": "", "choices": [], "prompt_filter_results": []}, Kind.ANNOTATION),
        ({"error": {"message": "boom"}}, Kind.ERROR),
        ({"object": "chat.completion.chunk", "choices": []}, Kind.CHUNK),
    ],
)
def test_classify(payload: dict, kind: Kind) -> None:
    assert classify(payload) is kind


def test_recognition() -> None:
    assert is_chat_payload({"object": "chat.completion.chunk", "choices": []})
    assert is_chat_payload({"choices": [{"index": 0, "delta": {"content": "x"}}]})
    assert not is_chat_payload({"type": "response.created", "response": {}})
    assert not is_chat_payload([1])


def test_request_facts() -> None:
    body = {
        "model": "m",
        "messages": [],
        "n": 2,
        "stream_options": {"include_usage": True},
        "tool_choice": {"type": "function", "function": {"name": "f"}},
    }
    assert ChatRequest.from_body(body) == ChatRequest(n=2, include_usage=True, forced_tool=True)
    assert ChatRequest.from_body({"model": "m", "messages": []}) == ChatRequest(n=1)
    assert ChatRequest.from_body({"model": "m", "input": "hi"}) is None


def test_usual_chunk_implies_schema_valid() -> None:
    # The engine's cheap verdict must never pass a chunk the schema rejects: hold it to the schema
    # on every chunk of our streams and rule examples, and on edited variants of one.
    import contextlib
    import json
    from pathlib import Path

    from validator.protocols.chat.schemas import ChatSchemas, usual_chunk

    schemas = ChatSchemas.for_profile("chat")
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    chunks = []
    for path in [*corpus.glob("rules/CH*/*.sse"), *corpus.glob("streams/chat/*.sse")]:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("data: {"):
                with contextlib.suppress(ValueError):
                    chunks.append(json.loads(line[6:]))
    base = chunks[1]
    variants = [
        {**base, "created": 1.5},
        {**base, "created": True},
        {**base, "service_tier": ""},
        {**base, "choices": [{**base["choices"][0], "index": "0"}]},
        {**base, "choices": [{**base["choices"][0], "finish_reason": ""}]},
        {**base, "choices": [{**base["choices"][0], "delta": {"role": "robot"}}]},
        {**base, "choices": [{**base["choices"][0], "delta": {"content": 3}}]},
    ]
    usual = 0
    for chunk in chunks + variants:
        if usual_chunk(chunk):
            usual += 1
            assert schemas.check(chunk) == [], chunk
    assert usual > 100
    assert not any(usual_chunk(v) for v in variants)


# ---------------------------------------------------------------- n, which the client sets


def test_a_huge_n_against_an_answer_names_a_few_choices_and_counts_the_rest() -> None:
    asked = ChatRequest(n=10_000_000, include_usage=False, forced_tool=False)
    [issue] = answer_choice_issues({"choices": [{"index": 0}, {"index": 2}]}, asked)
    assert issue.rule == "CH226"
    assert issue.message == (
        "choices 1, 3, 4, 5, 6 (and 9,999,993 more) of the n=10000000 requested are not in the "
        "answer (2 given)"
    )


def test_an_answer_with_repeated_and_surplus_choices() -> None:
    asked = ChatRequest(n=2, include_usage=False, forced_tool=False)
    answer = {"choices": [{"index": i} for i in (0, 0, 5, 5, 9)]}
    missing, extra = answer_choice_issues(answer, asked)
    assert missing.message == "choice 1 of the n=2 requested is not in the answer (5 given)"
    assert extra.message == "choices 0, 5 and 9 given, beyond the n=2 requested or repeated"


def test_a_huge_n_against_a_stream_gives_a_few_findings_not_one_per_choice() -> None:
    stream = (STREAMS / "text.sse").read_bytes()
    request = {"model": "m", "messages": [], "stream": True, "n": 1_000_000}
    found = [
        f for f in check_bytes(stream, options=CheckOptions(request=request)).findings if f.rule == "CH225"
    ]
    assert [f.message for f in found] == [
        *(f"choice {i} of the n=1000000 requested never appears" for i in range(1, 6)),
        "999,994 more choices of the n=1000000 requested never appear (after choice 5)",
    ]
