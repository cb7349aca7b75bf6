#!/usr/bin/env python3
"""Keep the schemas current: what a newer openai SDK (or OpenAPI file) changed against ``schemas/``.

Reads the event unions of an installed ``openai`` package (the SSE ``ResponseStreamEvent``, the
WebSocket ``ResponsesServerEvent`` and ``ResponsesClientEvent``; each member's JSON Schema comes
from its pydantic model) or of an OpenAPI file (``ResponseStreamEvent``), walks them and our
``schemas/openai`` side by side, field by field, and lists:

* event types the source has and we do not (and the other way round);
* fields (dotted paths, ``<type>`` for a member of a union dispatched on ``type``, ``[]`` for
  array elements) that are new or gone;
* required lists that changed (a field the source requires and we do not, and the other way);
* enum values the source added or dropped;
* union members (the branches of a union dispatched on ``type``, e.g. an output item type) the
  source added or dropped.

``--write`` then records what it found in the snapshot ``tools/sdk/openai-python.json`` (the JSON
Schema of every event type the OpenAPI file lacks, the client events, and every enum value the
SDK added where our schemas have a closed enum, and the JSON Schema of every union member the SDK
added where our union is dispatched on ``type``) and regenerates ``schemas/`` with
``tools/gen_schemas.py``, which applies the snapshot as the patches ``OAI-S1`` (SDK-only event
types), ``OAI-S2`` (enum values the SDK added) and ``OAI-S3`` (union members the SDK added).
Everything else it lists needs a decision: a field the SDK stopped requiring, a new required
field, a member the SDK dropped. Make it a patch in
``tools/gen_schemas.py`` with its reason, run ``--write`` again, and the listing shrinks to what
was decided against (each such line says so in ``DECIDED`` below).

    python tools/sdk_sync.py                      # the installed openai package against schemas/
    python tools/sdk_sync.py --write              # ... and apply it (snapshot + schemas/)
    python tools/sdk_sync.py --openapi FILE       # an OpenAPI file instead of the SDK
    python tools/sdk_sync.py --check              # exit 1 when an undecided difference is left

Maintainer-only: needs the ``openai`` package (the test extra pins it), never used by the validator.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SNAPSHOT = ROOT / "tools" / "sdk" / "openai-python.json"
SCHEMAS = ROOT / "schemas"
#: How deep a walk goes into nested objects: the Response object's own fields and those of its
#: output items and their parts are what streams carry; request-side configuration below that
#: (tool definitions inside tools inside the response) only multiplies the listing.
MAX_DEPTH = 7

Json = Any

#: Differences we decided not to follow, with the reason (the listing marks them, --check ignores
#: them). Key: (kind, path), path as printed without the event type.
DECIDED: dict[tuple[str, str], str] = {
    ("gone-event", ""): "keepalive and the apply_patch diff events are wire patches OAI-W3, OAI-W13 "
    "(sent by api.openai.com, in no SDK union)",
    ("new-event", ""): "SDK-only types come from the snapshot (OAI-S1); `response.create` is the request "
    "body, judged by RSP109 only",
    ("now-required", "sequence_number"): "ALL-C1: its absence is reported by RSP201/RSP202, once per stream",
    ("now-required", "logprobs"): "drift OAI-R1 (omitted unless requested; RSP105 with --strict)",
    ("now-required", "response.usage.input_tokens_details.cache_write_tokens"): "drift OAI-R3",
    ("now-required", "item<web_search_call>.action"): "wire OAI-W8 (no action before the search ran)",
    ("now-required", "response.output[]<web_search_call>.action"): "wire OAI-W8",
    ("now-required", "response.model"): "the OAS leaves it optional; every capture sends it, and a "
    "snapshot without it is not a stream defect the SDK's accumulator notices (it is not strict)",
    ("gone-field", "error"): "wire OAI-W1: api.openai.com nests the error payload",
    ("gone-field", "name"): "OAI-R4: kept as an optional property so that RSP311 compares a name when sent",
    ("gone-field", "obfuscation"): "wire OAI-W2 (sent on every delta)",
    ("gone-field", "response.output_text"): "an SDK convenience property, never on the wire",
}
#: Whole kinds decided once: the schemas are open objects, and follow the OAS' required lists.
DECIDED_KINDS: dict[str, str] = {
    "new-field": "events and objects stay open (no additionalProperties: false): a field the SDK added "
    "is accepted as it is",
    "now-optional": "the SDK makes fields Optional wherever a partial snapshot may lack them; the streamed "
    "objects keep the OAS' required lists, which every capture meets",
}


def decided(kind: str, path: str) -> str | None:
    return (
        DECIDED.get((kind, path)) or DECIDED.get((kind, path.rsplit(".", 1)[-1])) or DECIDED_KINDS.get(kind)
    )


# ---------------------------------------------------------------- facts


@dataclass
class Fact:
    """What a schema says about one field path."""

    types: set[str] = field(default_factory=set)
    #: Enum values (None: no enum seen); ``open`` when some branch allows any string besides them.
    enum: set[Any] | None = None
    open: bool = False
    required: bool = False
    #: Where a closed enum lives in our schemas: (file relative to schemas/, JSON pointer).
    origin: tuple[str, str] | None = None
    #: A union dispatched on ``type`` at this path: its members' tags, each with its schema (and
    #: that schema's base URI), and where the union lives in our schemas: (file, JSON pointer of
    #: the union's node, the keyword holding its branches: ``anyOf``, ``oneOf`` or ``allOf`` for
    #: if/then branches).
    members: dict[str, tuple[Json, str]] = field(default_factory=dict)
    union: tuple[str, str, str] | None = None


Facts = dict[str, Fact]


class Walker:
    """Flattens a JSON Schema (with ``$ref`` into a set of documents) into path -> Fact."""

    def __init__(self, docs: dict[str, Json], rel: Callable[[str], str | None] = lambda uri: None) -> None:
        self.docs = docs
        self.rel = rel

    def resolve(self, ref: str, base: str) -> tuple[Json, str, str]:
        uri = urljoin(base, ref)
        doc_uri, fragment = urldefrag(uri)
        node = self.docs.get(doc_uri)
        if node is None:
            raise KeyError(f"unresolvable $ref {ref!r} from {base!r}")
        for part in filter(None, fragment.split("/")):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node, doc_uri, fragment

    def facts(self, root: Json, base: str) -> Facts:
        out: Facts = {}
        self._walk(root, base, "", "", out, (), 0)
        return out

    def _fact(self, out: Facts, path: str) -> Fact:
        return out.setdefault(path, Fact())

    def _walk(
        self, node: Json, base: str, pointer: str, path: str, out: Facts, stack: tuple[str, ...], depth: int
    ) -> None:
        if not isinstance(node, dict) or depth > MAX_DEPTH:
            return
        if "$ref" in node:
            target, doc, fragment = self.resolve(node["$ref"], base)
            key = f"{doc}#{fragment}"
            if key not in stack:
                self._walk(target, doc, fragment, path, out, (*stack, key), depth)
        here = self._fact(out, path) if path else None
        if here is not None:
            t = node.get("type")
            types = [t] if isinstance(t, str) else t if isinstance(t, list) else []
            here.types.update(types)
            values = node.get("enum", [node["const"]] if "const" in node else None)
            if isinstance(values, list):
                here.enum = (here.enum or set()) | {v for v in values if not isinstance(v, (dict, list))}
                rel = self.rel(base)
                if rel is not None and here.origin is None:
                    here.origin = (rel, pointer + ("/enum" if "enum" in node else "/const"))
            elif "string" in types and not node.get("properties"):
                here.open = True
        for key in ("anyOf", "oneOf"):
            branches = node.get(key)
            if isinstance(branches, list):
                tags = [self._tag(b, base) for b in branches]
                dispatched = all(tags) and len(set(tags)) == len(tags)
                for k, branch in enumerate(branches):
                    if dispatched and here is not None:
                        self._member(here, str(tags[k]), branch, base, (pointer, key))
                    sub = f"{path}<{tags[k]}>" if dispatched else path
                    self._walk(branch, base, f"{pointer}/{key}/{k}", sub, out, stack, depth)
        for k, branch in enumerate(node.get("allOf", [])):
            cond = branch.get("if") if isinstance(branch, dict) else None
            if isinstance(cond, dict) and "then" in branch:
                tag = self._tag(cond, base) or "?"
                if here is not None:
                    self._member(here, tag, branch["then"], base, (pointer, "allOf"))
                self._walk(
                    branch["then"], base, f"{pointer}/allOf/{k}/then", f"{path}<{tag}>", out, stack, depth
                )
            else:
                self._walk(branch, base, f"{pointer}/allOf/{k}", path, out, stack, depth)
        for key in ("then", "else"):
            if isinstance(node.get(key), dict) and "if" in node:
                self._walk(node[key], base, f"{pointer}/{key}", path, out, stack, depth)
        props = node.get("properties")
        if isinstance(props, dict):
            required = node.get("required", [])
            for name, sub in props.items():
                child = f"{path}.{name}" if path else name
                if name in required:
                    self._fact(out, child).required = True
                self._walk(sub, base, f"{pointer}/properties/{name}", child, out, stack, depth + 1)
        items = node.get("items")
        if isinstance(items, dict):
            self._walk(items, base, f"{pointer}/items", f"{path}[]", out, stack, depth + 1)

    def _member(self, here: Fact, tag: str, branch: Json, base: str, where: tuple[str, str]) -> None:
        here.members.setdefault(tag, (branch, base))
        rel = self.rel(base)
        if rel is not None and here.union is None:
            here.union = (rel, *where)

    def inline(self, node: Json, base: str, stack: tuple[str, ...] = ()) -> Json:
        """``node`` with every ``$ref`` replaced by what it refers to: a schema that stands alone in
        another document (a recursive reference becomes ``{}``, which accepts anything there)."""
        if isinstance(node, list):
            return [self.inline(n, base, stack) for n in node]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            target, doc, fragment = self.resolve(node["$ref"], base)
            key = f"{doc}#{fragment}"
            if key in stack:
                return {}
            resolved = self.inline(target, doc, (*stack, key))
            rest = {k: self.inline(v, base, stack) for k, v in node.items() if k != "$ref"}
            return {**resolved, **rest} if isinstance(resolved, dict) else resolved
        return {k: self.inline(v, base, stack) for k, v in node.items() if k not in ("$defs", "definitions")}

    def _tag(self, node: Json, base: str) -> str | None:
        """The ``type`` constant a union branch is dispatched on, if it has exactly one."""
        for _ in range(8):
            if isinstance(node, dict) and "$ref" in node and "properties" not in node:
                node, base, _ = self.resolve(node["$ref"], base)
        if not isinstance(node, dict):
            return None
        prop = node.get("properties", {}).get("type")
        if isinstance(prop, dict):
            if isinstance(prop.get("const"), str):
                return str(prop["const"])
            enum = prop.get("enum")
            if isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):
                return "|".join(sorted(enum))
        for branch in node.get("allOf", []):
            tag = self._tag(branch, base)
            if tag:
                return tag
        return None


# ---------------------------------------------------------------- sources


@dataclass
class Source:
    """Event schemas of one side: type -> (schema document, its base URI)."""

    name: str
    events: dict[str, tuple[Json, str]]
    client_events: dict[str, tuple[Json, str]] = field(default_factory=dict)
    #: Event types only on the WebSocket union.
    websocket_only: frozenset[str] = frozenset()
    walker: Walker | None = None


def _members(union: Any) -> list[Any]:
    from typing import get_args

    args = get_args(union)
    if args and not isinstance(args[0], type):
        args = get_args(args[0])  # Annotated[Union[...], PropertyInfo]
    return list(args)


def _event_type(model: Any) -> str:
    from typing import get_args

    return str(get_args(model.model_fields["type"].annotation)[0])


def sdk_source() -> Source:
    """The installed openai package's unions, each member as its pydantic JSON Schema."""
    import openai
    from openai.types.responses import ResponseStreamEvent
    from openai.types.responses.responses_client_event import ResponsesClientEvent
    from openai.types.responses.responses_server_event import ResponsesServerEvent

    def schemas(union: Any) -> dict[str, tuple[Json, str]]:
        out = {}
        for model in _members(union):
            etype = _event_type(model)
            out[etype] = (model.model_json_schema(), f"https://sdk.invalid/events/{etype}.json")
        return out

    sse = schemas(ResponseStreamEvent)
    ws = schemas(ResponsesServerEvent)
    events = {**ws, **sse}
    source = Source(
        f"openai-python {openai.__version__}",
        events,
        schemas(ResponsesClientEvent),
        frozenset(ws) - frozenset(sse),
    )
    docs = {base: doc for doc, base in (*events.values(), *source.client_events.values())}
    source.walker = Walker(docs)
    return source


