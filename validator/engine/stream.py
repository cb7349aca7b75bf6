"""One stream in, findings out: the one place that stamps locations on issues.

The pipeline is ``reader -> decode -> schema -> lifecycle``. Each layer returns
:class:`~validator.model.findings.Issue` values; the engine turns them into
:class:`~validator.model.findings.Finding` values with the file, position, event index,
sequence number and event type, applies the profile's severities and the
``--select``/``--ignore`` set, and sorts them by position.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from os import PathLike
from typing import Any

import orjson

from validator.catalog import RULES, select_rules
from validator.engine.options import CheckOptions, FileResult
from validator.engine.store import FindingStore, group_key, with_repeats
from validator.model.events import Event, RawEvent, RawKind, RawRun
from validator.model.findings import Finding, Issue, Location, Position, Severity
from validator.model.outline import OutlineBuilder
from validator.protocols import DEFAULT, HEAD_BYTES, PROTOCOLS, by_name, detect, detect_payload
from validator.protocols.base import PassThrough, StreamProtocol
from validator.reading import decode, reader

__all__ = ["StreamCheck", "check_bytes", "check_chunks", "check_events", "group_repeats", "resolve"]

_START = Position(1, 1, 0)
_DONE = RawKind.DONE


class _Stamper:
    """Turns issues into findings for one file."""

    def __init__(
        self,
        path: str,
        options: CheckOptions,
        renamed: Mapping[str, str | None] | None = None,
        store: Any = None,
    ) -> None:
        self.path = path
        #: The protocol's ids for the reading layer's findings (None: not reported).
        self.renamed = renamed or {}
        self.profile = options.profile or ""
        self.strict = options.strict
        self.enabled = select_rules(options.select, options.ignore)
        #: A :class:`FindingStore` when the check spills its findings (``spill``), else a list.
        self.findings: Any = store if store is not None else []

    def add(self, issue: Issue, event: Event | RawEvent | None) -> None:
        rule_id = self.renamed.get(issue.rule, issue.rule) if self.renamed else issue.rule
        if rule_id is None:
            return
        rule = RULES[rule_id]
        if rule.id not in self.enabled:
            return
        severity = rule.reported_severity(self.profile, self.strict, issue.severity, issue.case)
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
                details=issue.details,
            )
        )


class _Checker:
    """Framed items in, findings out: decode, schemas and state machine of one stream's protocol.

    Items may come in any number of batches (:meth:`consume`); :meth:`finish` ends the stream.
    """

    def __init__(
        self,
        path: str,
        options: CheckOptions,
        protocol: StreamProtocol,
        lane_on: bool = True,
        spill: bool = False,
    ) -> None:
        self.protocol = protocol
        options = options.for_protocol(protocol.name)
        self.profile = profile = options.profile or protocol.default_profile
        store = FindingStore() if spill else None
        self.stamper = _Stamper(path, options, protocol.reading_rules, store)
        self.schemas = protocol.schemas(profile, options.strict)
        self.machine = protocol.machine(
            profile, resumed=options.resumed, fragment=options.fragment, request=options.request
        )
        # The outline is drawn from this very pass: the events as decoded here, the runs the lane takes.
        self.outline: OutlineBuilder | None = protocol.outline() if options.outline else None
        self.lane = protocol.lane(self.machine, self.schemas) if lane_on else PassThrough()
        if self.outline is not None:
            self.lane.observe(self.outline.feed_run)
        self.count = 0
        self.undecodable: Position | None = None

    @property
    def events(self) -> int:
        return self.count + self.lane.events

    def consume(self, items: Iterable[RawEvent | RawRun | Issue]) -> None:
        add = self.stamper.add
        schemas = self.schemas
        #: event type -> verdict, for the types whose valid events need nothing else (filled as met).
        fast = schemas.fast
        machine = self.machine
        feed = machine.feed
        outline = self.outline
        loads = orjson.loads
        json_error = orjson.JSONDecodeError
        huge = decode.HUGE
        shallow = decode.SHALLOW
        too_deep = decode.too_deep
        exact_ints_possible = decode.exact_ints_possible
        exact_ints_needed = decode.exact_ints_needed
        loads_long = decode.loads_long
        count = self.count
        undecodable = self.undecodable
        # The hot path (once per event, deltas included): locals for the lookups, orjson called here
        # rather than through decode.decode, and no list walked unless it holds an issue.
        for item in self.lane.through(items):
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
                if outline is not None:
                    outline.feed_done(item)
                continue
            count += 1
            data: Any = None
            if item.value is None:
                length = len(item.data)
                if length <= shallow:
                    # (exact_ints_needed: integers past 64 bits, which orjson rounds: decode.decode
                    # below parses them exactly. Too short to nest too deep.)
                    if not (exact_ints_possible(item.data) and exact_ints_needed(item.data)):
                        try:
                            data = loads(item.data)
                        except json_error:  # decode.decode reports it (not contextlib.suppress: hot path)
                            data = None
                elif length <= huge:
                    data = loads_long(item.data)  # None: decode.decode below says why
                else:
                    data = _decode_huge(item, machine.shared_string)
                    if type(data) is dict and too_deep(data):
                        # Its text already dropped: decode.decode cannot say it, so say it here.
                        add(decode.depth_issue(item), item)
                        undecodable = item.position
                        machine.feed_undecodable(item)
                        if outline is not None:
                            outline.feed_undecodable(item)
                        continue
            if type(data) is not dict:
                # Broken JSON, not an object, or an already-decoded value: decode says which.
                data, issues = decode.decode(item)
                for issue in issues:
                    add(issue, item)
                if data is None:
                    undecodable = item.position
                    machine.feed_undecodable(item)
                    if outline is not None:
                        outline.feed_undecodable(item)
                    continue
            event = Event(item.index, data, item.position, item.event_name, item.framed)
            etype = data.get("type")
            # Chat Completions chunks have no ``type``: their protocol's cheap verdict is under None.
            valid = fast.get(etype) if etype is None or type(etype) is str else None
            if valid is not None:
                try:
                    valid = valid(data)
                except UnicodeEncodeError:  # a lone surrogate, which the compiled engine cannot take
                    valid = False
            if not valid:
                schema_issues = schemas.check(data)
                if schema_issues:
                    event.slips = tuple(
                        slip
                        for i in schema_issues
                        if RULES[i.rule].severity is Severity.ERROR
                        for slip in (i.slips or (i.pointer,))
                    )
                    for issue in schema_issues:
                        add(issue, event)
            lifecycle_issues = feed(event)
            if lifecycle_issues:
                for issue in lifecycle_issues:
                    add(issue, event)
            if outline is not None:
                outline.feed(event)
        self.count = count
        self.undecodable = undecodable

    def finish(self, end: Position | None, input_format: str) -> FileResult:
        """End of the stream at ``end`` (None without a file: the slot after the last event)."""
        count = self.events
        if end is None:
            end = Position(count + 1, 1, 0)
        for issue in self.machine.finish(end):
            self.stamper.add(issue, None)
        findings = self.stamper.findings
        if type(findings) is list:
            findings.sort(key=Finding.sort_key)
            findings = group_repeats(findings)
        else:  # a FindingStore
            findings = findings.finish(group_repeats)
        outline = self.outline.finish(count) if self.outline is not None else None
        return FileResult(
            self.stamper.path,
            count,
            findings,
            input_format=input_format,
            outline=outline,
            profiles=(self.profile,),
        )


#: An HTTP error body is kept whole to be parsed at the end: past this size an input is not one.
_ERROR_BODY_LIMIT = 64 << 20
#: How much of the head :func:`_may_be_error_body` looks at.
_BODY_SNIFF = 1 << 16
_WS = b" \t\r\n"


def _may_be_error_body(head: bytes) -> bool:
    """Whether an input opening with ``head`` can still be one JSON object (an error body).

    An SSE stream or a JSON array cannot. JSON Lines can be told from one object laid out on
    several lines once its first line is a whole object and another line follows it: the
    continuation lines of a pretty-printed object never are. So a multi-gigabyte transcript is
    let go within its first lines, and only a body that is one object is held to the end.
    """
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(_WS)
    if not text:
        return True
    if text[:1] != b"{":
        return False
    first, newline, rest = text.partition(b"\n")
    if not newline or not rest.strip(_WS):
        return True
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        # The first line is part of a larger value: a second line that starts a new object at
        # column 0 is JSON Lines after a broken line, not the inside of one object.
        second = rest.lstrip(b"\r\n")
        return not second.startswith(b"{")
    return False


#: A blank line (an SSE event's end), whatever the line ends: two in a row.
_BLANK_LINE = re.compile(rb"\n\n|\r\r|\n\r")
_DATA_LINE = re.compile(rb"^data:", re.M)


def _first_event_whole(head: bytes) -> bool:
    """Whether ``head`` holds a whole first event, enough to start a check on: an SSE event with
    a ``data:`` line and its blank line, or (an input that cannot be one JSON error body, so
    its first line is a whole object with another line after it) a JSON Lines line. A JSON
    array or a binary event-stream waits for the whole head."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(_WS)
    if text[:1] == b"{":
        return True
    data = _DATA_LINE.search(text)
    return data is not None and _BLANK_LINE.search(text, data.end()) is not None


