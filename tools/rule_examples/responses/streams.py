"""The building blocks of the Responses rule examples: realistic streams, one event at a time, and
their rendering with the line of every marked finding.

Each example is built from the same few streams (a text answer, a function call, a web search, an
image generation, an error); ``bad`` gets exactly one defect and ``good`` is the same stream
without it. The examples themselves live beside this module, one module per layer of the catalog
(``framing``, ``schema``, ``lifecycle``, ``consistency``, ``connection``, ``transport``), each
registered with :func:`tools.rule_examples.kit.example`.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tools.rule_examples.kit import At, Member, Rendered
from validator.tools.probe import streamkit as kit


class _Auto:
    """The "derive it" sentinel: event name from the payload type, sequence number from the counter."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Auto:
        return self  # a copied event must still compare ``is AUTO``

    def __repr__(self) -> str:
        return "AUTO"


AUTO: Any = _Auto()

CREATED_AT = 1767348000  # 2026-01-02 10:00:00 UTC
MODEL = "gpt-4.1-2025-04-14"


# ---------------------------------------------------------------- building blocks


@dataclass
class Ev:
    """One SSE block: optional extra lines, an ``event:`` line, a ``data:`` line, then a blank line."""

    payload: dict[str, Any] | None = None
    #: ``event:`` value; AUTO = the payload's type; None = no ``event:`` line.
    name: Any = AUTO
    #: AUTO = next number; None = leave the payload without ``sequence_number``; int = this number.
    seq: Any = AUTO
    #: Lines written before the ``event:`` line, each with an optional rule mark.
    pre: list[tuple[bytes, str | None]] = field(default_factory=list)
    #: Rules whose finding points at this block's ``data:`` line.
    marks: list[str] = field(default_factory=list)
    #: Turns the serialized payload into the bytes written after ``data: `` (for broken payloads).
    mangle: Callable[[bytes], bytes] | None = None
    #: ``data: [DONE]``.
    done: bool = False
    #: Only the ``pre`` lines (a comment block, a stray line).
    bare: bool = False

    @property
    def type(self) -> str | None:
        return None if self.payload is None else self.payload.get("type")

    def mark(self, *rules: str) -> Ev:
        self.marks.extend(rules)
        return self


def ev(type_: str, **fields: Any) -> Ev:
    # Deep copies, so that a mutation of one event never leaks into another that shares a dict.
    return Ev({"type": type_, **copy.deepcopy(fields)})


def done_sentinel() -> Ev:
    return Ev(done=True, name=None, seq=None)


def comment_block(*lines: str) -> Ev:
    return Ev(bare=True, name=None, seq=None, pre=[(b": " + line.encode(), None) for line in lines])


def hexid(*parts: str, n: int = 50) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


class Ctx:
    """Ids and snapshot defaults of one response (one example stream)."""

    def __init__(self, label: str, *, background: bool = False, tools: list[dict[str, Any]] | None = None):
        self.label = label
        self.resp_id = "resp_" + hexid(label, "response")
        self.background = background
        self.tools = tools or []

    def id(self, prefix: str, name: str = "0") -> str:
        return f"{prefix}_" + hexid(self.label, prefix, name)

    def obfuscation(self, delta: str, salt: str = "") -> str:
        # Real deltas pad the token with random characters up to ~16; a hash stands in for them.
        return (
            base64.b64encode(hashlib.sha256((self.label + salt + delta).encode()).digest())
            .decode()[: max(2, 16 - len(delta))]
            .replace("+", "x")
            .replace("/", "y")
        )


def usage(input_tokens: int, output_tokens: int, total: int | None = None) -> dict[str, Any]:
    return kit.usage(input_tokens, output_tokens, total=total, cache_write=0)


def snapshot(ctx: Ctx, status: str, output: Iterable[dict[str, Any]] = (), **over: Any) -> dict[str, Any]:
    """A response object as the 2026 wire sends it (also every field Open Responses requires)."""
    r = kit.response_snapshot(
        ctx.resp_id,
        status,
        created_at=CREATED_AT,
        model=MODEL,
        background=ctx.background,
        completed_at=CREATED_AT + 3 if status == "completed" else None,
        output=list(output),
        service_tier="default" if status in ("completed", "incomplete", "failed") else "auto",
        store=not ctx.background,
        tools=ctx.tools,
    )
    r.update(over)  # over may repeat a field set above (completed_at, store, ...): its value wins
    return r


def created(ctx: Ctx, status: str | None = None) -> Ev:
    return ev(
        "response.created", response=snapshot(ctx, status or ("queued" if ctx.background else "in_progress"))
    )


