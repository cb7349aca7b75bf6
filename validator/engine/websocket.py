"""WebSocket mode (RULES.md §K): check the server messages of a Responses WebSocket session.

Input is either a transcript with one JSON message a line (server messages; client
``response.create`` lines may be interleaved) or a HAR file whose entries carry Chrome's
``_webSocketMessages``. Each connection is split into turns, and each turn is checked by the
engine as its own stream, so sequence numbering and the lifecycle restart per response (B6).
What differs from SSE:

* a turn ends at its terminal event, or at a WebSocket ``error`` envelope (the compliance suite
  ends the turn there), which is checked for the envelope shape (EVENTS.md §8 C/D) instead of
  the SSE error schema;
* SSE framing rules (``event:`` lines, ``[DONE]``) do not apply; a ``[DONE]`` frame before the
  terminal event does (RSP013);
* events are routed by ``stream_id`` lanes (K3/K4): turns on different lanes may interleave in
  the openai profile, never in the open-responses profile.

Findings point at the transcript line of the message (for HAR: the message object's line) and
name the turn in their message.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from validator.engine.containers import make_finding
from validator.engine.options import CheckOptions, FileResult
from validator.engine.stream import StreamCheck, check_bytes
from validator.model.findings import Finding
from validator.model.values import int_or_none
from validator.protocols.responses.connection import ConnectionMachine
from validator.protocols.responses.families import STEER_OUTCOMES
from validator.protocols.responses.schemas import SchemaChecker
from validator.reading.containers.positions import (
    JSON_BREAKS,
    ContainerError,
    LineTable,
    har_entries,
    json_array_offsets,
    json_member_offsets,
)
from validator.reading.containers.streams import detect_kind

__all__ = ["WebSocketStream", "WsMessage", "check_websocket", "iter_connections"]

KINDS = ("auto", "jsonl", "har")
TERMINAL = frozenset({"response.completed", "response.failed", "response.incomplete"})
#: The client's messages (ResponsesClientEvent): a transcript interleaves them with the server's.
CLIENT = frozenset({"response.create", "response.steer"})
#: Rules about SSE framing that have no meaning for WebSocket frames.
SSE_ONLY = frozenset({"RSP005", "RSP006", "RSP007", "RSP009", "RSP010", "RSP011"})
#: What the engine says about a stream that stops before its terminal event.
_UNTERMINATED = frozenset({"RSP209", "RSP228"})
_TRANSPORT_FIELDS = ("stream", "stream_options", "background")
_STREAM_ID = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")


@dataclass
class WsMessage:
    """One WebSocket text frame and where it is in the input."""

    line: int
    column: int
    offset: int
    text: str
    #: "receive" (server to client) or "send".
    direction: str = "receive"
    value: Any = None
    decoded: bool = False


@dataclass
class _Turn:
    number: int
    lane: str | None
    messages: list[WsMessage] = field(default_factory=list)
    response_id: str | None = None
    terminal: bool = False
    error: WsMessage | None = None


@dataclass
class _Lane:
    current: _Turn | None = None
    last: _Turn | None = None
    after_error: bool = False


# ---------------------------------------------------------------- reading


def _decode(msg: WsMessage) -> WsMessage:
    try:
        msg.value = json.loads(msg.text)
        msg.decoded = True
    except ValueError:
        msg.decoded = False
    return msg


def _jsonl_messages(data: bytes) -> list[WsMessage]:
    out = []
    offset = 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if line.strip():
            text = line.decode("utf-8", "replace")
            out.append(_decode(WsMessage(number, 1, offset, text)))
        offset += len(raw) + 1
    return out


def _har_connections(data: bytes) -> Iterator[tuple[str, list[WsMessage]]]:
    text = data.decode("utf-8-sig", "replace")
    table = LineTable(text, JSON_BREAKS)
    for number, (start, entry) in enumerate(har_entries(text), start=1):
        frames = entry.get("_webSocketMessages")
        if not isinstance(frames, list):
            continue
        # Positions of each frame object: walk the entry's members again with offsets.
        members = json_member_offsets(text, start)
        spans = json_array_offsets(text, members["_webSocketMessages"][0])
        messages = []
        for frame, (s, _) in zip(frames, spans, strict=False):
            if not isinstance(frame, dict) or frame.get("opcode", 1) != 1:
                continue  # binary, ping and close frames are not Responses messages
            line, column, offset = table.locate(s)
            direction = "send" if frame.get("type") == "send" else "receive"
            messages.append(_decode(WsMessage(line, column, offset, str(frame.get("data", "")), direction)))
        yield f"entry {number}", messages


def iter_connections(data: bytes, kind: str = "auto") -> Iterator[tuple[str | None, list[WsMessage]]]:
    """(label, messages) per WebSocket connection: one for a JSONL transcript, one per HAR entry."""
    if kind not in KINDS:
        raise ContainerError(f"unknown WebSocket input kind {kind!r} (choose from {', '.join(KINDS)})")
    if kind == "auto":
        kind = "har" if detect_kind(data) == "har" else "jsonl"
    if kind == "har":
        yield from _har_connections(data)
    else:
        yield None, _jsonl_messages(data)


# ---------------------------------------------------------------- per-message checks


def error_shape_problems(value: dict[str, Any], profile: str) -> list[str]:
    """What is wrong with a WebSocket error envelope (EVENTS.md §8 C for openai, D for open-responses)."""
    problems = []
    err = value.get("error")
    if not isinstance(err, dict):
        if "message" in value or "code" in value:
            problems.append(
                "flat error (code/message at the top level); the WebSocket envelope nests them in 'error'"
            )
        else:
            problems.append("'error' object missing")
        err = {}
    elif not isinstance(err.get("message"), str):
        problems.append("'error.message' is not a string")
    status = value.get("status")
    if profile == "open-responses":
        if not isinstance(status, int) or isinstance(status, bool):
            problems.append("'status' (the HTTP-like status code) is missing or not an integer")
        if err and not isinstance(err.get("code"), str):
            problems.append("'error.code' is missing or not a string")
    elif status is not None and (not isinstance(status, int) or isinstance(status, bool)):
        problems.append("'status' is not an integer")
    seq = value.get("sequence_number")
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool)):
        problems.append("'sequence_number' is not an integer")
    return problems


def _response_id(value: dict[str, Any]) -> str | None:
    resp = value.get("response")
    if isinstance(resp, dict) and isinstance(resp.get("id"), str):
        return resp["id"]
    return None


# ---------------------------------------------------------------- the session walk


class _Session:
    """Splits one connection's messages into turns, and records the transport findings."""

    def __init__(self, path: str, options: Any, prefix: str | None, client_visible: bool = False) -> None:
        self.path = path
        self.options = options
        self.prefix = prefix
        self.lanes: dict[str | None, _Lane] = {}
        self.turns: list[_Turn] = []
        self.findings: list[Finding] = []
        self._bad_ids: set[str] = set()
        #: Steering, successors and lineage across the connection's responses (RSP401-RSP407).
        self.connection: ConnectionMachine[WsMessage] = ConnectionMachine(client_visible)
        self.by_id: dict[str, _Turn] = {}
        #: The turns that got a message since the live reader last looked (by number): a message
        #: touches one turn, and a long session must not cost a walk through all of them each time.
        self.touched: dict[int, _Turn] = {}

    def add(self, turn: _Turn, msg: WsMessage) -> None:
        turn.messages.append(msg)
        self.touched[turn.number] = turn

    def where(self, text: str) -> str:
        return f"{self.prefix}: {text}" if self.prefix else text

    def report(self, rule: str, message: str, msg: WsMessage, **fields: Any) -> None:
        value = msg.value if isinstance(msg.value, dict) else {}
        seq = value.get("sequence_number")
        etype = value.get("type")
        finding = make_finding(
            rule,
            self.where(message),
            self.path,
            (msg.line, msg.column, msg.offset),
            self.options,
            sequence_number=int_or_none(seq),
            event_type=etype if isinstance(etype, str) else None,
            **fields,
        )
        if finding is not None:
            self.findings.append(finding)

    def lane(self, key: str | None) -> _Lane:
        return self.lanes.setdefault(key, _Lane())

    def new_turn(self, key: str | None) -> _Turn:
        turn = _Turn(len(self.turns) + 1, key)
        self.turns.append(turn)
        state = self.lane(key)
        state.current = turn
        state.last = turn
        state.after_error = False
        return turn

    def in_flight(self) -> list[str | None]:
        return [k for k, s in self.lanes.items() if s.current is not None]

    def check_stream_id(self, value: Any, msg: WsMessage) -> None:
        sid = value if isinstance(value, str) else json.dumps(value)
        if (not isinstance(value, str) or not _STREAM_ID.match(value)) and sid not in self._bad_ids:
            self._bad_ids.add(sid)
            self.report("RSP108", f"stream_id {sid[:80]!r} is not 1-256 characters of [A-Za-z0-9_.-]", msg)

    def route(self, value: dict[str, Any] | None, msg: WsMessage) -> str | None:
        """The lane of a server message: its stream_id, else the one lane that is in flight."""
        if value is not None and "stream_id" in value:
            sid = value["stream_id"]
            return sid if isinstance(sid, str) else json.dumps(sid)
        flying = self.in_flight()
        if not flying or None in flying:
            return None
        if value is not None:
            if len(flying) == 1:
                self.report(
                    "RSP251", f"event has no stream_id while response on lane {flying[0]!r} is in flight", msg
                )
                return flying[0]
            self.report("RSP251", "event has no stream_id while several lanes are in flight", msg)
            return None
        return flying[0] if len(flying) == 1 else None

    def take(self, msg: WsMessage) -> bool:
        """Route one message, the client's or the server's; whether it was the client's."""
        value = msg.value if msg.decoded and isinstance(msg.value, dict) else None
        ctype = value.get("type") if value is not None else None
        if msg.direction != "send" and ctype not in CLIENT:
            self.server(msg)
            return False
        if value is not None and ctype == "response.create":
            self.client(value, msg)
        elif value is not None and ctype == "response.steer":
            self.client_steer(value, msg)
        return True

    def client(self, value: dict[str, Any], msg: WsMessage) -> None:
        sent = [f for f in _TRANSPORT_FIELDS if f in value]
        if sent:
            self.report("RSP109", f"response.create sends {', '.join(sent)} (HTTP/SSE-only fields)", msg)
        lane = None
        if "stream_id" in value:
            self.check_stream_id(value["stream_id"], msg)
            sid = value["stream_id"]
            lane = sid if isinstance(sid, str) else json.dumps(sid)
        self.connection.client_create(lane)

    def client_steer(self, value: dict[str, Any], msg: WsMessage) -> None:
        for issue in SchemaChecker.for_profile(self.options.profile).check_client(value):
            self.report(issue.rule, f"client message {issue.message}", msg)
        self.flush(self.connection.client_steer(value, msg))

    def flush(self, found: list[tuple[str, str, WsMessage]]) -> None:
        for rule, message, msg in found:
            self.report(rule, message, msg)

    def server(self, msg: WsMessage) -> None:
        if msg.text.strip() == "[DONE]":
            if self.in_flight():
                self.report("RSP013", "[DONE] frame before the in-flight response's terminal event", msg)
            return
        value = msg.value if msg.decoded and isinstance(msg.value, dict) else None
        if value is not None and "stream_id" in value:
            self.check_stream_id(value["stream_id"], msg)
        etype = value.get("type") if value is not None else None
        if value is not None and etype in STEER_OUTCOMES:
            self.on_steer_outcome(etype, value, msg)
            return
        if value is not None and self.superseded(value, msg):
            return
        key = self.route(value, msg)
        state = self.lane(key)
        if etype == "error":
            self.on_error(value, msg, state, key)
        elif etype == "response.created":
            self.on_created(value, msg, state, key)
        else:
            self.on_event(etype, msg, state, key)

    def on_steer_outcome(self, etype: str, value: dict[str, Any], msg: WsMessage) -> None:
        """A steer outcome: judged by the connection machine, part of a turn only while one is in flight.

        Its lane is its ``stream_id``, else that of the response it names: a ``response.steer.failed``
        for a response the server cannot find carries none, so a missing echo is not RSP251 here.
        Sent while its lane's response runs, it is one of that response's events (numbered in its
        sequence); after the terminal event (``response.steer.pending`` "is emitted after
        response.completed") it belongs to no response, and its sequence_number is not judged.
        """
        if "stream_id" in value:
            sid = value["stream_id"]
            key = sid if isinstance(sid, str) else json.dumps(sid)
        else:
            steer = value.get("steer")
            target = self.by_id.get(steer.get("previous_response_id")) if isinstance(steer, dict) else None
            key = target.lane if target is not None else None
        current = self.lane(key).current
        if current is not None:
            self.add(current, msg)
        self.flush(self.connection.outcome(etype, value, msg))

    def superseded(self, value: dict[str, Any], msg: WsMessage) -> bool:
        """A lifecycle event of a response whose successor already started: RSP405, into its own turn."""
        resp = value.get("response")
        rid = resp.get("id") if isinstance(resp, dict) else None
        if (
            not isinstance(rid, str)
            or not self.connection.is_superseded(rid)
            or value.get("type") == "response.created"
        ):
            return False
        found = self.connection.superseded(value, msg)
        if not found:
            return False
        self.flush(found)
        turn = self.by_id[rid]
        self.add(turn, msg)
        if value.get("type") in TERMINAL:
            turn.terminal = True
            self.connection.terminal(str(value.get("type")), value, msg)
        return True

    def on_error(self, value: dict[str, Any], msg: WsMessage, state: _Lane, key: str | None) -> None:
        for problem in error_shape_problems(value, self.options.profile):
            self.report("RSP107", f"WebSocket error envelope: {problem}", msg)
        turn = state.current if state.current is not None else self.new_turn(key)
        turn.error = msg
        state.current = None
        state.last = turn
        state.after_error = True

    def on_created(self, value: dict[str, Any], msg: WsMessage, state: _Lane, key: str | None) -> None:
        rid = _response_id(value)
        current = state.current
        if current is not None and (rid is None or current.response_id in (None, rid)):
            self.add(current, msg)  # the same response created twice: the engine reports it
            return
        self.flush(self.connection.created(value, msg, key, current.response_id if current else None))
        if current is not None:
            if self.connection.is_superseded(current.response_id):
                pass  # its successor started early: RSP405 at each of its later events, not RSP250 here
            else:
                lane = "" if key is None else f" on lane {key!r}"
                self.report(
                    "RSP250",
                    f"response {rid} starts{lane} while response {current.response_id} is in flight",
                    msg,
                )
        elif self.options.profile == "open-responses":
            others = [k for k in self.in_flight() if k != key]
            if others:
                self.report(
                    "RSP250", "response starts while another response is in flight on this connection", msg
                )
        turn = self.new_turn(key)
        turn.response_id = rid
        self.add(turn, msg)
        if rid is not None:
            self.by_id.setdefault(rid, turn)

    def on_event(self, etype: str | None, msg: WsMessage, state: _Lane, key: str | None) -> None:
        turn = state.current
        if turn is None and state.after_error:
            last = state.last
            if (
                etype == "response.failed"
                and last is not None
                and last.error is not None
                and not last.terminal
            ):
                turn = last  # error then response.failed: the failure closes the same turn
            else:
                self.report("RSP214", "event after a WebSocket error other than response.failed", msg)
                turn = last if last is not None and last.messages else self.new_turn(key)
            state.after_error = False
        elif turn is None:
            # Past the terminal event: the engine reports the stray event in the previous turn,
            # or a stream that does not start with response.created in a new one.
            turn = state.last if state.last is not None else self.new_turn(key)
        self.add(turn, msg)
        if etype in TERMINAL:
            self.connection.terminal(etype, msg.value, msg)
            turn.terminal = True
            if state.current is turn:
                state.current = None
            state.last = turn


