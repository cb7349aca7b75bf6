"""The Anthropic Messages rules' examples (``corpus/rules/ANnnn/``) and our own Messages transcripts
(``corpus/anthropic/``), each with its expected-findings sidecar.

Every example starts from a realistic stream built by :mod:`validator.tools.probe.messagekit`;
``bad`` gets exactly one defect and ``good`` is the same stream without it. Transcripts are written
on whole runs of ``tools/make_rule_examples.py`` (not when it is given rule ids).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.rule_examples.kit import (
    DELETE,
    FORMATS,
    Example,
    Format,
    Member,
    Rendered,
    example,
    har_example,
    har_file,
    members,
)
from validator.tools.probe.messagekit import (
    Ev,
    MessageBuilder,
    ev,
    render_eventstream,
    render_jsonl,
    render_sse,
)

CORPUS_OUT = Path(__file__).resolve().parent.parent.parent / "corpus" / "anthropic"
OPTIONS = {"protocol": "anthropic"}
ANSWER = ["The capital", " of France", " is Paris."]
ARGS = ['{"city": "Par', 'is", "unit": "cel', 'sius"}']
THOUGHT = ["The user asks", " for the weather;", " I should call the tool."]
CITATION = {
    "type": "web_search_result_location",
    "cited_text": "Light rain is expected in Paris on Saturday.",
    "url": "https://meteo.example/paris",
    "title": "Paris weekend forecast",
    "encrypted_index": "EpABCkYIBxgCKkBexample",
}
SEARCH_RESULTS = [
    {
        "type": "web_search_result",
        "title": "Paris weekend forecast",
        "url": "https://meteo.example/paris",
        "encrypted_content": "EqgfCioIARgBIiQ3YmE0example",
        "page_age": "1 day ago",
    }
]


def text_stream(label: str, chunks: list[str] | None = None) -> list[Ev]:
    return MessageBuilder(label).start().text(chunks or ANSWER).finish().events


def tool_stream(label: str, fragments: list[str] | None = None, stop: str = "tool_use") -> list[Ev]:
    b = MessageBuilder(label).start().text(["I'll check", " the weather."])
    return b.tool_use("get_weather", fragments if fragments is not None else ARGS).finish(stop).events


def thinking_stream(label: str, signature: str | None = "auto") -> list[Ev]:
    b = MessageBuilder(label).start().thinking(THOUGHT, signature)
    return b.tool_use("get_weather", ARGS).finish("tool_use").events


def search_stream(label: str) -> list[Ev]:
    b = (
        MessageBuilder(label)
        .start()
        .tool_use("web_search", ['{"query": "Paris weather weekend"}'], server=True)
    )
    b.tool_result("web_search_tool_result", SEARCH_RESULTS)
    b.text(["Light rain", " is expected on Saturday."], citations=[CITATION])
    return b.finish(server_tool_use={"web_search_requests": 1}).events


def find(evs: list[Ev], type_: str, n: int = 0, **match: Any) -> int:
    hits = [
        i for i, e in enumerate(evs) if e.type == type_ and all(e.data.get(k) == v for k, v in match.items())
    ]
    return hits[n]


def of(evs: list[Ev], type_: str, n: int = 0, **match: Any) -> Ev:
    return evs[find(evs, type_, n, **match)]


def delta_of(evs: list[Ev], dtype: str, n: int = 0) -> int:
    hits = [
        i for i, e in enumerate(evs) if e.type == "content_block_delta" and e.data["delta"]["type"] == dtype
    ]
    return hits[n]


def pair(label: str) -> tuple[list[Ev], list[Ev]]:
    good = text_stream(label)
    return copy.deepcopy(good), good


def text_pair(rule: str) -> tuple[list[Ev], list[Ev]]:
    """The rule's (bad, good) text answers."""
    return pair(rule.lower())


def tool_pair(rule: str) -> tuple[list[Ev], list[Ev]]:
    """The rule's (bad, good) tool calls."""
    good = tool_stream(rule.lower())
    return copy.deepcopy(good), good


def search_pair(rule: str) -> tuple[list[Ev], list[Ev]]:
    """The rule's (bad, good) web searches."""
    good = search_stream(rule.lower())
    return copy.deepcopy(good), good


