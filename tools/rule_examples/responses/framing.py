"""Rule examples, 0xx framing: bytes, SSE fields, JSON."""

from __future__ import annotations

from tools.rule_examples.kit import Example, example
from tools.rule_examples.responses.streams import (
    Ev,
    comment_block,
    done_sentinel,
    index_of,
    pick,
    text_response,
    with_keepalive,
)


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


@example("RSP017")
def _rsp017() -> Example:
    # Checked with a 4 KiB line limit (max_line_bytes): the default, 64 MiB, would make a 64 MiB example.
    _, bad = text_response("rsp017")
    _, good = text_response("rsp017")
    at = index_of(bad, "response.output_text.delta", 1)
    bad.insert(at, Ev(bare=True, name=None, seq=None, pre=[(b": " + b"." * 6142, "RSP017")]))
    good.insert(at, comment_block("." * 2046))
    return Example(
        "RSP017",
        "a 6 KiB padding comment (to get through a buffering proxy), past a 4 KiB line limit",
        "the padding comment is 2 KiB, within the limit",
        bad,
        good,
        options={"max_line_bytes": 4096},
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
