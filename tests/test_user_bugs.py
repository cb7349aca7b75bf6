"""What a new user hit, one reproducer per bug, each at the behaviour the user saw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import CORPUS

from validator import CheckOptions, check_bytes, check_events, check_file
from validator.cli import cli

CASSETTE = CORPUS / "rules" / "RSP014" / "bad.yaml"  # one stream: true call answered with JSON
STREAM = CORPUS / "streams" / "message_text.sse"
CITATIONS = CORPUS / "streams" / "message_url_citations.sse"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for var in ("NO_COLOR", "GITHUB_STEP_SUMMARY", "RESPONSES_VALIDATOR_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def invoke(*args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def rules_of(result: Result) -> list[str]:
    return [f["rule"] for file in json.loads(result.stdout)["files"] for f in file["findings"]]


def sse(*payloads: str) -> bytes:
    return "".join(f"data: {p}\n\n" for p in payloads).encode()


def replace_event(path: Path, marker: str, edit) -> bytes:  # type: ignore[no-untyped-def]
    """``path``'s transcript with the first data line holding ``marker`` edited as a dict."""
    lines = path.read_text().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("data:") and marker in line:
            event = json.loads(line[5:])
            edit(event)
            lines[i] = "data: " + json.dumps(event)
            break
    else:  # pragma: no cover - the fixture changed
        raise AssertionError(f"no {marker} in {path}")
    return "\n".join(lines).encode()


# ---------------------------------------------------------------------- folders of cassettes
def test_bug1_a_directory_is_checked_with_its_cassettes(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.yaml").write_bytes(CASSETTE.read_bytes())
    (d / "message_text.sse").write_bytes(STREAM.read_bytes())
    result = invoke("check", "--format", "json", str(d))
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert [Path(f["path"]).name for f in doc["files"]] == ["a.yaml", "message_text.sse"]
    assert rules_of(result) == ["RSP014"]


def test_bug1_a_folder_of_only_cassettes_and_har_files(tmp_path: Path) -> None:
    d = tmp_path / "cassettes"
    d.mkdir()
    (d / "a.yml").write_bytes(CASSETTE.read_bytes())
    (d / "b.har").write_text(json.dumps({"log": {"version": "1.2", "entries": []}}))
    result = invoke("check", "--format", "json", str(d))
    assert result.exit_code == 1, result.output
    assert [Path(f["path"]).name for f in json.loads(result.stdout)["files"]] == ["a.yml", "b.har"]


# ---------------------------------------------------------------------- unreadable folders
def test_bug2_an_unreadable_subdirectory_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "d" / "locked").mkdir(parents=True)
    (tmp_path / "d" / "ok.sse").write_bytes(STREAM.read_bytes())
    locked = tmp_path / "d" / "locked"
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        # chmod 000 does not stop root (this suite may run as root): refuse the folder here instead.
        if Path(os.fsdecode(path)) == locked:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fsdecode(path))  # type: ignore[arg-type]
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    result = invoke("check", str(tmp_path / "d"))
    assert result.exit_code == 2, result.output
    assert "locked" in result.stderr and "Permission denied" in result.stderr
    assert "All checks passed" not in result.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 folder; the test above covers root")
def test_bug2_chmod_000_folder_as_a_user(tmp_path: Path) -> None:  # pragma: no cover - non-root only
    locked = tmp_path / "d" / "locked"
    locked.mkdir(parents=True)
    (locked / "broken.sse").write_bytes(b"data: {\n\n")
    locked.chmod(0)
    try:
        result = invoke("check", str(tmp_path / "d"))
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2 and "locked" in result.stderr


