#!/usr/bin/env python3
"""Generate the Chat Completions chunk schemas (Draft 2020-12) from the OpenAPI extract.

Reads ``chat/chat-chunk-schemas.openapi.json`` from the spec folder (default
``<repo>/../shared/spec``: a self-contained subset of the OpenAI OpenAPI 2.3.0 file) and
writes ``schemas/chat/``:

* ``chunks/<kind>.json``: one schema per chunk kind (``chunk``, ``usage``, ``moderation``,
  ``azure-annotation``, ``error``); the kind of a payload is decided by
  ``validator.protocols.chat.kinds.classify`` before its schema is looked up;
* ``answers/completion.json``: the non-streaming answer (``chat.completion``), from the full
  OpenAPI file (``openai-openapi.json``): ``CreateChatCompletionResponse`` and the components it
  references that the extract lacks;
* ``defs/<Component>.json``: every component the chunk and answer schemas reference;
* ``index.json``: the manifest (kinds, source and hash, patches);
* ``README.md``: the kinds, the translation and the profile decisions.

The translation is ``tools/gen_schemas.py``'s (one file per component, relative ``$ref``,
OpenAPI-only keywords dropped), after turning this OpenAPI 3.0 file's ``nullable: true``
into ``anyOf [..., null]``. Output is deterministic.

Usage::

    python tools/gen_chat_schemas.py [--spec-dir DIR] [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_schemas import (
    BASE_URI,
    DEFAULT_SPEC_DIR,
    DRAFT,
    GenError,
    Patch,
    Translator,
    _at,
    _comment,
    closure,
)
from generated_files import sync

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "schemas"
SPEC_FILE = "chat/chat-chunk-schemas.openapi.json"
#: The whole OpenAPI file the extract was taken from: the non-streaming answer's components.
FULL_SPEC_FILE = "openai-openapi.json"
ANSWER = "CreateChatCompletionResponse"
SPEC_VERSION = "subset of openai/openai-openapi `main` @ f85dbe2 (2026-08-21), info.version 2.3.0"
PROFILE = "chat"
CHUNK = "CreateChatCompletionStreamResponse"

Json = Any


def _denull(node: Json) -> Json:
    """OpenAPI 3.0 ``nullable: true`` → ``anyOf [schema, {type: null}]`` (recursively)."""
    if isinstance(node, list):
        return [_denull(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _denull(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        keep = {k: out.pop(k) for k in ("description", "title") if k in out}
        return {**keep, "anyOf": [out, {"type": "null"}]}
    return out


def _drop_required(path: str, name: str, patch_id: str, note: str) -> Any:
    def apply(comps: dict[str, Json]) -> None:
        node = _at(comps, path)
        if name not in node.get("required", []):
            raise GenError(
                f"{patch_id}: {name!r} not required at {path!r}; the spec changed, review the patch"
            )
        node["required"] = [r for r in node["required"] if r != name]
        _comment(node, patch_id, note)

    return apply


def _content_parts(comps: dict[str, Json]) -> None:
    node = _at(comps, "ChatCompletionStreamResponseDelta/properties/content")
    branches = node["anyOf"]
    if {"type": "string"} not in [{k: v for k, v in b.items() if k == "type"} for b in branches]:
        raise GenError("CH-W2: delta.content is no longer a string; review the patch")
    branches.append({"type": "array", "items": {"type": "object"}})
    _comment(node, "CH-W2", "a list of typed parts accepted here; reported as CH164")


def _is_nullable(node: Json) -> bool:
    return isinstance(node, dict) and (
        {"type": "null"} in node.get("anyOf", []) or node.get("type") == "null"
    )


def _optional_nullable(comps: dict[str, Json]) -> None:
    """Every optional member of every object accepts null (recursively, in every component)."""

    def walk(node: Json) -> None:
        if isinstance(node, list):
            for v in node:
                walk(v)
            return
        if not isinstance(node, dict):
            return
        for v in node.values():
            walk(v)
        props = node.get("properties")
        if not isinstance(props, dict):
            return
        required = set(node.get("required", []))
        for name, sub in props.items():
            if name in required or not isinstance(sub, dict) or _is_nullable(sub):
                continue
            keep = {k: sub[k] for k in ("description", "title") if k in sub}
            inner = {k: v for k, v in sub.items() if k not in keep}
            props[name] = {
                **keep,
                "anyOf": [inner, {"type": "null"}],
                "$comment": "patch CH-W3: null = absent",
            }

    walk(comps)


#: Each deliberate difference from the extract, applied to the components before translation.
PATCHES = (
    Patch(
        "CH-C1",
        PROFILE,
        "convention",
        "`choices[].finish_reason` required",
        "not required",
        "its absence is reported once per stream by the lifecycle layer (CH122, a warning), not per chunk",
        "CHAT.md CH022",
        _drop_required(
            f"{CHUNK}/properties/choices/items",
            "finish_reason",
            "CH-C1",
            "absence reported once per stream as CH122",
        ),
    ),
    Patch(
        "CH-W2",
        PROFILE,
        "wire",
        "`delta.content`",
        "a list of objects accepted besides string and null",
        "Mistral streams typed `thinking`/`text` parts there; the SDK tolerates it (CH164, a warning)",
        "CHAT.md §3 (extensions); corpus-chat 023",
        _content_parts,
    ),
    Patch(
        "CH-W3",
        PROFILE,
        "wire",
        "every optional member (`system_fingerprint`, `delta.tool_calls`, `usage.*_details`, ...)",
        "`null` accepted, read as absent",
        "openai-python types every optional member `Optional[...]` and reads null as absent; OpenAI "
        "itself sends `system_fingerprint: null`, Azure Foundry and Writer `tool_calls: null` and null "
        "usage details",
        "CHAT.md §2 (`system_fingerprint`); SDK-T; corpus-chat 006, 017, 045",
        _optional_nullable,
    ),
)


def _answer_optional(comps: dict[str, Json]) -> None:
    message = comps["ChatCompletionResponseMessage"]
    choice = comps[ANSWER]["properties"]["choices"]["items"]
    for node, name, where in ((message, "refusal", "message"), (choice, "logprobs", "choices[]")):
        if name not in node.get("required", []):
            raise GenError(f"CH-W4: {where}.{name} is no longer required; review the patch")
        node["required"] = [r for r in node["required"] if r != name]
        _comment(node, "CH-W4", f"{name} optional (openai-python: Optional = None)")


PATCHES = (
    *PATCHES,
    Patch(
        "CH-W4",
        PROFILE,
        "wire",
        "the non-streaming answer's `message.refusal` and `choices[].logprobs`",
        "not required",
        "openai-python 3.63.0 types both `Optional[...] = None` (`ChatCompletionMessage.refusal`, "
        "`Choice.logprobs`) and reads an absent one as null; compatible servers (vLLM, llama.cpp, "
        "Ollama) leave them out of a non-streaming answer",
        "OAS `ChatCompletionResponseMessage`, `CreateChatCompletionResponse`; SDK-T `chat_completion.py`, "
        "`chat_completion_message.py`",
        _answer_optional,
    ),
)

#: The non-streaming answers, by name: what ``proxy`` holds a JSON answer to.
ANSWERS: dict[str, dict[str, Json]] = {
    "completion": {
        "title": "Non-streaming answer",
        "description": "A chat.completion object: the answer to a request without `stream: true`.",
        "$ref": f"../defs/{ANSWER}.json",
    },
}

#: The translation's conventions (``tools/gen_schemas.py``) that apply to this extract.
CONVENTIONS = (
    ("ALL-C3", "`moderation.input`/`output` (`oneOf` with a `type` discriminator)", "dispatch on `type`"),
)

#: The kinds besides the content chunk: each is the chunk schema plus what makes it that kind.
KINDS: dict[str, dict[str, Json]] = {
    "chunk": {
        "title": "Content chunk",
        "description": "A chat.completion.chunk with one or more choices.",
        "$ref": f"../defs/{CHUNK}.json",
    },
    "usage": {
        "title": "Usage chunk",
        "description": "The chunk with `choices: []` and the final usage "
        "(`stream_options.include_usage: true`), last before [DONE] but for the moderation chunk.",
        "allOf": [{"$ref": f"../defs/{CHUNK}.json"}],
        "properties": {"choices": {"maxItems": 0}, "usage": {"$ref": "../defs/CompletionUsage.json"}},
        "required": ["usage"],
    },
    "moderation": {
        "title": "Moderation chunk",
        "description": "The chunk with `choices: []` and `moderation`, after the usage chunk "
        "(moderated completions).",
        "allOf": [{"$ref": f"../defs/{CHUNK}.json"}],
        "properties": {
            "choices": {"maxItems": 0},
            "moderation": {"$ref": "../defs/ChatCompletionModeration.json"},
        },
        "required": ["moderation"],
    },
    "azure-annotation": {
        "title": "Azure content-filter annotation chunk",
        "description": 'Azure OpenAI\'s `object: ""` chunk carrying prompt (or asynchronous content) filter '
        "results; not part of the OAS, shaped after the Azure OpenAI content-filtering reference and the "
        "captures (corpus-chat 015, 016). openai-python skips it.",
        "type": "object",
        "properties": {
            "object": {"const": ""},
            "id": {"type": "string"},
            "model": {"type": "string"},
            "created": {"type": "integer"},
            "choices": {"type": "array", "items": {"type": "object"}},
            "prompt_filter_results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "prompt_index": {"type": "integer"},
                        "content_filter_results": {"type": "object"},
                    },
                    "required": ["prompt_index", "content_filter_results"],
                },
            },
        },
        "required": ["object", "choices"],
    },
    "error": {
        "title": "In-band error",
        "description": 'A `data: {"error": {...}}` payload: the stream failed. openai-python only reads '
        "`error.message` (and raises APIError), so the other members are not constrained: providers send "
        "`code` as a string, a number or null, and `type` as null (LiteLLM).",
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "message": {"type": "string"},
                    "type": {"type": ["string", "null"]},
                    "param": {"type": ["string", "null"]},
                    "code": {"type": ["string", "integer", "null"]},
                },
                "required": ["message"],
            }
        },
        "required": ["error"],
    },
}


def _doc(rel: str, title: str, body: dict[str, Json]) -> dict[str, Json]:
    head = {"$schema": DRAFT, "$id": BASE_URI + rel, "title": body.get("title", title)}
    return {**head, **{k: v for k, v in body.items() if k != "title"}}


def _components(path: Path) -> tuple[bytes, dict[str, Any]]:
    """An OpenAPI file's bytes (their digest goes in the index) and its component schemas,
    nullable forms rewritten (:func:`_denull`)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GenError(f"cannot read {path}: {exc}") from exc
    return raw, _denull(json.loads(raw)["components"]["schemas"])