def openapi_source(path: Path) -> Source:
    doc = json.loads(path.read_text(encoding="utf-8"))
    comps = doc["components"]["schemas"]
    events = {}
    for branch in comps["ResponseStreamEvent"]["anyOf"]:
        name = branch["$ref"].rsplit("/", 1)[1]
        etype = comps[name]["properties"]["type"]["enum"][0]
        events[etype] = ({"$ref": branch["$ref"]}, "https://oas.invalid/openapi.json")
    source = Source(f"{path.name} {doc.get('info', {}).get('version', '')}".strip(), events)
    source.walker = Walker({"https://oas.invalid/openapi.json": doc})
    return source


def our_source(root: Path = SCHEMAS) -> Source:
    from validator.protocols.schema_kit import BASE_URI, load_schema_set

    schemas = load_schema_set("openai", root)
    events = {t: (schemas.resources[uri], uri) for t, uri in schemas.events.items()}
    client = {t: (schemas.resources[uri], uri) for t, uri in getattr(schemas, "client_events", {}).items()}

    def rel(uri: str) -> str | None:
        return uri[len(BASE_URI) :] if uri.startswith(BASE_URI) else None

    source = Source("schemas/openai", events, client)
    source.walker = Walker(dict(schemas.resources), rel)
    return source


# ---------------------------------------------------------------- differences


