"""Streams inside VCR cassettes and HAR files give the same findings as the bare stream.

Cassettes are built here, at test time, in each recorder's shape (vcrpy / pytest-recording,
go-vcr, Ruby VCR) and as HAR, around our own streams and around the third-party captures
(which are read from the shared folder, never copied into the project).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SEEDS, SHARED_CORPUS, needs_shared
from validator.engine import CheckOptions, check_bytes
from validator.engine.containers import (
    ContainerError,
    check_container,
    detect_kind,
    is_responses_request,
    iter_answer_problems,
    iter_streams,
)
from validator.tools.probe.replay import function_call_events, text_events, to_sse

URL = "https://api.openai.com/v1/responses"
OPTIONS = CheckOptions()


# ---------------------------------------------------------------- building containers


_NOT_LITERAL = re.compile("[\r\x85\u2028\u2029\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _literal(body: str, indent: int) -> str:
    """A YAML literal block (what pydantic-ai, go-vcr and Ruby VCR write) holding ``body``.

    Like the recorders' YAML emitters, fall back to a double-quoted scalar when the body holds
    characters a block cannot carry (YAML reads U+2028 and NEL as line breaks).
    """
    if _NOT_LITERAL.search(body) or body[:1] == " ":
        return yaml.dump(body, default_style='"', width=1 << 30).strip() + "\n"
    chomp = "+" if body.endswith("\n") else "-"
    pad = " " * indent
    lines = body.split("\n")
    if body.endswith("\n"):
        lines = lines[:-1]
    return f"|{chomp}\n" + "".join(f"{pad}{line}\n" if line else "\n" for line in lines)


def _other_interaction_vcrpy() -> str:
    return (
        "- request:\n    method: GET\n    uri: https://api.openai.com/v1/models\n"
        "  response:\n    body:\n      string: '{}'\n    headers:\n      content-type:\n"
        "      - application/json\n    status:\n      code: 200\n      message: OK\n"
    )


def vcrpy_literal(body: bytes) -> str:
    """pytest-recording cassette as pydantic-ai writes it: the body as a ``|+`` block."""
    return (
        "interactions:\n"
        + _other_interaction_vcrpy()
        + "- request:\n    body: '{\"stream\": true}'\n    headers:\n      content-type:\n"
        f"      - application/json\n    method: POST\n    uri: {URL}\n"
        "  response:\n    body:\n      string: "
        + _literal(body.decode(), 8)
        + "    headers:\n      content-type:\n"
        "      - text/event-stream; charset=utf-8\n    status:\n      code: 200\n      message: OK\n"
        "version: 1\n"
    )


def vcrpy_dumped(body: bytes) -> str:
    """vcrpy's own serializer (yaml.dump): the body becomes a quoted scalar, not line-mappable."""
    interaction = {
        "request": {"body": None, "headers": {}, "method": "POST", "uri": URL},
        "response": {
            "body": {"string": body.decode()},
            "headers": {"Content-Type": ["text/event-stream"]},
            "status": {"code": 200, "message": "OK"},
        },
    }
    return yaml.dump({"interactions": [interaction], "version": 1})


def vcrpy_gzip(body: bytes) -> str:
    """vcrpy without decode_compressed_response: gzip bytes stored as ``!!binary``."""
    interaction = {
        "request": {"body": None, "headers": {}, "method": "POST", "uri": URL},
        "response": {
            "body": {"string": gzip.compress(body)},
            "headers": {"Content-Encoding": ["gzip"], "Content-Type": ["text/event-stream"]},
            "status": {"code": 200, "message": "OK"},
        },
    }
    return yaml.dump({"interactions": [interaction], "version": 1})


def govcr(body: bytes) -> str:
    """go-vcr v2 (charmbracelet/fantasy): ``url``, ``code``, and the body as a bare ``|+`` scalar."""
    return (
        "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n"
        "    body: '{\"stream\":true}'\n    headers:\n      Content-Type:\n      - application/json\n"
        f"    url: {URL}\n    method: POST\n"
        "  response:\n    proto: HTTP/2.0\n    content_length: -1\n    body: "
        + _literal(body.decode(), 6)
        + "    headers:\n      Content-Type:\n      - text/event-stream; charset=utf-8\n"
        "    status: 200 OK\n    code: 200\n    duration: 170.89ms\n"
    )


