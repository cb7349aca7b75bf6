"""The pytest plugin, run in a throwaway project with pytest in a subprocess."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import CORPUS, SEEDS
from validator.pytest_plugin import (
    StreamValidationError,
    assert_valid_stream,
    format_findings,
    is_stream_text,
)
from validator.tools.probe.replay import text_events, to_sse

pytest_plugins = ["pytester"]

GOOD = to_sse(text_events("All fine."))
#: GOOD with its second event's number out of order: RSP204 at 5:7.
BROKEN = GOOD.replace(b'"sequence_number":1', b'"sequence_number":7')


def _gap(body: bytes) -> bytes:
    blocks = body.split(b"\n\n")
    return b"\n\n".join(blocks[:1] + blocks[2:])


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_assert_valid_stream_accepts_events_bytes_and_paths(tmp_path: Path) -> None:
    path = tmp_path / "ok.sse"
    path.write_bytes(GOOD)
    assert_valid_stream(text_events())
    assert_valid_stream(GOOD)
    assert_valid_stream(path)
    assert_valid_stream(str(SEEDS / "004_75bce7c82fd61a67.sse"))


def test_failure_lists_findings_in_the_text_format(tmp_path: Path) -> None:
    path = tmp_path / "bad.sse"
    path.write_bytes(_gap(GOOD))
    with pytest.raises(AssertionError) as info:
        assert_valid_stream(path)
    message = str(info.value)
    assert f"{path}:5:7: RSP204 error: " in message
    assert isinstance(info.value, StreamValidationError)
    assert format_findings(info.value.result) in message


def test_options_are_passed_to_the_engine() -> None:
    events = text_events()[:-1]  # stops before its terminal event
    with pytest.raises(AssertionError, match="RSP209"):
        assert_valid_stream(events)
    assert_valid_stream(events, fragment=True)
    assert_valid_stream(events, ignore=("RSP209", "RSP228"))
    with pytest.raises(AssertionError, match="open-responses"):
        assert_valid_stream(events, profile="open-responses", fragment=True, path="open-responses")


@pytest.mark.parametrize(
    "text",
    [
        GOOD.decode(),
        "event: response.created",
        "  data: {}",
        ": keep-alive",
        "id: 1",
        "retry: 10",
        '{"type": "response.created"}',
        '[{"type": "response.created"}]',
        "stream.sse\n",
        "a\rb",
    ],
)
def test_a_str_that_holds_a_stream_is_content(text: str) -> None:
    assert is_stream_text(text)


@pytest.mark.parametrize(
    "text", ["fixtures/streams/tool.sse", "/tmp/x.jsonl", "C:\\streams\\a.sse", "data.sse", "events:x.sse"]
)
def test_a_str_without_a_line_break_or_a_stream_start_is_a_path(text: str) -> None:
    assert not is_stream_text(text)


def test_stream_text_is_checked_as_content_and_a_path_object_as_a_path(tmp_path: Path) -> None:
    assert assert_valid_stream(GOOD.decode()).path == "<str>"
    assert assert_valid_stream(GOOD.decode(), path="inline").path == "inline"
    with pytest.raises(AssertionError, match="RSP204"):
        assert_valid_stream(BROKEN.decode())
    # A Path is a path even when its name looks like content.
    odd = tmp_path / "data: x"
    odd.write_bytes(GOOD)
    assert_valid_stream(odd)
    with pytest.raises(AssertionError, match="could not be read"):
        assert_valid_stream(tmp_path / "event: missing")


def test_a_cassette_held_in_memory_is_recognised_as_one() -> None:
    # Read as a plain transcript, this cassette's YAML is a heap of RSP001 findings.
    good = CORPUS / "rules" / "RSP015" / "good.yaml"
    assert_valid_stream(good.read_text())
    assert_valid_stream(good.read_bytes())
    with pytest.raises(AssertionError, match="RSP015"):
        assert_valid_stream((CORPUS / "rules" / "RSP015" / "bad.yaml").read_text())


def test_the_failure_message_shows_findings_then_the_stream_once() -> None:
    for source in (BROKEN.decode(), BROKEN):
        with pytest.raises(AssertionError) as info:
            assert_valid_stream(source)
        message = str(info.value)
        name = "<str>" if isinstance(source, str) else "<bytes>"
        assert message.startswith(f"{name} is not a valid stream:\n{name}:5:7: RSP204 error: ")
        assert message.count('{"type":"response.created","sequence_number":0') == 1, message
        assert f"{name}, 33 lines:\n 1 | event: response.created\n" in message
        assert " 5 | data: " in message
        assert message.index("RSP204") < message.index(" 1 | event: response.created")


@pytest.mark.parametrize("ci", [None, "true"], ids=["desk", "ci"])
def test_plugin_frames_are_hidden_from_tracebacks(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str | None
) -> None:
    # On CI (the CI variable set) pytest's short summary prints a failure's whole message; the
    # plugin gives it one line, so the transcript is shown once there too.
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
        monkeypatch.delenv("BUILD_NUMBER", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    pytester.makepyfile(
        test_streams=f"""
        BROKEN = {BROKEN.decode()!r}

        def test_text(stream_validator):
            stream_validator(BROKEN, path="reply")
        """
    )
    run = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    out = run.stdout.str()
    run.assert_outcomes(failed=1)
    assert 'stream_validator(BROKEN, path="reply")' in out
    assert "reply is not a valid stream:" in out
    assert "reply:5:7: RSP204 error:" in out
    assert "pytest_plugin.py" not in out and "raise StreamValidationError" not in out, out
    assert out.count('"type":"response.created","sequence_number":0') == 1, out
    summary = next(line for line in out.splitlines() if line.startswith("FAILED test_streams.py::test_text"))
    if ci is not None:
        assert summary == (
            "FAILED test_streams.py::test_text - StreamValidationError: reply is not a valid stream: "
            "8 findings, first reply:5:7: RSP204 sequence_number 7 after 0: 6 missing"
        ), summary


def test_bad_sources_are_type_errors_and_missing_files_fail() -> None:
    with pytest.raises(TypeError):
        assert_valid_stream(42)
    with pytest.raises(TypeError):
        assert_valid_stream({"type": "response.created"})
    with pytest.raises(AssertionError, match="could not be read"):
        assert_valid_stream("/nonexistent/stream.sse")


def test_plugin_in_a_throwaway_project(tmp_path: Path) -> None:
    streams = tmp_path / "fixtures" / "streams"
    streams.mkdir(parents=True)
    (streams / "good.sse").write_bytes(GOOD)
    (streams / "bad.sse").write_bytes(_gap(GOOD))
    (streams / "lines.jsonl").write_bytes(
        b"".join(line[6:] + b"\n" for line in GOOD.splitlines() if line.startswith(b"data: "))
    )
    (streams / "notes.txt").write_text("not collected")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nresponses_validator_paths = fixtures/streams\ntestpaths = tests fixtures\n"
    )
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_api.py").write_text(
        textwrap.dedent(
            f"""
            from validator.pytest_plugin import assert_valid_stream

            GOOD = {GOOD!r}

            def test_fixture(responses_validator):
                responses_validator(GOOD)

            def test_function_fails():
                broken = GOOD.replace(b'"sequence_number":1', b'"sequence_number":7')
                assert_valid_stream(broken, path="inline")
            """
        )
    )
    run = _run(tmp_path, "-rA")
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "PASSED tests/test_api.py::test_fixture" in out
    assert "FAILED tests/test_api.py::test_function_fails" in out
    assert "inline:" in out and "RSP204 error" in out
    assert "PASSED fixtures/streams/good.sse::good.sse" in out
    assert "PASSED fixtures/streams/lines.jsonl::lines.jsonl" in out
    assert "FAILED fixtures/streams/bad.sse::bad.sse" in out
    assert "bad.sse:5:7: RSP204 error:" in out
    assert "notes.txt" not in out
    assert "2 failed, 3 passed" in out


def test_transcripts_are_not_collected_without_the_ini_option(tmp_path: Path) -> None:
    (tmp_path / "bad.sse").write_bytes(_gap(GOOD))
    (tmp_path / "test_ok.py").write_text("def test_ok():\n    pass\n")
    run = _run(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


def test_plugin_can_be_disabled(tmp_path: Path) -> None:
    (tmp_path / "test_uses_fixture.py").write_text("def test_x(responses_validator):\n    pass\n")
    run = _run(tmp_path, "-p", "no:llm_stream_validator")
    assert run.returncode == 1 and "fixture 'responses_validator' not found" in run.stdout