class StreamCheck:
    """Push-style check of one stream: hand over its bytes as they arrive, then close it.

    The engine of :func:`check_chunks` (and so of ``check``) and of the live ``proxy``: one
    code path for files and live streams, so both report the same findings for the same
    bytes however they are cut. ``feed`` returns the findings the chunk made visible (in the
    order they were found); ``close`` ends the input and returns the whole result, sorted.

    Unless ``options`` names the protocol, it is recognised from the first
    :data:`~validator.protocols.HEAD_BYTES` (or the whole input, if shorter). A live stream need
    not wait for them: once its first event is whole (and the input can no longer be one JSON
    error body), the check starts on what the head shows so far, and the head is still kept
    until it is long enough (or the input ends) to confirm it; should the whole head say
    otherwise, the check starts again from the first byte under the right protocol. So the
    result is the one the whole head gives, and ``feed`` returns findings from the first events
    on (only such a restart can make it return one that the result then does not hold).

    With ``spill``, the findings go to a :class:`~validator.engine.store.FindingStore` (past a
    few thousand, to a temporary file): ``close`` returns a result whose ``findings`` is that
    store, and ``feed`` returns nothing.
    """

    __slots__ = (
        "_body",
        "_body_size",
        "_checker",
        "_closed",
        "_head",
        "_head_size",
        "_lane",
        "_options",
        "_path",
        "_provisional",
        "_provisional_size",
        "_reader",
        "_seen",
        "_spill",
    )

    def __init__(
        self,
        path: str = "<stream>",
        options: CheckOptions | None = None,
        *,
        lane: bool = True,
        spill: bool = False,
    ) -> None:
        self._options = options or CheckOptions()
        self._path = path
        self._lane = lane
        self._spill = spill
        self._checker: _Checker | None = None
        self._reader: reader.StreamReader | None = None
        self._head: list[bytes] = []
        self._head_size = 0
        #: The check started on a head shorter than HEAD_BYTES: ``_head`` confirms it once long enough.
        self._provisional = False
        #: The head's size when the check started provisionally.
        self._provisional_size = 0
        self._seen = 0
        self._closed = False
        #: The input so far while it may be an HTTP error body (None once it cannot be).
        self._body: list[bytes] | None = []
        self._body_size = 0
        named = self._options.named_protocol()
        if named is not None:
            self._start(by_name(named))

    def _start(self, protocol: StreamProtocol) -> None:
        lane = self._lane and protocol.wants_runs()
        self._reader = reader.StreamReader(
            self._options.input_format, runs=lane, max_line=self._options.max_line_bytes
        )
        self._checker = _Checker(self._path, self._options, protocol, lane, self._spill)

    @property
    def events(self) -> int:
        """Data events checked so far."""
        return self._checker.events if self._checker is not None else 0

    def feed(self, chunk: bytes) -> list[Finding]:
        if self._closed:
            raise RuntimeError("StreamCheck.feed after close")
        held_as_body = self._body is not None
        if held_as_body:
            self._keep(chunk)
        if self._checker is None:
            # A line has ended, or the input has just shown it is no error body: the first
            # event may be whole now.
            self._hold(chunk, b"\n" in chunk or b"\r" in chunk or (held_as_body and self._body is None))
        else:
            self._checker.consume(self._reader.feed(chunk))  # type: ignore[union-attr]
            if self._provisional:
                self._head.append(chunk)
                self._head_size += len(chunk)
                if self._head_size >= HEAD_BYTES:
                    self._confirm()
        return self._new()

    def _keep(self, chunk: bytes) -> None:
        """Keep the input while it may be one JSON error body; let go once it cannot be."""
        body = self._body
        assert body is not None
        before = self._body_size
        body.append(bytes(chunk))
        self._body_size += len(chunk)
        if self._body_size > _ERROR_BODY_LIMIT:
            self._body = None
        elif before < _BODY_SNIFF:
            # At most the first _BODY_SNIFF bytes are looked at, however large the chunk.
            head = b"".join(body[:-1]) + body[-1][: _BODY_SNIFF - before]
            if not _may_be_error_body(head):
                self._body = None

    def _hold(self, chunk: bytes, may_start: bool) -> None:
        """A chunk before the protocol is known: kept until the head is long enough to tell, or
        its first event is whole (the check then starts provisionally, see the class doc)."""
        self._head.append(chunk)
        self._head_size += len(chunk)
        if self._head_size >= HEAD_BYTES:
            self._recognise()
        elif may_start and self._body is None:
            head = b"".join(self._head)
            if _first_event_whole(head):
                self._provisional = True
                self._provisional_size = self._head_size
                self._replay(detect(head), self._head)

    def _recognise(self) -> None:
        held, self._head = self._head, []
        self._replay(detect(b"".join(held)[:HEAD_BYTES]), held)

    def _replay(self, protocol: StreamProtocol, held: list[bytes]) -> None:
        """Start the check under ``protocol`` with the input so far."""
        self._start(protocol)
        consume, feed = self._checker.consume, self._reader.feed  # type: ignore[union-attr]
        for chunk in held:
            consume(feed(chunk))

    def _confirm(self) -> None:
        """The head is whole (or the input ended): a provisional check goes on if the head names
        its protocol, and starts again under the one it names if not."""
        held, self._head = self._head, []
        self._provisional = False
        checker = self._checker
        assert checker is not None
        if self._head_size == self._provisional_size:
            return  # nothing came since the guess (a whole small file): the same bytes, the same answer
        protocol = detect(b"".join(held)[:HEAD_BYTES])
        if protocol is checker.protocol:
            return
        close = getattr(checker.stamper.findings, "close", None)  # a spilled FindingStore's file
        if close is not None:
            close()
        self._seen = 0
        self._replay(protocol, held)

    def _new(self) -> list[Finding]:
        if self._checker is None or self._spill:
            return []
        findings = self._checker.stamper.findings
        if len(findings) == self._seen:
            return []
        new = findings[self._seen :]
        self._seen = len(findings)
        return new

    def close(self) -> FileResult:
        if self._closed:
            raise RuntimeError("StreamCheck.close called twice")
        self._closed = True
        if self._provisional:
            self._confirm()
        if self._body is not None:
            # The input may be what a server answers a refused request with (RSP016): one JSON
            # object, which would otherwise be checked line by line as events.
            body = b"".join(self._body)
            self._body = None
            checker = self._checker
            protocol = checker.protocol if checker is not None else detect(body[:HEAD_BYTES])
            refused = _error_body(body, self._path, self._options, protocol)
            if refused is not None:
                return refused
            answered = _whole_answer(body, self._path, self._options)
            if answered is not None:
                return answered
        if self._checker is None:
            self._recognise()
        rd = self._reader
        checker = self._checker
        assert rd is not None and checker is not None
        checker.consume(rd.close())
        return checker.finish(rd.end, rd.format)


