"""CH3xx: the reassembled message (concatenated deltas, tool-call arguments, usage sums)."""

from __future__ import annotations

from validator.catalog.chat._common import SDK_A, TOLERATED, E, W, chat_rule

RULES = (
    chat_rule(
        "CH331",
        "usage-total-mismatch",
        W,
        "usage.total_tokens is not prompt_tokens + completion_tokens",
        "In the usage object, `total_tokens` equals `prompt_tokens` plus `completion_tokens`.",
        "Billing and budget code trusts these numbers.",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi); OAS `CompletionUsage`",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH341",
        "content-and-refusal",
        W,
        "choice has both content and a refusal",
        "A choice's reassembled `content` and `refusal` are not both non-empty.",
        "A refusal replaces the answer; clients show one or the other (the SDK emits both done events).",
        "openai-python `src/openai/lib/streaming/chat/_completions.py` (https://github.com/openai/openai-python) (inferred: not stated there)",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH343",
        "refusal-lost",
        E,
        "choice opened a refusal but finished with nothing",
        'A choice whose first delta opens a refusal (`refusal: ""` with no content) ends with a non-empty refusal, '
        "content or a tool call.",
        'OpenAI opens a refusal with `content: null, refusal: ""` and then streams it (corpus-chat 001, 003); '
        "an empty answer after that means the refusal text was dropped on the way (LiteLLM 1.108.7, 043).",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi); openai-python `src/openai/types/chat/chat_completion_chunk.py` (https://github.com/openai/openai-python); openai-python `src/openai/lib/streaming/chat/_completions.py` (https://github.com/openai/openai-python); openai-node `ChatCompletionStream` (https://github.com/openai/openai-node) (`refusal`); corpus-chat 043",
    ),
    chat_rule(
        "CH353",
        "tool-arguments-not-json",
        E,
        "tool call arguments do not concatenate to JSON",
        "The `function.arguments` fragments of each call concatenate to a JSON text. Documented conditions with a "
        "warning instead: the text is empty, is JSON but not an object, or the choice finished `length` "
        "(truncated by max_tokens).",
        "Clients `json.loads` the arguments to call the tool; the SDK parses them at "
        "`tool_calls.function.arguments.done`.",
        f"{SDK_A} (`parse_function_tool_arguments`)",
    ),
)
