"""CH0xx: the wire framing of a Chat Completions stream (SSE ``data:`` lines, ``[DONE]``, in-band errors)."""

from __future__ import annotations

from validator.catalog.chat._common import OAS, SDK_S, TOLERATED, WHATWG, E, I, W, chat_rule

RULES = (
    chat_rule(
        "CH001",
        "invalid-utf8",
        E,
        "input is not valid UTF-8",
        "Every byte sequence of the stream decodes as UTF-8.",
        "An event stream is UTF-8 by definition; clients decode it before parsing and fail or substitute U+FFFD.",
        f"WHATWG event-stream ({WHATWG})",
    ),
    chat_rule(
        "CH002",
        "missing-done-sentinel",
        E,
        "stream does not end with data: [DONE]",
        "A Chat Completions SSE stream that did not fail ends with `data: [DONE]`. Not checked for payload-only "
        "inputs (JSON Lines, JSON arrays: they carry no SSE framing), nor after an in-band error (CH004), "
        "which ends the stream as failed.",
        "The SDK stops at `[DONE]`; without it a client cannot tell a complete answer from a dropped connection "
        "(Perplexity ends with `chat.completion.done` instead, corpus-chat 034; Writer, GPUStack: 045, 039).",
        f"OAS `ChatCompletionStreamOptions.include_usage` ('before the data: [DONE] message'); {SDK_S}",
    ),
    chat_rule(
        "CH003",
        "invalid-json",
        E,
        "chunk data is not valid JSON",
        "Every `data` payload other than `[DONE]` parses as one JSON text.",
        "The SDK calls `json.loads` on it and raises `JSONDecodeError`: the whole stream is lost.",
        f"{SDK_S} (`sse.json`)",
    ),
    chat_rule(
        "CH004",
        "stream-error",
        W,
        "stream ended with an in-band error payload",
        'A `data` payload `{"error": {...}}` (no `choices`) ends the stream as failed: reported once, and the '
        "end-of-stream rules (CH002, CH225) are not reported after it. Decision: a warning, not an error: it is the "
        "protocol's documented failure path (the server did report the failure), but the answer is incomplete. "
        "Groq sends it after an `event: error` line (corpus-chat 019), LiteLLM without one (044).",
        'The SDK raises `APIError` with `error.message` ("An error occurred during streaming" when missing); '
        "the content streamed before it is discarded.",
        f"{SDK_S} (`if is_mapping(data) and data.get('error')`)",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH005",
        "error-in-chunk",
        E,
        "a chat.completion.chunk carries a top-level error",
        "A chunk that has `choices` has no truthy top-level `error` member.",
        "The SDK raises `APIError` on any payload with a truthy `error`, so the chunk's choices are never seen "
        "and the stream dies mid-way, although the server goes on and sends `[DONE]` (OpenRouter, corpus-chat 028).",
        f"{SDK_S}",
    ),
    chat_rule(
        "CH006",
        "chunk-not-an-object",
        E,
        "chunk data is JSON but not an object",
        "Every `data` payload other than `[DONE]` is a JSON object.",
        "Chunks are objects; the SDK builds a `ChatCompletionChunk` from the payload and fails on anything else.",
        "openai-python `src/openai/_streaming.py` (https://github.com/openai/openai-python)",
    ),
    chat_rule(
        "CH007",
        "data-after-done",
        E,
        "data after the [DONE] sentinel",
        "Nothing but comments and blank lines follows `data: [DONE]`.",
        "The SDK stops reading at the first data that starts with `[DONE]`: whatever follows is silently lost.",
        f"{OAS}: the stream is 'terminated by a data: [DONE] message'; {SDK_S} (`if sse.data.startswith('[DONE]'): break`)",
    ),
    chat_rule(
        "CH008",
        "event-field-sent",
        I,
        "SSE event: line in a Chat Completions stream",
        "Reports the first `event:` line of the stream: the Chat Completions dialect has only `data:` lines.",
        "The SDK ignores `event` for everything but the Assistants `thread.*` events, so what the server meant "
        "by it is lost; harmless otherwise (Groq's `event: error`, corpus-chat 019).",
        f"{SDK_S}",
    ),
    chat_rule(
        "CH009",
        "empty-stream",
        E,
        "stream contains no chunks",
        "The input holds at least one chunk or in-band error.",
        "An empty body (or a lone `[DONE]`) for a streaming request is an empty reply to every client.",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi); openai-python `src/openai/_streaming.py` (https://github.com/openai/openai-python)",
    ),
    chat_rule(
        "CH060",
        "unknown-sse-field",
        W,
        "unknown SSE field",
        "Every non-comment SSE line is one of `event`, `data`, `id`, `retry`.",
        "Clients ignore unknown fields, so what the server meant to send there is lost; usually a framing bug "
        "(a missing `data:` prefix).",
        f"WHATWG event-stream interpretation ({WHATWG}); refines CH001",
    ),
    chat_rule(
        "CH061",
        "unterminated-last-event",
        W,
        "last event is not followed by a blank line",
        "The final SSE event is terminated by an empty line.",
        "The WHATWG algorithm discards an event that is not terminated at end of file; some clients do, others "
        "dispatch it.",
        f"WHATWG: 'If the file ends in the middle of an event ... the incomplete event is not dispatched' ({WHATWG})",
    ),
    chat_rule(
        "CH062",
        "sse-id-field",
        I,
        "SSE id: field sent",
        "Reports `id:` fields: Chat Completions streams cannot be resumed, so the field has no use.",
        "Harmless to the SDK; it marks a server that frames another protocol's stream.",
        f"WHATWG ({WHATWG})",
    ),
    chat_rule(
        "CH063",
        "chunk-after-error",
        E,
        "chunk after the stream failed",
        "Nothing but `[DONE]` follows an in-band error (CH004) or a chunk carrying one (CH005).",
        "The SDK raised at the error: whatever follows never reaches the caller.",
        f"{SDK_S}",
    ),
    chat_rule(
        "CH064",
        "line-too-long",
        E,
        "line longer than the line limit: not read",
        "No line of the stream is longer than the line limit (64 MiB by default; `--max-line-bytes`). A longer "
        "line is read past rather than held in memory, and reported once with its length; a chunk it carried "
        "counts as unreadable, like broken JSON.",
        "The SDK reads a whole line before it parses the chunk, so a line of that size costs every client as "
        "much memory; a line past the limit is an input that lost its line ends, not a chunk anyone can use.",
        f"WHATWG event-stream ({WHATWG}); same check as RSP017",
    ),
    chat_rule(
        "CH067",
        "error-body-not-stream",
        E,
        "the input is an HTTP error body, not an event stream",
        'The transcript is an event stream. A lone JSON object with an `error` (OpenAI: `{"error": '
        '{"message": …}}`) or a `detail` (FastAPI servers: vLLM, transformers serve) and neither `choices` nor '
        "a `type` is what a server answers a bad key, model or request with: the request failed before any "
        "stream began, so it is reported once, with the server's message, and nothing else of the input is "
        "checked.",
        "Checked as chunks it would give a broken JSON line per line of the body and a missing `[DONE]`, none "
        "of which is the problem: the request was refused (the SDK raises `APIStatusError` from this body).",
        "openai-python 3.63.0 `_base_client.py` (`_make_status_error_from_response`, "
        "https://github.com/openai/openai-python/blob/v3.63.0/src/openai/_base_client.py); same check as RSP016",
    ),
    chat_rule(
        "CH068",
        "not-an-event-stream",
        E,
        "streaming request not answered with text/event-stream",
        "A `POST /v1/chat/completions` request with `stream: true` is answered with status 200 and "
        "`Content-Type: text/event-stream` (checked by `probe` and in recorded cassettes and HAR files). "
        "The same check as RSP014 for Responses calls and AN013 for Messages.",
        "The SDK decodes the body as SSE whatever its content type: a JSON completion has no `data:` line, so "
        "the caller's stream yields nothing (an empty reply, no error); an error status raises instead of "
        "streaming.",
        "OpenAI OpenAPI 2.3.0 `CreateChatCompletionRequest.stream` ('streamed to the client as it is "
        "generated using server-sent events', https://github.com/openai/openai-openapi); "
        f"{SDK_S} (`SSEDecoder`)",
    ),
    chat_rule(
        "CH069",
        "pre-stream-error-not-json",
        E,
        "rejected request not answered with a 4xx JSON error",
        'A request the server rejects gets a 4xx status and an `application/json` body `{"error": {"message": '
        "…}}`, even with `stream: true` (checked by `probe` and in recorded cassettes and HAR files). The same "
        "check as RSP015 for Responses calls and AN014 for Messages.",
        "The SDK raises a typed `APIStatusError` (BadRequestError, RateLimitError, ...) whose body is the "
        "answer's `error` member; an event stream or an HTML page gives it nothing to raise with.",
        'OpenAI OpenAPI 2.3.0 `ErrorResponse` (`{"error": Error}`, https://github.com/openai/openai-openapi); '
        'openai-python 3.63.0 `_client.py` (`_make_status_error`: `body.get("error", body)`, '
        "https://github.com/openai/openai-python/blob/v3.63.0/src/openai/_client.py)",
    ),
)
