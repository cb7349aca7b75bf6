#!/usr/bin/env python3
"""Generate the validator's JSON Schemas (Draft 2020-12) from the OpenAPI specs.

Reads ``openai-openapi.json`` and ``openresponses-openapi-2026-04-24.json`` from
the spec folder (default ``<repo>/../shared/spec``) and writes ``schemas/``:

* ``schemas/<profile>/events/<type>.json``: one schema per event ``type``;
* ``schemas/<profile>/defs/<Component>.json``: every component the events
  reference (response object, output items, content parts, annotations, usage,
  errors, ...), one file each, referenced by relative ``$ref``;
* ``schemas/openai/drift/{events,defs}/``: the spec-exact variant of the files
  that the drift patches relaxed (and of everything that references them), used
  only by ``--strict`` to report RSP105;
* ``schemas/<profile>/index.json``: the manifest (types, source, patches);
* ``schemas/README.md``: layout, translation rules and the patch table.

Every wire patch is data in ``PATCHES`` below: it leaves a ``$comment`` where it
changes the schema and a row in the README table. Output is deterministic:
running the script twice gives byte-identical files.

Usage::

    python tools/gen_schemas.py [--spec-dir DIR] [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC_DIR = ROOT.parent / "shared" / "spec"
DEFAULT_OUT = ROOT / "schemas"

#: Base of every ``$id``. The ``.invalid`` TLD (RFC 2606) can never resolve, and the
#: loaders refuse to retrieve anything anyway: all references stay inside schemas/.
BASE_URI = "https://responses-validator.invalid/schemas/"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

OPENAI_SPEC = "openai-openapi.json"
OR_SPEC = "openresponses-openapi-2026-04-24.json"

#: Provenance of the spec files (EVENTS.md §0); the SHA-256 is recomputed on each run.
SPEC_PROVENANCE = {
    OPENAI_SPEC: "openai/openai-openapi `main` @ f85dbe2 (2026-08-21), info.version 2.3.0",
    OR_SPEC: "openresponses/openresponses release 2026-04-24 (mirror Stars1233/openresponses @ 92c12d9)",
}
SDK_PROVENANCE = "openai-python 3.54.0 (`openai/types/responses/`)"
#: What tools/sdk_sync.py --write recorded from the newest openai SDK (patches OAI-S1, OAI-S2).
SDK_SNAPSHOT = ROOT / "tools" / "sdk" / "openai-python.json"

INDEX_FIELDS = (
    "output_index",
    "content_index",
    "summary_index",
    "annotation_index",
    "command_index",
    "partial_image_index",
)

#: Annotation-only or OpenAPI-only keywords dropped by the translation.
DROP_KEYS = {"example", "examples", "discriminator", "$recursiveAnchor", "deprecated"}

Json = Any


# --------------------------------------------------------------------------- patches


@dataclass(frozen=True)
class Patch:
    """One deliberate difference from the spec.

    ``kind``: ``defect`` (the OAS contradicts itself; fixed in every variant),
    ``wire`` (the API really sends this; accepted in every variant of the
    profile), ``drift`` (the newest spec requires it but earlier API versions
    omit it: relaxed in the default schemas only, reported as RSP105 with
    ``--strict``), ``convention`` (validator-wide rules of EVENTS.md §12).
    """

    id: str
    profile: str
    kind: str
    target: str
    change: str
    why: str
    source: str
    apply: Callable[[dict[str, Json]], None] = field(repr=False, compare=False)


def _at(node: dict[str, Json], path: str) -> dict[str, Json]:
    for part in filter(None, path.split("/")):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _comment(node: dict[str, Json], patch_id: str, text: str) -> None:
    note = f"patch {patch_id}: {text}"
    node["$comment"] = f"{node['$comment']} | {note}" if "$comment" in node else note


def drop_required(path: str, *names: str, patch_id: str, note: str) -> Callable[[dict[str, Json]], None]:
    def apply(schema: dict[str, Json]) -> None:
        node = _at(schema, path)
        missing = [n for n in names if n not in node.get("required", [])]
        if missing:
            raise GenError(
                f"{patch_id}: {missing} not required at {path!r}; the spec changed, review the patch"
            )
        node["required"] = [r for r in node["required"] if r not in names]
        _comment(node, patch_id, note)

    return apply


def make_nullable(path: str, *, patch_id: str, note: str) -> Callable[[dict[str, Json]], None]:
    def apply(schema: dict[str, Json]) -> None:
        parent_path, _, name = path.rpartition("/")
        parent = _at(schema, parent_path)
        inner = parent[name]
        if "anyOf" in inner and {"type": "null"} in inner["anyOf"]:
            raise GenError(f"{patch_id}: {path!r} is already nullable; the spec changed, review the patch")
        parent[name] = {"anyOf": [inner, {"type": "null"}], "$comment": f"patch {patch_id}: {note}"}

    return apply


def open_enum(path: str, *, patch_id: str, note: str) -> Callable[[dict[str, Json]], None]:
    def apply(schema: dict[str, Json]) -> None:
        parent_path, _, name = path.rpartition("/")
        parent = _at(schema, parent_path)
        parent[name] = {"type": "string", "$comment": f"patch {patch_id}: {note}"}

    return apply


def define_property(
    path: str, name: str, prop: Json, *, patch_id: str, note: str
) -> Callable[[dict[str, Json]], None]:
    def apply(schema: dict[str, Json]) -> None:
        node = _at(schema, path)
        if name in node.setdefault("properties", {}):
            raise GenError(f"{patch_id}: {name!r} already defined at {path!r}; review the patch")
        node["properties"][name] = {**prop, "$comment": f"patch {patch_id}: {note}"}

    return apply


def rename_required(
    path: str, old: str, new: str, *, patch_id: str, note: str
) -> Callable[[dict[str, Json]], None]:
    def apply(schema: dict[str, Json]) -> None:
        node = _at(schema, path)
        if old not in node.get("required", []):
            raise GenError(f"{patch_id}: {old!r} not required at {path!r}; review the patch")
        req = [new if r == old else r for r in node["required"]]
        node["required"] = list(dict.fromkeys(req))
        _comment(node, patch_id, note)

    return apply


def _nested_error_event(schema: dict[str, Json]) -> None:
    flat = copy.deepcopy(schema)
    nested = {
        "type": "object",
        "properties": {
            "type": flat["properties"]["type"],
            "sequence_number": flat["properties"]["sequence_number"],
            "error": {
                "type": "object",
                "description": "The error payload (as api.openai.com sends it; Open Responses ErrorPayload).",
                "properties": {
                    "type": {"type": "string"},
                    "code": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "message": {"type": "string"},
                    "param": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                },
                "required": ["message"],
            },
        },
        "required": ["type", "sequence_number", "error"],
    }
    schema.clear()
    schema.update(
        {
            "type": "object",
            "description": flat.get("description", ""),
            "$comment": "patch OAI-W1: the documented flat shape (else branch) or the nested wire shape "
            "(then branch, chosen when the event has an `error` member)",
            "properties": {"type": flat["properties"]["type"]},
            "required": ["type"],
            "if": {"required": ["error"]},
            "then": nested,
            "else": flat,
        }
    )


def _delta_obfuscation(schema: dict[str, Json]) -> None:
    props = schema.setdefault("properties", {})
    if "obfuscation" not in props:
        props["obfuscation"] = {
            "type": "string",
            "description": "Random padding added to delta events (stream_options.include_obfuscation).",
            "$comment": "patch OAI-W2: obfuscation is sent on every delta event, declared by the OAS only on "
            "shell_call_command.delta",
        }


KEEPALIVE = {
    "type": "object",
    "title": "Keepalive",
    "description": "Transport heartbeat on long-running OpenAI streams; carries only a sequence number.",
    "$comment": "patch OAI-W3: not in the OAS; seen on the wire (openai/openai-node#1964, openai-java#776)",
    "properties": {
        "type": {"type": "string", "enum": ["keepalive"]},
        "sequence_number": {"type": "integer"},
    },
    "required": ["type", "sequence_number"],
}

COMPACTION_COMPACTING = {
    "type": "object",
    "title": "ResponseCompactionCompactingEvent",
    "description": "Emitted when new summary content is sampled for a compaction trigger (no content).",
    "$comment": f"patch OAI-W4: not in the OAS; transcribed from {SDK_PROVENANCE} "
    "response_compaction_compacting_event.py",
    "properties": {
        "type": {"type": "string", "enum": ["response.compaction.compacting"]},
        "item_id": {"type": "string", "description": "The ID of the compaction output item."},
        "output_index": {"type": "integer", "description": "The index of the compaction output item."},
        "sequence_number": {"type": "integer"},
    },
    "required": ["type", "item_id", "output_index", "sequence_number"],
}


def _diff_event(suffix: str, field: str, description: str) -> dict[str, Json]:
    return {
        "type": "object",
        "title": f"ResponseApplyPatchCallOperationDiff{suffix.capitalize()}Event",
        "description": description,
        "$comment": "patch OAI-W13: not in the OAS nor the SDK; sent by api.openai.com for apply_patch_call "
        "items (corpus 026, gpt-5.1, 2025-11)",
        "properties": {
            "type": {"type": "string", "enum": [f"response.apply_patch_call_operation_diff.{suffix}"]},
            "item_id": {"type": "string", "description": "The ID of the apply_patch_call item."},
            "output_index": {"type": "integer", "description": "The index of the apply_patch_call item."},
            field: {"type": "string"},
            "sequence_number": {"type": "integer"},
        },
        "required": ["type", "item_id", "output_index", field, "sequence_number"],
    }


APPLY_PATCH_DIFF_DELTA = _diff_event("delta", "delta", "A fragment of the patch diff of an apply_patch_call.")
APPLY_PATCH_DIFF_DONE = _diff_event("done", "diff", "The finished patch diff of an apply_patch_call.")


def _oai_patches() -> list[tuple[str, Patch]]:
    """(component, patch) pairs for the openai profile, in application order."""
    out: list[tuple[str, Patch]] = []

    def add(component: str, pid: str, kind: str, target: str, change: str, why: str, source: str, fn) -> None:
        out.append((component, Patch(pid, "openai", kind, target, change, why, source, fn)))

    for comp, etype in (
        ("ResponseAudioDoneEvent", "response.audio.done"),
        ("ResponseAudioTranscriptDeltaEvent", "response.audio.transcript.delta"),
        ("ResponseAudioTranscriptDoneEvent", "response.audio.transcript.done"),
    ):
        note = "response_id is required but never defined (OAS defect); the SDKs do not model it"
        add(
            comp,
            "OAI-D1",
            "defect",
            f"{etype}: required `response_id`",
            "dropped from `required`",
            "listed in `required` but absent from `properties`; openai-python does not model it",
            "EVENTS.md §10.1",
            drop_required("", "response_id", patch_id="OAI-D1", note=note),
        )
    add(
        "LocalShellToolCallOutput",
        "OAI-D2",
        "defect",
        "item `local_shell_call_output`.call_id",
        "defined as `string`",
        "required but not defined in `properties`",
        "EVENTS.md §10.2",
        define_property(
            "",
            "call_id",
            {"type": "string"},
            patch_id="OAI-D2",
            note="required but undefined in the OAS; defined as string",
        ),
    )
    add(
        "MCPApprovalResponseResource",
        "OAI-D3",
        "defect",
        "item `mcp_approval_response`: required `request_id`",
        "read as `approval_request_id`",
        "typo: the property is named `approval_request_id`",
        "EVENTS.md §10.2",
        rename_required(
            "",
            "request_id",
            "approval_request_id",
            patch_id="OAI-D3",
            note="required `request_id` is a typo for approval_request_id",
        ),
    )
    add(
        "Response",
        "OAI-W5",
        "wire",
        "`response.usage`",
        "nullable",
        "the OAS examples and every real stream send `usage: null` before the terminal event",
        "EVENTS.md §4.1, §10.4; Effect-TS patches it the same way",
        make_nullable(
            "/allOf/2/properties/usage", patch_id="OAI-W5", note="usage is null before the terminal event"
        ),
    )
    add(
        "ModelResponseProperties",
        "OAI-W6",
        "wire",
        "`response.user`",
        "nullable",
        "the OAS examples and real streams send `user: null`",
        "EVENTS.md §4.1, §10.4",
        make_nullable("/properties/user", patch_id="OAI-W6", note="user is null on the wire"),
    )
    add(
        "ResponseError",
        "OAI-W7",
        "wire",
        "`response.error.code`",
        "any string (enum opened)",
        "real streams carry codes outside `ResponseErrorCode` (e.g. `insufficient_quota`, corpus 022)",
        "corpus 022 (api.openai.com)",
        open_enum(
            "/anyOf/0/properties/code",
            patch_id="OAI-W7",
            note="the wire sends codes outside ResponseErrorCode (insufficient_quota)",
        ),
    )
    add(
        "WebSearchToolCall",
        "OAI-W8",
        "wire",
        "item `web_search_call`: required `action`",
        "optional",
        "the item in `output_item.added` (status in_progress) has no action yet; the done item has it",
        "corpus 007, 008 (api.openai.com)",
        drop_required(
            "", "action", patch_id="OAI-W8", note="an in-progress web_search_call has no action yet"
        ),
    )
    add(
        "WebSearchActionSearch",
        "OAI-W9",
        "wire",
        "`web_search_call.action.sources[]`",
        '`{type: "api", name}` accepted besides `{type: "url", url}`',
        'gpt-5 cites built-in data sources this way (`{"type":"api","name":"oai-weather"}`)',
        "corpus 008 (api.openai.com)",
        _api_source,
    )
    add(
        "ImageGenToolCall",
        "OAI-W10",
        "wire",
        "item `image_generation_call`: required `result`",
        "optional",
        "the item in `output_item.added` has no result before the image exists",
        "corpus 024 (api.openai.com)",
        drop_required("", "result", patch_id="OAI-W10", note="no result before the image exists"),
    )
    add(
        "MCPTool",
        "OAI-W11",
        "wire",
        "tool `mcp`.server_description",
        "nullable",
        "the echoed tool carries `server_description: null` when none was given",
        "corpus 013 (api.openai.com)",
        make_nullable("/properties/server_description", patch_id="OAI-W11", note="null when not set"),
    )
    add(
        "TextResponseFormatJsonSchema",
        "OAI-W12",
        "wire",
        "`text.format` (json_schema).description",
        "nullable",
        "the echoed format carries `description: null` when none was given",
        "corpus 021 (api.openai.com)",
        make_nullable("/properties/description", patch_id="OAI-W12", note="null when not set"),
    )
    add(
        "WebSearchTool",
        "OAI-W14",
        "wire",
        "tool `web_search`.search_context_size",
        "nullable",
        "the echoed tool carries `search_context_size: null` when none was given; openai-python models it "
        "as Optional",
        "corpus 058 (api.deepseek.com)",
        make_nullable("/properties/search_context_size", patch_id="OAI-W14", note="null when not set"),
    )
    add(
        "Response",
        "OAI-R6",
        "drift",
        "`response`: required `error` and `instructions`",
        "optional (RSP105 with --strict)",
        "both are nullable, so an absent key reads as null in every client (openai-python defaults them to "
        "None); xAI's Responses API omits them from every snapshot",
        "corpus 048, 050, 053 (api.x.ai)",
        drop_required(
            "/allOf/2",
            "error",
            "instructions",
            patch_id="OAI-R6",
            note="absent nullable keys read as null (xAI omits them); strict reports them (drift)",
        ),
    )
    add(
        "ResponseFunctionCallArgumentsDoneEvent",
        "OAI-R4",
        "defect",
        "response.function_call_arguments.done: required `name`",
        "optional in every variant (kept as a property, so RSP311 still compares a name that is sent)",
        "the API never sends it (api.openai.com gpt-4o to gpt-5.5, Azure); openai-python 3.9.0 removed the "
        "field ('correct function argument completion event fields'), so no newer spec requires it; Open "
        "Responses lacks it",
        "CHANGES-2026-12.md §1.3 (openai-python #3801); EVENTS.md §10.6; corpus 015-019, 031, 043",
        drop_required(
            "", "name", patch_id="OAI-R4", note="the API never sends it; openai-python 3.9.0 removed it"
        ),
    )
    add(
        "FunctionShellCall",
        "OAI-R5",
        "drift",
        "item `shell_call`: required `environment`",
        "optional (RSP105 with --strict)",
        "newer than the gpt-5.1 shell tool streams, which lack it",
        "corpus 027 (api.openai.com, 2025-11)",
        drop_required("", "environment", patch_id="OAI-R5", note="absent from 2025 shell_call items (drift)"),
    )
    for comp, etype in (
        ("ResponseTextDeltaEvent", "response.output_text.delta"),
        ("ResponseTextDoneEvent", "response.output_text.done"),
    ):
        add(
            comp,
            "OAI-R1",
            "drift",
            f"{etype}: required `logprobs`",
            "optional (RSP105 with --strict)",
            "only sent with include=[message.output_text.logprobs]; the OAS examples omit it; "
            "Open Responses made it optional on 2026-04-24",
            "EVENTS.md §10.3; RULES.md E10",
            drop_required(
                "", "logprobs", patch_id="OAI-R1", note="logprobs is omitted unless requested (drift)"
            ),
        )
    add(
        "OutputTextContent",
        "OAI-R2",
        "drift",
        "content part `output_text`: required `logprobs`",
        "optional (RSP105 with --strict)",
        "real `output_text` parts omit it unless requested; so do the OAS examples",
        "EVENTS.md §7.1, §10.3",
        drop_required("", "logprobs", patch_id="OAI-R2", note="logprobs is omitted unless requested (drift)"),
    )
    add(
        "ResponseUsage",
        "OAI-R3",
        "drift",
        "`usage.input_tokens_details.cache_write_tokens`",
        "optional (RSP105 with --strict)",
        "newer than most captures: streams up to 2025-12 lack it (seed 004); 2026 streams (015, 037) send it",
        "seed 004; corpus 001-036 vs 015, 037",
        drop_required(
            "/properties/input_tokens_details",
            "cache_write_tokens",
            patch_id="OAI-R3",
            note="cache_write_tokens is missing from streams before 2026 (drift)",
        ),
    )
    return out


def _api_source(schema: dict[str, Json]) -> None:
    sources = _at(schema, "/properties/sources")
    url_source = sources["items"]
    api_source = {
        "type": "object",
        "title": "Web search API source",
        "$comment": "patch OAI-W9: built-in data sources are cited as {type: api, name} on the wire",
        "properties": {"type": {"type": "string", "enum": ["api"]}, "name": {"type": "string"}},
        "required": ["type"],
    }
    sources["items"] = {"oneOf": [url_source, api_source], "discriminator": {"propertyName": "type"}}


def _oai_event_patches() -> list[Patch]:
    return [
        Patch(
            "OAI-W1",
            "openai",
            "wire",
            "`error` event",
            "nested `{error:{type,code,message,param}}` accepted "
            "besides the flat documented shape (RSP106 reports the flat one)",
            "api.openai.com nests the payload; openai-python only raises on the nested shape",
            "EVENTS.md §8; RULES.md J1",
            _nested_error_event,
        ),
        Patch(
            "OAI-W2",
            "openai",
            "wire",
            "every `*.delta` event",
            "optional `obfuscation: string`",
            "sent on every delta by default (`include_obfuscation`); the OAS declares it on one event only",
            "EVENTS.md §2",
            _delta_obfuscation,
        ),
        Patch(
            "OAI-W3",
            "openai",
            "wire",
            "`keepalive` event",
            "new event type",
            "transport heartbeat the API sends on long streams; openai-node treats it as a no-op",
            "EVENTS.md §9; RULES.md A9",
            lambda s: None,
        ),
        Patch(
            "OAI-W13",
            "openai",
            "wire",
            "`response.apply_patch_call_operation_diff.delta` / `.done` events",
            "new event types (`delta` fragments, `diff` on done, `item_id`, `output_index`)",
            "api.openai.com streams the patch of an apply_patch_call item this way; neither the OAS nor "
            "openai-python 3.54.0 has them",
            "corpus 026 (api.openai.com)",
            lambda s: None,
        ),
        Patch(
            "OAI-W4",
            "openai",
            "wire",
            "`response.compaction.compacting` event",
            "new event type",
            "in the SDK's ResponseStreamEvent union, not yet in the OAS",
            SDK_PROVENANCE,
            lambda s: None,
        ),
    ]


def _snapshot() -> dict[str, Json]:
    try:
        return json.loads(SDK_SNAPSHOT.read_text(encoding="utf-8"))
    except OSError:
        return {}


def _sdk_patches(snap: dict[str, Json]) -> list[Patch]:
    if not snap:
        return []
    source = f"{snap['source']} (tools/sdk/openai-python.json, written by tools/sdk_sync.py)"
    events = ", ".join(f"`{t}`" for t in snap.get("events", {}))
    client = ", ".join(f"`{t}`" for t in snap.get("client_events", {}))
    return [
        Patch(
            "OAI-S1",
            "openai",
            "wire",
            f"event types the OAS lacks: {events}; client events {client}",
            "new event types, each the SDK model's JSON Schema (`openai/events/`, client events in "
            "`openai/client/`), `sequence_number` handled as ALL-C1",
            "the SDK's WebSocket unions have them (steering, CHANGES-2026-12.md §1.2); the OAS of 2026-08-21 "
            "does not; the connection machine checks where they may come",
            source,
            lambda s: None,
        ),
        Patch(
            "OAI-S2",
            "openai",
            "wire",
            "closed enums the SDK widened: "
            + "; ".join(
                f"`{rel.rsplit('/', 1)[-1]}{ptr}` + {', '.join(map(str, vals))}"
                for rel, by_ptr in snap.get("enums", {}).items()
                for ptr, vals in by_ptr.items()
            ),
            "values added to the enum (default and drift variants)",
            "the newest SDK accepts them, so the API sends them (e.g. `incomplete_details.reason` `steered` "
            "on a steered WebSocket response, `max_messages`)",
            source,
            lambda s: None,
        ),
        *(
            [
                Patch(
                    "OAI-S3",
                    "openai",
                    "wire",
                    "union members the SDK added: "
                    + "; ".join(
                        f"`{rel.rsplit('/', 1)[-1]}{where.split('#')[0]}` + {', '.join(by_tag)}"
                        for rel, by_where in snap["members"].items()
                        for where, by_tag in by_where.items()
                    ),
                    "a branch per member (the SDK model's JSON Schema, references inlined), its tag added to "
                    "the union's `type` enum (default and drift variants)",
                    "the newest SDK reads these item, part or annotation types, so the API sends them; a "
                    "closed union would call each an RSP103",
                    source,
                    lambda s: None,
                )
            ]
            if snap.get("members")
            else []
        ),
    ]


def add_members(node: dict[str, Json], keyword: str, members: dict[str, Json], note: str) -> None:
    """OAI-S3: each member a branch of the union at ``node`` (``anyOf``/``oneOf`` branches, or
    ``allOf`` if/then branches dispatched on ``type`` with the tag in ``properties.type.enum``),
    unless the union already has a branch of that tag (the OAS may have caught up)."""
    branches = node.setdefault(keyword, [])
    for tag, schema in members.items():
        if any(_branch_tag(b, keyword) == tag for b in branches):
            continue
        body = copy.deepcopy(schema)
        _comment(body, "OAI-S3", f"member `{tag}` {note}")
        branches.append(
            {"if": {"properties": {"type": {"const": tag}}}, "then": body} if keyword == "allOf" else body
        )
        enum = node.get("properties", {}).get("type", {}).get("enum")
        if isinstance(enum, list) and tag not in enum:
            enum.append(tag)


def _branch_tag(branch: Json, keyword: str) -> str | None:
    if not isinstance(branch, dict):
        return None
    where = branch.get("if") if keyword == "allOf" else branch
    prop = where.get("properties", {}).get("type", {}) if isinstance(where, dict) else {}
    return prop.get("const") if isinstance(prop, dict) else None


def _apply_snapshot(snap: dict[str, Json], out: Output, manifest: dict[str, Json]) -> None:
    """OAI-S1, OAI-S2 and OAI-S3 on the translated openai files."""
    for etype, schema in snap.get("events", {}).items():
        rel = f"openai/events/{etype}.json"
        body = copy.deepcopy(schema)
        _comment(body, "OAI-S1", f"transcribed from {snap['source']} (pydantic model JSON Schema)")
        _event_conventions(body)
        out.add(rel, _doc(rel, body.get("title", etype), body))
        manifest["events"][etype] = f"events/{etype}.json"
    manifest["events"] = dict(sorted(manifest["events"].items()))
    client = {}
    for etype, schema in snap.get("client_events", {}).items():
        rel = f"openai/client/{etype}.json"
        body = copy.deepcopy(schema)
        _comment(body, "OAI-S1", f"client event transcribed from {snap['source']}")
        out.add(rel, _doc(rel, body.get("title", etype), body))
        client[etype] = f"client/{etype}.json"
    manifest["client_events"] = client
    for rel, by_ptr in snap.get("enums", {}).items():
        for doc in _variants(out, rel):
            for ptr, values in by_ptr.items():
                parent_ptr, _, key = ptr.rpartition("/")
                node = _at(doc, parent_ptr)
                have = node.pop("const", None) if key == "const" else None
                enum = node.setdefault("enum", [] if have is None else [have])
                enum.extend(v for v in values if v not in enum)
                _comment(node, "OAI-S2", f"{', '.join(map(str, values))} added by {snap['source']}")
    for rel, by_where in snap.get("members", {}).items():
        for doc in _variants(out, rel):
            for where, members in by_where.items():
                ptr, _, keyword = where.partition("#")
                add_members(_at(doc, ptr), keyword, members, f"added by {snap['source']}")
    manifest["patches"] += [pt.id for pt in _sdk_patches(snap)]


def _variants(out: Output, rel: str) -> list[dict[str, Json]]:
    """The translated openai file ``rel`` and its drift variant, those that exist."""
    drift = "openai/drift/" + rel[len("openai/") :]
    return [out.files[target] for target in (rel, drift) if target in out.files]


CONVENTIONS = [
    Patch(
        "ALL-C1",
        "all",
        "convention",
        "`sequence_number` on every event",
        "not required; `integer`, `minimum: 0`",
        "its absence is reported once per stream by the lifecycle layer (RSP201/RSP202): pre-May-2025 "
        "OpenAI streams have none and are valid for their era",
        "RULES.md B1; EVENTS.md §12.6",
        lambda s: None,
    ),
    Patch(
        "ALL-C2",
        "all",
        "convention",
        "index fields of events (" + ", ".join(INDEX_FIELDS) + ")",
        "`minimum: 0`",
        "0-based everywhere; neither spec says so",
        "EVENTS.md §2, §12.5",
        lambda s: None,
    ),
    Patch(
        "ALL-C3",
        "all",
        "convention",
        "`oneOf`/`anyOf` whose branches are objects with distinct `type` constants, each required or "
        "under a `discriminator`",
        "dispatch on `type` (`if`/`then` per branch, plus an `enum` of the known types; `type` required)",
        "open objects can match several branches, and per-branch errors name the real problem; OAS 3.1 "
        "makes the discriminator property mandatory in the payload",
        "EVENTS.md §12.1",
        lambda s: None,
    ),
    Patch(
        "ALL-C4",
        "all",
        "convention",
        "other `oneOf`",
        "`anyOf`",
        "branches are open objects or disjoint JSON types: exclusivity adds nothing but false positives",
        "EVENTS.md §12.4",
        lambda s: None,
    ),
]


# --------------------------------------------------------------------------- translation


class GenError(Exception):
    """The spec no longer matches what a patch or translation rule expects."""


def _ref_name(ref: str) -> str:
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise GenError(f"unsupported $ref {ref!r}")
    return ref[len(prefix) :]


def _refs(node: Json, acc: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                acc.add(_ref_name(value))
            else:
                _refs(value, acc)
    elif isinstance(node, list):
        for value in node:
            _refs(value, acc)
    return acc


def closure(components: dict[str, Json], roots: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in components:
            raise GenError(f"dangling $ref to {name!r} in the spec")
        seen.add(name)
        todo.extend(_refs(components[name], set()) - seen)
    return sorted(seen)


class Translator:
    """OpenAPI 3.1 component → standalone Draft 2020-12 schema with file references."""

    def __init__(self, components: dict[str, Json]) -> None:
        self.components = components

    def _resolve(self, node: Json) -> Json:
        while isinstance(node, dict) and "$ref" in node:
            node = self.components[_ref_name(node["$ref"])]
        return node

    def variant_type(self, node: Json) -> tuple[tuple[str, ...], bool]:
        """The ``type`` constants an object branch allows, and whether it requires ``type``."""
        node = self._resolve(node)
        if not isinstance(node, dict):
            return (), False
        consts: tuple[str, ...] = ()
        required = "type" in node.get("required", [])
        prop = node.get("properties", {}).get("type")
        if isinstance(prop, dict):
            if isinstance(prop.get("const"), str):
                consts = (prop["const"],)
            elif isinstance(prop.get("enum"), list) and all(isinstance(v, str) for v in prop["enum"]):
                consts = tuple(prop["enum"])
        for sub in node.get("allOf", []):
            c, r = self.variant_type(sub)
            consts = consts or c
            required = required or r
        return consts, required

    def dispatch_types(self, branches: list[Json], discriminated: bool) -> list[tuple[str, ...]] | None:
        """The branch types when the union can be dispatched on ``type``.

        With a ``discriminator`` the OAS already makes ``type`` mandatory in the payload;
        without one, every branch must require it. The branches' type sets must be disjoint.
        """
        types: list[tuple[str, ...]] = []
        for branch in branches:
            consts, required = self.variant_type(branch)
            if not consts or not (required or discriminated):
                return None
            types.append(consts)
        flat = [t for ts in types for t in ts]
        return types if len(set(flat)) == len(flat) else None

    def translate(self, node: Json, ref: Callable[[str], str], self_name: str) -> Json:
        if isinstance(node, list):
            return [self.translate(v, ref, self_name) for v in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Json] = {}
        dispatch: dict[str, Json] | None = None
        for key, value in node.items():
            if key in DROP_KEYS or key.startswith("x-"):
                continue
            if key == "$ref":
                out["$ref"] = ref(_ref_name(value))
            elif key == "$recursiveRef":
                # Only CompoundFilter uses it, meaning "this very schema".
                out["$ref"] = ref(self_name)
            elif key in ("properties", "patternProperties", "$defs", "dependentSchemas"):
                out[key] = {k: self.translate(v, ref, self_name) for k, v in value.items()}
            elif key in ("description", "title", "default", "enum", "const", "required", "$comment"):
                out[key] = copy.deepcopy(value)
            elif key in ("oneOf", "anyOf"):
                types = self.dispatch_types(value, "discriminator" in node)
                if key == "anyOf" and types is None:
                    out[key] = [self.translate(v, ref, self_name) for v in value]
                    continue
                branches = [self.translate(v, ref, self_name) for v in value]
                if types is None:
                    out["anyOf"] = branches
                    _comment(out, "ALL-C4", "oneOf read as anyOf")
                else:
                    dispatch = _dispatch(types, branches)
            else:
                out[key] = self.translate(value, ref, self_name)
        if dispatch is not None:
            _merge_dispatch(out, dispatch)
        return out


def _dispatch(types: list[tuple[str, ...]], branches: list[Json]) -> dict[str, Json]:
    def test(ts: tuple[str, ...]) -> Json:
        return {"const": ts[0]} if len(ts) == 1 else {"enum": list(ts)}

    return {
        "properties": {"type": {"enum": [t for ts in types for t in ts]}},
        "allOf": [
            {"if": {"properties": {"type": test(ts)}}, "then": branch}
            for ts, branch in zip(types, branches, strict=True)
        ],
    }


def _merge_dispatch(out: dict[str, Json], dispatch: dict[str, Json]) -> None:
    out["type"] = "object"
    _comment(out, "ALL-C3", "union dispatched on `type`")
    out["required"] = list(dict.fromkeys([*out.get("required", []), "type"]))
    out.setdefault("properties", {})["type"] = dispatch["properties"]["type"]
    out["allOf"] = [*out.get("allOf", []), *dispatch["allOf"]]


def _event_conventions(schema: dict[str, Json]) -> None:
    """ALL-C1/ALL-C2 on one event schema (top-level and, for if/then shapes, the branches)."""
    for node in (schema, schema.get("then"), schema.get("else")):
        if not isinstance(node, dict):
            continue
        props = node.get("properties", {})
        if "sequence_number" in props:
            props["sequence_number"] = {**props["sequence_number"], "minimum": 0}
        if "sequence_number" in node.get("required", []):
            node["required"] = [r for r in node["required"] if r != "sequence_number"]
            _comment(node, "ALL-C1", "sequence_number is checked by the lifecycle layer (RSP201/RSP202)")
        for name in INDEX_FIELDS:
            if isinstance(props.get(name), dict):
                props[name] = {**props[name], "minimum": 0}


def _event_type(schema: Json) -> str:
    enum = schema.get("properties", {}).get("type", {}).get("enum")
    if not (isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str)):
        raise GenError(f"event schema without a single type constant: {schema.get('title')}")
    return enum[0]


# --------------------------------------------------------------------------- profiles


@dataclass
class Profile:
    name: str
    spec_file: str
    components: dict[str, Json]
    events: dict[str, str]  #: event type -> component name
    patches: list[tuple[str, Patch]]  #: component patches
    event_patches: list[Patch]
    extension_items: bool = False
    spec_sha: str = ""


def _load(spec_dir: Path, name: str) -> tuple[Json, str]:
    path = spec_dir / name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GenError(f"cannot read {path}: {exc}") from exc
    return json.loads(raw), hashlib.sha256(raw).hexdigest()


def openai_profile(spec_dir: Path) -> Profile:
    doc, sha = _load(spec_dir, OPENAI_SPEC)
    comps = copy.deepcopy(doc["components"]["schemas"])
    union = comps["ResponseStreamEvent"]["anyOf"]
    names = [_ref_name(b["$ref"]) for b in union]
    comps["KeepaliveEvent"] = KEEPALIVE
    comps["ResponseCompactionCompactingEvent"] = COMPACTION_COMPACTING
    comps["ResponseApplyPatchCallOperationDiffDeltaEvent"] = APPLY_PATCH_DIFF_DELTA
    comps["ResponseApplyPatchCallOperationDiffDoneEvent"] = APPLY_PATCH_DIFF_DONE
    names += [
        "KeepaliveEvent",
        "ResponseCompactionCompactingEvent",
        "ResponseApplyPatchCallOperationDiffDeltaEvent",
        "ResponseApplyPatchCallOperationDiffDoneEvent",
    ]
    events = {_event_type(comps[n]): n for n in names}
    if len(events) != len(names):
        raise GenError("duplicate event types in ResponseStreamEvent")
    return Profile("openai", OPENAI_SPEC, comps, events, _oai_patches(), _oai_event_patches(), spec_sha=sha)


def open_responses_profile(spec_dir: Path) -> Profile:
    doc, sha = _load(spec_dir, OR_SPEC)
    comps = copy.deepcopy(doc["components"]["schemas"])
    stream = doc["paths"]["/responses"]["post"]["responses"]["200"]["content"]["text/event-stream"]["schema"]
    names = [_ref_name(b["$ref"]) for b in stream["oneOf"]]
    events = {_event_type(comps[n]): n for n in names}
    return Profile("open-responses", OR_SPEC, comps, events, [], [], extension_items=True, spec_sha=sha)


def _apply_component_patches(profile: Profile, comps: dict[str, Json], *, drift: bool) -> set[str]:
    """Apply the profile's component patches in place; returns the components drift patches touched."""
    touched: set[str] = set()
    for comp, patch in profile.patches:
        if patch.kind == "drift":
            touched.add(comp)
            if not drift:
                continue
        patch.apply(comps[comp])
    return touched


