"""The protocol boundary: recognising a stream's protocol, forcing one, and profiles that name one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from validator.cli import cli
from validator.engine import CheckOptions, check_bytes, check_events
from validator.protocols import DEFAULT, PROTOCOLS, by_name, detect, detect_payload

SEED = Path(__file__).resolve().parent.parent / "corpus" / "seeds" / "004_75bce7c82fd61a67.sse"


def test_a_responses_stream_is_recognised_from_its_first_bytes_and_events() -> None:
    head = SEED.read_bytes()[:4096]
    assert PROTOCOLS["responses"].sniff(head)
    assert detect(head) is PROTOCOLS["responses"]
    assert detect_payload({"type": "response.created"}) is PROTOCOLS["responses"]
    # What no protocol claims is checked as the default protocol's (and reported by its rules).
    assert detect(b"hello") is DEFAULT
    assert not PROTOCOLS["responses"].sniff(b'data: {"object":"chat.completion.chunk"}\n\n')


def test_profile_names_its_protocol_and_a_mismatch_is_a_usage_error() -> None:
    assert CheckOptions(profile="open-responses").named_protocol() == "responses"
    assert CheckOptions().named_protocol() is None
    assert CheckOptions().for_protocol("responses").profile == "openai"
    with pytest.raises(ValueError, match="unknown protocol 'nope'"):
        CheckOptions(protocol="nope")
    with pytest.raises(ValueError, match="unknown protocol"):
        by_name("nope")


def test_auto_and_forced_protocol_give_the_same_findings() -> None:
    data = SEED.read_bytes()
    auto = check_bytes(data, "seed.sse", CheckOptions())
    forced = check_bytes(data, "seed.sse", CheckOptions(protocol="responses"))
    assert auto.findings == forced.findings and auto.events == forced.events > 0
    broken = data.replace(b'"sequence_number":3', b'"sequence_number":30', 1)
    assert check_bytes(broken, "seed.sse").findings, "the mutation must be found"
    assert check_events([{"type": "response.created"}]).findings  # detected from the event


def test_cli_protocol_option_and_rules_listing() -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["check", "--protocol", "responses", "--quiet", str(SEED)])
    assert done.exit_code == 0, done.output
    bad = runner.invoke(cli, ["check", "--protocol", "nope", str(SEED)])
    assert bad.exit_code == 2
    listed = runner.invoke(cli, ["rules", "--protocol", "responses"])
    assert listed.exit_code == 0 and "RSP001" in listed.output
    everything = runner.invoke(cli, ["rules"])
    assert everything.output.count("\n") >= listed.output.count("\n")


_MESSAGES_ERROR = b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'


@pytest.mark.parametrize(
    "head",
    [
        _MESSAGES_ERROR,  # the HTTP error body given to check
        _MESSAGES_ERROR[:-1] + b',"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}',
        b'{\n  "type": "error",\n  "error": {"type": "api_error", "message": "x", "details": null}\n}\n',
        b"event: error\ndata: " + _MESSAGES_ERROR + b"\n\n",  # a stream failing before message_start
        b'event: ping\ndata: {"type":"ping"}\n\nevent: error\ndata: ' + _MESSAGES_ERROR + b"\n\n",
        b"[" + _MESSAGES_ERROR + b"]",
    ],
)
def test_a_messages_error_is_recognised_as_anthropic(head: bytes) -> None:
    assert detect(head) is PROTOCOLS["anthropic"]


@pytest.mark.parametrize(
    "head",
    [
        # Responses' nested error (the wire's), flat error (the spec's) and WebSocket error.
        b'data: {"type":"error","sequence_number":2,"error":{"type":"server_error","code":null,'
        b'"message":"x","param":null}}\n\n',
        b'{"type":"error","code":"server_error","message":"x","param":null,"sequence_number":0}\n',
        b'{"type":"error","status":429,"error":{"type":"rate_limit_error","message":"x"}}',
        # Ambiguous: the Messages shape, but a Responses event follows it.
        _MESSAGES_ERROR + b'\n{"type":"response.failed","sequence_number":1,"response":{}}\n',
        # Neither shape whole (an error without its type): the default protocol.
        b'{"type":"error","error":{"message":"x"}}',
    ],
)
def test_an_error_of_responses_or_of_neither_shape_is_not_claimed_by_anthropic(head: bytes) -> None:
    assert detect(head) is DEFAULT is PROTOCOLS["responses"]


def test_a_messages_error_is_checked_by_the_anthropic_rules() -> None:
    assert detect_payload(json.loads(_MESSAGES_ERROR)) is PROTOCOLS["anthropic"]
    assert detect_payload({"type": "error", "sequence_number": 0, "error": {}}) is PROTOCOLS["responses"]
    body = check_bytes(_MESSAGES_ERROR, "body.json")
    assert [f.rule for f in body.findings] == ["AN015"]
    stream = check_bytes(b"event: error\ndata: " + _MESSAGES_ERROR + b"\n\n", "failed.sse")
    assert [f.rule for f in stream.findings] == ["AN219"]
    assert [f.rule for f in check_events([json.loads(_MESSAGES_ERROR)]).findings] == ["AN219"]
