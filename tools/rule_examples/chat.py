"""The Chat Completions rules' examples (``corpus/rules/CHnnn/``).

Each example is built with :mod:`validator.protocols.chat.builder` from one helper, ``good``
being the minimal fix of ``bad``; marks on frames say where the findings are (see
corpus/README.md, "Rule examples"). Every sidecar's options name the protocol.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
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
    members,
)
from tools.rule_examples.responses.transport import OPENAI_401
from validator.catalog import RULES
from validator.protocols.chat.builder import ChatStream, Frame, render

BASE_OPTIONS = {"protocol": "chat"}


def s(label: str, **kw: Any) -> ChatStream:
    return ChatStream(f"rule-example/{label}", **kw)


def text_stream(
    label: str, parts: tuple[str, ...] = ("The capital", " of France", " is Paris.")
) -> tuple[ChatStream, list[Frame]]:
    st = s(label)
    return st, [*st.text(parts), st.usage(14, 7), st.done()]


def weather_stream(label: str) -> tuple[ChatStream, list[Frame]]:
    st = s(label)
    return st, [*st.tool_calls([("get_weather", ['{"city"', ': "Paris"}'])]), st.usage(61, 15), st.done()]


def text_pair(rule: str) -> tuple[list[Frame], list[Frame]]:
    """The rule's (bad, good) text answers, built alike."""
    return text_stream(rule)[1], text_stream(rule)[1]


def weather_pair(rule: str) -> tuple[list[Frame], list[Frame]]:
    """The rule's (bad, good) tool-call answers, built alike."""
    return weather_stream(rule)[1], weather_stream(rule)[1]


# --------------------------------------------------------------------------- one member changed
MEMBERS: dict[str, Member] = {
    "CH005": Member(
        text_pair,
        5,
        ("error",),
        {"code": 400, "message": "Token limit reached"},
        "the usage chunk carries a top-level error (OpenRouter)",
        "no error member",
    ),
    "CH100": Member(text_pair, 1, ("created",), "1767225600", "created is a string", "created is an integer"),
    "CH111": Member(
        text_pair,
        4,
        ("object",),
        "chat.completion",
        'the finish chunk says object: "chat.completion"',
        "object is chat.completion.chunk",
    ),
    "CH121": Member(
        text_pair,
        4,
        ("choices", 0, "delta"),
        DELETE,
        "the finish chunk's choice has no delta",
        "the choice has delta: {}",
    ),
    "CH122": Member(
        text_pair,
        slice(None, 4),
        ("choices", 0, "finish_reason"),
        DELETE,
        "choices omit finish_reason until the finish chunk",
        "finish_reason: null on each",
    ),
    "CH123": Member(
        text_pair, 4, ("choices", 0, "finish_reason"), "", 'finish_reason is ""', 'finish_reason is "stop"'
    ),
    "CH131": Member(
        text_pair,
        5,
        ("usage", "prompt_tokens"),
        "14",
        "usage.prompt_tokens is a string",
        "the counts are integers",
    ),
    "CH150": Member(
        weather_pair,
        2,
        ("choices", 0, "delta", "tool_calls", 0, "index"),
        DELETE,
        "an arguments fragment has no index",
        "every fragment has index 0",
    ),
    "CH164": Member(
        text_pair,
        2,
        ("choices", 0, "delta", "content"),
        [{"type": "text", "text": " of France"}],
        "a delta's content is a list of typed parts",
        "content is a string",
    ),
    "CH210": Member(
        text_pair,
        slice(2, -1),
        ("id",),
        "chatcmpl-" + "b" * 20,
        "the id changes from the third chunk on",
        "one id for every chunk",
    ),
    "CH213": Member(
        text_pair,
        slice(2, -1),
        ("model",),
        "gpt-4o-2024-08-06",
        "the model changes mid-stream",
        "one model for every chunk",
    ),
    "CH233": Member(
        text_pair,
        4,
        ("usage",),
        {"prompt_tokens": 14, "completion_tokens": 6, "total_tokens": 20},
        "a running usage on the finish chunk, then the final usage chunk",
        "usage on the usage chunk only",
        mark=5,
    ),
    "CH240": Member(
        text_pair,
        0,
        ("choices", 0, "delta", "role"),
        DELETE,
        "the first chunk has no role",
        'the first chunk says role: "assistant"',
    ),
    "CH242": Member(
        text_pair,
        slice(1, 4),
        ("choices", 0, "delta", "role"),
        "assistant",
        "every content chunk repeats role",
        "role in the first chunk only",
    ),
    "CH251": Member(
        weather_pair,
        1,
        ("choices", 0, "delta", "tool_calls", 0, "id"),
        DELETE,
        "the call's first fragment has no id",
        "the first fragment has id, type and name",
    ),
    "CH252": Member(
        weather_pair,
        2,
        ("choices", 0, "delta", "tool_calls", 0, "function", "name"),
        "get_weather",
        "an arguments fragment repeats the function name",
        "later fragments carry arguments only",
    ),
    "CH254": Member(
        weather_pair,
        slice(1, 4),
        ("choices", 0, "delta", "tool_calls", 0, "index"),
        1,
        "the only call has index 1",
        "the first call has index 0",
    ),
    "CH256": Member(
        weather_pair,
        4,
        ("choices", 0, "finish_reason"),
        "stop",
        "a choice with a tool call finishes with stop (no forced tool_choice)",
        "it finishes with tool_calls",
    ),
    "CH257": Member(
        text_pair,
        4,
        ("choices", 0, "finish_reason"),
        "tool_calls",
        "a text answer finishes with tool_calls",
        "it finishes with stop",
    ),
    "CH258": Member(
        weather_pair,
        3,
        ("choices", 0, "delta", "tool_calls", 0, "id"),
        "call_" + "9" * 24,
        "a later fragment carries another call id",
        "later fragments carry no id",
    ),
    "CH331": Member(
        text_pair,
        5,
        ("usage", "total_tokens"),
        30,
        "total_tokens is not prompt + completion",
        "the usage adds up",
    ),
    "CH353": Member(
        weather_pair,
        3,
        ("choices", 0, "delta", "tool_calls", 0, "function", "arguments"),
        ': "Par',
        "the call's arguments concatenate to a cut-off JSON text",
        "the arguments are a JSON object",
        mark=4,
    ),
}
members(MEMBERS)