@dataclass(frozen=True)
class Difference:
    kind: (
        str  #: new-event, gone-event, new-field, gone-field, now-required, now-optional, new-enum, gone-enum
    )
    path: str  #: dotted path inside the event (empty for event-level differences)
    detail: str = ""
    #: For new-enum on a closed enum of ours: where it lives and the values to add. For new-member:
    #: where our union lives (file, pointer, keyword) and the members' tags.
    origin: tuple[str, ...] | None = None
    values: tuple[Any, ...] = ()


_ORDER = (
    "new-event",
    "gone-event",
    "new-member",
    "gone-member",
    "new-enum",
    "now-optional",
    "now-required",
    "new-field",
    "gone-field",
    "gone-enum",
)


def _ignored(path: str) -> bool:
    # Request echoes (tools, input, text format, prompt) are configuration the response repeats,
    # not stream structure: the validator does not judge them beyond their top-level shape.
    head = path.split(".", 2)
    return (
        len(head) > 1
        and head[0] == "response"
        and head[1].split("<")[0].split("[")[0]
        in {
            "tools",
            "tool_choice",
            "text",
            "prompt",
            "input",
            "instructions",
            "reasoning",
            "conversation",
            "context_management",
            "moderation",
            "prompt_cache_options",
        }
    )


_TAG = re.compile(r"<[^>]*>")


