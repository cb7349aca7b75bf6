"""decode: JSON payloads to dicts, RSP002 at the exact input position, RSP003."""

from __future__ import annotations

import json

import orjson
import pytest
from conftest import SEEDS

from validator.engine import check_bytes
from validator.model.events import RawEvent, RawKind
from validator.model.findings import Position
from validator.reading.decode import (
    SHALLOW,
    decode,
    decode_huge,
    exact_ints_needed,
    exact_ints_possible,
    loads_long,
    locate,
)
from validator.reading.reader import Reader

CLEAN = SEEDS / "004_75bce7c82fd61a67.sse"


def raw(data: str, segments: tuple[Position, ...] | None = None, value: object = None) -> RawEvent:
    segments = segments or (Position(1, 7, 6),)
    return RawEvent(0, RawKind.EVENT, data, segments[0], segments, None, True, value)


def from_sse(text: str) -> RawEvent:
    [event] = [i for i in Reader([text.encode()]) if isinstance(i, RawEvent)]
    return event


def test_object_is_returned_without_issues() -> None:
    assert decode(raw('{"type":"response.created","n":1}')) == ({"type": "response.created", "n": 1}, [])


@pytest.mark.parametrize(
    ("data", "kind"),
    [("[1]", "an array"), ('"x"', "a string"), ("1.5", "a number"), ("null", "null"), ("true", "a boolean")],
)
def test_non_object_json_is_rsp003(data: str, kind: str) -> None:
    value, issues = decode(raw(data))
    assert value is None
    assert [(i.rule, i.position) for i in issues] == [("RSP003", None)]
    assert kind in issues[0].message


def test_value_given_as_python_object_is_used_as_is() -> None:
    event = {"type": "x", "nan": float("nan")}
    assert decode(raw("not json", value=event)) == (event, [])
    value, issues = decode(raw("", value=[1, 2]))
    assert value is None and [i.rule for i in issues] == ["RSP003"]


def expected_position(line: str, line_no: int, value_start: int, line_offset: int = 0) -> Position:
    """Where the stdlib says ``line[value_start:]`` breaks, as a file position."""
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(line[value_start:])
    at = value_start + caught.value.pos
    return Position(line_no, at + 1, line_offset + len(line[:at].encode()))


def test_rsp002_points_at_the_exact_column_and_byte() -> None:
    line = 'data: {"type":"x","text":"héllo €" "oops":1}'
    text = f"event: x\n{line}\n\n"
    value, issues = decode(from_sse(text))
    assert value is None
    [issue] = issues
    assert issue.rule == "RSP002"
    assert issue.message == "invalid JSON: Expecting ',' delimiter"
    assert issue.position == expected_position(line, 2, 6, len("event: x\n"))


def test_rsp002_on_a_later_data_line_maps_through_the_segments() -> None:
    text = 'data: {"a": 1,\r\ndata:   "b": [1, 2,, 3]}\r\n\r\n'
    event = from_sse(text)
    _, [issue] = decode(event)
    second = text.encode().index(b'  "b"')
    col = '  "b": [1, 2,, 3]}'.index(",,") + 1
    assert issue.position == Position(2, 6 + col + 1, second + col)
    assert "Expecting value" in issue.message


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        ("", 0, "Expecting value"),
        ("   ", 3, "Expecting value"),
        ('{"a":1', 6, "Expecting ',' delimiter"),
        ('{"a":1} x', 8, "Extra data"),
        ('{"a":1}{"b":2}', 7, "Extra data"),
        ('{"a": NaN}', 6, "NaN is not a JSON value"),
        ('{"a": [1, -Infinity]}', 10, "-Infinity is not a JSON value"),
        ('{"s": "NaN", "a": Infinity}', 18, "Infinity is not a JSON value"),
        ('{"a": "tab\there"}', 10, "Invalid control character"),
        ("{'a': 1}", 1, "Expecting property name"),
        ('{"a": 01}', 7, "Expecting ',' delimiter"),
    ],
)
def test_invalid_json_messages_and_positions(data: str, where: int, message: str) -> None:
    value, [issue] = decode(raw(data))
    assert value is None
    assert issue.rule == "RSP002"
    assert message in issue.message
    assert issue.position == Position(1, 7 + where, 6 + where)


