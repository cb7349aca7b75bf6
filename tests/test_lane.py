"""The fast lane (validator.protocols.lane) changes nothing but speed.

A run of deltas is framed as one RawRun and, when the state machine says each event would take
its usual path, checked as a whole. These tests hold both halves to the event-by-event path:
the reader's runs expand to exactly the events it yields without runs, and the engine gives the
same findings (positions, messages, counts) with the lane on and off, on every transcript we
have, every mutant of our valid ones, the third-party captures, and generated streams built to
break a run in each way the lane must notice.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, SHARED_ANTHROPIC, SHARED_CORPUS, needs_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reader_fuzz import chunked

from tools.detection_matrix import mutants, own_bases
from validator.engine import CheckOptions, FileResult, check_chunks
from validator.model.events import RawEvent, RawRun
from validator.model.findings import Issue
from validator.protocols import lane as lane_module
from validator.protocols.schema_kit import load_schema_set
from validator.reading import sse as sse_module
from validator.reading.decode import SHALLOW
from validator.reading.reader import Reader
from validator.tools.probe.streamkit import message_events, response_snapshot, sse_frame

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TRANSCRIPT_SUFFIXES = {".sse", ".txt", ".jsonl", ".json", ".ndjson"}
OPTIONS = {
    "openai": CheckOptions(),
    "open-responses": CheckOptions(profile="open-responses"),
    "strict": CheckOptions(strict=True),
    "fragment": CheckOptions(fragment=True),
    "resumed": CheckOptions(resumed=True),
}


def expand(items: Iterable[RawEvent | RawRun | Issue]) -> Iterator[RawEvent | Issue]:
    for item in items:
        if isinstance(item, RawRun):
            yield from item.events()
        else:
            yield item


def frames(chunks: list[bytes], runs: bool) -> tuple[list[Any], Any]:
    rd = Reader(chunks, "sse", runs=runs)
    return list(expand(rd)), rd.end


def check(data: bytes, options: CheckOptions, lane: bool, cuts: Iterable[int] = ()) -> FileResult:
    return check_chunks(chunked(data, list(cuts)), "t.sse", options, lane=lane)


def assert_same(data: bytes, options: CheckOptions, cuts: Iterable[int] = ()) -> FileResult:
    fast = check(data, options, True, cuts)
    slow = check(data, options, False, cuts)
    assert (fast.events, fast.findings, fast.input_format) == (slow.events, slow.findings, slow.input_format)
    return fast


def own_transcripts() -> list[Path]:
    found = [
        p
        for directory in (CORPUS / "seeds", CORPUS / "streams", CORPUS / "anthropic", CORPUS / "rules")
        for p in sorted(directory.rglob("*"))
        if p.suffix in TRANSCRIPT_SUFFIXES and not p.name.endswith(".expected.json")
    ]
    assert len(found) > 150
    return found


def shared_transcripts() -> list[Path]:
    if not SHARED_CORPUS.is_dir():
        return []
    return [
        p
        for shared in (SHARED_CORPUS, SHARED_ANTHROPIC)
        for p in sorted(shared.rglob("*"))
        if p.is_file() and p.suffix not in {".tsv", ".md"} and p.name != "INDEX.tsv"
    ]


# ---------------------------------------------------------------- the reader's runs


@pytest.mark.parametrize("path", own_transcripts(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_runs_expand_to_the_same_events(path: Path) -> None:
    data = path.read_bytes()
    for size in (len(data) or 1, 4096, 97):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert frames(chunks, True) == frames(chunks, False)


#: Blocks that make runs interesting: the same header again and again, payloads the lane must
#: not take ([DONE] in all its spellings, invalid UTF-8, extra lines), and other fields.
HEADERS = [b"event: response.output_text.delta", b"event: x", b"event: \xc3\xa9", b"event: \xff", b"data: {}"]
PAYLOADS = [
    b'{"type":"response.output_text.delta","delta":"a"}',
    b'{"t":"\xc3\xa9"}',
    b"[DONE]",
    b" [DONE]",
    b"[DONE] ",
    b"[1]",
    b"",
    b"\xff",
    b'{"a":\n1}',
    b'{"a":1}\nid: 3',
    b'{"a":1}\ndata: 2',
    b"{",
]


@st.composite
def run_heavy_sse(draw: st.DrawFn) -> bytes:
    eol = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    blocks = []
    for _ in range(draw(st.integers(0, 14))):
        header = draw(st.sampled_from(HEADERS))
        for _ in range(draw(st.integers(1, 4))):  # repeats: the runs
            payload = draw(st.sampled_from(PAYLOADS)).replace(b"\n", eol)
            lines = [header, b"data: " + payload] if header.startswith(b"event") else [header]
            blocks.append(eol.join(lines) + eol + draw(st.sampled_from([eol, b"", eol + eol])))
    tail = draw(st.sampled_from([b"", b"event: x" + eol + b"data: 1", b"data: 2" + eol]))
    return b"".join(blocks) + tail


@SETTINGS
@given(data=run_heavy_sse(), cuts=st.lists(st.integers(0, 600), max_size=5))
def test_runs_expand_to_the_same_events_fuzz(data: bytes, cuts: list[int]) -> None:
    chunks = chunked(data, cuts)
    assert frames(chunks, True) == frames(chunks, False)


def test_a_run_is_one_value() -> None:
    block = b'event: e\ndata: {"n":%d}\n\n'
    data = b"".join(block % i for i in range(5))
    items = list(Reader([data], "sse", runs=True))
    assert len(items) == 1 and isinstance(items[0], RawRun)
    run = items[0]
    assert run.name == "e" and run.payloads == [b'{"n":%d}' % i for i in range(5)]
    assert [e.position.line for e in run.events()] == [2, 5, 8, 11, 14]
    assert [e.index for e in run.events(3)] == [3, 4]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("size", [SHALLOW - 1, SHALLOW, SHALLOW + 1, 5 * SHALLOW])
def test_a_run_says_whether_a_payload_is_long_enough_to_nest_too_deep(eol: bytes, size: int) -> None:
    # The lane looks for too-deep nesting only in a run the reader flags (RawRun.long).
    assert sse_module.LONG == SHALLOW
    short = b'{"n":1}'
    long = b'{"s":"' + b"x" * (size - 8) + b'"}'
    assert len(long) == size
    data = b"".join(b"event: e" + eol + b"data: " + p + eol + eol for p in (short, long, short))
    # (With CR line ends the last block waits for the end of input, where no run is made.)
    [run] = [item for item in Reader([data], "sse", runs=True) if isinstance(item, RawRun)]
    assert run.payloads[:2] == [short, long]
    assert run.long is (size > SHALLOW)


def test_done_and_extra_lines_break_runs() -> None:
    data = b"event: e\ndata: {}\n\nevent: e\ndata: [DONE]\n\nevent: e\ndata: {}\nid: 1\n\n"
    assert not any(isinstance(i, RawRun) for i in Reader([data], "sse", runs=True))


# ---------------------------------------------------------------- the engine


@pytest.mark.parametrize("path", own_transcripts(), ids=lambda p: str(p.relative_to(CORPUS)))
@pytest.mark.parametrize("mode", list(OPTIONS))
def test_same_findings_on_own_transcripts(path: Path, mode: str) -> None:
    assert_same(path.read_bytes(), OPTIONS[mode])


@needs_shared
@pytest.mark.parametrize("mode", list(OPTIONS))
def test_same_findings_on_shared_captures(mode: str) -> None:
    paths = shared_transcripts()
    assert len(paths) > 60
    for path in paths:
        assert_same(path.read_bytes(), OPTIONS[mode])


@pytest.mark.parametrize("base", own_bases(), ids=lambda b: b.id)
def test_same_findings_on_every_mutant(base: Any) -> None:
    options = CheckOptions(**base.options)
    count = 0
    for mutant in mutants(base, None, (0, 1)):
        assert_same(mutant.text.encode(), options)
        count += 1
    assert count > 0


# Streams made to stop a run half-way in each way the lane must see.

RID = "resp_lane"


def _stream(deltas: list[str], edit: Any = None, tail: bool = True) -> bytes:
    events: list[dict[str, Any]] = [
        {
            "type": "response.created",
            "response": response_snapshot(RID, "in_progress", created_at=1, model="m"),
        },
        {
            "type": "response.in_progress",
            "response": response_snapshot(RID, "in_progress", created_at=1, model="m"),
        },
        *message_events("msg_1", 0, deltas, obfuscation=lambda i, d: "pad"),
    ]
    item = events[-1]["item"]
    if tail:
        events.append(
            {
                "type": "response.completed",
                "response": response_snapshot(RID, "completed", created_at=1, model="m", output=[item]),
            }
        )
    for seq, event in enumerate(events):
        event["sequence_number"] = seq
    if edit is not None:
        edit(events)
    return "".join(sse_frame(e) for e in events).encode()


#: How to break one delta of a run: (field, new value), or (field, DROP) to remove it.
DROP = object()
EDITS: dict[str, tuple[str, Any] | None] = {
    "clean": None,
    "float output_index": ("output_index", 0.0),
    "bool content_index": ("content_index", False),
    "float sequence_number": ("sequence_number", 7.0),
    "sequence gap": ("sequence_number", 99),
    "sequence repeat": ("sequence_number", 3),
    "no sequence_number": ("sequence_number", DROP),
    "other item_id": ("item_id", "msg_2"),
    "no item_id": ("item_id", DROP),
    "other content_index": ("content_index", 1),
    "other output_index": ("output_index", 1),
    "negative output_index": ("output_index", -1),
    "no delta": ("delta", DROP),
    "delta not a string": ("delta", 5),
    "null delta": ("delta", None),
    "no logprobs": ("logprobs", DROP),
    "logprobs kept": ("logprobs", [{"token": "a", "logprob": -0.1, "bytes": [97], "top_logprobs": []}]),
    "logprobs not a list": ("logprobs", "x"),
    "extra field": ("extra", {"x": 1}),
    # Long enough to be flagged (RawRun.long), shallow or nested deeper than the checks take (RSP002).
    "long extra field": ("extra", "x" * 600),
    "deep extra field": ("extra", functools.reduce(lambda inner, _: [inner], range(300), 1)),
    "type differs": ("type", "response.refusal.delta"),
}


def _edit(name: str, at: int) -> Any:
    """The edit EDITS[name] applied to the ``at``-th delta of the stream."""
    change = EDITS[name]
    if change is None:
        return None
    field, value = change

    def edit(events: list[dict[str, Any]]) -> None:
        deltas = [e for e in events if e["type"] == "response.output_text.delta"]
        if value is DROP:
            del deltas[at][field]
        else:
            deltas[at][field] = value

    return edit


@pytest.mark.parametrize("at", [0, 1, 5, -1])
@pytest.mark.parametrize("name", list(EDITS))
@pytest.mark.parametrize("mode", ["openai", "strict", "fragment"])
def test_same_findings_when_a_run_breaks(name: str, mode: str, at: int) -> None:
    words = [f"w{i} " for i in range(12)]
    result = assert_same(_stream(words, _edit(name, at)), OPTIONS[mode])
    errors = [f for f in result.findings if f.severity.value == "error"]
    # 0.0 is the number 0, as JSON Schema's integer has it: the lifecycle reads it so too. Logprobs
    # in a delta are compared only with logprobs in the done event, which this stream has none of.
    fine = ("clean", "extra field", "long extra field", "no logprobs", "float output_index", "logprobs kept")
    assert (errors == []) == (name in fine), errors


@SETTINGS
@given(
    words=st.lists(st.text(max_size=4), min_size=1, max_size=30),
    name=st.sampled_from(list(EDITS)),
    at=st.integers(0, 29),
    tail=st.booleans(),
    cuts=st.lists(st.integers(0, 20000), max_size=4),
)
def test_same_findings_when_a_run_breaks_fuzz(
    words: list[str], name: str, at: int, tail: bool, cuts: list[int]
) -> None:
    data = _stream(words, _edit(name, at % len(words)), tail)
    assert_same(data, CheckOptions(), cuts)


def test_the_lane_takes_the_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[int] = []
    original = lane_module.Lane._take

    def spy(self: lane_module.Lane, name: str, payloads: list[bytes], *rest: Any) -> bool:
        result = original(self, name, payloads, *rest)
        taken.append(len(payloads) if result else 0)
        return result

    monkeypatch.setattr(lane_module.Lane, "_take", spy)
    result = check(_stream([f"w{i} " for i in range(40)]), CheckOptions(), True)
    assert result.findings == [] and result.events == 48
    # One run of 40 deltas: the first opens the stream's run, the lane takes the other 39.
    assert taken == [39]


def test_every_event_schema_is_an_object_of_its_own_type() -> None:
    """What the lane relies on to skip its own type checks: a valid event is a dict of that type."""
    for profile in ("openai", "open-responses"):
        schemas = load_schema_set(profile)
        for etype, uri in {**schemas.events, **schemas.drift_events}.items():
            schema = schemas.resources[uri]
            prop = schema["properties"]["type"]
            assert schema["type"] == "object" and "type" in schema["required"], etype
            assert prop.get("enum") == [etype] or prop.get("const") == etype, etype


def test_data_only_runs_are_not_decoded_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Responses stream without event: lines comes in runs of data-only blocks, which this lane's
    machines never take: they go event by event at once, not decoded by the lane first."""
    tried: list[int] = []
    original = lane_module.Lane._take

    def spy(self: lane_module.Lane, name: str, payloads: list[bytes]) -> Any:
        tried.append(len(payloads))
        return original(self, name, payloads)

    monkeypatch.setattr(lane_module.Lane, "_take", spy)
    data = b"\n".join(
        line for line in _stream([f"w{i} " for i in range(20)]).split(b"\n") if not line.startswith(b"event:")
    )
    assert any(isinstance(i, RawRun) and i.name is None for i in Reader([data], "sse", runs=True))
    assert_same(data, CheckOptions())
    assert tried == []
