"""Rules real servers break: each rule, its boundary, and the same with a schema slip.

The streams are our own valid ones (``corpus/streams``) with one defect put in; every case is
also checked with a cosmetic schema slip (a required-but-nullable field left out of the terminal
snapshot, as real servers do) to show the finding is not masked by it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from test_masking import _first, _sse, _stream

from validator.cli import cli
from validator.engine import CheckOptions, check_bytes

Events = list[dict[str, Any]]


def _renumber(events: Events) -> Events:
    for n, event in enumerate(events):
        event["sequence_number"] = n
    return events


def _found(events: Events, profile: str = "openai") -> list[tuple[str, str]]:
    _renumber(events)
    result = check_bytes(_sse(events), "t.sse", CheckOptions(profile=profile))
    return [(f.rule, f.severity.value) for f in result.findings]


def _rules(events: Events, slip: bool = False) -> list[str]:
    if slip:
        del events[-1]["response"]["temperature"]
    rules = [r for r, _ in _found(events)]
    if slip:
        assert "RSP103" in rules, rules
        rules.remove("RSP103")
    return rules


both = pytest.mark.parametrize("slip", [False, True], ids=["clean", "with-a-schema-slip"])


# ------------------------------------------------------------------------- C8 (RSP234)


@both
@pytest.mark.parametrize(("field", "value"), [("created_at", 1767225799), ("model", "gpt-4.1")])
def test_snapshot_fields_stay_the_same(field: str, value: Any, slip: bool) -> None:
    events = _stream("message_text.sse")
    events[-1]["response"][field] = value
    assert _rules(events, slip) == ["RSP234"]


def test_snapshot_object_not_response_is_the_schema_s_finding_alone() -> None:
    # `object` must be "response" by the schema: the change is that one defect (a true cascade).
    events = _stream("message_text.sse")
    events[-1]["response"]["object"] = "chat.completion"
    assert _rules(events) == ["RSP103"]


def test_snapshot_fields_boundary_other_fields_may_change() -> None:
    # status, output, usage and completed_at are meant to change between snapshots.
    assert _rules(_stream("message_text.sse")) == []


# ------------------------------------------------------------------------- D11 (RSP235)


def _second_added_before_first_done(name: str) -> Events:
    events = _stream(name)
    done = _first(events, "response.output_item.done")
    second = [e for e in events if e["type"] == "response.output_item.added"][1]
    events.remove(second)
    events.insert(events.index(done), second)
    return events


def _interleaved() -> Events:
    return _second_added_before_first_done("parallel_function_calls.sse")


@pytest.mark.parametrize("profile", ["openai", "open-responses"])
def test_interleaved_items_are_a_warning(profile: str) -> None:
    assert ("RSP235", "warning") in _found(_interleaved(), profile)


def test_interleaving_boundary_added_right_after_done() -> None:
    assert "RSP235" not in [r for r, _ in _found(_stream("parallel_function_calls.sse"))]


def _message_during_reasoning() -> Events:
    # LiteLLM PR #38654: the message is added before the reasoning item's output_item.done.
    return _second_added_before_first_done("reasoning_summary.sse")


@pytest.mark.parametrize(
    ("profile", "severity"), [("openai", "warning"), ("open-responses", "warning"), ("codex", "error")]
)
def test_a_message_added_while_reasoning_is_open_breaks_codex(profile: str, severity: str) -> None:
    events = _renumber(_message_during_reasoning())
    findings = check_bytes(_sse(events), "t.sse", CheckOptions(profile=profile)).findings
    (found,) = [f for f in findings if f.rule == "RSP235"]
    assert (found.rule, found.severity.value) == ("RSP235", severity)
    assert "Codex clients track one active item and drop the message's text" in found.message
    assert "LiteLLM PR #38654" in found.message


def test_other_interleavings_keep_the_generic_message_and_severity_in_codex() -> None:
    (found,) = check_bytes(_sse(_renumber(_interleaved())), "t.sse", CheckOptions(profile="codex")).findings
    assert (found.rule, found.severity.value) == ("RSP235", "warning")
    assert found.message.endswith("items are interleaved")


def test_the_codex_case_is_reported_even_after_a_generic_interleaving() -> None:
    # Once per stream and case: an earlier, harmless interleaving does not hide the one that breaks.
    calls = _interleaved()
    reasoning = [
        e
        for e in _message_during_reasoning()
        if e["type"] not in ("response.created", "response.in_progress", "response.completed")
    ]
    for e in reasoning:
        if "output_index" in e:
            e["output_index"] += 2
    done = [e["item"] for e in reasoning if e["type"] == "response.output_item.done"]
    calls[-1]["response"]["output"] += done
    events = _renumber(calls[:-1] + reasoning + calls[-1:])
    found = [
        (f.rule, f.severity.value)
        for f in check_bytes(_sse(events), "t.sse", CheckOptions(profile="codex")).findings
    ]
    assert found == [("RSP235", "warning"), ("RSP235", "error")]


# ------------------------------------------------------------------------- E1/E11 (RSP236)

_STREAMED = (
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
)


@both
def test_text_only_in_the_done_item_was_never_streamed(slip: bool) -> None:
    events = [e for e in _stream("message_text.sse") if e["type"] not in _STREAMED]
    assert _rules(events, slip) == ["RSP236"]


def test_never_streamed_boundary_a_part_without_deltas_is_streamed() -> None:
    # E4: zero deltas are allowed; the part carries the text.
    events = [e for e in _stream("message_text.sse") if e["type"] != "response.output_text.delta"]
    assert "RSP236" not in _rules(events)


def test_never_streamed_boundary_an_empty_message() -> None:
    events = [e for e in _stream("message_text.sse") if e["type"] not in _STREAMED]
    for event in events:
        item = event.get("item") or {}
        if item.get("type") == "message":
            item["content"] = []
    events[-1]["response"]["output"][-1]["content"] = []
    assert "RSP236" not in _rules(events)


# ------------------------------------------------------------------------- D2 (RSP221)


@both
def test_negative_output_index_is_an_index_error(slip: bool) -> None:
    events = _stream("message_text.sse")
    _first(events, "response.output_item.added")["output_index"] = -1
    rules = _rules(events, slip)
    # The schema's minimum, and the index error: both name the same field, both are reported.
    assert sorted(rules) == ["RSP103", "RSP221"]
    message = next(f.message for f in check_bytes(_sse(events), "t.sse").findings if f.rule == "RSP221")
    assert "negative" in message


# ------------------------------------------------------------------------- G5 (RSP237, RSP230)


def _search(statuses: list[str]) -> Events:
    events = _stream("web_search_call.sse")
    template = _first(events, "response.web_search_call.in_progress")
    kept = [e for e in events if not e["type"].startswith("response.web_search_call.")]
    at = kept.index(_first(kept, "response.output_item.added")) + 1
    steps = [{**template, "type": f"response.web_search_call.{s}"} for s in statuses]
    return kept[:at] + steps + kept[at:]


def test_the_search_stream_is_valid() -> None:
    assert _rules(_search(["in_progress", "searching", "completed"])) == []


def test_a_repeated_status_is_a_warning() -> None:
    assert _found(_search(["in_progress", "in_progress", "searching", "completed"])) == [
        ("RSP237", "warning")
    ]


def test_a_status_going_backwards_is_an_error() -> None:
    assert _found(_search(["in_progress", "searching", "in_progress", "completed"])) == [("RSP230", "error")]


# ------------------------------------------------------------------------- C4/C11/D8 (RSP228)


def _failed_mid_message(with_error: bool) -> Events:
    events = _stream("message_text.sse")
    cut = events.index(_first(events, "response.output_text.done"))
    kept = events[:cut]
    terminal = json.loads(json.dumps(events[-1]))
    terminal["type"] = "response.failed"
    response = terminal["response"]
    response.update(status="failed", completed_at=None, usage=None, output=[])
    response["error"] = {"code": "server_error", "message": "The model crashed."}
    tail = [terminal]
    if with_error:
        tail.insert(
            0, {"type": "error", "code": "server_error", "message": "The model crashed.", "param": None}
        )
    return kept + tail


def test_an_item_left_open_by_a_failure_is_judged_the_same_with_or_without_an_error_event() -> None:
    without = _rules(_failed_mid_message(False))
    with_error = [r for r in _rules(_failed_mid_message(True)) if r != "RSP106"]
    assert without == with_error == []


# ------------------------------------------------------------------------- cut short (RSP228, RSP233, RSP238)


@both
def test_completed_with_an_item_still_open(slip: bool) -> None:
    events = [e for e in _stream("message_text.sse") if e["type"] != "response.output_item.done"]
    assert _rules(events, slip) == ["RSP228"]


@both
def test_completed_after_an_item_closed_incomplete(slip: bool) -> None:
    events = _stream("message_text.sse")
    _first(events, "response.output_item.done")["item"]["status"] = "incomplete"
    events[-1]["response"]["output"][-1]["status"] = "incomplete"
    assert _rules(events, slip) == ["RSP233"]


@both
def test_completed_although_the_snapshot_says_cut_short(slip: bool) -> None:
    events = _stream("message_text.sse")
    events[-1]["response"]["incomplete_details"] = {"reason": "max_output_tokens"}
    assert _rules(events, slip) == ["RSP238"]


# ------------------------------------------------------------------------- A8 (RSP016)

_OPENAI_401 = {
    "error": {
        "message": "Incorrect API key provided: sk-****.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(_OPENAI_401).encode(),
        json.dumps(_OPENAI_401, indent=2).encode() + b"\n",
        b'{"detail":"Not Found"}',
        b'\xef\xbb\xbf  {"detail": [{"loc": ["body", "input"], "msg": "Field required"}]}\n',
    ],
    ids=["openai-one-line", "openai-pretty", "fastapi-404", "fastapi-422-bom"],
)
def test_an_error_body_is_one_finding(body: bytes) -> None:
    (finding,) = check_bytes(body, "answer.json").findings
    assert finding.rule == "RSP016" and finding.line == 1
    assert "HTTP error body" in finding.message


def test_error_body_boundary_an_error_event_is_checked_as_a_stream() -> None:
    event = {"type": "error", "sequence_number": 0, "error": _OPENAI_401["error"]}
    rules = [f.rule for f in check_bytes(json.dumps(event).encode() + b"\n", "e.jsonl").findings]
    assert "RSP016" not in rules and "RSP206" in rules


def test_error_body_from_the_command_line(tmp_path: Any) -> None:
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(_OPENAI_401, indent=2))
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert result.output.count("RSP016") == 1 and "RSP002" not in result.output


_ANTHROPIC_401 = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
# A FastAPI 422 echoes the request's input: an error body well past the 16 KB protocol head.
_FASTAPI_422_BIG = {"detail": [{"loc": ["body", "input"], "msg": "Input too long", "input": "x" * 40_000}]}


@pytest.mark.parametrize(
    ("protocol", "rule"),
    [("auto", "RSP016"), ("responses", "RSP016"), ("chat", "CH067"), ("anthropic", "AN015")],
)
@pytest.mark.parametrize(
    "body",
    [json.dumps(_OPENAI_401, indent=2).encode() + b"\n", json.dumps(_FASTAPI_422_BIG, indent=2).encode()],
    ids=["openai-pretty", "fastapi-422-40kb"],
)
def test_an_error_body_is_one_finding_whatever_its_size_and_protocol(
    body: bytes, protocol: str, rule: str
) -> None:
    result = check_bytes(body, "answer.json", CheckOptions(protocol=protocol))
    (finding,) = result.findings
    assert (finding.rule, finding.name, finding.line, result.events) == (rule, "error-body-not-stream", 1, 0)
    # cut into small chunks, as a pipe gives it: the same verdict
    from validator.engine import check_chunks

    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    cut = check_chunks(chunks, "answer.json", CheckOptions(protocol=protocol))
    assert [f.rule for f in cut.findings] == [rule]


def test_the_anthropic_error_body_is_one_only_under_its_protocol() -> None:
    body = json.dumps(_ANTHROPIC_401, indent=2).encode()
    (finding,) = check_bytes(body, "a.json", CheckOptions(protocol="anthropic")).findings
    assert finding.rule == "AN015" and "invalid x-api-key" in finding.message
    # Open Responses' error event has the same shape: not an error body there
    as_responses = check_bytes(body, "a.json", CheckOptions(protocol="responses"))
    assert "RSP016" not in {f.rule for f in as_responses.findings}


@pytest.mark.parametrize("protocol", ["auto", "responses", "chat", "anthropic"])
def test_transcripts_are_not_mistaken_for_error_bodies(protocol: str) -> None:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [],
        "error": {"message": "upstream failed"},
    }
    event = {"type": "error", "sequence_number": 0, "error": _OPENAI_401["error"]}
    for body in (
        json.dumps(chunk, indent=2).encode(),  # one chunk carrying an error, pretty-printed
        json.dumps(event).encode() + b"\n",  # a single-object transcript
        json.dumps([_OPENAI_401]).encode(),  # a JSON-array transcript
        (json.dumps(_OPENAI_401) + "\n").encode() * 2,  # JSON Lines of two objects
    ):
        rules = {f.rule for f in check_bytes(body, "t", CheckOptions(protocol=protocol)).findings}
        assert not rules & {"RSP016", "CH067", "AN015"}, (body[:40], rules)