def ruby_vcr(body: bytes) -> str:
    """Ruby VCR (ruby-openai): ``http_interactions``, body ``{encoding, string}``."""
    return (
        "---\nhttp_interactions:\n- request:\n    method: post\n"
        f"    uri: {URL}\n    body:\n      encoding: UTF-8\n"
        "      string: '{\"stream\":true}'\n    headers:\n      Content-Type:\n      - application/json\n"
        "  response:\n    status:\n      code: 200\n      message: OK\n    headers:\n"
        "      Content-Type:\n      - text/event-stream; charset=utf-8\n    body:\n      encoding: UTF-8\n"
        "      string: " + _literal(body.decode(), 8) + "  recorded_at: Fri, 14 Mar 2025 15:09:43 GMT\n"
        "recorded_with: VCR 6.1.0\n"
    )


def ruby_vcr_base64_gzip(body: bytes) -> str:
    """Ruby VCR for a binary (gzip) body: ``base64_string``."""
    b64 = base64.encodebytes(gzip.compress(body)).decode()
    block = "".join(f"        {line}\n" for line in b64.splitlines())
    return (
        "---\nhttp_interactions:\n- request:\n    method: post\n"
        f"    uri: {URL}\n    body:\n      encoding: UTF-8\n      string: ''\n"
        "  response:\n    status:\n      code: 200\n      message: OK\n    headers:\n"
        "      Content-Type:\n      - text/event-stream\n      Content-Encoding:\n      - gzip\n"
        "    body:\n      encoding: ASCII-8BIT\n      base64_string: |\n"
        + block
        + "recorded_with: VCR 6.1.0\n"
    )


def har(body: bytes, encoding: str | None = None) -> str:
    text = body.decode()
    content: dict[str, object] = {"size": len(body), "mimeType": "text/event-stream", "text": text}
    headers = [{"name": "Content-Type", "value": "text/event-stream"}]
    if encoding == "base64":
        content.update(text=base64.b64encode(body).decode(), encoding="base64")
    elif encoding == "base64+gzip":
        content.update(text=base64.b64encode(gzip.compress(body)).decode(), encoding="base64")
        headers.append({"name": "Content-Encoding", "value": "gzip"})
    models = {
        "request": {"method": "GET", "url": "https://api.openai.com/v1/models", "headers": []},
        "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": "{}"}},
    }
    entry = {
        "request": {"method": "POST", "url": URL, "headers": []},
        "response": {"status": 200, "statusText": "OK", "headers": headers, "content": content},
    }
    return json.dumps(
        {"log": {"version": "1.2", "creator": {"name": "test"}, "entries": [models, entry]}}, indent=2
    )


SHAPES: dict[str, tuple[Callable[[bytes], str], bool]] = {
    # name: (builder, body maps line for line)
    "vcrpy-literal": (vcrpy_literal, True),
    "vcrpy-dumped": (vcrpy_dumped, False),
    "vcrpy-gzip-binary": (vcrpy_gzip, False),
    "go-vcr": (govcr, True),
    "ruby-vcr": (ruby_vcr, True),
    "ruby-vcr-base64-gzip": (ruby_vcr_base64_gzip, False),
    "har": (lambda b: har(b), False),
    "har-base64": (lambda b: har(b, "base64"), False),
    "har-base64-gzip": (lambda b: har(b, "base64+gzip"), False),
}


# ---------------------------------------------------------------- comparing findings

_BODY_LINE = re.compile(r"^body line (\d+), column (\d+)$")


#: A body recorded for a /v1/responses call is checked as a Responses stream, whatever it holds
#: (corpus 068 is Chat Completions chunks on that endpoint): the bare body is checked the same way.
BARE = CheckOptions(protocol="responses")


def _bare(body: bytes) -> list[tuple[str, int, int]]:
    return sorted((f.rule, f.line, f.column) for f in check_bytes(body, "bare.sse", BARE).findings)


def _in_container(text: str, path: str = "c") -> list[tuple[str, int, int]]:
    result = check_container(text.encode(), path, OPTIONS)
    assert result.error is None, result.error
    out = []
    for f in result.findings:
        (m,) = [m for m in map(_BODY_LINE.match, f.details) if m]
        out.append((f.rule, int(m.group(1)), int(m.group(2))))
    return sorted(out)


def _literal_body_start(text: str) -> int:
    """1-based container line of the body's first line (the line after the ``|+`` indicator)."""
    lines = text.split("\n")
    last = max(i for i, line in enumerate(lines) if re.search(r"(string|body): \|[+-]$", line))
    return last + 2