# ---------------------------------------------------------------- checking turns with the engine


def _turn_line(msg: WsMessage) -> bytes:
    text = msg.text
    if "\n" in text or "\r" in text:
        # A pretty-printed frame: one JSON text a line is what the engine's JSONL reader takes.
        text = json.dumps(msg.value) if msg.decoded else text.replace("\r", " ").replace("\n", " ")
    return text.encode("utf-8", "surrogatepass")


def _place(turn: _Turn, starts: list[int], line: int, column: int, offset: int) -> tuple[int, int, int]:
    """A place in the turn's body (line ``k`` is its ``k``-th message, starting at ``starts[k-1]``)
    as the place in the transcript."""
    k = min(max(line, 1), len(turn.messages))
    msg = turn.messages[k - 1]
    if line == k and msg.column == 1 and "\n" not in msg.text:
        return msg.line, column, msg.offset + (offset - starts[k - 1])
    return msg.line, msg.column, msg.offset


def _relocate(f: Finding, turn: _Turn, starts: list[int], path: str, prefix: str) -> Finding:
    line, column, offset = _place(turn, starts, f.line, f.column, f.offset)
    related = tuple(
        r._replace(
            **dict(
                zip(
                    ("line", "column", "offset"),
                    _place(turn, starts, r.line, r.column, r.offset),
                    strict=True,
                )
            )
        )
        for r in f.related
    )
    return dataclasses.replace(
        f,
        path=path,
        line=line,
        column=column,
        offset=offset,
        message=f"{prefix}: {f.message}",
        related=related,
    )


