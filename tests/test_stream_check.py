"""The push-style engine (StreamCheck) gives what ``check`` gives, however the bytes arrive.

``check_chunks`` runs on StreamCheck, so the file path and the live path are one code path;
these tests hold that to the bytes: every transcript we have, pushed whole, in small pieces and
one byte at a time, gives the findings of ``check_bytes``; what ``feed`` returns along the way
is exactly the findings found before the end, each at the moment its event is complete.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS
from test_lane import own_transcripts

from validator.engine import CheckOptions, StreamCheck, check_bytes
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


@pytest.mark.parametrize("path", own_transcripts(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_pushed_in_pieces_equals_check(path: Path) -> None:
    data = path.read_bytes()
    want = check_bytes(data, "t")
    for size in (len(data) or 1, 61, 7):
        live, got = push(data, size, CheckOptions())
        assert (got.events, got.findings, got.input_format) == (want.events, want.findings, want.input_format)
        # What was reported live is what the end result holds, minus the end-of-stream findings.
        assert all(f in got.findings for f in live)


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


def test_an_unnamed_protocol_is_recognised_from_the_head_first() -> None:
    events = text_events("x" * 40_000, pieces=400)
    del events[3]
    data = to_sse(events)
    stream = StreamCheck("t")
    assert stream.feed(data[:8000]) == [] and stream.events == 0  # held: under HEAD_BYTES
    live = stream.feed(data[8000:20000])  # past HEAD_BYTES: recognised, then checked at once
    assert live and stream.events > 0
    stream.feed(data[20000:])
    assert stream.close().findings == check_bytes(data, "t").findings


def test_feed_after_close_is_refused() -> None:
    stream = StreamCheck("t")
    stream.close()
    with pytest.raises(RuntimeError):
        stream.feed(b"data: {}\n\n")


def test_nothing_pushed_is_an_empty_stream() -> None:
    assert StreamCheck("t").close().findings == check_bytes(b"", "t").findings