# ---------------------------------------------------------------------- special files
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_bug3_a_fifo_inside_a_directory_is_skipped_with_a_note(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    os.mkfifo(d / "pipe.sse")
    (d / "ok.sse").write_bytes(STREAM.read_bytes())
    # A subprocess with a timeout: the bug was a hang, which must fail the test, not stall the suite.
    proc = subprocess.run(
        [sys.executable, "-m", "validator", "check", str(d)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "pipe.sse" in proc.stderr and "not a regular file" in proc.stderr
    assert proc.stdout.endswith("All checks passed: 1 file, 0 findings.\n")


# ---------------------------------------------------------------------- baselines and lines
def test_bug4_a_line_added_above_keeps_a_baselined_finding_known(tmp_path: Path) -> None:
    # The seed with an item never closed: RSP228's message names the line the item was added at.
    broken = CORPUS / "seeds" / "000_e3213cea1afb5a14.sse"
    target = tmp_path / "t.sse"
    target.write_bytes(broken.read_bytes())
    assert invoke("check", str(target), "--write-baseline", "b.json").exit_code == 0
    assert "added at line" in invoke("check", str(target)).stdout
    target.write_bytes(b": a comment line added at the top\n" + broken.read_bytes())
    result = invoke("check", str(target), "--baseline", "b.json")
    assert result.exit_code == 0, result.output
    assert "stale" not in result.stdout


# ---------------------------------------------------------------------- internal errors
DEEP = "[" * 1000 + "]" * 1000


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(sse('{"type":"response.created","sequence_number":0,"\\ud800":1}'), id="surrogate-key"),
        pytest.param(
            sse('{"type":"response.created","sequence_number":' + "9" * 4301 + "}"), id="4301-digits"
        ),
        pytest.param(
            sse('{"type":"response.created","sequence_number":0,"type":' + DEEP + "}"), id="deep-type"
        ),
        pytest.param(
            sse('{"type":"response.created","sequence_number":0,"x":' + DEEP + "}"), id="deep-extra"
        ),
        pytest.param(
            replace_event(
                CORPUS / "streams" / "image_generation_call.sse",
                "response.created",
                lambda e: e["response"]["tools"][0].update(partial_images="@@"),
            ).replace(b'"@@"', b"9" * 4301),
            id="4301-digits-in-a-number-field",
        ),
        pytest.param(
            replace_event(
                CITATIONS, "content_part.done", lambda e: e["part"]["annotations"][0].update(type=[])
            ),
            id="annotation-type-list",
        ),
        pytest.param(
            replace_event(
                CITATIONS, "content_part.done", lambda e: e["part"]["annotations"][0].update(type={})
            ),
            id="annotation-type-object",
        ),
    ],
)
def test_bug5_bad_values_are_findings_not_internal_errors(data: bytes) -> None:
    result = check_bytes(data)  # raised before the fix
    assert result.error is None and result.findings
    cli_result = invoke("check", "-", input=data)
    assert cli_result.exit_code == 1, cli_result.output
    assert "internal error" not in cli_result.stderr


def test_bug5_nesting_reports_where_it_is_too_deep() -> None:
    result = check_bytes(sse('{"type":"response.created","sequence_number":0,"x":' + DEEP + "}"))
    assert [(f.rule, f.message) for f in result.findings if f.rule == "RSP002"] == [
        ("RSP002", "invalid JSON: nesting too deep (more than 254 levels)")
    ]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_bug5_every_reporter_writes_a_raw_lone_surrogate(fmt: str) -> None:
    result = check_events(
        [{"type": "response.created", "sequence_number": 0, "response": {"id": "r\ud800"}}],
        path="x\udc80.sse",
    )
    assert result.findings
    import io

    from validator.reporting.report import Report, write_text
    from validator.reporting.reporters import REPORTERS

    out = io.BytesIO()
    write_text(REPORTERS[fmt]().render(Report([result])), out)
    text = out.getvalue().decode("utf-8")  # valid UTF-8 whatever the event held
    if fmt in ("json", "sarif"):
        json.loads(text)


# ---------------------------------------------------------------------- options by position
def test_bug7_options_passed_by_position_are_applied_everywhere(tmp_path: Path) -> None:
    data = sse('{"type":"response.created","sequence_number":0}')
    only = CheckOptions(select=("RSP209",))
    expected = ["RSP209"]
    assert [f.rule for f in check_bytes(data, only).findings] == expected
    assert [f.rule for f in check_bytes(data, "<x>", only).findings] == expected
    assert [f.rule for f in check_bytes(data, options=only).findings] == expected
    events = [{"type": "response.created", "sequence_number": 0}]
    assert [f.rule for f in check_events(events, only).findings] == expected
    assert [f.rule for f in check_events(events, "<e>", only).findings] == expected
    assert [f.rule for f in check_events(events, select=("RSP209",)).findings] == expected
    p = tmp_path / "t.sse"
    p.write_bytes(data)
    assert [f.rule for f in check_file(p, only).findings] == expected
    assert [f.rule for f in check_file(str(p), options=only).findings] == expected
    assert check_bytes(data, "<named>").path == "<named>"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_bytes(b"", {"strict": True}), "CheckOptions, not dict"),
        (lambda: check_bytes(b"", "<x>", "openai"), "options must be a CheckOptions"),
        (lambda: check_bytes("data: {}\n\n"), "check_bytes() takes bytes"),
        (lambda: check_file(CheckOptions()), "path must be"),
        (lambda: check_events([], CheckOptions(), CheckOptions()), "given twice"),
        (lambda: check_bytes(b"", CheckOptions(), strict=True), "either options or keyword"),
    ],
)
def test_bug7_a_wrong_type_is_a_clear_type_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match=__import__("re").escape(message)):
        call()


