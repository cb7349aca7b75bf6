"""The Responses protocol's rules (``RSP``), one module per layer."""

from __future__ import annotations

from validator.catalog.responses import connection, consistency, framing, lifecycle, schema
from validator.catalog.rule import Rule

__all__ = ["PROFILES", "PROFILE_DOCS", "RULES"]

#: The first is the default.
PROFILES = ("openai", "open-responses", "codex")
#: What each profile accepts, and why (``llm-stream-validator rules --profiles``).
PROFILE_DOCS: dict[str, str] = {
    "openai": "The OpenAI Responses API as api.openai.com sends it today (the default). Schemas from the "
    "OpenAI OpenAPI file plus the newest openai-python SDK (schemas/README.md: wire patches such as the "
    "nested error event, `keepalive`, `obfuscation`; the WebSocket steering events). Departures of the "
    "Codex backend are reported as RSP110 naming the codex profile.",
    "open-responses": "The Open Responses specification (2026-04-24) as written: its 24 event types, "
    "`event:` lines and the `[DONE]` terminal frame required, one response at a time per WebSocket "
    "connection; OpenAI-only events are unknown (RSP102, error).",
    "codex": "What the Codex backend (chatgpt.com) and the gateways that imitate it send Codex clients: "
    "everything the openai profile accepts, plus `codex.*` metadata and timing events anywhere (before "
    "response.created too; they are not part of the response and are skipped), `response.done` as a "
    "terminal event with a partial payload (its output is not compared with the streamed items), and "
    "item frames without `output_index` (the index is read from the item named by `item_id`). Why: the "
    "Codex clients read these (haskell-agent PR #316/#335, codex-lb#473); the openai SDK does not. "
    "Stricter where Codex clients break: a message item added while a reasoning item is open is an "
    "error (RSP235; Codex tracks one active item and drops the text, LiteLLM PR #38654).",
}

RULES: tuple[Rule, ...] = (
    *framing.RULES,
    *schema.RULES,
    *lifecycle.RULES,
    *consistency.RULES,
    *connection.RULES,
)