def second_start(evs: list[Ev]) -> int:
    return find(evs, "content_block_start", 1)


def second_delta(evs: list[Ev]) -> int:
    return delta_of(evs, "text_delta", 1)


def message_delta(evs: list[Ev]) -> int:
    return find(evs, "message_delta")


#: The examples that change one member of one event of an answer. The framing ones change the
#: event itself (``vars``): the bytes sent for its payload, its ``event:`` name.
MEMBERS: dict[str, Member] = {
    "AN002": Member(
        text_pair,
        second_delta,
        ("raw",),
        b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" of France}}',
        "a delta's closing quote is lost",
        "every payload is JSON",
        body=vars,
    ),
    "AN003": Member(
        text_pair,
        second_delta,
        ("raw",),
        b'[" of France"]',
        "a delta is sent as a bare JSON array",
        "every payload is an object",
        body=vars,
    ),
    "AN004": Member(
        text_pair,
        second_delta,
        ("name",),
        "content_block_start",
        "a delta is framed as event: content_block_start",
        "event names equal types",
        body=vars,
    ),
    "AN101": Member(
        text_pair, second_delta, ("type",), DELETE, "a delta without its type", "every event has a type"
    ),
    "AN103": Member(
        text_pair,
        second_delta,
        ("delta",),
        {"type": "text_delta", "content": " of France"},
        "a text_delta carries `content` instead of `text`",
        "deltas match their schema",
    ),
    "AN203": Member(
        text_pair,
        0,
        ("message", "content"),
        [{"type": "text", "text": "The capital"}],
        "message_start carries the first text block",
        "message_start has empty content",
    ),
    "AN204": Member(
        text_pair,
        0,
        ("message", "stop_reason"),
        "end_turn",
        "message_start already carries a stop_reason",
        "stop_reason is null at the start",
    ),
    "AN209": Member(
        text_pair,
        second_delta,
        ("delta",),
        {"type": "thinking_delta", "thinking": " of France"},
        "reasoning is streamed into a text block (LiteLLM #33224)",
        "deltas fit their block",
    ),
    "AN215": Member(
        text_pair,
        message_delta,
        ("delta", "stop_reason"),
        None,
        "message_delta without a stop_reason",
        "stop_reason end_turn",
    ),
    "AN221": Member(
        text_pair,
        message_delta,
        ("delta", "stop_sequence"),
        DELETE,
        "message_delta.delta without stop_sequence (LiteLLM)",
        "stop_sequence: null",
    ),
    "AN302": Member(
        text_pair,
        message_delta,
        ("usage", "input_tokens"),
        12,
        "message_delta reports fewer input tokens than message_start",
        "cumulative counts",
    ),
    "AN303": Member(
        text_pair,
        0,
        ("message", "usage", "input_tokens"),
        0,
        "message_start reports 0 input tokens (LiteLLM)",
        "the real count at the start",
        mark=message_delta,
    ),
    "AN304": Member(
        text_pair,
        message_delta,
        ("delta", "stop_reason"),
        "tool_use",
        "stop_reason tool_use without a tool_use block (sub2api #3338)",
        "end_turn for a text answer",
    ),
    "AN306": Member(
        search_pair,
        second_start,
        ("content_block", "tool_use_id"),
        "srvtoolu_01Unknown",
        "a search result names a call that was never made",
        "the result names its call",
    ),
    "AN307": Member(
        tool_pair,
        second_start,
        ("content_block", "id"),
        "call_w1",
        "a bridge passes the upstream's call_ id through",
        "toolu_ ids",
    ),
}
members(MEMBERS)


# ---------------------------------------------------------------- 0xx framing


@example("AN001")
def _an001() -> Example:
    bad, good = pair("an001")
    i = delta_of(bad, "text_delta", 2)
    bad[i].raw = (
        json.dumps(bad[i].data, separators=(",", ":")).replace("Paris", "Par\u00eds").encode("latin-1")
    )
    bad[i].mark("AN001")
    return Example("AN001", "a proxy re-encodes one delta as Latin-1", "every byte is UTF-8", bad, good)