# --------------------------------------------------------------------------- framing


@example("CH001")
def _ch001() -> Example:
    _, good = text_stream("CH001")
    _, bad = text_stream("CH001")
    bad[2] = Frame(bad[2].data, raw=bad[2].payload.replace(" of", " \udce9of")).mark("CH001")
    return Example("CH001", "a content delta holds a Latin-1 byte (0xE9)", "the text is UTF-8", bad, good)


@example("CH002")
def _ch002() -> Example:
    _, good = text_stream("CH002")
    _, bad = text_stream("CH002")
    bad.pop()
    return Example(
        "CH002",
        "the stream ends after the usage chunk, without data: [DONE]",
        "data: [DONE] ends it",
        bad,
        good,
        end_marks=["CH002"],
    )


@example("CH003")
def _ch003() -> Example:
    _, good = text_stream("CH003")
    _, bad = text_stream("CH003")
    bad[2] = Frame(bad[2].data, raw=bad[2].payload[:-3]).mark("CH003")
    return Example("CH003", "a chunk's JSON is cut off", "the chunk is whole", bad, good)


@example("CH004")
def _ch004() -> Example:
    st, good = text_stream("CH004")
    bad = [*good[:3], st.error("The server had an error while processing your request.").mark("CH004")]
    return Example(
        "CH004", "the stream fails mid-way with an in-band error payload", "the answer completes", bad, good
    )


@example("CH006")
def _ch006() -> Example:
    _, good = text_stream("CH006")
    bad = [*good[:2], Frame(["The capital"]).mark("CH006"), *good[2:]]  # type: ignore[arg-type]
    return Example("CH006", "a data payload is a JSON array", "every payload is a chunk object", bad, good)


@example("CH007")
def _ch007() -> Example:
    st, good = text_stream("CH007")
    _, bad = text_stream("CH007")
    bad = [*bad[:-2], st.done(), bad[-2].mark("CH007")]
    return Example(
        "CH007", "the usage chunk comes after data: [DONE]", "the usage chunk comes before [DONE]", bad, good
    )


@example("CH008")
def _ch008() -> Example:
    _, good = text_stream("CH008")
    _, bad = text_stream("CH008")
    bad[0].pre.append("event: message")
    bad[0].mark("CH008")
    return Example("CH008", "the first chunk has an event: line", "data: lines only", bad, good)


@example("CH009")
def _ch009() -> Example:
    _, good = text_stream("CH009")
    bad = [ChatStream.done().mark("CH009")]
    return Example("CH009", "the body is a lone data: [DONE]", "the chunks come before [DONE]", bad, good)