def _referrers(comps: dict[str, Json], names: Iterable[str], targets: set[str]) -> set[str]:
    """Components among ``names`` that reach any of ``targets`` (targets included)."""
    names = list(names)
    direct = {n: _refs(comps[n], set()) for n in names}
    found = set(targets)
    changed = True
    while changed:
        changed = False
        for n in names:
            if n not in found and direct[n] & found:
                found.add(n)
                changed = True
    return found


def _extension_items(schema: Json) -> None:
    """Open Responses: items may carry implementor-prefixed types (``acme:thing``)."""
    if isinstance(schema, dict):
        if schema.get("$comment", "").startswith("patch ALL-C3") and "enum" in schema["properties"]["type"]:
            known = schema["properties"]["type"]["enum"]
            schema["properties"]["type"] = {
                "$comment": "patch OR-W1: extension types `slug:name` are allowed (spec L754-L765)",
                "if": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+:[^:]+$"},
                "else": {"enum": known},
            }
        for value in schema.values():
            _extension_items(value)
    elif isinstance(schema, list):
        for value in schema:
            _extension_items(value)


@dataclass
class Output:
    files: dict[str, Json] = field(default_factory=dict)  #: relative path -> schema

    def add(self, rel: str, schema: Json) -> None:
        if rel in self.files:
            raise GenError(f"two schemas for {rel}")
        self.files[rel] = schema