@example("AN005")
def _an005() -> Example:
    bad, good = pair("an005")
    for e in bad:
        e.name = None
    bad[0].mark("AN005")
    return Example(
        "AN005",
        "a bridge sends data: lines only (the Python SDK skips them all)",
        "every event is named",
        bad,
        good,
    )


@example("AN006")
def _an006() -> Example:
    bad, good = pair("an006")
    bad.append(Ev(None, None, raw=b"[DONE]").mark("AN006"))
    return Example(
        "AN006",
        "an OpenAI-minded bridge ends with data: [DONE]",
        "the stream ends at message_stop",
        bad,
        good,
    )


@example("AN007")
def _an007() -> Example:
    good = MessageBuilder("an007", pings=False).start().text(ANSWER).finish().events
    bad = copy.deepcopy(good)
    bad[2].mark("AN007")

    def edit(data: bytes) -> bytes:
        # Flip one byte inside the third message's payload: its message CRC no longer matches.
        third = _eventstream_offsets(data)[2]
        spot = third + 40
        return data[:spot] + bytes([data[spot] ^ 0x01]) + data[spot + 1 :]

    return Example(
        "AN007",
        "a proxy corrupts one byte of a Bedrock event-stream message",
        "every message's CRCs match",
        bad,
        good,
        edit=edit,
        ext="eventstream",
    )


def _eventstream_offsets(data: bytes) -> list[int]:
    offsets, at = [], 0
    while at < len(data):
        offsets.append(at)
        at += int.from_bytes(data[at : at + 4], "big")
    return offsets


@example("AN008")
def _an008() -> Example:
    # Checked with a 4 KiB line limit (max_line_bytes): the default, 64 MiB, would make a 64 MiB example.
    bad, good = pair("an008")
    i = delta_of(bad, "text_delta", 1)
    bad[i].mark("AN008")
    line = b"data: " + json.dumps(bad[i].data, separators=(",", ":")).encode()

    def edit(data: bytes) -> bytes:
        # The padding comment comes on the marked line, the delta's data: line right after it.
        return data.replace(line, b": " + b"." * 6142 + b"\n" + line, 1)

    return Example(
        "AN008",
        "a 6 KiB padding comment (to get through a buffering proxy), past a 4 KiB line limit",
        "no padding comment",
        bad,
        good,
        options={**OPTIONS, "max_line_bytes": 4096},
        edit=edit,
    )


@example("AN010")
def _an010() -> Example:
    bad, good = pair("an010")
    # "dat:" instead of "data:": the payload is lost; the block then has no text.
    i = delta_of(bad, "text_delta", 0)
    bad[i].raw = b"X"
    bad[i].mark("AN010")

    def edit(data: bytes) -> bytes:
        return data.replace(b"data: X\n", b"dat: " + ANSWER[0].encode() + b"\n")

    return Example(
        "AN010",
        "a typo turns a data: line into an unknown field",
        "every line is a known field",
        bad,
        good,
        edit=edit,
    )


@example("AN011")
def _an011() -> Example:
    bad, good = pair("an011")
    bad[-1].mark("AN011")
    return Example(
        "AN011",
        "the body ends right after the last data: line",
        "the last event ends with a blank line",
        bad,
        good,
        edit=lambda data: data[:-1],
    )


@example("AN012")
def _an012() -> Example:
    return Example(
        "AN012", "the body is empty", "a whole stream", [], text_stream("an012"), end_marks=["AN012"]
    )


# ---------------------------------------------------------------- 1xx schema


#: What a Messages call's HAR example records (tools/rule_examples/kit.py har_file).
_HAR_CALL: dict[str, Any] = {
    "url": "https://api.anthropic.com/v1/messages",
    "headers": [{"name": "anthropic-version", "value": "2023-06-01"}],
    "request": {
        "model": "claude-sonnet-4-5",
        "max_tokens": 256,
        "stream": True,
        "messages": [{"role": "user", "content": "Hi"}],
    },
    "time": 812,
    "creator": "make_rule_examples",
}