def test_nesting_100000_deep_is_rsp002_not_recursion_error() -> None:
    for data in ("[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 100_000):
        value, [issue] = decode(raw(data))
        assert value is None
        assert issue.rule == "RSP002"
        assert "nesting too deep" in issue.message
        assert issue.position is not None and issue.position.line == 1


def test_error_deeper_than_the_stdlib_parser_goes_uses_orjson_diagnosis() -> None:
    data = "[" * 1010 + "1,,2" + "]" * 1010
    value, [issue] = decode(raw(data))
    assert value is None and issue.rule == "RSP002"
    assert issue.position == Position(1, 7 + 1012, 6 + 1012)
    assert "nesting too deep" not in issue.message


def test_valid_json_that_orjson_refuses_is_accepted() -> None:
    # A lone surrogate escape is valid JSON grammar (RFC 8259 §8.2 only warns about it).
    value, issues = decode(raw('{"t":"\\ud800"}'))
    assert issues == [] and value == {"t": "\ud800"}


def test_huge_integers_are_valid_json() -> None:
    value, issues = decode(raw('{"n": ' + "7" * 5000 + "}"))
    assert issues == []
    assert value is not None and str(value["n"]) == "7" * 5000


@pytest.mark.parametrize("value", [1e16, 9.2e18, 1e19, 2.0**64, 1.5e300, 1.7976931348623157e308])
def test_orjson_writes_a_rounded_integer_with_an_exponent(value: float) -> None:
    # loads_long's premise: no "+" in orjson's writing of a value means no integer it rounded.
    assert b"e+" in orjson.dumps(value) and b"e+" in orjson.dumps(-value)


@pytest.mark.parametrize("space", ["", " ", " \t\r\n ", "\n" * 30])
@pytest.mark.parametrize("number", ["9" * 20, "-" + "9" * 20, "1" * 40, "1" * 20 + ".5"])
def test_the_cheap_pattern_finds_every_member_the_full_one_finds(space: str, number: str) -> None:
    text = '{"type":"x","a":"b",' + f'"n":{space}{number}' + "}"
    json.loads(text)  # valid JSON, with an integer part of 20 digits or more
    assert exact_ints_needed(text) and exact_ints_possible(text)


PADDING = "x" * SHALLOW


def padded(members: str) -> str:
    """An event longer than SHALLOW: ``members`` and a long string."""
    return "{" + members + ',"pad":"' + PADDING + '"}'


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # An integer orjson would round: decode() must parse it, exactly.
        (padded('"type":"x","n":99999999999999999999'), None),
        (padded('"type":"x","n":-99999999999999999999'), None),
        # A "+" in a string, a float and a 20-digit integer orjson keeps: orjson's reading is right.
        (padded('"type":"x","s":"a+b"'), {"type": "x", "s": "a+b", "pad": PADDING}),
        (padded('"type":"x","n":1e300'), {"type": "x", "n": 1e300, "pad": PADDING}),
        (padded('"n":12345678901234567890'), {"n": 12345678901234567890, "pad": PADDING}),
        # Too deep, broken, not an object.
        (padded('"deep":' + "[" * 300 + "1" + "]" * 300), None),
        (padded('"type":"x"')[:-1], None),
        ('["' + PADDING + '"]', [PADDING]),
    ],
)
def test_loads_long_leaves_to_decode_what_orjson_cannot_say(text: str, value: object) -> None:
    assert len(text) > SHALLOW
    assert loads_long(text) == value
    if value is None:  # and decode() says why, or reads the integer exactly
        parsed, issues = decode(raw(text))
        assert issues or parsed["n"] in (99999999999999999999, -99999999999999999999)


