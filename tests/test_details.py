"""A finding's detail lines in text output: the few that matter, and how many more ``-v`` shows.

An output item without ``type`` fails every branch of the item union: the schema check lists
two dozen further errors, all kept in ``Finding.details`` (most relevant first: one slip must not
hide another, yet the first screen must stay readable).
The text output shows the first few and says how many it leaves out; ``-v`` shows every one;
JSON and SARIF keep them all.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from validator.cli import cli
from validator.engine import FileResult
from validator.model.findings import Finding, Severity
from validator.reporting.report import Report
from validator.reporting.reporters.text import SHOWN_DETAILS, TextReporter

CLEAN = SEEDS / "004_75bce7c82fd61a67.sse"


@pytest.fixture
def untyped_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The clean seed with its output item's ``type`` removed (line 8)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    text = CLEAN.read_text(encoding="utf-8")
    assert '"item":{"id":"msg_047ed4efefe8e3c100690e08ec94c48192afb8312460cea24d","type":"message",' in text
    path = tmp_path / "untyped.sse"
    path.write_text(text.replace('"type":"message",', "", 1), encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def _finding_block(stdout: str, line: int) -> list[str]:
    """The lines under the finding at ``line``: its headline and its indented details."""
    lines = stdout.splitlines()
    start = next(i for i, text in enumerate(lines) if f":{line}:" in text and " RSP103 " in text)
    block = [lines[start]]
    for text in lines[start + 1 :]:
        if not text.startswith("    "):
            break
        block.append(text)
    return block


def test_a_missing_item_type_shows_a_few_details_and_counts_the_rest(untyped_item: Path) -> None:
    code, stdout = _run("--format", "json", str(untyped_item))
    assert code == 1
    (finding,) = [f for f in json.loads(stdout)["files"][0]["findings"] if f["rule"] == "RSP103"]
    details = finding["details"]
    assert "'type' is a required property" in finding["message"]
    assert len(details) > SHOWN_DETAILS + 10, details  # JSON keeps every one

    code, stdout = _run(str(untyped_item))
    block = _finding_block(stdout, 8)
    assert block[1 : 1 + SHOWN_DETAILS] == [f"    {d}" for d in details[:SHOWN_DETAILS]]
    hidden = len(details) - SHOWN_DETAILS
    assert block[1 + SHOWN_DETAILS :] == [f"    … and {hidden} more (-v shows every one)"]

    for flag in ("-v", "--verbose"):
        code, stdout = _run(flag, str(untyped_item))
        assert _finding_block(stdout, 8)[1:] == [f"    {d}" for d in details]


def _finding(details: tuple[str, ...]) -> Finding:
    return Finding("RSP103", "schema", Severity.ERROR, "x: first", "t.sse", 2, 7, 0, details=details)


@pytest.mark.parametrize("count", [0, 1, SHOWN_DETAILS, SHOWN_DETAILS + 1])
def test_a_short_list_is_shown_whole(count: int) -> None:
    # Hiding one line behind a line saying "1 more" would save nothing.
    details = tuple(f"required: /item: 'f{i}' is a required property" for i in range(count))
    assert TextReporter().shown_details(_finding(details)) == list(details)


def test_the_schema_checks_own_cap_is_counted_in_the_hidden_total() -> None:
    details = (*(f"d{i}" for i in range(49)), "… and 7 more")
    shown = TextReporter().shown_details(_finding(details))
    assert shown == ["d0", "d1", "d2", f"… and {49 - SHOWN_DETAILS + 7} more (-v shows every one)"]
    assert TextReporter(verbose=True).shown_details(_finding(details)) == list(details)


def test_a_grouped_repeat_stays_in_sight_when_details_are_cut() -> None:
    # The engine puts its own notes (repeats, a body's line) before the schema's further errors.
    from validator.engine.stream import group_repeats

    first = dataclasses.replace(_finding(tuple(f"d{i}" for i in range(10))), event_index=1)
    (grouped,) = group_repeats([first, dataclasses.replace(first, line=5, event_index=2)])
    text = TextReporter().render(Report([FileResult("t.sse", findings=[grouped])])).splitlines()
    assert text[1] == "    the same on 1 later event: line 5"
    assert text[-2] == "    … and 8 more (-v shows every one)"