def har(
    status: int, content_type: str, body: bytes, rule: str | None = None
) -> tuple[bytes, list[tuple[str, int]]]:
    """A HAR file recording one streamed POST /v1/messages and its answer; the (rule, line) of the
    entry when ``rule`` is given (findings about an answer point at its entry)."""
    return har_file(_HAR_CALL, status, content_type, body, rule)


@example("AN013")
def _an013() -> Example:
    answer = json.dumps(
        {"id": "msg_01", "type": "message", "role": "assistant", "content": [{"type": "text", "text": "Hi!"}]}
    )
    body, _, _ = render_sse(text_stream("an013"))
    return har_example(
        _HAR_CALL,
        "AN013",
        "a gateway answers a stream: true request with one JSON message",
        "the answer is an event stream",
        (200, "application/json", answer.encode()),
        (200, "text/event-stream; charset=utf-8", body),
        options={},
    )


@example("AN014")
def _an014() -> Example:
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    return har_example(
        _HAR_CALL,
        "AN014",
        "a proxy answers an overloaded API with an HTML page",
        'the error is JSON {"type": "error", "error": {...}}',
        (529, "text/html", b"<html><body>upstream overloaded</body></html>"),
        (529, "application/json", json.dumps(error).encode()),
        options={},
    )


@example("AN015")
def _an015() -> Example:
    # What the API answers a revoked key with, saved in place of the stream.
    body = {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy",
    }
    bad = (json.dumps(body, indent=2) + "\n").encode()
    good = (json.dumps([e.data for e in text_stream("an015")], indent=1) + "\n").encode()
    return Example(
        "AN015",
        "the file saved as the stream holds the API's 401 body for a revoked key",
        "the file holds the stream's events (a JSON array)",
        [],
        [],
        files=("json", Rendered(bad, [("AN015", 1)]), Rendered(good, [])),
    )


@example("AN102")
def _an102() -> Example:
    bad, good = pair("an102")
    at = delta_of(bad, "text_delta", 1)
    bad.insert(at, ev({"type": "message_progress", "progress": 0.5}).mark("AN102"))
    return Example(
        "AN102", "a new event type the validator does not know", "only known event types", bad, good
    )


@example("AN104")
def _an104() -> Example:
    good = text_stream("an104")
    b = MessageBuilder("an104").start()
    b._block(
        {"type": "compaction", "content": None},
        [{"type": "compaction_delta", "content": "Earlier: weather talk."}],
    )
    bad = b.text(ANSWER).finish().events
    bad[1].mark("AN104")
    bad[3].mark("AN104")
    return Example(
        "AN104", "a compaction block (beta) with its compaction_delta", "GA block types only", bad, good
    )


@example("AN105")
def _an105() -> Example:
    good = text_stream("an105")
    b = MessageBuilder("an105").start()
    b._block({"type": "poem", "lines": []}, [])
    bad = b.text(ANSWER).finish().events
    bad[1].mark("AN105")
    return Example(
        "AN105", "a block type neither the GA nor the beta types know", "known block types only", bad, good
    )


@example("AN106")
def _an106() -> Example:
    bad, good = pair("an106")
    at = delta_of(bad, "text_delta", 1)
    chunk = {
        "id": "chatcmpl-an106",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": " of France"}}],
    }
    bad.insert(at, Ev("content_block_delta", chunk).mark("AN106"))
    return Example(
        "AN106", "a bridge forwards a Chat Completions chunk as is", "Messages events only", bad, good
    )


# ---------------------------------------------------------------- 2xx lifecycle


@example("AN201")
def _an201() -> Example:
    bad, good = pair("an201")
    bad[0], bad[1] = bad[1], bad[0]
    bad[0].mark("AN201")
    return Example(
        "AN201", "content_block_start comes before message_start", "message_start first", bad, good
    )


@example("AN202")
def _an202() -> Example:
    bad, good = pair("an202")
    at = find(bad, "content_block_stop")
    bad.insert(at, copy.deepcopy(bad[0]).mark("AN202"))
    return Example(
        "AN202",
        "a bridge sends message_start again mid-stream (LiteLLM #32357)",
        "one message_start",
        bad,
        good,
    )


