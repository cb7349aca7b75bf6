"""Rule examples, connection: WebSocket sessions with steering (RSP401-RSP407).

A connection is a sequence of responses per lane: the client steers a response in flight with
``response.steer``, the server answers with ``response.steer.accepted|pending|failed``, a steered
response ends incomplete (steered) and an automatic successor follows. Each example is a whole
session, checked with input_format "websocket".
"""

from __future__ import annotations

import copy
from typing import Any

from tools.rule_examples.kit import Example, example
from tools.rule_examples.responses.streams import (
    ANSWER,
    AUTO,
    MODEL,
    WEATHER_TOOL,
    Ctx,
    Ev,
    created,
    final_message,
    hexid,
    in_progress,
    incomplete,
    message_events,
    pick,
    text_response,
    usage,
)
from tools.rule_examples.responses.transport import QUESTION, client_create, numbered, on_lane, ws_example

STEER_TEXT = "Answer in one short sentence, please."
SUCCESSOR_ANSWER = ["Paris."]


def client_steer(target: str, text: str = STEER_TEXT, **extra: Any) -> Ev:
    """The client's ``response.steer`` (type, previous_response_id, input: nothing else)."""
    return Ev(
        {"type": "response.steer", "previous_response_id": target, "input": text, **extra},
        name=None,
        seq=None,
    )


def steer_ref(ctx: Ctx, n: int = 0) -> dict[str, Any]:
    return {"id": "steer_" + hexid(ctx.label, "steer", str(n), n=24), "previous_response_id": ctx.resp_id}


def steer_accepted(ctx: Ctx, n: int = 0) -> Ev:
    return Ev({"type": "response.steer.accepted", "steer": steer_ref(ctx, n)}, name=None)


def steer_pending(ctx: Ctx, call_id: str, n: int = 0) -> Ev:
    stub = {"type": "function_call_output", "call_id": call_id, "name": WEATHER_TOOL["name"]}
    return Ev(
        {
            "type": "response.steer.pending",
            "reason": "waiting_for_required_input",
            "required_input": [stub],
            "steer": steer_ref(ctx, n),
        },
        name=None,
    )


def steer_failed(ctx: Ctx, code: str, message: str, text: str = STEER_TEXT, with_id: int | None = None) -> Ev:
    steer: dict[str, Any] = {"input": text, "previous_response_id": ctx.resp_id}
    if with_id is not None:
        steer["id"] = steer_ref(ctx, with_id)["id"]
    err = {"code": code, "message": message, "type": "invalid_request_error"}
    return Ev({"type": "response.steer.failed", "error": err, "steer": steer}, name=None)


def steered_response(label: str) -> tuple[Ctx, list[Ev], int]:
    """A text answer that stops at a safe boundary: the message completes, the response ends
    incomplete (steered). Returns the events and where an accepted steer fits in flight."""
    ctx = Ctx(label)
    item_id = ctx.id("msg")
    partial = ANSWER[:1]
    evs = [
        created(ctx),
        in_progress(ctx),
        *message_events(ctx, 0, item_id, partial),
        incomplete(
            ctx, [final_message(item_id, "".join(partial))], {"reason": "steered"}, usage=usage(14, 2)
        ),
    ]
    return ctx, evs, 3  # after output_item.added: the model is writing when the steer arrives


def successor_response(label: str, before: Ctx, previous: Any = AUTO) -> tuple[Ctx, list[Ev]]:
    """The automatic successor: settings inherited, previous_response_id = the response it continues."""
    ctx, evs = text_response(label, SUCCESSOR_ANSWER)
    prev = before.resp_id if previous is AUTO else previous
    for e in evs:
        if e.payload is not None and "response" in e.payload:
            e.payload["response"]["previous_response_id"] = prev
    return ctx, evs


def steered_session(
    label: str, *, previous: Any = AUTO, lane: str | None = None
) -> tuple[Ctx, Ctx, list[Ev]]:
    """create → A (steer sent and accepted in flight) → incomplete(steered) → automatic successor B."""
    a, first, at = steered_response(label)
    first.insert(at, steer_accepted(a))
    b, second = successor_response(label + "-successor", a, previous)
    first, second = numbered(first), numbered(second)
    if lane is not None:
        on_lane(first, lane)
        on_lane(second, lane)
    ask = client_create(model=MODEL, input=QUESTION, **({"stream_id": lane} if lane else {}))
    steer = client_steer(a.resp_id)
    return a, b, [ask, *first[:at], steer, *first[at:], *second]


