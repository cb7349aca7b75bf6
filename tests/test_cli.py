"""The command line end to end: CliRunner over the seed transcripts, exit codes, outputs, options."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import CORPUS, SEEDS

from validator.catalog import RULES
from validator.cli import cli
from validator.reading import discover as walk

CLEAN = SEEDS / "004_75bce7c82fd61a67.sse"
BROKEN = SEEDS / "000_e3213cea1afb5a14.sse"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in an empty directory, so no project config leaks in."""
    monkeypatch.chdir(tmp_path)
    for var in ("NO_COLOR", "GITHUB_STEP_SUMMARY", "RESPONSES_VALIDATOR_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def invoke(*args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, list(args), input=input, catch_exceptions=False)


def copy(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(src.read_bytes())
    return dest


def report(result: Result) -> dict:
    return json.loads(result.stdout)


def rules_at(doc: dict, index: int = 0) -> list[tuple[str, int]]:
    return [(f["rule"], f["line"]) for f in doc["files"][index]["findings"]]


# ---------------------------------------------------------------------- the seeds
def test_clean_seed_passes():
    result = invoke("check", str(CLEAN))
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "All checks passed: 1 file, 0 findings.\n",
        "",
    )


def test_broken_seed_fails_with_its_three_problems():
    result = invoke("check", "--format", "json", str(BROKEN))
    assert result.exit_code == 1, result.output
    found = rules_at(report(result))
    assert ("RSP002", 20) in found  # the invalid JSON on line 20
    rules = {rule for rule, _ in found}
    assert "RSP228" in rules  # an item never closed
    assert "RSP209" in rules  # no terminal event


def test_concise_lines_and_summary_last():
    result = invoke("check", "--format", "concise", str(BROKEN), str(CLEAN))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("Found ") and lines[-1].endswith(" in 1 of 2 files.")
    rsp002 = [line for line in lines if " RSP002 " in line]
    assert rsp002 and rsp002[0].startswith(f"{BROKEN}:20:")
    assert " RSP002 error: " in rsp002[0]
    assert all(line.startswith(f"{BROKEN}:") for line in lines[:-1])


def test_a_directory_is_walked_in_sorted_order(tmp_path: Path):
    copy(CLEAN, tmp_path / "d" / "b_clean.sse")
    copy(BROKEN, tmp_path / "d" / "a_broken.sse")
    doc = report(invoke("check", "--format", "json", "d"))
    assert [f["path"] for f in doc["files"]] == [
        os.path.join("d", "a_broken.sse"),
        os.path.join("d", "b_clean.sse"),
    ]
    assert [f["valid"] for f in doc["files"]] == [False, True]


def test_stdin(tmp_path: Path):
    result = invoke("check", "-", input=CLEAN.read_bytes())
    assert (result.exit_code, result.stdout) == (0, "All checks passed: 1 file, 0 findings.\n")
    result = invoke("check", "--stdin-filename", "api/stream.sse", "-", input=BROKEN.read_bytes())
    assert result.exit_code == 1
    assert result.stdout.startswith("api/stream.sse:")


# ---------------------------------------------------------------------- exit code 2
def test_missing_file_is_one_line_on_stderr_and_exit_2():
    result = invoke("check", "missing.sse", str(CLEAN))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "llm-stream-validator: error: missing.sse: no such file or directory\n"


def test_directory_without_transcripts_is_exit_2(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.md").write_text("hi")
    result = invoke("check", "empty")
    assert result.exit_code == 2
    assert result.stderr == (
        "llm-stream-validator: error: empty: no transcripts found in this directory"
        " (looked for *.sse, *.jsonl, *.ndjson, *.json, *.txt, *.yaml, *.yml, *.har)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--select", "RSP9"], "--select: unknown rule selector 'RSP9'"),
        (["--ignore", "RSP002,nonsense"], "--ignore: unknown rule selector 'nonsense'"),
        (["--input-format", "xml"], "Invalid value for '--input-format'"),
        (["--profile", "azure"], "Invalid value for '--profile'"),
        (["--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str):
    result = invoke("check", *args, str(CLEAN))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_no_path_is_a_usage_error():
    assert invoke("check").exit_code == 2


def test_binary_garbage_is_findings_not_a_traceback(tmp_path: Path):
    (tmp_path / "junk.sse").write_bytes(bytes(range(256)) * 4)
    result = invoke("check", "junk.sse")
    assert result.exit_code == 1
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------- options
def test_exit_zero():
    assert invoke("check", "--exit-zero", str(BROKEN)).exit_code == 0


def test_select_and_ignore_by_id_prefix_and_name():
    only = rules_at(report(invoke("check", "--format", "json", "--select", "invalid-json", str(BROKEN))))
    assert only == [("RSP002", 20)]
    rest = rules_at(
        report(invoke("check", "--format", "json", "--ignore", "RSP0", "--ignore=RSP228", str(BROKEN)))
    )
    assert all(not rule.startswith("RSP0") and rule != "RSP228" for rule, _ in rest)


def test_strict_fails_on_warnings(tmp_path: Path):
    # The clean seed without its final blank line: only RSP011 (a warning).
    (tmp_path / "w.sse").write_bytes(CLEAN.read_bytes().rstrip(b"\n") + b"\n")
    normal = invoke("check", "--format", "json", "w.sse")
    doc = report(normal)
    assert {f["severity"] for f in doc["files"][0]["findings"]} == {"warning"}
    assert normal.exit_code == 0
    strict = invoke("check", "--strict", "w.sse")
    assert strict.exit_code == 1
    assert re.fullmatch(r"Found \d+ warnings? in 1 of 1 file\.", strict.stdout.splitlines()[-1])


def test_quiet_prints_findings_only():
    assert invoke("check", "-q", str(CLEAN)).stdout == ""
    quiet = invoke("check", "-q", "--format", "concise", str(BROKEN)).stdout.splitlines()
    assert quiet and all(line.startswith(str(BROKEN)) for line in quiet)
    framed = invoke("check", "-q", str(BROKEN)).stdout
    assert "Found " not in framed and f"{BROKEN}:20:630: RSP002 error: " in framed


def test_colour_only_when_forced_and_never_with_no_color():
    assert "\x1b[" not in invoke("check", str(BROKEN)).stdout  # CliRunner is not a terminal
    assert "\x1b[31m" in invoke("check", "--color", str(BROKEN)).stdout
    assert "\x1b[" not in invoke("check", "--color", str(BROKEN), env={"NO_COLOR": "1"}).stdout


def test_several_reports_in_one_run(tmp_path: Path):
    args = ("check", str(BROKEN), str(CLEAN))
    reports = ("--junit-xml", "out/report.xml", "--sarif", "report.sarif", "--json-report", "out.json")
    result = invoke(*args, *reports)
    assert result.exit_code == 2  # out/ does not exist
    assert "cannot write out/report.xml" in result.stderr
    (tmp_path / "out").mkdir()
    result = invoke(*args, *reports)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].startswith("Found ")
    from junitparser import JUnitXml

    suites = list(JUnitXml.fromfile(str(tmp_path / "out" / "report.xml")))
    assert [s.failures for s in suites][1] == 0 and suites[0].failures > 0
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"RSP002", "RSP209"}
    assert json.loads((tmp_path / "out.json").read_text())["summary"]["files"] == 2


def test_output_file_and_the_input_is_never_touched(tmp_path: Path):
    target = copy(BROKEN, tmp_path / "t.sse")
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    result = invoke("check", "t.sse", "--format", "sarif", "-o", "r.sarif")
    assert (result.exit_code, result.stdout) == (1, "")
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    refused = invoke("check", "t.sse", "-o", "t.sse")
    assert refused.exit_code == 2
    assert "refusing to write t.sse" in refused.stderr
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before


def test_github_format_appends_the_step_summary(tmp_path: Path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = invoke("check", "--format", "github", str(BROKEN), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    assert f"::error file={BROKEN.as_posix()},line=20," in result.stdout
    assert all(
        line.startswith(("::error ", "::warning ", "::notice ")) for line in result.stdout.splitlines()
    )
    text = summary.read_text()
    assert text.startswith("earlier step\n## llm-stream-validator\n")
    assert "| RSP002 invalid-json | error |" in text


# ---------------------------------------------------------------------- parallel
@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github"])
def test_jobs_2_gives_byte_identical_reports(tmp_path: Path, fmt: str):
    for i in range(4):
        copy(CLEAN, tmp_path / "many" / f"{i}_clean.sse")
        copy(BROKEN, tmp_path / "many" / "sub" / f"{i}_broken.sse")
    serial = invoke("check", "--format", fmt, "-j", "1", "many")
    parallel = invoke("check", "--format", fmt, "-j", "2", "many")
    assert serial.exit_code == parallel.exit_code == 1
    if fmt == "junit":
        # Only the measured durations may differ.
        strip = re.compile(r' time="[0-9.]+"')
        assert strip.sub("", serial.stdout) == strip.sub("", parallel.stdout)
    else:
        assert serial.stdout_bytes == parallel.stdout_bytes


# ---------------------------------------------------------------------- config
def test_pyproject_settings_apply_and_the_command_line_overrides_them(tmp_path: Path):
    copy(BROKEN, tmp_path / "t.sse")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.responses-validator]\nignore = ["RSP002"]\nformat = "json"\n'
    )
    from_config = report(invoke("check", "t.sse"))
    assert "RSP002" not in {rule for rule, _ in rules_at(from_config)}
    overridden = report(invoke("check", "--ignore", "RSP228", "t.sse"))
    assert "RSP002" in {rule for rule, _ in rules_at(overridden)}
    isolated = invoke("check", "--isolated", "t.sse")
    assert isolated.stdout.splitlines()[-1].startswith("Found ")  # text again: config ignored


def test_config_is_found_from_a_subdirectory_and_errors_are_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "pyproject.toml").write_text('[tool.responses-validator]\nprofil = "openai"\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    result = invoke("check", str(CLEAN))
    assert result.exit_code == 2
    assert result.stderr.startswith("llm-stream-validator: error: ")
    assert "unknown key 'profil'" in result.stderr


# ---------------------------------------------------------------------- baseline
def test_baseline_round_trip(tmp_path: Path):
    copy(BROKEN, tmp_path / "t" / "old.sse")
    written = invoke("check", "t", "--write-baseline", "baseline.json")
    assert written.exit_code == 0
    assert "Wrote baseline.json" in written.stderr
    assert (tmp_path / "baseline.json").is_file()

    again = invoke("check", "t", "--baseline", "baseline.json")
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("All checks passed: 1 file, 0 new findings.")

    copy(BROKEN, tmp_path / "t" / "new.sse")
    newer = invoke("check", "t", "--baseline", "baseline.json", "--format", "json")
    assert newer.exit_code == 1
    doc = report(newer)
    assert [bool(f["findings"]) for f in doc["files"]] == [True, False]  # new.sse, old.sse
    assert doc["summary"]["baselined"] > 0

    copy(CLEAN, tmp_path / "t" / "old.sse")  # fixed: its entries are stale now
    (tmp_path / "t" / "new.sse").unlink()
    fixed = invoke("check", "t", "--baseline", "baseline.json")
    assert fixed.exit_code == 0
    stale_lines = [line for line in fixed.stdout.splitlines() if "stale baseline entry" in line]
    assert any(line.startswith("stale baseline entry: t/old.sse: RSP002: ") for line in stale_lines)
    assert "no longer occur" in fixed.stdout.splitlines()[-1]


def test_missing_baseline_is_exit_2():
    result = invoke("check", str(CLEAN), "--baseline", "nope.json")
    assert result.exit_code == 2
    assert "cannot read baseline nope.json" in result.stderr


# ---------------------------------------------------------------------- rules and rule
def test_rules_table_and_json():
    out = invoke("rules").stdout.splitlines()
    assert out[0].split() == ["ID", "NAME", "SEVERITY", "LAYER"]
    assert len(out) == len(RULES) + 1
    assert out[2].split() == ["RSP002", "invalid-json", "error", "framing"]
    doc = json.loads(invoke("rules", "--format", "json").stdout)
    assert doc[1] == {
        "id": "RSP002",
        "name": "invalid-json",
        "severity": "error",
        "layer": "framing",
        "message": "event data is not valid JSON",
        "profiles": {"openai": "error", "open-responses": "error", "codex": "error"},
        "strict_only": False,
        "cases": {},
    }
    # A condition rated apart per profile (Rule.cases) is listed with every profile's severity.
    (interleaved,) = [r for r in doc if r["id"] == "RSP235"]
    assert interleaved["cases"] == {
        "message-during-reasoning": {"openai": "warning", "open-responses": "warning", "codex": "error"}
    }


def test_rule_prints_doc_then_examples():
    result = invoke("rule", "rsp002")
    assert result.exit_code == 0
    assert result.stdout.startswith(RULES["RSP002"].doc())
    assert "Example (reported)" in result.stdout and "Conforming" in result.stdout
    by_name = invoke("rule", "invalid-json", "--protocol", "responses")
    assert by_name.stdout == result.stdout
    # A name only one protocol uses needs no --protocol.
    assert invoke("rule", "items-interleaved").stdout == invoke("rule", "RSP235").stdout


def test_a_rule_name_of_several_protocols_lists_their_ids():
    # invalid-json is RSP002, CH003 and AN002: without --protocol it names no one rule, so it is a
    # usage error that lists the candidates (none is shown), as for an ambiguous option.
    result = invoke("rule", "invalid-json")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "llm-stream-validator: error: rule name 'invalid-json' is a rule of several protocols: RSP002 "
        "(responses), CH003 (chat), AN002 (anthropic); give the id, or --protocol to pick one\n"
    )
    for protocol, rule_id in (("responses", "RSP002"), ("chat", "CH003"), ("anthropic", "AN002")):
        picked = invoke("rule", "invalid-json", "--protocol", protocol)
        assert picked.exit_code == 0, picked.stderr
        assert picked.stdout.startswith(RULES[rule_id].doc())


