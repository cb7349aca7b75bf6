"""Responses rules, 1xx schema: each event against its JSON Schema."""

from __future__ import annotations

from validator.catalog.responses.sources import SPEC_OAI, SPEC_OR, WHATWG, E, I, W
from validator.catalog.rule import Rule
from validator.catalog.rule import make as _r

RULES: tuple[Rule, ...] = (
    _r(
        "RSP013",
        "websocket-done-before-terminal",
        E,
        "[DONE] frame before the turn's terminal event",
        "Over WebSocket, a `[DONE]` text frame comes only after the in-flight response's terminal event.",
        "The Open Responses compliance suite fails a turn with 'Received [DONE] before a terminal WebSocket event'.",
        "Open Responses specification L84 (https://www.openresponses.org/specification/2026-04-24); Open Responses compliance suite `src/lib/compliance-tests.ts` (https://github.com/openresponses/openresponses); openai-python `src/openai/lib/streaming/responses/_responses.py` (https://github.com/openai/openai-python); https://github.com/ai-dynamo/frontend-crates/issues/206; Open Responses compliance suite `bin/compliance-test.ts`, `src/lib/compliance-tests.ts` (https://github.com/openresponses/openresponses) (OR-CT WebSocket sessions)",
    ),
    _r(
        "RSP014",
        "not-an-event-stream",
        E,
        "streaming response is not text/event-stream",
        "A request with `stream: true` is answered with status 200 and `Content-Type: text/event-stream` (checked by `probe` and in recorded cassettes and HAR files).",
        "Clients parse the body as SSE only when the server says it is one; anything else is an error to them.",
        f"Open Responses L84 ({SPEC_OR})",
    ),
    _r(
        "RSP015",
        "pre-stream-error-not-json",
        E,
        "rejected request not answered with a 4xx JSON error",
        'A malformed request gets a 4xx status and an `application/json` body `{"error": {"message": …}}`, even with `stream: true` (checked by `probe` and in recorded cassettes and HAR files).',
        "SDKs raise a typed error from that body; an event stream or an HTML page gives them nothing to raise.",
        "Open Responses specification (https://www.openresponses.org/specification/2026-04-24); https://github.com/praxis-proxy/ai/issues/1005; Open Responses 'Errors' section",
    ),
    _r(
        "RSP016",
        "error-body-not-stream",
        E,
        "the input is an HTTP error body, not an event stream",
        'The transcript is an event stream. A lone JSON object with an `error` (OpenAI, Open Responses: `{"error": {"message": …}}`) or a `detail` (FastAPI servers: vLLM, transformers serve) and no `type` is what a server answers a bad key, model or request with: the request failed before any stream began, so it is reported once, with the server\'s message, and nothing else of the input is checked.',
        "Reported as events it would give a missing type, a missing response.created and a missing terminal event, none of which is the problem: the request was refused.",
        f"Open Responses 'Errors' section ({SPEC_OR})",
    ),
    _r(
        "RSP017",
        "line-too-long",
        E,
        "line longer than the line limit: not read",
        "No line of an `sse` or `jsonl` transcript is longer than the line limit: 64 MiB by default, set "
        "with `--max-line-bytes`, `max-line-bytes` in the configuration or `CheckOptions.max_line_bytes`. A "
        "longer line is read past rather than held in memory, and reported once with its length; an event "
        "it carried counts as unreadable, like broken JSON (no rule about its content is reported).",
        "A client reads a whole line before it parses the event, so a line of that size costs every client "
        "as much memory, and many refuse it long before (Go's `bufio.Scanner` stops at 64 KiB unless given "
        "a larger buffer). The largest real events, terminal responses that repeat every output item, are "
        "tens of MB: a line past the limit is an input that lost its line ends or is not a transcript at "
        "all, and holding it whole would let one such file exhaust the checker's memory.",
        f"WHATWG event-stream (lines end at CR, LF or CRLF; {WHATWG}); Go `bufio.MaxScanTokenSize`",
    ),
    _r(
        "RSP101",
        "missing-event-type",
        E,
        "event has no string type",
        "Every event object carries a string `type`.",
        "The schema, and every client's dispatch, is chosen by `type`.",
        "OpenAI OpenAPI spec `ResponseStreamEvent` (https://github.com/openai/openai-openapi); Open Responses specification (https://www.openresponses.org/specification/2026-04-24)",
    ),
    _r(
        "RSP102",
        "unknown-event-type",
        W,
        "unknown event type",
        "The `type` names an event of the profile (extension types `slug:name` are allowed).",
        "Clients ignore or reject unknown types; the openai-node accumulator throws on them.",
        f"Open Responses specification L754-L765, extensions: 'all extended streaming events MUST be prefixed with the implementor slug' ({SPEC_OR}); openai-node `src/internal/responses/response-accumulator.ts` (https://github.com/openai/openai-node)",
        profiles={"open-responses": E},
    ),
    _r(
        "RSP103",
        "schema-violation",
        E,
        "event does not match its schema",
        "The event validates against the JSON Schema for its `type` in the active profile.",
        "Typed clients (the SDKs' pydantic and zod models) reject or mis-read a malformed event.",
        f"Open Responses specification L84 ({SPEC_OR}); OpenAI API reference, streaming events ({SPEC_OAI}). The openai-python accumulator fails on such events with TypeError/AttributeError where it reads a missing or mistyped field. Where it tolerates one we still report: `output_item.added` with `item: null` (skipped since 3.14.0, #3126) stays an error, as the event then carries nothing, the spec requires the item and every other typed client (older openai-python, strict models) rejects it; a missing `summary_index`/`sequence_number` stays an error for the strict clients named in the message",
    ),
    _r(
        "RSP104",
        "chat-completions-payload",
        E,
        "payload is a Chat Completions chunk, not a Responses event",
        "The payload is not a `chat.completion.chunk` object.",
        "A bridge that answers /v1/responses with Chat Completions chunks gives Responses clients nothing they can read.",
        "OpenAI OpenAPI spec `ResponseErrorEvent` (https://github.com/openai/openai-openapi); wire shapes seen in https://github.com/vllm-project/semantic-router/pull/542 and LiteLLM error frames",
    ),
    _r(
        "RSP105",
        "field-drift",
        W,
        "field required by the newest spec is missing",
        "With --strict, also checks fields the newest spec requires but streams from earlier API versions omit.",
        "The stream is valid for its API version, but a client generated from the newest spec may expect the field.",
        "OpenAI OpenAPI spec `ResponseStreamEvent` (https://github.com/openai/openai-openapi); schemas/README.md (drift table)",
        strict_only=True,
    ),
    _r(
        "RSP106",
        "flat-error-shape",
        I,
        "error event uses the flat documented shape",
        "Reports an `error` event in the flat OAS shape (`code`/`message` at the top level) in the openai profile.",
        "The real wire nests the payload in `error`; openai-python only raises on the nested shape and swallows the flat one.",
        "openai-node `src/internal/responses/response-accumulator.ts` (https://github.com/openai/openai-node); https://github.com/openai/openai-dotnet/issues/881; https://github.com/openai/openai-python/issues/3934; https://github.com/openai/openai-python/issues/3934",
        profiles={"open-responses": None},
    ),
)
