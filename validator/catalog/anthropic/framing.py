"""Anthropic Messages rules, 0xx framing: SSE framing, JSON, event names, the stream's end markers."""

from __future__ import annotations

from validator.catalog.anthropic.sources import DOC, SDK_S, SDK_T, WHATWG, E, W
from validator.catalog.rule import Rule
from validator.catalog.rule import make as _r

RULES: tuple[Rule, ...] = (
    _r(
        "AN001",
        "invalid-utf8",
        E,
        "input is not valid UTF-8",
        "Every byte sequence of the stream decodes as UTF-8.",
        "An event stream is UTF-8 by definition; clients decode it before parsing and fail or substitute "
        "U+FFFD.",
        f"WHATWG event-stream ({WHATWG}); same check as RSP001",
    ),
    _r(
        "AN002",
        "invalid-json",
        E,
        "event data is not valid JSON",
        "Each SSE data payload (or JSONL line) parses as one JSON text.",
        "The SDK parses every data payload with json.loads; a broken one raises and ends the stream.",
        f"{SDK_S} (sse.json()); same check as RSP002",
    ),
    _r(
        "AN003",
        "event-not-an-object",
        E,
        "event data is JSON but not an object",
        "The parsed payload is a JSON object.",
        "Events are objects discriminated on `type`; anything else cannot be dispatched.",
        f"{SDK_T}raw_message_stream_event.py; same check as RSP003",
    ),
    _r(
        "AN004",
        "event-name-mismatch",
        E,
        "SSE event name differs from the payload's type",
        "The SSE `event:` name equals the `type` inside the data.",
        "The SDK treats `event: error` and `event: ping` by their name but types everything else by the "
        "payload's `type`; a mismatch makes clients that route by name and clients that route by type "
        "disagree.",
        f"DOC: 'Each event uses an SSE event name … and includes the matching event "
        f"`type` in its data' ({DOC})",
    ),
    _r(
        "AN005",
        "missing-event-name",
        E,
        "SSE events carry no event: line",
        "Each SSE event has an `event:` line (reported once, at the first event without one). Payload-only "
        "inputs (JSON Lines, arrays) are not checked.",
        "anthropic-python skips every event without an `event:` name (`if sse.event is None: continue`): a "
        "server that sends only `data:` lines gives Python clients an empty message.",
        f"{SDK_S}",
    ),
    _r(
        "AN006",
        "done-sentinel-sent",
        W,
        "stream sends a data: [DONE] sentinel",
        "The stream has no `data: [DONE]` line: Messages streams end with `message_stop`.",
        "`[DONE]` comes from OpenAI-minded bridges; the SDK tries to parse it as JSON (with an `event:` "
        "name) or skips it (without one).",
        f"Anthropic, Streaming Messages: the stream ends with message_stop, no [DONE] sentinel ({DOC})",
    ),
    _r(
        "AN007",
        "eventstream-frame-invalid",
        E,
        "AWS event-stream message cannot be framed or decoded",
        "In a Bedrock event-stream body (application/vnd.amazon.eventstream), every message has a valid "
        "prelude and message CRC32 and a length that fits, and every chunk's payload is "
        '`{"bytes": base64(<event JSON>)}`. Positions in such a body are message numbers.',
        "The AWS SDKs raise on a checksum mismatch or a short message (botocore ChecksumMismatch), so the "
        "client loses the rest of the stream; a chunk it cannot decode is an event lost.",
        "Amazon Bedrock InvokeModelWithResponseStream "
        "(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html); "
        "AWS event stream encoding (botocore eventstream.py, https://github.com/boto/botocore/blob/develop/botocore/eventstream.py)",
    ),
    _r(
        "AN008",
        "line-too-long",
        E,
        "line longer than the line limit: not read",
        "No line of the stream is longer than the line limit (64 MiB by default; `--max-line-bytes`). A "
        "longer line is read past rather than held in memory, and reported once with its length; an event it "
        "carried counts as unreadable, like broken JSON.",
        "The SDK's decoder reads a whole line before it parses the event, so a line of that size costs every "
        "client as much memory; a line past the limit is an input that lost its line ends, not an event "
        "anyone can use.",
        f"WHATWG event-stream ({WHATWG}); same check as RSP017",
    ),
    _r(
        "AN010",
        "unknown-sse-field",
        W,
        "unknown SSE field",
        "Every non-comment SSE line is one of `event`, `data`, `id`, `retry`.",
        "Clients ignore unknown fields, so whatever the server meant to send there is lost; usually a "
        "framing "
        "bug (a missing `data:` prefix).",
        f"WHATWG event-stream interpretation ({WHATWG}); same check as RSP010",
    ),
    _r(
        "AN011",
        "unterminated-last-event",
        W,
        "last event is not followed by a blank line",
        "The final SSE event is terminated by an empty line.",
        "The WHATWG algorithm discards an event that is not terminated at end of file; the SDK's decoder "
        "dispatches it only if the connection closes cleanly.",
        f"WHATWG ({WHATWG}); same check as RSP011",
    ),
    _r(
        "AN012",
        "empty-stream",
        E,
        "stream contains no events",
        "The input holds at least one event.",
        "An empty body for a streaming request is a server failure that clients report as an empty reply.",
        "Anthropic, Streaming Messages (https://platform.claude.com/docs/en/build-with-claude/streaming); anthropic-python `src/anthropic/types/` (https://github.com/anthropics/anthropic-sdk-python); anthropic-python `src/anthropic/_streaming.py` (https://github.com/anthropics/anthropic-sdk-python); anthropic-python `src/anthropic/lib/streaming/_messages.py` (https://github.com/anthropics/anthropic-sdk-python); https://github.com/microsoft/agent-framework/issues/7143; https://github.com/Wei-Shaw/sub2api/issues/3338 flow; same check as RSP012",
    ),
    _r(
        "AN013",
        "not-an-event-stream",
        E,
        "streaming request not answered with text/event-stream",
        "A /v1/messages request with `stream: true` is answered with status 200 and `Content-Type: "
        "text/event-stream` (checked by `probe` and in recorded cassettes and HAR files).",
        "The SDK parses the body as SSE only when the server says it is one; anything else is an error to it.",
        f"DOC: 'set \"stream\": true to incrementally stream the response using server-sent events' ({DOC})",
    ),
    _r(
        "AN014",
        "pre-stream-error-not-json",
        E,
        "rejected request not answered with a 4xx JSON error",
        'A malformed request gets a 4xx status and an `application/json` body `{"type": "error", "error": '
        '{"type": …, "message": …}}`, even with `stream: true` (checked by `probe` and in recorded '
        "cassettes and HAR files).",
        "The SDK raises a typed APIStatusError from that body; an event stream or an HTML page gives it "
        "nothing to raise.",
        "Anthropic API errors page (platform.claude.com/docs/en/api/errors); Anthropic, Streaming Messages (https://platform.claude.com/docs/en/build-with-claude/streaming); anthropic-python `src/anthropic/types/` (https://github.com/anthropics/anthropic-sdk-python)",
    ),
    _r(
        "AN015",
        "error-body-not-stream",
        E,
        "the input is an HTTP error body, not an event stream",
        'The transcript is an event stream. A lone JSON object that is the API\'s error body (`{"type": '
        '"error", "error": {"type": …, "message": …}}`, not framed as an SSE event), or another server\'s '
        '(`{"error": …}`, FastAPI\'s `{"detail": …}`), is what a server answers a bad key, model or request '
        "with: the request failed before any stream began, so it is reported once, with the server's "
        "message, and nothing else of the input is checked.",
        "Checked as events it would give a broken JSON line per line of the body and a missing "
        "`message_start`, none of which is the problem: the request was refused (the SDK raises "
        "`APIStatusError` from this body).",
        "Anthropic API errors page (https://platform.claude.com/docs/en/api/errors); same check as RSP016",
    ),
)
