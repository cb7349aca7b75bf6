"""The Anthropic Messages rules (``AN`` + three digits; hundreds digit = layer).

ANTHROPIC.md proposed ids AN-001 to AN-025 in one range (its "proposals" below); here they are sorted into the project's
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

from validator.catalog.anthropic import consistency, framing, lifecycle, schema
from validator.catalog.rule import Rule

__all__ = ["PROFILES", "PROFILE_DOCS", "READING_RULES", "RULES"]

#: The first is the default.
PROFILES = ("anthropic", "anthropic-compatible")
#: What each profile accepts, and why (``llm-stream-validator rules --profiles``; the docstring above).
PROFILE_DOCS: dict[str, str] = {
    "anthropic": "Anthropic Messages streams as api.anthropic.com actually sends them (Bedrock and Vertex "
    "included); beta block and delta types accepted (AN104, info), as the API sends them whenever a "
    "request carries an anthropic-beta header.",
    "anthropic-compatible": "Anthropic-compatible servers and bridges (LiteLLM, vLLM, SGLang, llama.cpp, "
    "gateways): every rule an SDK client breaks on, without the ones about what only the first-party "
    "API provides (signed thinking, real input token counts in message_start, stop_sequence: null, "
    "Anthropic id formats).",
}

RULES: tuple[Rule, ...] = (*framing.RULES, *schema.RULES, *lifecycle.RULES, *consistency.RULES)

#: The reading layer's findings (shared by every protocol, raised with the Responses ids) under
#: this protocol's ids; None: not a finding here (the ``id:`` field is only an Open Responses rule).
READING_RULES: dict[str, str | None] = {
    "RSP001": "AN001",
    "RSP002": "AN002",
    "RSP003": "AN003",
    "RSP009": None,
    "RSP010": "AN010",
    "RSP011": "AN011",
    "RSP017": "AN008",
    # Recorded calls' answers (cassettes, HAR files) and the probe's: transport, shared too.
    "RSP014": "AN013",
    "RSP015": "AN014",
    # The input itself is an HTTP error body.
    "RSP016": "AN015",
    "RSP260": "AN260",
}