def test_locate_clamps_and_handles_multibyte() -> None:
    event = raw("é\n€x", (Position(3, 7, 20), Position(4, 7, 30)))
    assert locate(event, 0) == Position(3, 7, 20)
    assert locate(event, 1) == Position(3, 8, 22)
    assert locate(event, 3) == Position(4, 8, 33)
    assert locate(event, 99) == Position(4, 9, 34)
    assert locate(event, -5) == Position(3, 7, 20)


def test_locate_with_too_few_segments_falls_back_to_the_event_start() -> None:
    event = raw("a\nb", (Position(5, 7, 40),))
    assert locate(event, 2) == Position(5, 7, 40)


def test_decode_huge_takes_ids_and_call_ids_from_the_known_strings() -> None:
    # The terminal event reuses the strings the stream already holds: same values, fewer copies.
    held = {"msg_1": "msg_1", "call_1": "call_1"}
    text = '{"output":[{"id":"msg_1","type":"message"},{"id":"fc_2","call_id":"call_1","name":"f"}]}'
    value = decode_huge(raw(text), lambda s: held.get(s, s))
    assert value == orjson.loads(text)
    first, second = value["output"]  # type: ignore[index]
    assert first["id"] is held["msg_1"] and second["call_id"] is held["call_1"]
    assert decode_huge(raw(text)) == value


# Integers orjson does not read exactly: past 64 bits, as members' values and as array elements.
ROUNDED = ["9" * 20, "-" + "9" * 20, "-" + "9" * 19, "-9223372036854775809", "18446744073709551616", "1" * 40]
PLACES = {
    "member": "{n}",
    "array": "[{n}]",
    "after a number": "[1,{n},2]",
    "nested array": "[[1, 2], [3,{n}]]",
    "after floats": "[1.5, -2e3, 1E+2,{n}]",
}


@pytest.mark.parametrize("space", ["", " ", " \t\r\n ", "\n" * 30])
@pytest.mark.parametrize("number", ROUNDED)
@pytest.mark.parametrize("place", sorted(PLACES))
def test_every_integer_orjson_rounds_is_found_by_both_patterns(space: str, number: str, place: str) -> None:
    text = '{"type":"x","a":"b","n":' + PLACES[place].format(n=space + number) + "}"
    assert type(json.loads(text)) is dict
    assert "e+" in repr(orjson.loads(text))  # orjson's reading is a rounded float
    assert exact_ints_needed(text) and exact_ints_possible(text)
    value, issues = decode(raw(text))
    assert issues == [] and str(int(number)) in repr(value)


@pytest.mark.parametrize("number", ["-9223372036854775808", "18446744073709551615", "9" * 19, "-" + "1" * 18])
def test_integers_at_the_edges_of_64_bits_are_read_exactly(number: str) -> None:
    # The i64 minimum and the u64 maximum are the last orjson reads as ints; whichever parser
    # the patterns choose, the value is the integer.
    for text in ('{"n":[' + number + "]}", '{"n":' + number + "}"):
        value, issues = decode(raw(text))
        assert issues == [] and value is not None
        got = value["n"][0] if isinstance(value["n"], list) else value["n"]
        assert type(got) is int and got == int(number)


def test_an_integer_after_a_string_in_an_array_is_exact_in_a_long_payload() -> None:
    # The short payloads' look misses it (exact_ints_possible), the long payloads' test does not.
    text = padded('"type":"x","n":["a", 99999999999999999999]')
    assert loads_long(text) is None
    value, issues = decode(raw(text))
    assert issues == [] and value is not None and value["n"] == ["a", 99999999999999999999]


def test_the_check_reads_a_negative_index_past_64_bits_exactly() -> None:
    # The message names the integer the stream sent, not orjson's float (-1e+19).
    seed = CLEAN.read_bytes()
    first = b'"output_index":0,"content_index":0,"delta":"hey"'
    assert seed.count(first) == 1
    result = check_bytes(seed.replace(first, first.replace(b":0,", b":-9999999999999999999,", 1)))
    messages = [f.message for f in result.findings]
    assert {f.rule for f in result.findings} == {"RSP103", "RSP221"}, messages
    assert all("-9999999999999999999 " in m and "e+" not in m for m in messages), messages
