"""Reader: framing of SSE, JSONL and JSON-array transcripts, with exact positions."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from conftest import SEEDS, SHARED_CORPUS, needs_shared

from validator.model.events import RawEvent, RawKind
from validator.model.findings import Issue, Position
from validator.reading import transcript
from validator.reading.decode import decode
from validator.reading.reader import FORMATS, Reader

BOM = b"\xef\xbb\xbf"


def read(data: bytes | list[bytes], fmt: str = "auto") -> tuple[list[RawEvent | Issue], Reader]:
    rd = Reader([data] if isinstance(data, bytes) else data, fmt)
    return list(rd), rd


def events(items: list[RawEvent | Issue]) -> list[RawEvent]:
    return [i for i in items if isinstance(i, RawEvent)]


def issues(items: list[RawEvent | Issue]) -> list[Issue]:
    return [i for i in items if isinstance(i, Issue)]


def payloads(items: list[RawEvent | Issue]) -> list[RawEvent]:
    return [i for i in items if isinstance(i, RawEvent) and i.kind is RawKind.EVENT]


def rules(items: list[RawEvent | Issue]) -> list[str]:
    return [i.rule for i in issues(items)]


def pos_of(data: bytes, needle: bytes, bom: int = 0) -> Position:
    """Position of the first ``needle``, worked out independently of the reader."""
    at = data.index(needle)
    before = data[bom:at].decode()
    ends = list(re.finditer("\r\n|\r|\n", before))
    line_start = ends[-1].end() if ends else 0
    return Position(len(ends) + 1, len(before) - line_start + 1, at)


# ------------------------------------------------------------------------ SSE basics


def test_one_event_fields_and_position() -> None:
    data = b'event: response.created\ndata: {"type":"response.created"}\n\n'
    items, rd = read(data)
    assert rd.format == "sse"
    [ev] = items
    assert isinstance(ev, RawEvent)
    assert ev.kind is RawKind.EVENT
    assert ev.index == 0
    assert ev.data == '{"type":"response.created"}'
    assert ev.event_name == "response.created"
    assert ev.framed is True
    assert ev.position == Position(2, 7, data.index(b"{")) == pos_of(data, b"{")
    assert ev.segments == (ev.position,)
    assert rd.end == Position(4, 1, len(data))


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_positions_with_every_line_end(eol: bytes) -> None:
    data = eol.join([b": hi", b"event: a", b'data: {"n":1}', b"", b'data:{"n":2}', b"", b""])
    items, rd = read(data)
    first, second = events(items)
    assert first.position == pos_of(data, b'{"n":1}') == Position(3, 7, data.index(b'{"n":1}'))
    assert second.position == pos_of(data, b'{"n":2}') == Position(5, 6, data.index(b'{"n":2}'))
    assert (first.event_name, second.event_name) == ("a", None)
    assert rd.end == Position(7, 1, len(data))


def test_multibyte_text_moves_columns_in_code_points_and_offsets_in_bytes() -> None:
    data = 'data: {"t":"é€😀"}\n\ndata: {"t":"x"}\n\n: ünï\ndata: {"u":"→"}\n\n'.encode()
    items, _ = read(data)
    a, b, c = events(items)
    assert a.position == Position(1, 7, 6)
    assert b.position == pos_of(data, b'{"t":"x"}')
    assert c.position == pos_of(data, b'{"u"')
    assert c.position.offset == data.index(b'{"u"')
    assert not issues(items)


def test_bom_is_skipped_but_counted_in_offsets() -> None:
    data = BOM + b'data: {"a":1}\n\n'
    items, rd = read(data)
    [ev] = items
    assert ev.data == '{"a":1}'
    assert ev.position == Position(1, 7, 9)
    assert rd.end == Position(3, 1, len(data))


def test_only_the_first_bom_is_skipped() -> None:
    items, _ = read(BOM + b'data: {"a":1}\n\n' + BOM + b'data: {"a":2}\n\n')
    assert len(events(items)) == 1
    assert rules(items) == ["RSP010"]


def test_comments_are_ignored() -> None:
    items, _ = read(b': OPENROUTER PROCESSING\n\n:\ndata: {"a":1}\n: keepalive\n\n')
    [ev] = items
    assert ev.data == '{"a":1}'


def test_multi_line_data_is_joined_with_newline_and_segments_map_back() -> None:
    data = b'event: x\r\ndata: {"a":\r\n: comment inside\r\ndata:  1}\r\n\r\n'
    items, _ = read(data)
    [ev] = items
    assert ev.data == '{"a":\n 1}'
    assert ev.segments == (pos_of(data, b'{"a"'), Position(4, 7, data.index(b" 1}")))
    assert ev.position == ev.segments[0]


def test_field_order_is_free_data_before_event() -> None:
    data = b'data: {"type":"a"}\nevent: a\n\ndata: {"type":"b"}\nevent: b\n\n'
    items, _ = read(data)
    assert [(e.data, e.event_name) for e in events(items)] == [('{"type":"a"}', "a"), ('{"type":"b"}', "b")]
    assert not issues(items)


def test_only_one_space_after_the_colon_is_stripped() -> None:
    items, _ = read(b"event:  x\ndata:  [1]\n\n")
    [ev] = items
    assert (ev.event_name, ev.data, ev.position.column) == (" x", " [1]", 7)


def test_field_without_colon() -> None:
    items, _ = read(b"data\ndata\n\n")
    [ev] = items
    assert ev.data == "\n"
    assert ev.position == Position(1, 5, 4)


def test_event_name_does_not_leak_into_the_next_block() -> None:
    items, _ = read(b"event: a\n\ndata: {}\n\n")
    [ev] = items
    assert ev.event_name is None


def test_block_without_data_is_not_an_event() -> None:
    items, _ = read(b"event: a\nretry: 10\n\nevent: b\n\n")
    assert items == []


def test_done_sentinel() -> None:
    data = b'data: {"a":1}\n\ndata: [DONE]\n\ndata: {"a":2}\n\n'
    items, _ = read(data)
    a, done, b = items
    assert isinstance(done, RawEvent)
    assert done.kind is RawKind.DONE
    assert done.position == pos_of(data, b"[DONE]")
    # DONE carries the index the next data event gets, without consuming it.
    assert (a.index, done.index, b.index) == (0, 1, 1)
    assert (a.kind, b.kind) == (RawKind.EVENT, RawKind.EVENT)


def test_id_field_and_unknown_fields() -> None:
    data = b"id: 7\nfoo: bar\ndata: {}\nretry: 5\nnot a field\n\n"
    items, _ = read(data)
    assert [type(i).__name__ for i in items] == ["Issue", "Issue", "RawEvent", "Issue"]
    id_issue, foo, ev, garbage = items
    assert (id_issue.rule, id_issue.position) == ("RSP009", Position(1, 1, 0))
    assert (foo.rule, foo.position) == ("RSP010", pos_of(data, b"foo"))
    assert "'foo'" in foo.message
    assert (garbage.rule, garbage.position) == ("RSP010", pos_of(data, b"not a"))
    assert ev.data == "{}"


def test_field_names_are_case_sensitive() -> None:
    items, _ = read(b"Data: {}\n\n")
    assert rules(items) == ["RSP010"]
    assert not events(items)


@pytest.mark.parametrize("ending", [b"", b"\n", b"\r\n", b"\r"])
def test_unterminated_last_event_is_dispatched_with_rsp011(ending: bytes) -> None:
    data = b'data: {"a":1}\n\ndata: {"a":2}' + ending
    items, rd = read(data)
    ev1, ev2, warning = items
    assert ev1.data == '{"a":1}'
    assert ev2.data == '{"a":2}'
    assert warning.rule == "RSP011"
    assert warning.position == ev2.position
    assert rd.end.offset == len(data)
    if ending:
        assert rd.end == Position(4, 1, len(data))
    else:
        assert rd.end == Position(3, 14, len(data))


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085", "\x0c", "\x0b", "\x1c", "\x1e"])
def test_unicode_line_separators_are_content(char: str) -> None:
    payload = json.dumps({"delta": f"a{char}b"}, ensure_ascii=False)
    data = f"data: {payload}\n\ndata: {{}}\n\n".encode()
    items, _ = read(data)
    first, second = events(items)
    assert first.data == payload
    assert second.position == pos_of(data, b"{}")
    value, found = decode(first)
    assert found == [] and value == {"delta": f"a{char}b"}


def test_invalid_utf8_is_reported_at_the_exact_byte_and_replaced() -> None:
    data = b'data: {"t":"ok\xe9\xff"}\n\n: bad \xc3 comment\nevent: n\xfe\ndata: {}\n\n'
    items, _ = read(data)
    ev, bad1, bad2, bad3, ev2 = items
    assert ev.data == '{"t":"ok\ufffd\ufffd"}'
    assert (bad1.rule, bad1.position) == ("RSP001", Position(1, 15, data.index(b"\xe9")))
    assert (bad2.rule, bad2.position) == ("RSP001", Position(3, 7, data.index(b"\xc3")))
    assert (bad3.rule, bad3.position) == ("RSP001", Position(4, 9, data.index(b"\xfe")))
    assert "0xE9" in bad1.message
    assert ev2.event_name == "n\ufffd"


def test_empty_input() -> None:
    for fmt in FORMATS:
        items, rd = read(b"", fmt)
        assert items == []
        assert rd.end == Position(1, 1, 0)
    assert read(b"")[1].format == "sse"
    assert read([])[0] == []


def test_whitespace_only_input() -> None:
    items, rd = read(BOM + b"\n\n  \n")
    assert rules(items) == ["RSP010"]  # a line of two spaces is a field named "  "
    assert rd.end == Position(4, 1, 8)


def test_binary_garbage_gives_findings_not_exceptions() -> None:
    garbage = bytes(range(256)) * 4 + b"\x00\xff\r\r\n\x80data: \xff\n\n"
    for fmt in FORMATS:
        items, rd = read(garbage, fmt)
        assert rd.end.offset == len(garbage)
        for item in events(items):
            decode(item)
    assert "RSP001" in rules(read(garbage)[0])


def test_ten_megabyte_single_line_in_chunks() -> None:
    payload = '{"type":"response.output_text.delta","delta":"' + "x" * 10_000_000 + '"}'
    data = b"event: response.output_text.delta\ndata: " + payload.encode() + b"\n\n"
    chunks = [data[i : i + (1 << 20)] for i in range(0, len(data), 1 << 20)]
    items, rd = read(chunks)
    [ev] = items
    assert ev.data == payload
    assert ev.position == Position(2, 7, 40)
    assert rd.end == Position(4, 1, len(data))
    value, found = decode(ev)
    assert found == [] and len(value["delta"]) == 10_000_000


# ---------------------------------------------------------------- chunk boundaries

TRICKY = [
    b'event: a\r\ndata: {"x":"\xc3\xa9"}\r\n\r\ndata: [DONE]\r\n\r\n',
    b'data: {"a":1}\r\rdata: {"b":\r: c\rdata: 2}\r\r',
    BOM + b': hi\n\nevent: e\nid: 1\ndata: {"\xe2\x80\xa8":1}\nfoo\n\ndata: x\xff\n\ndata: tail',
    b"\r\n\r\ndata: {}\n\r\n\rdata: {}\r\n\n\r",
    b"data: 1\n\n\n\ndata: 2\n\n\n\n\nevent: x\ndata: 3\nevent: y\n\n",
    b'{"type":"a"}\r\n\r\n  \n{"type":"b", "t":"\xf0\x9f\x98\x80"}\ndata: [DONE]\n{"c":\xff}',
    BOM + b'[ {"a":1},\r\n {"b":\xe2\x82\xac}, \n{"c":[1,2]}\n]\n',
    b'[{"a":1}, {"b":2} {"c":3}]',
]


def normalized(items: list[RawEvent | Issue]) -> list[tuple[object, ...]]:
    return [
        ("ev", i.index, i.kind, i.data, i.position, i.segments, i.event_name, i.framed, i.value)
        if isinstance(i, RawEvent)
        else ("issue", i.rule, i.message, i.position)
        for i in items
    ]


@pytest.mark.parametrize("data", TRICKY)
def test_every_two_chunk_split_gives_the_same_result(data: bytes) -> None:
    whole, rd = read(data)
    expected = (normalized(whole), rd.end, rd.format)
    for cut in range(len(data) + 1):
        items, rd = read([data[:cut], data[cut:]])
        assert (normalized(items), rd.end, rd.format) == expected, cut


@pytest.mark.parametrize("data", TRICKY)
def test_one_byte_chunks_give_the_same_result(data: bytes) -> None:
    whole, rd = read(data)
    items, rd1 = read([data[i : i + 1] for i in range(len(data))])
    assert (normalized(items), rd1.end, rd1.format) == (normalized(whole), rd.end, rd.format)


def test_cr_then_lf_in_the_next_chunk_is_one_line_end() -> None:
    items, rd = read([b"data: {}\r", b"\ndata: {}\r", b"\n\r", b"\n"])
    [ev] = items
    assert ev.data == "{}\n{}"
    assert rd.end == Position(4, 1, 22)


def test_bytearray_and_memoryview_chunks() -> None:
    data = b'data: {"a":1}\n\n'
    items, _ = read([bytearray(data[:5]), memoryview(data[5:])])  # type: ignore[list-item]
    assert [e.data for e in events(items)] == ['{"a":1}']


# ------------------------------------------------------------------ format detection


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b'{"a":1}\n', "jsonl"),
        (BOM + b' \r\n\t{"a":1}\n', "jsonl"),
        (b'  [{"a":1}]', "json"),
        (BOM + b"[]", "json"),
        (b"data: {}\n\n", "sse"),
        (b": comment\n", "sse"),
        (b"\xff\xfe", "sse"),
        (b"   ", "sse"),
    ],
)
def test_format_is_detected_from_the_first_significant_byte(data: bytes, fmt: str) -> None:
    assert read(data)[1].format == fmt
    assert read([data[i : i + 1] for i in range(len(data))])[1].format == fmt


def test_format_can_be_forced() -> None:
    data = b'{"a":1}\n'
    items, rd = read(data, "sse")
    assert rd.format == "sse"
    assert rules(items) == ["RSP010"]
    items, rd = read(b'data: {"a":1}\n', "jsonl")
    assert rd.format == "jsonl" and [e.data for e in events(items)] == ['data: {"a":1}']


def test_unknown_format_and_second_iteration_are_errors() -> None:
    with pytest.raises(ValueError, match="unknown input format"):
        Reader([], "yaml")
    rd = Reader([b"data: {}\n\n"])
    list(rd)
    with pytest.raises(RuntimeError):
        list(rd)


# ---------------------------------------------------------------------------- JSONL


def test_jsonl_lines_blank_lines_crlf_and_done() -> None:
    data = b'{"type":"a"}\r\n\r\n   \n{"type":"b"}\ndata: [DONE]\n[DONE]\r\n{"type":"c"}'
    items, rd = read(data)
    assert rd.format == "jsonl"
    a, b, done1, done2, c = items
    assert [e.data for e in (a, b, c)] == ['{"type":"a"}', '{"type":"b"}', '{"type":"c"}']
    assert (done1.kind, done2.kind) == (RawKind.DONE, RawKind.DONE)
    assert b.position == Position(4, 1, data.index(b'{"type":"b"}'))
    assert c.position == Position(7, 1, data.index(b'{"type":"c"}'))
    assert (a.index, b.index, done1.index, c.index) == (0, 1, 2, 2)
    assert all(not e.framed and e.event_name is None for e in events(items))
    assert rd.end == Position(7, 13, len(data))


def test_jsonl_json_error_position_and_invalid_utf8() -> None:
    data = b'{"a":1}\n{"b": 2 "c": 3}\n{"t":"\xff"}\n'
    items, _ = read(data)
    a, b, c, bad = items
    assert decode(a) == ({"a": 1}, [])
    _, found = decode(b)
    assert [(f.rule, f.position) for f in found] == [("RSP002", pos_of(data, b'"c"'))]
    assert (bad.rule, bad.position) == ("RSP001", Position(3, 7, data.index(b"\xff")))
    assert c.data == '{"t":"\ufffd"}'


def test_jsonl_cr_inside_a_line_is_not_a_line_end() -> None:
    items, _ = read(b'{"a":\r1}\n{"b":2}\n')
    assert [e.data for e in events(items)] == ['{"a":\r1}', '{"b":2}']
    assert events(items)[1].position == Position(2, 1, 9)


# ----------------------------------------------------------------------- JSON array


def test_json_array_elements_with_exact_text_and_positions() -> None:
    data = BOM + b'[\n  {"type": "a", "t": "\xc3\xa9"},\r\n  {"type": "b",\n   "n": [1, 2]}\n]\n'
    items, rd = read(data)
    assert rd.format == "json"
    a, b = items
    assert a.data == '{"type": "a", "t": "é"}'
    assert a.value == {"type": "a", "t": "é"}
    assert a.position == Position(2, 3, data.index(b'{"type": "a"'))
    assert b.position == Position(3, 3, data.index(b'{"type": "b"'))
    assert b.segments == (b.position, Position(4, 1, data.index(b'   "n"')))
    assert (a.framed, a.event_name, a.index, b.index) == (False, None, 0, 1)
    assert rd.end == Position(6, 1, len(data))
    assert decode(a) == ({"type": "a", "t": "é"}, [])


@pytest.mark.parametrize(
    ("data", "needle", "message"),
    [
        (b'[{"a":1}, {"b":2} {"c":3}]', b' {"c"', "Expecting ',' delimiter"),
        (b'[{"a":1},\n {"b": 2,,}]', b",}", "Expecting property name"),
        (b'[{"a":1}, ]', b"]", "Expecting value"),
        (b'[{"a":1}]\n{"b":2}', b'{"b"', "Extra data"),
        (b'[{"a":1},\n  {"b": NaN}]', b"NaN", "NaN is not a JSON value"),
        (b'[{"a":1}', b"", "unterminated array"),
    ],
)
def test_broken_json_array_gives_rsp002_at_the_exact_place(data: bytes, needle: bytes, message: str) -> None:
    items, _ = read(data)
    broken = issues(items)
    assert [i.rule for i in broken] == ["RSP002"]
    where = data.index(needle) if needle else len(data)
    if needle == b' {"c"':
        where += 1
    assert broken[0].position.offset == where  # type: ignore[union-attr]
    assert message in broken[0].message
    assert events(items)[0].value == {"a": 1}


def test_json_format_that_is_not_an_array() -> None:
    items, _ = read(b' {"a":1}', "json")
    assert [(i.rule, i.position) for i in issues(items)] == [("RSP002", Position(1, 2, 1))]


def test_json_array_deep_nesting_is_a_finding() -> None:
    data = b"[" + b"[" * 100_000 + b"]" * 100_000 + b"]"
    items, _ = read(data)
    assert [i.rule for i in items] == ["RSP002"]
    assert "nesting too deep" in items[0].message  # type: ignore[union-attr]


def test_json_array_non_object_elements_give_rsp003() -> None:
    items, _ = read(b'[1, null, "x", {"a":1}]')
    found = [decode(e)[1] for e in events(items)]
    assert [[i.rule for i in f] for f in found] == [["RSP003"], ["RSP003"], ["RSP003"], []]


def test_json_array_invalid_utf8_is_yielded_in_position_order() -> None:
    data = b'[{"a":"x"},\n {"b":"\xff"}]'
    items, _ = read(data)
    assert [type(i).__name__ for i in items] == ["RawEvent", "RawEvent", "Issue"]
    assert items[2].position == Position(2, 8, data.index(b"\xff"))  # type: ignore[union-attr]


# --------------------------------------------------------------------------- seeds


def read_file(path: Path) -> tuple[list[RawEvent | Issue], Reader]:
    with transcript.open_input(str(path)) as chunks:
        rd = Reader(chunks)
        return list(rd), rd


def test_seed_000_breaks_on_line_20_where_json_says() -> None:
    path = SEEDS / "000_e3213cea1afb5a14.sse"
    line = path.read_bytes().split(b"\n")[19].decode()
    assert line.startswith("data: ")
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(line[6:])
    expected_column = 6 + caught.value.pos + 1
    items, _ = read_file(path)
    found = [f for e in events(items) for f in decode(e)[1]]
    assert [(f.rule, f.position.line, f.position.column) for f in found] == [  # type: ignore[union-attr]
        ("RSP002", 20, expected_column)
    ]
    assert caught.value.msg in found[0].message
    assert rules(items) == ["RSP011"]


def test_seed_004_is_clean() -> None:
    path = SEEDS / "004_75bce7c82fd61a67.sse"
    data_lines = sum(1 for line in path.read_bytes().splitlines() if line.startswith(b"data:"))
    items, rd = read_file(path)
    assert issues(items) == []
    assert len(events(items)) == data_lines == 9
    assert all(decode(e)[1] == [] for e in events(items))
    assert rd.end.offset == path.stat().st_size


# -------------------------------------------------------------- third-party captures


def _index() -> list[dict[str, str]]:
    with (SHARED_CORPUS / "INDEX.tsv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@needs_shared
def test_every_shared_capture_reads_cleanly_with_the_indexed_event_count() -> None:
    rows = _index()
    assert rows
    for row in rows:
        judgment = row["judgment"].lower()
        items, rd = read_file(SHARED_CORPUS / row["file"])
        assert rd.format == row["format"], row["file"]
        found = rules(items) + [f.rule for e in payloads(items) for f in decode(e)[1]]
        if "invalid json" not in judgment and "broken json" not in judgment:
            assert "RSP001" not in found and "RSP002" not in found, row["file"]
        if row["n_events"].isdigit():
            # INDEX counts the [DONE] sentinel as an event (061).
            assert len(events(items)) == int(row["n_events"]), row["file"]


@needs_shared
def test_every_other_shared_capture_reads_without_json_errors() -> None:
    extra = sorted(p for p in SHARED_CORPUS.rglob("*.sse") if p.parent != SHARED_CORPUS)
    assert extra
    for path in extra:
        items, _ = read_file(path)
        found = rules(items) + [f.rule for e in payloads(items) for f in decode(e)[1]]
        assert not {"RSP001", "RSP002"} & set(found), path


# ----------------------------------------------------------------------- transcript


def test_open_input_reads_a_file_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transcript, "CHUNK_SIZE", 4)
    path = tmp_path / "t.sse"
    path.write_bytes(b"data: {}\n\n")
    with transcript.open_input(str(path)) as chunks:
        got = list(chunks)
    assert b"".join(got) == b"data: {}\n\n"
    assert max(map(len, got)) <= 4
    assert path.read_bytes() == b"data: {}\n\n"


@pytest.mark.parametrize("case", ["missing", "directory", "nul"])
def test_open_input_errors_are_one_line(tmp_path: Path, case: str) -> None:
    path = {"missing": str(tmp_path / "nope.sse"), "directory": str(tmp_path), "nul": "a\x00b"}[case]
    with pytest.raises(transcript.TranscriptReadError) as caught, transcript.open_input(path):
        pass
    message = str(caught.value)
    assert "\n" not in message and message.startswith("cannot read")


def test_open_input_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulated: the suite may run as root, for whom chmod 0 does not deny reading.
    def deny(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    path = tmp_path / "secret.sse"
    path.write_bytes(b"data: {}\n\n")
    monkeypatch.setattr(transcript, "open", deny, raising=False)
    with (
        pytest.raises(transcript.TranscriptReadError, match="permission denied"),
        transcript.open_input(str(path)),
    ):
        pass


def test_open_input_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    fake = io.TextIOWrapper(io.BufferedReader(io.BytesIO(b'data: {"a":1}\n\n')))
    monkeypatch.setattr(sys, "stdin", fake)
    with transcript.open_input("-") as chunks:
        assert b"".join(chunks) == b'data: {"a":1}\n\n'


def test_open_input_read_error_mid_way(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: object) -> int:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Broken())))
    with (
        pytest.raises(transcript.TranscriptReadError, match="Input/output error"),
        transcript.open_input("-") as chunks,
    ):
        list(chunks)


# ------------------------------------------------------------------------ the line limit (RSP017)


def _bounded(
    data: bytes, fmt: str, limit: int, size: int | None = None, runs: bool = False
) -> tuple[list, Reader]:
    chunks = [data] if size is None else [data[i : i + size] for i in range(0, len(data), size)]
    rd = Reader(chunks, fmt, runs=runs, max_line=limit)
    return list(rd), rd


def _summary(items: list) -> list[tuple[object, ...]]:
    return [
        (i.rule, i.position, i.message) if isinstance(i, Issue) else (i.kind, i.data, i.position, i.value)
        for i in items
    ]


JSONL_LONG = b'{"type":"a"}\n' + b'{"x":"' + b"a" * 100 + b'"}\r\n' + b'{"type":"b"}\n' + b'{"y":' + b"1" * 50
SSE_LONG = (
    b'event: a\ndata: {"type":"a"}\n\nevent: b\r\ndata: '
    + b"x" * 100
    + b"\r\n\r\n: "
    + b"c" * 60
    + b'\rdata: {"t":1}\n\ndata: '
    + b"z" * 80
)


@pytest.mark.parametrize("size", [None, 1, 2, 7, 41, 64])
def test_a_line_past_the_limit_is_reported_not_held_however_the_input_is_cut(size: int | None) -> None:
    items, rd = _bounded(JSONL_LONG, "jsonl", 40, size)
    assert _summary(items) == _summary(_bounded(JSONL_LONG, "jsonl", 40)[0])
    assert [i.rule for i in issues(items)] == ["RSP017", "RSP017"]
    first, last = issues(items)
    assert first.position == pos_of(JSONL_LONG, b'{"x"')
    assert first.message == "line of 109 bytes is longer than the limit (40 bytes): not read"
    assert last.position == pos_of(JSONL_LONG, b'{"y"')
    assert last.message.endswith("not read; the input ends inside it")
    # Each overlong line stands for one event nobody could read: the indices go on after it.
    assert [(e.index, e.data, e.value is not None) for e in events(items)] == [
        (0, '{"type":"a"}', False),
        (1, "", True),
        (2, '{"type":"b"}', False),
        (3, "", True),
    ]
    assert events(items)[2].position == pos_of(JSONL_LONG, b'{"type":"b"}')
    assert rd.end == Position(4, 56, len(JSONL_LONG))


@pytest.mark.parametrize("runs", [False, True])
@pytest.mark.parametrize("size", [None, 1, 3, 7, 64])
def test_sse_lines_past_the_limit_however_the_input_is_cut(size: int | None, runs: bool) -> None:
    items, rd = _bounded(SSE_LONG, "sse", 40, size, runs)
    assert _summary(items) == _summary(_bounded(SSE_LONG, "sse", 40)[0])
    found = issues(items)
    assert [(i.rule, i.position) for i in found] == [
        ("RSP017", pos_of(SSE_LONG, b"data: xxx")),  # an event's data line: the event is unreadable
        ("RSP017", pos_of(SSE_LONG, b": ccc")),  # a comment: nothing else lost
        ("RSP011", pos_of(SSE_LONG, b"zzz")),
        ("RSP017", pos_of(SSE_LONG, b"data: zzz")),
    ]
    assert [(e.data, e.event_name, e.value is not None) for e in events(items)] == [
        ('{"type":"a"}', "a", False),
        ("", "b", True),
        ('{"t":1}', None, False),
        ("", None, True),
    ]
    # Positions after the skipped lines stay exact.
    assert events(items)[2].position == pos_of(SSE_LONG, b'{"t":1}')
    assert rd.end == Position(10, 87, len(SSE_LONG))


def test_lines_within_the_limit_are_read_as_without_one() -> None:
    # (JSON Lines end at LF only: a CR before it counts in the line.)
    for data, fmt, eol in ((SSE_LONG, "sse", rb"\r\n|\r|\n"), (JSONL_LONG, "jsonl", rb"\n")):
        longest = max(len(line) for line in re.split(eol, data))
        plain = _summary(list(Reader([data], fmt)))
        assert _summary(_bounded(data, fmt, longest, 5)[0]) == plain
        assert _summary(_bounded(data, fmt, longest)[0]) == plain


def test_an_unread_event_is_not_also_broken_json() -> None:
    from validator.engine import check_bytes

    data = b'{"type":"response.created","sequence_number":0,"response":{"id":"r"' + b" " * 200
    result = check_bytes(data, max_line_bytes=100)
    # What a broken JSON event gives (the stream then lacks its terminal event), RSP017 for RSP002.
    assert [f.rule for f in check_bytes(data).findings] == ["RSP002", "RSP209"]
    assert [f.rule for f in result.findings] == ["RSP017", "RSP209"]
    assert result.events == 1
    chat = b'data: {"id":"c","object":"chat.completion.chunk","choices":[' + b" " * 200 + b"\n\n"
    assert [f.rule for f in check_bytes(chat, protocol="chat", max_line_bytes=100).findings][:1] == ["CH064"]
