"""Chat Completions calls recorded in cassettes and HAR files: found, checked as chat, with the request.

A recorded ``POST …/chat/completions`` answered with an event stream is checked as a Chat
Completions stream, and its recorded request body feeds the rules that depend on it (CH230 fires
only because the cassette shows ``stream_options.include_usage``).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import CORPUS
from tests.test_containers import _literal
from validator.engine import CheckOptions, check_bytes
from validator.engine.containers import check_container

URL = "https://api.openai.com/v1/chat/completions"
REQUEST = {
    "model": "gpt-4o-mini",
    "stream": True,
    "stream_options": {"include_usage": True},
    "messages": [{"role": "user", "content": "Capital of France?"}],
}
NO_USAGE = (CORPUS / "rules" / "CH230" / "bad.sse").read_bytes()  # usage asked for, none sent
CLEAN = (CORPUS / "streams" / "chat" / "tool_call.sse").read_bytes()


def cassette(body: bytes, request: dict | None = REQUEST) -> bytes:
    request_line = f"    body: '{json.dumps(request)}'\n" if request is not None else ""
    return (
        "interactions:\n- request:\n"
        + request_line
        + f"    method: POST\n    uri: {URL}\n  response:\n    body:\n      string: "
        + _literal(body.decode(), 8)
        + "    headers:\n      content-type:\n      - text/event-stream\n    status:\n      code: 200\n"
        "      message: OK\nversion: 1\n"
    ).encode()


def har(body: bytes, request: dict | None = REQUEST) -> bytes:
    req: dict = {"method": "POST", "url": URL, "headers": []}
    if request is not None:
        req["postData"] = {"mimeType": "application/json", "text": json.dumps(request)}
    entry = {
        "request": req,
        "response": {
            "status": 200,
            "headers": [{"name": "Content-Type", "value": "text/event-stream"}],
            "content": {"mimeType": "text/event-stream", "text": body.decode()},
        },
    }
    return json.dumps({"log": {"version": "1.2", "entries": [entry]}}, indent=1).encode()


@pytest.mark.parametrize("build", [cassette, har], ids=["cassette", "har"])
def test_recorded_request_drives_the_request_rules(build) -> None:
    result = check_container(build(NO_USAGE), "c", CheckOptions())
    assert result.error is None and result.events > 0
    assert "CH230" in {f.rule for f in result.findings}
    # Without the recorded request, the usage chunk cannot be required.
    result = check_container(build(NO_USAGE, request=None), "c", CheckOptions())
    assert "CH230" not in {f.rule for f in result.findings}


@pytest.mark.parametrize("build", [cassette, har], ids=["cassette", "har"])
def test_clean_chat_call_has_no_findings(build) -> None:
    result = check_container(build(CLEAN), "c", CheckOptions())
    assert (result.error, result.findings) == (None, [])
    assert result.events == check_bytes(CLEAN, "s").events


def test_literal_body_findings_point_into_the_cassette() -> None:
    broken = (CORPUS / "rules" / "CH254" / "bad.sse").read_bytes()
    bare = Counter(f.rule for f in check_bytes(broken, "s").findings)
    found = check_container(cassette(broken, request=None), "c", CheckOptions()).findings
    assert Counter(f.rule for f in found) == bare
    assert all(f.line > 5 for f in found)