def diff_event(theirs: Facts, ours: Facts) -> list[Difference]:
    out: list[Difference] = []
    # One side may dispatch a union on `type` where the other merges its branches: a field is
    # new or gone only when it is missing under both readings.
    t_untagged = {_TAG.sub("", p) for p in theirs}
    o_untagged = {_TAG.sub("", p) for p in ours}
    for path in sorted(set(theirs) | set(ours)):
        if _ignored(path):
            continue
        t, o = theirs.get(path), ours.get(path)
        parent = path.rsplit(".", 1)[0] if "." in path else ""
        if o is None:
            if t is not None and (not parent or parent in ours) and _TAG.sub("", path) not in o_untagged:
                out.append(Difference("new-field", path, "required" if t.required else "optional"))
            continue
        if t is None:
            if (not parent or parent in theirs) and _TAG.sub("", path) not in t_untagged:
                out.append(Difference("gone-field", path))
            continue
        if t.required and not o.required:
            out.append(Difference("now-required", path))
        elif o.required and not t.required:
            out.append(Difference("now-optional", path))
        if t.members and o.members:
            added = tuple(sorted(set(t.members) - set(o.members)))
            if added:
                out.append(Difference("new-member", path, ", ".join(added), o.union, added))
            gone = sorted(set(o.members) - set(t.members))
            if gone:
                out.append(Difference("gone-member", path, ", ".join(gone)))
        if t.enum is not None and o.enum is not None and not o.open:
            added = tuple(sorted(t.enum - o.enum, key=str))
            if added and path.rsplit(".", 1)[-1] != "type":
                out.append(Difference("new-enum", path, ", ".join(map(str, added)), o.origin, added))
            gone = sorted(o.enum - t.enum, key=str)
            if gone and not t.open and path.rsplit(".", 1)[-1] != "type":
                out.append(Difference("gone-enum", path, ", ".join(map(str, gone))))
    return out


