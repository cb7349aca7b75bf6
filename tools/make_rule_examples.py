#!/usr/bin/env python3
"""Write every rule's example pair: ``corpus/rules/RSPnnn/{bad.sse, good.sse, bad.expected.json}``.

Each example is built from the same few realistic streams (a text answer, a function call, a web
search, an image generation, an error), then ``bad`` gets exactly one defect and ``good`` is the
same stream without it. The builder knows the line of every ``data:`` line it writes, so the
sidecar's line numbers are computed, never typed by hand: a mark on an event means "a finding for
this rule points at this event's ``data:`` line"; an end mark means "at the end of the input"
(the line after the last line break).

Everything is deterministic (ids are hashes of labels, timestamps are fixed), so running the
script twice gives the same bytes. ``--check`` exits 1 when the files on disk differ from what
the script would write.

    python tools/make_rule_examples.py            # (re)write corpus/rules/
    python tools/make_rule_examples.py --check    # verify the committed files
    python tools/make_rule_examples.py RSP204     # only some rules
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "rules"

sys.path.insert(0, str(ROOT))
from validator.catalog import RULES  # noqa: E402
from validator.tools.probe import streamkit as kit  # noqa: E402
from validator.tools.probe.command import SCENARIOS  # noqa: E402


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


def drop_key(e: Ev, key: str) -> Ev:
    assert e.payload is not None
    del e.payload[key]
    return e


# ---------------------------------------------------------------- rendering


@dataclass
class Rendered:
    data: bytes
    findings: list[tuple[str, int]]


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


# ---------------------------------------------------------------- the examples


@dataclass
class Example:
    rule: str
    about_bad: str
    about_good: str
    bad: list[Ev]
    good: list[Ev]
    options: dict[str, Any] = field(default_factory=dict)
    end_marks: list[str] = field(default_factory=list)
    bad_terminated: bool = True
    #: Examples that are not a bare SSE body come rendered, as (extension, bad, good): a WebSocket
    #: transcript (``jsonl``) or a cassette (``yaml``). ``bad`` and ``good`` above are then empty.
    files: tuple[str, Rendered, Rendered] | None = None
    #: For a rule only the live probe raises: ``{"scenario": name}``, whose answers bad and good are.
    probe: dict[str, Any] | None = None


EXAMPLES: dict[str, Callable[[], Example]] = {}


def example(rule: str) -> Callable[[Callable[[], Example]], Callable[[], Example]]:
    def register(fn: Callable[[], Example]) -> Callable[[], Example]:
        EXAMPLES[rule] = fn
        return fn

    return register


def keepalive() -> Ev:
    return ev("keepalive")


def with_keepalive(
    evs: list[Ev], after_type: str = "response.output_text.delta", n: int = 0
) -> tuple[list[Ev], Ev]:
    """The stream with a keepalive heartbeat after the n-th event of a type (long generations get them)."""
    k = keepalive()
    at = index_of(evs, after_type, n) + 1
    return [*evs[:at], k, *evs[at:]], k


# ---- 0xx framing


@example("RSP001")
def _rsp001() -> Example:
    def latin1(data: bytes) -> bytes:
        # A proxy re-encoded one frame as Latin-1: the "é" of "Sévigné" becomes the lone byte 0xE9.
        return data.replace("é".encode(), b"\xe9")

    deltas = ["Madame de", " Sévigné", " wrote her letters", " in Paris."]
    _, bad = text_response("rsp001", deltas)
    _, good = text_response("rsp001", deltas)
    pick(bad, "response.output_text.delta", 1).mark("RSP001").mangle = latin1
    # Read as U+FFFD, the delta no longer adds up to the done text: a consequence, not a second defect.
    pick(bad, "response.output_text.done").mark("RSP301")
    return Example(
        "RSP001",
        "one delta was re-encoded as Latin-1 by a proxy: its 'é's are the byte 0xE9, not UTF-8",
        "every frame is UTF-8",
        bad,
        good,
    )


@example("RSP002")
def _rsp002() -> Example:
    _, bad = text_response("rsp002")
    _, good = text_response("rsp002")
    bad, k = with_keepalive(bad)
    good, _ = with_keepalive(good)
    k.mark("RSP002").mangle = lambda data: data[:-1]  # a proxy cut the last byte of the frame
    return Example(
        "RSP002",
        "a keepalive frame lost its closing brace on the way through a proxy",
        "the keepalive frame is complete JSON",
        bad,
        good,
    )


@example("RSP003")
def _rsp003() -> Example:
    _, bad = text_response("rsp003")
    _, good = text_response("rsp003")
    bad, k = with_keepalive(bad)
    good, _ = with_keepalive(good)
    k.mark("RSP003").mangle = lambda data: b"[" + data + b"]"
    return Example(
        "RSP003",
        "a bridge wrapped one event in a JSON array",
        "the event is sent as a bare JSON object",
        bad,
        good,
    )


@example("RSP004")
def _rsp004() -> Example:
    _, bad = text_response("rsp004")
    _, good = text_response("rsp004")
    e = pick(bad, "response.output_text.done").mark("RSP004")
    e.name = "response.output_text.delta"
    return Example(
        "RSP004",
        "the output_text.done frame is labelled 'event: response.output_text.delta'",
        "every event: line names the payload's type",
        bad,
        good,
    )


@example("RSP005")
def _rsp005() -> Example:
    _, bad = text_response("rsp005")
    _, good = text_response("rsp005")
    for e in bad:
        e.name = None
    bad[0].mark("RSP005")
    return Example(
        "RSP005",
        "a bridge sends data: lines only, with no event: lines (reported once, at the first event)",
        "every event has its event: line",
        bad,
        good,
    )


@example("RSP006")
def _rsp006() -> Example:
    _, bad = text_response("rsp006")
    _, good = text_response("rsp006")
    bad.append(done_sentinel().mark("RSP006"))
    return Example(
        "RSP006",
        "the stream ends with the Chat Completions terminator data: [DONE]",
        "the stream ends at response.completed, as api.openai.com sends it",
        bad,
        good,
    )


@example("RSP007")
def _rsp007() -> Example:
    _, bad = text_response("rsp007")
    _, good = text_response("rsp007")
    good.append(done_sentinel())
    return Example(
        "RSP007",
        "an Open Responses server stops after response.completed without the [DONE] terminal frame",
        "the stream ends with data: [DONE] after the terminal event",
        bad,
        good,
        options={"profile": "open-responses"},
        end_marks=["RSP007"],
    )


@example("RSP008")
def _rsp008() -> Example:
    _, bad = text_response("rsp008")
    _, good = text_response("rsp008")
    good.append(done_sentinel())
    bad += [done_sentinel(), done_sentinel().mark("RSP008")]
    return Example(
        "RSP008",
        "a gateway forwards the upstream [DONE] and then appends its own",
        "exactly one [DONE], and nothing after it",
        bad,
        good,
        options={"profile": "open-responses"},
    )


@example("RSP009")
def _rsp009() -> Example:
    _, bad = text_response("rsp009")
    _, good = text_response("rsp009")
    bad[0].pre.append((b"id: 0", "RSP009"))
    good.append(done_sentinel())
    bad.append(done_sentinel())
    return Example(
        "RSP009",
        "the server numbers response.created with an SSE id: line",
        "no id: lines; clients resume by sequence_number",
        bad,
        good,
        options={"profile": "open-responses"},
    )


@example("RSP010")
def _rsp010() -> Example:
    _, bad = text_response("rsp010")
    _, good = text_response("rsp010")
    at = index_of(bad, "response.output_text.delta", 1)
    bad.insert(at, Ev(bare=True, name=None, seq=None, pre=[(b"ping", "RSP010")]))
    good.insert(at, comment_block("ping"))
    return Example(
        "RSP010",
        "a proxy's heartbeat is a bare 'ping' line, which SSE reads as an unknown field",
        "the heartbeat is an SSE comment, ': ping'",
        bad,
        good,
    )


@example("RSP011")
def _rsp011() -> Example:
    _, bad = text_response("rsp011")
    _, good = text_response("rsp011")
    bad[-1].mark("RSP011")
    return Example(
        "RSP011",
        "the connection closes right after the last data: line, without the blank line that dispatches it",
        "the last event is terminated by a blank line",
        bad,
        good,
        bad_terminated=False,
    )


@example("RSP012")
def _rsp012() -> Example:
    _, good = text_response("rsp012")
    return Example(
        "RSP012",
        "the server sent one heartbeat comment and closed the stream",
        "the heartbeat comment is followed by the response's events",
        [comment_block("keepalive")],
        [comment_block("keepalive"), *good],
        end_marks=["RSP012"],
    )


# ---- 1xx schema


@example("RSP101")
def _rsp101() -> Example:
    _, bad = text_response("rsp101")
    _, good = text_response("rsp101")
    bad, k = with_keepalive(bad)
    good, _ = with_keepalive(good)
    drop_key(k, "type").mark("RSP101")
    k.name = "keepalive"
    return Example(
        "RSP101",
        "the heartbeat's type is only in the event: line; the payload has no 'type'",
        "the payload carries type: keepalive",
        bad,
        good,
    )


@example("RSP102")
def _rsp102() -> Example:
    _, bad = text_response("rsp102")
    _, good = text_response("rsp102")
    bad, k = with_keepalive(bad)
    good, _ = with_keepalive(good)
    assert k.payload is not None
    k.payload["type"] = "ping"
    k.mark("RSP102")
    return Example(
        "RSP102",
        "a bridge invents a 'ping' event type for its heartbeat",
        "the heartbeat uses the keepalive type the API itself sends",
        bad,
        good,
    )


@example("RSP103")
def _rsp103() -> Example:
    _, bad = text_response("rsp103")
    _, good = text_response("rsp103")
    for e in bad:
        if e.payload and "response" in e.payload:
            e.payload["response"]["created_at"] = "2026-01-02T10:00:00Z"
            e.mark("RSP103")
    return Example(
        "RSP103",
        "every response snapshot carries created_at as an ISO string instead of Unix seconds",
        "created_at is a number (Unix seconds)",
        bad,
        good,
    )


@example("RSP104")
def _rsp104() -> Example:
    _, bad = text_response("rsp104")
    _, good = text_response("rsp104")
    chunk = Ev(
        {
            "id": "chatcmpl-" + hexid("rsp104", "chunk", n=29),
            "object": "chat.completion.chunk",
            "created": CREATED_AT + 2,
            "model": MODEL,
            "system_fingerprint": "fp_" + hexid("rsp104", "fp", n=10),
            "choices": [],
            "usage": {"prompt_tokens": 14, "completion_tokens": 4, "total_tokens": 18},
        },
        name=None,
        seq=None,
    ).mark("RSP104", "RSP005", "RSP201")
    bad.insert(len(bad) - 1, chunk)
    return Example(
        "RSP104",
        "a bridge forwards the upstream Chat Completions usage chunk verbatim"
        " (it has no event: line and no sequence_number either: RSP005, RSP201)",
        "only Responses events; the usage arrives in response.completed",
        bad,
        good,
    )


@example("RSP105")
def _rsp105() -> Example:
    _, bad = text_response("rsp105")
    _, good = text_response("rsp105")
    e = bad[-1].mark("RSP105")
    assert e.payload is not None
    del e.payload["response"]["usage"]["input_tokens_details"]["cache_write_tokens"]
    return Example(
        "RSP105",
        "usage.input_tokens_details lacks cache_write_tokens, as in streams from before 2026"
        " (reported with --strict)",
        "the usage carries every field the newest spec requires",
        bad,
        good,
        options={"strict": True},
    )


def error_stream(label: str, err: Ev) -> tuple[Ctx, list[Ev]]:
    ctx = Ctx(label)
    return ctx, [
        created(ctx),
        in_progress(ctx),
        err,
        failed(ctx, {"code": "rate_limit_exceeded", "message": RATE_LIMIT}),
    ]


@example("RSP106")
def _rsp106() -> Example:
    _, bad = error_stream("rsp106", flat_error().mark("RSP106"))
    _, good = error_stream("rsp106", nested_error())
    return Example(
        "RSP106",
        "the error event uses the flat documented shape (code/message at the top level)",
        "the error payload is nested under 'error', as api.openai.com sends it",
        bad,
        good,
    )


# ---- 2xx lifecycle: sequence numbers and the response


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


@example("RSP211")
def _rsp211() -> Example:
    _, bad = text_response("rsp211")
    _, good = text_response("rsp211")
    e = bad[-1].mark("RSP211")
    assert e.payload is not None
    e.payload["response"]["id"] = "resp_" + hexid("rsp211", "retry")
    return Example(
        "RSP211",
        "a gateway retried upstream and response.completed carries the retry's response id",
        "every snapshot has the id from response.created",
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
        ev(
            "response.incomplete",
            response=snapshot(
                ctx,
                "incomplete",
                [final],
                incomplete_details=details,
                max_output_tokens=8,
                usage=usage(22, 8),
            ),
        ),
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


@example("RSP220")
def _rsp220() -> Example:
    _, bad = text_response("rsp220")
    _, good = text_response("rsp220")
    bad.remove(pick(bad, "response.output_item.added"))
    # Reported once, at the first event that names the item; the rest of its events are then checked.
    pick(bad, "response.content_part.added").mark("RSP220")
    return Example(
        "RSP220",
        "a bridge never sends output_item.added: the first event for the message is content_part.added",
        "response.output_item.added opens the message before its parts",
        bad,
        good,
    )


@example("RSP221")
def _rsp221() -> Example:
    _, bad = text_response("rsp221")
    _, good = text_response("rsp221")
    for e in bad:
        if e.payload and "output_index" in e.payload:
            e.payload["output_index"] = 1
    pick(bad, "response.output_item.added").mark("RSP221")
    return Example(
        "RSP221",
        "a bridge dropped the reasoning item at output_index 0 but kept the message at index 1",
        "the first (only) item has output_index 0",
        bad,
        good,
    )


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


@example("RSP224")
def _rsp224() -> Example:
    _, bad = web_search_response("rsp224")
    _, good = web_search_response("rsp224")
    e = pick(bad, "response.web_search_call.searching").mark("RSP224")
    assert e.payload is not None
    e.payload["type"] = "response.file_search_call.searching"
    return Example(
        "RSP224",
        "a file_search_call status event is sent for a web_search_call item",
        "the web_search_call item gets web_search_call events",
        bad,
        good,
    )


@example("RSP225")
def _rsp225() -> Example:
    _, bad = function_response("rsp225")
    _, good = function_response("rsp225")
    new_call = "call_" + hexid("rsp225", "regenerated", n=24)
    e = pick(bad, "response.output_item.done").mark("RSP225")
    assert e.payload is not None
    e.payload["item"]["call_id"] = new_call
    bad[-1].payload["response"]["output"][0]["call_id"] = new_call  # type: ignore[index]
    return Example(
        "RSP225",
        "the bridge generates a new call_id for output_item.done (and the final output)",
        "the done item keeps the call_id it was added with",
        bad,
        good,
    )


@example("RSP226")
def _rsp226() -> Example:
    _, bad = text_response("rsp226")
    _, good = text_response("rsp226")
    at = index_of(bad, "response.output_item.done")
    bad.insert(at + 1, copy.deepcopy(bad[at]).mark("RSP226"))
    return Example(
        "RSP226",
        "output_item.done is sent twice for the message (on finish_reason and again at the end)",
        "one output_item.done per item",
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


@example("RSP228")
def _rsp228() -> Example:
    _, bad = text_response("rsp228")
    _, good = text_response("rsp228")
    bad.remove(pick(bad, "response.output_item.done"))
    pick(bad, "response.completed").mark("RSP228")
    return Example(
        "RSP228",
        "the message is never closed: output_item.done is missing (reported at response.completed, "
        "where the item had to be closed)",
        "output_item.done closes the message before response.completed",
        bad,
        good,
    )


@example("RSP229")
def _rsp229() -> Example:
    _, bad = text_response("rsp229")
    _, good = text_response("rsp229")
    e = pick(bad, "response.output_item.done").mark("RSP229")
    assert e.payload is not None
    e.payload["item"]["status"] = "in_progress"
    bad[-1].payload["response"]["output"][0]["status"] = "in_progress"  # type: ignore[index]
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


@example("RSP240")
def _rsp240() -> Example:
    _, bad = text_response("rsp240")
    _, good = text_response("rsp240")
    bad.remove(pick(bad, "response.content_part.added"))
    # Reported once, at the first event that names the part.
    pick(bad, "response.output_text.delta").mark("RSP240")
    return Example(
        "RSP240",
        "a bridge never sends content_part.added: the deltas arrive for a part that was not opened",
        "content_part.added opens part 0 before its deltas",
        bad,
        good,
    )


@example("RSP241")
def _rsp241() -> Example:
    _, bad = text_response("rsp241")
    _, good = text_response("rsp241")
    for e in bad:
        if e.payload and "content_index" in e.payload:
            e.payload["content_index"] = 1
    pick(bad, "response.content_part.added").mark("RSP241")
    return Example(
        "RSP241",
        "the message's first part is added with content_index 1",
        "the first part has content_index 0",
        bad,
        good,
    )


@example("RSP242")
def _rsp242() -> Example:
    _, bad = text_response("rsp242")
    _, good = text_response("rsp242")
    at = index_of(bad, "response.content_part.added")
    bad.insert(at + 1, copy.deepcopy(bad[at]).mark("RSP242"))
    return Example(
        "RSP242",
        "content_part.added is sent twice for part 0",
        "each part is added once",
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


@example("RSP244")
def _rsp244() -> Example:
    _, bad = text_response("rsp244")
    _, good = text_response("rsp244")
    bad.remove(pick(bad, "response.content_part.done"))
    pick(bad, "response.output_item.done").mark("RSP244")
    return Example(
        "RSP244",
        "content_part.done is never sent; the item is closed with its part still open",
        "content_part.done closes the part before output_item.done",
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


@example("RSP247")
def _rsp247() -> Example:
    _, bad = text_response("rsp247")
    _, good = text_response("rsp247")
    bad.remove(pick(bad, "response.output_text.done"))
    pick(bad, "response.content_part.done").mark("RSP247")
    return Example(
        "RSP247",
        "output_text.done is never sent; the part is closed straight after the deltas",
        "output_text.done comes before content_part.done",
        bad,
        good,
    )


@example("RSP248")
def _rsp248() -> Example:
    _, bad = text_response("rsp248")
    _, good = text_response("rsp248")
    e = pick(bad, "response.content_part.added").mark("RSP248")
    assert e.payload is not None
    e.payload["part"]["text"] = ANSWER[0]
    return Example(
        "RSP248",
        "content_part.added already holds the first delta's text, so clients show it twice",
        "the added part is empty; all text comes in deltas",
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


# ---- 3xx consistency


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


@example("RSP302")
def _rsp302() -> Example:
    _, bad = text_response("rsp302")
    _, good = text_response("rsp302")
    e = pick(bad, "response.content_part.done").mark("RSP302")
    assert e.payload is not None
    e.payload["part"]["text"] = ""
    return Example(
        "RSP302",
        "content_part.done carries an empty part while output_text.done has the text",
        "the closed part holds the done text",
        bad,
        good,
    )


@example("RSP303")
def _rsp303() -> Example:
    _, bad = text_response("rsp303")
    _, good = text_response("rsp303")
    e = pick(bad, "response.output_item.done").mark("RSP303")
    assert e.payload is not None
    e.payload["item"]["content"] = []
    bad[-1].payload["response"]["output"][0]["content"] = []  # type: ignore[index]
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


@example("RSP311")
def _rsp311() -> Example:
    _, bad = function_response("rsp311")
    _, good = function_response("rsp311")
    e = pick(bad, "response.function_call_arguments.done").mark("RSP311")
    assert e.payload is not None
    e.payload["name"] = "weather"
    return Example(
        "RSP311",
        "function_call_arguments.done names 'weather', the item 'get_weather'",
        "the done event names the item's function",
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


# ---- transport: WebSocket sessions, cassettes, the live probe
#
# These rules are about what carries the events, so their examples are not bare SSE bodies: a
# WebSocket transcript (one JSON message a line, checked with input_format "websocket"), a
# vcrpy cassette (checked with input_format "cassette"), or, for the probe's own expectations,
# the body a probe scenario is answered with (the test serves it with validator.tools.probe.replay).

QUESTION = "What is the capital of France?"


def client_create(**fields: Any) -> Ev:
    """The client's ``response.create`` message: the CreateResponse fields at the top level."""
    return Ev({"type": "response.create", **copy.deepcopy(fields)}, name=None, seq=None)


