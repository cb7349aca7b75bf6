"""One slip must not hide another: a schema finding masks only the findings it causes.

An event that fails its schema (a real server leaves out a required-but-nullable field) is
still checked: a lifecycle or consistency finding on it is dropped only when a schema error
covers the value the finding is about (its JSON pointer), or the value the check needs is
unusable (:data:`validator.families.TRUSTED_FIELDS`).

Both halves are proved here:

* two defects in one event: ``corpus/masking/RSPnnn.sse`` is each rule example
  (``corpus/rules/RSPnnn/bad.sse``) with a schema slip added to every event that carries a
  lifecycle or consistency finding (``tools/make_masking_examples.py`` picks a field the finding
  does not read); each example finding is still reported, and the slip beside it;
* true cascades: a value the check reads is broken, and only the schema finding is reported.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS
from test_rule_examples import example_dirs, load_sidecar, options_of

from tools.make_masking_examples import OUT as MASKING
from tools.make_masking_examples import build
from validator.engine import check_bytes
from validator.protocols.responses.families import EVENTS, LIFECYCLE, Action
from validator.protocols.responses.schemas import SchemaChecker


def _cases() -> list[Any]:
    return [pytest.param(d, id=d.name) for d in example_dirs() if (d / "bad.sse").is_file()]


@pytest.mark.parametrize("directory", _cases())
def test_a_schema_slip_beside_each_defect_hides_neither(directory: Path) -> None:
    made = build(directory)
    masked = MASKING / f"{directory.name}.sse"
    if made is None:
        assert not masked.exists(), f"{masked} is stale (python tools/make_masking_examples.py)"
        return
    data, edits = made
    assert masked.read_bytes() == data, f"{masked} is stale (python tools/make_masking_examples.py)"
    options = options_of(load_sidecar(directory))
    before = check_bytes((directory / "bad.sse").read_bytes(), "bad.sse", options).findings
    after = check_bytes(data, masked.name, options).findings
    # The example's findings, one line down (the second header line), and one RSP103 per slip.
    expected = Counter((f.rule, f.line + 1) for f in before) + Counter(("RSP103", line) for line, _ in edits)
    assert Counter((f.rule, f.line) for f in after) == expected, [(f.rule, f.line, f.message) for f in after]


def test_every_event_family_has_a_two_defect_example() -> None:
    # Every kind of event the machines handle (each Action of the event table, and the response's
    # own lifecycle events) carries a slip beside a defect in some example.
    slipped = set()
    checker = SchemaChecker.for_profile("openai")
    for masked in MASKING.glob("*.sse"):
        for line in masked.read_bytes().split(b"\n"):
            try:
                event = json.loads(line[len(b"data: ") :]) if line.startswith(b"data: {") else None
            except ValueError:
                continue  # RSP001/RSP002 examples: the broken frame is their defect
            if isinstance(event, dict) and any(i.rule == "RSP103" for i in checker.check(event)):
                etype = event.get("type")
                spec = EVENTS.get(etype)
                slipped.add(spec.action.value if spec else LIFECYCLE[etype].name)
    assert slipped >= {a.value for a in Action} | {"CREATED", "IN_PROGRESS", "COMPLETED", "FAILED"}, slipped


# --------------------------------------------------------------------------- true cascades


def _stream(name: str) -> list[dict[str, Any]]:
    # Split at line feeds only: str.splitlines also splits at U+2028 inside a JSON string.
    text = (CORPUS / "streams" / name).read_text(encoding="utf-8")
    return [json.loads(line[6:]) for line in text.split("\n") if line.startswith("data: {")]


def _sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(
        f"event: {e['type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n".encode() for e in events
    )


def _rules(events: list[dict[str, Any]]) -> list[str]:
    return [f.rule for f in check_bytes(_sse(events), "<t>").findings]


def _first(events: list[dict[str, Any]], etype: str, last: bool = False) -> dict[str, Any]:
    found = [e for e in events if e["type"] == etype]
    return found[-1] if last else found[0]


def test_the_streams_used_below_are_valid() -> None:
    assert _rules(_stream("message_text.sse")) == []
    assert _rules(_stream("function_call.sse")) == []


def test_cascade_delta_not_text() -> None:
    # The delta's text is unusable: the text done, part and item then differ (RSP301-303), and
    # that is the same defect.
    events = _stream("message_text.sse")
    _first(events, "response.output_text.delta")["delta"] = 42
    assert _rules(events) == ["RSP103"]


def test_cascade_done_status_not_a_string() -> None:
    # The done item's status is broken: the terminal output's differs (RSP304) because of it.
    events = _stream("message_text.sse")
    _first(events, "response.output_item.done")["item"]["status"] = 5
    assert _rules(events) == ["RSP103"]


def test_cascade_terminal_status_not_a_string() -> None:
    events = _stream("message_text.sse")
    events[-1]["response"]["status"] = 5
    assert _rules(events) == ["RSP103"]


def test_cascade_added_output_index_not_a_number() -> None:
    # Not a number: the item takes the next index, and nothing else is said about it.
    events = _stream("function_call.sse")
    _first(events, "response.output_item.added")["output_index"] = "zero"
    assert _rules(events) == ["RSP103"]


def test_cascade_arguments_not_a_string() -> None:
    events = _stream("function_call.sse")
    _first(events, "response.function_call_arguments.done")["arguments"] = {"city": "Paris"}
    assert _rules(events) == ["RSP103"]


def test_cascade_item_id_broken_taints_the_item() -> None:
    # The added item's id is unusable: later events name an id the stream never gave it.
    events = _stream("message_text.sse")
    _first(events, "response.output_item.added")["item"]["id"] = 7
    rules = _rules(events)
    assert rules[0] == "RSP103" and set(rules) <= {"RSP103", "RSP223", "RSP220"}, rules


def test_the_issue_s_three_masked_defects_are_reported() -> None:
    # Seen on real servers, each hidden behind a missing nullable field until now.
    events = _stream("message_text.sse")
    terminal = events[-1]["response"]
    del terminal["temperature"]
    terminal["status"], terminal["completed_at"] = "incomplete", None
    assert _rules(events) == ["RSP103", "RSP210"]

    events = _stream("message_text.sse")
    terminal = events[-1]["response"]
    del terminal["top_p"]
    terminal["output"][-1]["status"] = "incomplete"
    assert _rules(events) == ["RSP103", "RSP304"]

    events = _stream("function_call.sse")
    added = _first(events, "response.output_item.added")
    del added["item"]["arguments"]
    added["output_index"] = 3
    assert _rules(events) == ["RSP103", "RSP221"]


# --------------------------------------------------------------------------- readable findings


def _check(events: list[dict[str, Any]]) -> Any:
    return check_bytes(_sse(events), "t.sse")


def _negative_on_every_delta() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The text stream as a server that sends ``output_index: -1`` on every delta; and its deltas."""
    events = _stream("message_text.sse")
    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    for delta in deltas:
        delta["output_index"] = -1
    return events, deltas