@example("AN205")
def _an205() -> Example:
    good = tool_stream("an205")
    bad = copy.deepcopy(good)
    for e in bad:
        if (
            e.type in ("content_block_start", "content_block_delta", "content_block_stop")
            and e.data["index"] == 1
        ):
            e.data["index"] = 2
    of(bad, "content_block_start", 1).mark("AN205")
    return Example("AN205", "the second block is numbered 2", "blocks are numbered 0, 1", bad, good)


@example("AN206")
def _an206() -> Example:
    bad, good = pair("an206")
    at = find(bad, "content_block_stop")
    stray = ev({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}})
    bad.insert(at + 1, stray.mark("AN206"))
    return Example(
        "AN206", "a delta arrives after its block was stopped", "deltas only in open blocks", bad, good
    )


@example("AN207")
def _an207() -> Example:
    good = tool_stream("an207")
    bad = copy.deepcopy(good)
    stop = bad.pop(find(bad, "content_block_stop", 0))
    start = find(bad, "content_block_start", 1)
    bad[start].mark("AN207")
    bad.insert(start + 1, stop)
    return Example(
        "AN207",
        "the tool_use block starts before the text block stops",
        "one block open at a time",
        bad,
        good,
    )


@example("AN208")
def _an208() -> Example:
    good = tool_stream("an208")
    bad = copy.deepcopy(good)
    del bad[find(bad, "content_block_stop", 1)]
    of(bad, "message_delta").mark("AN208")
    return Example(
        "AN208",
        "the tool_use block is never stopped (claude-code-router #1725)",
        "every block stopped",
        bad,
        good,
    )


@example("AN210")
def _an210() -> Example:
    bad = thinking_stream("an210", signature=None)
    good = thinking_stream("an210")
    of(bad, "content_block_stop", 0).mark("AN210")
    return Example(
        "AN210", "a bridge streams thinking without a signature", "the thinking block is signed", bad, good
    )


@example("AN211")
def _an211() -> Example:
    good = thinking_stream("an211")
    bad = copy.deepcopy(good)
    sig = delta_of(bad, "signature_delta")
    late = ev(
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": " Done."}}
    )
    bad.insert(sig + 1, late.mark("AN211"))
    return Example(
        "AN211", "thinking continues after the signature", "signature_delta is the last delta", bad, good
    )


@example("AN212")
def _an212() -> Example:
    bad = MessageBuilder("an212").start().text([]).finish().events
    good = text_stream("an212")
    of(bad, "content_block_stop").mark("AN212")
    return Example(
        "AN212",
        "a bridge drops the upstream's text (corpus-anthropic 034)",
        "the text block has text",
        bad,
        good,
    )


@example("AN213")
def _an213() -> Example:
    bad, good = pair("an213")
    del bad[find(bad, "message_delta")]
    of(bad, "message_stop").mark("AN213")
    return Example(
        "AN213", "message_stop comes without message_delta", "message_delta then message_stop", bad, good
    )


@example("AN214")
def _an214() -> Example:
    bad, good = pair("an214")
    at = find(bad, "message_delta")
    bad.insert(at + 1, copy.deepcopy(bad[at]).mark("AN214"))
    return Example("AN214", "message_delta is sent twice", "one message_delta", bad, good)


@example("AN216")
def _an216() -> Example:
    good = tool_stream("an216")
    bad = copy.deepcopy(good)
    start = find(bad, "content_block_start", 1)
    stop = find(bad, "content_block_stop", 1)
    block = bad[start : stop + 1]
    del bad[start : stop + 1]
    at = find(bad, "message_delta") + 1
    bad[at:at] = block
    block[0].mark("AN216")
    return Example(
        "AN216", "the tool_use block comes after message_delta", "all blocks before message_delta", bad, good
    )


@example("AN217")
def _an217() -> Example:
    bad, good = pair("an217")
    bad.append(ev({"type": "ping"}).mark("AN217"))
    return Example("AN217", "a ping after message_stop", "message_stop is the last event", bad, good)