def queued(ctx: Ctx) -> Ev:
    return ev("response.queued", response=snapshot(ctx, "queued"))


def in_progress(ctx: Ctx) -> Ev:
    return ev("response.in_progress", response=snapshot(ctx, "in_progress"))


def completed(ctx: Ctx, output: list[dict[str, Any]], use: dict[str, Any]) -> Ev:
    return ev("response.completed", response=snapshot(ctx, "completed", output, usage=use))


def incomplete(ctx: Ctx, output: list[dict[str, Any]], details: dict[str, Any] | None, **over: Any) -> Ev:
    return ev(
        "response.incomplete",
        response=snapshot(ctx, "incomplete", output, incomplete_details=details, **over),
    )


# ---------------------------------------------------------------- items


text_part = kit.text_part
message = kit.message_item


def _evs(payloads: list[dict[str, Any]]) -> list[Ev]:
    # Deep copies, as ev() makes: a mutation of one event never leaks into another.
    return [Ev(copy.deepcopy(payload)) for payload in payloads]


def message_events(
    ctx: Ctx,
    index: int,
    item_id: str,
    deltas: list[str],
    *,
    annotations: list[dict[str, Any]] | None = None,
    logprobs: list[list[dict[str, Any]]] | None = None,
) -> list[Ev]:
    """A message with one output_text part: added, part added, deltas, text done, part done, item done."""
    return _evs(
        kit.message_events(
            item_id,
            index,
            deltas,
            obfuscation=lambda i, d: ctx.obfuscation(d, str(i)),
            annotations=annotations or (),
            logprobs=logprobs,
        )
    )