def _check_turn(turn: _Turn, path: str, options: Any, prefix: str | None) -> tuple[int, list[Finding]]:

    if not turn.messages:
        return 0, []
    lines = [_turn_line(msg) + b"\n" for msg in turn.messages]
    body = b"".join(lines)
    starts = list(itertools.accumulate(map(len, lines[:-1]), initial=0))
    sub = check_bytes(body, path, dataclasses.replace(options, input_format="jsonl"))
    label = f"turn {turn.number}" + (f" ({turn.response_id})" if turn.response_id else "")
    if prefix:
        label = f"{prefix}, {label}"
    return sub.events, [_relocate(f, turn, starts, path, label) for f in sub.findings if _kept(f, turn)]


def _kept(f: Finding, turn: _Turn) -> bool:
    """Whether a finding of a turn's stream holds over the WebSocket mode: never an SSE-only rule;
    a stream cut short not when an error envelope ended the turn (as error -> failed over SSE)."""
    if f.rule in SSE_ONLY:
        return False
    return not (f.rule in _UNTERMINATED and turn.error is not None and not turn.terminal)


#: A session without a text message: an input error for ``check``, nothing wrong for the proxy.
NO_WEBSOCKET_MESSAGES = "no WebSocket messages found"


def check_websocket(data: bytes, path: str = "<websocket>", options: Any = None, kind: str = "auto") -> Any:
    """Check a WebSocket session transcript (JSONL or HAR ``_webSocketMessages``); an engine FileResult."""

    options = (options or CheckOptions()).for_protocol("responses")
    try:
        connections = list(iter_connections(data, kind))
    except ContainerError as exc:
        return FileResult(path, error=str(exc), input_format="websocket")
    result = FileResult(path, input_format="websocket", profiles=(options.profile,))
    if not any(messages for _, messages in connections):
        result.error = NO_WEBSOCKET_MESSAGES
        return result
    for prefix, messages in connections:
        client_visible = any(
            m.direction == "send"
            or (m.decoded and isinstance(m.value, dict) and m.value.get("type") in CLIENT)
            for m in messages
        )
        session = _Session(path, options, prefix, client_visible)
        for msg in messages:
            session.take(msg)
        session.flush(session.connection.finish())
        result.findings.extend(session.findings)
        for turn in session.turns:
            events, findings = _check_turn(turn, path, options, prefix)
            result.events += events
            result.findings.extend(findings)
    result.findings.sort(key=Finding.sort_key)
    return result