def _mark_type(messages: list[Ev], type_: str, rule: str, n: int = 0) -> Ev:
    return pick(messages, type_, n).mark(rule)


@example("RSP401")
def _rsp401() -> Example:
    _, _, good = steered_session("rsp252")
    _, _, bad = steered_session("rsp252")
    bad = [m for m in bad if (m.payload or {}).get("type") != "response.steer"]
    _mark_type(bad, "response.steer.accepted", "RSP401")
    return ws_example(
        "RSP401",
        "the server reports a steer accepted for the first response; the client never sent response.steer",
        "the accepted steer answers the client's response.steer",
        bad,
        good,
    )


@example("RSP402")
def _rsp402() -> Example:
    def session(twice: bool) -> list[Ev]:
        a, _, msgs = steered_session("rsp253")
        if twice:
            at = next(
                i for i, m in enumerate(msgs) if (m.payload or {}).get("type") == "response.steer.accepted"
            )
            again = steer_accepted(a).mark("RSP402")
            again.seq = msgs[at].seq + 1
            msgs.insert(at + 1, again)
            for m in msgs[at + 2 :]:
                if m.payload is not None and m.payload.get("type") == "response.created":
                    break
                if isinstance(m.seq, int):
                    m.seq += 1
        return msgs

    return ws_example(
        "RSP402",
        "the server acknowledges the one steer submission twice (two response.steer.accepted, same steer.id)",
        "one response.steer.accepted for the submission",
        session(True),
        session(False),
    )


@example("RSP403")
def _rsp403() -> Example:
    _a, b, good = steered_session("rsp254")
    cut = next(i for i, m in enumerate(good) if (m.payload or {}).get("response", {}).get("id") == b.resp_id)
    bad = copy.deepcopy(good[:cut])
    _mark_type(bad, "response.incomplete", "RSP403")
    return ws_example(
        "RSP403",
        "the steered response ends incomplete (steered) after the steer was accepted; no successor follows",
        "the automatic successor response.created follows and commits the steering input",
        bad,
        good,
    )


@example("RSP404")
def _rsp404() -> Example:
    _, _, bad = steered_session("rsp255", previous=None)
    _, _, good = steered_session("rsp255")
    _mark_type(bad, "response.created", "RSP404", 1)
    return ws_example(
        "RSP404",
        "the automatic successor's response has previous_response_id null",
        "the successor names the steered response as its previous_response_id",
        bad,
        good,
    )


@example("RSP405")
def _rsp405() -> Example:
    _, b, good = steered_session("rsp256")
    bad = copy.deepcopy(good)
    old_end = next(i for i, m in enumerate(bad) if (m.payload or {}).get("type") == "response.incomplete")
    start = next(i for i, m in enumerate(bad) if (m.payload or {}).get("response", {}).get("id") == b.resp_id)
    end = bad.pop(old_end)
    bad.insert(start, end.mark("RSP405"))  # the old response's terminal event comes after B's created
    return ws_example(
        "RSP405",
        "the successor's response.created is sent before the steered response's response.incomplete",
        "the steered response ends, then its successor starts",
        bad,
        good,
    )


@example("RSP406")
def _rsp406() -> Example:
    _a, _, bad = steered_session("rsp257", lane="agent_1")
    _, _, good = steered_session("rsp257", lane="agent_1")
    steer = pick(bad, "response.steer")
    assert steer.payload is not None
    steer.payload["stream_id"] = "agent_1"
    steer.mark("RSP406")
    return ws_example(
        "RSP406",
        "the client sends response.steer with the lane's stream_id",
        "response.steer carries only type, previous_response_id and input; the target's lane is implied",
        bad,
        good,
    )


@example("RSP407")
def _rsp407() -> Example:
    def session(answered: bool) -> list[Ev]:
        a, first = text_response("rsp258")
        if answered:
            first.insert(3, steer_accepted(a))
        _, second = successor_response("rsp258-successor", a)
        first, second = numbered(first), numbered(second)
        if not answered:
            second[0].mark("RSP407")
        return [
            client_create(model=MODEL, input=QUESTION),
            *first[:3],
            client_steer(a.resp_id),
            *first[3:],
            *second,
        ]

    return ws_example(
        "RSP407",
        "a gateway passes response.steer on as a new request: the successor starts, the steer got no outcome",
        "the steer is accepted while the response runs; the successor then commits it",
        session(False),
        session(True),
    )
