"""The probe's Chat Completions scenarios against the local replay server (127.0.0.1 only).

Each scenario is answered with one of our own chat streams: the right answer passes, a wrong one
fails with the engine's finding (the request is known, so include_usage and n are enforced) and
the scenario's expectation (CH270).
"""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS
from validator.engine import CheckOptions
from validator.tools.probe import chat
from validator.tools.probe.replay import ReplayServer, Reply
from validator.tools.probe.run import run_probe

STREAMS = CORPUS / "streams" / "chat"
CHAT = list(chat.SCENARIOS)


def _body(name: str) -> Reply:
    return Reply.sse((STREAMS / name).read_bytes())


RIGHT = {
    "chat-text": _body("text.sse"),
    "chat-tool-call": _body("tool_call.sse"),
    "chat-parallel-tool-calls": _body("parallel_tool_calls.sse"),
    "chat-usage": _body("text.sse"),
    "chat-n2": _body("n2_choices.sse"),
    "chat-error-answer": Reply.json(
        {"error": {"message": "messages must be a list", "type": "invalid_request_error"}}, 400
    ),
}
WRONG = {
    "chat-text": (_body("tool_call.sse"), {"CH270"}),
    "chat-tool-call": (_body("text.sse"), {"CH270"}),
    "chat-parallel-tool-calls": (_body("tool_call.sse"), {"CH270"}),
    "chat-usage": (_body("text_no_usage.sse"), {"CH230", "CH270"}),
    "chat-n2": (_body("text.sse"), {"CH225", "CH270"}),
    "chat-error-answer": (_body("text.sse"), {"CH069"}),
}


def test_every_chat_scenario_is_covered() -> None:
    assert set(CHAT) == set(RIGHT) == set(WRONG)
    assert chat.chat_url("http://h/v1/") == "http://h/v1/chat/completions"


def _run(replies: dict[str, Reply], names: list[str]) -> dict[str, set[str]]:
    with ReplayServer(replies) as server:
        results = run_probe(server.url, names, options=CheckOptions(), timeout=10.0)
        paths = {request.path for request in server.requests}
    assert paths == {"/v1/chat/completions"}, paths
    return {r.scenario: {f.rule for f in r.findings if f.severity.value == "error"} for r in results}


def test_right_answers_pass() -> None:
    assert _run(RIGHT, CHAT) == {name: set() for name in CHAT}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_answers_fail_with_their_rules(name: str) -> None:
    reply, rules = WRONG[name]
    assert _run({name: reply}, [name])[name] == rules