def numbered(evs: list[Ev]) -> list[Ev]:
    """Sequence numbers from 0: over WebSocket every response numbers its own events (B6)."""
    for i, e in enumerate(evs):
        e.seq = i
    return evs


def on_lane(evs: list[Ev], stream_id: str) -> list[Ev]:
    """Echo the response.create's ``stream_id`` on every event, as OpenAI's lanes do (K4)."""
    for e in evs:
        if e.payload is not None:
            e.payload["stream_id"] = stream_id
    return evs


def render_ws(messages: list[Ev]) -> Rendered:
    """A WebSocket transcript: one text frame a line (JSON messages of both sides, or ``[DONE]``).

    JSON Lines have no comment syntax, so a transcript carries no header line; every message
    must already have its sequence number (``numbered``) or none (client messages, errors).
    """
    out = bytearray()
    findings: list[tuple[str, int]] = []
    for line, e in enumerate(messages, start=1):
        if e.done:
            data = b"[DONE]"
        else:
            assert e.payload is not None and e.seq is not AUTO, "number each turn with numbered()"
            payload = e.payload if e.seq is None else kit.sequenced(e.payload, e.seq)
            data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        out.extend(data + b"\n")
        findings.extend((rule, line) for rule in e.marks)
    return Rendered(bytes(out), sorted(findings, key=lambda f: (f[1], f[0])))


