"""The stream outline (FileResult.outline): drawn in the check's own pass, the same with the fast lane on
and off, and bounded in size however long the stream."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from conftest import CORPUS, SEEDS, SHARED_ANTHROPIC, SHARED_CORPUS, needs_shared

from validator.engine import CheckOptions, check_bytes, check_chunks, check_file
from validator.model.outline import MAX_BINS, Density, Outline
from validator.protocols.chat.builder import ChatStream, render
from validator.tools.probe.streamkit import function_call_events, message_events, response_snapshot, sse_frame

CLEAN = SEEDS / "004_75bce7c82fd61a67.sse"
BROKEN = SEEDS / "000_e3213cea1afb5a14.sse"
OUTLINE = CheckOptions(outline=True)
TRANSCRIPT_SUFFIXES = {".sse", ".txt", ".jsonl", ".json"}


def stream(*items: list[dict], terminal: bool = True) -> bytes:
    """An SSE stream: created, in_progress, the items' events, completed."""
    seq = 0
    out = []

    def emit(event: dict) -> None:
        nonlocal seq
        out.append(sse_frame({**event, "sequence_number": seq}))
        seq += 1

    rid = "resp_1"
    emit(
        {
            "type": "response.created",
            "response": response_snapshot(rid, "in_progress", created_at=1, model="m"),
        }
    )
    emit(
        {
            "type": "response.in_progress",
            "response": response_snapshot(rid, "in_progress", created_at=1, model="m"),
        }
    )
    done = []
    for events in items:
        for event in events:
            emit(event)
        done.append(events[-1]["item"])
    if terminal:
        emit(
            {
                "type": "response.completed",
                "response": response_snapshot(rid, "completed", created_at=1, model="m", output=done),
            }
        )
    return "".join(out).encode()


def outline_of(data: bytes, lane: bool = True) -> Outline:
    result = check_chunks([data], "t.sse", OUTLINE, lane=lane)
    assert result.outline is not None
    return result.outline


def test_no_outline_unless_asked():
    assert check_file(CLEAN).outline is None
    assert check_file(CLEAN, OUTLINE).outline is not None


def test_clean_seed_outline():
    outline = check_file(CLEAN, OUTLINE).outline
    assert outline is not None
    assert [p.name for p in outline.phases] == ["created", "in_progress", "completed"]
    (item,) = outline.lanes
    assert (item.kind, item.status, item.start, item.end, item.start_line, item.end_line) == (
        "message",
        "completed",
        2,
        7,
        8,
        23,
    )
    (part,) = item.children
    assert (part.kind, part.start, part.end, part.deltas.count, part.chars) == ("output_text", 3, 6, 1, 3)
    assert [m.label for m in part.marks] == ["done"]
    assert outline.terminal is not None and outline.terminal.index == 8
    assert outline.status == "completed" and outline.usage and outline.usage["total_tokens"] == 18


def test_broken_seed_outline_shows_the_open_item_and_the_bad_event():
    outline = check_file(BROKEN, OUTLINE).outline
    assert outline is not None
    (item,) = outline.lanes
    assert item.kind == "image_generation_call" and item.end is None and item.start_line == 8
    assert [m.label for m in item.marks] == ["in_progress", "generating", "completed"]
    assert [(m.index, m.label) for m in outline.marks] == [(6, "undecodable event")]
    assert outline.terminal is None


def test_many_items_parts_and_deltas_counted_exactly():
    words = [f"w{i} " for i in range(300)]
    data = stream(
        message_events("msg_a", 0, words[:120]),
        function_call_events("fc_b", "call_b", 1, ['{"a"', ":", "1}"], name="f"),
        message_events("msg_c", 2, words[120:]),
    )
    for lane in (True, False):
        outline = outline_of(data, lane)
        kinds = [(x.kind, x.deltas.count, [c.deltas.count for c in x.children]) for x in outline.lanes]
        assert kinds == [("message", 0, [120]), ("function_call", 3, []), ("message", 0, [180])]
        assert outline.lanes[0].children[0].chars == sum(map(len, words[:120]))
        assert all(x.end is not None for x in outline.lanes)


