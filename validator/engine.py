"""Transcript in, findings out: the one place that stamps locations on issues.

The pipeline is ``reader -> decode -> schema -> lifecycle``. Each layer returns
:class:`~validator.findings.Issue` values; the engine turns them into
:class:`~validator.findings.Finding` values with the file, position, event index,
sequence number and event type, applies the profile's severities and the
``--select``/``--ignore`` set, and sorts them by position.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from . import decode, reader, transcript
from .events import Event, RawEvent, RawKind, RawRun
from .findings import Finding, Issue, Position, Severity
from .lane import Lane
from .lifecycle import StreamChecker
from .rules import PROFILES, RULES, select_rules
from .schemas import SchemaChecker

__all__ = [
    "CONTAINER_FORMATS",
    "INPUT_FORMATS",
    "CheckOptions",
    "FileResult",
    "check_bytes",
    "check_chunks",
    "check_events",
    "check_file",
]

_START = Position(1, 1, 0)
_DONE = RawKind.DONE
#: Inputs that hold streams rather than being one: each embedded stream is checked on its own.
CONTAINER_FORMATS = ("cassette", "har", "websocket")
INPUT_FORMATS = (*reader.FORMATS, *CONTAINER_FORMATS)


@dataclass(frozen=True)
class CheckOptions:
    profile: str = "openai"
    strict: bool = False
    #: True: the stream is resumed (``starting_after``); None: detect it.
    resumed: bool | None = None
    #: Check a mid-stream excerpt: waive the start and end rules.
    fragment: bool = False
    input_format: str = "auto"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r} (choose from {', '.join(PROFILES)})")
        if self.input_format not in INPUT_FORMATS:
            raise ValueError(
                f"unknown input format {self.input_format!r} (choose from {', '.join(INPUT_FORMATS)})"
            )


@dataclass
class FileResult:
    path: str
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    #: Set when the input could not be read at all (exit code 2).
    error: str | None = None
    input_format: str | None = None

    def failed(self, strict: bool = False) -> bool:
        threshold = Severity.WARNING if strict else Severity.ERROR
        return self.error is not None or any(f.severity.rank >= threshold.rank for f in self.findings)

    @property
    def valid(self) -> bool:
        return not self.failed()


class _Stamper:
    """Turns issues into findings for one file."""

    def __init__(self, path: str, options: CheckOptions) -> None:
        self.path = path
        self.profile = options.profile
        self.strict = options.strict
        self.enabled = select_rules(options.select, options.ignore)
        self.findings: list[Finding] = []

    def add(self, issue: Issue, event: Event | RawEvent | None) -> None:
        rule = RULES[issue.rule]
        if rule.id not in self.enabled:
            return
        severity = rule.reported_severity(self.profile, self.strict, issue.severity)
        if severity is None:
            return
        seq: int | None = None
        etype: str | None = None
        index: int | None = None
        position = issue.position
        if issue.event is not None:
            ref = issue.event
            index, seq, etype = ref.index, ref.sequence_number, ref.type
            position = position or ref.position
        elif isinstance(event, Event):
            index, seq, etype = event.index, event.sequence_number, event.type
            position = position or event.position
        elif isinstance(event, RawEvent):
            index = event.index
            position = position or event.position
        position = position or _START
        self.findings.append(
            Finding(
                rule=rule.id,
                name=rule.name,
                severity=severity,
                message=issue.message or rule.message,
                path=self.path,
                line=position.line,
                column=position.column,
                offset=position.offset,
                event_index=index,
                sequence_number=seq,
                event_type=etype,
                pointer=issue.pointer,
            )
        )


def _run(
    items: Iterable[RawEvent | RawRun | Issue],
    rd: reader.Reader | None,
    path: str,
    options: CheckOptions,
) -> FileResult:
    stamper = _Stamper(path, options)
    add = stamper.add
    schemas = SchemaChecker.for_profile(options.profile, strict=options.strict)
    #: event type -> verdict, for the types whose valid events need nothing else (filled as types are met).
    fast = schemas.fast
    machine = StreamChecker(options.profile, resumed=options.resumed, fragment=options.fragment)
    lane = Lane(machine, schemas)
    feed = machine.feed
    loads = orjson.loads
    json_error = orjson.JSONDecodeError
    huge = decode.HUGE
    count = 0
    undecodable: Position | None = None
    # The hot path (once per event, deltas included): locals for the lookups, orjson called here
    # rather than through decode.decode, and no list walked unless it holds an issue.
    for item in lane.through(items):
        if isinstance(item, Issue):
            # A transcript cut off mid-event is one root cause: its broken JSON (RSP002) is
            # already reported, so the missing blank line after it is not reported again.
            if item.rule == "RSP011" and item.position == undecodable:
                continue
            add(item, None)
            continue
        if item.kind is _DONE:
            for issue in machine.feed_done(item):
                add(issue, item)
            continue
        count += 1
        data: Any = None
        if item.value is None:
            if len(item.data) > huge:
                data = _decode_huge(item, machine.shared_string)
            else:
                try:
                    data = loads(item.data)
                except json_error:  # decode.decode below reports it (not contextlib.suppress: hot path)
                    data = None
        if type(data) is not dict:
            # Broken JSON, not an object, or an already-decoded value: decode says which.
            data, issues = decode.decode(item)
            for issue in issues:
                add(issue, item)
            if data is None:
                undecodable = item.position
                machine.feed_undecodable(item)
                continue
        event = Event(item.index, data, item.position, item.event_name, item.framed)
        etype = data.get("type")
        valid = fast.get(etype) if type(etype) is str else None
        if valid is None or not valid(data):
            schema_issues = schemas.check(data)
            if schema_issues:
                event.schema_ok = not any(RULES[i.rule].severity is Severity.ERROR for i in schema_issues)
                for issue in schema_issues:
                    add(issue, event)
        lifecycle_issues = feed(event)
        if lifecycle_issues:
            for issue in lifecycle_issues:
                add(issue, event)
    count += lane.events
    # Without a file, the end of the input is the slot after the last event.
    end = rd.end if rd is not None else Position(count + 1, 1, 0)
    for issue in machine.finish(end):
        add(issue, None)
    stamper.findings.sort(key=Finding.sort_key)
    return FileResult(path, count, stamper.findings, input_format=rd.format if rd else "events")


def _decode_huge(item: RawEvent, known: Callable[[str], str]) -> Any:
    """A huge payload (the terminal response with every item): parsed with the least memory.

    What framing freed goes back to the system first (it could not hold the parsed objects),
    and once parsed, the text is dropped: only the decoded event is needed from here on. Ids and
    call_ids the stream already holds (``known``) are not decoded as copies.
    """
    decode.release_free_memory()
    data = decode.decode_huge(item, known)
    if data is None:
        try:
            data = orjson.loads(item.data)
        except orjson.JSONDecodeError:
            return None
    if type(data) is dict:
        item.data = ""
        decode.release_free_memory()
    return data


def check_chunks(
    chunks: Iterable[bytes],
    path: str = "<stream>",
    options: CheckOptions | None = None,
    *,
    lane: bool = True,
) -> FileResult:
    """Check a transcript given as an iterable of byte chunks (read incrementally).

    ``lane=False`` checks every event one by one, never a run of deltas at once
    (:mod:`validator.lane`): slower, with the same result; the tests compare the two.
    """
    options = options or CheckOptions()
    rd = reader.Reader(chunks, options.input_format, runs=lane)
    return _run(rd, rd, path, options)


def check_bytes(data: bytes, path: str = "<bytes>", options: CheckOptions | None = None) -> FileResult:
    return check_chunks([data], path, options)


def _container_kind(path: str, input_format: str) -> str | None:
    if input_format in CONTAINER_FORMATS:
        return input_format
    if input_format == "auto":
        # Cassettes and HAR files are recognised by name: their content is YAML/JSON that could
        # otherwise be mistaken for a JSON-array transcript.
        lower = path.lower()
        if lower.endswith(".har"):
            return "har"
        if lower.endswith((".yaml", ".yml")):
            return "cassette"
    return None


def _check_container_data(data: bytes, name: str, kind: str, options: CheckOptions) -> FileResult:
    inner = dataclasses.replace(options, input_format="auto")
    if kind == "websocket":
        from .websocket import check_websocket

        return check_websocket(data, name, inner)
    from .containers import check_container

    result: FileResult = check_container(data, name, inner, kind=kind)
    return result


def _is_websocket_session(first: bytes) -> bool:
    """A JSON Lines transcript that opens with the client's ``response.create`` is a WebSocket
    session (RULES.md §K): over SSE the request is not part of the stream."""
    line = first.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    if not line.startswith(b"{") or b"response.create" not in line:
        return False
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and value.get("type") == "response.create"


def check_file(path: str | Path, options: CheckOptions | None = None, **kwargs: Any) -> FileResult:
    """Check one transcript file (``-`` is standard input). I/O errors go in ``FileResult.error``.

    Cassettes (vcrpy, go-vcr, Ruby VCR), HAR files and WebSocket transcripts are recognised by
    ``input_format``, a .har/.yaml name or, for a WebSocket session, its opening
    ``response.create`` message; each stream inside them is checked.
    """
    options = options or CheckOptions(**kwargs)
    name = str(path)
    kind = _container_kind(name, options.input_format)
    try:
        with transcript.open_input(name) as chunks:
            if kind is not None:
                # Containers are small test fixtures, not multi-GB captures: read them whole.
                return _check_container_data(b"".join(chunks), name, kind, options)
            if options.input_format != "auto":
                return check_chunks(chunks, name, options)
            rest = iter(chunks)
            first = next(rest, b"")
            if _is_websocket_session(first):
                return _check_container_data(first + b"".join(rest), name, "websocket", options)
            return check_chunks(itertools.chain((first,), rest), name, options)
    except transcript.TranscriptReadError as exc:
        return FileResult(name, error=str(exc))


def _as_json(value: Any) -> Any:
    """``value`` as it would arrive from a file: tuples become lists, and so on.

    A value JSON cannot carry (a set, bytes, an arbitrary object) becomes a
    :class:`decode.NotJSON`, which is reported (RSP002) rather than raised by the checks.
    """
    try:
        return orjson.loads(orjson.dumps(value))
    except (TypeError, ValueError):
        pass  # orjson refuses integers beyond 64 bits, which JSON allows: ask the stdlib
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as exc:
        return decode.NotJSON(str(exc))


def _event_items(events: Iterable[Any]) -> Iterator[RawEvent]:
    # Without a file, an event's "line" is its 1-based position in the sequence.
    for index, value in enumerate(events):
        pos = Position(index + 1, 1, 0)
        value = _as_json(value)
        # ``None`` is a legitimate (wrong) event value: decode it as the JSON ``null`` it stands for.
        data = "null" if value is None else ""
        yield RawEvent(index, RawKind.EVENT, data, pos, (pos,), None, framed=False, value=value)


def check_events(
    events: Iterable[Any], path: str = "<events>", options: CheckOptions | None = None, **kwargs: Any
) -> FileResult:
    """Check already-decoded events (dicts). Positions are event indices only."""
    options = options or CheckOptions(**kwargs)
    return _run(_event_items(events), None, path, options)
