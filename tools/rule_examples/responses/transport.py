"""Rule examples, transport: WebSocket sessions, cassettes, the live probe."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tools.rule_examples.kit import Example, Rendered, example
from tools.rule_examples.responses.streams import (
    AUTO,
    MODEL,
    RATE_LIMIT,
    Ev,
    done_sentinel,
    flat_error,
    function_response,
    hexid,
    pick,
    render,
    text_response,
)
from validator.catalog import RULES
from validator.tools.probe import streamkit as kit
from validator.tools.probe.command import SCENARIOS

#
# These rules are about what carries the events, so their examples are not bare SSE bodies: a
# WebSocket transcript (one JSON message a line, checked with input_format "websocket"), a
# vcrpy cassette (checked with input_format "cassette"), or, for the probe's own expectations,
# the body a probe scenario is answered with (the test serves it with validator.tools.probe.replay).

QUESTION = "What is the capital of France?"


def client_create(**fields: Any) -> Ev:
    """The client's ``response.create`` message: the CreateResponse fields at the top level."""
    return Ev({"type": "response.create", **copy.deepcopy(fields)}, name=None, seq=None)


def numbered(evs: list[Ev]) -> list[Ev]:
    """Sequence numbers from 0: over WebSocket every response numbers its own events (B6)."""
    for i, e in enumerate(evs):
        e.seq = i
    return evs


def on_lane(evs: list[Ev], stream_id: str) -> list[Ev]:
    """Echo the response.create's ``stream_id`` on every event, as OpenAI's lanes do (K4)."""
    for e in evs:
        if e.payload is not None:
            e.payload["stream_id"] = stream_id
    return evs


def render_ws(messages: list[Ev]) -> Rendered:
    """A WebSocket transcript: one text frame a line (JSON messages of both sides, or ``[DONE]``).

    JSON Lines have no comment syntax, so a transcript carries no header line; every message
    must already have its sequence number (``numbered``) or none (client messages, errors).
    """
    out = bytearray()
    findings: list[tuple[str, int]] = []
    for line, e in enumerate(messages, start=1):
        if e.done:
            data = b"[DONE]"
        else:
            assert e.payload is not None and e.seq is not AUTO, "number each turn with numbered()"
            payload = e.payload if e.seq is None else kit.sequenced(e.payload, e.seq)
            data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        out.extend(data + b"\n")
        findings.extend((rule, line) for rule in e.marks)
    return Rendered(bytes(out), sorted(findings, key=lambda f: (f[1], f[0])))


def ws_example(
    rule: str, about_bad: str, about_good: str, bad: list[Ev], good: list[Ev], **options: Any
) -> Example:
    return Example(
        rule,
        about_bad,
        about_good,
        [],
        [],
        options={"input_format": "websocket", **options},
        files=("jsonl", render_ws(bad), render_ws(good)),
    )


@example("RSP013")
def _rsp013() -> Example:
    _, bad = text_response("rsp013")
    _, good = text_response("rsp013")
    ask = client_create(model=MODEL, input=QUESTION)
    bad = [ask, *numbered(bad)]
    bad.insert(len(bad) - 1, done_sentinel().mark("RSP013"))
    return ws_example(
        "RSP013",
        "the server sends the [DONE] frame when the message is done, before response.completed",
        "[DONE] follows response.completed",
        bad,
        [client_create(model=MODEL, input=QUESTION), *numbered(good), done_sentinel()],
        profile="open-responses",
    )


def ws_rate_limit(nested: bool) -> Ev:
    if nested:
        err = {"type": "tokens", "code": "rate_limit_exceeded", "message": RATE_LIMIT, "param": None}
        return Ev({"type": "error", "status": 429, "error": err}, name=None, seq=None)
    e = flat_error()
    e.seq = None
    return e


@example("RSP107")
def _rsp107() -> Example:
    def session(error: Ev) -> list[Ev]:
        ctx, first = text_response("rsp107")
        follow_up = client_create(
            model=MODEL, input="And what is its population?", previous_response_id=ctx.resp_id
        )
        return [client_create(model=MODEL, input=QUESTION), *numbered(first), follow_up, error]

    return ws_example(
        "RSP107",
        "the second turn is refused with the SSE error event's flat shape (code, message at the top level)",
        "the refusal is the WebSocket error envelope: status and a nested error object",
        session(ws_rate_limit(nested=False).mark("RSP107")),
        session(ws_rate_limit(nested=True)),
    )


@example("RSP108")
def _rsp108() -> Example:
    def session(stream_id: str) -> list[Ev]:
        _, evs = text_response("rsp108")
        ask = client_create(stream_id=stream_id, model=MODEL, input=QUESTION)
        return [ask, *on_lane(numbered(evs), stream_id)]

    bad = session("support chat/42")
    bad[0].mark("RSP108")
    return ws_example(
        "RSP108",
        "the client names its lane 'support chat/42' (space, slash); the server accepts and echoes it",
        "the lane is named 'support-chat.42'",
        bad,
        session("support-chat.42"),
    )