@example("AN218")
def _an218() -> Example:
    bad, good = pair("an218")
    del bad[find(bad, "message_delta") :]
    return Example(
        "AN218",
        "the connection drops after the last block",
        "the stream ends at message_stop",
        bad,
        good,
        end_marks=["AN218"],
    )


@example("AN219")
def _an219() -> Example:
    bad, good = pair("an219")
    at = delta_of(bad, "text_delta", 1)
    del bad[at:]
    bad.append(
        ev({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}).mark("AN219")
    )
    return Example("AN219", "the API is overloaded mid-answer", "the answer completes", bad, good)


@example("AN220")
def _an220() -> Example:
    bad, good = pair("an220")
    at = delta_of(bad, "text_delta", 1)
    del bad[at:]
    bad.append(
        ev({"type": "error", "error": {"type": "api_error", "message": "Internal server error"}}).mark(
            "AN219"
        )
    )
    bad.append(ev({"type": "content_block_stop", "index": 0}).mark("AN220"))
    bad.append(ev({"type": "message_stop"}))
    return Example(
        "AN220",
        "a bridge keeps streaming after the error event (AN219 there too)",
        "no error event",
        bad,
        good,
    )


@example("AN260")
def _an260() -> Example:
    bad = text_stream("an260", ["I can't check", " live weather, but Paris", " is usually mild."])
    good = tool_stream("an260", ['{"location": "Par', 'is, France"}'])
    bad[-1].mark("AN260")
    return Example(
        "AN260",
        "probe scenario messages-tool-use: the server answers in text and never calls get_weather",
        "probe scenario messages-tool-use: a get_weather tool_use with its location, stop_reason tool_use",
        bad,
        good,
        probe={"scenario": "messages-tool-use"},
    )


# ---------------------------------------------------------------- 3xx consistency


@example("AN301")
def _an301() -> Example:
    bad = tool_stream("an301", ['{"city": "Par', 'is", "unit": "cel', 'sius"}}'])
    good = tool_stream("an301")
    of(bad, "content_block_stop", 1).mark("AN301")
    return Example(
        "AN301", "the fragments end with an extra brace", "the fragments make a JSON object", bad, good
    )


@example("AN305")
def _an305() -> Example:
    bad = tool_stream("an305", stop="end_turn")
    good = tool_stream("an305")
    of(bad, "message_delta").mark("AN305")
    return Example(
        "AN305", "a tool call with stop_reason end_turn (LiteLLM #34692)", "stop_reason tool_use", bad, good
    )


@example("AN308")
def _an308() -> Example:
    bad, good = pair("an308")
    e = of(bad, "message_delta")
    e.data["delta"]["stop_sequence"] = "###"
    e.mark("AN308")
    return Example("AN308", "stop_sequence set with stop_reason end_turn", "stop_sequence null", bad, good)


# ---------------------------------------------------------------- our own transcripts


@dataclass
class Transcript:
    name: str
    about: str
    events: list[Ev]
    ext: str = "sse"
    end_marks: list[str] = field(default_factory=list)


