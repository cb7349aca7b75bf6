"""The ``proxy`` command as a user runs it: a subprocess, stopped by a signal, with its reports."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from validator.tools.probe.replay import SCENARIO_HEADER, ReplayServer, Reply, text_events, to_sse

GOOD = to_sse(text_events())
BROKEN = to_sse(text_events()[:5])
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator", "proxy", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    match = re.match(r"proxy: listening on (http://127\.0\.0\.1:\d+), forwarding to ", first)
    if match is None:
        proc.kill()
        raise AssertionError(f"unexpected start: {first!r} {proc.communicate(timeout=10)}")
    assert "point the client at" in proc.stderr.readline()
    return proc, match.group(1)


def _stop(proc: subprocess.Popen[str], sig: int = signal.SIGINT) -> tuple[int, str, str]:
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, out, err


@pytest.fixture(scope="module")
def upstream() -> ReplayServer:
    with ReplayServer({"good": Reply.sse(GOOD), "broken": Reply.sse(BROKEN)}) as server:
        yield server


def _send(url: str, key: str) -> bytes:
    response = httpx.post(
        url + "/v1/responses",
        json={"model": "m", "stream": True},
        headers={SCENARIO_HEADER: key, "Authorization": "Bearer sk-cli-SECRET"},
        timeout=20,
    )
    return response.content


def test_sigint_writes_every_report_and_fails_on_findings(upstream: ReplayServer, tmp_path: Path) -> None:
    base = upstream.url.removesuffix("/v1")
    junit, sarif, report = tmp_path / "proxy.xml", tmp_path / "proxy.sarif", tmp_path / "proxy.json"
    proc, url = _start(
        "--upstream", base, "--save", str(tmp_path / "saved"), "--junit-xml", str(junit),
        "--sarif", str(sarif), "--json-report", str(report), "--fail-on-findings",
    )  # fmt: skip
    try:
        assert _send(url, "good") == GOOD
        assert _send(url, "broken") == BROKEN
        httpx.get(url + "/v1/models", timeout=20)  # not a Responses call: not checked
    finally:
        code, out, err = _stop(proc)
    assert code == 1, err
    lines = [line for line in err.splitlines() if line.startswith("proxy: #")]
    assert len(lines) == 2
    assert lines[0].startswith("proxy: #1 POST /v1/responses -> 200 text/event-stream, 11 events, ")
    assert lines[0].endswith(": PASS")
    assert ": FAIL " in lines[1] and "RSP209" in lines[1]
    assert "2 exchange(s) checked, 1 with error findings" in err
    # Text findings on stdout, as check prints them, pointing at the saved transcript.
    assert re.search(r"saved/0002\.sse:\d+:\d+: RSP209 error: ", out)
    cases = ET.parse(junit).getroot().findall(".//testcase")
    assert [c.get("name") for c in cases] == ["#1 POST /v1/responses", "#2 POST /v1/responses"]
    assert cases[0].find("failure") is None and cases[1].find("failure") is not None
    runs = json.loads(sarif.read_text())["runs"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in runs[0]["results"]}
    assert uris and all(u.endswith("saved/0002.sse") for u in uris)
    assert json.loads(report.read_text())
    saved = tmp_path / "saved"
    assert sorted(p.name for p in saved.iterdir()) == [
        "0001.exchange",
        "0001.sse",
        "0002.exchange",
        "0002.sse",
    ]
    assert b"sk-cli-SECRET" not in b"".join(p.read_bytes() for p in saved.iterdir())
    check = subprocess.run(
        [sys.executable, "-m", "validator", "check", str(saved)], capture_output=True, text=True, env=ENV
    )
    assert check.returncode == 1 and "RSP209" in check.stdout


def test_sigterm_exits_zero_without_fail_on_findings(upstream: ReplayServer) -> None:
    proc, url = _start("--upstream", upstream.url.removesuffix("/v1"), "--format", "json")
    try:
        assert _send(url, "broken") == BROKEN
    finally:
        code, out, err = _stop(proc, signal.SIGTERM)
    assert code == 0, err
    document = json.loads(out)
    assert document  # the whole run as one JSON document at the end


def test_usage_errors_exit_2() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "validator", "proxy", "--upstream", "ftp://x"],
        capture_output=True, text=True, env=ENV, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2 and "http://" in run.stderr


def test_missing_extra_is_a_clear_message(tmp_path: Path) -> None:
    # aiohttp made unimportable, as on an install without the [proxy] extra.
    (tmp_path / "aiohttp.py").write_text("raise ImportError('No module named aiohttp', name='aiohttp')\n")
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    run = subprocess.run(
        [sys.executable, "-m", "validator", "proxy", "--upstream", "http://127.0.0.1:1"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert "pip install 'llm-stream-validator[proxy]'" in run.stderr


def test_when_behind_skip_reports_the_exchange_unchecked_with_where_it_stopped(tmp_path: Path) -> None:
    big = to_sse(text_events("0123456789abcdef" * (1 << 19), pieces=2000))
    with ReplayServer({"big": Reply(big, chunks=200)}) as server:
        proc, url = _start(
            "--upstream", server.url.removesuffix("/v1"), "--check-backlog", "0.25", "--when-behind", "skip",
        )  # fmt: skip
        try:
            [checker] = [
                int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            ]
            os.kill(checker, signal.SIGSTOP)
            try:
                assert _send(url, "big") == big
            finally:
                os.kill(checker, signal.SIGCONT)
        finally:
            code, _, err = _stop(proc)
    assert code == 0, err
    [line] = [line for line in err.splitlines() if line.startswith("proxy: #")]
    assert ": UNCHECKED" in line and "not checked past byte" in line and "0.25 MB behind" in line
    assert "1 exchange(s) checked, 0 with error findings, 1 unchecked" in err


def test_when_behind_takes_wait_or_skip() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "validator", "proxy", "--upstream", "http://127.0.0.1:1",
         "--when-behind", "drop"],
        capture_output=True, text=True, env=ENV, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2 and "'wait'" in run.stderr


def test_proxy_takes_the_report_options_of_check_and_probe() -> None:
    """One definition (report_options): every report option probe and check share, proxy takes."""
    from validator.cli import check as check_command
    from validator.tools.probe.command import probe_command
    from validator.tools.proxy.command import proxy_command

    def report_flags(command: object) -> set[str]:
        names = {"--format", "-o", "--output", "--junit-xml", "--sarif", "--json-report", "-q", "-v"}
        names |= {"--quiet", "--verbose", "--color", "--no-color", "--html"}
        return {o for p in command.params for o in (*p.opts, *p.secondary_opts) if o in names}  # type: ignore[attr-defined]

    shared = report_flags(check_command) & report_flags(probe_command)
    assert shared == {
        "--format", "-o", "--output", "--junit-xml", "--sarif", "--json-report",
        "-q", "--quiet", "-v", "--verbose", "--color", "--no-color",
    }  # fmt: skip
    assert report_flags(proxy_command) == shared


def test_output_file_gets_the_findings_as_they_come_and_quiet_drops_the_exchange_lines(
    upstream: ReplayServer, tmp_path: Path
) -> None:
    findings, junit = tmp_path / "findings.txt", tmp_path / "proxy.xml"
    proc, url = _start(
        "--upstream", upstream.url.removesuffix("/v1"), "-o", str(findings), "--format", "concise",
        "--junit-xml", str(junit), "-q",
    )  # fmt: skip
    try:
        assert _send(url, "broken") == BROKEN
        deadline = time.monotonic() + 20
        # Written as the exchange ends, while the proxy still runs.
        while "RSP209" not in findings.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "RSP209" in findings.read_text()
    finally:
        code, out, err = _stop(proc)
    assert code == 0, err
    assert out == ""
    assert "proxy: #" not in err and "exchange(s) checked" not in err
    lines = findings.read_text().splitlines()
    assert lines and all(re.match(r"<POST /v1/responses #1>:\d+:\d+: RSP\d{3} \w+: ", line) for line in lines)
    [case] = ET.parse(junit).getroot().findall(".//testcase")
    assert case.find("failure") is not None


def test_a_document_format_goes_to_the_output_file_at_the_end(upstream: ReplayServer, tmp_path: Path) -> None:
    sarif = tmp_path / "proxy.sarif"
    proc, url = _start("--upstream", upstream.url.removesuffix("/v1"), "--format", "sarif", "-o", str(sarif))
    try:
        assert _send(url, "broken") == BROKEN
        assert _send(url, "good") == GOOD
    finally:
        code, out, err = _stop(proc)
    assert code == 0, err and out == ""
    assert "2 exchange(s) checked, 1 with error findings" in err
    [run] = json.loads(sarif.read_text())["runs"]
    assert {r["ruleId"] for r in run["results"]} >= {"RSP209"}


def test_html_is_not_a_proxy_format_and_an_unwritable_report_is_exit_2(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "validator", "proxy", "--upstream", "http://127.0.0.1:1", "--format", "html"],
        capture_output=True, text=True, env=ENV, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2 and "'html' is not one of" in run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "validator", "proxy", "--upstream", "http://127.0.0.1:1", "--port", "0",
         "-o", str(tmp_path / "no" / "such" / "dir.txt")],
        capture_output=True, text=True, env=ENV, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2 and "cannot write" in run.stderr and "listening" not in run.stderr


def test_ctrl_c_on_a_terminal_stops_the_proxy_and_its_checker_without_a_traceback(
    upstream: ReplayServer,
) -> None:
    """A terminal's Ctrl-C signals the whole process group, the checker process included."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator", "proxy", "--port", "0",
         "--upstream", upstream.url.removesuffix("/v1")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, start_new_session=True,
    )  # fmt: skip
    assert proc.stderr is not None
    url = re.match(r"proxy: listening on (\S+),", proc.stderr.readline()).group(1)  # type: ignore[union-attr]
    try:
        assert _send(url, "broken") == BROKEN
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "1 exchange(s) checked, 1 with error findings" in err and "RSP209" in out
