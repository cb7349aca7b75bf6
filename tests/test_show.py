"""``show FILE``: the outline in the terminal, findings inline, exit codes like ``check``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from validator.cli import cli

CLEAN = SEEDS / "004_75bce7c82fd61a67.sse"
BROKEN = SEEDS / "000_e3213cea1afb5a14.sse"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)


def show(*args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env).invoke(cli, ["show", *args], catch_exceptions=False)


def test_clean_stream_outline():
    result = show(str(CLEAN))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{CLEAN} (sse, 9 events)"
    assert lines[1] == "  response: created @0 → in_progress @1 → completed @8"
    assert lines[2].startswith("  #0 message msg_047ed4efefe8e3c1") and "[completed]" in lines[2]
    assert lines[2].endswith("line 8 (event 2) – line 23 (event 7)")
    assert lines[3] == (
        "     content 0 output_text  line 11 (event 3) – line 20 (event 6) · 1 delta, 3 chars · done @5"
    )
    assert lines[4] == (
        "  response.completed @8 (line 26): completed · usage "
        "input_tokens 16, output_tokens 2, total_tokens 18"
    )
    assert len(lines) == 5
    assert show("--protocol", "responses", "--profile", "openai", str(CLEAN)).stdout == result.stdout


def test_broken_stream_findings_inline_in_stream_order():
    result = show(str(BROKEN))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    item = next(i for i, line in enumerate(lines) if "image_generation_call" in line)
    assert "never closed" in lines[item] and "in_progress @3, generating @4, completed @5" in lines[item]
    assert lines[item + 1] == "  undecodable event @6 (line 20)"
    assert lines[item + 2].startswith("  ✗ 20:630 RSP002 error: invalid JSON")
    assert [line.split()[2] for line in lines[item + 2 :]] == ["RSP002", "RSP209", "RSP228"]


def test_colour_and_errors():
    assert "\x1b[" not in show(str(BROKEN)).stdout
    assert "\x1b[31m" in show("--color", str(BROKEN)).stdout
    assert "\x1b[" not in show("--color", str(BROKEN), env={"NO_COLOR": "1"}).stdout
    missing = show("missing.sse")
    assert missing.exit_code == 2 and "missing.sse: no such file or directory" in missing.stderr


def test_a_container_gets_its_findings_without_an_outline():
    cassette = SEEDS.parent / "rules" / "RSP015" / "bad.yaml"
    result = show(str(cassette))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{cassette} (cassette, 0 events)"
    assert lines[1] == "  (no outline for a container of streams; its findings:)"
    assert lines[2].startswith("  ✗ 3:3 RSP015 error: interaction 1: HTTP 422")