def test_rule_protocol_must_agree_with_the_rule():
    mismatch = invoke("rule", "RSP235", "--protocol", "chat")
    assert mismatch.exit_code == 2
    assert "RSP235 is a responses rule, not a chat one" in mismatch.stderr
    elsewhere = invoke("rule", "items-interleaved", "--protocol", "anthropic")
    assert elsewhere.exit_code == 2
    assert (
        "no anthropic rule is named 'items-interleaved' (the name is RSP235 (responses))" in elsewhere.stderr
    )


def test_unknown_rule_is_exit_2():
    result = invoke("rule", "RSP999")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "llm-stream-validator: error: unknown rule 'RSP999' (see `llm-stream-validator rules`)\n"
    )


def test_python_dash_m_and_version():
    done = subprocess.run(
        [sys.executable, "-m", "validator", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("llm-stream-validator, version ")


def command(*args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    """The console entry point, in its own process: ``main`` ends it with ``os._exit``."""
    return subprocess.run(
        [sys.executable, "-m", "validator", *args], stdout=stdout, stderr=subprocess.PIPE, check=False
    )


def test_the_quick_exit_keeps_the_exit_code_and_every_byte_of_output():
    clean = command("check", str(CLEAN))
    passed = b"All checks passed: 1 file, 0 findings.\n"
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, passed, b"")
    broken = command("check", "--format", "json", str(CLEAN), str(BROKEN))
    assert broken.returncode == 1
    assert broken.stdout == invoke("check", "--format", "json", str(CLEAN), str(BROKEN)).stdout_bytes
    assert command("check", "missing.sse").returncode == 2
    assert command("rule", "RSP999").returncode == 2


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device that is always full)")
def test_output_to_a_full_disk_is_exit_2_with_a_message():
    with open("/dev/full", "wb") as full:
        done = command("check", str(BROKEN), stdout=full.fileno())
    assert done.returncode == 2
    assert done.stderr.decode() == (
        "llm-stream-validator: error: cannot write standard output: No space left on device\n"
    )


def test_a_reader_that_goes_away_is_no_traceback(tmp_path: Path):
    # Enough findings to fill the pipe once its reader has closed it.
    for n in range(300):
        copy(BROKEN, tmp_path / "many" / f"{n:03}.sse")
    with subprocess.Popen(
        [sys.executable, "-m", "validator", "check", str(tmp_path / "many")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(10)
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait()
    assert b"Traceback" not in err
    assert proc.returncode in (1, 2)


# ---------------------------------------------------------------------- walking
@pytest.fixture
def project(tmp_path: Path) -> Path:
    for rel in (
        "a.sse",
        "b.jsonl",
        "c.json",
        "d.txt",
        "notes.md",
        "case.expected.json",
        "fixtures/f.sse",
        "deep/recorded/r.json",
        "deep/recorded/r.sse",
        ".git/HEAD.sse",
        "node_modules/x/y.jsonl",
    ):
        (tmp_path / "p" / rel).parent.mkdir(parents=True, exist_ok=True)
        # Content that looks like a stream: walking reads .json and .txt files only when it does.
        (tmp_path / "p" / rel).write_text("data: {}\n\n")
    return tmp_path / "p"


def rel(paths: list[str], root: Path) -> list[str]:
    return [Path(p).relative_to(root).as_posix() for p in paths]


def test_walk_defaults(project: Path):
    assert rel(walk.collect([str(project)]).files, project) == [
        "a.sse",
        "b.jsonl",
        "c.json",
        "d.txt",
        "deep/recorded/r.json",
        "deep/recorded/r.sse",
        "fixtures/f.sse",
    ]


def test_walk_include_and_exclude(project: Path):
    found = walk.collect([str(project)], include=["*.sse"], exclude=["fixtures", "recorded/*.sse"]).files
    assert rel(found, project) == ["a.sse"]
    # A file named explicitly is checked whatever its suffix, unless excluded.
    assert walk.collect([str(project / "notes.md")]).files == [str(project / "notes.md")]
    assert walk.collect([str(project / "fixtures" / "f.sse")], exclude=["fixtures"]).files == []
    # Each file once, in the order given.
    a = str(project / "a.sse")
    assert walk.collect([a, str(project), a]).files[0] == a
    assert len(walk.collect([a, str(project), a]).files) == 7


def test_exclude_from_the_command_line(project: Path):
    shutil.copyfile(BROKEN, project / "fixtures" / "f.sse")
    for name in ("a.sse", "b.jsonl", "c.json", "d.txt", "deep/recorded/r.json", "deep/recorded/r.sse"):
        shutil.copyfile(CLEAN, project / name)
    assert invoke("check", str(project)).exit_code == 1
    assert invoke("check", "--exclude", "fixtures", str(project)).exit_code == 0


def test_help_lists_the_commands_and_probe_is_imported_lazily():
    out = invoke("--help").stdout
    for name in ("check", "rule", "rules"):
        assert f"  {name} " in out
    done = subprocess.run(
        [sys.executable, "-c", "import sys, validator.cli; print('httpx' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"


_LOADED = """
import sys
from validator.cli import cli
try:
    cli.main(["check", "--quiet", sys.argv[1]], standalone_mode=False)
except SystemExit:
    pass
print("\\n".join(m for m in sys.modules if m.startswith("validator.")))
"""


def _loaded_by_check(path: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, str(path)], capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_a_check_loads_the_protocol_and_the_reporter_it_uses_only():
    # Start-up is part of every check's time: another protocol's machine and schemas, or the SARIF
    # and HTML reporters, are imported only when a stream or a --format asks for them.
    recognising = {"", ".protocol", ".kinds"}
    responses = _loaded_by_check(CLEAN)
    assert "validator.protocols.responses.lifecycle" in responses  # the check did run
    for other in ("chat", "anthropic"):
        package = f"validator.protocols.{other}"
        loaded = {m.removeprefix(package) for m in responses if m.startswith(package)}
        assert loaded <= recognising, f"a Responses check loaded {sorted(loaded - recognising)} of {other}"
    reporters = {m for m in responses if m.startswith("validator.reporting.reporters.")}
    assert reporters <= {"validator.reporting.reporters.base", "validator.reporting.reporters.text"}
    chat = _loaded_by_check(CORPUS / "rules" / "CH001" / "good.sse")
    assert "validator.protocols.chat.machine" in chat
    assert not any(
        m.startswith("validator.protocols.responses.")
        for m in chat - {"validator.protocols.responses.protocol"}
    )


def test_a_container_in_which_nothing_was_checked_is_not_reported_as_passed(tmp_path: Path) -> None:
    cassette = tmp_path / "models.yaml"
    cassette.write_text(
        "interactions:\n- request:\n    method: GET\n    uri: https://api.openai.com/v1/models\n"
        "  response:\n    status: {code: 200, message: OK}\n"
        "    headers: {Content-Type: [application/json]}\n    body: {string: '{\"data\": []}'}\n"
    )
    alone = invoke("check", str(cassette))
    # A folder of cassettes meets many that record other calls: not a failure, but not a pass.
    assert alone.exit_code == 0
    assert alone.stdout == "Nothing checked: 1 file held no stream to check.\n"
    assert f"note: {cassette}: nothing checked: no streamed" in alone.stderr
    both = invoke("check", str(cassette), str(CLEAN))
    assert both.stdout == "All checks passed: 1 file, 0 findings. 1 file held no stream to check.\n"
    document = json.loads(invoke("check", "--format", "json", str(cassette)).stdout)
    assert document["files"][0]["notice"].startswith("nothing checked")
    assert document["summary"]["nothing_checked"] == 1