def _decode_huge(item: RawEvent, known: Callable[[str], str]) -> Any:
    """A huge payload (the terminal response with every item): parsed with the least memory.

    What framing freed goes back to the system first (it could not hold the parsed objects),
    and once parsed, the text is dropped: only the decoded event is needed from here on. Ids and
    call_ids the stream already holds (``known``) are not decoded as copies.
    """
    decode.release_free_memory()
    data = decode.decode_huge(item, known)
    if data is None:
        if decode.exact_ints_needed(item.data):
            return None  # orjson would round them: decode.decode parses it exactly
        try:
            data = orjson.loads(item.data)
        except orjson.JSONDecodeError:
            return None
    if type(data) is dict:
        item.data = ""
        decode.release_free_memory()
    return data


def resolve(
    func: str, path: Any, options: Any, kwargs: dict[str, Any], default: str
) -> tuple[str, CheckOptions]:
    """The path and options of a ``check_*`` call, the same way for each of them.

    ``options`` may come second (``check_bytes(data, CheckOptions(...))``, like
    ``check_file(path, options)``) or third after a path, or by keyword; option fields may be
    given as keywords instead. Anything else is a TypeError that says what was expected:
    before, an options object in the path's place was silently taken for a path.
    """
    if isinstance(path, CheckOptions):
        if options is not None:
            raise TypeError(f"{func}(): options given twice (by position and as options)")
        path, options = default, path
    if path is None:
        path = default
    if not isinstance(path, (str, PathLike)):
        raise TypeError(
            f"{func}(): path must be a str or os.PathLike, or the options a CheckOptions,"
            f" not {type(path).__name__}"
        )
    if options is not None and not isinstance(options, CheckOptions):
        raise TypeError(
            f"{func}(): options must be a CheckOptions, not {type(options).__name__}"
            " (or give its fields as keywords: strict=True, ...)"
        )
    if kwargs:
        if options is not None:
            raise TypeError(
                f"{func}(): give either options or keyword options ({', '.join(kwargs)}), not both"
            )
        options = CheckOptions(**kwargs)
    return str(path), options or CheckOptions()


