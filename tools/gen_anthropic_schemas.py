#!/usr/bin/env python3
"""Write the Anthropic Messages stream schemas into ``schemas/anthropic/`` from the SDK's types.

anthropic-python 2.17.0 describes the stream with pydantic models (``types/raw_*.py``, the block,
delta, citation and usage types, and the beta unions under ``types/beta/``); there is no OpenAPI
file to translate. The models are transcribed here as small JSON Schema descriptions, one per
event type (``events/``), per content block type (``blocks/``), per delta type (``deltas/``), and
the shared pieces (``defs/``). Each file names the SDK type it comes from. The generated files are
committed; ``--check`` verifies them.

    python tools/gen_anthropic_schemas.py           # (re)write schemas/anthropic
    python tools/gen_anthropic_schemas.py --check   # exit 1 if the committed files differ

Translation (see schemas/anthropic/README.md for the decisions):
* ``X`` required, ``Optional[X] = None`` not required and nullable, ``Literal`` an ``enum``.
* Objects stay open (no ``additionalProperties: false``): the API adds fields without notice and
  the SDK keeps unknown ones.
* The block and delta unions dispatch on ``type`` (``if``/``then`` per known type) and accept
  unknown types: the stream machine reports them (AN105), so a new block type is a warning, never a
  schema violation.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "schemas" / "anthropic"
BASE = "https://responses-validator.invalid/schemas/anthropic/"
SDK = "anthropic-python 2.17.0"

Json = dict[str, Any]

STR: Json = {"type": "string"}
INT: Json = {"type": "integer", "minimum": 0}
BOOL: Json = {"type": "boolean"}
OBJ: Json = {"type": "object"}


def nullable(schema: Json) -> Json:
    return {"anyOf": [schema, {"type": "null"}]}


def ref(path: str) -> Json:
    return {"$ref": path}


def const(value: str) -> Json:
    return {"type": "string", "enum": [value]}


def obj(
    source: str, required: dict[str, Json], optional: dict[str, Json] | None = None, **extra: Any
) -> Json:
    """An open object: ``required`` fields must be present, ``optional`` ones may be null too."""
    props = dict(required)
    for name, schema in (optional or {}).items():
        props[name] = nullable(schema)
    out: Json = {"type": "object", "description": f"{SDK}: {source}", "properties": props}
    if required:
        out["required"] = sorted(required)
    out.update(extra)
    return out


def union(source: str, members: dict[str, str]) -> Json:
    """A union discriminated on ``type``: known types dispatch to their schema, others pass."""
    return {
        "type": "object",
        "description": f"{SDK}: {source}; dispatch on `type`, unknown types pass (the machine reports them)",
        "required": ["type"],
        "properties": {"type": STR},
        "allOf": [
            {"if": {"properties": {"type": {"const": t}}, "required": ["type"]}, "then": ref(path)}
            for t, path in members.items()
        ],
    }


# ---------------------------------------------------------------- shared definitions

CALLER = obj(
    "tool_use_block.Caller (DirectCaller | ServerToolCaller | ServerToolCaller20260120)", {"type": STR}
)

DEFS: dict[str, Json] = {
    "StopReason": {
        "description": f"{SDK}: types/stop_reason.py StopReason",
        "type": "string",
        "enum": [
            "end_turn",
            "max_tokens",
            "stop_sequence",
            "tool_use",
            "pause_turn",
            "refusal",
            "model_context_window_exceeded",
        ],
    },
    "ServerToolUsage": obj(
        "types/server_tool_usage.py ServerToolUsage (fields optional on the wire, see README)",
        {},
        {"web_search_requests": INT, "web_fetch_requests": INT},
    ),
    "CacheCreation": obj(
        "types/cache_creation.py CacheCreation",
        {"ephemeral_1h_input_tokens": INT, "ephemeral_5m_input_tokens": INT},
    ),
    "Container": obj(
        "types/container.py Container", {"id": STR, "expires_at": STR}, {"skills": {"type": "array"}}
    ),
    "StopDetails": obj(
        "types/refusal_stop_details.py RefusalStopDetails",
        {"type": STR},
        {"category": STR, "explanation": STR},
    ),
    "Usage": obj(
        "types/usage.py Usage",
        {"input_tokens": INT, "output_tokens": INT},
        {
            "cache_creation": ref("CacheCreation.json"),
            "cache_creation_input_tokens": INT,
            "cache_read_input_tokens": INT,
            "inference_geo": STR,
            "output_tokens_details": OBJ,
            "server_tool_use": ref("ServerToolUsage.json"),
            "service_tier": STR,
            "speed": STR,
        },
    ),
    "MessageDeltaUsage": obj(
        "types/message_delta_usage.py MessageDeltaUsage (beta adds iterations, fallback_credit)",
        {"output_tokens": INT},
        {
            "input_tokens": INT,
            "cache_creation_input_tokens": INT,
            "cache_read_input_tokens": INT,
            "output_tokens_details": OBJ,
            "server_tool_use": ref("ServerToolUsage.json"),
            "iterations": {"type": "array"},
        },
    ),
    "Message": obj(
        "types/message.py Message (as sent in message_start)",
        {
            "id": STR,
            "type": const("message"),
            "role": const("assistant"),
            "content": {"type": "array"},
            "model": STR,
            "usage": ref("Usage.json"),
        },
        {
            "stop_reason": ref("StopReason.json"),
            "stop_sequence": STR,
            "stop_details": ref("StopDetails.json"),
            "container": ref("Container.json"),
            "diagnostics": OBJ,
        },
    ),
    "Citation": union(
        "types/citations_delta.py Citation",
        {
            "char_location": "../citations/char_location.json",
            "page_location": "../citations/page_location.json",
            "content_block_location": "../citations/content_block_location.json",
            "web_search_result_location": "../citations/web_search_result_location.json",
            "search_result_location": "../citations/search_result_location.json",
        },
    ),
    "ErrorBody": obj("_streaming.py: the `error` object of an error event", {"type": STR, "message": STR}),
}

CITATIONS: dict[str, Json] = {
    "char_location": obj(
        "types/citation_char_location.py CitationCharLocation",
        {
            "type": const("char_location"),
            "cited_text": STR,
            "document_index": INT,
            "start_char_index": INT,
            "end_char_index": INT,
        },
        {"document_title": STR, "file_id": STR},
    ),
    "page_location": obj(
        "types/citation_page_location.py CitationPageLocation",
        {
            "type": const("page_location"),
            "cited_text": STR,
            "document_index": INT,
            "start_page_number": INT,
            "end_page_number": INT,
        },
        {"document_title": STR, "file_id": STR},
    ),
    "content_block_location": obj(
        "types/citation_content_block_location.py CitationContentBlockLocation",
        {
            "type": const("content_block_location"),
            "cited_text": STR,
            "document_index": INT,
            "start_block_index": INT,
            "end_block_index": INT,
        },
        {"document_title": STR, "file_id": STR},
    ),
    "web_search_result_location": obj(
        "types/citations_web_search_result_location.py CitationsWebSearchResultLocation",
        {"type": const("web_search_result_location"), "cited_text": STR, "encrypted_index": STR, "url": STR},
        {"title": STR},
    ),
    "search_result_location": obj(
        "types/citations_search_result_location.py CitationsSearchResultLocation",
        {
            "type": const("search_result_location"),
            "cited_text": STR,
            "search_result_index": INT,
            "source": STR,
            "start_block_index": INT,
            "end_block_index": INT,
        },
        {"title": STR},
    ),
}

#: A server tool result's ``content``: an error object or the result (an object or a list of them).
RESULT_CONTENT: Json = {"anyOf": [{"type": "object", "required": ["type"]}, {"type": "array", "items": OBJ}]}


def tool_result(source: str, type_: str, caller: bool = False) -> Json:
    optional = {"caller": ref("../defs/Caller.json")} if caller else {}
    return obj(source, {"type": const(type_), "tool_use_id": STR, "content": RESULT_CONTENT}, optional)


#: GA blocks: the ContentBlock union of RawContentBlockStartEvent.
GA_BLOCKS: dict[str, Json] = {
    "text": obj(
        "types/text_block.py TextBlock",
        {"type": const("text"), "text": STR},
        {"citations": {"type": "array", "items": ref("../defs/Citation.json")}},
    ),
    "thinking": obj(
        "types/thinking_block.py ThinkingBlock",
        {"type": const("thinking"), "thinking": STR},
        # patch AN-W1: the signature arrives in signature_delta; the start value is a placeholder.
        {"signature": STR},
        **{"$comment": "patch AN-W1: `signature` optional at content_block_start (corpus-anthropic 014)"},
    ),
    "redacted_thinking": obj(
        "types/redacted_thinking_block.py RedactedThinkingBlock",
        {"type": const("redacted_thinking"), "data": STR},
    ),
    "tool_use": obj(
        "types/tool_use_block.py ToolUseBlock",
        {"type": const("tool_use"), "id": STR, "name": STR, "input": OBJ},
        {"caller": ref("../defs/Caller.json"), "toolset_name": STR},
    ),
    "server_tool_use": obj(
        "types/server_tool_use_block.py ServerToolUseBlock (name: an open string, see README)",
        {"type": const("server_tool_use"), "id": STR, "name": STR, "input": OBJ},
        {"caller": ref("../defs/Caller.json")},
    ),
    "web_search_tool_result": tool_result(
        "types/web_search_tool_result_block.py WebSearchToolResultBlock", "web_search_tool_result", True
    ),
    "web_fetch_tool_result": tool_result(
        "types/web_fetch_tool_result_block.py WebFetchToolResultBlock", "web_fetch_tool_result", True
    ),
    "code_execution_tool_result": tool_result(
        "types/code_execution_tool_result_block.py CodeExecutionToolResultBlock", "code_execution_tool_result"
    ),
    "bash_code_execution_tool_result": tool_result(
        "types/bash_code_execution_tool_result_block.py BashCodeExecutionToolResultBlock",
        "bash_code_execution_tool_result",
    ),
    "text_editor_code_execution_tool_result": tool_result(
        "types/text_editor_code_execution_tool_result_block.py TextEditorCodeExecutionToolResultBlock",
        "text_editor_code_execution_tool_result",
    ),
    "tool_search_tool_result": tool_result(
        "types/tool_search_tool_result_block.py ToolSearchToolResultBlock", "tool_search_tool_result"
    ),
    "container_upload": obj(
        "types/container_upload_block.py ContainerUploadBlock",
        {"type": const("container_upload"), "file_id": STR},
    ),
}

#: Beta blocks: in BetaRawContentBlockStartEvent's union only (sent with an ``anthropic-beta`` header).
BETA_BLOCKS: dict[str, Json] = {
    "mcp_tool_use": obj(
        "types/beta BetaMCPToolUseBlock",
        {"type": const("mcp_tool_use"), "id": STR, "name": STR, "input": OBJ, "server_name": STR},
    ),
    "mcp_tool_result": obj(
        "types/beta BetaMCPToolResultBlock",
        {"type": const("mcp_tool_result"), "tool_use_id": STR, "content": {"type": ["string", "array"]}},
        {"is_error": BOOL},
    ),
    "mcp_tool_listing": obj("types/beta BetaMCPToolListingBlock", {"type": const("mcp_tool_listing")}),
    "compaction": obj(
        "types/beta/beta_compaction_block.py BetaCompactionBlock",
        {"type": const("compaction")},
        {"content": STR, "encrypted_content": STR, "signature": STR, "tool_changes": {"type": "array"}},
    ),
    "fallback": obj("types/beta BetaFallbackBlock", {"type": const("fallback")}, {"from": OBJ, "to": OBJ}),
    "advisor_tool_result": tool_result("types/beta BetaAdvisorToolResultBlock", "advisor_tool_result"),
}

GA_DELTAS: dict[str, Json] = {
    "text_delta": obj("types/text_delta.py TextDelta", {"type": const("text_delta"), "text": STR}),
    "input_json_delta": obj(
        "types/input_json_delta.py InputJSONDelta", {"type": const("input_json_delta"), "partial_json": STR}
    ),
    "citations_delta": obj(
        "types/citations_delta.py CitationsDelta",
        {"type": const("citations_delta"), "citation": ref("../defs/Citation.json")},
    ),
    "thinking_delta": obj(
        "types/thinking_delta.py ThinkingDelta", {"type": const("thinking_delta"), "thinking": STR}
    ),
    "signature_delta": obj(
        "types/signature_delta.py SignatureDelta", {"type": const("signature_delta"), "signature": STR}
    ),
}

BETA_DELTAS: dict[str, Json] = {
    "compaction_delta": obj(
        "types/beta/beta_compaction_content_block_delta.py BetaCompactionContentBlockDelta",
        {"type": const("compaction_delta")},
        {"content": STR, "encrypted_content": STR},
    ),
}

EVENTS: dict[str, Json] = {
    "message_start": obj(
        "types/raw_message_start_event.py RawMessageStartEvent",
        {"type": const("message_start"), "message": ref("../defs/Message.json")},
    ),
    "content_block_start": obj(
        "types/raw_content_block_start_event.py RawContentBlockStartEvent (+ beta blocks)",
        {
            "type": const("content_block_start"),
            "index": INT,
            "content_block": ref("../defs/ContentBlock.json"),
        },
    ),
    "content_block_delta": obj(
        "types/raw_content_block_delta_event.py RawContentBlockDeltaEvent (+ beta deltas)",
        {"type": const("content_block_delta"), "index": INT, "delta": ref("../defs/ContentBlockDelta.json")},
    ),
    "content_block_stop": obj(
        "types/raw_content_block_stop_event.py RawContentBlockStopEvent",
        {"type": const("content_block_stop"), "index": INT},
    ),
    "message_delta": obj(
        "types/raw_message_delta_event.py RawMessageDeltaEvent",
        {
            "type": const("message_delta"),
            "delta": obj(
                "types/raw_message_delta_event.py Delta",
                {},
                {
                    "stop_reason": ref("../defs/StopReason.json"),
                    "stop_sequence": STR,
                    "stop_details": ref("../defs/StopDetails.json"),
                    "container": ref("../defs/Container.json"),
                },
            ),
            "usage": ref("../defs/MessageDeltaUsage.json"),
        },
        {"context_management": OBJ},
    ),
    "message_stop": obj(
        "types/raw_message_stop_event.py RawMessageStopEvent", {"type": const("message_stop")}
    ),
    "ping": obj("_streaming.py: `event: ping` (skipped by the SDK)", {"type": const("ping")}),
    "error": obj(
        "_streaming.py: `event: error` (raised as APIStatusError)",
        {"type": const("error"), "error": ref("../defs/ErrorBody.json")},
    ),
}


def files() -> dict[str, Json]:
    """Relative path -> schema, with ``$schema``, ``$id`` and ``title`` set."""
    out: dict[str, Json] = {}

    def put(path: str, schema: Json, title: str) -> None:
        out[path] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": BASE + path,
            "title": title,
            **schema,
        }

    defs = {**DEFS, "Caller": CALLER}
    defs["ContentBlock"] = union(
        "RawContentBlockStartEvent.ContentBlock + BetaRawContentBlockStartEvent.ContentBlock",
        {t: f"../blocks/{t}.json" for t in (*GA_BLOCKS, *BETA_BLOCKS)},
    )
    defs["ContentBlockDelta"] = union(
        "RawContentBlockDelta + BetaRawContentBlockDelta",
        {t: f"../deltas/{t}.json" for t in (*GA_DELTAS, *BETA_DELTAS)},
    )
    for name, schema in defs.items():
        put(f"defs/{name}.json", schema, name)
    for name, schema in CITATIONS.items():
        put(f"citations/{name}.json", schema, f"citation {name}")
    for name, schema in {**GA_BLOCKS, **BETA_BLOCKS}.items():
        put(f"blocks/{name}.json", schema, f"content block {name}")
    for name, schema in {**GA_DELTAS, **BETA_DELTAS}.items():
        put(f"deltas/{name}.json", schema, f"delta {name}")
    for name, schema in EVENTS.items():
        put(f"events/{name}.json", schema, f"{name} event")
    out["index.json"] = {
        "profile": "anthropic",
        "source": {"sdk": SDK, "files": "spec/anthropic/anthropic-python-2.17.0/types/"},
        "events": {t: f"events/{t}.json" for t in sorted(EVENTS)},
        "blocks": {"ga": sorted(GA_BLOCKS), "beta": sorted(BETA_BLOCKS)},
        "deltas": {"ga": sorted(GA_DELTAS), "beta": sorted(BETA_DELTAS)},
    }
    return out


def render(schema: Json) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the committed files; write nothing")
    args = parser.parse_args(argv)
    wanted = {path: render(schema) for path, schema in files().items()}
    existing = {p.relative_to(OUT).as_posix() for p in OUT.rglob("*.json")} if OUT.is_dir() else set()
    stale = sorted(existing - set(wanted))
    changed = sorted(
        p for p, text in wanted.items() if not (OUT / p).is_file() or (OUT / p).read_text("utf-8") != text
    )
    if args.check:
        for p in changed + stale:
            print(f"differs: schemas/anthropic/{p}")
        return 1 if changed or stale else 0
    for p in stale:
        (OUT / p).unlink()
    for p in changed:
        (OUT / p).parent.mkdir(parents=True, exist_ok=True)
        (OUT / p).write_text(wanted[p], encoding="utf-8")
        print(f"wrote schemas/anthropic/{p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