@example("RSP109")
def _rsp109() -> Example:
    _, bad = text_response("rsp109")
    _, good = text_response("rsp109")
    return ws_example(
        "RSP109",
        "the client reuses its HTTP request body over WebSocket, stream: true included",
        "response.create carries only the CreateResponse fields; streaming is implicit",
        [client_create(model=MODEL, input=QUESTION, stream=True).mark("RSP109"), *numbered(bad)],
        [client_create(model=MODEL, input=QUESTION), *numbered(good)],
    )


@example("RSP250")
def _rsp250() -> Example:
    second = ["Rome", " is the capital", " of Italy."]

    def turns() -> tuple[list[Ev], list[Ev], list[Ev]]:
        _, a = text_response("rsp250-a")
        _, b = text_response("rsp250-b", second)
        asks = [
            client_create(stream_id="agent_1", model=MODEL, input=QUESTION),
            client_create(stream_id="agent_2", model=MODEL, input="And the capital of Italy?"),
        ]
        return asks, on_lane(numbered(a), "agent_1"), on_lane(numbered(b), "agent_2")

    asks, a, b = turns()
    # The server runs both lanes at once: b starts after a's first two events, then they alternate.
    bad = [*asks, *a[:2]]
    b[0].mark("RSP250")
    rest_a, rest_b = a[2:], b
    while rest_a or rest_b:
        bad += rest_b[:1] + rest_a[:1]
        rest_a, rest_b = rest_a[1:], rest_b[1:]
    asks, a, b = turns()
    return ws_example(
        "RSP250",
        "an Open Responses server runs two stream_id lanes of one connection at once, interleaving them",
        "the second response starts after the first one completed",
        bad,
        [asks[0], *a, asks[1], *b],
        profile="open-responses",
    )


@example("RSP251")
def _rsp251() -> Example:
    def session() -> list[Ev]:
        _, evs = text_response("rsp251")
        return [
            client_create(stream_id="agent_1", model=MODEL, input=QUESTION),
            *on_lane(numbered(evs), "agent_1"),
        ]

    bad = session()
    lost = pick(bad, "response.output_text.delta", 1).mark("RSP251")
    assert lost.payload is not None
    del lost.payload["stream_id"]
    return ws_example(
        "RSP251",
        "one text delta of lane agent_1 is sent without its stream_id",
        "every event of the response echoes stream_id agent_1",
        bad,
        session(),
    )


# -- cassettes (RSP014, RSP015): what a vcrpy / pytest-recording cassette stores

LOCAL_URL = "http://127.0.0.1:8000/v1/responses"
RECORDED_AT = "Fri, 02 Jan 2026 10:00:00 GMT"
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./;=+ -]*")


def yaml_scalar(value: str) -> str:
    """A YAML scalar for a header value or JSON body: plain when that reads back the same."""
    if _PLAIN.fullmatch(value) and not value.endswith(" "):
        return value
    return "'" + value.replace("'", "''") + "'"


@dataclass
class Recorded:
    """One cassette interaction: a POST to the Responses endpoint and its recorded answer."""

    request: dict[str, Any]
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: str
    #: Rules whose finding points at this interaction (its ``- request:`` line).
    marks: list[str] = field(default_factory=list)


def render_cassette(header: str, interactions: list[Recorded]) -> Rendered:
    """A vcrpy cassette as pytest-recording writes it with a literal-block body (lines map 1:1)."""
    lines = [f"# {header}", "interactions:"]
    findings: list[tuple[str, int]] = []
    for it in interactions:
        findings.extend((rule, len(lines) + 1) for rule in it.marks)
        lines += [
            "- request:",
            "    body: " + yaml_scalar(json.dumps(it.request, ensure_ascii=False, separators=(",", ":"))),
            "    headers:",
            "      accept:",
            "      - text/event-stream" if it.request.get("stream") else "      - application/json",
            "      content-type:",
            "      - application/json",
            "      user-agent:",
            "      - OpenAI/Python 1.109.1",
            "    method: POST",
            f"    uri: {LOCAL_URL}",
            "  response:",
            "    body:",
            "      string: |" + ("+" if it.body.endswith("\n") else "-"),
        ]
        body_lines = it.body.split("\n")
        if it.body.endswith("\n"):
            body_lines = body_lines[:-1]
        lines += [f"        {line}" if line else "" for line in body_lines]
        lines.append("    headers:")
        for name, value in it.headers:
            lines += [f"      {name}:", f"      - {yaml_scalar(value)}"]
        lines += ["    status:", f"      code: {it.status}", f"      message: {it.reason}"]
    lines.append("version: 1")
    return Rendered(("\n".join(lines) + "\n").encode(), sorted(findings, key=lambda f: (f[1], f[0])))


