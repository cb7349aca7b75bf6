"""Anthropic Messages rules, 3xx consistency: tool input, usage, stop reason against the blocks, ids."""

from __future__ import annotations

from validator.catalog.anthropic.sources import DOC, FIRST_PARTY, SDK_A, SDK_T, E, I, W
from validator.catalog.rule import Rule
from validator.catalog.rule import make as _r

RULES: tuple[Rule, ...] = (
    _r(
        "AN301",
        "tool-input-not-json",
        E,
        "tool input deltas do not concatenate to a JSON object",
        "The `partial_json` strings of a tool_use, server_tool_use or mcp_tool_use block concatenate to a "
        "JSON "
        "object at its content_block_stop; the empty concatenation means `{}`. A warning instead when the "
        "message stops for max_tokens (the arguments were cut).",
        "The SDK raises ValueError('Unable to parse tool parameter JSON from model') on malformed JSON; a "
        "non-object cannot be a tool's input.",
        f"DOC 'Input JSON delta' ({DOC}); {SDK_A}",
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
        f"DOC ({DOC}); {SDK_A}",
    ),
    _r(
        "AN303",
        "input-tokens-placeholder",
        W,
        "message_start reports 0 input tokens, message_delta a real count",
        "`message_start.message.usage.input_tokens` is the real count, not 0 with the count arriving only in "
        "message_delta. Decision: a warning in the anthropic profile, not reported in "
        "anthropic-compatible.",
        "Clients that read the prompt size at message_start (rate limiting, cost display) see 0.",
        f"Anthropic, Streaming Messages: the usage in message_start, the cumulative counts in message_delta ({DOC}); {SDK_T}usage.py; sent as 0 by LiteLLM and mlx-node (PR #45)",
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
        f"{SDK_T}stop_reason.py ('the model invoked one or more tools')",
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
        f"{SDK_T}stop_reason.py",
    ),
    _r(
        "AN306",
        "tool-result-without-tool-use",
        W,
        "server tool result names no earlier tool call",
        "The `tool_use_id` of every *_tool_result and mcp_tool_result block names an earlier "
        "server_tool_use, "
        "mcp_tool_use or tool_use block of the message. A warning rather than an error: after a "
        "pause_turn the continuation may answer a call of the previous message.",
        "Clients pair results with calls by id; an unpaired result cannot be shown or passed back.",
        f"{SDK_T}web_search_tool_result_block.py and the other *_tool_result blocks (`tool_use_id`)",
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
        f"{SDK_T}message.py, tool_use_block.py, server_tool_use_block.py (ids); Anthropic, Streaming Messages, example stream ({DOC})",
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