@example("CH060")
def _ch060() -> Example:
    _, good = text_stream("CH060")
    _, bad = text_stream("CH060")
    bad[2].pre.append(("Paris", ["CH060"]))
    return Example(
        "CH060", "a line without a field name (a missing data: prefix)", "every line is a field", bad, good
    )


@example("CH061")
def _ch061() -> Example:
    _, good = text_stream("CH061")
    _, bad = text_stream("CH061")
    bad[-1].mark("CH061")
    return Example(
        "CH061",
        "data: [DONE] is not followed by a blank line",
        "the last event ends with a blank line",
        bad,
        good,
        bad_terminated=False,
    )


@example("CH062")
def _ch062() -> Example:
    _, good = text_stream("CH062")
    _, bad = text_stream("CH062")
    bad[1].pre.append(("id: 1", ["CH062"]))
    return Example("CH062", "an SSE id: field", "no id: field", bad, good)


@example("CH064")
def _ch064() -> Example:
    # Checked with a 4 KiB line limit (max_line_bytes): the default, 64 MiB, would make a 64 MiB example.
    _, good = text_stream("CH064")
    _, bad = text_stream("CH064")
    bad[2].pre.append((": " + "." * 6142, ["CH064"]))
    good[2].pre.append((": " + "." * 2046, []))
    return Example(
        "CH064",
        "a 6 KiB padding comment (to get through a buffering proxy), past a 4 KiB line limit",
        "the padding comment is 2 KiB, within the limit",
        bad,
        good,
        options={"max_line_bytes": 4096},
    )


@example("CH063")
def _ch063() -> Example:
    st, good = text_stream("CH063")
    _, bad = text_stream("CH063")
    bad = [*bad[:3], st.error("upstream connection reset").mark("CH004"), bad[3].mark("CH063")]
    return Example(
        "CH063",
        "a content chunk follows an in-band error (also CH004)",
        "no error: the answer completes",
        bad,
        good,
    )


@example("CH067")
def _ch067() -> Example:
    bad = (json.dumps(OPENAI_401, indent=2) + "\n").encode()
    _, frames = text_stream("CH067")
    chunks = [f.data for f in frames if isinstance(f.data, dict)]
    good = (json.dumps(chunks, indent=1) + "\n").encode()
    return Example(
        "CH067",
        "the file saved as the stream holds the server's 401 body for a revoked key",
        "the file holds the stream's chunks (a JSON array)",
        [],
        [],
        files=("json", Rendered(bad, [("CH067", 1)]), Rendered(good, [])),
    )


#: What a chat call's HAR example records (tools/rule_examples/kit.py har_file).
_HAR_CALL: dict[str, Any] = {
    "url": "https://api.openai.com/v1/chat/completions",
    "headers": [{"name": "content-type", "value": "application/json"}],
    "request": {
        "model": "gpt-4o-mini",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
    },
    "time": 640,
    "creator": "make_chat_rule_examples",
}


def _stream_body(label: str) -> bytes:
    rule = RULES[label]
    text, _ = render(text_stream(label)[1], header=[f"{rule.id} {rule.name}"])
    return text.encode()


@example("CH068")
def _ch068() -> Example:
    st = s("CH068")
    completion = {
        "id": st.id,
        "object": "chat.completion",
        "created": st.created,
        "model": st.model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "The capital of France is Paris.",
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 14, "completion_tokens": 7, "total_tokens": 21},
    }
    return har_example(
        _HAR_CALL,
        "CH068",
        "a gateway answers a stream: true request with one JSON chat.completion",
        "the answer is an event stream",
        (200, "application/json", json.dumps(completion).encode()),
        (200, "text/event-stream; charset=utf-8", _stream_body("CH068")),
    )