def final_message(item_id: str, text: str, annotations: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    return message(item_id, "completed", [text_part(text, annotations)])


ANSWER = ["The capital", " of France", " is Paris."]
ANSWER_TEXT = "".join(ANSWER)


def text_response(label: str, deltas: list[str] | None = None, **ctx_kw: Any) -> tuple[Ctx, list[Ev]]:
    """created, in_progress, one message streamed in a few deltas, completed."""
    ctx = Ctx(label, **ctx_kw)
    deltas = deltas or ANSWER
    item_id = ctx.id("msg")
    head = [created(ctx)] + ([queued(ctx)] if ctx.background else []) + [in_progress(ctx)]
    return ctx, [
        *head,
        *message_events(ctx, 0, item_id, deltas),
        completed(ctx, [final_message(item_id, "".join(deltas))], usage(14, len(deltas) + 1)),
    ]


def reasoning_events(
    ctx: Ctx, index: int, rid: str, summary: list[str], *, drop_summary_index: bool = False
) -> list[Ev]:
    """A reasoning item with one summary part: added, part added, deltas, text done, part done, done."""
    item = {"id": rid, "type": "reasoning", "summary": []}
    text = "".join(summary)
    part = {"type": "summary_text", "text": ""}
    common = {"item_id": rid, "output_index": index, "summary_index": 0}
    if drop_summary_index:
        common.pop("summary_index")
    evs = [
        ev("response.output_item.added", output_index=index, item=item),
        ev("response.reasoning_summary_part.added", **common, part=part),
        *(ev("response.reasoning_summary_text.delta", **common, delta=d) for d in summary),
        ev("response.reasoning_summary_text.done", **common, text=text),
        ev("response.reasoning_summary_part.done", **common, part={**part, "text": text}),
        ev(
            "response.output_item.done",
            output_index=index,
            item={**item, "summary": [{"type": "summary_text", "text": text}]},
        ),
    ]
    return evs


THOUGHT = ["The user asks", " for the capital", " of France."]


def reasoning_response(label: str) -> tuple[Ctx, list[Ev]]:
    """created, in_progress, a reasoning item with its summary, then the answer's message, completed."""
    ctx = Ctx(label)
    rid, mid = ctx.id("rs"), ctx.id("msg")
    reasoning = reasoning_events(ctx, 0, rid, THOUGHT)
    done = reasoning[-1].payload["item"] if reasoning[-1].payload else {}
    return ctx, [
        created(ctx),
        in_progress(ctx),
        *reasoning,
        *message_events(ctx, 1, mid, ANSWER),
        completed(ctx, [done, final_message(mid, ANSWER_TEXT)], usage(14, 12)),
    ]


WEATHER_TOOL = {
    "type": "function",
    "description": "Get the current weather for a city.",
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
    "strict": True,
}


def function_call(
    item_id: str, call_id: str, status: str, arguments: str, name: str = "get_weather"
) -> dict[str, Any]:
    return kit.function_call_item(item_id, call_id, status, arguments, name)


def function_call_events(
    ctx: Ctx, index: int, item_id: str, call_id: str, deltas: list[str], name: str = "get_weather"
) -> list[Ev]:
    return _evs(
        kit.function_call_events(
            item_id, call_id, index, deltas, name=name, obfuscation=lambda i, d: ctx.obfuscation(d, str(i))
        )
    )


ARGS = ['{"city', '":"Paris', '","unit":"', 'celsius"}']


def function_response(
    label: str, deltas: list[str] | None = None, tool: dict[str, Any] | None = None
) -> tuple[Ctx, list[Ev]]:
    ctx = Ctx(label, tools=[tool or WEATHER_TOOL])
    deltas = deltas or ARGS
    fc, call = ctx.id("fc"), "call_" + hexid(label, "call", n=24)
    return ctx, [
        created(ctx),
        in_progress(ctx),
        *function_call_events(ctx, 0, fc, call, deltas),
        completed(ctx, [function_call(fc, call, "completed", "".join(deltas))], usage(61, 18)),
    ]


WEB_TOOL = {"type": "web_search", "filters": None, "search_context_size": "medium", "user_location": None}
QUERY = "Paris weather forecast this weekend"
CITED = ["Expect", " light rain", " in Paris on", " Saturday and", " sun on Sunday", " (meteo.example)."]
CITED_TEXT = "".join(CITED)
CITATION = {
    "type": "url_citation",
    "start_index": 0,
    "end_index": len(CITED_TEXT),
    "title": "Paris weekend forecast",
    "url": "https://meteo.example/paris/weekend?utm_source=openai",
}


def web_search_item(item_id: str, status: str, done: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "type": "web_search_call", "status": status}
    item["action"] = {"type": "search", "query": QUERY} if done else {"type": "search"}
    return item


def web_search_response(
    label: str,
    statuses: tuple[str, ...] = ("in_progress", "searching", "completed"),
    done_status: str = "completed",
) -> tuple[Ctx, list[Ev]]:
    """A web_search_call item with its status events, then a message that cites the result."""
    ctx = Ctx(label, tools=[WEB_TOOL])
    ws, msg = ctx.id("ws"), ctx.id("msg")
    where = {"output_index": 0, "item_id": ws}
    ws_done = web_search_item(ws, done_status, True)
    return ctx, [
        created(ctx),
        in_progress(ctx),
        ev("response.output_item.added", output_index=0, item=web_search_item(ws, "in_progress", False)),
        *[ev(f"response.web_search_call.{s}", **where) for s in statuses],
        ev("response.output_item.done", output_index=0, item=ws_done),
        *message_events(ctx, 1, msg, CITED, annotations=[CITATION]),
        completed(ctx, [ws_done, final_message(msg, CITED_TEXT, [CITATION])], usage(8210, 24)),
    ]


def tiny_png() -> str:
    """A 2x2 PNG written here (stands in for the partial and final images)."""
    return kit.png_b64((40, 90, 160), 2)


IMAGE_TOOL = {
    "type": "image_generation",
    "background": "auto",
    "model": "gpt-image-1",
    "moderation": "auto",
    "output_compression": 100,
    "output_format": "png",
    "partial_images": 1,
    "quality": "low",
    "size": "1024x1024",
}


def image_response(label: str, partial_index: int = 0) -> tuple[Ctx, list[Ev]]:
    ctx = Ctx(label, tools=[IMAGE_TOOL])
    ig = ctx.id("ig")
    where = {"output_index": 0, "item_id": ig}
    final = {
        "id": ig,
        "type": "image_generation_call",
        "status": "completed",
        "background": "opaque",
        "output_format": "png",
        "quality": "low",
        "result": tiny_png(),
        "revised_prompt": "A small flat-colour icon of a blue square",
        "size": "1024x1024",
    }
    return ctx, [
        created(ctx),
        in_progress(ctx),
        ev(
            "response.output_item.added",
            output_index=0,
            item={"id": ig, "type": "image_generation_call", "status": "in_progress"},
        ),
        ev("response.image_generation_call.in_progress", **where),
        ev("response.image_generation_call.generating", **where),
        ev(
            "response.image_generation_call.partial_image",
            **where,
            partial_image_index=partial_index,
            partial_image_b64=tiny_png(),
            size="1024x1024",
            quality="low",
            background="opaque",
            output_format="png",
        ),
        ev("response.image_generation_call.completed", **where),
        ev("response.output_item.done", output_index=0, item=final),
        completed(ctx, [final], usage(1480, 272)),
    ]


def failed(ctx: Ctx, error: dict[str, Any] | None, **over: Any) -> Ev:
    return ev("response.failed", response=snapshot(ctx, "failed", error=error, **over))


RATE_LIMIT = "Rate limit reached for gpt-4.1 on tokens per min (TPM): Limit 30000, Used 30000, Requested 812."


def nested_error() -> Ev:
    return ev(
        "error", error={"type": "tokens", "code": "rate_limit_exceeded", "message": RATE_LIMIT, "param": None}
    )


def flat_error() -> Ev:
    return ev("error", code="rate_limit_exceeded", message=RATE_LIMIT, param=None)


def pick(evs: list[Ev], type_: str, n: int = 0) -> Ev:
    """The n-th event of a type (negative n counts from the end)."""
    found = [e for e in evs if e.type == type_]
    return found[n]


def index_of(evs: list[Ev], type_: str, n: int = 0) -> int:
    return evs.index(pick(evs, type_, n))


def change_done_item(evs: list[Ev], rule: str, key: str, value: Any) -> None:
    """A server that changes the (first) item as it closes it: ``key`` set to ``value`` in the item
    of its output_item.done (marked ``rule``) and of the final response's output."""
    done = pick(evs, "response.output_item.done").mark(rule)
    assert done.payload is not None
    done.payload["item"][key] = value
    evs[-1].payload["response"]["output"][0][key] = value  # type: ignore[index]


def first(type_: str) -> Callable[[list[Ev]], int]:
    """Where the first event of a type is (a :class:`~tools.rule_examples.kit.Member`'s ``at``)."""

    def where(evs: list[Ev]) -> int:
        return index_of(evs, type_)

    return where


def member(
    build: Callable[[str], tuple[Ctx, list[Ev]]],
    at: At,
    path: tuple[str | int, ...],
    value: Any,
    about_bad: str,
    about_good: str,
) -> Member:
    """A :class:`~tools.rule_examples.kit.Member` example over the rule's two streams from ``build``
    (labelled with the rule), the member in the event's payload."""

    def streams(rule: str) -> tuple[list[Ev], list[Ev]]:
        return build(rule.lower())[1], build(rule.lower())[1]

    return Member(streams, at, path, value, about_bad, about_good, body=operator.attrgetter("payload"))


def drop_key(e: Ev, key: str) -> Ev:
    assert e.payload is not None
    del e.payload[key]
    return e


def error_stream(label: str, err: Ev) -> tuple[Ctx, list[Ev]]:
    ctx = Ctx(label)
    return ctx, [
        created(ctx),
        in_progress(ctx),
        err,
        failed(ctx, {"code": "rate_limit_exceeded", "message": RATE_LIMIT}),
    ]


# ---------------------------------------------------------------- rendering


def render(
    evs: list[Ev], header: str | None, *, terminated: bool = True, end_marks: Iterable[str] = ()
) -> Rendered:
    """Bytes of the stream, and the (rule, line) of every mark (no header: the body as recorded)."""
    out = bytearray()
    findings: list[tuple[str, int]] = []
    line = 1  # the line the next written line gets

    def put(raw: bytes, mark: Iterable[str] = ()) -> None:
        nonlocal line
        out.extend(raw + b"\n")
        findings.extend((rule, line) for rule in mark)
        line += 1

    # The header comment says what the example shows; SSE readers skip comments.
    if header is not None:
        put(b": " + header.encode())
        put(b"")
    counter = 0
    for i, e in enumerate(evs):
        for raw, mark in e.pre:
            put(raw, [mark] if mark else [])
        if not e.bare:
            if e.done:
                data = b"[DONE]"
            else:
                assert e.payload is not None
                payload = e.payload
                if e.seq is AUTO:
                    payload, counter = kit.sequenced(payload, counter), counter + 1
                elif e.seq is not None:
                    payload, counter = kit.sequenced(payload, e.seq), e.seq + 1
                data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
                if e.mangle:
                    data = e.mangle(data)
            name = e.type if e.name is AUTO else e.name
            if name is not None:
                put(b"event: " + name.encode())
            put(b"data: " + data, e.marks)
        if terminated or i < len(evs) - 1:
            put(b"")
    # The end of the input is the line after the last line break.
    findings += [(rule, line) for rule in end_marks]
    return Rendered(bytes(out), sorted(findings, key=lambda f: (f[1], f[0])))


def keepalive() -> Ev:
    return ev("keepalive")


def with_keepalive(
    evs: list[Ev], after_type: str = "response.output_text.delta", n: int = 0
) -> tuple[list[Ev], Ev]:
    """The stream with a keepalive heartbeat after the n-th event of a type (long generations get them)."""
    k = keepalive()
    at = index_of(evs, after_type, n) + 1
    return [*evs[:at], k, *evs[at:]], k