# ---------------------------------------------------------------- push-style, a message at a time


class _TurnStream:
    """One turn checked as its messages come: a :class:`StreamCheck` fed its transcript lines."""

    def __init__(self, turn: _Turn, path: str, options: Any) -> None:
        self.turn = turn
        self.path = path
        self.check = StreamCheck(path, dataclasses.replace(options, input_format="jsonl"))
        self.label = f"turn {turn.number}" + (f" ({turn.response_id})" if turn.response_id else "")
        self.fed = 0
        #: Where each fed line starts in the turn's body (what :func:`_relocate` computes).
        self.starts: list[int] = []
        self.size = 0

    def feed_new(self) -> list[Finding]:
        """Feed the messages added to the turn since the last call; the findings they make visible."""
        out: list[Finding] = []
        messages = self.turn.messages
        while self.fed < len(messages):
            line = _turn_line(messages[self.fed]) + b"\n"
            self.fed += 1
            self.starts.append(self.size)
            self.size += len(line)
            for f in self.check.feed(line):
                # Whether a stream cut short is a defect depends on how the turn ends: at close.
                if f.rule not in SSE_ONLY and f.rule not in _UNTERMINATED:
                    out.append(self.relocate(f))
        return out

    def close(self) -> tuple[int, list[Finding]]:
        done = self.check.close()
        return done.events, [self.relocate(f) for f in done.findings if _kept(f, self.turn)]

    def relocate(self, f: Finding) -> Finding:
        return _relocate(f, self.turn, self.starts, self.path, self.label)


