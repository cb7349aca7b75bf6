"""The codex profile (CHANGES-2026-12.md §1.5, §4): the Codex backend's wire, and its departures elsewhere."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import CORPUS

from validator.catalog import PROFILE_DOCS, PROFILES, RULES
from validator.cli import cli
from validator.engine import CheckOptions, check_bytes

CODEX = CheckOptions(profile="codex")
WIRE = (CORPUS / "codex" / "codex_wire.sse").read_bytes()


def found(data: bytes, options: CheckOptions = CODEX) -> list[tuple[str, str]]:
    return [(f.rule, f.severity.value) for f in check_bytes(data, "codex.sse", options).findings]


def test_the_codex_wire_is_clean_in_its_profile_and_named_departures_elsewhere() -> None:
    assert found(WIRE) == []
    openai = check_bytes(WIRE, "codex.sse", CheckOptions()).findings
    assert {f.rule for f in openai} == {"RSP110", "RSP206", "RSP103"}
    assert all("--profile codex" in f.message for f in openai)
    done = next(f for f in openai if f.event_type == "response.done")
    assert (done.rule, done.severity.value) == ("RSP110", "error")  # no terminal for an openai client
    first = [f for f in openai if f.line == 2]
    assert {(f.rule, f.severity.value) for f in first} == {("RSP110", "warning"), ("RSP206", "error")}


def test_the_codex_profile_still_judges_the_response() -> None:
    broken = WIRE.replace(b'"delta":" is Paris."', b'"delta":" is Lyon."', 1)
    assert broken != WIRE
    assert ("RSP301", "error") in found(broken)
    # response.done ends the stream: an item it leaves open is still never closed.
    cut = (
        WIRE[: WIRE.index(b"event: response.output_item.done")] + WIRE[WIRE.index(b"event: response.done") :]
    )
    assert "RSP228" in {r for r, _ in found(cut)}


def test_a_frame_without_output_index_must_still_name_a_known_item() -> None:
    lines = WIRE.decode().split("\n")
    at = next(i for i, line in enumerate(lines) if '"type":"response.output_text.delta"' in line)
    assert "output_index" not in lines[at]
    lines[at] = lines[at].replace('"item_id":"msg_', '"item_id":"gone_')
    stray = "\n".join(lines)
    assert "RSP220" in {r for r, _ in found(stray.encode())}


def test_codex_takes_the_openai_severities_unless_it_sets_its_own() -> None:
    assert "codex" in PROFILES
    for rule in RULES.values():
        if "codex" not in rule.profiles:
            assert rule.severity_in("codex") == rule.severity_in("openai"), rule.id
    assert RULES["RSP110"].severity_in("codex") is None
    assert RULES["RSP007"].severity_in("codex") is None  # [DONE] is not required there either


def test_rules_lists_what_each_profile_accepts_and_why() -> None:
    result = CliRunner().invoke(cli, ["rules", "--profiles"])
    assert result.exit_code == 0
    for name in PROFILES:
        assert name in result.output
    assert "codex.*" in result.output and "response.done" in result.output
    as_json = CliRunner().invoke(cli, ["rules", "--profiles", "--format", "json"])
    assert json.loads(as_json.output) == PROFILE_DOCS
