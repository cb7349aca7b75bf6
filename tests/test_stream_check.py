"""The push-style engine (StreamCheck) gives what ``check`` gives, however the bytes arrive.

``check_chunks`` runs on StreamCheck, so the file path and the live path are one code path;
these tests hold that to the bytes: every transcript we have, pushed whole, in small pieces and
one byte at a time, gives the findings of ``check_bytes``; what ``feed`` returns along the way
is exactly the findings found before the end, each at the moment its event is complete.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import CORPUS
from test_lane import own_transcripts

from validator.engine import CheckOptions, StreamCheck, check_bytes
from validator.model.findings import Finding
from validator.protocols import HEAD_BYTES, detect
from validator.tools.probe.replay import text_events, to_sse

# Options that name the protocol: nothing is held back to recognise it (see the last test).
RESPONSES = CheckOptions(protocol="responses")
OPTIONS = [
    RESPONSES,
    CheckOptions(profile="open-responses"),
    CheckOptions(protocol="responses", input_format="sse"),
]


def push(data: bytes, size: int, options: CheckOptions) -> tuple[list[object], object]:
    stream = StreamCheck("t", options)
    live = []
    for i in range(0, len(data), size):
        live.extend(stream.feed(data[i : i + size]))
    return live, stream.close()


def reported(finding: Finding, findings: Sequence[Finding]) -> bool:
    at = (finding.line, finding.column)
    return any(
        f.rule == finding.rule and (at == (f.line, f.column) or at in {(r.line, r.column) for r in f.related})
        for f in findings
    )


@pytest.mark.parametrize("path", own_transcripts(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_pushed_in_pieces_equals_check(path: Path) -> None:
    data = path.read_bytes()
    want = check_bytes(data, "t")
    for size in (len(data) or 1, 61, 7):
        live, got = push(data, size, CheckOptions())
        assert (got.events, got.findings, got.input_format) == (want.events, want.findings, want.input_format)
        # What was reported live is what the end result holds, minus the end-of-stream findings
        # (a repeat reported live is, in the result, one of a finding's related locations).
        assert all(reported(f, got.findings) for f in live)


@pytest.mark.parametrize("options", OPTIONS, ids=["openai", "open-responses", "sse"])
def test_byte_by_byte(options: CheckOptions) -> None:
    events = text_events("byte by byte, with é and 😀", pieces=5)
    del events[3]  # a gap: findings along the way
    data = to_sse(events)
    live, got = push(data, 1, options)
    assert got.findings == check_bytes(data, "t", options).findings
    assert live and got.findings


def test_findings_arrive_with_their_event() -> None:
    events = text_events(pieces=4)
    events[2]["sequence_number"] = 99  # the defect is in the third event
    data = to_sse(events)
    cut = data.index(b"\n\n", data.index(b'"sequence_number":99')) + 2
    stream = StreamCheck("t", RESPONSES)
    assert stream.feed(data[: cut - 1]) == []  # the event is not complete yet
    found = stream.feed(data[cut - 1 : cut])
    assert found and found[0].line == 8
    assert stream.events == 3
    stream.feed(data[cut:])
    result = stream.close()
    assert result.findings == check_bytes(data, "t").findings


def test_an_unnamed_protocol_is_recognised_at_its_first_whole_event() -> None:
    """A live stream (``curl … | check -``) is checked from its first event on, not from its
    HEAD_BYTES'th byte."""
    events = text_events("x" * 40_000, pieces=400)
    del events[3]
    data = to_sse(events)
    first = data.index(b"\n\n") + 2
    stream = StreamCheck("t")
    assert stream.feed(data[: first - 1]) == [] and stream.events == 0  # not whole yet: held
    assert stream.feed(data[first - 1 : first]) == [] and stream.events == 1  # recognised: checked
    cut = data.index(b"\n\n", data.index(b'"sequence_number":4')) + 2
    assert cut < HEAD_BYTES
    live = stream.feed(data[first:cut])  # the gap shows with the event after it, long before 16 KB
    named = StreamCheck("t", RESPONSES)
    assert live and live == named.feed(data[:cut])  # what it finds when told the protocol
    stream.feed(data[cut:])
    assert stream.close().findings == check_bytes(data, "t").findings


def test_json_lines_are_recognised_once_a_second_line_begins() -> None:
    """Until then the input may be one JSON error body laid out on several lines."""
    lines = [json.dumps(e, separators=(",", ":")).encode() + b"\n" for e in text_events(pieces=3)]
    lines[2] = lines[2].replace(b'"sequence_number":2', b'"sequence_number":7')
    data = b"".join(lines)
    stream = StreamCheck("t")
    assert stream.feed(lines[0]) == [] and stream.events == 0
    assert stream.feed(lines[1][:1]) == [] and stream.events == 1
    live = stream.feed(b"".join(lines[1:])[1:])
    assert live and live == StreamCheck("t", RESPONSES).feed(data)
    assert stream.close().findings == check_bytes(data, "t").findings


#: A stream whose first event alone reads as Messages (an error before message_start), which the
#: whole head shows to be Responses: a Responses ``error`` is followed by ``response.failed``.
ERROR_FIRST = (
    b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    + to_sse([{**text_events()[0], "type": "response.failed", "sequence_number": 1}])
)


@pytest.mark.parametrize("size", [1, 7, 97, len(ERROR_FIRST)])
def test_a_check_started_early_starts_again_when_the_whole_head_says_otherwise(size: int) -> None:
    assert detect(ERROR_FIRST[: ERROR_FIRST.index(b"\n\n") + 2]).name == "anthropic"
    assert detect(ERROR_FIRST).name == "responses"
    want = check_bytes(ERROR_FIRST, "t")
    _, got = push(ERROR_FIRST, size, CheckOptions())
    assert (got.events, got.findings) == (want.events, want.findings)
    assert want.findings and all(f.rule.startswith("RSP") for f in want.findings)


def test_feed_after_close_is_refused() -> None:
    stream = StreamCheck("t")
    stream.close()
    with pytest.raises(RuntimeError):
        stream.feed(b"data: {}\n\n")


def test_nothing_pushed_is_an_empty_stream() -> None:
    assert StreamCheck("t").close().findings == check_bytes(b"", "t").findings


@pytest.mark.parametrize("size", [1, 7, 11, 12, 4096])
def test_a_binary_event_stream_in_small_pieces_is_told_by_its_whole_prelude(size: int) -> None:
    """Bedrock's body arriving a few bytes at a time (a live stream, a slow pipe) is still read as
    AWS event-stream frames: its 12-byte prelude is waited for, not taken for SSE."""
    data = (CORPUS / "anthropic" / "bedrock_eventstream.eventstream").read_bytes()
    want = check_bytes(data, "t")
    assert want.input_format == "eventstream" and want.events > 0
    _, got = push(data, size, CheckOptions())
    assert (got.events, got.findings, got.input_format) == (want.events, want.findings, want.input_format)