@example("CH069")
def _ch069() -> Example:
    error = {
        "error": {"message": "upstream unavailable", "type": "server_error", "param": None, "code": None}
    }
    return har_example(
        _HAR_CALL,
        "CH069",
        "a proxy answers with an HTML error page",
        'the error is JSON {"error": {"message": ...}}',
        (502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
        (502, "application/json", json.dumps(error).encode()),
    )


# --------------------------------------------------------------------------- schema


@example("CH126")
def _ch126() -> Example:
    st = s("CH126")

    def frames(broken: bool) -> list[Frame]:
        out = st.text(("Paris",))
        logprob = {"token": "Paris", "logprob": -0.01, "bytes": [80, 97, 114, 105, 115], "top_logprobs": []}
        out[1].data["choices"][0]["logprobs"] = (
            {"content": [logprob]} if broken else {"content": [logprob], "refusal": None}
        )  # type: ignore[index]
        return [*out, st.done()]

    bad = frames(True)
    bad[1].mark("CH126")
    return Example(
        "CH126", "logprobs lacks its refusal key", "logprobs has content and refusal", bad, frames(False)
    )


@example("CH163")
def _ch163() -> Example:
    _, good = text_stream("CH163")
    annotation = Frame(
        {
            "choices": [],
            "created": 0,
            "id": "",
            "model": "",
            "object": "",
            "prompt_filter_results": [
                {
                    "prompt_index": 0,
                    "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}},
                }
            ],
        }
    ).mark("CH163")
    return Example(
        "CH163",
        "Azure's prompt-filter annotation chunk comes first",
        "no annotation chunk",
        [annotation, *good],
        good,
    )


# --------------------------------------------------------------------------- lifecycle


@example("CH212")
def _ch212() -> Example:
    _, good = text_stream("CH212")
    _, bad = text_stream("CH212")
    for frame in bad[3:-1]:
        frame.data["created"] += 1  # type: ignore[index]
    bad[3].mark("CH212")
    return Example("CH212", "created ticks one second mid-stream", "one timestamp for every chunk", bad, good)


@example("CH220")
def _ch220() -> Example:
    st = s("CH220")
    good = [*st.text(("Paris",)), st.done()]
    bad = [*st.text(("Paris",), index=1), st.done()]
    bad[0].mark("CH220")
    return Example("CH220", "the only choice has index 1", "the only choice has index 0", bad, good)


@example("CH224")
def _ch224() -> Example:
    st, good = text_stream("CH224", ("The capital of France", " is Paris."))
    _, bad = text_stream("CH224", ("The capital of France",))
    bad.insert(3, st.chunk([st.choice({"content": " is Paris."})]).mark("CH224"))
    return Example(
        "CH224", "a content chunk comes after the finish chunk", "all content before the finish", bad, good
    )


@example("CH225")
def _ch225() -> Example:
    _, good = text_stream("CH225")
    _, bad = text_stream("CH225")
    del bad[4]
    bad[-1].mark("CH225")
    return Example("CH225", "the choice never gets a finish_reason", "the finish chunk says stop", bad, good)


@example("CH226")
def _ch226() -> Example:
    st = s("CH226")

    def choice(index: int, text: str) -> dict[str, Any]:
        message = {"role": "assistant", "content": text, "refusal": None}
        return {"index": index, "message": message, "logprobs": None, "finish_reason": "stop"}

    def completion(*choices: dict[str, Any]) -> bytes:
        usage = {"prompt_tokens": 14, "completion_tokens": 14, "total_tokens": 28}
        body = {
            "id": st.id,
            "object": "chat.completion",
            "created": st.created,
            "model": st.model,
            "choices": list(choices),
            "usage": usage,
        }
        return (json.dumps(body, indent=2) + "\n").encode()

    first, second = choice(0, "The capital of France is Paris."), choice(1, "Paris.")
    request = {
        "model": "gpt-4o-mini",
        "n": 2,
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
    }
    return Example(
        "CH226",
        "the request asks for n=2 choices and the non-streaming answer holds one",
        "the answer holds choices 0 and 1",
        [],
        [],
        options={"request": request},
        files=("json", Rendered(completion(first), [("CH226", 1)]), Rendered(completion(first, second), [])),
    )


@example("CH227")
def _ch227() -> Example:
    st, good = text_stream("CH227")
    _, bad = text_stream("CH227")
    usage = bad[5].data["usage"]  # type: ignore[index]
    bad[5] = st.chunk([st.choice({})], usage=usage).mark("CH227", "CH232")
    return Example(
        "CH227",
        "the usage rides on a chunk that repeats the finished choice with an empty delta (also CH232)",
        "the usage chunk has choices: []",
        bad,
        good,
    )


def _finished_again(rule: str, reason: str, about_bad: str, about_good: str) -> Example:
    """The answer finishes (stop), then a second finish chunk says ``reason``."""
    _, good = text_stream(rule)
    _, bad = text_stream(rule)
    bad.insert(5, ChatStream(f"rule-example/{rule}").chunk([ChatStream.choice({}, 0, reason)]).mark(rule))
    return Example(rule, about_bad, about_good, bad, good)


example("CH228")(
    functools.partial(_finished_again, "CH228", "stop", "the finish chunk is sent twice", "one finish chunk")
)
example("CH229")(
    functools.partial(
        _finished_again, "CH229", "length", "finished with stop, then again with length", "one finish_reason"
    )
)


@example("CH230")
def _ch230() -> Example:
    st, good = text_stream("CH230")
    bad = [*good[:5], st.done().mark("CH230")]
    request = {
        "model": "gpt-4o-mini",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "Capital of France?"}],
    }
    return Example(
        "CH230",
        "the request asks for usage (include_usage) and no usage chunk comes",
        "the usage chunk comes before [DONE]",
        bad,
        good,
        options={"request": request},
    )


