"""The Anthropic Messages rules (``AN`` + three digits; hundreds digit = layer).

ANTHROPIC.md proposed ids AN001-AN025 in one range; here they are sorted into the project's
layers (0 framing, 1 schema, 2 lifecycle, 3 consistency), and each rule's source names the
proposal it implements. The framing rules the protocol-neutral reader raises (invalid UTF-8,
broken JSON, a payload that is not an object, unknown SSE fields, an unterminated last event, an
empty stream) keep the numbers they have in the Responses catalog (RSP001 -> AN001, ...).

Profiles: ``anthropic`` (default) judges a stream against api.anthropic.com as it is actually sent
(Bedrock and Vertex included); ``anthropic-compatible`` is for Anthropic-compatible servers and
bridges (LiteLLM, vLLM, SGLang, llama.cpp, gateways): it keeps every rule an SDK client breaks on,
and drops the ones about what only the first-party API provides (signed thinking, real input
token counts in ``message_start``, ``stop_sequence: null``, Anthropic id formats). Beta block and
delta types are accepted in both (AN104, info): the API sends them whenever a request carries an
``anthropic-beta`` header, and the SDK's beta stream accumulates them.

Open questions of ANTHROPIC.md §7, decided (each decision is repeated in the rule's doc):
1. interleaved blocks: warning (AN207);  2. a text block with no delta and no text: warning
(AN212);  3. beta types: accepted in every profile, info (AN104);  4. Bedrock: the decoded payload
stream is checked with these rules, ``amazon-bedrock-invocationMetrics`` on message_stop is an
accepted extension;  5. ``stop_sequence`` absent from message_delta: warning in ``anthropic``,
not reported in ``anthropic-compatible`` (AN221);  6. ``input_tokens: 0`` in message_start with a
real count later: warning in ``anthropic`` only (AN303).
"""

from __future__ import annotations

from ...findings import Severity
from ...rules import Rule

__all__ = ["PROFILES", "RULES"]

PROFILES = ("anthropic", "anthropic-compatible")

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741
DOC = "https://platform.claude.com/docs/en/build-with-claude/streaming"
SDK_S = "anthropic-python 2.17.0 _streaming.py (Stream.__stream__)"
SDK_A = "anthropic-python 2.17.0 lib/streaming/_messages.py (accumulate_event)"
SDK_T = "anthropic-python 2.17.0 types/"
WHATWG = "https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation"
#: Rules about what only api.anthropic.com provides: not reported for compatible servers.
FIRST_PARTY = {"anthropic-compatible": None}


def _r(
    id: str,
    name: str,
    severity: Severity,
    message: str,
    what: str,
    why: str,
    source: str,
    profiles: dict[str, Severity | None] | None = None,
) -> Rule:
    return Rule(id, name, severity, message, what, why, source, dict(profiles or {}))


