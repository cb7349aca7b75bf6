"""Anthropic Messages rules, 1xx schema: event, block and delta shapes, beta and unknown types."""

from __future__ import annotations

from validator.catalog.anthropic.sources import DOC, SDK_A, SDK_T, E, I, W
from validator.catalog.rule import Rule
from validator.catalog.rule import make as _r

RULES: tuple[Rule, ...] = (
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
        f"DOC 'Other events' ({DOC})",
    ),
    _r(
        "AN103",
        "schema-violation",
        E,
        "event does not match its schema",
        "The event validates against the JSON Schema of its `type`, and its content block and delta against "
        "the schema of theirs (schemas/anthropic, transcribed from the SDK's types). The `proxy` holds a "
        "non-streaming answer (the Message a request without `stream: true` gets) to the same schemas: the "
        "Message's, and each content block's.",
        "Typed clients (the SDKs' pydantic and TypeScript models, Claude Code) mis-read or reject a "
        "malformed event.",
        f"{SDK_T}raw_*.py and the block, delta, citation and usage types",
    ),
    _r(
        "AN104",
        "beta-content-type",
        I,
        "content block or delta of a beta type",
        "Reports, once per type and stream, a block or delta type that only the beta unions know "
        "(compaction, "
        "compaction_delta, fallback, mcp_tool_use, mcp_tool_result, mcp_tool_listing, advisor_tool_result). "
        "Decision: beta types are accepted in every profile and validated against their "
        "beta schema; this note only says that a client built on the GA types will not know them.",
        "The API sends them whenever the request has an `anthropic-beta` header; the GA accumulator keeps "
        "such blocks but ignores their deltas (compaction_delta).",
        f"{SDK_T}beta/beta_raw_content_block_start_event.py, beta_raw_content_block_delta.py",
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
        f"{SDK_A} (no runtime exhaustiveness check)",
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
        f"Anthropic, Streaming Messages: the Messages event types, none of which is an OpenAI chunk or event ({DOC})",
    ),
)