def check_chunks(
    chunks: Iterable[bytes],
    path: str | CheckOptions = "<stream>",
    options: CheckOptions | None = None,
    *,
    lane: bool = True,
    spill: bool = False,
    **kwargs: Any,
) -> FileResult:
    """Check a transcript given as an iterable of byte chunks (read incrementally).

    ``lane=False`` checks every event one by one, never a run of deltas at once
    (:mod:`validator.protocols.lane`): slower, with the same result; the tests compare the two.
    The chunks go through a :class:`StreamCheck`, as a live stream's do. ``spill``: the
    result's ``findings`` is a :class:`~validator.engine.store.FindingStore` (a read-only
    sequence that keeps a million findings in a temporary file rather than in memory).
    """
    path, options = resolve("check_chunks", path, options, kwargs, "<stream>")
    stream = StreamCheck(path, options, lane=lane, spill=spill)
    feed = stream.feed
    for chunk in chunks:
        feed(chunk)
    return stream.close()


def check_bytes(
    data: bytes, path: str | CheckOptions = "<bytes>", options: CheckOptions | None = None, **kwargs: Any
) -> FileResult:
    """Check a transcript held in memory. ``options`` second or third (after a path), or keywords."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"check_bytes() takes bytes, not {type(data).__name__}"
            + (" (encode the text, or use check_file for a path)" if isinstance(data, str) else "")
        )
    name, options = resolve("check_bytes", path, options, kwargs, "<bytes>")
    return check_chunks([bytes(data)], name, options)


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
    events: Iterable[Any],
    path: str | CheckOptions = "<events>",
    options: CheckOptions | None = None,
    **kwargs: Any,
) -> FileResult:
    """Check already-decoded events (dicts). Positions are event indices only.
    ``options`` second or third (after a path), or keywords."""
    path, options = resolve("check_events", path, options, kwargs, "<events>")
    items = _event_items(events)
    named = options.named_protocol()
    if named is not None:
        protocol = by_name(named)
    else:
        first = next(items, None)
        protocol = detect_payload(first.value) if first is not None else DEFAULT
        items = itertools.chain((first,) if first else (), items)
    checker = _Checker(path, options, protocol)
    checker.consume(items)
    return checker.finish(None, "events")


def group_repeats(findings: list[Finding]) -> list[Finding]:
    """Identical schema findings on several events, as one finding at the first of them.

    A server that sends ``output_index: -1`` on every delta has one defect: it is reported once,
    where it first occurs, with a line saying on how many later events it repeats (and their
    lines); the later places are the finding's ``related`` locations (kept whole in JSON, and
    SARIF's relatedLocations).
    """
    first: dict[tuple[object, ...], int] = {}
    repeats: dict[int, list[Location]] = {}
    kept: list[Finding] = []
    for f in findings:
        key = group_key(f)
        if key is None:
            kept.append(f)
            continue
        at = first.get(key)
        if at is None:
            first[key] = len(kept)
            kept.append(f)
        else:
            repeats.setdefault(at, []).append(
                Location(f.line, f.column, f.offset, f.event_index, f.sequence_number)
            )
    for at, more in repeats.items():
        kept[at] = with_repeats(kept[at], more)
    return kept


def error_body_message(body: bytes, protocol: str) -> tuple[str, str] | None:
    """What an HTTP error body says, and where (its JSON pointer); None if ``body`` is not one.

    An error body is one JSON object (however it is laid out: servers pretty-print them) with an
    ``error`` (OpenAI, Open Responses, LiteLLM, vLLM) or a ``detail`` (FastAPI servers) and no
    ``type`` and no ``choices``: a stream payload of every protocol has one or the other (an event's
    ``type``, a Chat Completions chunk's ``choices``). An Anthropic stream is refused with the API's
    own shape, ``{"type": "error", "error": {...}}``, which under that protocol alone is the body
    rather than an event: over SSE it would be framed as one. A JSON array is a transcript.
    """
    text = body.removeprefix(b"\xef\xbb\xbf").strip()
    if text[:1] != b"{":
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(value, dict) or "choices" in value:
        return None
    if "type" in value:
        anthropic = (
            protocol == "anthropic"
            and value["type"] == "error"
            and isinstance(value.get("error"), dict)
            and value.keys() <= {"type", "error", "request_id"}
        )
        if not anthropic:
            return None
    error = value.get("error", value.get("detail"))
    if error is None or error is False:
        return None
    message = error.get("message") if isinstance(error, dict) else error
    said = message if isinstance(message, str) else orjson.dumps(message).decode()
    if len(said) > 200:
        said = said[:199] + "…"
    return said, "/error" if "error" in value else "/detail"


def _error_body(body: bytes, path: str, options: CheckOptions, protocol: StreamProtocol) -> FileResult | None:
    """RSP016 (its equivalent under ``protocol``): the input is an HTTP error body, not a stream."""
    found = error_body_message(body, protocol.name)
    if found is None:
        return None
    said, pointer = found
    options = options.for_protocol(protocol.name)
    stamper = _Stamper(path, options, protocol.reading_rules)
    message = f"the input is an HTTP error body, not an event stream: {said!r}"
    stamper.add(Issue("RSP016", message, pointer), None)
    profile = options.profile or protocol.default_profile
    return FileResult(path, 0, stamper.findings, input_format="json", profiles=(profile,))


def answer_findings(body: bytes, path: str, options: CheckOptions) -> list[Finding]:
    """A non-streaming answer's body against what the protocol ``options`` names says such an
    answer is (a Response, RSP103; a Message, AN103; a chat.completion, CH100), or broken JSON
    (RSP002 under the protocol's own id).

    The proxy checks a live answer with it, and ``check`` an answer saved to a file (through
    :func:`_whole_answer`), so the two report the same findings for the same bytes.
    """
    protocol = by_name(options.named_protocol() or DEFAULT.name)
    options = options.for_protocol(protocol.name)
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        stamper = _Stamper(path, options, protocol.reading_rules)
        stamper.add(Issue("RSP002", f"non-streaming answer is not JSON: {exc}", position=_START), None)
        return list(stamper.findings)
    return _answer_value_findings(value, path, options, protocol)


def _answer_value_findings(
    value: Any, path: str, options: CheckOptions, protocol: StreamProtocol
) -> list[Finding]:
    stamper = _Stamper(path, options)
    profile = options.profile or protocol.default_profile
    for issue in protocol.answer_issues(value, profile, options.strict, options.request) or ():
        stamper.add(dataclasses.replace(issue, position=_START), None)
    return list(stamper.findings)


def _whole_answer(body: bytes, path: str, options: CheckOptions) -> FileResult | None:
    """The input is one JSON document that is a non-streaming answer (a Response, a Message, a
    chat.completion; never an event), as the proxy saves one: checked as the proxy checks it
    (:func:`answer_findings`). None when it is not one (it is checked as a transcript)."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    named = options.named_protocol()
    candidates = [by_name(named)] if named is not None else PROTOCOLS.values()
    protocol = next((p for p in candidates if p.is_answer(value)), None)
    if protocol is None:
        return None
    options = options.for_protocol(protocol.name)
    findings = _answer_value_findings(value, path, options, protocol)
    return FileResult(path, 0, findings, input_format="json", profiles=(options.profile or "",))
