"""What the Chat Completions catalog entries share: severities, source names, the builder."""

from __future__ import annotations

from collections.abc import Mapping

from validator.catalog.rule import make
from validator.model.findings import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741

#: A deviation openai-python tolerates: a warning in ``chat``, information in ``chat-compat``.
TOLERATED: Mapping[str, Severity | None] = {"chat-compat": I}

OAS = "OpenAI OpenAPI 2.3.0 `CreateChatCompletionStreamResponse` (https://github.com/openai/openai-openapi)"
SDK_S = "openai-python 3.63.0 `_streaming.py` (`Stream.__stream__`, https://github.com/openai/openai-python/blob/v3.63.0/src/openai/_streaming.py)"
SDK_A = "openai-python 3.63.0 `lib/streaming/chat/_completions.py` + `lib/streaming/_deltas.py` (`accumulate_delta`, https://github.com/openai/openai-python/tree/v3.63.0/src/openai/lib/streaming)"
SDK_T = "openai-python 3.63.0 `types/chat/chat_completion_chunk.py` (https://github.com/openai/openai-python/blob/v3.63.0/src/openai/types/chat/chat_completion_chunk.py)"
WHATWG = "https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation"


#: Every entry is built like the other protocols' (:func:`validator.catalog.rule.make`).
chat_rule = make