def ws_example(
    rule: str, about_bad: str, about_good: str, bad: list[Ev], good: list[Ev], **options: Any
) -> Example:
    return Example(
        rule,
        about_bad,
        about_good,
        [],
        [],
        options={"input_format": "websocket", **options},
        files=("jsonl", render_ws(bad), render_ws(good)),
    )


@example("RSP013")
def _rsp013() -> Example:
    _, bad = text_response("rsp013")
    _, good = text_response("rsp013")
    ask = client_create(model=MODEL, input=QUESTION)
    bad = [ask, *numbered(bad)]
    bad.insert(len(bad) - 1, done_sentinel().mark("RSP013"))
    return ws_example(
        "RSP013",
        "the server sends the [DONE] frame when the message is done, before response.completed",
        "[DONE] follows response.completed",
        bad,
        [client_create(model=MODEL, input=QUESTION), *numbered(good), done_sentinel()],
        profile="open-responses",
    )


def ws_rate_limit(nested: bool) -> Ev:
    if nested:
        err = {"type": "tokens", "code": "rate_limit_exceeded", "message": RATE_LIMIT, "param": None}
        return Ev({"type": "error", "status": 429, "error": err}, name=None, seq=None)
    e = flat_error()
    e.seq = None
    return e


@example("RSP107")
def _rsp107() -> Example:
    def session(error: Ev) -> list[Ev]:
        ctx, first = text_response("rsp107")
        follow_up = client_create(
            model=MODEL, input="And what is its population?", previous_response_id=ctx.resp_id
        )
        return [client_create(model=MODEL, input=QUESTION), *numbered(first), follow_up, error]

    return ws_example(
        "RSP107",
        "the second turn is refused with the SSE error event's flat shape (code, message at the top level)",
        "the refusal is the WebSocket error envelope: status and a nested error object",
        session(ws_rate_limit(nested=False).mark("RSP107")),
        session(ws_rate_limit(nested=True)),
    )