def test_an_item_never_added_or_closed_twice_gets_a_lane_of_its_own():
    events = message_events("msg_a", 0, ["a", "b"])
    # Drop the item's added (first event), then close it twice.
    data = stream([*events[1:], events[-1]])
    outline = outline_of(data)
    assert [(x.start is None, x.end is not None) for x in outline.lanes] == [(True, True), (True, True)]


def test_density_bins_stay_bounded_and_keep_every_delta():
    words = ["x"] * 5000
    data = stream(*(message_events(f"msg_{i}", i, words) for i in range(3)))
    outline = outline_of(data)
    assert outline.width > 1
    total = 0
    for lane in outline.all_lanes():
        assert len(lane.deltas.bins) <= MAX_BINS
        assert sum(lane.deltas.bins.values()) == lane.deltas.count
        total += lane.deltas.count
        for b in lane.deltas.bins:
            assert b * outline.width <= lane.deltas.last and (b + 1) * outline.width > lane.deltas.first
    assert total == 15000


def test_density_add_spreads_a_run_over_bins():
    d = Density()
    d.add(3, 4, 10)  # events 3..12, bins of 4: [3] [4..7] [8..11] [12]
    assert d.bins == {0: 1, 1: 4, 2: 4, 3: 1} and (d.first, d.last, d.count) == (3, 12, 10)
    d.coarsen()
    assert d.bins == {0: 5, 1: 5}


def own_transcripts() -> list[Path]:
    found = [
        p
        for p in sorted(CORPUS.rglob("*"))
        if p.suffix in TRANSCRIPT_SUFFIXES and not p.name.endswith(".expected.json") and p.is_file()
    ]
    return found


@pytest.mark.parametrize("path", own_transcripts(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_outline_is_the_same_with_the_lane_on_and_off(path: Path):
    data = path.read_bytes()
    on = check_chunks([data], str(path), OUTLINE, lane=True)
    off = check_chunks([data], str(path), OUTLINE, lane=False)
    assert (on.outline is None) == (off.outline is None)
    if on.outline is not None and off.outline is not None:
        assert on.outline.as_dict() == off.outline.as_dict()
    # And asking for it changes no finding.
    assert check_bytes(data, str(path)).findings == [
        f for f in check_bytes(data, str(path), OUTLINE).findings
    ]


@needs_shared
def test_outline_of_every_capture_is_drawn_and_lane_independent():
    for path in sorted(SHARED_CORPUS.iterdir()):
        if path.suffix not in TRANSCRIPT_SUFFIXES:
            continue
        data = path.read_bytes()
        # The Responses corpus, checked as Responses (068 holds Chat Completions chunks, which
        # auto-detection would check as the chat protocol, whose outline is another's).
        options = dataclasses.replace(OUTLINE, protocol="responses")
        on = check_chunks([data], str(path), options, lane=True)
        off = check_chunks([data], str(path), options, lane=False)
        assert on.outline is not None, path
        assert on.outline.as_dict() == off.outline.as_dict(), path
        assert on.outline.events == on.events


# ---------------------------------------------------------------------- Anthropic Messages
def anthropic_stream(*events: dict) -> bytes:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def test_anthropic_blocks_are_lanes_with_their_deltas_and_stop_reason():
    msg = {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "m"}
    data = anthropic_stream(
        {"type": "message_start", "message": {**msg, "usage": {"input_tokens": 5, "output_tokens": 1}}},
        {"type": "ping"},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hmm"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "s"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"a"'},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": ":1}"},
        },
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}},
        {"type": "message_stop"},
    )
    result = check_bytes(data, "a.sse", OUTLINE)
    outline = result.outline
    assert outline is not None and outline.protocol == "anthropic" and outline.subject == "message"
    lanes = [
        (x.kind, x.label, x.start, x.end, x.deltas.count, x.chars, [m.label for m in x.marks])
        for x in outline.lanes
    ]
    assert lanes == [
        ("thinking", "#0 thinking", 2, 5, 1, 3, ["signature"]),
        ("tool_use", "#1 tool_use f", 6, 9, 2, 7, []),
    ]
    assert [p.name for p in outline.phases] == ["message_start", "stop: tool_use", "message_stop"]
    assert outline.terminal is not None and outline.terminal.index == 11
    assert outline.status == "tool_use"
    assert outline.usage == {"input_tokens": 5, "output_tokens": 9}
    assert outline.other == {"ping": 1}


