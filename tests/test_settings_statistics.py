"""``check --statistics`` (counts per rule, as ruff's) and ``check --show-settings`` (which
configuration file, each setting's source, which files; nothing checked)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import CORPUS, SEEDS

from validator.cli import cli

CLEAN = SEEDS / "004_75bce7c82fd61a67.sse"
BROKEN = SEEDS / "000_e3213cea1afb5a14.sse"


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name in ("a", "b"):
        (tmp_path / "t" / f"{name}.sse").parent.mkdir(exist_ok=True)
        (tmp_path / "t" / f"{name}.sse").write_bytes(BROKEN.read_bytes())
    (tmp_path / "t" / "ok.sse").write_bytes(CLEAN.read_bytes())
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)


def _counts(*args: str) -> Counter[str]:
    doc = json.loads(invoke("--format", "json", *args).stdout)
    return Counter(f["rule"] for file in doc["files"] for f in file["findings"])


# ---------------------------------------------------------------------- --statistics
def test_statistics_counts_each_rule_as_the_full_report_does() -> None:
    expected = _counts("t", "--ignore", "RSP209")
    assert expected and max(expected.values()) >= 2  # the two broken copies
    result = invoke("--statistics", "--format", "json", "t", "--ignore", "RSP209")
    assert result.exit_code == 1  # the findings still fail the run
    rows = json.loads(result.stdout)
    assert {r["rule"]: r["count"] for r in rows} == dict(expected)
    assert all(r["files"] == 2 and r["severity"] == "error" and r["name"] for r in rows)
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)


def test_statistics_text_is_one_row_per_rule_then_the_summary() -> None:
    result = invoke("--statistics", "t")
    lines = result.stdout.splitlines()
    expected = _counts("t")
    assert len(lines) == len(expected) + 1 and lines[-1] == "Found 6 errors in 2 of 3 files."
    for line in lines[:-1]:
        count, rule, severity, files, name = (column.strip() for column in line.split("\t"))
        assert int(count) == expected[rule] and severity == "error" and files == "2 files"
        assert name == {"RSP002": "invalid-json", "RSP209": "missing-terminal-event"}.get(rule, name)
    assert invoke("--statistics", "-q", "t").stdout.splitlines() == lines[:-1]


def test_statistics_columns_line_up_as_ruffs_whatever_their_widths(_here: Path) -> None:
    # Counts of one and two digits, ids of two lengths, three severities, one file and several.
    for n in range(10):
        (_here / "t" / f"copy{n}.sse").write_bytes(BROKEN.read_bytes())
    rules = CORPUS / "rules"
    lines = invoke(
        "--statistics", "-q", "t", *(str(rules / r / "bad.sse") for r in ("AN104", "CH004"))
    ).stdout
    rows = [line.split("\t") for line in lines.splitlines()]
    assert [(row[0], row[1]) for row in rows[:2]] == [("12", "RSP002"), ("12", "RSP209")]
    assert rows[-1][0] == " 1" and {"info   ", "warning", "error  "} == {row[2] for row in rows}
    assert {row[3] for row in rows} == {"12 files", " 1 file "} and {"AN104 ", "RSP002"} <= {
        row[1] for row in rows
    }
    # Every column but the name is padded to one width, so each starts at one place in a terminal.
    assert all(len(row) == 5 for row in rows)
    assert all(len({len(row[column]) for row in rows}) == 1 for column in range(4))
    assert len({tuple(len("\t".join(row[:i]).expandtabs()) for i in range(1, 5)) for row in rows}) == 1


def test_statistics_of_a_clean_run_is_the_summary_alone() -> None:
    result = invoke("--statistics", "t/ok.sse")
    assert (result.exit_code, result.stdout) == (0, "All checks passed: 1 file, 0 findings.\n")
    assert json.loads(invoke("--statistics", "--format", "json", "t/ok.sse").stdout) == []


def test_statistics_in_other_formats_is_a_usage_error_and_extra_reports_stay_whole(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--statistics", "--format", "sarif", "t"])
    assert result.exit_code == 2
    assert "--statistics prints text, concise or json, not --format sarif" in result.stderr
    result = invoke("--statistics", "--json-report", "full.json", "t")
    doc = json.loads((tmp_path / "full.json").read_text())
    assert sum(len(f["findings"]) for f in doc["files"]) == sum(_counts("t").values())


# ---------------------------------------------------------------------- --show-settings
def _config(tmp_path: Path) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.llm-stream-validator]\nselect = ["RSP2"]\nformat = "concise"\n', encoding="utf-8")
    return path


def test_show_settings_names_the_file_each_source_and_the_files(tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = invoke("--show-settings", "--strict", "t", "t/a.sse")
    assert result.exit_code == 0  # nothing is checked, so the broken files do not fail it
    out = result.stdout
    assert out.splitlines()[0] == f"Configuration file: {config}"
    rows = {line.split()[0]: line for line in out.splitlines() if " = " in line}
    assert rows["select"].endswith(f"= RSP2  ({config})")
    assert rows["format"].endswith(f"= concise  ({config})")
    assert rows["strict"].endswith("= true  (command line)")
    assert rows["ignore"].endswith("= none  (default)")
    assert out.split("Files (3):\n")[1].splitlines() == ["  t/a.sse", "  t/b.sse", "  t/ok.sse"]
    assert " error: " not in out and "Found " not in out  # no findings, no summary


def test_show_settings_as_json_and_isolated(tmp_path: Path) -> None:
    config = _config(tmp_path)
    doc = json.loads(invoke("--show-settings", "--format", "json", "t/ok.sse").stdout)
    assert doc["config_file"] == str(config) and doc["files"] == ["t/ok.sse"]
    assert doc["settings"]["select"] == {"value": ["RSP2"], "source": str(config)}
    assert doc["settings"]["profile"] == {"value": None, "source": "default"}
    doc = json.loads(invoke("--show-settings", "--isolated", "--format", "json", "t/ok.sse").stdout)
    assert doc["config_file"] is None and doc["settings"]["select"]["source"] == "default"
    text = invoke("--show-settings", "--isolated", "t/ok.sse").stdout
    assert text.startswith("Configuration file: none (--isolated)\n")


def test_show_settings_without_a_config_file_says_where_it_looked(tmp_path: Path) -> None:
    first = invoke("--show-settings", "t/ok.sse").stdout.splitlines()[0]
    assert first.startswith(
        "Configuration file: none (no pyproject.toml with [tool.llm-stream-validator] in "
    )


def test_show_settings_still_refuses_a_path_that_does_not_exist() -> None:
    result = CliRunner().invoke(cli, ["check", "--show-settings", "nope.sse"])
    assert result.exit_code == 2 and "nope.sse" in result.stderr
