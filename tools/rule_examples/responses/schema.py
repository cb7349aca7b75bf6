"""Rule examples, 1xx schema."""

from __future__ import annotations

from tools.rule_examples.kit import Example, example
from tools.rule_examples.responses.connection import steer_accepted
from tools.rule_examples.responses.streams import (
    CREATED_AT,
    MODEL,
    Ev,
    drop_key,
    error_stream,
    flat_error,
    hexid,
    nested_error,
    text_response,
    with_keepalive,
)


@example("RSP101")
def _rsp101() -> Example:
    _, bad = text_response("rsp101")
    _, good = text_response("rsp101")
    bad, k = with_keepalive(bad)
    good, _ = with_keepalive(good)
    drop_key(k, "type").mark("RSP101")
    k.name = "keepalive"
    return Example(
        "RSP101",
        "the heartbeat's type is only in the event: line; the payload has no 'type'",
        "the payload carries type: keepalive",
        bad,
        good,
    )


@example("RSP102")
def _rsp102() -> Example:
    _, bad = text_response("rsp102")
    _, good = text_response("rsp102")
    bad, k = with_keepalive(bad)
    good, _ = with_keepalive(good)
    assert k.payload is not None
    k.payload["type"] = "ping"
    k.mark("RSP102")
    return Example(
        "RSP102",
        "a bridge invents a 'ping' event type for its heartbeat",
        "the heartbeat uses the keepalive type the API itself sends",
        bad,
        good,
    )


@example("RSP103")
def _rsp103() -> Example:
    _, bad = text_response("rsp103")
    _, good = text_response("rsp103")
    for e in bad:
        if e.payload and "response" in e.payload:
            e.payload["response"]["created_at"] = "2026-01-02T10:00:00Z"
            e.mark("RSP103")
    return Example(
        "RSP103",
        "every response snapshot carries created_at as an ISO string instead of Unix seconds",
        "created_at is a number (Unix seconds)",
        bad,
        good,
    )


@example("RSP104")
def _rsp104() -> Example:
    _, bad = text_response("rsp104")
    _, good = text_response("rsp104")
    chunk = Ev(
        {
            "id": "chatcmpl-" + hexid("rsp104", "chunk", n=29),
            "object": "chat.completion.chunk",
            "created": CREATED_AT + 2,
            "model": MODEL,
            "system_fingerprint": "fp_" + hexid("rsp104", "fp", n=10),
            "choices": [],
            "usage": {"prompt_tokens": 14, "completion_tokens": 4, "total_tokens": 18},
        },
        name=None,
        seq=None,
    ).mark("RSP104", "RSP005", "RSP201")
    bad.insert(len(bad) - 1, chunk)
    return Example(
        "RSP104",
        "a bridge forwards the upstream Chat Completions usage chunk verbatim"
        " (it has no event: line and no sequence_number either: RSP005, RSP201)",
        "only Responses events; the usage arrives in response.completed",
        bad,
        good,
    )


@example("RSP105")
def _rsp105() -> Example:
    _, bad = text_response("rsp105")
    _, good = text_response("rsp105")
    e = bad[-1].mark("RSP105")
    assert e.payload is not None
    del e.payload["response"]["usage"]["input_tokens_details"]["cache_write_tokens"]
    return Example(
        "RSP105",
        "usage.input_tokens_details lacks cache_write_tokens, as in streams from before 2026"
        " (reported with --strict)",
        "the usage carries every field the newest spec requires",
        bad,
        good,
        options={"strict": True},
    )


@example("RSP106")
def _rsp106() -> Example:
    _, bad = error_stream("rsp106", flat_error().mark("RSP106"))
    _, good = error_stream("rsp106", nested_error())
    return Example(
        "RSP106",
        "the error event uses the flat documented shape (code/message at the top level)",
        "the error payload is nested under 'error', as api.openai.com sends it",
        bad,
        good,
    )


@example("RSP110")
def _rsp110() -> Example:
    _, bad = text_response("rsp110")
    _, good = text_response("rsp110")
    limits = {
        "type": "codex.rate_limits",
        "rate_limits": {"primary": {"used_percent": 12.0, "window_minutes": 300}, "secondary": None},
    }
    bad.insert(2, Ev(limits, seq=None).mark("RSP110"))
    return Example(
        "RSP110",
        "a gateway relays the Codex backend's codex.rate_limits event to an OpenAI Responses client",
        "the stream holds only Responses events (or is checked with --profile codex)",
        bad,
        good,
    )


@example("RSP111")
def _rsp111() -> Example:
    ctx, bad = text_response("rsp111")
    _, good = text_response("rsp111")
    accepted = steer_accepted(ctx)
    accepted.name = "response.steer.accepted"
    bad.insert(3, accepted.mark("RSP111"))
    return Example(
        "RSP111",
        "a gateway relays the WebSocket mode's response.steer.accepted onto an SSE stream, whose client "
        "cannot steer",
        "the SSE stream holds only events of the SSE union; steering outcomes stay on the WebSocket",
        bad,
        good,
    )