@pytest.mark.skipif(not SHARED_ANTHROPIC.is_dir(), reason=f"{SHARED_ANTHROPIC} not found")
def test_every_anthropic_capture_gets_an_outline():
    for path in sorted(SHARED_ANTHROPIC.iterdir()):
        if path.suffix not in {".sse", ".jsonl", ".eventstream"}:
            continue
        result = check_file(path, OUTLINE)
        assert result.outline is not None and result.outline.protocol == "anthropic", path
        assert result.outline.events == result.events, path
        assert sum(x.deltas.count for x in result.outline.lanes) <= result.events, path
        off = check_chunks([path.read_bytes()], str(path), OUTLINE, lane=False).outline
        assert off is not None and off.as_dict() == result.outline.as_dict(), path


# ---------------------------------------------------------------------- Chat Completions
SHARED_CHAT = SHARED_CORPUS.parent / "corpus-chat"


def test_chat_choices_are_lanes_with_their_tool_calls_as_sub_lanes():
    st = ChatStream("outline")
    text = st.text(["Let me", " look."], finish="tool_calls")[:-1]
    calls = st.tool_calls([("get_weather", ['{"city"', ': "Paris"}']), ("get_time", ["{}"])])[1:]
    frames = [*text, *calls, st.usage(20, 9), st.done()]
    result = check_bytes(render(frames)[0].encode(), "c.sse", OUTLINE)
    outline = result.outline
    assert result.findings == []
    assert outline is not None and outline.protocol == "chat" and outline.subject == "completion"
    (choice,) = outline.lanes
    assert (choice.label, choice.status, choice.start, choice.end, choice.deltas.count, choice.chars) == (
        "choice 0 assistant",
        "tool_calls",
        0,
        8,
        2,
        12,
    )
    assert [(c.label, c.start, c.end, c.deltas.count, c.chars) for c in choice.children] == [
        ("tool_call 0 get_weather", 3, 8, 2, 17),
        ("tool_call 1 get_time", 6, 8, 1, 2),
    ]
    assert [(p.name, p.index) for p in outline.phases] == [("chunks", 0), ("usage", 9)]
    assert outline.terminal is not None and (outline.terminal.label, outline.terminal.index) == ("[DONE]", 10)
    assert outline.status == "tool_calls"
    assert outline.usage == {"prompt_tokens": 20, "completion_tokens": 9, "total_tokens": 29}
    assert outline.events == result.events == 10


def test_chat_in_band_error_is_the_terminal_event():
    st = ChatStream("outline-error")
    frames = [*st.text(["Hel", "lo"])[:-1], st.error("overloaded", "server_error")]
    outline = check_bytes(render(frames)[0].encode(), "c.sse", OUTLINE).outline
    assert outline is not None and outline.status == "error"
    assert outline.terminal is not None and (outline.terminal.label, outline.terminal.index) == (
        "error server_error",
        3,
    )
    (choice,) = outline.lanes
    assert choice.end is None and choice.deltas.count == 2


@pytest.mark.skipif(not SHARED_CHAT.is_dir(), reason=f"{SHARED_CHAT} not found")
def test_every_chat_capture_gets_an_outline_lane_independent():
    options = dataclasses.replace(OUTLINE, protocol="chat")
    for path in sorted(SHARED_CHAT.iterdir()):
        if path.suffix not in {".sse", ".jsonl", ".json", ".txt"}:
            continue
        data = path.read_bytes()
        on = check_chunks([data], str(path), options, lane=True)
        off = check_chunks([data], str(path), options, lane=False)
        assert on.outline is not None and on.outline.protocol == "chat", path
        assert off.outline is not None and on.outline.as_dict() == off.outline.as_dict(), path
        assert on.outline.events == on.events, path
        assert sum(x.deltas.count for x in on.outline.all_lanes()) <= 2 * on.events, path