# ---------------------------------------------------------------------- big integers
@pytest.mark.parametrize("pad", ["", ',"x":"' + "y" * 600 + '"'], ids=["short", "long"])
@pytest.mark.parametrize("fmt", ["sse", "jsonl", "json"])
def test_bug8_integers_past_64_bits_are_kept_exactly(fmt: str, pad: str) -> None:
    # A long payload takes another path to orjson (decode.loads_long) than a short one.
    payload = '{"type":"response.created","sequence_number":99999999999999999999' + pad + "}"
    data = {"sse": sse(payload), "jsonl": (payload + "\n").encode(), "json": f"[{payload}]".encode()}[fmt]
    messages = [f.message for f in check_bytes(data).findings if f.rule == "RSP203"]
    assert messages == ["the first sequence_number is 99999999999999999999, not 0"]


def test_bug8_a_delta_run_with_a_big_integer_is_not_rounded() -> None:
    text = STREAM.read_text()
    # Inside a run of deltas (the fast lane's input): the value must reach the checks exact.
    lines = text.split("\n")
    deltas = [
        i
        for i, line in enumerate(lines)
        if '"response.output_text.delta"' in line and line.startswith("data")
    ]
    target = deltas[len(deltas) // 2]
    event = json.loads(lines[target][5:])
    lines[target] = "data: " + json.dumps(event).replace(
        f'"sequence_number": {event["sequence_number"]}', '"sequence_number": 18446744073709551616'
    )
    found = [
        f.message
        for f in check_bytes("\n".join(lines).encode()).findings
        if "18446744073709551616" in f.message
    ]
    assert found, check_bytes("\n".join(lines).encode()).findings


# ---------------------------------------------------------------------- containers by content
def test_bug9_a_cassette_on_stdin_is_recognised() -> None:
    result = invoke("check", "--format", "json", "-", input=CASSETTE.read_bytes())
    assert rules_of(result) == ["RSP014"]
    assert json.loads(result.stdout)["files"][0]["format"] == "cassette"


def test_bug9_a_cassette_named_txt_and_a_har_named_json(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_bytes(CASSETTE.read_bytes())
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "request": {
                        "method": "POST",
                        "url": "https://x/v1/responses",
                        "postData": {"text": '{"stream": true}'},
                    },
                    "response": {
                        "status": 200,
                        "headers": [],
                        "content": {"mimeType": "application/json", "text": "{}"},
                    },
                }
            ],
        }
    }
    (tmp_path / "h.json").write_text(json.dumps(har))
    result = invoke("check", "--format", "json", str(tmp_path / "c.txt"), str(tmp_path / "h.json"))
    doc = json.loads(result.stdout)
    assert [(f["format"], [x["rule"] for x in f["findings"]]) for f in doc["files"]] == [
        ("cassette", ["RSP014"]),
        ("har", ["RSP014"]),
    ]


def test_bug9_stdin_filename_names_the_kind() -> None:
    # A cassette whose interactions key comes late: the name is what tells.
    result = invoke(
        "check", "--format", "json", "--stdin-filename", "x.yaml", "-", input=CASSETTE.read_bytes()
    )
    doc = json.loads(result.stdout)
    assert doc["files"][0]["path"] == "x.yaml" and doc["files"][0]["format"] == "cassette"