def generate(spec_dir: Path) -> dict[str, str]:
    """All generated files: path relative to ``schemas/`` -> text."""
    raw, comps = _components(spec_dir / SPEC_FILE)
    full_raw, full = _components(spec_dir / FULL_SPEC_FILE)
    for name in closure(full, [ANSWER]):
        comps.setdefault(name, full[name])  # the extract's own copy where it has one
    for patch in PATCHES:
        patch.apply(comps)
    tr = Translator(comps)
    files: dict[str, Json] = {}
    for name in closure(comps, [CHUNK, ANSWER]):
        rel = f"{PROFILE}/defs/{name}.json"
        files[rel] = _doc(rel, name, tr.translate(copy.deepcopy(comps[name]), lambda n: f"{n}.json", name))
    for kind, body in KINDS.items():
        rel = f"{PROFILE}/chunks/{kind}.json"
        files[rel] = _doc(rel, kind, copy.deepcopy(body))
    for name, body in ANSWERS.items():
        rel = f"{PROFILE}/answers/{name}.json"
        files[rel] = _doc(rel, name, copy.deepcopy(body))
    index = {
        "profile": PROFILE,
        "profiles": ["chat", "chat-compat"],
        "source": {"file": SPEC_FILE, "version": SPEC_VERSION, "sha256": hashlib.sha256(raw).hexdigest()},
        "answer_source": {"file": FULL_SPEC_FILE, "sha256": hashlib.sha256(full_raw).hexdigest()},
        "events": {kind: f"chunks/{kind}.json" for kind in KINDS},
        "answers": {name: f"answers/{name}.json" for name in ANSWERS},
        "defs": len(files) - len(KINDS) - len(ANSWERS),
        "patches": [p.id for p in PATCHES],
    }
    texts = {rel: _dump(body) for rel, body in files.items()}
    texts[f"{PROFILE}/index.json"] = _dump(index)
    texts[f"{PROFILE}/README.md"] = _readme(index)
    return texts


