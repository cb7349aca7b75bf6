"""``WebSocketStream``: a WebSocket session checked a message at a time (the proxy's live check)
reports what ``check_websocket`` reports on the whole transcript, and each finding as soon as the
message that shows it arrives."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import SHARED_CORPUS

from validator.engine import CheckOptions
from validator.engine.websocket import WebSocketStream, check_websocket
from validator.tools.probe.replay import function_call_events, text_events

ROOT = Path(__file__).resolve().parent.parent / "corpus"
#: Every JSONL transcript we own (WebSocket sessions and rule examples) and the shared
#: captures (server-only event logs: a session without the client's side).
TRANSCRIPTS = sorted(ROOT.rglob("*.jsonl")) + sorted(SHARED_CORPUS.glob("*.jsonl"))


def _feed(data: bytes, options: CheckOptions) -> tuple[list[tuple[int, object]], object]:
    stream = WebSocketStream("ws.jsonl", options)
    live = []
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        live.extend((number, f) for f in stream.feed_line(line))
    return live, stream.close()


def _same(data: bytes, options: CheckOptions) -> list[tuple[int, object]]:
    live, done = _feed(data, options)
    whole = check_websocket(data, "ws.jsonl", options, kind="jsonl")
    assert (done.events, done.findings, done.error) == (whole.events, whole.findings, whole.error)
    # Nothing is given out live that the result does not hold (the result groups a repeated
    # finding into its first one, the later ones as related locations, as for an SSE stream).
    held = Counter((f.rule, f.line) for f in done.findings)
    held.update((f.rule, r.line) for f in done.findings for r in f.related)
    assert not Counter((f.rule, f.line) for _, f in live) - held
    return live


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: str(p.relative_to(p.parents[1])))
@pytest.mark.parametrize("profile", [None, "open-responses"])
def test_message_by_message_equals_the_whole_transcript(path: Path, profile: str | None) -> None:
    _same(path.read_bytes(), CheckOptions(profile=profile))


@pytest.mark.parametrize("path", [p for p in TRANSCRIPTS if "websocket" in str(p) or "rules" in str(p)])
def test_every_cut_of_a_session_too(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    for cut in range(1, len(lines)):
        _same(b"".join(lines[:cut]), CheckOptions())


def _session(*events: dict[str, object]) -> bytes:
    create = {"type": "response.create", "model": "m", "input": "hi"}
    return "".join(json.dumps(m) + "\n" for m in (create, *events)).encode()


def test_a_finding_comes_with_the_message_that_shows_it() -> None:
    events = text_events("a gap in the numbering", pieces=4)
    del events[5]  # a delta missing: the next event's sequence_number skips one
    data = _session(*events)
    live = _same(data, CheckOptions())
    gap = [(line, f) for line, f in live if f.rule == "RSP204"]
    assert gap, live
    line, finding = gap[0]
    assert finding.line == line == 7  # the response.create line, then the 6th event: the skip
    assert live[0][0] < len(data.splitlines())  # before the session ends


def test_a_second_turn_is_checked_as_its_own_stream() -> None:
    second = function_call_events()
    second[3]["sequence_number"] = 99  # a defect in the second turn only
    again = {"type": "response.create", "model": "m", "input": "again"}
    data = _session(*text_events("one"), again, *second)
    live = _same(data, CheckOptions())
    assert live and all("turn 2" in f.message for _, f in live)


def test_without_any_client_message_findings_wait_for_the_end() -> None:
    events = text_events("x", pieces=2)
    events[3]["sequence_number"] = 40
    data = "".join(json.dumps(e) + "\n" for e in events).encode()
    live, done = _feed(data, CheckOptions())
    assert live == [] and done.findings
    assert done.findings == check_websocket(data, "ws.jsonl", CheckOptions(), kind="jsonl").findings