@example("RSP108")
def _rsp108() -> Example:
    def session(stream_id: str) -> list[Ev]:
        _, evs = text_response("rsp108")
        ask = client_create(stream_id=stream_id, model=MODEL, input=QUESTION)
        return [ask, *on_lane(numbered(evs), stream_id)]

    bad = session("support chat/42")
    bad[0].mark("RSP108")
    return ws_example(
        "RSP108",
        "the client names its lane 'support chat/42' (space, slash); the server accepts and echoes it",
        "the lane is named 'support-chat.42'",
        bad,
        session("support-chat.42"),
    )


@example("RSP109")
def _rsp109() -> Example:
    _, bad = text_response("rsp109")
    _, good = text_response("rsp109")
    return ws_example(
        "RSP109",
        "the client reuses its HTTP request body over WebSocket, stream: true included",
        "response.create carries only the CreateResponse fields; streaming is implicit",
        [client_create(model=MODEL, input=QUESTION, stream=True).mark("RSP109"), *numbered(bad)],
        [client_create(model=MODEL, input=QUESTION), *numbered(good)],
    )


@example("RSP250")
def _rsp250() -> Example:
    second = ["Rome", " is the capital", " of Italy."]

    def turns() -> tuple[list[Ev], list[Ev], list[Ev]]:
        _, a = text_response("rsp250-a")
        _, b = text_response("rsp250-b", second)
        asks = [
            client_create(stream_id="agent_1", model=MODEL, input=QUESTION),
            client_create(stream_id="agent_2", model=MODEL, input="And the capital of Italy?"),
        ]
        return asks, on_lane(numbered(a), "agent_1"), on_lane(numbered(b), "agent_2")

    asks, a, b = turns()
    # The server runs both lanes at once: b starts after a's first two events, then they alternate.
    bad = [*asks, *a[:2]]
    b[0].mark("RSP250")
    rest_a, rest_b = a[2:], b
    while rest_a or rest_b:
        bad += rest_b[:1] + rest_a[:1]
        rest_a, rest_b = rest_a[1:], rest_b[1:]
    asks, a, b = turns()
    return ws_example(
        "RSP250",
        "an Open Responses server runs two stream_id lanes of one connection at once, interleaving them",
        "the second response starts after the first one completed",
        bad,
        [asks[0], *a, asks[1], *b],
        profile="open-responses",
    )