def server_headers(content_type: str, request_id: str) -> list[tuple[str, str]]:
    return [
        ("content-type", content_type),
        ("date", RECORDED_AT),
        ("server", "uvicorn"),
        ("x-request-id", request_id),
    ]


def cassette_example(
    rule: str, about_bad: str, about_good: str, bad: list[Recorded], good: list[Recorded]
) -> Example:
    name = RULES[rule].name
    return Example(
        rule,
        about_bad,
        about_good,
        [],
        [],
        options={"input_format": "cassette"},
        files=(
            "yaml",
            render_cassette(f"{rule} {name} - bad: {about_bad}", bad),
            render_cassette(f"{rule} {name} - good: {about_good}", good),
        ),
    )


@example("RSP014")
def _rsp014() -> Example:
    _, evs = text_response("rsp014")
    final = pick(evs, "response.completed")
    assert final.payload is not None
    request = {"model": MODEL, "input": QUESTION, "stream": True}
    # The server ignored stream: true and sent the finished response as one JSON document.
    whole = json.dumps(final.payload["response"], ensure_ascii=False, indent=2)
    stream = render(evs, None).data.decode()
    rid = "req_" + hexid("rsp014", "request", n=32)
    return cassette_example(
        "RSP014",
        "the server ignores stream: true and answers 200 application/json with the finished response",
        "the stream: true request is answered 200 text/event-stream",
        [Recorded(request, 200, "OK", server_headers("application/json", rid), whole, ["RSP014"])],
        [Recorded(request, 200, "OK", server_headers("text/event-stream; charset=utf-8", rid), stream)],
    )


@example("RSP015")
def _rsp015() -> Example:
    request = {"model": MODEL, "input": 42, "stream": True}
    rid = "req_" + hexid("rsp015", "request", n=32)
    # FastAPI's default validation answer: the SDKs find no "error" object in it to raise.
    detail = {
        "detail": [
            {
                "type": "list_type",
                "loc": ["body", "input"],
                "msg": "Input should be a valid list",
                "input": 42,
            }
        ]
    }
    error = {
        "error": {
            "message": "Invalid type for 'input': expected one of a string or array of input items, "
            "but got an integer instead.",
            "type": "invalid_request_error",
            "param": "input",
            "code": "invalid_type",
        }
    }
    return cassette_example(
        "RSP015",
        'a malformed request (input: 42) is refused 422 with FastAPI\'s {"detail": [...]} body',
        'the refusal is a 400 with the {"error": {"message": ...}} body the SDKs raise from',
        [
            Recorded(
                request,
                422,
                "Unprocessable Entity",
                server_headers("application/json", rid),
                json.dumps(detail, indent=2),
                ["RSP015"],
            )
        ],
        [
            Recorded(
                request,
                400,
                "Bad Request",
                server_headers("application/json", rid),
                json.dumps(error, indent=2),
            )
        ],
    )


# -- the live probe (RSP260): the answers a scenario gets, served by validator.tools.probe.replay in the test


#: What api.openai.com answers a revoked key with (RSP016, CH067 save it in place of the stream).
OPENAI_401 = {
    "error": {
        "message": "Incorrect API key provided: sk-proj-****wxyz. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}


@example("RSP016")
def _rsp016() -> Example:
    bad = Rendered((json.dumps(OPENAI_401, indent=2) + "\n").encode(), [("RSP016", 1)])
    _, stream = text_response("rsp016")
    events = [
        json.loads(line[len(b"data: ") :])
        for line in render(stream, None).data.split(b"\n")
        if line.startswith(b"data: ")
    ]
    good = Rendered((json.dumps(events, indent=1) + "\n").encode(), [])
    return Example(
        "RSP016",
        "the file saved as the stream holds the server's 401 body for a revoked key",
        "the file holds the stream's events (a JSON array)",
        [],
        [],
        files=("json", bad, good),
    )


@example("RSP260")
def _rsp260() -> Example:
    scenario = "tool-calling"
    (tool,) = SCENARIOS[scenario].request(MODEL)["tools"]
    echoed = {**tool, "strict": True}  # the server echoes the tool with its defaults filled in
    declined = [
        "I can't look up",
        " live weather, but",
        " San Francisco is",
        " usually mild and foggy.",
    ]
    _, bad = text_response("rsp260", declined, tools=[echoed])
    _, good = function_response("rsp260", ['{"location":', '"San Francisco, CA"}'], tool=echoed)
    pick(bad, "response.completed").mark("RSP260")
    return Example(
        "RSP260",
        f"probe scenario {scenario}: the server answers in text and never calls get_weather",
        f"probe scenario {scenario}: the response completes with a get_weather function_call",
        bad,
        good,
        probe={"scenario": scenario},
    )
