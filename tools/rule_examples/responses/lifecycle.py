"""Rule examples, 2xx lifecycle: sequence numbers, the response, items, parts and text streams."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from tools.rule_examples.kit import Example, Variant, example, members
from tools.rule_examples.responses.streams import (
    ANSWER,
    CREATED_AT,
    WEATHER_TOOL,
    Ctx,
    Ev,
    change_done_item,
    completed,
    created,
    error_stream,
    ev,
    failed,
    first,
    function_call,
    function_call_events,
    function_response,
    hexid,
    in_progress,
    incomplete,
    index_of,
    keepalive,
    member,
    message,
    message_events,
    nested_error,
    pick,
    reasoning_response,
    text_part,
    text_response,
    usage,
    web_search_response,
    with_keepalive,
)


@example("RSP201")
def _rsp201() -> Example:
    _, bad = text_response("rsp201")
    _, good = text_response("rsp201")
    bad[-1].seq = None
    bad[-1].mark("RSP201")
    return Example(
        "RSP201",
        "a bridge builds response.completed itself and forgets its sequence_number",
        "every event is numbered",
        bad,
        good,
    )


@example("RSP202")
def _rsp202() -> Example:
    _, bad = text_response("rsp202")
    _, good = text_response("rsp202")
    for e in bad:
        e.seq = None
    bad[0].mark("RSP202")
    return Example(
        "RSP202",
        "no event has a sequence_number (the API before May 2025, or a bridge modelled on it)",
        "every event is numbered from 0",
        bad,
        good,
    )


@example("RSP203")
def _rsp203() -> Example:
    _, bad = text_response("rsp203")
    _, good = text_response("rsp203")
    bad[0].seq = 1
    bad[0].mark("RSP203")
    return Example(
        "RSP203",
        "the stream is numbered from 1",
        "response.created is number 0",
        bad,
        good,
    )


@example("RSP204")
def _rsp204() -> Example:
    _, bad = text_response("rsp204")
    _, good = text_response("rsp204")
    good, _ = with_keepalive(good)
    # The proxy drops the keepalive, but the number it had stays taken.
    at = index_of(bad, "response.output_text.delta", 1)
    bad[at].seq = at + 1
    bad[at].mark("RSP204")
    return Example(
        "RSP204",
        "a proxy filtered out a keepalive: sequence_number jumps from 4 to 6",
        "the keepalive is forwarded, so the numbers run 0, 1, 2, ... without a gap",
        bad,
        good,
    )


@example("RSP205")
def _rsp205() -> Example:
    _, bad = text_response("rsp205")
    _, good = text_response("rsp205")
    at = index_of(bad, "response.output_text.delta", 1)
    bad[at].seq = at - 1
    bad[at].mark("RSP205")
    return Example(
        "RSP205",
        "two deltas share sequence_number 4 (a counter that is read before it is incremented)",
        "each event has its own, increasing number",
        bad,
        good,
    )


@example("RSP206")
def _rsp206() -> Example:
    _, bad = text_response("rsp206")
    _, good = text_response("rsp206")
    bad = bad[1:]
    bad[0].mark("RSP206")
    return Example(
        "RSP206",
        "a bridge starts with response.in_progress (numbered 0); response.created is never sent",
        "the stream starts with response.created",
        bad,
        good,
    )


@example("RSP207")
def _rsp207() -> Example:
    ctx, bad = text_response("rsp207")
    _, good = text_response("rsp207")
    bad.insert(len(bad) - 1, in_progress(ctx).mark("RSP207"))
    return Example(
        "RSP207",
        "a bridge repeats response.in_progress as a heartbeat after the output",
        "response.in_progress is sent once",
        bad,
        good,
    )


@example("RSP208")
def _rsp208() -> Example:
    _, bad = text_response("rsp208")
    _, good = text_response("rsp208")
    bad.append(keepalive().mark("RSP208"))
    return Example(
        "RSP208",
        "a keepalive arrives after response.completed",
        "nothing follows response.completed",
        bad,
        good,
    )


@example("RSP209")
def _rsp209() -> Example:
    _, bad = text_response("rsp209")
    _, good = text_response("rsp209")
    bad = bad[:-1]
    return Example(
        "RSP209",
        "the stream stops after the last output_item.done; response.completed never comes",
        "the stream ends with response.completed",
        bad,
        good,
        end_marks=["RSP209"],
    )


@example("RSP210")
def _rsp210() -> Example:
    _, bad = text_response("rsp210", background=True)
    _, good = text_response("rsp210", background=True)
    e = pick(bad, "response.in_progress").mark("RSP210")
    assert e.payload is not None
    e.payload["response"]["status"] = "queued"
    return Example(
        "RSP210",
        "a background response's in_progress event re-sends the queued snapshot (status: queued)",
        "response.in_progress carries status in_progress",
        bad,
        good,
    )


def incomplete_stream(label: str, details: dict[str, Any] | None) -> tuple[Ctx, list[Ev]]:
    ctx = Ctx(label)
    deltas = ["Here are the", " first three", " steps:\n1."]
    msg = ctx.id("msg")
    evs = message_events(ctx, 0, msg, deltas)
    text = "".join(deltas)
    for e in evs[-1:]:
        assert e.payload is not None
        e.payload["item"]["status"] = "incomplete"
    final = message(msg, "incomplete", [text_part(text)])
    return ctx, [
        created(ctx),
        in_progress(ctx),
        *evs,
        incomplete(ctx, [final], details, max_output_tokens=8, usage=usage(22, 8)),
    ]


@example("RSP212")
def _rsp212() -> Example:
    _, bad = incomplete_stream("rsp212", None)
    _, good = incomplete_stream("rsp212", {"reason": "max_output_tokens"})
    bad[-1].mark("RSP212")
    return Example(
        "RSP212",
        "the answer is cut at max_output_tokens, but response.incomplete has incomplete_details: null",
        "incomplete_details.reason says max_output_tokens",
        bad,
        good,
    )


def failed_stream(label: str, error: dict[str, Any] | None, **over: Any) -> tuple[Ctx, list[Ev]]:
    ctx = Ctx(label)
    return ctx, [created(ctx), in_progress(ctx), failed(ctx, error, **over)]


SERVER_ERROR = {
    "code": "server_error",
    "message": "The server had an error while processing your request. Sorry about that!",
}


@example("RSP213")
def _rsp213() -> Example:
    _, bad = failed_stream("rsp213", None)
    _, good = failed_stream("rsp213", SERVER_ERROR)
    bad[-1].mark("RSP213")
    return Example(
        "RSP213",
        "response.failed with error: null, so the client cannot say why",
        "response.failed carries error.code and error.message",
        bad,
        good,
    )


@example("RSP214")
def _rsp214() -> Example:
    ctx, bad = error_stream("rsp214", nested_error())
    _, good = error_stream("rsp214", nested_error())
    bad[-1] = completed(ctx, [], usage(14, 0)).mark("RSP214")
    return Example(
        "RSP214",
        "after an error event the bridge still sends response.completed",
        "the error event is followed by response.failed",
        bad,
        good,
    )


@example("RSP215")
def _rsp215() -> Example:
    _, bad = text_response("rsp215")
    _, good = text_response("rsp215")
    bad[1], bad[2] = bad[2], bad[1]
    bad[1].mark("RSP215")
    return Example(
        "RSP215",
        "output_item.added is sent before response.in_progress",
        "response.in_progress comes first, then the output",
        bad,
        good,
    )


@example("RSP216")
def _rsp216() -> Example:
    _, bad = failed_stream("rsp216", SERVER_ERROR, completed_at=CREATED_AT + 2)
    _, good = failed_stream("rsp216", SERVER_ERROR)
    bad[-1].mark("RSP216")
    return Example(
        "RSP216",
        "response.failed carries a completed_at timestamp",
        "completed_at is null on a response that did not complete",
        bad,
        good,
    )


@example("RSP217")
def _rsp217() -> Example:
    _, good = text_response("rsp217", background=True)
    _, bad = text_response("rsp217", background=True)
    bad = bad[1:]
    bad[0].seq = 1
    bad[0].mark("RSP217")
    return Example(
        "RSP217",
        "GET /v1/responses/{id}?stream=true&starting_after=0: the stream resumes at response.queued (1)",
        "the same background response streamed from the start",
        bad,
        good,
    )


# ---- 2xx lifecycle: items


def two_calls(label: str, same_call_id: bool) -> tuple[Ctx, list[Ev]]:
    ctx = Ctx(label, tools=[WEATHER_TOOL])
    fc1, fc2 = ctx.id("fc", "1"), ctx.id("fc", "2")
    call1 = "call_" + hexid(label, "call1", n=24)
    call2 = call1 if same_call_id else "call_" + hexid(label, "call2", n=24)
    args1 = ['{"city":"Paris",', '"unit":"celsius"}']
    args2 = ['{"city":"Lyon",', '"unit":"celsius"}']
    return ctx, [
        created(ctx),
        in_progress(ctx),
        *function_call_events(ctx, 0, fc1, call1, args1),
        *function_call_events(ctx, 1, fc2, call2, args2),
        completed(
            ctx,
            [
                function_call(fc1, call1, "completed", "".join(args1)),
                function_call(fc2, call2, "completed", "".join(args2)),
            ],
            usage(61, 36),
        ),
    ]


@example("RSP222")
def _rsp222() -> Example:
    _, bad = two_calls("rsp222", True)
    _, good = two_calls("rsp222", False)
    pick(bad, "response.output_item.added", 1).mark("RSP222")
    return Example(
        "RSP222",
        "two parallel function calls share one call_id, so their outputs cannot be told apart",
        "each call has its own call_id",
        bad,
        good,
    )


@example("RSP223")
def _rsp223() -> Example:
    ctx, bad = text_response("rsp223")
    _, good = text_response("rsp223")
    e = pick(bad, "response.output_text.delta", 1).mark("RSP223")
    assert e.payload is not None
    e.payload["item_id"] = ctx.id("msg", "rotated")
    return Example(
        "RSP223",
        "one delta carries a rotated item_id that is not the id of the item at its output_index",
        "every event names the item at its output_index",
        bad,
        good,
    )


@example("RSP225")
def _rsp225() -> Example:
    _, bad = function_response("rsp225")
    _, good = function_response("rsp225")
    change_done_item(bad, "RSP225", "call_id", "call_" + hexid("rsp225", "regenerated", n=24))
    return Example(
        "RSP225",
        "the bridge generates a new call_id for output_item.done (and the final output)",
        "the done item keeps the call_id it was added with",
        bad,
        good,
    )


@example("RSP227")
def _rsp227() -> Example:
    _, bad = web_search_response("rsp227")
    _, good = web_search_response("rsp227")
    at = index_of(bad, "response.output_item.done")
    bad.insert(at + 1, copy.deepcopy(pick(bad, "response.web_search_call.completed")).mark("RSP227"))
    return Example(
        "RSP227",
        "web_search_call.completed is repeated after the item's output_item.done",
        "no event refers to the item after its output_item.done",
        bad,
        good,
    )


@example("RSP229")
def _rsp229() -> Example:
    _, bad = text_response("rsp229")
    _, good = text_response("rsp229")
    change_done_item(bad, "RSP229", "status", "in_progress")
    return Example(
        "RSP229",
        "output_item.done (and the final output) still say status: in_progress",
        "the done item has status completed",
        bad,
        good,
    )


@example("RSP230")
def _rsp230() -> Example:
    _, bad = web_search_response("rsp230", statuses=("searching", "in_progress", "completed"))
    _, good = web_search_response("rsp230")
    pick(bad, "response.web_search_call.in_progress").mark("RSP230")
    return Example(
        "RSP230",
        "web_search_call.in_progress arrives after web_search_call.searching",
        "in_progress, then searching, then completed",
        bad,
        good,
    )


@example("RSP231")
def _rsp231() -> Example:
    _, bad = web_search_response("rsp231", statuses=("in_progress", "searching"))
    _, good = web_search_response("rsp231")
    pick(bad, "response.output_item.done").mark("RSP231")
    return Example(
        "RSP231",
        "the web search item is closed without web_search_call.completed (seen from Azure)",
        "web_search_call.completed comes before output_item.done",
        bad,
        good,
    )


@example("RSP232")
def _rsp232() -> Example:
    _, bad = web_search_response("rsp232", done_status="failed")
    _, good = web_search_response("rsp232")
    pick(bad, "response.output_item.done").mark("RSP232")
    return Example(
        "RSP232",
        "web_search_call.completed was sent, but the done item (and final output) say status: failed",
        "the done item's status agrees with the last status event",
        bad,
        good,
    )


# ---- 2xx lifecycle: parts and text streams


@example("RSP233")
def _rsp233() -> Example:
    ctx, bad = incomplete_stream("rsp233", {"reason": "max_output_tokens"})
    _, good = incomplete_stream("rsp233", {"reason": "max_output_tokens"})
    # The message is cut off (status incomplete), yet the response claims to be complete.
    final = bad[-1].payload["response"]["output"]  # type: ignore[index]
    bad[-1] = completed(ctx, final, usage(22, 8)).mark("RSP233")
    return Example(
        "RSP233",
        "the message ends incomplete at max_output_tokens, but the response ends with response.completed",
        "the response ends with response.incomplete, saying why",
        bad,
        good,
    )


@example("RSP235")
def _rsp235() -> Example:
    def interleaved(evs: list[Ev]) -> list[Ev]:
        # The second call's added comes before the first call's done.
        first_done = pick(evs, "response.output_item.done", 0)
        second_added = pick(evs, "response.output_item.added", 1)
        evs.remove(second_added)
        evs.insert(evs.index(first_done), second_added)
        return evs

    _, bad = two_calls("rsp235", False)
    _, good = two_calls("rsp235", False)
    bad = interleaved(bad)
    pick(bad, "response.output_item.added", 1).mark("RSP235")
    # The case that breaks Codex clients (LiteLLM PR #38654): an error in the codex profile.
    _, codex = reasoning_response("rsp235-codex")
    interleaved(codex)
    pick(codex, "response.output_item.added", 1).mark("RSP235")
    return Example(
        "RSP235",
        "the second function call is added before the first one's output_item.done",
        "each item is closed before the next is added",
        bad,
        good,
        variants=[
            Variant(
                "codex",
                "a chat bridge adds the message before the reasoning item's output_item.done; Codex "
                "clients track one active item and drop the text (an error in the codex profile)",
                codex,
                {"profile": "codex"},
                {"RSP235": "error"},
            )
        ],
    )


@example("RSP236")
def _rsp236() -> Example:
    _, bad = text_response("rsp236")
    _, good = text_response("rsp236")
    streamed = (
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
    )
    bad = [e for e in bad if e.type not in streamed]
    pick(bad, "response.output_item.done").mark("RSP236")
    return Example(
        "RSP236",
        "the message's text comes only in output_item.done: no content part, no delta was streamed",
        "the text is streamed in a content part: content_part.added, deltas, done",
        bad,
        good,
    )


@example("RSP237")
def _rsp237() -> Example:
    _, bad = web_search_response("rsp237", statuses=("in_progress", "in_progress", "searching", "completed"))
    _, good = web_search_response("rsp237")
    pick(bad, "response.web_search_call.in_progress", 1).mark("RSP237")
    return Example(
        "RSP237",
        "web_search_call.in_progress is sent twice",
        "each status event once: in_progress, searching, completed",
        bad,
        good,
    )


@example("RSP243")
def _rsp243() -> Example:
    _, bad = web_search_response("rsp243")
    _, good = web_search_response("rsp243")
    a = pick(bad, "response.output_text.annotation.added")
    bad.remove(a)
    bad.insert(index_of(bad, "response.content_part.done", 0) + 1, a.mark("RSP243"))
    return Example(
        "RSP243",
        "the citation's annotation.added event comes after the part's content_part.done",
        "the annotation is announced while the part is open",
        bad,
        good,
    )


def refusal_response(label: str) -> tuple[Ctx, list[Ev]]:
    ctx = Ctx(label)
    msg = ctx.id("msg")
    where = {"item_id": msg, "output_index": 0, "content_index": 0}
    deltas = ["I can't help", " with that request."]
    text = "".join(deltas)
    part = {"type": "refusal", "refusal": text}
    return ctx, [
        created(ctx),
        in_progress(ctx),
        ev("response.output_item.added", output_index=0, item=message(msg, "in_progress", [])),
        ev("response.content_part.added", **where, part={"type": "refusal", "refusal": ""}),
        *[
            ev("response.refusal.delta", **where, delta=d, obfuscation=ctx.obfuscation(d, str(i)))
            for i, d in enumerate(deltas)
        ],
        ev("response.refusal.done", **where, refusal=text),
        ev("response.content_part.done", **where, part=part),
        ev("response.output_item.done", output_index=0, item=message(msg, "completed", [part])),
        completed(ctx, [message(msg, "completed", [part])], usage(19, 8)),
    ]


@example("RSP245")
def _rsp245() -> Example:
    _, bad = refusal_response("rsp245")
    _, good = refusal_response("rsp245")
    e = pick(bad, "response.content_part.done").mark("RSP245")
    assert e.payload is not None
    e.payload["part"] = text_part(e.payload["part"]["refusal"])
    return Example(
        "RSP245",
        "a refusal part is closed as an output_text part",
        "content_part.done has the refusal type it was added with",
        bad,
        good,
    )


@example("RSP246")
def _rsp246() -> Example:
    ctx, bad = text_response("rsp246")
    _, good = text_response("rsp246")
    last = copy.deepcopy(pick(bad, "response.output_text.delta", -1))
    assert last.payload is not None
    last.payload["delta"] = ""
    last.payload["obfuscation"] = ctx.obfuscation("", "flush")
    bad.insert(index_of(bad, "response.output_text.done") + 1, last.mark("RSP246"))
    return Example(
        "RSP246",
        "a bridge flushes an empty output_text.delta after output_text.done",
        "no delta after the done event",
        bad,
        good,
    )


@example("RSP249")
def _rsp249() -> Example:
    _, bad = text_response("rsp249")
    _, good = text_response("rsp249")
    at = index_of(bad, "response.output_text.done")
    bad.insert(at + 1, copy.deepcopy(bad[at]).mark("RSP249"))
    return Example(
        "RSP249",
        "output_text.done is sent twice",
        "one done event per text stream",
        bad,
        good,
    )


def _sent_twice(
    rule: str, build: Callable[[str], tuple[Ctx, list[Ev]]], type_: str, bad: str, good: str
) -> Example:
    """The first event of ``type_`` is sent again right after itself."""
    _, evs = build(rule.lower())
    _, fixed = build(rule.lower())
    at = index_of(evs, type_)
    evs.insert(at + 1, copy.deepcopy(evs[at]).mark(rule))
    return Example(rule, bad, good, evs, fixed)


example("RSP226")(
    functools.partial(
        _sent_twice,
        "RSP226",
        text_response,
        "response.output_item.done",
        "output_item.done is sent twice for the message (on finish_reason and again at the end)",
        "one output_item.done per item",
    )
)
example("RSP242")(
    functools.partial(
        _sent_twice,
        "RSP242",
        text_response,
        "response.content_part.added",
        "content_part.added is sent twice for part 0",
        "each part is added once",
    )
)

#: The examples that change one member of one event.
members(
    {
        "RSP211": member(
            text_response,
            -1,
            ("response", "id"),
            "resp_" + hexid("rsp211", "retry"),
            "a gateway retried upstream and response.completed carries the retry's response id",
            "every snapshot has the id from response.created",
        ),
        "RSP224": member(
            web_search_response,
            first("response.web_search_call.searching"),
            ("type",),
            "response.file_search_call.searching",
            "a file_search_call status event is sent for a web_search_call item",
            "the web_search_call item gets web_search_call events",
        ),
        "RSP234": member(
            text_response,
            -1,
            ("response", "model"),
            "gpt-4.1",
            "a gateway rewrote model to its alias in response.completed only",
            "every snapshot names the model response.created named",
        ),
        "RSP238": member(
            text_response,
            -1,
            ("response", "incomplete_details"),
            {"reason": "max_output_tokens"},
            "the answer stopped at max_output_tokens, and response.completed says so in incomplete_details",
            "a response that is complete has incomplete_details null"
            " (a cut-short one ends response.incomplete)",
        ),
        "RSP248": member(
            text_response,
            first("response.content_part.added"),
            ("part", "text"),
            ANSWER[0],
            "content_part.added already holds the first delta's text, so clients show it twice",
            "the added part is empty; all text comes in deltas",
        ),
    }
)


def _left_out(rule: str, dropped: str, marked: str, about_bad: str, about_good: str) -> Example:
    """The first event of type ``dropped`` is never sent; the finding is at the first ``marked``."""
    _, bad = text_response(rule.lower())
    _, good = text_response(rule.lower())
    bad.remove(pick(bad, dropped))
    pick(bad, marked).mark(rule)
    return Example(rule, about_bad, about_good, bad, good)


#: The examples of an event a server leaves out: rule -> (the event never sent, the event the
#: finding is at, about bad, about good).
LEFT_OUT: dict[str, tuple[str, str, str, str]] = {
    # Reported once, at the first event that names the item; the rest of its events are then checked.
    "RSP220": (
        "response.output_item.added",
        "response.content_part.added",
        "a bridge never sends output_item.added: the first event for the message is content_part.added",
        "response.output_item.added opens the message before its parts",
    ),
    "RSP228": (
        "response.output_item.done",
        "response.completed",
        "the message is never closed: output_item.done is missing (reported at response.completed, "
        "where the item had to be closed)",
        "output_item.done closes the message before response.completed",
    ),
    # Reported once, at the first event that names the part.
    "RSP240": (
        "response.content_part.added",
        "response.output_text.delta",
        "a bridge never sends content_part.added: the deltas arrive for a part that was not opened",
        "content_part.added opens part 0 before its deltas",
    ),
    "RSP244": (
        "response.content_part.done",
        "response.output_item.done",
        "content_part.done is never sent; the item is closed with its part still open",
        "content_part.done closes the part before output_item.done",
    ),
    "RSP247": (
        "response.output_text.done",
        "response.content_part.done",
        "output_text.done is never sent; the part is closed straight after the deltas",
        "output_text.done comes before content_part.done",
    ),
}
for _rule, _row in LEFT_OUT.items():
    example(_rule)(functools.partial(_left_out, _rule, *_row))


def _numbered_from_1(rule: str, index: str, marked: str, about_bad: str, about_good: str) -> Example:
    """Every event's ``index`` (``output_index``, ``content_index``) is 1 where 0 was due; the
    finding is at the first ``marked`` event."""
    _, bad = text_response(rule.lower())
    _, good = text_response(rule.lower())
    for e in bad:
        if e.payload and index in e.payload:
            e.payload[index] = 1
    pick(bad, marked).mark(rule)
    return Example(rule, about_bad, about_good, bad, good)


example("RSP221")(
    functools.partial(
        _numbered_from_1,
        "RSP221",
        "output_index",
        "response.output_item.added",
        "a bridge dropped the reasoning item at output_index 0 but kept the message at index 1",
        "the first (only) item has output_index 0",
    )
)
example("RSP241")(
    functools.partial(
        _numbered_from_1,
        "RSP241",
        "content_index",
        "response.content_part.added",
        "the message's first part is added with content_index 1",
        "the first part has content_index 0",
    )
)