@example("RSP251")
def _rsp251() -> Example:
    def session() -> list[Ev]:
        _, evs = text_response("rsp251")
        return [
            client_create(stream_id="agent_1", model=MODEL, input=QUESTION),
            *on_lane(numbered(evs), "agent_1"),
        ]

    bad = session()
    lost = pick(bad, "response.output_text.delta", 1).mark("RSP251")
    assert lost.payload is not None
    del lost.payload["stream_id"]
    return ws_example(
        "RSP251",
        "one text delta of lane agent_1 is sent without its stream_id",
        "every event of the response echoes stream_id agent_1",
        bad,
        session(),
    )


# -- cassettes (RSP014, RSP015): what a vcrpy / pytest-recording cassette stores

LOCAL_URL = "http://127.0.0.1:8000/v1/responses"
RECORDED_AT = "Fri, 02 Jan 2026 10:00:00 GMT"
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./;=+ -]*")


def yaml_scalar(value: str) -> str:
    """A YAML scalar for a header value or JSON body: plain when that reads back the same."""
    if _PLAIN.fullmatch(value) and not value.endswith(" "):
        return value
    return "'" + value.replace("'", "''") + "'"


@dataclass
class Recorded:
    """One cassette interaction: a POST to the Responses endpoint and its recorded answer."""

    request: dict[str, Any]
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: str
    #: Rules whose finding points at this interaction (its ``- request:`` line).
    marks: list[str] = field(default_factory=list)