@example("CH232")
def _ch232() -> Example:
    _, good = text_stream("CH232")
    _, bad = text_stream("CH232")
    usage = bad[5].data["usage"]  # type: ignore[index]
    bad[4].data["usage"] = usage  # type: ignore[index]
    bad[4].mark("CH232")
    del bad[5]
    return Example(
        "CH232", "the usage comes on the finish chunk", "the usage chunk has choices: []", bad, good
    )


@example("CH234")
def _ch234() -> Example:
    st = s("CH234")
    two = lambda i: st.chunk([st.choice({"role": "assistant", "content": ""}, i)])  # noqa: E731
    body = [
        two(0),
        two(1),
        st.chunk([st.choice({"content": "Paris"}, 0)]),
        st.chunk([st.choice({"content": "Paris"}, 1)]),
    ]
    finish0 = st.chunk([st.choice({}, 0, "stop")])
    finish1 = st.chunk([st.choice({}, 1, "stop")])
    usage = st.usage(14, 4)
    good = [*body, finish0, finish1, usage, st.done()]
    bad = [*body, finish0, st.usage(14, 4), st.chunk([st.choice({}, 1, "stop")]).mark("CH234"), st.done()]
    return Example(
        "CH234",
        "with n=2, choice 1 finishes after the usage chunk",
        "both choices finish before the usage chunk",
        bad,
        good,
    )


@example("CH236")
def _ch236() -> Example:
    st, good = text_stream("CH236")
    _, bad = text_stream("CH236")
    bad.insert(2, st.chunk([]).mark("CH236"))
    return Example("CH236", "a chunk with choices: [] and no usage mid-stream", "no empty chunk", bad, good)


@example("CH270")
def _ch270() -> Example:
    _, good = weather_stream("CH270")
    _, bad = text_stream("CH270", ("It is sunny", " in Paris."))
    bad[-2].mark("CH270")
    return Example(
        "CH270",
        "the chat-tool-call scenario is answered with text, no tool call",
        "it is answered with a get_weather call",
        bad,
        good,
        probe={"scenario": "chat-tool-call"},
    )


# --------------------------------------------------------------------------- consistency


@example("CH341")
def _ch341() -> Example:
    st = s("CH341")
    good = [*st.refusal(("I can't", " help with that.")), st.usage(20, 7), st.done()]
    bad = [*st.refusal(("I can't", " help with that.")), st.usage(20, 9), st.done()]
    bad.insert(2, st.chunk([st.choice({"content": "Sure: "})]))
    bad[4].mark("CH341")
    return Example("CH341", "a choice streams content and a refusal", "a refusal only", bad, good)


@example("CH343")
def _ch343() -> Example:
    st = s("CH343")
    good = [*st.refusal(("I can't", " help with that.")), st.usage(20, 7), st.done()]
    bad = [*st.refusal(()), st.usage(20, 7), st.done()]
    bad[1].mark("CH343")
    return Example(
        "CH343",
        'the choice opens a refusal (refusal: "") and finishes with no text',
        "the refusal text is streamed",
        bad,
        good,
    )


# --------------------------------------------------------------------------- format


def _render(
    frames: list[Frame], header: str, ext: str, terminated: bool, end_marks: Iterable[str]
) -> Rendered:
    text, marks = render(frames, header=[header], terminated=terminated)
    # The end of the input is the line after the last line break.
    marks.extend((r, text.count("\n") + 1) for r in end_marks)
    return Rendered(text.encode("utf-8", "surrogateescape"), marks)


def _options(ex: Example) -> dict[str, Any]:
    return {**BASE_OPTIONS, **(ex.options or {})}


FORMATS["chat"] = Format(_render, _options)