def _broken(body: bytes) -> bytes:
    """Our stream with defects at known places: a dropped event and a wrong delta."""
    lines = body.split(b"\n")
    out = lines[:6] + lines[9:]  # drops output_item.added's event (a sequence gap and an unknown item)
    return b"\n".join(out).replace(b'"delta":"Hel', b'"delta":"Hal', 1)


OWN = {
    "text": to_sse(text_events("Hello there, friend!")),
    "function-call": to_sse(function_call_events()),
    "broken": _broken(to_sse(text_events("Hello there, friend!"))),
    **{p.name: p.read_bytes() for p in sorted(SEEDS.glob("*.sse"))},
    **{p.name: p.read_bytes() for p in sorted((ROOT / "corpus" / "streams").glob("*.sse"))},
}


def test_broken_stream_has_findings() -> None:
    # Guards the acceptance tests below against comparing two empty lists.
    assert len(_bare(OWN["broken"])) >= 2


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", OWN)
def test_own_streams_same_findings_in_every_shape(shape: str, name: str) -> None:
    build, _ = SHAPES[shape]
    body = OWN[name]
    assert _in_container(build(body)) == _bare(body)


@pytest.mark.parametrize("shape", [s for s, (_, literal) in SHAPES.items() if literal])
def test_literal_bodies_map_to_container_lines(shape: str) -> None:
    build, _ = SHAPES[shape]
    body = OWN["broken"]
    text = build(body)
    first = _literal_body_start(text)
    bare = check_bytes(body, "bare.sse", OPTIONS).findings
    found = check_container(text.encode(), "cassette.yaml", OPTIONS).findings
    assert [f.rule for f in found] == [f.rule for f in bare]
    container_lines = text.encode().split(b"\n")
    for f, b in zip(found, bare, strict=True):
        assert f.path == "cassette.yaml"
        assert f.line == first + b.line - 1
        assert f.message.startswith(
            f"interaction {2 if shape == 'vcrpy-literal' else 1}, body line {b.line}: "
        )
        # the column and the byte offset land on the same character as in the bare stream
        indent = len(container_lines[f.line - 1]) - len(container_lines[f.line - 1].lstrip())
        assert f.column == b.column + indent
        line_start = sum(len(x) + 1 for x in container_lines[: f.line - 1])
        assert text.encode()[f.offset :][:20] == body[b.offset :][:20]
        assert f.offset >= line_start


@pytest.mark.parametrize("shape", [s for s, (_, literal) in SHAPES.items() if not literal])
def test_encoded_bodies_point_at_the_interaction(shape: str) -> None:
    build, _ = SHAPES[shape]
    text = build(OWN["broken"])
    streams = list(iter_streams(text.encode()))
    assert len(streams) == 1
    assert streams[0].line_map(1) is None
    found = check_container(text.encode(), "c", OPTIONS).findings
    assert found and {f.line for f in found} == {streams[0].line}
    raw = text.encode()
    assert raw[streams[0].offset :].lstrip(b"- ").startswith((b"request", b"{", b"id"))


def test_only_responses_stream_interactions_are_checked() -> None:
    text = vcrpy_literal(OWN["text"])
    streams = list(iter_streams(text.encode()))
    assert [(s.label, s.method, s.url) for s in streams] == [("interaction 2", "POST", URL)]
    assert streams[0].body == OWN["text"]


def _interaction_line(text: str, number: int) -> int:
    """1-based line of the n-th ``- request:`` / ``- id:`` item of a cassette."""
    starts = [i for i, line in enumerate(text.split("\n"), 1) if re.match(r"- (request|id):", line)]
    return starts[number - 1]


def test_json_answer_to_a_stream_request_is_not_an_event_stream() -> None:
    # The request says "stream": true; a 200 JSON answer is what a server ignoring it sends.
    response = json.dumps({"id": "resp_1", "object": "response", "status": "completed"}, indent=2)
    text = vcrpy_literal(response.encode()).replace("text/event-stream; charset=utf-8", "application/json")
    result = check_container(text.encode(), "c.yaml", OPTIONS)
    assert result.error is None and result.events == 0
    (f,) = result.findings
    assert (f.rule, f.line, f.column) == ("RSP014", _interaction_line(text, 2), 3)
    assert f.message.startswith(
        "interaction 2: stream: true request answered with HTTP 200 (application/json)"
    )
    assert '{\\n  "id": "resp_1"' in f.message  # the first bytes, on one line
    assert text.encode()[f.offset :].startswith(b"request:")


