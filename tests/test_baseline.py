"""Baselines: stable keys, counts, new versus known findings, stale entries."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from validator.catalog import RULES
from validator.engine import FileResult
from validator.model.findings import Finding, Severity
from validator.reporting.baseline import Baseline, BaselineError, Key


def f(rule: str, message: str, path: str, line: int, event_type: str | None = None) -> Finding:
    return Finding(
        rule, RULES[rule].name, Severity.ERROR, message, path, line, 1, line * 10, event_type=event_type
    )


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "t").mkdir()
    for name in ("a.sse", "b.sse"):
        (tmp_path / "t" / name).write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def results_today() -> list[FileResult]:
    return [
        FileResult(
            "t/a.sse",
            9,
            [
                f("RSP302", "text differs", "t/a.sse", 10, "response.output_text.done"),
                f("RSP302", "text differs", "t/a.sse", 30, "response.output_text.done"),
                f("RSP209", "stream ends without a terminal event", "t/a.sse", 40),
            ],
        ),
        FileResult("t/b.sse", 3, []),
    ]


def test_written_file_is_sorted_counted_and_free_of_line_numbers(tree: Path):
    Baseline.from_results(results_today(), "baseline.json").write("baseline.json")
    assert json.loads((tree / "baseline.json").read_text()) == {
        "version": 1,
        "tool": "llm-stream-validator",
        "findings": [
            {
                "path": "t/a.sse",
                "rule": "RSP209",
                "event_type": "",
                "message": "stream ends without a terminal event",
                "count": 1,
            },
            {
                "path": "t/a.sse",
                "rule": "RSP302",
                "event_type": "response.output_text.done",
                "message": "text differs",
                "count": 2,
            },
        ],
    }


def test_known_findings_are_hidden_even_after_lines_move(tree: Path):
    Baseline.from_results(results_today(), "baseline.json").write("baseline.json")
    moved = results_today()
    moved[0].findings[:] = [
        dataclasses.replace(x, line=x.line + 5, offset=x.offset + 99) for x in moved[0].findings
    ]
    kept, hidden, stale = Baseline.load("baseline.json").apply(moved)
    assert [r.findings for r in kept] == [[], []]
    assert (hidden, stale) == (3, [])


def test_a_new_occurrence_of_a_known_key_is_new(tree: Path):
    Baseline.from_results(results_today(), "baseline.json").write("baseline.json")
    more = results_today()
    extra = f("RSP302", "text differs", "t/a.sse", 50, "response.output_text.done")
    more[0].findings.append(extra)
    new = f("RSP002", "invalid JSON", "t/b.sse", 2)
    more[1].findings.append(new)
    kept, hidden, stale = Baseline.load("baseline.json").apply(more)
    assert [r.findings for r in kept] == [[extra], [new]]
    assert hidden == 3
    assert stale == []
    assert kept[1].failed()


def test_fixed_findings_are_reported_stale(tree: Path):
    Baseline.from_results(results_today(), "baseline.json").write("baseline.json")
    fixed = results_today()
    del fixed[0].findings[1:]  # one RSP302 and the RSP209 are fixed
    kept, hidden, stale = Baseline.load("baseline.json").apply(fixed)
    assert (kept[0].findings, hidden) == ([], 1)
    assert [s.describe() for s in stale] == [
        "t/a.sse: RSP209: stream ends without a terminal event (recorded 1, found 0)",
        "t/a.sse: RSP302 on response.output_text.done: text differs (recorded 2, found 1)",
    ]
    assert stale[0].as_dict() == {
        "path": "t/a.sse",
        "rule": "RSP209",
        "event_type": "",
        "message": "stream ends without a terminal event",
        "recorded": 1,
        "found": 0,
    }


def test_entries_of_unchecked_files_are_not_stale_unless_the_file_is_gone(tree: Path):
    Baseline.from_results(results_today(), "baseline.json").write("baseline.json")
    only_b = [FileResult("t/b.sse", 3, [])]
    assert Baseline.load("baseline.json").apply(only_b)[2] == []
    (tree / "t" / "a.sse").unlink()
    stale = Baseline.load("baseline.json").apply(only_b)[2]
    assert {s.key.rule for s in stale} == {"RSP209", "RSP302"}


def test_paths_are_relative_to_the_baseline_file_not_the_cwd(tree: Path, monkeypatch: pytest.MonkeyPatch):
    Baseline.from_results(results_today(), "baseline.json").write("baseline.json")
    monkeypatch.chdir(tree / "t")
    from_inside = [
        FileResult("a.sse", 9, [f("RSP209", "stream ends without a terminal event", "a.sse", 40)]),
    ]
    baseline = Baseline.load(tree / "baseline.json")
    assert baseline.key(from_inside[0].findings[0]) == Key(
        "t/a.sse", "RSP209", "", "stream ends without a terminal event"
    )
    kept, hidden, _ = baseline.apply(from_inside)
    assert (kept[0].findings, hidden) == ([], 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read baseline"),
        ("{not json", "is not JSON"),
        ('{"version": 99, "findings": []}', "is not an llm-stream-validator baseline"),
        ('{"version": 1, "findings": [{"path": "a"}]}', "malformed entry"),
    ],
)
def test_bad_baseline_files_raise_one_clear_error(tmp_path: Path, content: str | None, message: str):
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BaselineError, match=message):
        Baseline.load(path)
