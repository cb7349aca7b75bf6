"""Table-driven tests of the lifecycle machine (in the style of h11's test_state.py).

Each case is a short event list, usually one mutation of the valid stream
:func:`base`, with the sequence numbers rewritten to stay consecutive. A case
states the exact (rule, event index) findings it must produce; ``END`` stands
for the end of the stream.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from validator.catalog import RULES
from validator.model.events import Event, RawEvent, RawKind
from validator.model.findings import Position, Severity
from validator.protocols.responses.lifecycle import RESPONSE_TRANSITIONS, Phase, StreamChecker

END = -1
RID = "resp_1"
Ev = dict[str, Any]


# --------------------------------------------------------------------------- builders


def resp(status: str, output: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": RID, "object": "response", "status": status, "output": output or [], **extra}


def life(kind: str, status: str, **extra: Any) -> Ev:
    return {"type": f"response.{kind}", "response": resp(status, **extra)}


REASONING_DONE = {
    "id": "rs_1",
    "type": "reasoning",
    "summary": [{"type": "summary_text", "text": "Thinking"}],
    "encrypted_content": "final-blob",
}
MESSAGE_DONE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": "Hello", "annotations": []}],
}
CALL_DONE = {
    "id": "fc_1",
    "type": "function_call",
    "status": "completed",
    "call_id": "call_1",
    "name": "get_weather",
    "arguments": '{"city":"Paris"}',
}


def base() -> list[Ev]:
    """A valid stream: reasoning summary, a message and a function call (22 events)."""
    rs = {"item_id": "rs_1", "output_index": 0}
    msg = {"item_id": "msg_1", "output_index": 1}
    fc = {"item_id": "fc_1", "output_index": 2}
    out = [REASONING_DONE, MESSAGE_DONE, CALL_DONE]
    usage = {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}
    return copy.deepcopy(
        [
            life("created", "in_progress"),  # 0
            life("in_progress", "in_progress"),  # 1
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "partial"},
            },  # 2
            {
                "type": "response.reasoning_summary_part.added",
                **rs,
                "summary_index": 0,
                "part": {"type": "summary_text", "text": ""},
            },  # 3
            {
                "type": "response.reasoning_summary_text.delta",
                **rs,
                "summary_index": 0,
                "delta": "Think",
            },  # 4
            {"type": "response.reasoning_summary_text.delta", **rs, "summary_index": 0, "delta": "ing"},  # 5
            {
                "type": "response.reasoning_summary_text.done",
                **rs,
                "summary_index": 0,
                "text": "Thinking",
            },  # 6
            {
                "type": "response.reasoning_summary_part.done",
                **rs,
                "summary_index": 0,
                "part": {"type": "summary_text", "text": "Thinking"},
            },  # 7
            {"type": "response.output_item.done", "output_index": 0, "item": REASONING_DONE},  # 8
            {
                "type": "response.output_item.added",
                "output_index": 1,
                "item": {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "status": "in_progress",
                    "content": [],
                },
            },  # 9
            {
                "type": "response.content_part.added",
                **msg,
                "content_index": 0,
                "part": {"type": "output_text", "text": "", "annotations": []},
            },  # 10
            {"type": "response.output_text.delta", **msg, "content_index": 0, "delta": "Hel"},  # 11
            {"type": "response.output_text.delta", **msg, "content_index": 0, "delta": "lo"},  # 12
            {"type": "response.output_text.done", **msg, "content_index": 0, "text": "Hello"},  # 13
            {
                "type": "response.content_part.done",
                **msg,
                "content_index": 0,
                "part": {"type": "output_text", "text": "Hello", "annotations": []},
            },  # 14
            {"type": "response.output_item.done", "output_index": 1, "item": MESSAGE_DONE},  # 15
            {
                "type": "response.output_item.added",
                "output_index": 2,
                "item": {**CALL_DONE, "status": "in_progress", "arguments": ""},
            },  # 16
            {"type": "response.function_call_arguments.delta", **fc, "delta": '{"city":'},  # 17
            {"type": "response.function_call_arguments.delta", **fc, "delta": '"Paris"}'},  # 18
            {
                "type": "response.function_call_arguments.done",
                **fc,
                "name": "get_weather",
                "arguments": '{"city":"Paris"}',
            },  # 19
            {"type": "response.output_item.done", "output_index": 2, "item": CALL_DONE},  # 20
            life("completed", "completed", output=out, usage=usage, completed_at=1),  # 21
        ]
    )


def numbered(events: list[Ev], start: int = 0) -> list[Ev]:
    """The events with consecutive sequence numbers (existing ones are overwritten)."""
    return [{**e, "sequence_number": start + i} for i, e in enumerate(events)]


def to_events(payloads: list[Ev], *, framed: bool = True, names: bool = True) -> list[Event]:
    return [
        Event(i, p, Position(i + 1, 1, 0), p.get("type") if names else None, framed)
        for i, p in enumerate(payloads)
    ]


Found = list[tuple[str, int]]


def check(
    payloads: list[Ev],
    *,
    profile: str = "openai",
    number: bool = True,
    done: bool = False,
    min_severity: Severity = Severity.INFO,
    **options: Any,
) -> Found:
    """(rule, event index) of every finding applicable in the profile, END for the end."""
    events = to_events(numbered(payloads) if number else payloads)
    checker = StreamChecker(profile, **options)
    found: Found = []

    def keep(rule: str) -> bool:
        severity = RULES[rule].severity_in(profile)
        return severity is not None and severity.rank >= min_severity.rank

    for e in events:
        for issue in checker.feed(e):
            index = issue.event.index if issue.event else e.index
            if keep(issue.rule):
                found.append((issue.rule, index))
    if done:
        pos = Position(len(events) + 1, 1, 0)
        raw = RawEvent(len(events), RawKind.DONE, "[DONE]", pos, (pos,))
        found += [(i.rule, len(events)) for i in checker.feed_done(raw) if keep(i.rule)]
    for issue in checker.finish(Position(len(events) + 2, 1, 0)):
        if keep(issue.rule):
            found.append((issue.rule, issue.event.index if issue.event else END))
    return found


def errors(payloads: list[Ev], **options: Any) -> Found:
    return check(payloads, min_severity=Severity.ERROR, **options)


def mutate(fn: Callable[[list[Ev]], None]) -> list[Ev]:
    events = base()
    fn(events)
    return events


def drop(index: int) -> list[Ev]:
    events = base()
    del events[index]
    return events


# --------------------------------------------------------------------------- the table itself


def test_valid_base_stream_is_clean() -> None:
    assert check(base()) == []


def test_response_transition_table_reaches_terminal_from_every_live_phase() -> None:
    # Every non-terminal phase has a way to fail; no phase leaves TERMINAL.
    live = {p for p in Phase if p is not Phase.TERMINAL}
    failing = {p for (p, life_), target in RESPONSE_TRANSITIONS.items() if target is Phase.TERMINAL}
    assert failing | {Phase.START, Phase.QUEUED_FIRST} >= live - {Phase.START, Phase.QUEUED_FIRST}
    assert not any(p is Phase.TERMINAL for p, _ in RESPONSE_TRANSITIONS)


# --------------------------------------------------------------------------- dropping a bracketing event

#: index of the dropped event in base() -> first error (rule, index after the drop).
DROPS: dict[int, tuple[str, int]] = {
    0: ("RSP206", 0),  # response.created
    1: ("RSP207", 20),  # response.in_progress: completed without it
    2: ("RSP220", 2),  # output_item.added (reasoning)
    3: ("RSP240", 3),  # reasoning_summary_part.added
    6: ("RSP247", 6),  # reasoning_summary_text.done
    7: ("RSP244", 7),  # reasoning_summary_part.done
    8: ("RSP228", 20),  # output_item.done (reasoning): visible at the terminal event
    9: ("RSP220", 9),  # output_item.added (message)
    10: ("RSP240", 10),  # content_part.added
    13: ("RSP247", 13),  # output_text.done
    14: ("RSP244", 14),  # content_part.done
    15: ("RSP228", 20),  # output_item.done (message)
    16: ("RSP220", 16),  # output_item.added (function call)
    19: ("RSP247", 19),  # function_call_arguments.done
    20: ("RSP228", 20),  # output_item.done (function call)
    21: ("RSP209", END),  # response.completed
}


@pytest.mark.parametrize(("dropped", "expected"), sorted(DROPS.items()))
def test_dropping_a_bracketing_event_is_one_error_where_it_shows(
    dropped: int, expected: tuple[str, int]
) -> None:
    assert errors(drop(dropped)) == [expected]


def test_dropping_in_progress_also_warns_at_the_first_early_output_event() -> None:
    assert check(drop(1)) == [("RSP215", 1), ("RSP207", 20)]


def test_dropped_output_item_added_is_one_finding_not_a_cascade() -> None:
    # RSP220 once: not RSP223, RSP227, RSP240 ... for the same missing event.
    assert check(drop(9)) == [("RSP220", 9)]


def _message_only() -> list[Ev]:
    """base() with only the message item, at output_index 0 (10 events)."""
    events = base()
    msg = [{**e, "output_index": 0} for e in events[9:16]]
    final = events[21]
    final["response"]["output"] = [msg[-1]["item"]]
    return [*events[:2], *msg, final]


def test_stray_delta_for_an_unknown_item_is_one_finding() -> None:
    # One delta for an item never added: not also RSP240 for its part (the item is the
    # phantom, so its part is too) nor RSP305/RSP304 for an item the output cannot hold.
    events = _message_only()
    assert check(events) == []
    stray = {"type": "response.output_text.delta", "item_id": "msg_zz", "output_index": 1}
    events.insert(9, {**stray, "content_index": 0, "delta": "x"})
    assert check(events) == [("RSP220", 9)]


# --------------------------------------------------------------------------- reordering


def _swap(i: int, j: int) -> Callable[[list[Ev]], None]:
    def fn(events: list[Ev]) -> None:
        events[i], events[j] = events[j], events[i]

    return fn


REORDERS: dict[str, tuple[Callable[[list[Ev]], None], Found]] = {
    # A delta before its part is added: reported once; the late added is adopted.
    "delta-before-part-added": (_swap(10, 11), [("RSP240", 10)]),
    # A delta after the text's done event.
    "delta-after-text-done": (_swap(12, 13), [("RSP301", 12), ("RSP246", 13)]),
    # in_progress before created.
    "in-progress-first": (_swap(0, 1), [("RSP206", 0), ("RSP207", 1)]),
    # The terminal event before the last item's done.
    "completed-before-item-done": (_swap(20, 21), [("RSP228", 20), ("RSP208", 21)]),
    # A part closed before its text's done event.
    "part-done-before-text-done": (_swap(13, 14), [("RSP247", 13), ("RSP243", 14)]),
}


@pytest.mark.parametrize("name", sorted(REORDERS))
def test_reordering(name: str) -> None:
    fn, expected = REORDERS[name]
    assert errors(mutate(fn)) == expected


def test_interleaved_items_are_only_a_warning() -> None:
    # Items may be open at the same time (OpenRouter, xAI): RULES.md D11 is a SHOULD (RSP235, a
    # warning, once per stream); no error, as only per-item order counts.
    events = base()
    fc_added = events.pop(16)
    events.insert(10, fc_added)  # the function call is added while the message is open
    assert check(events) == [("RSP235", 10)]
    assert check(events, min_severity=Severity.ERROR) == []
    # ... and may be closed in another order than they were opened.
    events.insert(20, events.pop(16))
    assert check(events, min_severity=Severity.ERROR) == []


# --------------------------------------------------------------------------- changed ids and indices


def _set(index: int, **fields: Any) -> Callable[[list[Ev]], None]:
    def fn(events: list[Ev]) -> None:
        events[index].update(fields)

    return fn


def _set_item(index: int, **fields: Any) -> Callable[[list[Ev]], None]:
    def fn(events: list[Ev]) -> None:
        events[index]["item"] = {**events[index]["item"], **fields}

    return fn


def _second_call(events: list[Ev], item_id: str) -> None:
    """A second function call (closed, and in the final output) reusing call_1."""
    item = {**CALL_DONE, "id": item_id}
    events[21:21] = [
        {"type": "response.output_item.added", "output_index": 3, "item": item},
        {"type": "response.output_item.done", "output_index": 3, "item": item},
    ]
    events[-1]["response"]["output"].append(item)


CHANGES: dict[str, tuple[Callable[[list[Ev]], None], Found]] = {
    "delta-item-id": (_set(11, item_id="msg_x"), [("RSP223", 11)]),
    # The index names a closed item, the id an open one: the open one is meant.
    "delta-output-index": (_set(11, output_index=0), [("RSP223", 11)]),
    # The text of part 0 then lacks "Hel": a true, second consequence.
    "delta-content-index": (_set(11, content_index=1), [("RSP240", 11), ("RSP301", 13)]),
    # Later events use the right index: one finding only.
    "added-output-index": (_set(9, output_index=2), [("RSP221", 9)]),
    "done-item-id": (_set_item(15, id="msg_x"), [("RSP225", 15)]),
    "done-item-type": (_set_item(20, type="custom_tool_call"), [("RSP225", 20)]),
    "duplicate-item-id": (_set_item(16, id="msg_1"), [("RSP222", 16)]),
    "duplicate-call-id": (lambda ev: _second_call(ev, "fc_2"), [("RSP222", 21)]),
    "summary-index": (_set(3, summary_index=1), [("RSP241", 3), ("RSP240", 4), ("RSP244", 8)]),
    "response-id": (lambda ev: ev[1]["response"].update(id="resp_2"), [("RSP211", 1), ("RSP211", 21)]),
    "status": (lambda ev: ev[21]["response"].update(status="in_progress"), [("RSP210", 21)]),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_changed_id_or_index(name: str) -> None:
    fn, expected = CHANGES[name]
    assert errors(mutate(fn)) == expected


# --------------------------------------------------------------------------- cutting the stream short


@pytest.mark.parametrize("cut", range(1, 22))
def test_cut_short(cut: int) -> None:
    events = base()[:cut]
    found = errors(events)
    assert ("RSP209", END) in found
    # Each item added but not closed is reported once, where that becomes visible: the end
    # of the input (ARCHITECTURE.md); the message names the line of its output_item.added.
    open_items = [
        i
        for i, e in enumerate(events)
        if e["type"] == "response.output_item.added"
        and not any(
            d["type"] == "response.output_item.done" and d["output_index"] == e["output_index"]
            for d in events
        )
    ]
    assert sorted(found) == sorted([("RSP209", END)] + [("RSP228", END)] * len(open_items))
    checker = StreamChecker("openai")
    for e in to_events(numbered(events)):
        checker.feed(e)
    end = Position(len(events) + 2, 1, 0)
    unclosed = [i for i in checker.finish(end) if i.rule == "RSP228"]
    assert [i.position for i in unclosed] == [end] * len(open_items)
    # to_events puts event i on line i + 1.
    for i, issue in zip(open_items, unclosed, strict=True):
        assert f"(added at line {i + 1})" in issue.message


def test_fragment_waives_start_and_end() -> None:
    events = numbered(base()[11:18], start=11)
    assert check(events, number=False, fragment=True) == []


def test_fragment_still_reports_what_it_shows() -> None:
    events = numbered(base()[11:18], start=11)
    events.insert(3, {**events[0], "delta": "!"})  # a delta after output_text.done
    events = numbered(events, start=11)
    assert errors(events, number=False, fragment=True) == [("RSP246", 3)]


# --------------------------------------------------------------------------- sequence numbers


def test_sequence_gap() -> None:
    events = numbered(base())
    for e in events[5:]:
        e["sequence_number"] += 1
    assert check(events, number=False) == [("RSP204", 5)]


def test_sequence_repeated() -> None:
    events = numbered(base())
    for e in events[5:]:
        e["sequence_number"] -= 1
    assert check(events, number=False) == [("RSP205", 5)]


def test_sequence_starts_at_one() -> None:
    assert check(numbered(base(), start=1), number=False) == [("RSP203", 0)]


def test_one_event_without_sequence_number() -> None:
    events = numbered(base())
    del events[4]["sequence_number"]
    assert check(events, number=False) == [("RSP201", 4), ("RSP204", 5)] or check(events, number=False) == [
        ("RSP201", 4)
    ]


def test_no_sequence_numbers_is_one_warning() -> None:
    assert check(base(), number=False) == [("RSP202", 0)]


def test_no_sequence_numbers_is_an_error_in_open_responses() -> None:
    assert ("RSP202", 0) in errors(base(), number=False, profile="open-responses", done=True)


def test_resumed_stream_is_recognised() -> None:
    events = numbered([life("queued", "queued"), *base()[1:]], start=5)
    assert check(events, number=False) == [("RSP217", 0)]


def test_resumed_declared() -> None:
    events = numbered(base()[1:], start=1)
    assert check(events, number=False, resumed=True) == []


def test_undecodable_event_takes_a_sequence_slot() -> None:
    events = to_events(numbered(base()))
    checker = StreamChecker("openai")
    found = []
    for e in events:
        if e.index == 4:
            pos = Position(5, 1, 0)
            checker.feed_undecodable(RawEvent(4, RawKind.EVENT, "{", pos, (pos,)))
            continue
        found += [i.rule for i in checker.feed(e)]
    found += [i.rule for i in checker.finish(Position(99, 1, 0)) if i.rule != "RSP007"]
    # Delta "Think" is lost, so the text differs; the sequence number gap is not reported.
    assert found == ["RSP301"]


# --------------------------------------------------------------------------- response lifecycle


def test_error_then_failed_is_valid() -> None:
    events = [
        life("created", "in_progress"),
        life("in_progress", "in_progress"),
        {
            "type": "error",
            "error": {"type": "insufficient_quota", "code": "insufficient_quota", "message": "x"},
        },
        life("failed", "failed", error={"code": "insufficient_quota", "message": "x"}),
    ]
    assert check(events) == []


def test_created_then_failed_is_valid() -> None:
    assert (
        check([life("created", "in_progress"), life("failed", "failed", error={"code": "x", "message": "y"})])
        == []
    )


def test_queued_before_created_is_tolerated() -> None:
    events = [life("queued", "queued"), life("created", "queued"), *base()[1:]]
    assert check(events) == []


#: What follows a leading response.queued when created never comes -> findings. RSP206 once,
#: at the event that shows created is missing (C2 tolerates the order, not the absence).
QUEUED_WITHOUT_CREATED: dict[str, tuple[list[Ev], Found]] = {
    "in-progress": ([life("queued", "queued"), *base()[1:]], [("RSP206", 1)]),
    "failed": (
        [life("queued", "queued"), life("failed", "failed", error={"code": "x", "message": "y"})],
        [("RSP206", 1)],
    ),
    # in_progress is missing too: a second, real defect, reported as when only it is dropped.
    "output-event": (
        [life("queued", "queued"), *base()[2:]],
        [("RSP206", 1), ("RSP215", 1), ("RSP207", 20)],
    ),
}


@pytest.mark.parametrize("name", sorted(QUEUED_WITHOUT_CREATED))
def test_queued_without_created_is_one_rsp206(name: str) -> None:
    events, expected = QUEUED_WITHOUT_CREATED[name]
    assert check(events) == expected


def test_queued_then_end_is_only_the_missing_terminal() -> None:
    # Cut after queued: created might still have come, so only the end is certain.
    assert errors([life("queued", "queued")]) == [("RSP209", END)]


def test_resumed_stream_from_queued_has_no_rsp206() -> None:
    events = numbered([life("queued", "queued"), *base()[1:]], start=3)
    assert check(events, number=False) == [("RSP217", 0)]


def test_error_then_completed() -> None:
    events = base()
    events.insert(21, {"type": "error", "code": "server_error", "message": "boom", "param": None})
    assert errors(events) == [("RSP214", 22)]


def test_error_then_item_event() -> None:
    events = base()
    events.insert(20, {"type": "error", "code": "server_error", "message": "boom", "param": None})
    assert errors(events)[0] == ("RSP214", 21)


def test_error_then_end() -> None:
    events = [*base()[:5], {"type": "error", "code": "server_error", "message": "boom", "param": None}]
    assert ("RSP209", END) in errors(events)


def test_event_after_terminal_is_reported_once() -> None:
    events = [*base(), {"type": "keepalive"}, life("completed", "completed")]
    assert errors(events) == [("RSP208", 22)]


def test_snapshot_rules() -> None:
    incomplete = life("incomplete", "incomplete", incomplete_details=None)
    failed = life("failed", "failed", error=None)
    prefix = [life("created", "in_progress"), life("in_progress", "in_progress", completed_at=5)]
    assert check([*prefix, incomplete]) == [("RSP216", 1), ("RSP212", 2)]
    assert check([*prefix[:1], failed]) == [("RSP213", 1)]
    assert check([life("created", "completed"), failed]) == [("RSP210", 0), ("RSP213", 1)]


def test_failed_after_error_does_not_blame_open_items() -> None:
    events = [
        *base()[:12],
        {"type": "error", "error": {"code": "server_error", "message": "boom"}},
        life("failed", "failed", error={"code": "server_error", "message": "boom"}),
    ]
    assert errors(events) == []


def test_empty_stream() -> None:
    assert check([]) == [("RSP012", END)]


# --------------------------------------------------------------------------- framing


def test_event_name_mismatch_and_missing_names() -> None:
    events = to_events(numbered(base()))
    events[3].event_name = "response.wrong"
    checker = StreamChecker("openai")
    rules = [i.rule for e in events for i in checker.feed(e)]
    assert rules == ["RSP004"]
    unnamed = to_events(numbered(base()), names=False)
    checker = StreamChecker("openai")
    assert [i.rule for e in unnamed for i in checker.feed(e)] == ["RSP005"]
    jsonl = to_events(numbered(base()), framed=False, names=False)
    checker = StreamChecker("openai")
    assert [i.rule for e in jsonl for i in checker.feed(e)] == []


def test_done_sentinel() -> None:
    assert check(base(), done=True) == [("RSP006", 22)]
    assert check(base(), done=True, profile="open-responses") == []
    assert check(base(), profile="open-responses") == [("RSP007", END)]


def test_data_after_done_sentinel() -> None:
    events = to_events(numbered(base()))
    checker = StreamChecker("openai")
    rules = [i.rule for e in events[:21] for i in checker.feed(e)]
    pos = Position(30, 1, 0)
    rules += [i.rule for i in checker.feed_done(RawEvent(21, RawKind.DONE, "[DONE]", pos, (pos,)))]
    rules += [i.rule for i in checker.feed(events[21])]
    rules += [i.rule for i in checker.feed_done(RawEvent(23, RawKind.DONE, "[DONE]", pos, (pos,)))]
    assert rules == ["RSP006", "RSP008", "RSP008"]


# --------------------------------------------------------------------------- items, parts and tools


def _message_events(**part: Any) -> list[Ev]:
    return base()[9:16]


RULE_CASES: dict[str, tuple[Callable[[list[Ev]], None], Found]] = {
    "RSP224-text-on-call": (
        lambda ev: ev.insert(17, {**ev[11], "item_id": "fc_1", "output_index": 2}),
        [("RSP224", 17)],
    ),
    "RSP226": (lambda ev: ev.insert(16, copy.deepcopy(ev[15])), [("RSP226", 16)]),
    "RSP227": (lambda ev: ev.insert(16, copy.deepcopy(ev[12])), [("RSP227", 16)]),
    "RSP242": (lambda ev: ev.insert(11, copy.deepcopy(ev[10])), [("RSP242", 11)]),
    "RSP243": (lambda ev: ev.insert(15, copy.deepcopy(ev[12])), [("RSP243", 15)]),
    "RSP245-refusal-on-text": (
        lambda ev: ev.insert(12, {**ev[11], "type": "response.refusal.delta"}),
        [("RSP245", 12)],
    ),
    "RSP245-done-part-type": (
        lambda ev: ev[14].update(part={"type": "refusal", "refusal": "Hello"}),
        [("RSP245", 14)],
    ),
    "RSP249": (lambda ev: ev.insert(14, copy.deepcopy(ev[13])), [("RSP249", 14)]),
    "RSP311": (_set(19, name="get_time"), [("RSP311", 19)]),
}


@pytest.mark.parametrize("name", sorted(RULE_CASES))
def test_rule(name: str) -> None:
    fn, expected = RULE_CASES[name]
    assert errors(mutate(fn)) == expected


def test_added_part_with_text_warns() -> None:
    events = mutate(lambda ev: ev[10]["part"].update(text="H"))
    assert check(events) == [("RSP248", 10)]


def test_item_done_with_running_status_warns() -> None:
    events = mutate(lambda ev: ev[20].update(item={**CALL_DONE, "status": "in_progress"}))
    events[21]["response"]["output"][2]["status"] = "in_progress"
    assert check(events) == [("RSP229", 20)]


def _cut_message(ev: list[Ev]) -> None:
    ev[15]["item"]["status"] = "incomplete"
    ev[21]["response"]["output"][1]["status"] = "incomplete"


def test_incomplete_item_must_be_last_and_end_the_response() -> None:
    # The function call is added after the message ended incomplete: reported there, once.
    assert errors(mutate(_cut_message)) == [("RSP233", 16)]
    # As the last item, but the response claims to be complete: reported at the terminal event.
    events = mutate(_cut_message)
    del events[16:21]
    output = events[16]["response"]["output"][:2]
    del events[16]["response"]["output"][2]
    assert errors(events) == [("RSP233", 16)]
    # What the spec asks for: the response ends incomplete.
    events[16] = life(
        "incomplete", "incomplete", output=output, incomplete_details={"reason": "max_output_tokens"}
    )
    assert errors(events) == []


def _tool(item_type: str, statuses: list[str], done_status: str = "completed") -> list[Ev]:
    item = {"id": "t_1", "type": item_type, "status": "in_progress"}
    done = {**item, "status": done_status}
    return [
        life("created", "in_progress"),
        life("in_progress", "in_progress"),
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        *({"type": f"response.{item_type}.{s}", "output_index": 0, "item_id": "t_1"} for s in statuses),
        {"type": "response.output_item.done", "output_index": 0, "item": done},
        life("completed", "completed", output=[done]),
    ]


TOOLS: dict[str, tuple[list[Ev], Found]] = {
    "web-search-ok": (_tool("web_search_call", ["in_progress", "searching", "completed"]), []),
    "web-search-backwards": (
        _tool("web_search_call", ["in_progress", "completed", "searching"]),
        [("RSP230", 5)],
    ),
    # The same status again contradicts nothing: a warning of its own (api.openai.com, MCP approval).
    "web-search-repeated": (
        _tool("web_search_call", ["in_progress", "in_progress", "searching", "completed"]),
        [("RSP237", 4)],
    ),
    "mcp-completed-then-failed": (_tool("mcp_call", ["in_progress", "completed", "failed"]), [("RSP230", 5)]),
    # Azure web_search_preview (corpus 041): never completed, done while searching.
    "web-search-no-completed": (
        _tool("web_search_call", ["in_progress", "searching"], "searching"),
        [("RSP229", 5), ("RSP231", 5)],
    ),
    "mcp-failed-but-completed": (_tool("mcp_call", ["in_progress", "failed"]), [("RSP232", 5)]),
    "file-search-on-web-search": (
        [
            *_tool("web_search_call", ["in_progress"])[:4],
            {"type": "response.file_search_call.completed", "output_index": 0, "item_id": "t_1"},
            *_tool("web_search_call", ["in_progress"])[4:],
        ],
        [("RSP224", 4), ("RSP231", 5)],
    ),
    "unknown-item-type": (_tool("acme:widget", []), []),
    "no-event-item": (_tool("compaction", []), []),
}


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_hosted_tool(name: str) -> None:
    events, expected = TOOLS[name]
    assert check(events) == expected


def _image(indices: list[int]) -> list[Ev]:
    events = _tool("image_generation_call", ["in_progress", "generating", "completed"])
    partial = [
        {
            "type": "response.image_generation_call.partial_image",
            "output_index": 0,
            "item_id": "t_1",
            "partial_image_index": i,
            "partial_image_b64": "AAAA",
        }
        for i in indices
    ]
    return events[:5] + partial + events[5:]


def test_partial_images() -> None:
    assert check(_image([0, 1, 2])) == []
    assert check(_image([1, 2])) == [("RSP309", 5)]
    after = _image([0])
    after.insert(6, after.pop(5))  # a partial image after completed
    assert check(after) == [("RSP230", 6)]


def test_schema_invalid_event_raises_no_follow_on_findings() -> None:
    events = to_events(numbered(base()))
    events[11].data["delta"] = 42  # the schema layer reports this
    events[11].slips = ("/delta",)
    checker = StreamChecker("openai")
    found = [i.rule for e in events for i in checker.feed(e)]
    assert found == []


def test_schema_invalid_done_exempts_that_field_from_the_terminal_comparison() -> None:
    # The done item's slips are set after its handler has closed it: the closed item the tracker
    # keeps (and later events find) must carry them, or the terminal output would be RSP304.
    events = to_events(numbered(base()))
    events[15].data["item"] = {**MESSAGE_DONE, "status": 5}
    events[15].slips = ("/item/status",)
    events[-1].data["response"]["output"][1] = {**MESSAGE_DONE, "status": "incomplete"}
    checker = StreamChecker("openai")
    found = [i.rule for e in events for i in checker.feed(e)]
    assert found == []
    item = checker.items.ids["msg_1"]
    assert item.slips == ("/status",) and not item.tainted and not item.open


def test_schema_slip_elsewhere_in_the_done_item_leaves_the_terminal_comparison() -> None:
    # A slip at one field of the done item does not excuse a difference at another.
    events = to_events(numbered(base()))
    events[15].data["item"] = {**MESSAGE_DONE, "status": 5}
    events[15].slips = ("/item/status",)
    events[-1].data["response"]["output"][1] = {**MESSAGE_DONE, "status": 5, "role": "user"}
    checker = StreamChecker("openai")
    assert [i.rule for e in events for i in checker.feed(e)] == ["RSP304"]


def test_bad_input_never_raises() -> None:
    weird: list[Ev] = [
        {"type": "response.created", "response": None},
        {"type": "response.output_item.added", "output_index": "0", "item": 5},
        {"type": "response.output_text.delta", "item_id": 7, "output_index": None, "delta": None},
        {
            "type": "response.content_part.added",
            "item_id": "x",
            "output_index": 0,
            "content_index": -1,
            "part": [],
        },
        {"type": "response.output_item.done", "output_index": 0, "item": None},
        {
            "type": "response.shell_call_output_content.delta",
            "output_index": 9,
            "command_index": 0,
            "delta": "s",
        },
        {"type": "response.completed", "response": {"output": "nope", "usage": {"total_tokens": True}}},
        {"type": "response.completed", "response": {"output": [None, 3]}},
        {"no": "type"},
    ]
    for payloads in (weird, list(reversed(weird))):
        check(payloads)
        check(payloads, fragment=True)
        check(payloads, number=False, resumed=True)


def test_random_mutations_never_raise() -> None:
    # Deterministic: drop, swap, duplicate events and scramble fields of the base stream.
    import random

    rng = random.Random(7)
    junk: list[Any] = [None, 0, -1, 3, "x", [], {}, True, 2**80]
    for _ in range(300):
        events = base()
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(events))
            op = rng.randrange(4)
            if op == 0:
                del events[i]
            elif op == 1:
                j = rng.randrange(len(events))
                events[i], events[j] = events[j], events[i]
            elif op == 2:
                events.insert(i, copy.deepcopy(events[i]))
            else:
                events[i][rng.choice(list(events[i]))] = rng.choice(junk)
        check(events, fragment=rng.random() < 0.2, resumed=rng.choice([None, True, False]))


def test_schema_invalid_terminal_still_reports_open_items() -> None:
    # Where an event is does not depend on its payload (corpus 052: a malformed incomplete).
    events = to_events(numbered(drop(20)))
    events[-1].slips = ("",)
    checker = StreamChecker("openai")
    assert [i.rule for e in events for i in checker.feed(e)] == ["RSP228"]