class WebSocketStream:
    """Push-style check of one WebSocket session, a transcript line at a time (one message a line,
    both directions, as the proxy saves it): :meth:`feed_line` returns the findings the message
    made visible, :meth:`close` the result, the same as :func:`check_websocket` on the whole
    transcript. Each turn is checked by its own :class:`StreamCheck` as its messages arrive.

    The client's messages are taken to be in the transcript (the proxy sees both sides); if none
    ever comes, :meth:`close` checks the transcript whole as one without them, as ``check`` would,
    and no finding is given out before (they could differ).
    """

    def __init__(self, path: str = "<websocket>", options: Any = None) -> None:
        self.options = (options or CheckOptions()).for_protocol("responses")
        self.path = path
        self.session = _Session(path, self.options, None, client_visible=True)
        self.streams: dict[int, _TurnStream] = {}
        self.line = 0
        self.offset = 0
        self._reported = 0
        #: The transcript, kept until a client message shows it holds them (see the class doc).
        self._lines: list[bytes] | None = []
        self._held: list[Finding] = []

    def feed_line(self, raw: bytes) -> list[Finding]:
        """One transcript line (without its newline)."""
        self.line += 1
        offset = self.offset
        self.offset += len(raw) + 1
        if self._lines is not None:
            self._lines.append(raw)
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line.strip():
            return []
        msg = _decode(WsMessage(self.line, 1, offset, line.decode("utf-8", "replace")))
        session = self.session
        if session.take(msg):
            self._lines = None
        found = session.findings[self._reported :]
        self._reported = len(session.findings)
        touched, session.touched = session.touched, {}
        for number in sorted(touched):
            turn = touched[number]
            stream = self.streams.get(turn.number)
            if stream is None:
                stream = self.streams[turn.number] = _TurnStream(turn, self.path, self.options)
            if stream.fed < len(turn.messages):
                found.extend(stream.feed_new())
        if self._lines is not None:
            self._held.extend(found)
            return []
        if self._held:
            found, self._held = self._held + found, []
        return found

    def close(self) -> FileResult:
        if self._lines is not None:
            return check_websocket(b"\n".join(self._lines) + b"\n", self.path, self.options, kind="jsonl")
        session = self.session
        result = FileResult(self.path, input_format="websocket", profiles=(self.options.profile,))
        session.flush(session.connection.finish())
        result.findings.extend(session.findings)
        for turn in session.turns:
            stream = self.streams.get(turn.number)
            if stream is None:
                continue
            stream.feed_new()
            events, findings = stream.close()
            result.events += events
            result.findings.extend(findings)
        result.findings.sort(key=Finding.sort_key)
        return result