# ---------------------------------------------------------------------- mutate
def test_bug10_mutate_refuses_a_json_array(tmp_path: Path) -> None:
    src = tmp_path / "t.json"
    src.write_text(json.dumps([{"type": "response.created", "sequence_number": 0}]))
    result = invoke("mutate", str(src), "--out", str(tmp_path / "out"))
    assert result.exit_code != 0
    assert "JSON array" in result.output and "0 mutant" not in result.output


def test_bug10_mutate_warns_about_an_invalid_transcript(tmp_path: Path) -> None:
    src = tmp_path / "t.sse"
    src.write_bytes((CORPUS / "seeds" / "000_e3213cea1afb5a14.sse").read_bytes())
    result = invoke("mutate", str(src), "--out", str(tmp_path / "out"))
    assert "warning" in result.stderr and "does not pass check" in result.stderr


# ---------------------------------------------------------------------- rough edge: check .
def test_check_dot_skips_ordinary_project_files(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{\n  "name": "x",\n  "type": "module"\n}\n')
    (tmp_path / "requirements.txt").write_text("httpx>=0.27\n")
    (tmp_path / "notes.txt").write_text("remember: the stream below is the good one\n")
    (tmp_path / "config.yaml").write_text("server:\n  port: 8000\n")
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "good.sse").write_bytes(STREAM.read_bytes())
    (tmp_path / "fixtures" / "events.json").write_text('[{"type": "response.created"}]')
    result = invoke("check", "--format", "json", ".")
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == [
        "./fixtures/events.json",
        "./fixtures/good.sse",
    ]
    # Named explicitly, a file is checked whatever it looks like.
    assert invoke("check", "notes.txt").exit_code == 1


def test_a_probe_save_folder_rechecks(tmp_path: Path) -> None:
    saved = tmp_path / "probe-out"
    saved.mkdir()
    (saved / "basic-text.sse").write_bytes(STREAM.read_bytes())
    # The passing answer to the malformed-request scenario, and a saved HTML error body.
    (saved / "malformed-request.json").write_text('{"error": {"message": "input must be a string"}}')
    (saved / "image-input.txt").write_text("<html><body>502 Bad Gateway</body></html>")
    result = invoke("check", str(saved))
    assert result.exit_code == 0, result.output
    assert result.stdout == "All checks passed: 1 file, 0 findings.\n"


def test_a_symlink_loop_is_not_called_missing(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    result = invoke("check", str(tmp_path / "loop"))
    assert result.exit_code == 2 and "loop" in result.stderr and "no such file" not in result.stderr


# ---------------------------------------------------------------------- rough edges
def test_nan_in_response_created_is_one_finding() -> None:
    text = STREAM.read_bytes()
    first_end = text.index(b"\n\n")
    head = text[:first_end].replace(b'"created_at":', b'"created_at":NaN,"x":', 1)
    assert head != text[:first_end]
    rules = [f.rule for f in check_bytes(head + text[first_end:]).findings]
    assert rules == ["RSP002"]


def test_bad_select_in_pyproject_is_blamed_on_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llm-stream-validator]\nselect = ["RSP9"]\n')
    (tmp_path / "t.sse").write_bytes(STREAM.read_bytes())
    result = invoke("check", "t.sse")
    assert result.exit_code == 2
    assert (
        "select in " in result.stderr
        and "pyproject.toml" in result.stderr
        and "--select" not in result.stderr
    )


def test_write_baseline_counts_in_words(tmp_path: Path) -> None:
    (tmp_path / "t.sse").write_bytes(b'data: {"type":"response.created","sequence_number":0}\n\n')
    result = invoke("check", "t.sse", "--select", "RSP209", "--write-baseline", "b.json")
    assert "Wrote b.json: 1 finding (1 entry) are now the baseline." in result.stderr


def test_a_read_error_names_the_path_once(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "ok.sse").write_bytes(STREAM.read_bytes())
    (tmp_path / "d" / "x.sse").symlink_to(tmp_path / "nowhere.sse")  # walked, then unreadable
    result = invoke("check", str(tmp_path / "d"))
    assert result.exit_code == 2
    assert result.stderr.count("x.sse") == 1, result.stderr


def test_rule_suggests_the_nearest_id() -> None:
    result = CliRunner().invoke(cli, ["rule", "RSP2003"])
    assert result.exit_code == 2 and "did you mean RSP203?" in result.stderr
