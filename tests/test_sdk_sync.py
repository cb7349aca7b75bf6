"""tools/sdk_sync.py: the schemas against the pinned openai SDK, and the diff itself on small schemas."""

from __future__ import annotations

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
