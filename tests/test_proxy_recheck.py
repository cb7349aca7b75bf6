"""A saved exchange re-checks offline exactly as the proxy checked it live (``--save DIR``).

Two things made them differ: a whole (non-streaming) answer, which the proxy checks against its
protocol's answer schema while ``check`` read the saved ``NNNN.json`` as a one-event transcript;
and the request, which the proxy had and ``check`` had not (Chat Completions' ``n``,
``stream_options.include_usage``, a forced ``tool_choice``). ``check NNNN.json`` now recognises
the answer from its content, and ``check --request NNNN.exchange NNNN.sse`` takes the request
from the proxy's saved record.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import openai
import pytest
from aiohttp import web
from click.testing import CliRunner
from conftest import CORPUS
from proxy_support import aio_upstream, running_proxy

from tests.test_proxy import _json_answers, _whole_answers
from validator.cli import cli
from validator.engine import CheckOptions, check_bytes, check_file
from validator.model.findings import Finding

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


def _cli_findings(*args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["check", "--format", "json", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    [file] = json.loads(result.stdout)["files"]
    return file["findings"]


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
                "response": {"status": 200, "headers": [], "body_file": "0001.sse"},
                "note": None,
            }
        )
    )
    stream = tmp_path / "0001.sse"
    stream.write_bytes(CHAT_STREAM)
    assert _cli_findings("--request", str(record), str(stream)) == []
