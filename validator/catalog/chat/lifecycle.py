"""CH2xx: the stream and per-choice state machines (``validator/protocols/chat/tables.py``)."""

from __future__ import annotations

from validator.catalog.chat._common import OAS, SDK_A, SDK_T, TOLERATED, E, W, chat_rule

RULES = (
    chat_rule(
        "CH210",
        "id-changed",
        E,
        "chunk id differs from the first chunk's",
        "Every chunk of the stream has the `id` of the first (Azure annotation chunks excepted).",
        "OAS: 'Each chunk has the same ID'. Clients key the message by it; Groq compound sends a new id per "
        "chunk (corpus-chat 020), LiteLLM OCI did too (PR #40040).",
        f"{OAS}; {SDK_T}",
    ),
    chat_rule(
        "CH212",
        "created-changed",
        W,
        "chunk created timestamp differs from the first chunk's",
        "Every chunk has the `created` of the first (reported once per stream).",
        "OAS: 'Each chunk has the same timestamp'. The SDK keeps the first value, so it copes; Ollama, xAI, "
        "Groq and Azure Foundry tick it every second (corpus-chat 017, 031, 032, 033).",
        f"{OAS}; {SDK_T}",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH213",
        "model-changed",
        W,
        "chunk model differs from the first chunk's",
        "Every chunk has the `model` of the first (reported once per stream; Azure annotation chunks excepted).",
        "Not stated by the OAS, but a stream is one completion by one model; a changing model marks a gateway "
        "that splices streams.",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi) (inferred: not stated there)",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH220",
        "choice-index-out-of-order",
        E,
        "choice index skips a number, or exceeds the requested n",
        "A choice index first seen is the next one (0, then 1, ...: the indexes are dense), and, with the request "
        "known, below its `n`.",
        "The SDK appends a choice it has not seen and then addresses choices by index: a gap files the next "
        "choice's deltas under the wrong choice (LiteLLM PR #12666 sent Anthropic block indexes as choice indexes).",
        f"{OAS}; {SDK_A} (`completion_snapshot.choices[choice.index]`)",
    ),
    chat_rule(
        "CH224",
        "content-after-finish",
        E,
        "choice gets content after its finish_reason",
        "After a choice's non-null `finish_reason`, no later chunk adds content, refusal, reasoning, tool calls "
        "or a different role to it (an empty choice is CH227, a repeated finish CH228).",
        "The SDK already emitted `content.done` with the shorter text; the final message and the events "
        "disagree, and openai-node finalizes before it (SGLang PR #8417, gcli2api #403).",
        f"{OAS} ('the last chunk')",
    ),
    chat_rule(
        "CH225",
        "choice-not-finished",
        E,
        "choice never gets a finish_reason",
        "Every choice that appears gets a non-null `finish_reason` before `[DONE]` (or the end of the input), "
        "unless the stream failed (CH004). With the request known, every one of its `n` choices appears.",
        "openai-node throws 'missing finish_reason for choice N' (openai-node #1292, #499, #1206); the SDK's "
        "final parse fails on the missing value (Snowflake, corpus-chat 038; LiteLLM n=2, 040).",
        "openai-python `src/openai/types/chat/chat_completion_chunk.py` (https://github.com/openai/openai-python); openai-node `ChatCompletionStream` (https://github.com/openai/openai-node); openai-node `ChatCompletionStream`",
    ),
    chat_rule(
        "CH226",
        "answer-choices-not-n",
        E,
        "chat.completion does not hold the n choices requested",
        "With the request known, a non-streaming answer (a `chat.completion`, the body of a request without "
        "`stream: true`) holds one choice for each of the request's `n` (default 1), indexed `0..n-1`, each "
        "once. The streaming counterparts are CH225 (a requested choice never appears) and CH220 (an index "
        "beyond `n`). Decision: one finding for the choices missing, one for those beyond `n` or repeated; "
        "nothing without the request (`--request FILE`, the proxy's saved record, or the live request).",
        "A client that asked for n=2 reads `completion.choices[1]` and gets an IndexError; a server that "
        "ignores `n` bills the caller for choices it never sends (LiteLLM's n=2 stream, corpus-chat 040, "
        "drops choice 1 the same way).",
        "OpenAI OpenAPI spec `CreateChatCompletionRequest.n`: 'How many chat completion choices to generate "
        "for each input message' (https://github.com/openai/openai-openapi); openai-python "
        "`types/chat/chat_completion.py` (`choices: List[Choice]`, https://github.com/openai/openai-python)",
    ),
    chat_rule(
        "CH227",
        "empty-choice-after-finish",
        W,
        "empty choice entry after the choice's finish_reason",
        "After a choice finished, a later chunk carries it again with an empty delta and no finish_reason "
        "(OpenRouter and LiteLLM put the usage on such a chunk). Reported once per choice.",
        "The SDK accumulates nothing from it, but strict clients treat any choice after the finish as a new "
        "message part (corpus-chat 029, 030, 040, 041).",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi); openai-node `ChatCompletionStream` (https://github.com/openai/openai-node)",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH228",
        "finish-reason-repeated",
        W,
        "finish_reason sent again with the same value",
        "A choice's non-null `finish_reason` comes once. Decision: the same value again on an otherwise empty "
        "choice is a warning (the SDK keeps the value and emits no second done event); a different value is "
        "CH229, content with it CH224. Reported once per choice.",
        "Clients that count finish chunks see two completions (SGLang PR #8417; OpenRouter, corpus-chat 028, 030).",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi); openai-node `ChatCompletionStream` (https://github.com/openai/openai-node)",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH229",
        "finish-reason-changed",
        E,
        "finish_reason sent again with a different value",
        "A choice that finished is not finished again with another reason.",
        "The SDK overwrites the reason: the caller sees the last one, the done events were fired for the first.",
        f"{SDK_A}",
    ),
    chat_rule(
        "CH230",
        "usage-chunk-missing",
        E,
        "no usage chunk before [DONE]",
        "With `stream_options.include_usage: true`, the stream has a usage chunk (`choices: []`, non-null "
        "`usage`) before `[DONE]`. Decision: an error when the request is known to ask for it "
        "(`--request FILE`, or the request recorded in a cassette or HAR file); without the request nothing is "
        "reported, since the option is off by default.",
        "Billing and budget code waits for it; the OAS promises it 'before the data: [DONE] message'.",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi); openai-python `src/openai/types/chat/chat_completion_chunk.py` (https://github.com/openai/openai-python); OAS `ChatCompletionStreamOptions.include_usage`",
    ),
    chat_rule(
        "CH232",
        "usage-on-choice-chunk",
        W,
        "usage carried on a chunk that has choices",
        "Usage comes on its own chunk with `choices: []` (reported once per stream).",
        "The SDK copies `chunk.usage` from every chunk, so usage on a choice chunk followed by any other chunk is "
        "overwritten with null; the commonest deviation (Mistral, DeepSeek, Groq, Together, Z.ai, TGI, LiteLLM).",
        f"{SDK_A} (`completion_snapshot.usage = chunk.usage`)",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH233",
        "running-usage",
        W,
        "usage sent on several chunks",
        "Only one chunk carries a non-null `usage` (reported once, at the second one).",
        "A running (cumulative) usage on every chunk is summed twice by clients that add the usage they see "
        "(api.deepseek.com, corpus-chat 027; vLLM `continuous_usage_stats`; Perplexity, 034).",
        "OpenAI OpenAPI spec `ChatCompletionStreamOptions.include_usage` (https://github.com/openai/openai-openapi)",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH234",
        "chunk-after-usage",
        W,
        "chunk after the usage chunk",
        "After the usage chunk only the moderation chunk and `[DONE]` follow.",
        "The SDK keeps the last chunk's usage: a later chunk without usage erases it (corpus-chat 040).",
        f"{SDK_A}",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH236",
        "empty-chunk",
        W,
        "chunk with no choices, usage or moderation",
        "A chunk with `choices: []` carries the usage or the moderation; otherwise it says nothing.",
        "OAS: choices 'can also be empty for the last chunk if you set stream_options: {include_usage: true}'; "
        "an empty chunk elsewhere marks a server that flushes keep-alives as chunks.",
        f"{OAS}",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH240",
        "missing-role",
        W,
        "first chunk of a choice has no role",
        'The first delta of each choice carries `role: "assistant"`. Decision: a warning, since '
        "the SDK does not need it; information in `chat-compat`.",
        "OpenAI always sends it and clients that build messages from the first delta lose the role (GPUStack, "
        "Groq compound, SGLang with reasoning: corpus-chat 020, 039, 040).",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi); openai-python `src/openai/lib/streaming/chat/_completions.py` (https://github.com/openai/openai-python); OAS example",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH242",
        "role-repeated",
        W,
        "role sent again after the first chunk",
        "`role` comes in the first delta of a choice only (reported once per choice).",
        "`accumulate_delta` concatenates strings, so a repeated `assistant` gives the snapshot role "
        "'assistantassistant…' (OpenRouter, HF router, Perplexity, Together, Z.ai, Writer, Ollama).",
        f"{SDK_A}",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH251",
        "tool-call-start-incomplete",
        E,
        "first fragment of a tool call lacks its id or function name",
        "The first fragment of a call (the first time its `index` is seen in a choice) carries a non-empty `id`, "
        '`type: "function"` and a non-empty `function.name`.',
        "The SDK keys argument parsing by the name, and the client needs the id to send the result back (vLLM "
        "#18412, LM Studio #649, CLIProxyAPI #3748).",
        f"OpenAI function-calling guide; {SDK_A}",
    ),
    chat_rule(
        "CH252",
        "tool-call-identity-repeated",
        W,
        "later tool-call fragment repeats the call's id or name",
        "Later fragments of a call omit `id` and `function.name` (empty strings are harmless). Decision "
        ": the same value repeated is a warning, a different one is CH258.",
        "`accumulate_delta` concatenates them: the snapshot name becomes 'get_weatherget_weather' and the id "
        "'call_abccall_abc' (vLLM #14951, LiteLLM #20480, lmdeploy #3412).",
        f"{SDK_A}",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH254",
        "tool-call-index-gap",
        E,
        "tool call index skips a number",
        "A tool call index first seen in a choice is the next one: 0, 1, 2 … in order of first appearance.",
        "The SDK inserts at the index: after a gap the list is shorter than the index and "
        "`tool_calls[tool_call_chunk.index]` raises IndexError.",
        f"{SDK_A} (`acc_value.insert(index, …)`)",
    ),
    chat_rule(
        "CH256",
        "tool-calls-finish-mismatch",
        W,
        "choice with tool calls finished with stop",
        "A choice that streamed tool calls finishes with `tool_calls`. A warning only, and not reported when "
        "the request forces a named function (`tool_choice: {type: function, ...}`), where OpenAI itself "
        "finishes with `stop` (corpus-chat 007).",
        "Agent loops look at finish_reason to decide whether to run tools (SGLang PR #7708, Gemini "
        "python-genai #2868, LiteLLM #35663).",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (`finish_reason`) (https://github.com/openai/openai-openapi); https://github.com/googleapis/python-genai/issues/2868",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH257",
        "tool-calls-finish-without-calls",
        E,
        "finish_reason tool_calls with no tool call",
        "A choice finished with `tool_calls` streamed at least one tool call.",
        "The agent loop looks for calls to run and finds none: it stalls or errors.",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (`finish_reason`) (https://github.com/openai/openai-openapi); https://github.com/googleapis/python-genai/issues/2868",
    ),
    chat_rule(
        "CH258",
        "tool-call-identity-changed",
        E,
        "later tool-call fragment changes the call's id or name",
        "A fragment for an index already seen carries no `id`/`name`, or the same ones.",
        "Two different calls sent under one index are merged into one broken call (lmdeploy #3412; fresh ids "
        "per fragment: LiteLLM OCI PR #40040; vLLM gpt-oss PR #23522).",
        f"{SDK_A}",
    ),
    chat_rule(
        "CH270",
        "probe-expectation-unmet",
        E,
        "the probe scenario's expectation is not met",
        "A Chat Completions probe scenario reached its goal: every choice finished, and the scenario's own "
        "outcome (text content and `stop`; named tool calls and `tool_calls`; two tool calls for the parallel "
        "scenario; the usage chunk when `include_usage` was sent; choices 0 and 1 for `n=2`).",
        "A server can send a well-formed stream that still does not do what was asked: no tool call when one "
        "was requested, one choice for n=2.",
        "the probe's scenarios (`validator/tools/probe/scenarios.py`); OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi); openai-python `src/openai/types/chat/chat_completion_chunk.py` (https://github.com/openai/openai-python); openai-python `src/openai/lib/streaming/chat/_completions.py` (https://github.com/openai/openai-python); openai-node `ChatCompletionStream` (https://github.com/openai/openai-node)",
    ),
)