def render_cassette(header: str, interactions: list[Recorded]) -> Rendered:
    """A vcrpy cassette as pytest-recording writes it with a literal-block body (lines map 1:1)."""
    lines = [f"# {header}", "interactions:"]
    findings: list[tuple[str, int]] = []
    for it in interactions:
        findings.extend((rule, len(lines) + 1) for rule in it.marks)
        lines += [
            "- request:",
            "    body: " + yaml_scalar(json.dumps(it.request, ensure_ascii=False, separators=(",", ":"))),
            "    headers:",
            "      accept:",
            "      - text/event-stream" if it.request.get("stream") else "      - application/json",
            "      content-type:",
            "      - application/json",
            "      user-agent:",
            "      - OpenAI/Python 1.109.1",
            "    method: POST",
            f"    uri: {LOCAL_URL}",
            "  response:",
            "    body:",
            "      string: |" + ("+" if it.body.endswith("\n") else "-"),
        ]
        body_lines = it.body.split("\n")
        if it.body.endswith("\n"):
            body_lines = body_lines[:-1]
        lines += [f"        {line}" if line else "" for line in body_lines]
        lines.append("    headers:")
        for name, value in it.headers:
            lines += [f"      {name}:", f"      - {yaml_scalar(value)}"]
        lines += ["    status:", f"      code: {it.status}", f"      message: {it.reason}"]
    lines.append("version: 1")
    return Rendered(("\n".join(lines) + "\n").encode(), sorted(findings, key=lambda f: (f[1], f[0])))