@dataclass
class Report:
    theirs: str
    ours: str
    #: (kind, path, detail) -> event types it was seen on; values and origins for new enums.
    rows: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    enum_additions: dict[tuple[str, str], set[Any]] = field(default_factory=dict)
    #: (file, pointer, keyword) of one of our unions -> tag -> the member's schema, standing alone.
    member_additions: dict[tuple[str, ...], dict[str, Json]] = field(default_factory=dict)
    new_events: dict[str, Json] = field(default_factory=dict)
    client_events: dict[str, Json] = field(default_factory=dict)
    websocket_only: list[str] = field(default_factory=list)

    def add(self, etype: str, d: Difference, schemas: dict[str, Json] | None = None) -> None:
        self.rows.setdefault((d.kind, d.path, d.detail), []).append(etype)
        if d.kind == "new-enum" and d.origin is not None:
            self.enum_additions.setdefault(d.origin, set()).update(d.values)
        if d.kind == "new-member" and d.origin is not None and schemas:
            have = self.member_additions.setdefault(d.origin, {})
            for tag in d.values:
                have.setdefault(tag, schemas[tag])

    def undecided(self) -> list[tuple[str, str, str]]:
        return [k for k in self.rows if decided(k[0], k[1]) is None]

    def render(self) -> str:
        lines = [f"{self.theirs} against {self.ours}", ""]
        if not self.rows:
            lines.append("no differences")
        for kind in _ORDER:
            rows = sorted((k, v) for k, v in self.rows.items() if k[0] == kind)
            if not rows:
                continue
            whole = DECIDED_KINDS.get(kind)
            lines.append(f"{kind} ({len(rows)})" + (f"  -- decided for all: {whole}" if whole else ""))
            for (_, path, detail), types in rows:
                where = types[0] if len(types) == 1 else f"{types[0]} (+{len(types) - 1} more)"
                text = f"  {where}"
                if path:
                    text += f": {path}"
                if detail:
                    text += f" [{detail}]"
                reason = decided(kind, path)
                if reason and reason != whole:
                    text += f"  -- decided: {reason}"
                lines.append(text)
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _member_schemas(walker: Walker, facts: Facts, d: Difference) -> dict[str, Json] | None:
    """The new members' schemas, each standing alone (its references inlined) to go into ours."""
    if d.kind != "new-member":
        return None
    members = facts[d.path].members
    return {tag: walker.inline(*members[tag]) for tag in d.values}


def compare(theirs: Source, ours: Source) -> Report:
    assert theirs.walker is not None and ours.walker is not None
    report = Report(theirs.name, ours.name)
    for etype in sorted(set(theirs.events) - set(ours.events)):
        report.add(
            etype, Difference("new-event", "", "WebSocket only" if etype in theirs.websocket_only else "")
        )
        report.new_events[etype] = theirs.events[etype][0]
    for etype in sorted(set(ours.events) - set(theirs.events)):
        report.add(etype, Difference("gone-event", ""))
    for etype in sorted(set(theirs.events) & set(ours.events)):
        t_doc, t_base = theirs.events[etype]
        o_doc, o_base = ours.events[etype]
        t_facts = theirs.walker.facts(t_doc, t_base)
        for d in diff_event(t_facts, ours.walker.facts(o_doc, o_base)):
            report.add(etype, d, _member_schemas(theirs.walker, t_facts, d))
    for etype, (doc, base) in sorted(theirs.client_events.items()):
        if etype not in ours.client_events:
            report.add(etype, Difference("new-event", "", "client event"))
        else:
            o_doc, o_base = ours.client_events[etype]
            for d in diff_event(theirs.walker.facts(doc, base), ours.walker.facts(o_doc, o_base)):
                report.add(etype, d)
        report.client_events[etype] = doc
    report.websocket_only = sorted(theirs.websocket_only)
    return report


