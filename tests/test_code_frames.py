"""Code frames in the text output: the line under each finding, the caret at its column, the value at its
pointer; cut to the terminal's width; colour only where asked and never with NO_COLOR; ``concise`` is
the one-line form."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from validator.cli import cli
from validator.model.findings import Finding, Severity
from validator.reading.excerpt import read_excerpts
from validator.reporting.reporters.text import code_frame, value_at

BROKEN = SEEDS / "000_e3213cea1afb5a14.sse"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)


def invoke(*args: str, env: dict[str, str] | None = None) -> str:
    return CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False).stdout


def finding(line: int, column: int, offset: int, pointer: str = "") -> Finding:
    return Finding("RSP101", "x", Severity.ERROR, "m", "t.sse", line, column, offset, pointer=pointer)


def excerpt_of(tmp_path: Path, text: str, line: int, column: int, pointer: str = ""):
    path = tmp_path / "t.sse"
    path.write_bytes(text.encode())
    lines = text.split("\n")
    offset = sum(len(x.encode()) + 1 for x in lines[: line - 1]) + len(lines[line - 1][: column - 1].encode())
    f = finding(line, column, offset, pointer)
    return f, read_excerpts(str(path), [(offset, column, bool(pointer))])[offset]


def caret_column(frame: list[tuple[str, str]]) -> int:
    """Where the caret sits under the shown line (index into the shown text)."""
    return frame[2][1].index("^")


def test_caret_under_the_column_of_a_short_line(tmp_path: Path):
    text = 'event: x\ndata: {"type":"response.created","sequence_number":"7"}\n\n'
    f, ex = excerpt_of(tmp_path, text, 2, 7, "/sequence_number")
    frame = code_frame(f, ex, 100)
    assert frame[1] == ("2 |", 'data: {"type":"response.created","sequence_number":"7"}')
    assert caret_column(frame) == 6 and frame[1][1][6] == "{"
    assert frame[3] == ("  =", '/sequence_number: "7"')


def test_a_long_line_is_cut_around_the_column_with_ellipses(tmp_path: Path):
    body = "".join(f'"k{i}":{i},' for i in range(2000))
    line = 'data: {"type":"x",' + body + '"bad":nul}'
    column = line.index("nul}") + 1
    f, ex = excerpt_of(tmp_path, line + "\n\n", 1, column)
    frame = code_frame(f, ex, 80)
    shown = frame[1][1]
    assert shown.startswith("…") and shown.endswith("…") is False  # the line ends within the room
    assert len(shown) + len(frame[1][0]) + 1 <= 80
    assert shown[caret_column(frame)] == "n"
    # Far from both ends: cut on both sides.
    column = line.index('"k1000"') + 1
    f, ex = excerpt_of(tmp_path, line + "\n\n", 1, column)
    frame = code_frame(f, ex, 60)
    shown = frame[1][1]
    assert shown.startswith("…") and shown.endswith("…") and len(shown) + 4 <= 60
    assert shown[caret_column(frame) :].startswith('"k1000"')


def test_wide_and_control_characters_keep_the_caret_in_place(tmp_path: Path):
    line = 'data: {"delta":"漢字\tx","n":}'
    column = line.index("}") + 1
    f, ex = excerpt_of(tmp_path, line + "\n", 1, column)
    frame = code_frame(f, ex, 100)
    shown = frame[1][1]
    assert "\t" not in shown and "\ufffd" in shown
    # Two wide characters take four cells: the caret is two cells further than the index.
    assert caret_column(frame) == shown.index("}") + 2


def test_value_at_pointer():
    event = json.dumps({"a": {"b/c": [1, {"d": None}]}, "t": "x"})
    assert value_at(event, "/a/b~1c/1") == '{"d": null}'
    assert value_at(event, "/a/b~1c/1/d") == "null"
    assert value_at(event, "/a/missing") == "(absent)"
    assert value_at(event, "/t/x") is None
    assert value_at("{broken", "/a") is None


def test_default_text_output_has_frames_and_concise_has_none():
    framed = invoke("check", str(BROKEN)).splitlines()
    concise = invoke("check", "--format", "concise", str(BROKEN)).splitlines()
    # The one-line form is the first line of each framed finding, and nothing else in concise.
    heads = [line for line in framed if line.startswith(str(BROKEN))]
    assert heads == concise[:-1] and len(heads) == 3
    assert framed[-1] == concise[-1]
    at = framed.index(heads[0])
    assert framed[at + 1 : at + 4] == ["   |", framed[at + 2], "   |" + framed[at + 3][4:]]
    assert framed[at + 2].startswith("20 | …") and "^" in framed[at + 3]


def test_colour_only_when_asked_and_never_with_no_color():
    plain = invoke("check", str(BROKEN))
    assert "\x1b[" not in plain
    coloured = invoke("check", "--color", str(BROKEN))
    assert "\x1b[31m" in coloured and ANSI.sub("", coloured) == plain
    assert "\x1b[" not in invoke("check", "--color", str(BROKEN), env={"NO_COLOR": "1"})


def test_terminal_width_is_followed(monkeypatch: pytest.MonkeyPatch):
    for width in (60, 140):
        monkeypatch.setenv("COLUMNS", str(width))
        out = invoke("check", str(BROKEN)).splitlines()
        framed = [line for line in out if line.startswith("20 | ")]
        assert framed and all(len(line) <= width for line in framed)


def test_standard_input_gets_the_one_line_form(tmp_path: Path):
    result = CliRunner().invoke(cli, ["check", "-"], input=BROKEN.read_bytes(), catch_exceptions=False)
    lines = result.stdout.splitlines()
    assert all(line.startswith("-:") for line in lines[:-1]) and len(lines) == 4