def transcripts() -> list[Transcript]:
    out = [
        Transcript(
            "text", "VALID: a text answer with a ping after the first block start", text_stream("c-text")
        ),
        Transcript(
            "text_then_tool_use",
            "VALID: text, then a tool_use with its input in three fragments",
            tool_stream("c-tool"),
        ),
    ]
    b = MessageBuilder("c-parallel").start().text(["Checking both cities."])
    b.tool_use("get_weather", ['{"city": "Paris"}']).tool_use("get_weather", ['{"city":', ' "Lyon"}'])
    out.append(Transcript("parallel_tool_use", "VALID: two tool_use blocks", b.finish("tool_use").events))
    b = MessageBuilder("c-empty").start().tool_use("get_time", [""])
    out.append(
        Transcript(
            "tool_use_empty_input",
            "VALID: a tool without parameters: one empty fragment means {}",
            b.finish("tool_use").events,
        )
    )
    out.append(
        Transcript(
            "thinking_tool_use", "VALID: signed thinking, then a tool call", thinking_stream("c-think")
        )
    )
    b = MessageBuilder("c-redacted").start().redacted_thinking().text(ANSWER)
    out.append(
        Transcript(
            "redacted_thinking", "VALID: a redacted_thinking block arrives whole, no delta", b.finish().events
        )
    )
    out.append(
        Transcript(
            "web_search_citations",
            "VALID: server tool, its result block, cited text",
            search_stream("c-search"),
        )
    )
    b = MessageBuilder("c-refusal").start()
    out.append(
        Transcript(
            "refusal_no_blocks", "VALID: a refusal with zero content blocks", b.finish("refusal").events
        )
    )
    b = MessageBuilder("c-stopseq").start().text(["Step one: boil water."])
    out.append(
        Transcript(
            "stop_sequence",
            "VALID: stopped by a custom stop sequence",
            b.finish("stop_sequence", stop_sequence="###").events,
        )
    )
    b = (
        MessageBuilder("c-cut")
        .start()
        .tool_use("write_file", ['{"path": "notes.md", "content": "# Notes\\n', "Day one"])
    )
    cut = b.finish("max_tokens").events
    of(cut, "content_block_stop").mark("AN301")
    out.append(
        Transcript(
            "max_tokens_cuts_tool_input",
            "max_tokens cuts a tool input mid-string: AN301 as a warning (the arguments are incomplete)",
            cut,
        )
    )
    failed = MessageBuilder("c-error").start().text(ANSWER[:1]).events[:-1]
    failed.append(
        ev({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}).mark("AN219")
    )
    out.append(
        Transcript(
            "overloaded_mid_stream",
            "the API fails mid-answer: AN219 only (the open block is its doing)",
            failed,
        )
    )
    bedrock = MessageBuilder("c-bedrock", pings=False).start().text(ANSWER).finish().events
    bedrock[0].data["message"]["id"] = "msg_bdrk_01" + bedrock[0].data["message"]["id"][6:]
    bedrock[-1].data["amazon-bedrock-invocationMetrics"] = {
        "inputTokenCount": 24,
        "outputTokenCount": 3,
        "invocationLatency": 812,
        "firstByteLatency": 301,
    }
    out.append(
        Transcript(
            "bedrock_payloads",
            "VALID: Bedrock's decoded payloads, invocation metrics on message_stop",
            bedrock,
            ext="jsonl",
        )
    )
    out.append(
        Transcript(
            "bedrock_eventstream",
            "VALID: the same Bedrock stream as its raw AWS event-stream body (positions are message numbers)",
            copy.deepcopy(bedrock),
            ext="eventstream",
        )
    )
    return out


# ---------------------------------------------------------------- writing


def _render(events: list[Ev], header: str, ext: str, terminated: bool, end_marks: Iterable[str]) -> Rendered:
    # Only an SSE body has room for the header comment; JSONL and event-stream bodies are as sent.
    if ext == "sse":
        data, marks, end = render_sse(events, [header])
    else:
        data, marks, end = {"jsonl": render_jsonl, "eventstream": render_eventstream}[ext](events)
    return Rendered(data, marks + [(r, end) for r in end_marks])


def _options(ex: Example) -> dict[str, Any]:
    return dict(OPTIONS) if ex.options is None else ex.options


FORMATS["anthropic"] = Format(_render, _options)


def _sidecar(findings: list[tuple[str, int]], provenance: dict[str, Any]) -> bytes:
    data = {
        "options": {},
        "provenance": provenance,
        "findings": [{"rule": r, "line": n} for r, n in sorted(findings, key=lambda f: (f[1], f[0]))],
    }
    return (json.dumps(data, indent=2) + "\n").encode()


def transcript_files() -> dict[Path, bytes]:
    """``corpus/anthropic/``: each transcript and its sidecar."""
    out: dict[Path, bytes] = {}
    for t in transcripts():
        data, marks, end = {"sse": render_sse, "jsonl": render_jsonl, "eventstream": render_eventstream}[
            t.ext
        ](t.events)
        marks += [(r, end) for r in t.end_marks]
        provenance = {"source": "tools/make_rule_examples.py", "about": t.about}
        out[CORPUS_OUT / f"{t.name}.{t.ext}"] = data
        out[CORPUS_OUT / f"{t.name}.expected.json"] = _sidecar(marks, provenance)
    return out
