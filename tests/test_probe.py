"""The live probe against a real HTTP server on 127.0.0.1 that replays good and broken answers."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SEEDS
from validator.engine import CheckOptions, check_file
from validator.tools.probe.command import (
    IMAGE_DATA_URL,
    SCENARIOS,
    ProbeError,
    probe_command,
    render,
    run_probe,
)
from validator.tools.probe.replay import ReplayServer, Reply, function_call_events, text_events, to_sse

TEXT = to_sse(text_events("Ahoy there, matey!"))
CALL = to_sse(function_call_events())
PERSON = to_sse(text_events('{"name":"Ann","age":41}', rid="resp_person"))
REFUSED = Reply.json({"error": {"message": "Invalid type for 'input'", "type": "invalid_request_error"}}, 400)
SEED = (SEEDS / "004_75bce7c82fd61a67.sse").read_bytes()

GOOD = {
    "basic-text": Reply.sse(SEED),
    "system-prompt": Reply.sse(TEXT),
    "tool-calling": Reply.sse(CALL),
    "image-input": Reply.sse(TEXT),
    "multi-turn": Reply.sse(TEXT),
    "streaming-tool-call": Reply.sse(CALL),
    "structured-output": Reply.sse(PERSON),
    "reasoning": Reply.sse(TEXT),
    "malformed-request": REFUSED,
}


def _gap(body: bytes) -> bytes:
    """Drop the in_progress event: sequence 0 then 2."""
    blocks = body.split(b"\n\n")
    return b"\n\n".join(blocks[:1] + blocks[2:])


def test_every_scenario_passes_against_good_answers(tmp_path: Path) -> None:
    with ReplayServer(GOOD) as server:
        results = run_probe(server.url, save_dir=tmp_path, timeout=10)
        requests = server.requests
    assert [r.scenario for r in results] == list(SCENARIOS)
    assert [(r.scenario, r.findings, r.error) for r in results if r.failed()] == []
    # what was sent: stream true, to {base}/responses, the scenario's own content
    assert {r.path for r in requests} == {"/v1/responses"}
    assert all(r.body["stream"] is True for r in requests)
    by_name = {r.headers["x-responses-validator-scenario"]: r.body for r in requests}
    assert IMAGE_DATA_URL in json.dumps(by_name["image-input"])
    assert by_name["tool-calling"]["tools"][0]["name"] == "get_weather"
    assert by_name["structured-output"]["text"]["format"]["type"] == "json_schema"
    assert "reasoning" in by_name["reasoning"]
    # every answer is saved byte for byte
    assert (tmp_path / "basic-text.sse").read_bytes() == SEED
    assert (tmp_path / "tool-calling.sse").read_bytes() == CALL
    assert (
        json.loads((tmp_path / "malformed-request.json").read_bytes())["error"]["type"]
        == "invalid_request_error"
    )


def test_the_image_is_a_real_png() -> None:
    import base64

    png = base64.b64decode(IMAGE_DATA_URL.split(",", 1)[1])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IHDR" in png and png.endswith(b"IEND\xaeB`\x82")


def test_broken_answers_fail_and_saved_transcripts_recheck_to_the_same_findings(tmp_path: Path) -> None:
    replies = {
        **GOOD,
        "basic-text": Reply.sse(_gap(TEXT)),  # a rule violation
        "tool-calling": Reply.sse(TEXT),  # valid stream, but no function call was made
        "streaming-tool-call": Reply.sse(TEXT),
        "structured-output": Reply.sse(TEXT),  # not JSON
        "malformed-request": Reply.sse(TEXT),  # accepted and streamed instead of refused
    }
    with ReplayServer(replies) as server:
        results = {r.scenario: r for r in run_probe(server.url, save_dir=tmp_path, timeout=10)}
    failed = {name for name, r in results.items() if r.failed()}
    assert failed == {
        "basic-text",
        "tool-calling",
        "streaming-tool-call",
        "structured-output",
        "malformed-request",
    }
    assert {f.rule for f in results["basic-text"].findings} >= {"RSP204"}
    assert [f.rule for f in results["tool-calling"].findings] == ["RSP260"]
    assert "no function_call item" in results["tool-calling"].findings[0].message
    # No function call at all: the item, its done, the arguments' done and the final item (the
    # argument deltas are optional in the openai profile).
    assert len([f for f in results["streaming-tool-call"].findings if f.rule == "RSP260"]) == 4
    assert "not JSON" in results["structured-output"].findings[0].message
    assert [f.rule for f in results["malformed-request"].findings] == ["RSP015"]
    # saved transcripts give the same rule findings when checked offline
    for name in ("basic-text", "system-prompt", "tool-calling"):
        result = results[name]
        assert result.path == str(tmp_path / f"{name}.sse")
        offline = check_file(result.path, CheckOptions())
        online = [f for f in result.findings if f.rule != "RSP260"]
        assert offline.findings == online


def test_json_200_instead_of_a_stream(tmp_path: Path) -> None:
    replies = {"basic-text": Reply.json({"id": "resp_1", "object": "response", "output": []})}
    with ReplayServer(replies) as server:
        (result,) = run_probe(server.url, ["basic-text"], save_dir=tmp_path, timeout=10)
    assert result.failed()
    (finding,) = result.findings
    assert finding.rule == "RSP014"
    assert "HTTP 200 (application/json)" in finding.message and '{"id": "resp_1"' in finding.message
    assert (tmp_path / "basic-text.txt").exists()


def test_http_error_answer_names_status_and_body() -> None:
    replies = {"basic-text": Reply.json({"error": {"message": "upstream exploded"}}, 500)}
    with ReplayServer(replies) as server:
        (result,) = run_probe(server.url, ["basic-text"], timeout=10)
    assert [f.rule for f in result.findings] == ["RSP014"]
    assert "HTTP 500" in result.findings[0].message and "upstream exploded" in result.findings[0].message


_REFUSALS = {
    401: (Reply.json({"error": {"message": "Incorrect API key provided: sk-****"}}, 401), "check it"),
    403: (Reply.json({"detail": "Project does not have access to model"}, 403), "check its permissions"),
    429: (
        Reply(
            b'{"error": {"message": "Rate limit reached"}}',
            429,
            "application/json",
            headers=(("Retry-After", "20"),),
        ),
        "retry later (Retry-After: 20)",
    ),
}


@pytest.mark.parametrize("status", sorted(_REFUSALS))
def test_a_refused_key_or_rate_limit_means_the_probe_could_not_run_not_rsp014(status: int) -> None:
    reply, advice = _REFUSALS[status]
    with ReplayServer(dict.fromkeys(GOOD, reply)) as server:
        results = run_probe(server.url, ["basic-text", "malformed-request"], timeout=10)
    for result in results:
        assert result.findings == [] and result.unsupported is None
        assert result.could_not_run is not None and result.could_not_run.startswith(f"HTTP {status} ")
        assert advice in result.could_not_run and result.error is not None and result.failed()
    assert "OPENAI_API_KEY" in results[0].could_not_run or status == 429
    assert any(
        w in results[0].could_not_run for w in ("Incorrect API key", "does not have access", "Rate limit")
    )


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github", "concise"])
def test_command_could_not_run_is_exit_2_in_every_format(fmt: str) -> None:
    reply, _ = _REFUSALS[401]
    with ReplayServer({**GOOD, "basic-text": reply}) as server:
        result = CliRunner().invoke(
            probe_command,
            ["--base-url", server.url, "--format", fmt, "--scenarios", "basic-text,tool-calling"],
        )
    assert result.exit_code == 2, result.output
    assert "error: the probe could not run: HTTP 401 Unauthorized: Incorrect API key" in result.stderr
    assert (
        "RSP014 not-an" not in result.stdout.split('"results"')[-1]
        if fmt == "sarif"
        else "RSP014" not in result.stdout
    )
    if fmt == "text":
        assert "ERROR  basic-text" in result.stdout and "PASS  tool-calling" in result.stdout
        assert result.stdout.rstrip().endswith("The probe could not run: 1 of 2 scenarios got HTTP 401.")
    elif fmt == "junit":
        (error,) = ET.fromstring(result.stdout).findall(".//testcase[@name='basic-text']/error")
        assert error.get("type") == "could-not-run" and "HTTP 401" in (error.get("message") or "")
    elif fmt == "json":
        (refused, passed) = json.loads(result.stdout)["files"]
        assert "HTTP 401" in refused["error"] and not refused["valid"] and passed["valid"]
    elif fmt != "concise":
        assert "HTTP 401" in result.stdout


def test_anthropic_probe_with_a_refused_key_could_not_run() -> None:
    body = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
    with ReplayServer({"messages-text": Reply.json(body, 401)}) as server:
        result = CliRunner().invoke(
            probe_command,
            ["--base-url", server.url, "--protocol", "anthropic", "--scenarios", "messages-text"],
        )
    assert result.exit_code == 2, result.output
    assert (
        "HTTP 401 Unauthorized: invalid x-api-key" in result.stderr and "ANTHROPIC_API_KEY" in result.stderr
    )
    assert "AN013" not in result.stdout


def test_a_scenario_the_server_declines_with_a_json_error_is_unsupported_not_rsp014() -> None:
    declined = {
        "error": {"message": "Image input is not supported by this model", "type": "invalid_request_error"}
    }
    replies = {**GOOD, "image-input": Reply.json(declined, 400)}
    with ReplayServer(replies) as server:
        results = {r.scenario: r for r in run_probe(server.url, ["image-input", "basic-text"], timeout=10)}
        text = render(list(results.values()), "text", server.url, CheckOptions())
        junit = ET.fromstring(render(list(results.values()), "junit", server.url, CheckOptions()))
    image = results["image-input"]
    assert image.findings == [] and not image.failed()
    assert image.unsupported == "HTTP 400: Image input is not supported by this model"
    assert "SKIP  image-input" in text and "scenario unsupported" in text
    assert junit.find(".//testcase[@name='image-input']/skipped") is not None
    assert junit.find("testsuite").get("skipped") == "1"


def test_an_html_4xx_is_still_not_an_event_stream() -> None:
    replies = {"basic-text": Reply(b"<html>Bad Request</html>", 400, "text/html")}
    with ReplayServer(replies) as server:
        (result,) = run_probe(server.url, ["basic-text"], timeout=10)
    assert [f.rule for f in result.findings] == ["RSP014"]


def test_argument_deltas_are_optional_in_the_openai_profile_only() -> None:
    # LM Studio and LiteLLM's bridge send a whole call's arguments in .done only (E4).
    whole = [e for e in function_call_events() if e["type"] != "response.function_call_arguments.delta"]
    for n, event in enumerate(whole):
        event["sequence_number"] = n
    replies = {"streaming-tool-call": Reply.sse(to_sse(whole))}
    with ReplayServer(replies) as server:
        (openai,) = run_probe(server.url, ["streaming-tool-call"], timeout=10)
        (spec,) = run_probe(
            server.url, ["streaming-tool-call"], options=CheckOptions(profile="open-responses"), timeout=10
        )
    assert [f.rule for f in openai.findings] == []
    assert any(f.rule == "RSP260" and "function_call_arguments.delta" in f.message for f in spec.findings)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_down_raises_a_clean_probe_error() -> None:
    port = _closed_port()
    with pytest.raises(ProbeError, match=rf"cannot connect to http://127.0.0.1:{port}/v1/responses"):
        run_probe(f"http://127.0.0.1:{port}/v1", ["basic-text"], timeout=5)


# ---------------------------------------------------------------- the command


def test_command_exit_codes_and_text_output(tmp_path: Path) -> None:
    runner = CliRunner()
    with ReplayServer(GOOD) as server:
        ok = runner.invoke(probe_command, ["--base-url", server.url, "--save", str(tmp_path / "out")])
    assert ok.exit_code == 0, ok.output
    assert "PASS  basic-text" in ok.output and "FAIL" not in ok.output
    assert (tmp_path / "out" / "reasoning.sse").exists()

    with ReplayServer({**GOOD, "tool-calling": Reply.sse(TEXT)}) as server:
        bad = runner.invoke(
            probe_command, ["--base-url", server.url, "--scenarios", "basic-text,tool-calling"]
        )
    assert bad.exit_code == 1
    assert "FAIL  tool-calling" in bad.output and "RSP260" in bad.output


def test_command_server_down_is_exit_2_with_one_line() -> None:
    result = CliRunner().invoke(probe_command, ["--base-url", f"http://127.0.0.1:{_closed_port()}/v1"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert (
        len(lines) == 1
        and lines[0].startswith("error: cannot connect to")
        and "Traceback" not in result.output
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--base-url", "http://127.0.0.1:1/v1", "--scenarios", "nope"],
        ["--base-url", "ftp://example"],
        ["--base-url", "http://127.0.0.1:1/v1", "--api-key-env", "RESPONSES_VALIDATOR_SURELY_UNSET"],
        [],
    ],
)
def test_command_usage_errors(args: list[str]) -> None:
    result = CliRunner().invoke(probe_command, args)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_api_key_is_sent_from_the_named_variable() -> None:
    with ReplayServer(GOOD) as server:
        result = CliRunner().invoke(
            probe_command,
            ["--base-url", server.url, "--api-key-env", "PROBE_TEST_KEY", "--scenarios", "basic-text"],
            env={"PROBE_TEST_KEY": "sk-test"},
        )
        sent = server.requests[0].headers
    assert result.exit_code == 0, result.output
    assert sent["authorization"] == "Bearer sk-test"


def test_junit_has_one_testcase_per_scenario() -> None:
    with ReplayServer({**GOOD, "multi-turn": Reply.sse(_gap(TEXT))}) as server:
        result = CliRunner().invoke(probe_command, ["--base-url", server.url, "--format", "junit"])
    assert result.exit_code == 1
    root = ET.fromstring(result.output)
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == list(SCENARIOS)
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["multi-turn"]
    assert root.get("tests") == str(len(SCENARIOS)) and root.get("failures") == "1"


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_other_formats_render_probe_results(fmt: str) -> None:
    with ReplayServer({**GOOD, "tool-calling": Reply.sse(TEXT)}) as server:
        result = CliRunner().invoke(
            probe_command, ["--base-url", server.url, "--format", fmt, "--scenarios", "tool-calling"]
        )
    assert result.exit_code == 1
    assert "RSP260" in result.output
