"""Property tests: any bytes, any chunking; no exception, ordered positions, same result.

SSE framing is also compared with a deliberately naive reference parser (decode
everything, walk characters) written from the WHATWG text, on valid UTF-8 input.
"""

from __future__ import annotations

import itertools
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.model.events import RawEvent, RawKind
from validator.model.findings import Issue, Position
from validator.reading.decode import decode
from validator.reading.reader import FORMATS, Reader

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Pieces that make the framing interesting: line ends, field names, BOMs,
#: multi-byte and invalid UTF-8, JSON punctuation and the DONE sentinel.
TOKENS = [
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"data:",
    b"data: ",
    b"event: ",
    b"event:",
    b"id: 1",
    b"retry: 5",
    b": c",
    b":",
    b" ",
    b"x",
    b"data",
    b"\xef\xbb\xbf",
    b"\xc3\xa9",
    b"\xe2\x80\xa8",
    b"\xf0\x9f\x98\x80",
    b"\xff",
    b"\xc3",
    b"{",
    b"}",
    b"[",
    b"]",
    b'"a"',
    b",",
    b"1",
    b"[DONE]",
    b'{"type":"a"}',
    b"NaN",
]

#: Groups of whole SSE lines (a typical block among them), joined with random line
#: ends or with one kind of line end per transcript (as servers send: the fast path's case).
LINES: list[tuple[bytes, ...]] = [
    (b"event: response.output_text.delta", b'data: {"type":"a","t":"\xc3\xa9"}', b""),
    (b"event: x", b"data: [DONE]", b""),
    (b"data: {}", b""),
    (b"event:x",),
    (b"data:[1]",),
    (b"data",),
    (b": keepalive",),
    (b"id: 9",),
    (b"",),
    (b"\xef\xbb\xbfdata: {}",),
    (b"data: \xff",),
    (b"event: \xff", b"data: 1", b""),
]
mixed_sse = st.lists(
    st.tuples(st.sampled_from(LINES), st.sampled_from([b"\n", b"\r\n", b"\r"])), max_size=20
).map(lambda pairs: b"".join(line + eol for group, eol in pairs for line in group))
uniform_sse = st.tuples(
    st.lists(st.sampled_from(LINES), max_size=20), st.sampled_from([b"\n", b"\r\n", b"\r"])
).map(lambda pair: b"".join(line + pair[1] for group in pair[0] for line in group))
sse_lines = st.one_of(mixed_sse, uniform_sse)
framed_bytes = st.one_of(st.lists(st.sampled_from(TOKENS), max_size=40).map(b"".join), sse_lines)
any_bytes = st.one_of(st.binary(max_size=200), framed_bytes)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def run(chunks: list[bytes], fmt: str) -> tuple[list[tuple[object, ...]], Position, str]:
    rd = Reader(chunks, fmt)
    out: list[tuple[object, ...]] = []
    for item in rd:
        if isinstance(item, RawEvent):
            found = decode(item)[1] if item.kind is RawKind.EVENT else []
            out.append(
                ("ev", item.index, item.kind, item.data, item.position, item.segments, item.event_name)
            )
            for issue in found:
                assert issue.rule in ("RSP002", "RSP003")
        else:
            assert isinstance(item, Issue) and item.position is not None
            out.append(("issue", item.rule, item.message, item.position))
    return out, rd.end, rd.format


def position(entry: tuple[object, ...]) -> Position:
    p = entry[4] if entry[0] == "ev" else entry[3]
    assert isinstance(p, Position)
    return p


@SETTINGS
@given(data=any_bytes, cuts=st.lists(st.integers(0, 200), max_size=6), fmt=st.sampled_from(FORMATS))
def test_any_bytes_any_chunking(data: bytes, cuts: list[int], fmt: str) -> None:
    whole = run([data], fmt)
    assert run(chunked(data, cuts), fmt) == whole
    items, end, _ = whole
    assert end.offset == len(data)
    previous = Position(1, 1, 0)
    for entry in items:
        p = position(entry)
        assert p.line >= 1 and p.column >= 1 and 0 <= p.offset <= len(data)
        assert p.offset >= previous.offset
        assert (p.line, p.column) >= (previous.line, previous.column)
        assert p.line <= end.line
        previous = p
        if entry[0] == "ev":
            segments = entry[5]
            assert isinstance(segments, tuple) and segments[0] == p
            assert [s.offset for s in segments] == sorted(s.offset for s in segments)


def reference_sse(data: bytes) -> list[tuple[RawKind, str, str | None, tuple[Position, ...]]]:
    """WHATWG event-stream interpretation, the slow and obvious way (valid UTF-8 only)."""
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    text = data[skip:].decode()
    out = []
    values: list[str] = []
    segments: list[Position] = []
    name: str | None = None
    offset = skip
    line_no = 1
    pieces = re.split(r"(\r\n|\r|\n)", text)
    for i in range(0, len(pieces), 2):
        line = pieces[i]
        eol = pieces[i + 1] if i + 1 < len(pieces) else ""
        if i + 1 >= len(pieces) and not line:
            break
        if line == "":
            if values:
                joined = "\n".join(values)
                kind = RawKind.DONE if joined.strip(" \t") == "[DONE]" else RawKind.EVENT
                out.append((kind, joined, name, tuple(segments)))
            values, segments, name = [], [], None
        elif not line.startswith(":"):
            field, colon, value = line.partition(":")
            start = len(field) + len(colon)
            if colon and value.startswith(" "):
                value, start = value[1:], start + 1
            if field == "data":
                values.append(value)
                segments.append(Position(line_no, start + 1, offset + len(line[:start].encode())))
            elif field == "event":
                name = value
        offset += len(line.encode()) + len(eol)
        line_no += 1
    if values:  # unterminated last event: still dispatched (with RSP011)
        joined = "\n".join(values)
        kind = RawKind.DONE if joined.strip(" \t") == "[DONE]" else RawKind.EVENT
        out.append((kind, joined, name, tuple(segments)))
    return out


@SETTINGS
@given(data=framed_bytes, cuts=st.lists(st.integers(0, 400), max_size=4))
def test_sse_matches_the_reference_parser(data: bytes, cuts: list[int]) -> None:
    try:
        data.decode()
    except UnicodeDecodeError:
        data = data.decode("utf-8", "ignore").encode()
    got = [
        (i.kind, i.data, i.event_name, i.segments)
        for i in Reader(chunked(data, cuts), "sse")
        if isinstance(i, RawEvent)
    ]
    assert got == reference_sse(data)


@SETTINGS
@given(
    lines=st.lists(
        st.one_of(
            st.just(b"data: [DONE]"),
            st.just(b""),
            st.just(b"  "),
            st.binary(max_size=30).filter(lambda b: b"\n" not in b),
            st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3).map(
                lambda d: __import__("json").dumps(d, ensure_ascii=False).encode()
            ),
        ),
        max_size=12,
    ),
    crlf=st.booleans(),
)
def test_jsonl_positions_are_line_starts(lines: list[bytes], crlf: bool) -> None:
    eol = b"\r\n" if crlf else b"\n"
    data = b"".join(line + eol for line in lines)
    starts = []
    offset = 0
    for n, line in enumerate(lines, 1):
        start = offset
        offset += len(line) + len(eol)
        if n == 1 and line.startswith(b"\xef\xbb\xbf"):  # the BOM is not part of the first line
            line, start = line[3:], 3
        if line.strip(b" \t\r"):
            starts.append(Position(n, 1, start))
    got = [i.position for i in Reader([data], "jsonl") if isinstance(i, RawEvent)]
    assert got == starts
