"""A saved exchange re-checks offline exactly as the proxy checked it live (``--save DIR``).

What made them differ: a whole (non-streaming) answer, which the proxy checks against its
protocol's answer schema while ``check`` read the saved ``NNNN.json`` as a one-event transcript;
the request, which the proxy had and ``check`` had not (Chat Completions' ``n``,
``stream_options.include_usage``, a forced ``tool_choice``); and the HTTP status and content type,
which judge an answer that is not a stream (an error answer, a 2xx answer that is not JSON).
``check NNNN.json`` recognises an answer from its content; ``check NNNN.exchange`` (and ``check
--request NNNN.exchange BODY``) re-checks the whole exchange from the proxy's saved record.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from aiohttp import web
from click.testing import CliRunner
from conftest import CORPUS
from proxy_support import aio_upstream, running_proxy

from tests.test_proxy import COMPLETION, MESSAGE, STREAMS, _json_answers, _whole_answers, _ws_upstream
from tests.test_proxy_backlog import BIG, LIMIT, Reader, _checker, _stopped
from validator.cli import cli
from validator.engine import CheckOptions, check_bytes, check_file
from validator.engine.exchange import AWS_EVENT_STREAM, SessionLines, for_route, route_protocol
from validator.engine.websocket import WebSocketStream
from validator.model.findings import Finding
from validator.tools.probe.replay import ReplayServer, Reply
from validator.tools.proxy.exchange import ExchangeCheck, ExchangeResult, WebSocketCheck, ws_message
from validator.tools.proxy.save import Saver

TIMEOUT = httpx.Timeout(20.0)
#: A clean one-choice Chat Completions stream, no usage chunk.
CHAT_STREAM = (CORPUS / "streams" / "chat" / "tool_call.sse").read_bytes()


async def _chat_stream(request: web.Request) -> web.StreamResponse:
    return web.Response(body=CHAT_STREAM, headers={"Content-Type": "text/event-stream"})


@pytest.fixture(scope="module")
def upstream() -> str:
    routes = {
        "/v1/responses": _json_answers,
        "/v1/messages": _whole_answers,
        "/v1/chat/completions": _whole_answers,
        "/stream/v1/chat/completions": _chat_stream,
    }
    with aio_upstream(routes) as url:
        yield url


def _cli_file(*args: str) -> dict[str, Any]:
    """``check --format json ARGS``'s one file."""
    result = CliRunner().invoke(cli, ["check", "--format", "json", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    [file] = json.loads(result.stdout)["files"]
    return file


def _cli_findings(*args: str) -> list[dict[str, object]]:
    return _cli_file(*args)["findings"]


def _as_reported(findings: list[Finding]) -> list[tuple[object, ...]]:
    return [(f.rule, f.severity.value, f.line, f.column, f.pointer, f.message) for f in findings]


def _from_json(findings: list[dict[str, object]]) -> list[tuple[object, ...]]:
    keys = ("rule", "severity", "line", "column", "pointer", "message")
    return [tuple(f.get(k) or ("" if k == "pointer" else None) for k in keys) for f in findings]


@pytest.mark.parametrize(
    ("path", "kind", "rules"),
    [
        ("/v1/responses", "good", []),
        ("/v1/responses", "bad", ["RSP103"]),
        ("/v1/messages", "good", []),
        ("/v1/messages", "bad", ["AN103", "AN103"]),
        ("/v1/chat/completions", "good", []),
        ("/v1/chat/completions", "bad", ["CH100"]),
    ],
)
def test_a_saved_whole_answer_rechecks_with_the_proxys_findings(
    upstream: str, path: str, kind: str, rules: list[str], tmp_path: Path
) -> None:
    body = {"model": "m", "max_tokens": 64, "messages": [], "input": "hi"}
    with running_proxy(upstream, save_dir=tmp_path) as proxy:
        httpx.post(proxy.url + path, json=body, headers={"X-Kind": kind}, timeout=TIMEOUT)
        [result] = proxy.wait_results(1)
    saved = tmp_path / "0001.json"
    assert [f.rule for f in result.findings] == rules
    offline = check_file(saved)
    assert offline.findings == result.findings
    assert (offline.error, offline.input_format) == (None, "json")
    # The command line (the file named as the proxy names it) reports the same.
    assert _from_json(_cli_findings(str(saved))) == _as_reported(result.findings)


def test_a_whole_answer_is_recognised_from_content_not_from_events() -> None:
    """An event that is a whole JSON document on its own stays a one-event transcript."""
    chunk = CHAT_STREAM.split(b"\n\n")[0].removeprefix(b"data: ")
    assert check_bytes(chunk, "c.json").events == 1
    completion = json.dumps({"object": "chat.completion", "choices": "none"}).encode()
    result = check_bytes(completion, "c.json")
    assert (result.events, [f.rule for f in result.findings]) == (0, ["CH100"])
    # A protocol named on the command line is held to: a chat.completion is not a Response.
    named = check_bytes(completion, "c.json", CheckOptions(protocol="responses"))
    assert "RSP103" not in {f.rule for f in named.findings} and named.findings


def test_a_chat_stream_rechecks_with_its_saved_request(upstream: str, tmp_path: Path) -> None:
    """The proxy gives the check the request (n=2 here), and ``check
    --request`` on the saved record or on the request body gives the same findings."""
    with running_proxy(upstream, save_dir=tmp_path) as proxy:
        client = openai.OpenAI(base_url=proxy.url + "/stream/v1", api_key="sk-SECRET", max_retries=0)
        with client:
            chunks = list(
                client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[{"role": "user", "content": "Weather in Paris?"}],
                    n=2,
                    stream=True,
                    stream_options={"include_usage": True},
                )
            )
        [result] = proxy.wait_results(1)
    assert len(chunks) == CHAT_STREAM.count(b"data: {")
    # The second choice asked for never comes (the stream has the usage chunk asked for).
    [finding] = result.findings
    assert (finding.rule, finding.message) == ("CH225", "choice 1 of the n=2 requested never appears")
    assert check_file(tmp_path / "0001.sse").findings == []  # without the request: silent

    record = tmp_path / "0001.exchange"
    assert b"sk-SECRET" not in record.read_bytes()
    live = _as_reported(result.findings)
    assert _from_json(_cli_findings("--request", str(record), str(tmp_path / "0001.sse"))) == live
    body = tmp_path / "request.json"
    body.write_text(json.dumps(json.loads(record.read_text())["request"]["body"]))
    assert _from_json(_cli_findings("--request", str(body), str(tmp_path / "0001.sse"))) == live


def test_a_saved_record_without_a_json_body_gives_no_request(tmp_path: Path) -> None:
    record = tmp_path / "0001.exchange"
    record.write_text(
        json.dumps(
            {
                "method": "POST",
                "path": "/v1/chat/completions",
                "request": {"headers": [], "body": "(12 bytes, not JSON: not saved)"},
                "response": {
                    "status": 200,
                    "headers": [["Content-Type", "text/event-stream"]],
                    "body_file": "0001.sse",
                },
                "note": None,
            }
        )
    )
    stream = tmp_path / "0001.sse"
    stream.write_bytes(CHAT_STREAM)
    assert _cli_findings("--request", str(record), str(stream)) == []


# ---------------------------------------------------------------- every kind of exchange

#: The final Response of a clean stream: the body of a non-streaming Responses answer.
RESPONSE = json.loads(STREAMS["text"].split(b"data: ")[-1])["response"]
ERROR = {"error": {"message": "no such model", "type": "invalid_request_error", "param": None, "code": None}}


def _dump(value: object) -> bytes:
    return json.dumps(value).encode()


#: name -> (path, request body, status, content type, answer body). One exchange each, in order.
EXCHANGES: dict[str, tuple[str, dict[str, Any], int, str, bytes]] = {
    "responses-stream": ("/v1/responses", {"stream": True}, 200, "text/event-stream", STREAMS["text"]),
    "responses-stream-broken": ("/v1/responses", {"stream": True}, 200, "text/event-stream", STREAMS["gap"]),
    "responses-json": ("/v1/responses", {}, 200, "application/json", _dump(RESPONSE)),
    "responses-json-broken": (
        "/v1/responses",
        {},
        200,
        "application/json",
        _dump({**RESPONSE, "status": 7, "output": "nope"}),
    ),
    "error-404": ("/v1/responses", {"stream": True}, 404, "application/json", _dump(ERROR)),
    "error-503": ("/v1/responses", {}, 503, "application/json; charset=utf-8", _dump(ERROR)),
    "error-not-json": ("/v1/responses", {"stream": True}, 502, "text/html", b"<h1>502 Bad Gateway</h1>"),
    "error-shape": ("/v1/responses", {}, 400, "application/json", _dump({"detail": "bad request"})),
    "plain-text-2xx": ("/v1/responses", {}, 200, "text/plain", b"OK"),
    "json-as-text-2xx": (
        "/v1/responses",
        {},
        200,
        "text/plain",
        _dump({**RESPONSE, "status": 7}),
    ),
    "stream-answered-json": ("/v1/responses", {"stream": True}, 200, "application/json", _dump(RESPONSE)),
    "gzip-stream": ("/v1/responses", {"stream": True}, 200, "text/event-stream", STREAMS["gap"]),
    "chat-stream-n2": (
        "/v1/chat/completions",
        {"model": "m", "messages": [], "stream": True, "n": 2},
        200,
        "text/event-stream",
        CHAT_STREAM,
    ),
    "chat-json": (
        "/v1/chat/completions",
        {"model": "m", "messages": []},
        200,
        "application/json",
        _dump(COMPLETION),
    ),
    "chat-json-n2": (
        "/v1/chat/completions",
        {"model": "m", "messages": [], "n": 2},
        200,
        "application/json",
        _dump(COMPLETION),
    ),
    "chat-error-200": (
        "/v1/chat/completions",
        {"model": "m", "messages": []},
        200,
        "application/json",
        _dump(ERROR),
    ),
    "anthropic-stream": (
        "/v1/messages",
        {"model": "m", "max_tokens": 8, "messages": [], "stream": True},
        200,
        "text/event-stream",
        (CORPUS / "anthropic" / "overloaded_mid_stream.sse").read_bytes(),
    ),
    "anthropic-json": (
        "/v1/messages",
        {"model": "m", "max_tokens": 8, "messages": []},
        200,
        "application/json",
        _dump({**MESSAGE, "usage": {"input_tokens": -1, "output_tokens": 1}}),
    ),
    "anthropic-error": (
        "/v1/messages",
        {"model": "m", "max_tokens": 8, "messages": []},
        529,
        "application/json",
        _dump({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    ),
}
#: What the proxy reports live for each (the rules, in order): the matrix is not all clean.
LIVE_RULES = {
    "responses-stream": [],
    "responses-stream-broken": ["RSP204", "RSP301"],
    "responses-json": [],
    "responses-json-broken": ["RSP103"],
    "error-404": [],
    "error-503": [],
    "error-not-json": ["RSP015"],
    "error-shape": ["RSP015"],
    "plain-text-2xx": ["RSP002"],
    "json-as-text-2xx": ["RSP103"],
    "stream-answered-json": ["RSP014"],
    "gzip-stream": ["RSP204", "RSP301"],
    "chat-stream-n2": ["CH225"],
    "chat-json": [],
    "chat-json-n2": ["CH226"],
    "chat-error-200": ["CH100"],
    "anthropic-stream": ["AN219"],
    "anthropic-json": ["AN103"],
    "anthropic-error": [],
}


async def _matrix_answer(request: web.Request) -> web.StreamResponse:
    name = request.headers["X-Exchange"]
    _, _, status, content_type, body = EXCHANGES[name]
    headers = {"Content-Type": content_type}
    if name.startswith("gzip"):
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return web.Response(status=status, body=body, headers=headers)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The proxy with ``--save`` in front of an upstream answering every exchange of
    :data:`EXCHANGES` once, in order: the saving folder, and each exchange's live result."""
    saved = tmp_path_factory.mktemp("saved")
    paths = {path for path, *_ in EXCHANGES.values()}
    with (
        aio_upstream(dict.fromkeys(paths, _matrix_answer)) as url,
        running_proxy(url, save_dir=saved) as proxy,
    ):
        with httpx.Client(timeout=TIMEOUT) as client:
            for name, (path, body, status, _, answer) in EXCHANGES.items():
                headers = {"X-Exchange": name, "Authorization": "Bearer sk-MATRIX-SECRET"}
                via = client.post(proxy.url + path, json=body, headers=headers)
                assert (via.status_code, via.content) == (status, answer)  # passed on unchanged
        results = proxy.wait_results(len(EXCHANGES))
    assert b"sk-MATRIX-SECRET" not in b"".join(p.read_bytes() for p in saved.iterdir())
    return saved, dict(zip(EXCHANGES, results, strict=True))


@pytest.mark.parametrize("name", list(EXCHANGES))
def test_every_saved_exchange_rechecks_as_the_proxy_checked_it(
    matrix: tuple[Path, dict[str, Any]], name: str
) -> None:
    """``check NNNN.exchange`` and ``check --request NNNN.exchange BODY`` report exactly the
    proxy's findings (rule, severity, place, message) under the name the proxy gave them."""
    saved, results = matrix
    result = results[name]
    assert result.checked, result.error
    assert [f.rule for f in result.findings] == LIVE_RULES[name]
    record = saved / f"{result.number:04d}.exchange"
    body = json.loads(record.read_text())["response"]["body_file"]
    assert result.path == str(saved / body)
    live = _as_reported(result.findings)

    whole = _cli_file(str(record))
    assert (whole["path"], _from_json(whole["findings"])) == (result.path, live)
    given = _cli_file("--request", str(record), str(saved / body))
    assert (given["path"], _from_json(given["findings"])) == (result.path, live)
    # The library gives the same findings as the command line: Finding for Finding.
    assert check_file(record).findings == result.findings


def test_an_exchange_the_upstream_never_answered_rechecks_from_its_record(tmp_path: Path) -> None:
    """No answer, no body: the record alone re-checks (its findings name it, live and offline)."""
    with socket_closed_port() as dead, running_proxy(f"http://127.0.0.1:{dead}", save_dir=tmp_path) as proxy:
        via = httpx.post(proxy.url + "/v1/responses", json={"stream": True}, timeout=TIMEOUT)
        [result] = proxy.wait_results(1)
    assert via.status_code == 502
    record = tmp_path / "0001.exchange"
    assert result.path == str(record) and result.findings
    assert all(f.message.startswith("upstream failed before answering") for f in result.findings)
    whole = _cli_file(str(record))
    assert (whole["path"], _from_json(whole["findings"])) == (result.path, _as_reported(result.findings))


@contextlib.contextmanager
def socket_closed_port() -> Iterator[int]:
    """A local port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


def _record(tmp_path: Path, **response: object) -> Path:
    record = tmp_path / "0001.exchange"
    answer = {"status": 200, "headers": [["Content-Type", "text/event-stream"]], "body_file": "0001.sse"}
    record.write_text(
        json.dumps(
            {
                "method": "POST",
                "path": "/v1/responses",
                "request": {"headers": [], "body": {"stream": True}},
                "response": {**answer, **response},
                "note": None,
            }
        )
    )
    return record


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ({}, "cannot read {dir}/0001.sse: no such file or directory"),
        ({"body_file": None}, "{dir}/0001.exchange: the proxy saved no body for this exchange"),
        (
            {"body_file": "../0001.sse"},
            "the record's body_file '../0001.sse' is not the name of a file beside it",
        ),
        ({"status": "200"}, "the record's status '200' is not an HTTP status"),
    ],
)
def test_a_record_without_a_readable_body_is_a_clear_error(
    tmp_path: Path, response: dict[str, object], message: str
) -> None:
    record = _record(tmp_path, **response)
    result = CliRunner().invoke(cli, ["check", str(record)])
    assert result.exit_code == 2, result.output
    assert message.format(dir=tmp_path) in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_file_named_exchange_that_is_no_record_is_a_clear_error(tmp_path: Path) -> None:
    for text in ("{}", "not json", '{"method": "POST"}'):
        record = tmp_path / "x.exchange"
        record.write_text(text)
        result = CliRunner().invoke(cli, ["check", str(record)])
        assert result.exit_code == 2 and "not an exchange record of `proxy --save`" in result.stderr
        assert "Traceback" not in result.output + result.stderr


def test_a_folder_check_walks_past_the_records(tmp_path: Path) -> None:
    """``check DIR`` checks the bodies alone; the records are named one by one (or by a glob)."""
    record = _record(tmp_path)
    (tmp_path / "0001.sse").write_bytes(STREAMS["gap"])
    by_folder = _cli_file(str(tmp_path))
    assert by_folder["path"] == str(tmp_path / "0001.sse")
    by_record = _cli_file(str(record))
    assert _from_json(by_record["findings"]) == _from_json(by_folder["findings"])


def test_a_stream_the_client_left_rechecks_as_it_was_judged_live(tmp_path: Path) -> None:
    """Live, a stream the client left is judged only by what had arrived (its missing end is not
    the server's doing); its record says so, and the re-check judges it the same way."""
    body = STREAMS["gap"]
    cut = body.index(b"\n\n", body.index(b'"sequence_number":5')) + 2  # past the gap

    async def left(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(body[:cut])
        with contextlib.suppress(ConnectionError):
            for _ in range(500):  # until the proxy, finding the client gone, closes this side
                await asyncio.sleep(0.02)
                await response.write(b": keep-alive\n\n")
        return response

    with aio_upstream({"/v1/responses": left}) as url, running_proxy(url, save_dir=tmp_path) as proxy:
        with httpx.stream("POST", proxy.url + "/v1/responses", json={"stream": True}, timeout=TIMEOUT) as r:
            received = b""
            for piece in r.iter_raw():
                received += piece
                if len(received) >= cut:
                    break
        [result] = proxy.wait_results(1)
    assert result.note == "the client went away mid-answer"
    record = tmp_path / "0001.exchange"
    assert json.loads(record.read_text())["response"]["client_gone"] is True
    rules = {f.rule for f in result.findings}
    assert rules and "RSP209" not in rules  # the gap, not the missing end
    whole = _cli_file(str(record))
    assert (whole["path"], _from_json(whole["findings"])) == (result.path, _as_reported(result.findings))
    # The same body without the record is a stream cut short: the record is what says otherwise.
    assert "RSP209" in {f["rule"] for f in _cli_findings(result.path)}


def test_a_websocket_session_rechecks_from_its_record(tmp_path: Path) -> None:
    with aio_upstream({"/v1/responses": _ws_upstream}) as url, running_proxy(url, save_dir=tmp_path) as proxy:
        client = openai.OpenAI(base_url=proxy.url + "/v1", api_key="sk-ws-SECRET", max_retries=0, timeout=20)
        with client.responses.connect() as connection:
            for _ in range(2):
                connection.response.create(model="m", input="hi")
                for event in connection:
                    if event.type == "response.completed":
                        break
        [result] = proxy.wait_results(1)
    record = tmp_path / "0001.exchange"
    assert json.loads(record.read_text())["response"]["status"] == 101
    assert result.findings and result.path == str(tmp_path / "0001.jsonl")
    whole = _cli_file(str(record))
    assert (whole["path"], _from_json(whole["findings"])) == (result.path, _as_reported(result.findings))
    assert check_file(record).findings == result.findings


def test_a_report_is_never_written_over_a_records_body(tmp_path: Path) -> None:
    record = _record(tmp_path)
    body = tmp_path / "0001.sse"
    body.write_bytes(STREAMS["gap"])
    result = CliRunner().invoke(cli, ["check", str(record), "-o", str(body)])
    assert result.exit_code == 2 and "refusing to write" in result.stderr
    assert body.read_bytes() == STREAMS["gap"]


def _same_verdict(record: Path, result: Any) -> None:
    """``check RECORD`` gives the live result's verdict: its error (exit 2) and its findings."""
    outcome = CliRunner().invoke(cli, ["check", "--format", "json", str(record)])
    assert outcome.exit_code == 2, outcome.output
    [file] = json.loads(outcome.stdout)["files"]
    assert (file["error"], _from_json(file["findings"])) == (result.error, _as_reported(result.findings))
    assert result.error in outcome.stderr


def test_an_exchange_the_proxy_could_not_check_rechecks_to_the_same_verdict(tmp_path: Path) -> None:
    """A Content-Encoding the proxy cannot undo: live it is not checked (and no body is saved);
    the record says why, and the re-check says the same rather than judging nothing."""

    async def brotli(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Type": "text/event-stream", "Content-Encoding": "br"}
        return web.Response(body=b"\x1b\x03\x00\xf8\xa5\x02\x00", headers=headers)

    with aio_upstream({"/v1/responses": brotli}) as url, running_proxy(url, save_dir=tmp_path) as proxy:
        httpx.post(proxy.url + "/v1/responses", json={"stream": True}, timeout=TIMEOUT)
        [result] = proxy.wait_results(1)
    assert not result.checked and "Content-Encoding 'br'" in (result.error or "")
    record = tmp_path / "0001.exchange"
    assert json.loads(record.read_text())["unchecked"] == result.error
    _same_verdict(record, result)


def test_an_exchange_checked_in_part_rechecks_to_the_same_verdict(tmp_path: Path) -> None:
    """``--when-behind skip``: the check stopped where the checker fell behind, and the saved body
    ends there too; the re-check finds what the proxy found in it, with the proxy's verdict."""
    with (
        ReplayServer({"big": Reply(BIG, chunks=200)}) as server,
        running_proxy(
            server.url.removesuffix("/v1"), check_backlog=LIMIT, when_behind="skip", save_dir=tmp_path
        ) as proxy,
    ):
        reader = Reader(proxy.url)
        with _stopped(_checker(proxy)):
            reader.start()
            reader.join(30)
            assert reader.body == BIG
        [result] = proxy.wait_results(1, timeout=60)
    assert not result.checked and "not checked past byte" in (result.error or "")
    record = tmp_path / "0001.exchange"
    assert json.loads(record.read_text())["unchecked"] == result.error
    _same_verdict(record, result)


def test_a_secret_in_the_query_reaches_no_report(tmp_path: Path) -> None:
    """The exchange's target is shown redacted, as saved: in its label (the console line, JUnit
    case names) and in the findings that quote it, live and re-checked alike."""

    async def refused(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500, text="Internal Server Error")

    with aio_upstream({"/v1/responses": refused}) as url, running_proxy(url, save_dir=tmp_path) as proxy:
        httpx.post(proxy.url + "/v1/responses?api_key=qp-SECRET", json={}, timeout=TIMEOUT)
        [result] = proxy.wait_results(1)
    [finding] = result.findings
    assert finding.rule == "RSP015" and "api_key=[redacted]" in finding.message
    assert "qp-SECRET" not in result.label + finding.message
    assert _from_json(_cli_findings(str(tmp_path / "0001.exchange"))) == _as_reported(result.findings)


def _saved(tmp_path: Path, result: Any, method: str, target: str, **record: Any) -> Path:
    """The record ``proxy --save`` writes for ``result`` (the proxy's own writer)."""
    return Saver(tmp_path).write_exchange(
        result.number,
        method=method,
        target=target,
        request_headers=[],
        request_body=b"{}",
        status=result.status,
        response_headers=[("Content-Type", result.content_type)] if result.content_type else [],
        body_file=Path(result.saved[0]).name if result.saved else None,
        note=result.note,
        unchecked=None if result.checked else result.error,
        **record,
    )


def test_an_unanswered_exchange_left_unchecked_rechecks_to_its_verdict(tmp_path: Path) -> None:
    """No answer, and the checker process ended before the exchange's check did: live it is
    unchecked (exit 2), not a stream that never came (RSP012, exit 1); so is its re-check."""
    lost = ExchangeResult("<#1>", number=1, checked=False, error="not checked: the checker process ended")
    lost.note = "upstream failed before answering: timed out"
    record = _saved(tmp_path, lost, "POST", "/v1/responses")
    outcome = CliRunner().invoke(cli, ["check", "--format", "json", str(record)])
    assert outcome.exit_code == 2, outcome.output
    [file] = json.loads(outcome.stdout)["files"]
    assert (file["error"], file["findings"]) == (lost.error, [])
    assert check_file(record).error == lost.error
    # With the request named from the record and any body, the verdict is the same.
    given = CliRunner().invoke(cli, ["check", "--request", str(record), str(record)])
    assert given.exit_code == 2 and lost.error in given.stderr


def test_a_bedrock_stream_the_client_left_rechecks_as_an_eventstream(tmp_path: Path) -> None:
    """The proxy's own check of a Bedrock answer the client left (its binary event-stream), and
    the re-check of what it saved: the same findings, the same format."""
    body = (CORPUS / "anthropic" / "bedrock_eventstream.eventstream").read_bytes()
    target = "/model/m/invoke-with-response-stream"
    options = for_route(CheckOptions(), route_protocol("POST", target) or "")
    check = ExchangeCheck(1, "POST", target, b"{}", options, save_dir=tmp_path)
    assert check.start(200, AWS_EVENT_STREAM)
    check.feed(body[: len(body) // 2])
    live = check.finish("the client went away mid-answer", client_gone=True)
    assert live.input_format == "eventstream" and live.checked
    record = _saved(tmp_path, live, "POST", target, client_gone=True)
    again = check_file(record)
    assert (again.path, again.input_format, again.findings) == (live.path, "eventstream", live.findings)


def test_a_record_path_with_a_nul_is_a_clear_error() -> None:
    result = check_file("x\0.exchange")
    assert result.error == "cannot read x\\x00.exchange: invalid path (embedded null byte)"


def _session(tmp_path: Path, transcript: bytes, stop: int | None = None) -> tuple[Path, ExchangeResult]:
    """A WebSocket session through the proxy's own check (stopped after ``stop`` messages as
    ``--when-behind skip`` stops it), and the record it saves."""
    check = WebSocketCheck(1, "/v1/responses", CheckOptions(), save_dir=tmp_path)
    for number, line in enumerate(transcript.splitlines()):
        if number == stop:
            check.abandon(LIMIT)
        check.feed(ws_message(line.decode()))
    live = check.finish()
    return _saved(tmp_path, live, "GET", "/v1/responses"), live


@pytest.mark.parametrize("stop", [None, 7])
def test_a_websocket_session_is_read_once_as_it_comes(tmp_path: Path, stop: int | None) -> None:
    """Checked whole or only in part, a saved session's re-check reports its reading (progress)
    and finds what the proxy found."""
    transcript = (CORPUS / "rules" / "RSP403" / "bad.jsonl").read_bytes()
    record, live = _session(tmp_path, transcript, stop)
    assert live.checked is (stop is None)
    sizes: list[int] = []
    again = check_file(record, on_read=sizes.append)
    assert (again.error, again.findings) == (live.error, live.findings)
    assert sum(sizes) == Path(live.path).stat().st_size
    if stop is None:  # a last line without its newline (an edited transcript) is still checked
        body = Path(live.path)
        body.write_bytes(body.read_bytes().rstrip(b"\n"))
        assert check_file(record).findings == live.findings


def test_a_session_cut_anywhere_is_checked_line_by_line() -> None:
    transcript = (CORPUS / "implementers" / "gateway_5775_steer_as_create.jsonl").read_bytes()
    lines = SessionLines(WebSocketStream("s.jsonl"))
    by_byte = [f for i in range(len(transcript)) for f in lines.feed(transcript[i : i + 1])]
    assert by_byte == SessionLines(WebSocketStream("s.jsonl")).feed(transcript) != []
    assert sorted(by_byte, key=Finding.sort_key) == lines.session.close().findings