def _readme(index: dict[str, Json]) -> str:
    lines = [
        "# schemas/chat/",
        "",
        "Generated by `tools/gen_chat_schemas.py`; do not edit by hand. Regenerate with",
        "",
        "```",
        "python tools/gen_chat_schemas.py --spec-dir ../shared/spec",
        "python tools/gen_chat_schemas.py --spec-dir ../shared/spec --check   # verify the committed files",
        "```",
        "",
        f"Source: `{index['source']['file']}` ({index['source']['version']}), "
        f"sha256 `{index['source']['sha256']}`.",
        "",
        "## Chunk kinds",
        "",
        "A payload's kind is decided by `validator.protocols.chat.kinds.classify` (from `object`, `error`,",
        "`choices`, `usage`, `moderation`), then checked against `chunks/<kind>.json`. Both profiles",
        "(`chat`, `chat-compat`) use these schemas; they differ in the severities of the rules only.",
        "",
        "| kind | schema | what |",
        "|---|---|---|",
    ]
    for kind, body in KINDS.items():
        lines.append(f"| `{kind}` | `chunks/{kind}.json` | {body['title']}: {body['description']} |")
    lines += [
        "",
        "## Non-streaming answer",
        "",
        f"`answers/completion.json`: `{ANSWER}` (the `chat.completion` a request without `stream: true`",
        f"gets), with the components the extract lacks taken from `{FULL_SPEC_FILE}` "
        f"(sha256 `{index['answer_source']['sha256']}`).",
        "The proxy checks a non-streaming answer against it (CH100).",
        "",
        "## Translation",
        "",
        "As `schemas/README.md` describes for the Responses schemas (one file per component, relative",
        "`$ref`, `example`/`discriminator`/`deprecated`/`x-*` dropped, objects left open), after turning the",
        "OpenAPI 3.0 `nullable: true` of this extract into `anyOf [schema, {type: null}]`.",
        "",
        "## Patches and decisions",
        "",
        "| id | kind | target | change | why | source |",
        "|---|---|---|---|---|---|",
    ]
    for p in PATCHES:
        lines.append(f"| {p.id} | {p.kind} | {p.target} | {p.change} | {p.why} | {p.source} |")
    for cid, target, change in CONVENTIONS:
        lines.append(
            f"| {cid} | convention | {target} | {change} | as for every schema set | schemas/README.md |"
        )
    lines += [
        "",
        'Not patched, on purpose: `service_tier: ""` (Snowflake, corpus-chat 038) is a schema violation',
        "(CH100): the OAS does not allow it and the SDK's Literal type rejects it.",
        "",
    ]
    return "\n".join(lines)


def _dump(schema: Json) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spec-dir", type=Path, default=DEFAULT_SPEC_DIR, help="the shared spec folder")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: <repo>/schemas)")
    ap.add_argument("--check", action="store_true", help="only report whether the files are up to date")
    args = ap.parse_args(argv)
    try:
        texts = generate(args.spec_dir)
    except GenError as exc:
        print(f"gen_chat_schemas: {exc}", file=sys.stderr)
        return 2
    base = args.out / PROFILE
    files = {args.out / rel: text.encode("utf-8") for rel, text in texts.items()}
    stale = sorted(f for f in base.rglob("*") if f.is_file() and f not in files) if base.is_dir() else []
    changed = sync(files, check=args.check, root=args.out, stale=stale)
    if args.check:
        return 1 if changed else 0
    print(f"gen_chat_schemas: {len(texts)} files, {changed} written or removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