def test_json_answer_to_a_non_stream_request_is_fine() -> None:
    text = vcrpy_literal(b'{"id": "resp_1"}').replace("text/event-stream; charset=utf-8", "application/json")
    text = text.replace("""body: '{"stream": true}'""", """body: '{"stream": false}'""")
    result = check_container(text.encode(), "c.yaml", OPTIONS)
    assert (result.error, result.events, result.findings) == (None, 0, [])


def test_resumed_get_answered_with_json_is_not_an_event_stream() -> None:
    # GET /responses/{id}?stream=true asks for a stream in its URL.
    text = (
        vcrpy_literal(b'{"id": "resp_1", "status": "completed"}')
        .replace(f"method: POST\n    uri: {URL}", f"method: GET\n    uri: {URL}/resp_1?stream=true")
        .replace("text/event-stream; charset=utf-8", "application/json")
    )
    assert [f.rule for f in check_container(text.encode(), "c.yaml", OPTIONS).findings] == ["RSP014"]


def test_sniffed_stream_without_content_type_is_not_rsp014() -> None:
    # go-vcr files sometimes drop headers: a body that starts like SSE still counts as a stream.
    text = govcr(OWN["text"]).replace("      Content-Type:\n      - text/event-stream; charset=utf-8\n", "")
    assert "text/event-stream" not in text
    result = check_container(text.encode(), "c.yaml", OPTIONS)
    assert result.findings == [] and result.events > 0


def _har_answer(status: int, mime: str, body: str, request_body: str | None = '{"stream":true}') -> str:
    request: dict[str, object] = {"method": "POST", "url": URL, "headers": []}
    if request_body is not None:
        request["postData"] = {"mimeType": "application/json", "text": request_body}
    entry = {
        "request": request,
        "response": {
            "status": status,
            "headers": [{"name": "Content-Type", "value": mime}],
            "content": {"size": len(body), "mimeType": mime, "text": body},
        },
    }
    return json.dumps({"log": {"version": "1.2", "entries": [entry]}}, indent=2)


def test_har_json_answer_to_a_stream_request() -> None:
    text = _har_answer(200, "application/json", '{"id": "resp_1"}')
    (f,) = check_container(text.encode(), "s.har", OPTIONS).findings
    assert (f.rule, f.line) == ("RSP014", 5)  # the entry's opening brace
    assert f.message.startswith("entry 1: ")
    assert check_container(_har_answer(200, "application/json", "{}", None).encode(), "s.har").findings == []


@pytest.mark.parametrize(
    ("status", "mime", "body"),
    [
        (400, "text/html", "<html><body><h1>400 Bad Request</h1></body></html>"),
        (
            422,
            "application/json",
            '{"detail": [{"loc": ["body", "input"], "msg": "Input should be a valid list"}]}',
        ),
        (500, "text/plain", "Internal Server Error"),
        (502, "application/json", ""),
        (400, "application/json", '{"error": "input must be a string or a list"}'),
        (400, "text/event-stream", 'event: error\ndata: {"type":"error","message":"bad input"}\n\n'),
    ],
)
def test_error_answer_without_a_json_error_body(status: int, mime: str, body: str) -> None:
    text = _har_answer(status, mime, body)
    result = check_container(text.encode(), "s.har", OPTIONS)
    problems = [f for f in result.findings if f.rule == "RSP015"]
    assert [(f.line, f.column) for f in problems] == [(5, 7)]
    assert f"HTTP {status} ({mime})" in problems[0].message
    assert list(iter_answer_problems(text.encode())) and all(
        p.rule == "RSP015" for p in iter_answer_problems(text.encode())
    )


@pytest.mark.parametrize("status", [400, 404, 429, 500])
def test_json_error_answer_is_fine(status: int) -> None:
    body = json.dumps(
        {
            "error": {
                "message": "Invalid type for 'input'.",
                "type": "invalid_request_error",
                "param": "input",
                "code": None,
            }
        }
    )
    assert check_container(_har_answer(status, "application/json", body).encode(), "s.har").findings == []


def test_cassette_error_answer_and_ignore() -> None:
    # A proxy in front of the server answered 503 with a plain-text page.
    text = (
        vcrpy_literal(b"upstream connect error")
        .replace("text/event-stream; charset=utf-8", "text/plain")
        .replace(
            "status:\n      code: 200\n      message: OK\nversion",
            "status:\n      code: 503\n      message: Service Unavailable\nversion",
        )
    )
    assert [f.rule for f in check_container(text.encode(), "c.yaml", OPTIONS).findings] == ["RSP015"]
    # Answer findings honour --ignore / --select like every other finding.
    assert check_container(text.encode(), "c.yaml", CheckOptions(ignore=("RSP015",))).findings == []
    assert check_container(text.encode(), "c.yaml", CheckOptions(select=("RSP2",))).findings == []


