"""WebSocket transcripts (RULES.md §K): turns, error envelopes, [DONE] frames, stream_id lanes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from validator.engine import CheckOptions, check_bytes
from validator.engine.websocket import CLIENT as CLIENT_TYPES
from validator.engine.websocket import check_websocket, error_shape_problems
from validator.tools.probe.replay import function_call_events, text_events, to_sse

OPENAI = CheckOptions()
OPEN_RESPONSES = CheckOptions(profile="open-responses")


def jsonl(*messages: Any) -> bytes:
    return "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in messages).encode()


def rules(data: bytes, options: CheckOptions = OPENAI) -> list[tuple[str, int]]:
    result = check_websocket(data, "ws.jsonl", options)
    assert result.error is None, result.error
    return [(f.rule, f.line) for f in result.findings]


def with_stream_id(events: list[dict[str, Any]], sid: str) -> list[dict[str, Any]]:
    return [{**e, "stream_id": sid} for e in events]


TEXT = text_events("first answer", rid="resp_ws_1")
CALL = function_call_events(rid="resp_ws_2")
CREATE = {"type": "response.create", "model": "gpt-4o-mini", "input": "hi", "store": False}


def test_two_sequential_turns_are_valid_and_numbered_per_response() -> None:
    data = jsonl(CREATE, *TEXT, CREATE, *CALL)
    result = check_websocket(data, "ws.jsonl", OPENAI)
    assert result.findings == []
    assert result.events == len(TEXT) + len(CALL)


def test_findings_map_back_to_transcript_lines_and_name_the_turn() -> None:
    broken = [dict(e) for e in CALL]
    del broken[3]  # drop the first arguments delta: a sequence gap, and the deltas no longer add up
    data = jsonl(CREATE, *TEXT, CREATE, *broken)
    found = check_websocket(data, "ws.jsonl", OPENAI).findings
    bare = check_bytes(to_sse(broken), "bare.sse", OPENAI).findings
    assert sorted(f.rule for f in found) == sorted(f.rule for f in bare) and found
    first_call_line = 1 + len(TEXT) + 2  # CREATE, TEXT..., CREATE, then the call's events
    lines = data.split(b"\n")
    for f in found:
        assert f.message.startswith("turn 2 (resp_ws_2): ")
        event_index = f.line - first_call_line
        assert 0 <= event_index < len(broken)
        assert json.loads(lines[f.line - 1]) == broken[event_index]
    gap = next(f for f in found if f.rule == "RSP204")
    assert json.loads(lines[gap.line - 1])["sequence_number"] == 4
    # the byte offset is on that line, at the column
    assert sum(len(x) + 1 for x in lines[: gap.line - 1]) + gap.column - 1 == gap.offset


def test_invalid_json_line_is_reported_at_its_column() -> None:
    data = jsonl(*TEXT[:3], '{"type": "response.output_text.delta", oops}', *TEXT[3:])
    found = check_websocket(data, "ws.jsonl", OPENAI).findings
    bad = next(f for f in found if f.rule == "RSP002")
    assert bad.line == 4 and bad.column > 1


def test_turn_missing_its_terminal_event() -> None:
    data = jsonl(*TEXT[:-1])
    assert ("RSP209", len(TEXT) - 1) in rules(data)


# ---------------------------------------------------------------- error envelopes


WS_ERROR_OPENAI = {
    "type": "error",
    "status": 400,
    "error": {"type": "invalid_request_error", "code": "previous_response_not_found", "message": "not found"},
}


def test_error_envelope_alone_is_a_turn_with_no_lifecycle_findings() -> None:
    assert rules(jsonl(CREATE, WS_ERROR_OPENAI)) == []
    assert rules(jsonl(CREATE, WS_ERROR_OPENAI), OPEN_RESPONSES) == []


def test_error_ends_the_turn_then_the_next_turn_is_checked_afresh() -> None:
    data = jsonl(CREATE, *TEXT[:4], WS_ERROR_OPENAI, CREATE, *CALL)
    assert rules(data) == []


def test_error_then_response_failed_closes_the_same_turn() -> None:
    failed = {
        "type": "response.failed",
        "sequence_number": 4,
        "response": {
            **TEXT[-1]["response"],
            "status": "failed",
            "output": [],
            "usage": None,
            "completed_at": None,
            "error": {"code": "server_error", "message": "boom"},
        },
    }
    data = jsonl(*TEXT[:2], WS_ERROR_OPENAI, failed)
    # seq 0, 1, then failed at 4: the error (not fed to the engine) took no number here, so the gap shows
    assert [r for r, _ in rules(data)] == ["RSP204"]


def test_event_after_an_error_other_than_failed() -> None:
    data = jsonl(*TEXT[:4], WS_ERROR_OPENAI, TEXT[4])
    assert ("RSP214", 6) in rules(data)


@pytest.mark.parametrize(
    ("value", "profile", "expected"),
    [
        (WS_ERROR_OPENAI, "openai", []),
        ({"type": "error", "error": {"message": "x"}}, "openai", []),
        ({"type": "error", "code": "rate_limit", "message": "slow down"}, "openai", ["flat error"]),
        ({"type": "error", "error": {"code": "x"}}, "openai", ["'error.message'"]),
        ({"type": "error", "error": {"message": "x"}}, "open-responses", ["'status'", "'error.code'"]),
        ({"type": "error", "status": "400", "error": {"message": "x"}}, "openai", ["'status'"]),
    ],
)
def test_error_shapes(value: dict[str, Any], profile: str, expected: list[str]) -> None:
    problems = error_shape_problems(value, profile)
    assert len(problems) == len(expected)
    for problem, words in zip(problems, expected, strict=True):
        assert words in problem


def test_bad_error_envelope_is_rsp107() -> None:
    data = jsonl(CREATE, {"type": "error", "code": "rate_limit", "message": "slow down"})
    assert rules(data) == [("RSP107", 2)]


# ---------------------------------------------------------------- [DONE], client messages


def test_done_frame_before_terminal_event() -> None:
    data = jsonl(*TEXT[:3], "[DONE]", *TEXT[3:])
    assert ("RSP013", 4) in rules(data)


def test_done_frame_after_terminal_event_is_fine() -> None:
    assert rules(jsonl(*TEXT, "[DONE]")) == []
    assert (
        rules(jsonl(*TEXT, "[DONE]"), OPEN_RESPONSES.__class__(profile="open-responses", ignore=("RSP103",)))
        == []
    )


def test_response_create_with_http_only_fields() -> None:
    data = jsonl({**CREATE, "stream": True, "background": False}, *TEXT)
    assert rules(data) == [("RSP109", 1)]
    found = check_websocket(data, "ws.jsonl", OPENAI).findings
    assert found[0].severity.value == "warning"
    strict = check_websocket(
        data, "ws.jsonl", CheckOptions(profile="open-responses", select=("RSP109",))
    ).findings
    assert [f.severity.value for f in strict] == ["error"]


# ---------------------------------------------------------------- stream_id lanes


def _interleave(a: list[Any], b: list[Any]) -> list[Any]:
    out = []
    for i in range(max(len(a), len(b))):
        out += a[i : i + 1] + b[i : i + 1]
    return out


def test_interleaved_lanes_are_checked_per_stream_id() -> None:
    a = with_stream_id(TEXT, "lane-a")
    b = with_stream_id(CALL, "lane_b.1")
    data = jsonl(*_interleave(a, b))
    assert rules(data) == []


def test_interleaving_is_not_allowed_in_open_responses() -> None:
    a = with_stream_id(TEXT, "lane-a")
    b = with_stream_id(CALL, "lane-b")
    found = check_websocket(
        jsonl(*_interleave(a, b)), "ws", CheckOptions(profile="open-responses", select=("RSP250",))
    )
    assert [(f.rule, f.line) for f in found.findings] == [("RSP250", 2)]


def test_new_response_on_a_busy_lane() -> None:
    data = jsonl(*TEXT[:4], *CALL)
    found = rules(data)
    assert ("RSP250", 5) in found
    assert any(rule == "RSP209" for rule, _ in found)  # the first response never ended


def test_invalid_stream_id() -> None:
    data = jsonl(*with_stream_id(TEXT, "bad lane!"))
    assert rules(data) == [("RSP108", 1)]


def test_event_without_the_stream_id_of_its_response() -> None:
    events = with_stream_id(TEXT, "lane-a")
    events[5] = TEXT[5]
    assert rules(jsonl(*events)) == [("RSP251", 6)]
    assert rules(jsonl(*events), CheckOptions(profile="open-responses", select=("RSP25",))) == []


# ---------------------------------------------------------------- HAR WebSocket logs


def _har(frames: list[tuple[str, Any]]) -> bytes:
    messages = [
        {
            "type": kind,
            "time": 1700000000.0 + i,
            "opcode": 1,
            "data": m if isinstance(m, str) else json.dumps(m),
        }
        for i, (kind, m) in enumerate(frames)
    ]
    messages.insert(1, {"type": "receive", "time": 1.0, "opcode": 9, "data": ""})  # a ping frame
    entry = {
        "_resourceType": "websocket",
        "request": {"method": "GET", "url": "wss://api.openai.com/v1/responses"},
        "response": {"status": 101, "headers": [], "content": {"size": 0, "mimeType": "x-unknown"}},
        "_webSocketMessages": messages,
    }
    return json.dumps({"log": {"version": "1.2", "entries": [entry]}}, indent=2).encode()


def test_har_websocket_messages() -> None:
    broken = [dict(e) for e in TEXT]
    broken[4]["sequence_number"] = 9
    data = _har([("send", CREATE), *(("receive", e) for e in broken)])
    result = check_websocket(data, "ws.har", OPENAI)
    assert result.error is None and result.events == len(TEXT)
    assert result.findings and all(f.message.startswith("entry 1, turn 1") for f in result.findings)
    text = data.decode()
    first = result.findings[0]
    # the finding points at the message object holding the bad event
    start = first.offset
    assert text[start] == "{"
    frame, _ = json.JSONDecoder().raw_decode(text, start)
    assert json.loads(frame["data"])["sequence_number"] == 9


def test_har_client_create_is_checked() -> None:
    data = _har([("send", {**CREATE, "stream": True}), *(("receive", e) for e in TEXT)])
    assert [f.rule for f in check_websocket(data, "ws.har", OPENAI).findings] == ["RSP109"]


@pytest.mark.parametrize(
    ("data", "words"), [(b"", "no WebSocket messages"), (b"\n\n", "no WebSocket messages")]
)
def test_empty_input(data: bytes, words: str) -> None:
    result = check_websocket(data, "ws", OPENAI)
    assert result.error is not None and words in result.error


def test_broken_har_is_a_clear_error() -> None:
    result = check_websocket(b'{"log": {"entries": [', "ws.har", OPENAI)
    assert result.error is not None and "JSON" in result.error


def test_a_session_opening_with_response_create_is_detected_without_input_format() -> None:
    from conftest import CORPUS

    from validator.engine import CheckOptions, check_file

    bad = CORPUS / "rules" / "RSP109" / "bad.jsonl"
    auto = check_file(bad, CheckOptions())
    forced = check_file(bad, CheckOptions(input_format="websocket"))
    assert [(f.rule, f.line) for f in auto.findings] == [(f.rule, f.line) for f in forced.findings]
    assert [f.rule for f in auto.findings] == ["RSP109"]
    # Forcing JSON Lines reads the same file as one plain stream, which it is not.
    plain = check_file(bad, CheckOptions(input_format="jsonl"))
    assert any(f.rule != "RSP109" for f in plain.findings)


# ---------------------------------------------------------------- steering (RSP401-RSP407)

WS_CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "websocket"


def _messages(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (WS_CORPUS / name).read_text(encoding="utf-8").splitlines()]


def test_our_steering_sessions_are_up_to_date() -> None:
    from tools.build_protocol_corpus import main

    assert main(["--check"]) == 0


@pytest.mark.parametrize("name", sorted(p.name for p in WS_CORPUS.glob("*.jsonl")))
def test_steering_sessions_check_clean_and_lose_it_without_their_key_message(name: str) -> None:
    messages = _messages(name)
    assert rules(jsonl(*messages)) == []
    # Each session's clean verdict hangs on its steering outcome: without it the client's
    # response.steer is answered by nothing, or the successor commits nothing it was promised.
    kinds = [m.get("type") for m in messages]
    assert "response.steer" in kinds


def test_a_steered_response_without_its_successor_is_reported_at_its_terminal_event() -> None:
    messages = _messages("steer_accepted_steered_successor.jsonl")
    cut = max(i for i, m in enumerate(messages) if m.get("type") == "response.incomplete") + 1
    assert rules(jsonl(*messages[:cut])) == [("RSP403", cut)]


def test_server_only_transcripts_judge_what_the_server_shows() -> None:
    messages = [
        m for m in _messages("steer_accepted_steered_successor.jsonl") if m["type"] not in CLIENT_TYPES
    ]
    assert rules(jsonl(*messages)) == []  # no client lines: an accepted steer is its own submission
    cut = max(i for i, m in enumerate(messages) if m.get("type") == "response.incomplete") + 1
    assert [r for r, _ in rules(jsonl(*messages[:cut]))] == ["RSP403"]
    twice = [*messages[:cut], *(m for m in messages if m["type"] == "response.steer.accepted")]
    assert "RSP402" in [r for r, _ in rules(jsonl(*twice))]


def test_pending_without_its_continuation_leaves_the_input_queued_legitimately() -> None:
    messages = _messages("steer_pending_after_completed.jsonl")
    cut = next(i for i, m in enumerate(messages) if m.get("type") == "response.steer.pending") + 1
    assert rules(jsonl(*messages[:cut])) == []  # the client owns the next move
    dup = [*messages[:cut], messages[cut - 1]]
    assert rules(jsonl(*dup)) == [("RSP402", cut + 1)]


def test_a_client_steer_is_checked_against_its_schema() -> None:
    messages = _messages("steer_failed_after_completed.jsonl")
    at = next(i for i, m in enumerate(messages) if m["type"] == "response.steer")
    broken = [*messages[:at], {"type": "response.steer", "input": "x"}, *messages[at + 1 :]]
    found = check_websocket(jsonl(*broken), "ws.jsonl", OPENAI).findings
    assert ("RSP103", at + 1) in [(f.rule, f.line) for f in found]
    assert any("previous_response_id" in f.message for f in found if f.rule == "RSP103")


def test_steering_rules_do_not_apply_to_open_responses() -> None:
    messages = _messages("steer_accepted_steered_successor.jsonl")
    cut = max(i for i, m in enumerate(messages) if m.get("type") == "response.incomplete") + 1
    found = [r for r, _ in rules(jsonl(*messages[:cut]), OPEN_RESPONSES)]
    assert "RSP403" not in found and "RSP102" in found  # steer outcomes are unknown there


# ---------------------------------------------------------------- a HAR of WebSocket traffic, unforced


def test_a_har_of_websocket_traffic_alone_is_checked_without_input_format(tmp_path: Path) -> None:
    from validator.engine import check_file

    broken = [dict(e) for e in TEXT]
    broken[4]["sequence_number"] = 9
    har = tmp_path / "ws.har"
    har.write_bytes(_har([("send", CREATE), *(("receive", e) for e in broken)]))
    auto = check_file(har, CheckOptions())
    forced = check_file(har, CheckOptions(input_format="websocket"))
    assert auto.error is None and auto.notice is None and auto.input_format == "har"
    assert auto.events == forced.events == len(TEXT)
    assert [(f.rule, f.line, f.message) for f in auto.findings] == [
        (f.rule, f.line, f.message) for f in forced.findings
    ]
    assert "RSP204" in {f.rule for f in auto.findings}
    har.write_bytes(_har([("send", CREATE), *(("receive", e) for e in TEXT)]))
    clean = check_file(har, CheckOptions())
    assert (clean.events, clean.findings, clean.notice) == (len(TEXT), [], None)


def test_a_har_with_http_streams_and_a_websocket_entry_checks_both(tmp_path: Path) -> None:
    from validator.engine import check_file

    ws = json.loads(_har([("send", CREATE), *(("receive", e) for e in TEXT[:-1])]))
    sse = to_sse(TEXT).decode()
    ws["log"]["entries"].insert(
        0,
        {
            "request": {"method": "POST", "url": "https://api.openai.com/v1/responses", "headers": []},
            "response": {
                "status": 200,
                "headers": [{"name": "content-type", "value": "text/event-stream"}],
                "content": {"mimeType": "text/event-stream", "text": sse},
            },
        },
    )
    har = tmp_path / "both.har"
    har.write_text(json.dumps(ws, indent=2))
    result = check_file(har, CheckOptions())
    assert result.events == 2 * len(TEXT) - 1
    # the WebSocket turn lost its terminal event; the SSE stream is whole
    assert {f.message.split(",")[0] for f in result.findings} == {"entry 2"}


def test_a_har_of_only_ping_frames_checks_nothing_and_says_so(tmp_path: Path) -> None:
    from validator.engine import check_file

    har = tmp_path / "pings.har"
    har.write_bytes(_har([]))
    result = check_file(har, CheckOptions())
    assert (result.error, result.findings, result.events) == (None, [], 0)
    assert result.notice is not None and result.notice.startswith("nothing checked")


def test_steering_outcomes_on_an_sse_stream_are_reported_at_each() -> None:
    # The WebSocket session's server events, framed as SSE: the steer outcomes answer nothing an SSE
    # client can send (RSP111), and stand outside the response (no RSP208 after its terminal event).
    first = [m for m in _messages("steer_failed_after_completed.jsonl") if m["type"] not in CLIENT_TYPES]
    sse = to_sse(first)
    found = check_bytes(sse, "relayed.sse", OPENAI).findings
    outcomes = [f for f in found if f.rule == "RSP111"]
    assert [f.event_type for f in outcomes] == ["response.steer.failed"]
    assert {f.rule for f in found} == {"RSP111"}
    assert "WebSocket" in outcomes[0].message
    assert [f.severity.value for f in check_bytes(sse, "r.sse", CheckOptions(profile="codex")).findings] == [
        "warning"
    ]
    # open-responses does not know the type at all: one finding, the unknown type's.
    assert "RSP111" not in {f.rule for f in check_bytes(sse, "r.sse", OPEN_RESPONSES).findings}
    # The very same events as a WebSocket transcript are valid.
    assert rules(jsonl(*_messages("steer_failed_after_completed.jsonl"))) == []
