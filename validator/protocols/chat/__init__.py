"""OpenAI Chat Completions streams (``POST /v1/chat/completions`` with ``stream: true`` and
compatible servers): schemas, the chunk kinds and the stream machine as tables, the builder that
accumulates choices as the SDKs do, and the protocol object."""
