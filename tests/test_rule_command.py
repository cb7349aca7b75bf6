"""``rule RSPnnn``: the doc, the reported example's findings as ``check`` draws them (checked when
the command runs, so they cannot drift), the conforming example as the lines that differ."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from validator.catalog import RULES
from validator.cli import cli, examples_dir, rule_text
from validator.engine import check_file
from validator.explain import explain_rule

EXAMPLES = examples_dir()


def test_rule_shows_the_finding_its_frame_and_the_fix() -> None:
    result = CliRunner().invoke(cli, ["rule", "RSP002"])
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith(RULES["RSP002"].doc())
    (finding,) = check_file(EXAMPLES / "RSP002" / "bad.sse").findings
    line = f"  bad.sse:{finding.line}:{finding.column}: RSP002 error: {finding.message}"
    assert line in out.splitlines()
    frame = out.splitlines()[out.splitlines().index(line) + 1 :][:3]
    assert frame[1].startswith(f"  {finding.line} | data: ")
    assert frame[2].index("^") - frame[1].index("data: ") == finding.column - 1  # the caret under the column
    bad = (EXAMPLES / "RSP002" / "bad.sse").read_text().splitlines()
    good = (EXAMPLES / "RSP002" / "good.sse").read_text().splitlines()
    assert f"  - {finding.line} | {bad[finding.line - 1]}" in out
    assert f"  + {finding.line} | {good[finding.line - 1]}" in out
    # Not two whole transcripts: the event lines both files share are not printed.
    shared = [text for a, text in zip(bad, good, strict=False) if a == text and text.startswith("data: ")]
    assert shared and not any(text[:60] in out for text in shared)
    assert out.rstrip().endswith(f"Both files whole: {EXAMPLES / 'RSP002'}")


def test_the_findings_are_checked_live_not_stored(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "RSP002", tmp_path / "RSP002")
    bad = tmp_path / "RSP002" / "bad.sse"
    bad.write_bytes(b": moved down two lines\n\n" + bad.read_bytes())
    text = rule_text(RULES["RSP002"], tmp_path)
    (finding,) = check_file(bad).findings
    assert f"  bad.sse:{finding.line}:{finding.column}: RSP002 error: " in text
    assert f"bad.sse:{finding.line - 2}:" not in text


def test_examples_that_are_not_utf8_are_shown_escaped(tmp_path: Path) -> None:
    ex = tmp_path / "RSP001"
    ex.mkdir()
    (ex / "bad.sse").write_bytes(b'data: {"x": "\xff"}\n\n')
    (ex / "bad.expected.json").write_text("{}")
    (ex / "good.sse").write_text('data: {"x": 1}\n\n')
    text = explain_rule(RULES["RSP001"], tmp_path)
    assert "  bad.sse:1:14: RSP001 error: invalid UTF-8" in text
    assert '  - 1 | data: {"x": "\\xff"}' in text and '  + 1 | data: {"x": 1}' in text


def test_a_probe_expectation_says_the_probe_reports_it() -> None:
    text = rule_text(RULES["RSP260"], EXAMPLES)
    assert "`probe` reports RSP260 when a server answers the tool-calling scenario with it." in text


def test_a_rule_without_examples_says_so(tmp_path: Path) -> None:
    text = explain_rule(RULES["RSP204"], tmp_path)
    assert text == RULES["RSP204"].doc() + (
        "\nExample (reported): no example file yet.\n\nConforming: no example file yet.\n"
    )


@pytest.mark.parametrize("rule_id", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_every_rules_example_shows_its_own_finding(rule_id: str) -> None:
    text = rule_text(RULES[rule_id], EXAMPLES)
    assert "is not reported on it" not in text and "cannot check it" not in text
    assert f": {rule_id} " in text or f"`probe` reports {rule_id}" in text


def test_a_further_example_is_checked_with_its_own_sidecar() -> None:
    # RSP235's bad-codex.sse is the case that breaks Codex clients, an error in the codex profile its
    # sidecar names; bad.sse, shown first (the one good.sse is compared with), is the generic warning.
    out = CliRunner().invoke(cli, ["rule", "RSP235"]).stdout
    generic, codex = out.index("Example (reported): bad.sse"), out.index("Example (reported): bad-codex.sse")
    assert generic < codex < out.index("Conforming: good.sse")
    assert "bad-codex.sse:31:7: RSP235 error: " in out and "bad.sse:22:7: RSP235 warning: " in out
