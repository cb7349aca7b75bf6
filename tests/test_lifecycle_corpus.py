"""The lifecycle checker on the seeds and on the real third-party captures.

A tiny loader turns ``.sse`` ``data:``/``event:`` blocks and ``.jsonl`` lines into
events with their line numbers and drives :class:`StreamChecker` directly, so
these tests do not depend on the reader, decoder or schema layers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEEDS, SHARED_CORPUS, needs_shared

from validator.catalog import RULES
from validator.model.events import Event, RawEvent, RawKind
from validator.model.findings import Issue, Position, Severity
from validator.protocols.responses.lifecycle import StreamChecker

Item = tuple[str, object]  # ("event", Event) | ("raw", RawEvent) | ("done", RawEvent)


def _raw(index: int, data: str, line: int, name: str | None, framed: bool, kind: RawKind) -> RawEvent:
    pos = Position(line, 1, 0)
    return RawEvent(index, kind, data, pos, (pos,), name, framed=framed)


def _decode(index: int, data: str, line: int, name: str | None, framed: bool) -> Item:
    if data.strip() == "[DONE]":
        return ("done", _raw(index, data, line, name, framed, RawKind.DONE))
    try:
        value = json.loads(data)
    except ValueError:
        return ("raw", _raw(index, data, line, name, framed, RawKind.EVENT))
    if not isinstance(value, dict):
        return ("raw", _raw(index, data, line, name, framed, RawKind.EVENT))
    return ("event", Event(index, value, Position(line, 1, 0), name, framed))


def load(path: Path) -> tuple[list[Item], Position]:
    """Events of an .sse or .jsonl transcript, with the line of each payload."""
    lines = path.read_text(encoding="utf-8").split("\n")
    items: list[Item] = []
    if path.suffix == ".jsonl":
        for n, line in enumerate(lines, 1):
            if line.strip():
                items.append(_decode(len(items), line, n, None, False))
        return items, Position(len(lines), 1, 0)
    data: list[str] = []
    name: str | None = None
    start = 0
    for n, line in enumerate([*lines, ""], 1):
        if line.strip() == "":
            if data:
                items.append(_decode(len(items), "\n".join(data), start, name, True))
            data, name = [], None
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            start = start if data else n
            data.append(value)
        elif field == "event":
            name = value
    return items, Position(len(lines), 1, 0)


def run(path: Path, profile: str = "openai", **options: object) -> list[tuple[str, int, Severity]]:
    """(rule, line, severity) of every issue, in the order the checker gave them."""
    items, end = load(path)
    checker = StreamChecker(profile, **options)  # type: ignore[arg-type]
    out: list[tuple[str, int, Severity]] = []

    def add(issue: Issue, line: int) -> None:
        severity = issue.severity or RULES[issue.rule].severity_in(profile, issue.case)
        if severity is None:
            return
        if issue.position is not None:
            line = issue.position.line
        elif issue.event is not None:
            line = issue.event.position.line
        out.append((issue.rule, line, severity))

    for kind, value in items:
        if kind == "event":
            assert isinstance(value, Event)
            for issue in checker.feed(value):
                add(issue, value.position.line)
        elif kind == "done":
            assert isinstance(value, RawEvent)
            for issue in checker.feed_done(value):
                add(issue, value.position.line)
        else:
            assert isinstance(value, RawEvent)
            checker.feed_undecodable(value)
    for issue in checker.finish(end):
        add(issue, end.line)
    return out


def errors(found: list[tuple[str, int, Severity]]) -> list[tuple[str, int]]:
    return [(r, line) for r, line, s in found if s is Severity.ERROR]


def rules(found: list[tuple[str, int, Severity]]) -> Counter[str]:
    return Counter(r for r, _, _ in found)


# --------------------------------------------------------------------------- seeds


def test_seed_000_unclosed_image_item_and_no_terminal() -> None:
    items, end = load(SEEDS / "000_e3213cea1afb5a14.sse")
    # Line 20, the image item's output_item.done, is broken JSON (RSP002 is the decoder's,
    # not this checker's): the file ends on that line without a newline.
    assert items[-1][0] == "raw" and end.line == 20
    found = run(SEEDS / "000_e3213cea1afb5a14.sse")
    # The image item added at line 8 is never closed: visible at the end of input (line 20).
    assert sorted((r, line) for r, line, _ in found) == [("RSP209", 20), ("RSP228", 20)]
    checker = StreamChecker("openai")
    for kind, value in items:
        if kind == "event":
            assert isinstance(value, Event)
            checker.feed(value)
        elif kind == "raw":
            assert isinstance(value, RawEvent)
            checker.feed_undecodable(value)
    (unclosed,) = [i for i in checker.finish(end) if i.rule == "RSP228"]
    assert "added at line 8" in unclosed.message


def test_seed_004_clean() -> None:
    assert run(SEEDS / "004_75bce7c82fd61a67.sse") == []


# --------------------------------------------------------------------------- shared corpus


def _index() -> dict[str, str]:
    if not SHARED_CORPUS.is_dir():
        return {}
    rows = (SHARED_CORPUS / "INDEX.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return {r.split("\t")[0]: r.split("\t")[6] for r in rows}


JUDGMENTS = _index()
VALID = sorted(f for f, j in JUDGMENTS.items() if j.startswith("VALID"))


def _options(name: str) -> dict[str, object]:
    return {"fragment": True} if "FRAGMENT" in name else {}


@needs_shared
@pytest.mark.parametrize("name", VALID)
def test_valid_capture_has_no_error(name: str) -> None:
    assert errors(run(SHARED_CORPUS / name, **_options(name))) == []


#: What each non-valid capture's INDEX.tsv judgment describes, as the rules that must fire
#: (at least these; exact multisets are listed in the developer report for sidecars).
EXPECTED: dict[str, dict[str, int]] = {
    # Three mcp_list_tools items; items 0 and 1 are never closed.
    "014_openai_mcp_list_tools_parallel_missing_item_done.sse": {"RSP228": 2},
    # Trimmed: in_progress and the reasoning item removed (sequence gap, output_index starts at 1),
    # custom_tool_call_input.done removed.
    "025_openai_custom_tool_trimmed.jsonl": {"RSP204": 1, "RSP221": 1, "RSP207": 1, "RSP247": 1},
    # Trimmed deltas: concatenation differs from the done text.
    "036_openai_phase_trimmed.jsonl": {"RSP204": 1, "RSP301": 1},
    # Azure: image_generation_call never completed; item done with status generating.
    "040_azure_image_generation_partial.jsonl": {"RSP231": 1, "RSP229": 1},
    # Azure web_search_preview: never completed; item done with status searching.
    "041_azure_web_search_preview_no_completed.jsonl": {"RSP231": 1, "RSP229": 1},
    # Anonymised text: delta 'X' vs a different done text.
    "047_azure_reasoning_summaries_redacted_text.jsonl": {"RSP301": 1},
    # xAI hits max tokens: no output_text.done / content_part.done / output_item.done.
    "052_xai_incomplete_no_item_close.jsonl": {"RSP228": 1},
    # OpenRouter: no event: lines, [DONE]; the reasoning item's rs_tmp_ id differs in the final output.
    "061_openrouter_reasoning_text_done_sentinel.sse": {"RSP005": 1, "RSP006": 1, "RSP305": 1},
    # Copilot: item_id rotates on every event.
    "064_github_copilot_item_id_rotation.jsonl": {"RSP223": 2, "RSP211": 1, "RSP305": 1},
    # vLLM: content_index increments on every reasoning_text.delta.
    "065_vllm_reasoning_content_index_increments_FRAGMENT.sse": {"RSP240": 5},
    # Chat Completions chunks: no sequence numbers, no event: lines.
    "068_semantic_router_chat_chunks_on_responses_FRAGMENT.sse": {"RSP202": 1, "RSP005": 1},
    # transformers serve: data-only SSE.
    "069_hf_transformers_serve_FRAGMENT.sse": {"RSP005": 1},
    # LiteLLM numbers only output_item.done (with a wrong value): the other events lack it.
    "litellm/litellm-1.106.2-proxy-customllm-text.sse": {"RSP005": 1, "RSP201": 2, "RSP205": 1, "RSP006": 1},
    "litellm/litellm-1.106.2-sdk-customllm-toolcall.sse": {
        "RSP005": 1,
        "RSP201": 2,
        "RSP204": 1,
        "RSP006": 1,
    },
    # A Chat Completions error frame (no type) then [DONE]: no Responses stream at all.
    "litellm/litellm-1.106.2-proxy-mock_response-stream.sse": {"RSP209": 1, "RSP006": 1},
}


@needs_shared
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_capture_defects_are_reported(name: str) -> None:
    found = rules(run(SHARED_CORPUS / name, **_options(name)))
    missing = {r: n for r, n in EXPECTED[name].items() if found[r] < n}
    assert not missing, f"expected at least {missing}; got {dict(found)}"


def iter_corpus() -> Iterator[Path]:
    yield from sorted(SHARED_CORPUS.glob("*.sse"))
    yield from sorted(SHARED_CORPUS.glob("*.jsonl"))
    yield from sorted((SHARED_CORPUS / "litellm").glob("*.sse"))


if __name__ == "__main__":  # pragma: no cover - prints the multisets for the lead's sidecars
    for path in iter_corpus():
        name = str(path.relative_to(SHARED_CORPUS))
        result = run(path, **_options(name))
        print(name, sorted(Counter((r, line) for r, line, _ in result).items()))