def _doc(rel: str, title: str, body: dict[str, Json]) -> dict[str, Json]:
    head = {"$schema": DRAFT, "$id": BASE_URI + rel, "title": body.get("title", title)}
    rest = {k: v for k, v in body.items() if k != "title"}
    return {**head, **rest}


def build_profile(profile: Profile, out: Output) -> dict[str, Json]:
    """Translate one profile into ``out``; returns its manifest."""
    lenient = copy.deepcopy(profile.components)
    drift_targets = _apply_component_patches(profile, lenient, drift=True)
    exact = copy.deepcopy(profile.components)
    _apply_component_patches(profile, exact, drift=False)

    event_names = set(profile.events.values())
    defs = [n for n in closure(lenient, event_names) if n not in event_names]
    for n in defs:
        if _refs(lenient[n], set()) & event_names:
            raise GenError(f"definition {n} references an event schema")
    tr = Translator(lenient)
    tr_exact = Translator(exact)
    p = profile.name

    def build_event(comps_tr: Translator, comp: str, ref: Callable[[str], str]) -> dict[str, Json]:
        body = comps_tr.translate(comps_tr.components[comp], ref, comp)
        for patch in profile.event_patches:
            if patch.id == "OAI-W1" and comp == "ResponseErrorEvent":
                patch.apply(body)
            if (
                patch.id == "OAI-W2"
                and comps_tr.components[comp] is not None
                and _event_type(comps_tr.components[comp]).endswith(".delta")
            ):
                patch.apply(body)
        _event_conventions(body)
        if profile.extension_items:
            _extension_items(body)
        return body

    for name in defs:
        body = tr.translate(lenient[name], lambda n: f"{n}.json", name)
        if profile.extension_items:
            _extension_items(body)
        out.add(f"{p}/defs/{name}.json", _doc(f"{p}/defs/{name}.json", name, body))
    for etype, comp in sorted(profile.events.items()):
        rel = f"{p}/events/{etype}.json"
        out.add(rel, _doc(rel, comp, build_event(tr, comp, lambda n: f"../defs/{n}.json")))

    # The spec-exact overlay: what the drift patches relaxed, and everything above it.
    drift_defs: list[str] = []
    drift_events: list[str] = []
    if drift_targets:
        affected = _referrers(exact, list(event_names) + defs, drift_targets)
        drift_defs = sorted(n for n in affected if n not in event_names)
        drift_events = sorted(t for t, c in profile.events.items() if c in affected)
        in_overlay = set(drift_defs)
        for name in drift_defs:
            body = tr_exact.translate(
                exact[name], lambda n: f"{n}.json" if n in in_overlay else f"../../defs/{n}.json", name
            )
            rel = f"{p}/drift/defs/{name}.json"
            out.add(rel, _doc(rel, name, body))
        for etype in drift_events:
            comp = profile.events[etype]
            rel = f"{p}/drift/events/{etype}.json"
            ref = lambda n: f"../defs/{n}.json" if n in in_overlay else f"../../defs/{n}.json"  # noqa: E731
            out.add(rel, _doc(rel, comp, build_event(tr_exact, comp, ref)))

    patches = [pt for _, pt in profile.patches] + profile.event_patches
    if profile.extension_items:
        patches.append(_OR_EXTENSION)
    unique = list({pt.id: pt for pt in patches}.values())
    return {
        "profile": p,
        "source": {
            "file": profile.spec_file,
            "version": SPEC_PROVENANCE[profile.spec_file],
            "sha256": profile.spec_sha,
        },
        "events": {t: f"events/{t}.json" for t in sorted(profile.events)},
        "drift_events": {t: f"drift/events/{t}.json" for t in drift_events},
        "defs": len(defs),
        "patches": [pt.id for pt in unique],
    }