def server_headers(content_type: str, request_id: str) -> list[tuple[str, str]]:
    return [
        ("content-type", content_type),
        ("date", RECORDED_AT),
        ("server", "uvicorn"),
        ("x-request-id", request_id),
    ]


def cassette_example(
    rule: str, about_bad: str, about_good: str, bad: list[Recorded], good: list[Recorded]
) -> Example:
    name = RULES[rule].name
    return Example(
        rule,
        about_bad,
        about_good,
        [],
        [],
        options={"input_format": "cassette"},
        files=(
            "yaml",
            render_cassette(f"{rule} {name} - bad: {about_bad}", bad),
            render_cassette(f"{rule} {name} - good: {about_good}", good),
        ),
    )


@example("RSP014")
def _rsp014() -> Example:
    _, evs = text_response("rsp014")
    final = pick(evs, "response.completed")
    assert final.payload is not None
    request = {"model": MODEL, "input": QUESTION, "stream": True}
    # The server ignored stream: true and sent the finished response as one JSON document.
    whole = json.dumps(final.payload["response"], ensure_ascii=False, indent=2)
    stream = render(evs, None).data.decode()
    rid = "req_" + hexid("rsp014", "request", n=32)
    return cassette_example(
        "RSP014",
        "the server ignores stream: true and answers 200 application/json with the finished response",
        "the stream: true request is answered 200 text/event-stream",
        [Recorded(request, 200, "OK", server_headers("application/json", rid), whole, ["RSP014"])],
        [Recorded(request, 200, "OK", server_headers("text/event-stream; charset=utf-8", rid), stream)],
    )


