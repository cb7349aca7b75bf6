"""tools/sdk_sync.py: the schemas against the pinned openai SDK, and the diff itself on small schemas."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import SHARED, needs_shared

from tools.sdk_sync import SNAPSHOT, Walker, compare, diff_event, our_source, sdk_source, snapshot

PINNED = "3.63.0"


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    import openai

    assert openai.__version__ == PINNED, "the test extra pins openai; reinstall with pip install -e .[test]"
    return compare(sdk_source(), our_source())


def test_every_difference_from_the_pinned_sdk_is_applied_or_decided(report) -> None:  # type: ignore[no-untyped-def]
    assert report.undecided() == [], report.render()
    kinds = {kind for kind, _, _ in report.rows}
    assert "new-enum" not in kinds  # applied by OAI-S2
    assert "response.steer.accepted" not in report.new_events  # applied by OAI-S1


def test_the_committed_snapshot_is_what_the_pinned_sdk_gives(report) -> None:  # type: ignore[no-untyped-def]
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    again = snapshot(report, committed)
    assert again == committed
    assert committed["source"] == f"openai-python {PINNED}"
    assert set(committed["events"]) == {
        "response.steer.accepted",
        "response.steer.pending",
        "response.steer.failed",
    }


def _schema(props: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": props, "required": required}


def test_the_diff_finds_enum_values_required_changes_and_fields() -> None:
    reason = {"anyOf": [{"type": "string", "enum": ["max_output_tokens"]}, {"type": "null"}]}
    ours = _schema({"type": {"const": "x"}, "reason": reason, "name": {"type": "string"}}, ["type", "name"])
    theirs = _schema(
        {
            "type": {"const": "x"},
            "reason": {
                "anyOf": [{"type": "string", "enum": ["max_output_tokens", "steered"]}, {"type": "null"}]
            },
            "extra": {"type": "integer"},
        },
        ["type", "reason"],
    )
    base = "https://t.invalid/x.json"
    got = {
        (d.kind, d.path, d.detail)
        for d in diff_event(
            Walker({base: theirs}).facts(theirs, base),
            Walker({base: ours}, lambda uri: "x.json").facts(ours, base),
        )
    }
    assert got == {
        ("new-enum", "reason", "steered"),
        ("now-required", "reason", ""),
        ("new-field", "extra", "optional"),
        ("gone-field", "name", ""),
    }


def test_a_union_dispatched_on_one_side_only_is_not_a_new_field() -> None:
    a = _schema({"type": {"const": "a"}, "x": {"type": "string"}}, ["type"])
    b = _schema({"type": {"const": "b"}, "y": {"type": "string"}}, ["type"])
    theirs = _schema({"item": {"oneOf": [a, b]}}, [])
    ours = _schema({"item": {"type": "object", "properties": {"x": {}, "y": {}}}}, [])
    base = "https://t.invalid/x.json"
    diffs = diff_event(Walker({base: theirs}).facts(theirs, base), Walker({base: ours}).facts(ours, base))
    assert [d for d in diffs if d.kind in ("new-field", "gone-field")] == []


@needs_shared
def test_an_openapi_file_is_a_source_too() -> None:
    from tools.sdk_sync import openapi_source

    rep = compare(openapi_source(SHARED / "spec" / "openai-openapi.json"), our_source())
    # What we hold beyond the OAS of 2026-08-21: the wire patches and the SDK's steering events.
    assert {"keepalive", "response.steer.accepted", "response.compaction.compacting"} <= set(
        rep.rows[("gone-event", "", "")]
    )
    assert ("new-enum", "response.incomplete_details.reason", "max_messages, steered") not in rep.rows


def _member(tag: str, **props: dict) -> dict:
    return _schema({"type": {"const": tag}, **props}, ["type"])


def test_a_new_union_member_is_listed_undecided_and_applied_to_our_union() -> None:
    from tools.gen_schemas import add_members
    from tools.sdk_sync import Source

    # Theirs: a pydantic-style union (anyOf of $defs references); the new member refers further.
    theirs = _schema(
        {
            "item": {
                "anyOf": [
                    {"$ref": "#/$defs/A"},
                    {"$ref": "#/$defs/B"},
                    {"$ref": "#/$defs/Compaction"},
                ]
            }
        },
        [],
    )
    theirs["$defs"] = {
        "A": _member("a", x={"type": "string"}),
        "B": _member("b"),
        "Compaction": _member("compaction", summary={"$ref": "#/$defs/Summary"}),
        "Summary": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    }
    # Ours: the union dispatched by if/then on `type` (gen_schemas ALL-C3), in a file of its own.
    union = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": ["a", "b", "legacy"]}},
        "allOf": [
            {"if": {"properties": {"type": {"const": t}}}, "then": _member(t)} for t in ("a", "b", "legacy")
        ],
    }
    ours = _schema({"item": {"$ref": "Item.json"}}, [])
    t_base, o_base, u_base = (
        "https://sdk.invalid/x.json",
        "https://o.invalid/x.json",
        "https://o.invalid/Item.json",
    )
    rel = {o_base: "openai/events/x.json", u_base: "openai/defs/Item.json"}.get

    def sources(union_doc: dict) -> tuple[Source, Source]:
        a = Source("sdk", {"x": (theirs, t_base)}, walker=Walker({t_base: theirs}))
        b = Source("ours", {"x": (ours, o_base)}, walker=Walker({o_base: ours, u_base: union_doc}, rel))
        return a, b

    rep = compare(*sources(union))
    assert ("new-member", "item", "compaction") in rep.rows
    assert ("new-member", "item", "compaction") in rep.undecided()  # --check fails until it is applied
    assert ("gone-member", "item", "legacy") in rep.rows
    added = rep.member_additions[("openai/defs/Item.json", "", "allOf")]["compaction"]
    # The member stands alone: its references are inlined.
    assert added["properties"]["summary"]["properties"]["text"] == {"type": "string"}
    snap = snapshot(rep, {})
    assert snap["members"] == {"openai/defs/Item.json": {"#allOf": {"compaction": added}}}

    applied = copy.deepcopy(union)
    for where, members in snap["members"]["openai/defs/Item.json"].items():
        keyword = where.partition("#")[2]
        add_members(applied, keyword, members, "added by sdk")
        add_members(applied, keyword, members, "added by sdk")  # twice: still one branch
    assert applied["properties"]["type"]["enum"] == ["a", "b", "legacy", "compaction"]
    assert [b["if"]["properties"]["type"]["const"] for b in applied["allOf"]] == [
        "a",
        "b",
        "legacy",
        "compaction",
    ]
    again = compare(*sources(applied))
    assert not [k for k in again.rows if k[0] == "new-member"]
    # Accumulated like enum values: a later snapshot keeps the member.
    assert snapshot(again, snap)["members"] == snap["members"]


def test_an_anyof_union_of_ours_gets_the_member_as_a_branch() -> None:
    from tools.gen_schemas import add_members

    union = {"anyOf": [_member("a")]}
    add_members(union, "anyOf", {"b": _member("b")}, "added by sdk")
    assert [b["properties"]["type"]["const"] for b in union["anyOf"]] == ["a", "b"]
    assert "OAI-S3" in union["anyOf"][1]["$comment"]
