"""Rule examples, 3xx consistency."""

from __future__ import annotations

from typing import Any

from tools.rule_examples.kit import Example, example, members
from tools.rule_examples.responses.streams import (
    CITED_TEXT,
    Ctx,
    Ev,
    change_done_item,
    created,
    ev,
    final_message,
    first,
    function_response,
    image_response,
    in_progress,
    member,
    message,
    message_events,
    pick,
    snapshot,
    text_response,
    usage,
    web_search_response,
)


def set_text(evs: list[Ev], text: str) -> None:
    """Replace the final text everywhere it appears after the deltas (done, part, item, response)."""
    for e in evs:
        p = e.payload or {}
        if e.type == "response.output_text.done":
            p["text"] = text
        elif e.type == "response.content_part.done":
            p["part"]["text"] = text
        elif e.type == "response.output_item.done":
            p["item"]["content"][0]["text"] = text
        elif e.type == "response.completed":
            p["response"]["output"][0]["content"][0]["text"] = text


@example("RSP301")
def _rsp301() -> Example:
    deltas = ["The capital", " of France", " is Paris.", "\n"]
    _, bad = text_response("rsp301", deltas)
    _, good = text_response("rsp301", deltas)
    set_text(bad, "".join(deltas).strip())
    pick(bad, "response.output_text.done").mark("RSP301")
    return Example(
        "RSP301",
        "the server strips the final text: the deltas end with a newline the done text lacks",
        "the done text is exactly the concatenated deltas",
        bad,
        good,
    )


@example("RSP303")
def _rsp303() -> Example:
    _, bad = text_response("rsp303")
    _, good = text_response("rsp303")
    change_done_item(bad, "RSP303", "content", [])
    return Example(
        "RSP303",
        "output_item.done (and the final output) carry the message with content: []",
        "the done item holds the streamed part",
        bad,
        good,
    )


@example("RSP304")
def _rsp304() -> Example:
    ctx, bad = text_response("rsp304")
    _, good = text_response("rsp304")
    bad[-1].mark("RSP304")
    bad[-1].payload["response"]["output"][0] = message(ctx.id("msg"), "in_progress", [])  # type: ignore[index]
    return Example(
        "RSP304",
        "response.completed's output holds the message as it was when added (in_progress, no content)",
        "the final output holds the item of output_item.done",
        bad,
        good,
    )


@example("RSP305")
def _rsp305() -> Example:
    _, bad = text_response("rsp305")
    _, good = text_response("rsp305")
    bad[-1].mark("RSP305")
    bad[-1].payload["response"]["output"] = []  # type: ignore[index]
    return Example(
        "RSP305",
        "response.completed has output: [] although a message was streamed",
        "the final output holds every streamed item",
        bad,
        good,
    )


@example("RSP306")
def _rsp306() -> Example:
    _, bad = web_search_response("rsp306")
    _, good = web_search_response("rsp306")
    e = pick(bad, "response.output_text.annotation.added").mark("RSP306")
    assert e.payload is not None
    e.payload["annotation_index"] = 1
    # The final part has the citation at 0, not at the announced 1: the two disagree (RSP307).
    pick(bad, "response.content_part.done").mark("RSP307")
    return Example(
        "RSP306",
        "the first annotation of the part is announced with annotation_index 1"
        " (so the final part, which has it at 0, disagrees: RSP307)",
        "annotation_index counts from 0",
        bad,
        good,
    )


@example("RSP307")
def _rsp307() -> Example:
    _, bad = web_search_response("rsp307")
    _, good = web_search_response("rsp307")
    for e in bad:
        p = e.payload or {}
        if e.type == "response.content_part.done":
            p["part"]["annotations"] = []
            e.mark("RSP307")
        elif e.type == "response.output_item.done" and p["item"]["type"] == "message":
            p["item"]["content"][0]["annotations"] = []
        elif e.type == "response.completed":
            p["response"]["output"][1]["content"][0]["annotations"] = []
    return Example(
        "RSP307",
        "the citation announced while streaming is missing from the final part (and item)",
        "the final part keeps the announced annotation",
        bad,
        good,
    )