_OR_EXTENSION = Patch(
    "OR-W1",
    "open-responses",
    "convention",
    "item and part unions (`type`)",
    "implementor-prefixed types `slug:name` accepted besides the known ones",
    "the spec lets items and tools use prefixed types; clients must ignore them safely",
    "Open Responses 2026-04-24 L754-L765; EVENTS.md §9",
    lambda s: None,
)


# --------------------------------------------------------------------------- README


def _readme(manifests: list[dict[str, Json]], profiles: list[Profile]) -> str:
    lines = [
        "# schemas/",
        "",
        "Generated by `tools/gen_schemas.py`; do not edit by hand. Regenerate with",
        "",
        "```",
        "python tools/gen_schemas.py --spec-dir ../shared/spec",
        "python tools/gen_schemas.py --spec-dir ../shared/spec --check   # verify the committed files",
        "```",
        "",
        "## Layout",
        "",
        "| path | what |",
        "|---|---|",
        "| `<profile>/events/<type>.json` | one Draft 2020-12 schema per event `type` (file name = type) |",
        "| `<profile>/defs/<Component>.json` | every shared definition the events reference (response, "
        "output items, content parts, annotations, usage, errors, tools ...), one per OpenAPI component |",
        "| `openai/drift/{events,defs}/` | spec-exact versions of what the `drift` patches relax, "
        "and of everything referencing it; used only with `--strict` to report RSP105 |",
        "| `<profile>/index.json` | manifest: event types, source spec and hash, patches applied |",
        "",
        f"Every file has an `$id` under `{BASE_URI}` and refers to others by relative `$ref`. The validator "
        "loads all of them into one `referencing.Registry` (and the same resources into a "
        "`jsonschema_rs.Registry`); "
        "retrieval of anything else raises: a dangling `$ref` is an internal error, never a network fetch.",
        "",
        "## Sources",
        "",
        "| profile | spec file | version | sha256 |",
        "|---|---|---|---|",
    ]
    for m in manifests:
        src = m["source"]
        lines.append(f"| `{m['profile']}` | `{src['file']}` | {src['version']} | `{src['sha256']}` |")
    lines += [
        "",
        f"Extra event types transcribed from the SDK: {SDK_PROVENANCE}.",
        "",
        "## Translation (all profiles)",
        "",
        "* `#/components/schemas/X` becomes a relative reference to `defs/X.json`; `$recursiveRef: '#'` "
        "(CompoundFilter) becomes a reference to the schema itself.",
        "* Dropped: `example`, `examples`, `discriminator`, `deprecated`, `$recursiveAnchor`, every `x-*` "
        "extension. Kept: `title`, `description`, `default`.",
        "* `format` is kept as an annotation and never asserted (both engines run without format checks).",
        "* Events stay open: no `additionalProperties: false` is added anywhere.",
        "",
        "## Patches",
        "",
        "Kinds: **defect** (the spec contradicts itself; fixed in every variant), **wire** (what the API "
        "really sends; accepted in the profile), **drift** (the newest spec requires a field that streams "
        "from earlier API versions lack: optional in the default schemas, reported as RSP105 warning with "
        "`--strict`), **convention** (validator-wide rules, EVENTS.md §12). Each patched node carries a "
        "`$comment` starting with `patch <id>:`.",
        "",
        "| id | profile | kind | target | change | why | source |",
        "|---|---|---|---|---|---|---|",
    ]
    seen: set[str] = set()
    rows = list(CONVENTIONS)
    for prof in profiles:
        rows += [pt for _, pt in prof.patches] + prof.event_patches
    rows += _sdk_patches(_snapshot())
    rows.append(_OR_EXTENSION)
    for pt in rows:
        key = pt.id + pt.target
        if key in seen:
            continue
        seen.add(key)
        lines.append(
            f"| {pt.id} | {pt.profile} | {pt.kind} | {pt.target} | {pt.change} | {pt.why} | {pt.source} |"
        )
    lines += [
        "",
        "## Drift (RSP105)",
        "",
        "The fields below are required by the newest OpenAI spec but absent from real streams of earlier API "
        "versions (or omitted unless requested). The default `openai` profile accepts their absence; "
        "`strict=True` validates an event that passed against the spec-exact overlay in `openai/drift/` and "
        "reports each missing field as RSP105 (warning) with its JSON pointer.",
        "",
        "| id | field |",
        "|---|---|",
    ]
    for prof in profiles:
        for _, pt in prof.patches:
            if pt.kind == "drift" and pt.id + "drift" not in seen:
                seen.add(pt.id + "drift")
                lines.append(f"| {pt.id} | {pt.target} |")
    lines += ["", "## Event types", ""]
    for m in manifests:
        types = list(m["events"])
        lines += [f"### `{m['profile']}` ({len(types)} types)", "", ", ".join(f"`{t}`" for t in types), ""]
    lines += [
        "## Known limits",
        "",
        "* `response.apply_patch_call_operation_diff.delta/done` are sent by api.openai.com (corpus 026) "
        "but are neither in the OAS nor in the openai-python SDK, so they are not in the `openai` "
        "profile (RSP102 warning).",
        "* Enums are closed except where a patch opens them: a new enum value on the wire is a "
        "schema violation "
        "until the spec (or a wire patch) admits it.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _dump(schema: Json) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generate(spec_dir: Path) -> dict[str, str]:
    """All generated files: relative path -> text."""
    profiles = [openai_profile(spec_dir), open_responses_profile(spec_dir)]
    out = Output()
    manifests = [build_profile(p, out) for p in profiles]
    snap = _snapshot()
    if snap:
        _apply_snapshot(snap, out, manifests[0])
    texts = {rel: _dump(schema) for rel, schema in out.files.items()}
    for m in manifests:
        texts[f"{m['profile']}/index.json"] = _dump(m)
    texts["README.md"] = _readme(manifests, profiles)
    return texts


def _existing(out_dir: Path, profiles: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for p in profiles:
        base = out_dir / p
        if base.is_dir():
            found |= {f.relative_to(out_dir).as_posix() for f in base.rglob("*") if f.is_file()}
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--spec-dir", type=Path, default=DEFAULT_SPEC_DIR, help="folder holding the OpenAPI JSON files"
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: <repo>/schemas)")
    ap.add_argument("--check", action="store_true", help="only report whether the files are up to date")
    args = ap.parse_args(argv)
    try:
        texts = generate(args.spec_dir)
    except GenError as exc:
        print(f"gen_schemas: {exc}", file=sys.stderr)
        return 2
    stale = _existing(args.out, ("openai", "open-responses")) - set(texts)
    changed = sorted(rel for rel, text in texts.items() if _read(args.out / rel) != text)
    if args.check:
        for rel in changed:
            print(f"out of date: {rel}")
        for rel in sorted(stale):
            print(f"stale: {rel}")
        return 1 if changed or stale else 0
    for rel in sorted(stale):
        (args.out / rel).unlink()
    for rel in changed:
        path = args.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[rel], encoding="utf-8")
    for p in ("openai", "open-responses"):
        _prune_empty(args.out / p)
    print(f"gen_schemas: {len(texts)} files, {len(changed)} written, {len(stale)} removed")
    return 0


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _prune_empty(base: Path) -> None:
    if not base.is_dir():
        return
    for d in sorted((p for p in base.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(d.iterdir()):
            shutil.rmtree(d)


if __name__ == "__main__":
    sys.exit(main())
