"""CH1xx: each chunk against the JSON Schema of its kind (``schemas/chat/``)."""

from __future__ import annotations

from validator.catalog.chat._common import OAS, SDK_A, SDK_T, TOLERATED, E, W, chat_rule

RULES = (
    chat_rule(
        "CH100",
        "schema-violation",
        E,
        "chunk does not match its schema",
        "Each payload matches the JSON Schema of its kind (content chunk, usage chunk, moderation chunk, Azure "
        "annotation chunk, in-band error), generated from the OpenAPI extract into `schemas/chat/`. The "
        "violations with a rule of their own (CH111, CH121, CH123, CH126, CH131, CH150) are reported under it. "
        "The `proxy` holds a non-streaming answer (the `chat.completion` a request without `stream: true` "
        "gets) to its schema too (`schemas/chat/answers/completion.json`), every violation under this rule.",
        "The SDK's types and every typed client (openai-node, Vercel AI SDK, LangChain) build on this shape.",
        f"{OAS}; `../shared/spec/chat/chat-chunk-schemas.openapi.json`",
    ),
    chat_rule(
        "CH111",
        "wrong-object",
        E,
        "chunk object is not chat.completion.chunk",
        'Every chunk has `object: "chat.completion.chunk"` (Azure annotation chunks with `object: ""` are CH163).',
        "The SDK silently drops chunks with another `object` (`_is_valid_chat_completion_chunk_weak`), so their "
        "content and finish_reason never reach the caller (Perplexity's last chunk is `chat.completion.done`, "
        "corpus-chat 034).",
        f"{OAS} (`object` enum); {SDK_A}",
    ),
    chat_rule(
        "CH121",
        "missing-delta",
        E,
        "choice has no delta",
        "Every `choices[]` entry has a `delta` object (possibly `{}`). Decision: an error in every "
        "profile, Azure's included, because the SDK crashes on it.",
        "openai-python's accumulator raises `AttributeError: 'NoneType' object has no attribute 'to_dict'` "
        "(Azure 2023 filter choices, corpus-chat 016); autogen #6465 and langchain #18977 crashed the same way.",
        f"{OAS} (`required: [delta, finish_reason, index]`); {SDK_A}",
    ),
    chat_rule(
        "CH122",
        "finish-reason-key-absent",
        W,
        "choices omit the finish_reason key",
        "Every `choices[]` entry has the `finish_reason` key, `null` until the choice's last chunk. Reported once "
        "per stream. Decision: a warning in `chat`, information in `chat-compat`: the SDK's type "
        "is `Optional`.",
        "Strict clients (generated from the OpenAPI file) reject the chunk; LiteLLM, Alibaba, xAI, Z.ai, Azure "
        "Foundry and Snowflake omit it.",
        f"{OAS} (required, nullable); {SDK_T}",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH123",
        "invalid-finish-reason",
        E,
        "finish_reason is not one of the documented values",
        "`finish_reason` is null or one of `stop`, `length`, `tool_calls`, `content_filter`, `function_call`; "
        '`""` is not allowed.',
        "The SDK's final `parse_chat_completion` fails its pydantic validation on another value; Ollama #4357 and "
        'SGLang #3912 sent `""`.',
        f"{OAS} (enum); {SDK_T} (Literal)",
    ),
    chat_rule(
        "CH126",
        "invalid-logprobs",
        E,
        "choice logprobs do not have the documented shape",
        "`logprobs` is null or `{content, refusal}` (both keys, each null or a list of token logprobs with "
        "`token`, `logprob`, `bytes`, `top_logprobs`).",
        "The SDK appends `content`/`refusal` lists across chunks; another shape breaks the accumulation.",
        f"OAS `ChatCompletionTokenLogprob`; {SDK_A}",
    ),
    chat_rule(
        "CH131",
        "invalid-usage",
        E,
        "usage does not have the documented shape",
        "`usage` is null or an object with integer `prompt_tokens`, `completion_tokens`, `total_tokens` (and "
        "the optional detail objects with integer counts).",
        "Billing and budget code reads these numbers; the SDK types them.",
        "OpenAI OpenAPI spec `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi); OAS `CompletionUsage`",
    ),
    chat_rule(
        "CH150",
        "tool-call-without-index",
        E,
        "tool_calls entry has no integer index",
        "Every `delta.tool_calls[]` entry (and every entry of another list of objects in a delta that arrives in "
        "more than one chunk) has an integer `index`.",
        "`accumulate_delta` raises `RuntimeError('Expected list delta entry to have an `index` key')` or a "
        "`TypeError` (Mistral, corpus-chat 025; Gemini OpenAI-compat; Ollama before late 2024, #7881).",
        f"OAS `ChatCompletionMessageToolCallChunk` (required: index); {SDK_A}",
    ),
    chat_rule(
        "CH163",
        "azure-annotation-chunk",
        W,
        "Azure content-filter annotation chunk",
        'Reports, once per stream, the Azure OpenAI annotation chunks (`object: ""`, `prompt_filter_results` or '
        "`content_filter_results`, empty `id`/`model`). Decision: accepted in every profile (not an "
        "error: the SDK drops them on purpose), a warning in `chat`, information in `chat-compat`. They are not "
        "chunks of the completion, so the id/created/model constancy rules skip them.",
        "Clients that do not skip them see a chunk with no id and no choices (Azure/azure-sdk-for-go #21086).",
        f"{SDK_A} (`_is_valid_chat_completion_chunk_weak`: 'broken by the Azure OpenAI in case of "
        "Asynchronous Filter enabled')",
        profiles=TOLERATED,
    ),
    chat_rule(
        "CH164",
        "structured-content",
        W,
        "delta.content is a list of typed parts, not a string",
        "Reports, once per stream, a `delta.content` that is an array of typed parts (Mistral's `thinking` and "
        "`text` parts) instead of a string.",
        "The SDK concatenates strings only: after a string, the parts are dropped, so their text never reaches "
        "the final message (corpus-chat 023).",
        f"{OAS} (`content: string | null`); {SDK_A}",
        profiles=TOLERATED,
    ),
)