def test_a_negative_output_index_on_every_delta_is_one_schema_finding_and_one_index_error() -> None:
    events, deltas = _negative_on_every_delta()
    result = _check(events)
    first = 2 + 3 * events.index(deltas[0])
    assert [(f.rule, f.line) for f in result.findings] == [("RSP103", first), ("RSP221", first)]
    grouped = result.findings[0]
    assert [r.line for r in grouped.related] == [2 + 3 * events.index(d) for d in deltas[1:]]
    assert grouped.details[0].startswith(f"the same on {len(deltas) - 1} later events: line {first + 3}, ")
    assert "negative" in result.findings[1].message


def test_every_distinct_schema_error_of_an_event_is_listed_under_it() -> None:
    events = _stream("message_text.sse")
    terminal = events[-1]["response"]
    del terminal["temperature"], terminal["top_p"]
    terminal["metadata"] = 5
    (finding,) = _check(events).findings
    assert finding.rule == "RSP103" and finding.message.endswith("(and 2 more)")
    shown = [finding.message, *finding.details]
    for what in ("'temperature' is a required property", "'top_p' is a required property", "/metadata"):
        assert sum(what in line for line in shown) == 1, (what, shown)


def test_text_output_shows_details_indented_and_sarif_keeps_every_repeat() -> None:
    from validator.reporting.report import Report
    from validator.reporting.reporters.sarif import SarifReporter
    from validator.reporting.reporters.text import ConciseReporter, TextReporter

    events, deltas = _negative_on_every_delta()
    result = _check(events)
    text = TextReporter().render(Report([result])).splitlines()
    assert text[0].startswith("t.sse:") and " RSP103 error: " in text[0]
    assert text[1].startswith("    the same on ")
    # The concise format keeps one line per finding.
    concise = ConciseReporter().render(Report([result])).splitlines()
    assert len(concise) == len(result.findings) + 1 and " RSP103 error: " in concise[0]
    doc = json.loads(SarifReporter().render(Report([result])))
    (grouped,) = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "RSP103"]
    lines = [loc["physicalLocation"]["region"]["startLine"] for loc in grouped["relatedLocations"]]
    assert lines == [r.line for r in result.findings[0].related] and len(lines) == len(deltas) - 1
