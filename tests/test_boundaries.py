"""Rules with a numeric bound, an index or a span, each at the bound, just inside and just outside.

Moving RSP313's bound to ``end <= len(text) + 1`` once left every test passing, because no
example sat exactly one past the end. Each case here edits one field of a valid transcript and
says whether the rule must fire; the values straddle the bound, so an off-by-one in either
direction fails a case. (Mutation testing of the rule and state-machine modules found the other
weak spots these cases cover.)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import CORPUS

from validator import check_bytes, check_events
from validator.tools.mutate.model import parse

Events = list[dict[str, Any]]


def load(name: str) -> Events:
    text = (CORPUS / "streams" / name).read_text(encoding="utf-8")
    return [f.data for f in parse(text, name=name).frames if isinstance(f.data, dict)]


CITATIONS = load("message_url_citations.sse")
TEXT = load("message_text.sse")


def rules(events: Events) -> set[str]:
    return {f.rule for f in check_events(events).findings}


def first(events: Events, etype: str) -> dict[str, Any]:
    return next(e for e in events if e.get("type") == etype)


def edited(base: Events, edit: Callable[[Events], None]) -> Events:
    events = copy.deepcopy(base)
    edit(events)
    return events


def test_the_bases_are_valid() -> None:
    assert rules(CITATIONS) == set() and rules(TEXT) == set()


# ---------------------------------------------------------------------- RSP313 annotation spans
def span(start: Callable[[int], int], end: Callable[[int], int]) -> Callable[[Events], None]:
    """Set the first annotation of the first content_part.done to [start(n), end(n)), n = text length."""

    def edit(events: Events) -> None:
        part = first(events, "response.content_part.done")["part"]
        n = len(part["text"])
        part["annotations"][0].update(start_index=start(n), end_index=end(n))

    return edit


@pytest.mark.parametrize(
    ("edit", "fires"),
    [
        pytest.param(span(lambda n: 0, lambda n: n), False, id="whole-text"),
        pytest.param(span(lambda n: n - 1, lambda n: n), False, id="end-at-length"),
        pytest.param(span(lambda n: n - 2, lambda n: n - 1), False, id="end-just-inside"),
        pytest.param(span(lambda n: n - 1, lambda n: n + 1), True, id="end-one-past"),
        pytest.param(span(lambda n: 0, lambda n: 0), False, id="empty-at-start"),
        pytest.param(span(lambda n: n, lambda n: n), False, id="empty-at-end"),
        pytest.param(span(lambda n: -1, lambda n: 1), True, id="start-one-before"),
        pytest.param(span(lambda n: 3, lambda n: 3), False, id="start-equals-end"),
        pytest.param(span(lambda n: 4, lambda n: 3), True, id="start-one-past-end"),
    ],
)
def test_rsp313_span_bounds(edit: Callable[[Events], None], fires: bool) -> None:
    assert ("RSP313" in rules(edited(CITATIONS, edit))) is fires


def test_rsp313_counts_code_points_not_bytes() -> None:
    def edit(events: Events) -> None:
        for event in events:
            for key in ("part",):
                part = event.get(key)
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    part["text"] = "é" + part["text"][1:]
        span(lambda n: 0, lambda n: n)(events)

    # Only the part changes its text: the other findings (RSP30x) are not what this asks.
    assert "RSP313" not in rules(edited(CITATIONS, edit))


# ---------------------------------------------------------------------- sequence numbers
def set_seq(position: int, value: Callable[[int], int]) -> Callable[[Events], None]:
    def edit(events: Events) -> None:
        events[position]["sequence_number"] = value(
            events[position - 1]["sequence_number"] if position else 0
        )

    return edit


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(set_seq(0, lambda _: 0), set(), id="first-is-0"),
        pytest.param(set_seq(0, lambda _: 1), {"RSP203"}, id="first-is-1"),
        # Below the schema's minimum: the schema finding at /sequence_number is the one root cause
        # (one defect, one finding: a follow-on finding about the same value is not repeated as RSP203).
        pytest.param(set_seq(0, lambda _: -1), {"RSP103"}, id="first-is-minus-1"),
        pytest.param(set_seq(5, lambda last: last + 1), set(), id="next"),
        pytest.param(set_seq(5, lambda last: last + 2), {"RSP204"}, id="one-missing"),
        pytest.param(set_seq(5, lambda last: last), {"RSP205"}, id="repeated"),
        pytest.param(set_seq(5, lambda last: last - 1), {"RSP205"}, id="one-back"),
    ],
)
def test_sequence_number_bounds(edit: Callable[[Events], None], expected: set[str]) -> None:
    events = edited(TEXT, edit)
    edited_at = (
        next(i for i, (a, b) in enumerate(zip(events, TEXT, strict=True)) if a != b) if events != TEXT else 5
    )
    # At the edited event only: the next event, numbered as before, may be a gap or repeat itself.
    found = {f.rule for f in check_events(events).findings if f.event_index == edited_at}
    assert found & {"RSP103", "RSP203", "RSP204", "RSP205"} == expected


def test_rsp204_counts_the_missing_numbers() -> None:
    events = edited(TEXT, set_seq(5, lambda last: last + 3))
    (message,) = [f.message for f in check_events(events).findings if f.rule == "RSP204"]
    assert message.endswith(": 2 missing")


# ---------------------------------------------------------------------- RSP308 usage arithmetic
def usage_total(delta: int) -> Callable[[Events], None]:
    def edit(events: Events) -> None:
        usage = first(events, "response.completed")["response"]["usage"]
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"] + delta

    return edit


@pytest.mark.parametrize(("delta", "fires"), [(0, False), (1, True), (-1, True)])
def test_rsp308_total_tokens(delta: int, fires: bool) -> None:
    assert ("RSP308" in rules(edited(TEXT, usage_total(delta)))) is fires


# ---------------------------------------------------------------------- RSP306 annotation_index
def annotation_index(value: Callable[[int], int]) -> Callable[[Events], None]:
    def edit(events: Events) -> None:
        event = first(events, "response.output_text.annotation.added")
        event["annotation_index"] = value(event["annotation_index"])

    return edit


@pytest.mark.parametrize(
    ("edit", "fires"),
    [
        pytest.param(annotation_index(lambda i: i), False, id="the-next"),
        pytest.param(annotation_index(lambda i: i + 1), True, id="one-past-the-next"),
    ],
)
def test_rsp306_annotation_index(edit: Callable[[Events], None], fires: bool) -> None:
    assert ("RSP306" in rules(edited(CITATIONS, edit))) is fires


# ---------------------------------------------------------------------- RSP221 output_index
def output_index(delta: int) -> Callable[[Events], None]:
    def edit(events: Events) -> None:
        for event in events:
            if event.get("type") == "response.output_item.added":
                event["output_index"] += delta
                return

    return edit


@pytest.mark.parametrize(("delta", "fires"), [(0, False), (1, True)])
def test_rsp221_first_output_index(delta: int, fires: bool) -> None:
    assert ("RSP221" in rules(edited(TEXT, output_index(delta)))) is fires


# ---------------------------------------------------------------------- found by mutation testing
# cosmic-ray's off-by-one operators on consistency.py and sequence.py left these alive; each case
# below kills one (the integer fast path hid the general one: integral floats take the latter).
def sse(events: list[Any]) -> bytes:
    return b"".join(
        b"data: " + (e if isinstance(e, bytes) else json.dumps(e).encode()) + b"\n\n" for e in events
    )


def sequence_rules_at(data: bytes, index: int) -> set[str]:
    found = check_bytes(data).findings
    return {f.rule for f in found if f.event_index == index} & {"RSP203", "RSP204", "RSP205"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(lambda last: float(last + 1), set(), id="next-as-float"),
        pytest.param(lambda last: float(last + 2), {"RSP204"}, id="one-missing-as-float"),
        pytest.param(lambda last: float(last), {"RSP205"}, id="repeated-as-float"),
    ],
)
def test_sequence_numbers_written_as_integral_floats(
    value: Callable[[int], float], expected: set[str]
) -> None:
    events = copy.deepcopy(TEXT)
    events[5]["sequence_number"] = value(events[4]["sequence_number"])
    assert sequence_rules_at(sse(events), 5) == expected


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(2, set(), id="the-broken-event-unnumbered"),
        pytest.param(3, set(), id="the-broken-event-numbered"),
        pytest.param(4, {"RSP204"}, id="one-past-that"),
    ],
)
def test_sequence_after_an_undecodable_event(after: int, expected: set[str]) -> None:
    # Events 0 and 1, then one whose JSON is broken (it may have carried 2), then ``after``:
    # as an integral float, so the general path decides rather than the integer fast path.
    events: list[Any] = copy.deepcopy(TEXT[:2])
    third = copy.deepcopy(TEXT[3])
    third["sequence_number"] = float(after)
    data = sse([*events, b'{"type": "response.output_item.added", "sequence_number": 2', third])
    assert sequence_rules_at(data, 3) == expected


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        pytest.param(0, set(), id="0"),
        pytest.param(1, set(), id="1-the-broken-one-was-0"),
        pytest.param(2, {"RSP203"}, id="2"),
    ],
)
def test_first_sequence_number_after_an_undecodable_first_event(first: int, expected: set[str]) -> None:
    second = copy.deepcopy(TEXT[1])
    second["sequence_number"] = first
    data = sse([b'{"type": "response.created", "sequence_number": 0', second, *TEXT[2:4]])
    assert sequence_rules_at(data, 1) == expected


def test_rsp308_message_gives_the_sum() -> None:
    events = edited(TEXT, usage_total(5))
    usage = first(events, "response.completed")["response"]["usage"]
    (message,) = [f.message for f in check_events(events).findings if f.rule == "RSP308"]
    assert message.endswith(f"= {usage['input_tokens'] + usage['output_tokens']}")


def test_rsp217_names_starting_after() -> None:
    events = copy.deepcopy(TEXT[4:])
    (message,) = [f.message for f in check_events(events).findings if f.rule == "RSP217"]
    seq = events[0]["sequence_number"]
    assert message.startswith(
        f"resumed stream (starting_after={seq - 1}): checked from sequence_number {seq}"
    )


@pytest.mark.parametrize(("missing", "more"), [(1, ""), (2, " (nor do the 1 events after it)")])
def test_rsp201_counts_the_unnumbered_events(missing: int, more: str) -> None:
    events = copy.deepcopy(TEXT)
    for event in events[:missing]:
        del event["sequence_number"]
    (message,) = [f.message for f in check_events(events).findings if f.rule == "RSP201"]
    # How many events after the first also lack one: said only when there are any.
    assert ("(nor do the" in message) is bool(more) and (not more or more in message)


@pytest.mark.parametrize(("length", "shown"), [(60, "a" * 60), (61, "a" * 57 + "...")])
def test_text_mismatch_quotes_up_to_60_characters(length: int, shown: str) -> None:
    events = copy.deepcopy(TEXT)
    first(events, "response.output_text.done")["text"] = "a" * length
    messages = [f.message for f in check_events(events).findings if "but the done event says" in f.message]
    assert messages and messages[0].endswith(f"but the done event says {shown!r}")