_CATALOG: tuple[Rule, ...] = (
    # ---------------------------------------------------------------- 0xx framing
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
        f"ANTHROPIC.md AN001; DOC: 'Each event uses an SSE event name … and includes the matching event "
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
        f"ANTHROPIC.md AN002; {SDK_S}",
    ),
    _r(
        "AN006",
        "done-sentinel-sent",
        W,
        "stream sends a data: [DONE] sentinel",
        "The stream has no `data: [DONE]` line: Messages streams end with `message_stop`.",
        "`[DONE]` comes from OpenAI-minded bridges; the SDK tries to parse it as JSON (with an `event:` "
        "name) or skips it (without one).",
        f"ANTHROPIC.md AN006 (DOC has no such sentinel, {DOC})",
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
        "ANTHROPIC.md §3 flow; same check as RSP012",
    ),
    # ---------------------------------------------------------------- 1xx schema
    _r(
        "AN101",
        "missing-event-type",
        E,
        "event has no string type",
        "Every event object carries a string `type`.",
        "The SDK's union is discriminated on `type`: an event without one cannot be accumulated.",
        f"{SDK_T}raw_message_stream_event.py (UnionDiscriminator('type'))",
    ),
    _r(
        "AN102",
        "unknown-event-type",
        I,
        "unknown event type",
        "The `type` is one of message_start, content_block_start, content_block_delta, content_block_stop, "
        "message_delta, message_stop, ping, error.",
        "DOC: 'new event types may be added, and your code should handle unknown event types gracefully': "
        "reported as information, never as an error.",
        f"ANTHROPIC.md AN004; DOC 'Other events' ({DOC})",
    ),
    _r(
        "AN103",
        "schema-violation",
        E,
        "event does not match its schema",
        "The event validates against the JSON Schema of its `type`, and its content block and delta against "
        "the schema of theirs (schemas/anthropic, transcribed from the SDK's types).",
        "Typed clients (the SDKs' pydantic and TypeScript models, Claude Code) mis-read or reject a "
        "malformed event.",
        f"{SDK_T}raw_*.py and the block, delta, citation and usage types; ANTHROPIC.md §2, AN024",
    ),
    _r(
        "AN104",
        "beta-content-type",
        I,
        "content block or delta of a beta type",
        "Reports, once per type and stream, a block or delta type that only the beta unions know "
        "(compaction, "
        "compaction_delta, fallback, mcp_tool_use, mcp_tool_result, mcp_tool_listing, advisor_tool_result). "
        "Decision (ANTHROPIC.md §7.3): beta types are accepted in every profile and validated against their "
        "beta schema; this note only says that a client built on the GA types will not know them.",
        "The API sends them whenever the request has an `anthropic-beta` header; the GA accumulator keeps "
        "such blocks but ignores their deltas (compaction_delta).",
        f"{SDK_T}beta/beta_raw_content_block_start_event.py, beta_raw_content_block_delta.py; ANTHROPIC.md "
        f"§7.3",
    ),
    _r(
        "AN105",
        "unknown-content-type",
        W,
        "content block or delta of an unknown type",
        "Every content block type and delta type is one of the GA or beta types (reported once per type "
        "and stream).",
        "New types appear without notice; the SDK keeps an unknown block but silently drops an unknown "
        "delta, so its content is lost to clients.",
        f"{SDK_A} (no runtime exhaustiveness check); ANTHROPIC.md AN004",
    ),
    _r(
        "AN106",
        "openai-payload",
        E,
        "payload is an OpenAI chunk or event, not a Messages event",
        "The payload is not a Chat Completions chunk (`object: chat.completion.chunk`) or a Responses event "
        "(`type: response.*`).",
        "A bridge that answers /v1/messages in an OpenAI format gives Anthropic clients nothing they can "
        "read.",
        "ANTHROPIC.md §5 (bridges)",
    ),
    # ---------------------------------------------------------------- 2xx lifecycle
    _r(
        "AN201",
        "message-start-not-first",
        E,
        "event before message_start",
        "The first event other than `ping` and `error` is `message_start`.",
        "The SDK's accumulator raises RuntimeError('Unexpected event order, got X before "
        '"message_start"\').',
        f"ANTHROPIC.md AN010; DOC flow item 1 ({DOC}); {SDK_A}",
    ),
    _r(
        "AN202",
        "duplicate-message-start",
        E,
        "second message_start",
        "A stream has exactly one `message_start`.",
        "The SDK builds its snapshot from the first and ignores the rest; clients that reset on "
        "message_start "
        "lose the blocks before it (LiteLLM #32357).",
        f"ANTHROPIC.md AN010, §6 (BerriAI/litellm #32357); {SDK_A}",
    ),
    _r(
        "AN203",
        "message-start-content-not-empty",
        E,
        "message_start carries content",
        "`message_start.message.content` is the empty list.",
        "DOC: 'contains a Message object with empty content'; the accumulator appends every started block to "
        "that list, so pre-filled content shifts every block index.",
        f"ANTHROPIC.md AN011; DOC ({DOC})",
    ),
    _r(
        "AN204",
        "message-start-stop-reason-set",
        W,
        "message_start carries a stop_reason",
        "`message_start.message.stop_reason` is null.",
        "SDK-T: 'In streaming mode, it is null in the message_start event and non-null otherwise.'",
        f"ANTHROPIC.md AN011; {SDK_T}message.py",
    ),
    _r(
        "AN205",
        "block-index-not-next",
        E,
        "content_block_start index is not the next block index",
        "Blocks are numbered 0, 1, 2 … in start order: `content_block_start.index` equals the number of "
        "blocks "
        "started before it.",
        "The SDK ignores the index at start (it appends) and looks later events up by `content[index]`: a "
        "skipped or reused index misroutes deltas or raises IndexError.",
        f"ANTHROPIC.md AN012; DOC: 'Each content block has an index that corresponds to its index in the "
        f"final Message content array' ({DOC}); {SDK_A}",
    ),
    _r(
        "AN206",
        "block-not-open",
        E,
        "delta or stop for a block that is not open",
        "A `content_block_delta` or `content_block_stop` names a block that was started and not yet stopped.",
        "For an index never started the SDK raises IndexError; for a stopped block it appends to text the "
        "client already considers final.",
        f"ANTHROPIC.md AN013; DOC flow item 2 ({DOC}); {SDK_A}",
    ),
    _r(
        "AN207",
        "blocks-interleaved",
        W,
        "a block starts while another is still open",
        "Block i is stopped before block i+1 starts. Decision (ANTHROPIC.md §7.1): a warning, because the "
        "API "
        "never interleaves and clients that render one block at a time break, but DOC does not forbid it and "
        "the SDK accumulates interleaved blocks correctly by index.",
        "claude-code-router #1725 and similar bridges leave blocks open; renderers that assume one open "
        "block "
        "attach text to the wrong block.",
        f"ANTHROPIC.md AN013, §7.1; DOC flow item 2 ({DOC})",
    ),
    _r(
        "AN208",
        "block-never-stopped",
        E,
        "content block never stopped",
        "Every started block is stopped before `message_delta` (or, without one, before `message_stop` or "
        "the "
        "end of the stream). Not reported after an `error` event (AN219 is the root cause).",
        "Clients finalise a block (parse tool input, render the text) on content_block_stop; a block never "
        "stopped is never finalised (claude-code-router #1725).",
        f"ANTHROPIC.md AN013, AN018; DOC flow ({DOC})",
    ),
    _r(
        "AN209",
        "delta-type-mismatch",
        E,
        "delta type does not fit the block type",
        "text_delta and citations_delta go to `text` blocks; input_json_delta to tool_use, server_tool_use "
        "and "
        "mcp_tool_use; thinking_delta and signature_delta to `thinking`; compaction_delta to `compaction`. "
        "Blocks that arrive complete (redacted_thinking, *_tool_result, container_upload, fallback) take "
        "none.",
        "The SDK silently drops a mismatched delta; Claude Code fails with 'Content block is not a text "
        "block'.",
        f"ANTHROPIC.md AN015; {SDK_A} (TRACKS_TOOL_INPUT); sglang #24293, litellm #33224, #32357",
    ),
    _r(
        "AN210",
        "thinking-without-signature",
        W,
        "thinking block ends without a signature",
        "A `thinking` block gets a `signature_delta` (or starts with a non-empty signature) before its stop. "
        "Not reported in the anthropic-compatible profile: bridges cannot sign (ANTHROPIC.md AN017).",
        "The API rejects an unsigned thinking block passed back in the next turn (required with tools and "
        "extended thinking).",
        f"ANTHROPIC.md AN017; {SDK_T}thinking_block.py, signature_delta.py",
        FIRST_PARTY,
    ),
    _r(
        "AN211",
        "signature-not-last",
        W,
        "thinking continues after its signature",
        "`signature_delta` is the last delta of a thinking block, and comes at most once.",
        "SDK-T: the signature is 'Delivered in a signature_delta event just before the block's "
        "content_block_stop event'; thinking after it is not covered by the signature.",
        f"ANTHROPIC.md AN017; {SDK_T}signature_delta.py",
    ),
    _r(
        "AN212",
        "empty-text-block",
        W,
        "text block with no text",
        "A `text` block gets at least one delta or starts with text. Decision (ANTHROPIC.md §7.2): a "
        "warning, "
        "because zero deltas is valid for other block types and the API itself can answer an empty turn, but "
        "bridges lose content this way (a dropped refusal, corpus-anthropic 034).",
        "Clients show an empty reply; a bridge that drops the upstream's text produces exactly this.",
        "ANTHROPIC.md AN014, §7.2; BerriAI/litellm #34692 (spurious empty text block)",
    ),
    _r(
        "AN213",
        "missing-message-delta",
        E,
        "message_stop without a message_delta",
        "A `message_delta` (with the stop reason and the final usage) comes between the last block and "
        "`message_stop`.",
        "Without it the message has no stop_reason and no output token count: clients cannot tell a finished "
        "turn from a tool call or a truncation.",
        f"ANTHROPIC.md AN018; DOC flow item 3 ({DOC})",
    ),
    _r(
        "AN214",
        "duplicate-message-delta",
        W,
        "more than one message_delta",
        "A stream has one `message_delta`. A warning: DOC's flow says 'One or more', its full example "
        "shows one, "
        "and the SDK overwrites the stop reason and usage with each.",
        "Clients that act on the first message_delta (stop reason, billing) miss what later ones change.",
        f"ANTHROPIC.md AN018; DOC ({DOC})",
    ),
    _r(
        "AN215",
        "null-stop-reason",
        E,
        "message_delta without a stop_reason",
        "`message_delta.delta.stop_reason` is set (one of the StopReason values; the schema checks which).",
        "SDK-T: stop_reason is non-null everywhere but in message_start; clients branch on it (tool_use → "
        "run "
        "the tools, max_tokens → continue).",
        f"ANTHROPIC.md AN018; {SDK_T}message.py, stop_reason.py",
    ),
    _r(
        "AN216",
        "content-after-message-delta",
        E,
        "content block event after message_delta",
        "No `content_block_start`, `content_block_delta` or `content_block_stop` follows `message_delta`.",
        "message_delta closes the content: clients that finalise the message there lose later blocks.",
        f"ANTHROPIC.md AN018; DOC flow ({DOC})",
    ),
    _r(
        "AN217",
        "event-after-message-stop",
        W,
        "event after message_stop",
        "`message_stop` is the last event; nothing follows it, not even a ping (reported once).",
        "Clients stop reading at message_stop: whatever follows is lost.",
        f"ANTHROPIC.md AN020; DOC flow item 4 ({DOC})",
    ),
    _r(
        "AN218",
        "missing-message-stop",
        E,
        "stream ends without message_stop",
        "A stream ends with `message_stop`, or with an `error` event (AN219). Otherwise it was cut off.",
        "A truncated stream gives clients a message without its end: the SDK's final message is never built.",
        f"ANTHROPIC.md AN020; DOC flow item 4 ({DOC})",
    ),
    _r(
        "AN219",
        "stream-error",
        E,
        "stream ends with an error event",
        "Reports an `error` event: the stream failed (e.g. overloaded_error, api_error). What it leaves "
        "unfinished (open blocks, no message_delta or message_stop) is not reported again.",
        "The SDK raises APIStatusError from the event: the client gets an exception, not a message. The "
        "stream is well-formed, the answer failed; decision: an error, as ANTHROPIC.md proposes, so that a "
        "check fails whenever the SDK raises.",
        f"ANTHROPIC.md AN021; DOC 'Error events' ({DOC}); {SDK_S}",
    ),
    _r(
        "AN220",
        "event-after-error",
        E,
        "event after an error event",
        "An `error` event ends the stream: nothing follows it (reported once).",
        "The SDK raises at the error event; everything after it is lost.",
        f"ANTHROPIC.md AN021; {SDK_S}",
    ),
    _r(
        "AN221",
        "stop-sequence-absent",
        W,
        "message_delta has no stop_sequence",
        "`message_delta.delta` carries `stop_sequence` (null unless a custom stop sequence matched). "
        "Decision "
        "(ANTHROPIC.md §7.5): a warning in the anthropic profile, not reported in anthropic-compatible "
        "(bridges omit it; the SDK reads the absent key as null).",
        "The API always sends the key; clients written against the API's shape may index it.",
        f"ANTHROPIC.md §5, §7.5; {SDK_T}raw_message_delta_event.py",
        FIRST_PARTY,
    ),
    # ---------------------------------------------------------------- 3xx consistency
    _r(
        "AN301",
        "tool-input-not-json",
        E,
        "tool input deltas do not concatenate to a JSON object",
        "The `partial_json` strings of a tool_use, server_tool_use or mcp_tool_use block concatenate to a "
        "JSON "
        "object at its content_block_stop; the empty concatenation means `{}`. A warning instead when the "
        "message stops for max_tokens (the arguments were cut, ANTHROPIC.md AN023).",
        "The SDK raises ValueError('Unable to parse tool parameter JSON from model') on malformed JSON; a "
        "non-object cannot be a tool's input.",
        f"ANTHROPIC.md AN016, AN023; DOC 'Input JSON delta' ({DOC}); {SDK_A}",
    ),
    _r(
        "AN302",
        "usage-decreased",
        W,
        "cumulative usage count decreased",
        "Each token count in `message_delta.usage` is at least the same count in message_start and in "
        "earlier "
        "message_deltas: the counts are cumulative.",
        "DOC: 'The token counts shown in the usage field of the message_delta event are cumulative.' The SDK "
        "overwrites; clients that sum double-count (microsoft/agent-framework #7143).",
        f"ANTHROPIC.md AN019; DOC ({DOC}); {SDK_A}",
    ),
    _r(
        "AN303",
        "input-tokens-placeholder",
        W,
        "message_start reports 0 input tokens, message_delta a real count",
        "`message_start.message.usage.input_tokens` is the real count, not 0 with the count arriving only in "
        "message_delta. Decision (ANTHROPIC.md §7.6): a warning in the anthropic profile, not reported in "
        "anthropic-compatible.",
        "Clients that read the prompt size at message_start (rate limiting, cost display) see 0.",
        "ANTHROPIC.md §5, §6 (LiteLLM, mlx-node PR #45), §7.6",
        FIRST_PARTY,
    ),
    _r(
        "AN304",
        "tool-use-stop-without-tool-block",
        E,
        "stop_reason tool_use without a tool_use block",
        "`stop_reason: tool_use` comes only with at least one `tool_use` block (a client tool call).",
        "Clients answer tool_use by running the requested tools: with none in the message they loop or fail "
        "(Wei-Shaw/sub2api #3338).",
        f"ANTHROPIC.md AN022; {SDK_T}stop_reason.py ('the model invoked one or more tools')",
    ),
    _r(
        "AN305",
        "tool-block-without-tool-use-stop",
        W,
        "tool_use block but the message ends end_turn or stop_sequence",
        "A message with a `tool_use` block stops with `tool_use` (or max_tokens, pause_turn, refusal), not "
        "`end_turn` or `stop_sequence`.",
        "Agent loops run tools only on stop_reason tool_use: the call is silently dropped (BerriAI/litellm "
        "#34692).",
        f"ANTHROPIC.md AN022; {SDK_T}stop_reason.py",
    ),
    _r(
        "AN306",
        "tool-result-without-tool-use",
        W,
        "server tool result names no earlier tool call",
        "The `tool_use_id` of every *_tool_result and mcp_tool_result block names an earlier "
        "server_tool_use, "
        "mcp_tool_use or tool_use block of the message. A warning rather than ANTHROPIC.md's error: after a "
        "pause_turn the continuation may answer a call of the previous message.",
        "Clients pair results with calls by id; an unpaired result cannot be shown or passed back.",
        "ANTHROPIC.md AN025",
    ),
    _r(
        "AN307",
        "id-format",
        I,
        "id does not have the API's prefix",
        "message.id starts with `msg_`, tool_use ids with `toolu_`, server_tool_use ids with `srvtoolu_`, "
        "mcp_tool_use ids with `mcptoolu_` (Bedrock and Vertex add `bdrk_` / `vrtx_`). Reported once per "
        "kind "
        "of id; not reported in anthropic-compatible.",
        "The format marks a bridge (`call_…`, UUIDs, `chatcmpl-…`); some clients route on the prefix.",
        "ANTHROPIC.md AN025",
        FIRST_PARTY,
    ),
    _r(
        "AN308",
        "stop-sequence-mismatch",
        W,
        "stop_sequence and stop_reason disagree",
        "`stop_sequence` is a string exactly when `stop_reason` is `stop_sequence`.",
        "Clients that trim the matched stop sequence read it from stop_sequence when stop_reason says so.",
        f"{SDK_T}message.py (stop_sequence: 'a non-null string if one of your custom stop sequences was "
        f"generated')",
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in _CATALOG}