# ---------------------------------------------------------------- the snapshot


def snapshot(report: Report, previous: dict[str, Json]) -> dict[str, Json]:
    """What gen_schemas applies: SDK-only event schemas, client events, enum and member additions.

    Additions accumulate: a value added once stays (our schemas then already have it, so the
    next comparison no longer lists it, but the patch must keep adding it).
    """
    events = {**previous.get("events", {}), **report.new_events}
    enums: dict[str, dict[str, list[Any]]] = {
        rel: {ptr: list(vals) for ptr, vals in by_ptr.items()}
        for rel, by_ptr in previous.get("enums", {}).items()
    }
    for (rel, ptr), values in sorted(report.enum_additions.items()):
        if rel.startswith("openai/drift/"):
            rel = "openai/" + rel[len("openai/drift/") :]
        have = enums.setdefault(rel, {}).setdefault(ptr, [])
        have.extend(sorted((v for v in values if v not in have), key=str))
    members: dict[str, dict[str, dict[str, Json]]] = {
        rel: {where: dict(by_tag) for where, by_tag in by_where.items()}
        for rel, by_where in previous.get("members", {}).items()
    }
    for (rel, ptr, keyword), by_tag in sorted(report.member_additions.items()):
        if rel.startswith("openai/drift/"):
            rel = "openai/" + rel[len("openai/drift/") :]
        have_members = members.setdefault(rel, {}).setdefault(f"{ptr}#{keyword}", {})
        for tag in sorted(by_tag):
            have_members.setdefault(tag, by_tag[tag])
    client = {t: report.client_events[t] for t in report.client_events if t != "response.create"}
    snap: dict[str, Json] = {
        "source": report.theirs,
        "note": "written by tools/sdk_sync.py --write; applied by tools/gen_schemas.py (OAI-S1, OAI-S2)",
        "websocket_only": sorted(set(previous.get("websocket_only", [])) | set(report.websocket_only)),
        "events": dict(sorted(events.items())),
        "client_events": dict(sorted({**previous.get("client_events", {}), **client}.items())),
        "enums": {rel: dict(sorted(v.items())) for rel, v in sorted(enums.items())},
    }
    if members:
        # Only once there is one: the committed snapshot stays as it was until a member comes.
        snap["members"] = {rel: dict(sorted(v.items())) for rel, v in sorted(members.items())}
    return snap


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--openapi", type=Path, help="an OpenAPI file instead of the installed openai package")
    ap.add_argument("--write", action="store_true", help="update the snapshot and regenerate schemas/")
    ap.add_argument("--check", action="store_true", help="exit 1 when an undecided difference is left")
    ap.add_argument("--spec-dir", type=Path, default=None, help="passed on to gen_schemas (with --write)")
    args = ap.parse_args(list(argv) if argv is not None else None)
    theirs = openapi_source(args.openapi) if args.openapi else sdk_source()
    report = compare(theirs, our_source())
    print(report.render(), end="")
    if args.write:
        if args.openapi:
            print(
                "sdk_sync: --write takes the SDK's snapshot; regenerate from an OpenAPI file with gen_schemas"
            )
            return 2
        previous = json.loads(SNAPSHOT.read_text(encoding="utf-8")) if SNAPSHOT.exists() else {}
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(snapshot(report, previous), indent=1, sort_keys=False) + "\n", "utf-8")
        from tools import gen_schemas

        code = gen_schemas.main([] if args.spec_dir is None else ["--spec-dir", str(args.spec_dir)])
        if code:
            return code
        from validator.protocols.schema_kit import load_schema_set

        load_schema_set.cache_clear()
        report = compare(theirs, our_source())
        print("\nafter regenerating:\n" + report.render(), end="")
    if args.check and report.undecided():
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