@example("RSP308")
def _rsp308() -> Example:
    _, bad = text_response("rsp308")
    _, good = text_response("rsp308")
    bad[-1].mark("RSP308")
    bad[-1].payload["response"]["usage"]["total_tokens"] = 14  # type: ignore[index]
    return Example(
        "RSP308",
        "usage.total_tokens repeats input_tokens instead of input + output",
        "total_tokens = input_tokens + output_tokens",
        bad,
        good,
    )


@example("RSP309")
def _rsp309() -> Example:
    _, bad = image_response("rsp309", partial_index=1)
    _, good = image_response("rsp309")
    pick(bad, "response.image_generation_call.partial_image").mark("RSP309")
    return Example(
        "RSP309",
        "the first partial image is numbered 1 (the backend's 1-based count leaks through)",
        "partial_image_index starts at 0",
        bad,
        good,
    )


def logprob(token: str, value: float) -> dict[str, Any]:
    return {"token": token, "logprob": value, "bytes": list(token.encode()), "top_logprobs": []}


def logprobs_response(label: str) -> tuple[Ctx, list[Ev]]:
    ctx = Ctx(label)
    msg = ctx.id("msg")
    deltas = ["The", " capital", " of", " France", " is", " Paris", "."]
    values = [-1.2e-06, 0.0, -3.1e-05, 0.0, -8.6e-06, -2.4e-05, -0.00012]
    lps = [[logprob(d, v)] for d, v in zip(deltas, values, strict=True)]
    text = "".join(deltas)
    ctx_top = snapshot(ctx, "completed", [final_message(msg, text)], usage=usage(14, 7))
    return ctx, [
        created(ctx),
        in_progress(ctx),
        *message_events(ctx, 0, msg, deltas, logprobs=lps),
        ev("response.completed", response=ctx_top),
    ]


@example("RSP310")
def _rsp310() -> Example:
    _, bad = logprobs_response("rsp310")
    _, good = logprobs_response("rsp310")
    e = pick(bad, "response.output_text.done").mark("RSP310")
    assert e.payload is not None
    e.payload["logprobs"] = e.payload["logprobs"][-1:]
    return Example(
        "RSP310",
        "output_text.done repeats only the last delta's logprobs",
        "the done logprobs are the deltas' logprobs, in order",
        bad,
        good,
    )


@example("RSP312")
def _rsp312() -> Example:
    _, bad = function_response("rsp312", ['{"city', '":"Paris', '","unit":"', "celsius"])
    _, good = function_response("rsp312")
    # Reported on the final arguments, those of the item in output_item.done.
    pick(bad, "response.output_item.done").mark("RSP312")
    return Example(
        "RSP312",
        "the model's arguments stop before the closing quote and brace: not a JSON object",
        "the final arguments are a complete JSON object",
        bad,
        good,
    )


@example("RSP313")
def _rsp313() -> Example:
    _, bad = web_search_response("rsp313")
    _, good = web_search_response("rsp313")
    span_end = len(CITED_TEXT.encode()) + 9  # counted in bytes of a longer draft, past the end
    for e in bad:
        p = e.payload or {}
        if e.type == "response.output_text.annotation.added":
            p["annotation"]["end_index"] = span_end
        elif e.type == "response.content_part.done":
            # Checked once the final text is known: when the part closes.
            p["part"]["annotations"][0]["end_index"] = span_end
            e.mark("RSP313")
        elif e.type == "response.output_item.done" and p["item"]["type"] == "message":
            p["item"]["content"][0]["annotations"][0]["end_index"] = span_end
        elif e.type == "response.completed":
            p["response"]["output"][1]["content"][0]["annotations"][0]["end_index"] = span_end
    return Example(
        "RSP313",
        "the citation's end_index points past the end of the text",
        "0 <= start_index <= end_index <= len(text)",
        bad,
        good,
    )


#: The examples that change one member of one event.
members(
    {
        "RSP302": member(
            text_response,
            first("response.content_part.done"),
            ("part", "text"),
            "",
            "content_part.done carries an empty part while output_text.done has the text",
            "the closed part holds the done text",
        ),
        "RSP311": member(
            function_response,
            first("response.function_call_arguments.done"),
            ("name",),
            "weather",
            "function_call_arguments.done names 'weather', the item 'get_weather'",
            "the done event names the item's function",
        ),
    }
)
