"""``probe`` takes ``check``'s report options (one definition for both): ``-o``, ``--junit-xml``,
``--sarif``, ``--json-report``, ``-q``, ``-v``, ``--color``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from test_probe import GOOD, TEXT

from validator.cli import check
from validator.tools.probe.command import probe_command
from validator.tools.probe.replay import ReplayServer, Reply

#: tool-calling answered with text: the scenario fails (RSP260); basic-text passes.
BROKEN = {**GOOD, "tool-calling": Reply.sse(TEXT)}
SCENARIOS = ["--scenarios", "basic-text,tool-calling"]


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def _probe(*args: str) -> tuple[int, str, str]:
    with ReplayServer(BROKEN) as server:
        result = CliRunner().invoke(probe_command, ["--base-url", server.url, *SCENARIOS, *args])
    return result.exit_code, result.stdout, result.stderr


def test_output_file_and_extra_reports_in_one_run(tmp_path: Path) -> None:
    code, stdout, _ = _probe(
        "-o", "probe.txt", "--junit-xml", "probe.xml", "--sarif", "probe.sarif", "--json-report", "probe.json"
    )
    assert (code, stdout) == (1, "")  # everything went to files
    text = (tmp_path / "probe.txt").read_text()
    assert "  FAIL  tool-calling" in text and "  PASS  basic-text" in text and " RSP260 " in text
    cases = ET.parse(tmp_path / "probe.xml").getroot().findall(".//testcase")
    assert [(c.get("name"), c.find("failure") is not None) for c in cases] == [
        ("basic-text", False),
        ("tool-calling", True),
    ]
    sarif = json.loads((tmp_path / "probe.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"RSP260"}
    doc = json.loads((tmp_path / "probe.json").read_text())
    assert [f["rule"] for file in doc["files"] for f in file["findings"]].count("RSP260") >= 1


def test_quiet_prints_findings_only() -> None:
    code, stdout, _ = _probe("-q")
    assert code == 1
    assert "PASS" not in stdout and "FAIL" not in stdout and "probe http" not in stdout
    lines = stdout.splitlines()
    assert lines and all(" RSP" in line for line in lines), lines  # no summary line either


def test_color_is_forced_and_refused() -> None:
    _, coloured, _ = _probe("--color")
    assert "\x1b[" in coloured and "\x1b[31m\x1b[1mFAIL" in coloured
    _, plain, _ = _probe("--no-color")
    assert "\x1b" not in plain and "  FAIL  tool-calling" in plain


def test_an_unwritable_report_is_exit_2(tmp_path: Path) -> None:
    code, _, stderr = _probe("--junit-xml", str(tmp_path / "no" / "such" / "dir" / "r.xml"))
    assert code == 2 and "cannot write" in stderr and "Traceback" not in stderr


def test_a_report_never_replaces_a_saved_answer(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    code, _, stderr = _probe("--save", str(saved), "-o", str(saved / "basic-text.sse"))
    assert code == 2 and "refusing to write" in stderr
    assert (saved / "basic-text.sse").read_bytes().startswith(b"event: ")


def _report_params(command: click.Command) -> dict[str, tuple[tuple[str, ...], str | None]]:
    names = {"report_output", "report_junit", "report_sarif", "report_json", "report_quiet"}
    names |= {"report_verbose", "report_color", "report_format"}
    return {p.name: (tuple(p.opts + p.secondary_opts), p.help) for p in command.params if p.name in names}  # type: ignore[attr-defined]


def test_check_and_probe_share_one_definition_of_the_report_options() -> None:
    in_check, in_probe = _report_params(check), _report_params(probe_command)
    assert set(in_probe) == {
        "report_format",
        "report_output",
        "report_junit",
        "report_sarif",
        "report_json",
        "report_quiet",
        "report_verbose",
        "report_color",
    }
    shared = {name: value for name, value in in_probe.items() if name != "report_format"}
    assert {name: in_check[name] for name in shared} == shared
    assert "--html" in {o for p in check.params for o in p.opts} - {
        o for p in probe_command.params for o in p.opts
    }
