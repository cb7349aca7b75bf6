"""Anthropic Messages rules, 2xx lifecycle: the message phases, block bracketing, deltas, the end."""

from __future__ import annotations

from validator.catalog.anthropic.sources import DOC, FIRST_PARTY, SDK_A, SDK_S, SDK_T, E, W
from validator.catalog.rule import Rule
from validator.catalog.rule import make as _r

RULES: tuple[Rule, ...] = (
    _r(
        "AN201",
        "message-start-not-first",
        E,
        "event before message_start",
        "The first event other than `ping` and `error` is `message_start`.",
        "The SDK's accumulator raises RuntimeError('Unexpected event order, got X before "
        '"message_start"\').',
        f"DOC flow item 1 ({DOC}); {SDK_A}",
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
        f"Anthropic, Streaming Messages, flow item 1 ({DOC}); https://github.com/BerriAI/litellm/issues/32357; {SDK_A}",
    ),
    _r(
        "AN203",
        "message-start-content-not-empty",
        E,
        "message_start carries content",
        "`message_start.message.content` is the empty list.",
        "DOC: 'contains a Message object with empty content'; the accumulator appends every started block to "
        "that list, so pre-filled content shifts every block index.",
        f"DOC ({DOC})",
    ),
    _r(
        "AN204",
        "message-start-stop-reason-set",
        W,
        "message_start carries a stop_reason",
        "`message_start.message.stop_reason` is null.",
        "SDK-T: 'In streaming mode, it is null in the message_start event and non-null otherwise.'",
        f"{SDK_T}message.py",
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
        f"DOC: 'Each content block has an index that corresponds to its index in the "
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
        f"DOC flow item 2 ({DOC}); {SDK_A}",
    ),
    _r(
        "AN207",
        "blocks-interleaved",
        W,
        "a block starts while another is still open",
        "Block i is stopped before block i+1 starts. Decision: a warning, because the "
        "API "
        "never interleaves and clients that render one block at a time break, but DOC does not forbid it and "
        "the SDK accumulates interleaved blocks correctly by index.",
        "claude-code-router #1725 and similar bridges leave blocks open; renderers that assume one open "
        "block "
        "attach text to the wrong block.",
        f"DOC flow item 2 ({DOC})",
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
        f"DOC flow ({DOC})",
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
        f"{SDK_A} (TRACKS_TOOL_INPUT); sglang #24293, litellm #33224, #32357",
    ),
    _r(
        "AN210",
        "thinking-without-signature",
        W,
        "thinking block ends without a signature",
        "A `thinking` block gets a `signature_delta` (or starts with a non-empty signature) before its stop. "
        "Not reported in the anthropic-compatible profile: bridges cannot sign.",
        "The API rejects an unsigned thinking block passed back in the next turn (required with tools and "
        "extended thinking).",
        f"{SDK_T}thinking_block.py, signature_delta.py",
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
        f"{SDK_T}signature_delta.py",
    ),
    _r(
        "AN212",
        "empty-text-block",
        W,
        "text block with no text",
        "A `text` block gets at least one delta or starts with text. Decision: a "
        "warning, "
        "because zero deltas is valid for other block types and the API itself can answer an empty turn, but "
        "bridges lose content this way (a dropped refusal, corpus-anthropic 034).",
        "Clients show an empty reply; a bridge that drops the upstream's text produces exactly this.",
        "Anthropic, Streaming Messages (https://platform.claude.com/docs/en/build-with-claude/streaming); BerriAI/litellm #34692 (spurious empty text block)",
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
        f"DOC flow item 3 ({DOC})",
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
        f"DOC ({DOC})",
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
        f"{SDK_T}message.py, stop_reason.py",
    ),
    _r(
        "AN216",
        "content-after-message-delta",
        E,
        "content block event after message_delta",
        "No `content_block_start`, `content_block_delta` or `content_block_stop` follows `message_delta`.",
        "message_delta closes the content: clients that finalise the message there lose later blocks.",
        f"DOC flow ({DOC})",
    ),
    _r(
        "AN217",
        "event-after-message-stop",
        W,
        "event after message_stop",
        "`message_stop` is the last event; nothing follows it, not even a ping (reported once).",
        "Clients stop reading at message_stop: whatever follows is lost.",
        f"DOC flow item 4 ({DOC})",
    ),
    _r(
        "AN218",
        "missing-message-stop",
        E,
        "stream ends without message_stop",
        "A stream ends with `message_stop`, or with an `error` event (AN219). Otherwise it was cut off.",
        "A truncated stream gives clients a message without its end: the SDK's final message is never built.",
        f"DOC flow item 4 ({DOC})",
    ),
    _r(
        "AN219",
        "stream-error",
        E,
        "stream ends with an error event",
        "Reports an `error` event: the stream failed (e.g. overloaded_error, api_error). What it leaves "
        "unfinished (open blocks, no message_delta or message_stop) is not reported again.",
        "The SDK raises APIStatusError from the event: the client gets an exception, not a message. The "
        "stream is well-formed, the answer failed; decision: an error, so that a "
        "check fails whenever the SDK raises.",
        f"DOC 'Error events' ({DOC}); {SDK_S}",
    ),
    _r(
        "AN220",
        "event-after-error",
        E,
        "event after an error event",
        "An `error` event ends the stream: nothing follows it (reported once).",
        "The SDK raises at the error event; everything after it is lost.",
        f"{SDK_S}",
    ),
    _r(
        "AN221",
        "stop-sequence-absent",
        W,
        "message_delta has no stop_sequence",
        "`message_delta.delta` carries `stop_sequence` (null unless a custom stop sequence matched). "
        "Decision "
        ": a warning in the anthropic profile, not reported in anthropic-compatible "
        "(bridges omit it; the SDK reads the absent key as null).",
        "The API always sends the key; clients written against the API's shape may index it.",
        f"{SDK_T}raw_message_delta_event.py",
        FIRST_PARTY,
    ),
    _r(
        "AN260",
        "probe-expectation-unmet",
        E,
        "the probe scenario's expectation is not met",
        "A live-probe scenario for /v1/messages reached its goal: a stop_reason and content for every "
        "scenario, text for the text scenario, a get_weather tool_use with its required input (and stop_reason "
        "tool_use) for the forced tool call, a signed thinking block when thinking is enabled.",
        "These are what a Messages client relies on from each request; a server that streams well-formed "
        "events but drops the tool call or the thinking fails its users all the same.",
        f"Anthropic, Streaming Messages ({DOC}); bridges that lose tool calls and reasoning: https://github.com/BerriAI/litellm/issues/32357, https://github.com/sgl-project/sglang/issues/24293",
    ),
)