@example("RSP015")
def _rsp015() -> Example:
    request = {"model": MODEL, "input": 42, "stream": True}
    rid = "req_" + hexid("rsp015", "request", n=32)
    # FastAPI's default validation answer: the SDKs find no "error" object in it to raise.
    detail = {
        "detail": [
            {
                "type": "list_type",
                "loc": ["body", "input"],
                "msg": "Input should be a valid list",
                "input": 42,
            }
        ]
    }
    error = {
        "error": {
            "message": "Invalid type for 'input': expected one of a string or array of input items, "
            "but got an integer instead.",
            "type": "invalid_request_error",
            "param": "input",
            "code": "invalid_type",
        }
    }
    return cassette_example(
        "RSP015",
        'a malformed request (input: 42) is refused 422 with FastAPI\'s {"detail": [...]} body',
        'the refusal is a 400 with the {"error": {"message": ...}} body the SDKs raise from',
        [
            Recorded(
                request,
                422,
                "Unprocessable Entity",
                server_headers("application/json", rid),
                json.dumps(detail, indent=2),
                ["RSP015"],
            )
        ],
        [
            Recorded(
                request,
                400,
                "Bad Request",
                server_headers("application/json", rid),
                json.dumps(error, indent=2),
            )
        ],
    )


# -- the live probe (RSP260): the answers a scenario gets, served by validator.tools.probe.replay in the test


@example("RSP260")
def _rsp260() -> Example:
    scenario = "tool-calling"
    (tool,) = SCENARIOS[scenario].request(MODEL)["tools"]
    echoed = {**tool, "strict": True}  # the server echoes the tool with its defaults filled in
    declined = [
        "I can't look up",
        " live weather, but",
        " San Francisco is",
        " usually mild and foggy.",
    ]
    _, bad = text_response("rsp260", declined, tools=[echoed])
    _, good = function_response("rsp260", ['{"location":', '"San Francisco, CA"}'], tool=echoed)
    pick(bad, "response.completed").mark("RSP260")
    return Example(
        "RSP260",
        f"probe scenario {scenario}: the server answers in text and never calls get_weather",
        f"probe scenario {scenario}: the response completes with a get_weather function_call",
        bad,
        good,
        probe={"scenario": scenario},
    )


# ---------------------------------------------------------------- writing


def build(rule: str) -> dict[str, bytes]:
    ex = EXAMPLES[rule]()
    name = RULES[rule].name
    if ex.files is not None:
        ext, bad, good = ex.files
        assert not good.findings, f"{rule}: marks in the good example"
    else:
        ext = "sse"
        bad = render(
            ex.bad,
            f"{rule} {name} - bad: {ex.about_bad}",
            terminated=ex.bad_terminated,
            end_marks=ex.end_marks,
        )
        good = render(ex.good, f"{rule} {name} - good: {ex.about_good}")
        assert not [m for e in ex.good for m in e.marks], f"{rule}: marks in the good example"
    sidecar: dict[str, Any] = {"options": ex.options}
    if ex.probe is not None:
        sidecar["probe"] = ex.probe
    sidecar["findings"] = [{"rule": r, "line": line} for r, line in bad.findings]
    return {
        f"bad.{ext}": bad.data,
        f"good.{ext}": good.data,
        "bad.expected.json": (json.dumps(sidecar, indent=2) + "\n").encode(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rules", nargs="*", help="rule ids (default: every rule with an example)")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the files differ from the generated ones"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rules = args.rules or sorted(EXAMPLES)
    missing = sorted(set(RULES) - set(EXAMPLES))
    stale = []
    for rule in rules:
        for name, data in build(rule).items():
            path = args.out / rule / name
            if args.check:
                if not path.is_file() or path.read_bytes() != data:
                    stale.append(str(path))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    if missing:
        print(f"rules without an example: {', '.join(missing)}", file=sys.stderr)
    if stale:
        print("out of date (run tools/make_rule_examples.py):\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 1 if missing and not args.rules else 0


if __name__ == "__main__":
    sys.exit(main())