def test_vcrpy_json_cassette() -> None:
    cassette = json.loads(json.dumps(yaml.safe_load(vcrpy_dumped(OWN["broken"]))))
    data = json.dumps(cassette, indent=1).encode()
    assert detect_kind(data) == "cassette"
    assert _in_container(data.decode()) == _bare(OWN["broken"])


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("POST", "https://api.openai.com/v1/responses", True),
        ("post", "https://x.openai.azure.com/openai/v1/responses?api-version=preview", True),
        ("GET", "https://api.openai.com/v1/responses/resp_1?stream=true&starting_after=3", True),
        ("GET", "https://api.openai.com/v1/responses/resp_1", False),
        ("POST", "https://api.openai.com/v1/responses/compact", False),
        ("POST", "https://api.openai.com/v1/chat/completions", False),
        ("DELETE", "https://api.openai.com/v1/responses/resp_1?stream=true", False),
    ],
)
def test_is_responses_request(method: str, url: str, expected: bool) -> None:
    assert is_responses_request(method, url) is expected


def test_resumed_get_stream_is_found() -> None:
    text = vcrpy_literal(OWN["text"]).replace(
        f"method: POST\n    uri: {URL}", f"method: GET\n    uri: {URL}/resp_1?stream=true&starting_after=0"
    )
    assert len(list(iter_streams(text.encode()))) == 1


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"interactions:\n- request: {}\n", "cassette"),
        (b"---\nhttp_interactions: []\n", "cassette"),
        (b'{"log": {"entries": []}}', "har"),
        (b'{"type": "response.created"}\n', None),
        (b"event: response.created\ndata: {}\n\n", None),
    ],
)
def test_detect_kind(data: bytes, kind: str | None) -> None:
    assert detect_kind(data) == kind


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"event: x\ndata: {}\n\n", "not a cassette"),
        (b"interactions: [\n", "not a readable YAML cassette"),
        (b'{"log": {"entries": [}', "not valid JSON"),
        (b"interactions:\n- request: \xff\n", "not valid UTF-8"),
    ],
)
def test_unreadable_containers_give_a_clear_error(data: bytes, message: str) -> None:
    result = check_container(data, "bad", OPTIONS)
    assert result.error is not None and message in result.error
    assert result.failed()
    with pytest.raises(ContainerError):
        list(iter_streams(data))


def test_undecodable_gzip_body_is_reported_not_raised() -> None:
    text = vcrpy_gzip(OWN["text"])
    broken = yaml.safe_load(text)
    broken["interactions"][0]["response"]["body"]["string"] = b"\x1f\x8b not really gzip"
    result = check_container(yaml.dump(broken).encode(), "c.yaml", OPTIONS)
    assert result.error is not None and "interaction 1" in result.error and "cannot decode" in result.error


def test_every_interaction_is_checked_separately() -> None:
    # Two streams in one cassette: each starts its own lifecycle (no RSP206/RSP203 across them).
    one = vcrpy_literal(OWN["text"])
    second = one.split("interactions:\n", 1)[1].split("version: 1")[0]
    text = one.replace("version: 1\n", second + "version: 1\n")
    result = check_container(text.encode(), "two.yaml", OPTIONS)
    assert result.error is None and result.findings == []
    assert result.events == 2 * check_bytes(OWN["text"]).events


# ---------------------------------------------------------------- the third-party captures


def _captures() -> list[Path]:
    if not SHARED_CORPUS.is_dir():
        return []
    return sorted(SHARED_CORPUS.glob("*.sse")) + sorted(SHARED_CORPUS.glob("*.jsonl"))


def _as_sse(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".jsonl":  # recorded payloads only: put them back into data: lines
        data = b"".join(b"data: " + line + b"\n\n" for line in data.splitlines() if line.strip())
    return data


@needs_shared
@pytest.mark.parametrize("shape", SHAPES)
def test_captures_same_findings_in_every_shape(shape: str) -> None:
    build, _ = SHAPES[shape]
    captures = _captures()
    assert len(captures) > 50
    mismatches = []
    for path in captures:
        body = _as_sse(path)
        if _in_container(build(body), path.name) != _bare(body):
            mismatches.append(path.name)
    assert mismatches == []
