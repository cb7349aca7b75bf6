"""One HTTP exchange's answer, judged from its HTTP facts and its body: live in the proxy, and
again from the record ``proxy --save`` wrote (:func:`check_record`, what ``check NNNN.exchange``
runs; :func:`check_exchange` for a body named beside the record, ``check --request``), with the
same functions so that the two report the same findings.

The body alone does not say how to judge it: an event stream is a transcript, but a body that is
not one is judged by the status and the request it answers (an error answer against the error
shape, a ``stream: true`` request answered without a stream, a non-streaming answer against its
protocol's answer schema). :class:`HttpAnswer` holds those facts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from validator.engine.options import CheckOptions, FileResult
from validator.engine.stream import StreamCheck, answer_findings, check_bytes, check_chunks
from validator.model.findings import Finding
from validator.protocols import PROTOCOLS
from validator.reading.containers.answers import judge_answer, wants_stream
from validator.reading.exchange import ExchangeRecord, read_record
from validator.reading.transcript import TranscriptReadError, counted, open_input

if TYPE_CHECKING:
    from validator.engine.websocket import WebSocketStream  # loaded only for a WebSocket session

__all__ = [
    "ANSWER_LIMIT",
    "AWS_EVENT_STREAM",
    "HttpAnswer",
    "SessionLines",
    "as_arrived",
    "check_exchange",
    "check_record",
    "for_route",
    "no_answer_findings",
    "record_options",
    "resolved",
    "route_protocol",
    "whole_answer_findings",
]

AWS_EVENT_STREAM = "application/vnd.amazon.eventstream"
#: A whole (non-streaming) answer is judged on at most its first this many bytes: the proxy
#: keeps no more of one in memory, and a re-check reads no more, so both judge the same bytes.
ANSWER_LIMIT = 64 << 20
#: The WebSocket mode's exchanges (RULES.md §K) are Responses sessions, saved as ``.jsonl``.
SWITCHING_PROTOCOLS = 101


@dataclass(frozen=True)
class HttpAnswer:
    """What an answer's check needs besides its body: the request line and the answer's head, and
    how the transport ended."""

    method: str
    #: The path and query as shown in findings (the proxy redacts secret query parameters).
    target: str
    #: None: the upstream never answered.
    status: int | None
    content_type: str = ""
    #: What happened to the transport (the upstream failing, the client leaving).
    note: str | None = None
    #: The client left mid-answer: a stream is judged only by what had arrived.
    client_gone: bool = False
    #: Why the proxy checked the exchange only in part ("not checked: ..."): its findings are
    #: those of the bytes checked, which are the bytes saved, and its verdict is that message.
    unchecked: str | None = None

    @property
    def media(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    @property
    def binary(self) -> bool:
        """Bedrock's binary event-stream (the reader frames it, recognised from its first bytes)."""
        return self.media == AWS_EVENT_STREAM

    @property
    def websocket(self) -> bool:
        return self.status == SWITCHING_PROTOCOLS

    @property
    def streams(self) -> bool:
        """Whether the body is an event stream, checked as a transcript."""
        status = self.status
        return (
            status is not None and 200 <= status < 300 and (self.media == "text/event-stream" or self.binary)
        )

    @property
    def kind(self) -> str:
        """How its body is checked: "websocket" (a session), "stream" (an event stream), or
        "whole" (any other answer, judged once whole)."""
        if self.websocket:
            return "websocket"
        return "stream" if self.streams else "whole"

    @property
    def input_format(self) -> str:
        """The format of a streamed body (what the check's result names)."""
        return "eventstream" if self.binary else "sse"

    @property
    def body_suffix(self) -> str:
        """The saved body's suffix: what ``check`` recognises its format by."""
        if self.websocket:
            return ".jsonl"
        if self.streams:
            return ".eventstream" if self.binary else ".sse"
        return ".json"

    @property
    def label(self) -> str:
        return f"{self.method} {self.target}"


def route_protocol(method: str, target: str, websocket: bool = False) -> str | None:
    """The protocol that claims a call (``target``: its path and query), or None; a WebSocket
    session is the Responses WebSocket mode's when Responses claims its path as a POST."""
    if websocket:
        path = target.split("?", 1)[0]
        responses = PROTOCOLS["responses"]
        return "responses" if method.upper() == "GET" and responses.is_request("POST", path) else None
    for protocol in PROTOCOLS.values():
        if protocol.is_request(method, target):
            return protocol.name
    return None


def for_route(options: CheckOptions, protocol: str) -> CheckOptions:
    """The options for one exchange of ``protocol``: that protocol named (nothing is held back to
    recognise it), and the chosen profile if it is one of that protocol's, else the protocol's
    default."""
    profiles = CheckOptions(protocol=protocol).profiles()
    profile = options.profile if options.profile in profiles else None
    return dataclasses.replace(options, protocol=protocol, profile=profile)


def resolved(options: CheckOptions) -> CheckOptions:
    """The options with the protocol and its profile named (what the findings' severities need)."""
    return options.for_protocol(options.named_protocol() or "responses")


def record_options(options: CheckOptions, record: ExchangeRecord) -> CheckOptions:
    """The options the exchange a saved record describes is re-checked with, as the proxy checked
    it: the protocol of its route (unless ``options`` name one), the profile resolved, the
    request's decoded body (the rules that depend on it: Chat Completions' ``n``,
    ``include_usage``, ``tool_choice``), and the answer's HTTP facts."""
    answer = HttpAnswer(
        record.method,
        record.target,
        record.status,
        record.content_type,
        record.note,
        record.client_gone,
        record.unchecked,
    )
    if options.named_protocol() is None:
        named = route_protocol(answer.method, answer.target, answer.websocket)
        if named is not None:
            options = for_route(options, named)
    return dataclasses.replace(resolved(options), request=record.request, exchange=answer)


def whole_answer_findings(answer: HttpAnswer, body: bytes, path: str, options: CheckOptions) -> list[Finding]:
    """An answer that is not an event stream, judged whole (``body``: at most ``ANSWER_LIMIT``
    bytes): as ``check`` judges a recorded call's (an error status without the error shape,
    RSP015; a ``stream: true`` request answered without a stream, RSP014; under each protocol's
    own ids), and a 2xx answer to a request that asked for no stream against its protocol's
    answer schema, whatever its Content-Type says: the SDKs parse a JSON body whatever the header
    says (openai-python's ``_response.py``), and cannot use one that is not JSON (RSP002)."""
    status = answer.status or 0
    streaming = wants_stream(answer.method, options.request)
    base = {
        "label": answer.label,
        "index": 0,
        "line": 1,
        "column": 1,
        "offset": 0,
        "content_type": answer.content_type,
        "method": answer.method,
        "protocol": options.named_protocol() or "responses",
    }
    problem = judge_answer(base, status, streaming, body)
    if problem is not None:
        # Imported here: the container readers (and YAML) are not loaded for a plain transcript.
        from validator.engine.containers import answer_finding

        return answer_finding(problem, path, options)
    if not 200 <= status < 300 or streaming:
        return []
    return answer_findings(body, path, options)


def no_answer_findings(note: str, path: str, options: CheckOptions) -> list[Finding]:
    """No answer at all (refused, timed out before the head): what the client is left with is a
    stream that ended before its terminal event, said with how the transport failed."""
    done = check_bytes(b"", path, options)
    return [dataclasses.replace(f, message=f"{note}: {f.message}") for f in done.findings]


def as_arrived(name: str, stream: StreamCheck, found: list[Finding], input_format: str) -> FileResult:
    """A stream judged only by what arrived, its end never judged: the client left mid-answer
    (its end is not the server's doing) or the check stopped there. Its events so far and the
    findings its bytes showed as they came (``found``: what ``stream.feed`` returned)."""
    return FileResult(name, stream.events, sorted(found, key=Finding.sort_key), input_format=input_format)


class SessionLines:
    """A WebSocket session's transcript (one message a line, both directions, as the proxy saves
    it) fed to its check line by line as its bytes come, cut anywhere: live, the line of each
    message as the proxy passes it on; re-checked, the saved transcript as it is read. A line
    not ended yet waits for its end, or for :meth:`end`."""

    def __init__(self, session: WebSocketStream) -> None:
        self.session = session
        self._rest = b""

    def feed(self, data: bytes) -> list[Finding]:
        """The findings the lines ``data`` completes made visible."""
        lines = (self._rest + data).split(b"\n")
        self._rest = lines.pop()
        found: list[Finding] = []
        for line in lines:
            found.extend(self.session.feed_line(line))
        return found

    def end(self) -> list[Finding]:
        """The transcript has ended: a last line without its newline is a line too."""
        rest, self._rest = self._rest, b""
        return self.session.feed_line(rest) if rest else []


# ---------------------------------------------------------------- a saved exchange's re-check


def check_record(
    path: str,
    options: CheckOptions,
    on_read: Callable[[int], None] | None = None,
    spill: bool = False,
) -> FileResult:
    """Re-check the exchange ``proxy --save`` recorded at ``path`` (``NNNN.exchange``) as the
    proxy checked it live: its request, status and content type from the record, its body from
    the file the record names beside it. The findings name the body file, as the proxy's do."""
    try:
        record = read_record(path)
    except TranscriptReadError as exc:
        return FileResult(path, error=str(exc))
    options = record_options(options, record)
    answer = options.exchange
    if record.body_path is None:
        if record.unchecked is not None:
            # The proxy's own verdict, with or without an answer: it judged nothing more.
            return FileResult(path, error=record.unchecked)
        if record.status is None:
            return check_exchange(answer, path, path, options)
        why = f" ({record.note})" if record.note else ""
        return FileResult(
            path, error=f"{path}: the proxy saved no body for this exchange{why}: nothing to re-check"
        )
    return check_exchange(answer, record.body_path, record.body_path, options, on_read, spill)


def check_exchange(
    answer: HttpAnswer,
    source: str,
    name: str,
    options: CheckOptions,
    on_read: Callable[[int], None] | None = None,
    spill: bool = False,
) -> FileResult:
    """Check the body at ``source`` as the answer of the exchange ``answer`` describes, with the
    proxy's own judgement: an event stream as the proxy's
    :class:`~validator.engine.stream.StreamCheck` checks it (no container sniffing: the proxy
    knows it is a stream), a WebSocket session as the proxy's, any other answer whole. An
    exchange the proxy checked only in part keeps its verdict (``answer.unchecked``), whatever
    its answer (even none), with what it found in the bytes it checked."""
    if answer.unchecked is None and answer.status is None:
        findings = no_answer_findings(answer.note or "no answer", name, options)
        return FileResult(name, 0, findings, profiles=(options.profile or "",))
    check = _BY_KIND[answer.kind]
    try:
        with open_input(source) as chunks:
            if on_read is not None:
                chunks = counted(chunks, on_read)
            result = check(answer, chunks, name, dataclasses.replace(options, exchange=None), spill)
    except TranscriptReadError as exc:
        return FileResult(name, error=str(exc))
    if answer.unchecked is not None:
        result.error = answer.unchecked
    return result


def _stream(
    answer: HttpAnswer, chunks: Iterable[bytes], name: str, options: CheckOptions, spill: bool
) -> FileResult:
    if answer.client_gone or answer.unchecked is not None:
        stream = StreamCheck(name, options)
        found: list[Finding] = []
        for chunk in chunks:
            found.extend(stream.feed(chunk))
        return as_arrived(name, stream, found, answer.input_format)
    return check_chunks(chunks, name, options, spill=spill)


def _session(
    answer: HttpAnswer, chunks: Iterable[bytes], name: str, options: CheckOptions, spill: bool
) -> FileResult:
    # Imported here: a plain transcript (or a saved HTTP exchange) never needs the WebSocket check.
    from validator.engine.websocket import NO_WEBSOCKET_MESSAGES, WebSocketStream

    lines = SessionLines(WebSocketStream(name, options.for_protocol("responses")))
    found: list[Finding] = []
    for chunk in chunks:
        found.extend(lines.feed(chunk))
    if answer.unchecked is not None:
        # Its findings as they came: how the session ended was never checked.
        return FileResult(name, 0, sorted(found, key=Finding.sort_key), input_format="websocket")
    lines.end()
    result = lines.session.close()
    if result.error == NO_WEBSOCKET_MESSAGES:
        result.error = None  # a session that carried nothing: nothing wrong with it (as live)
    return result


def _whole(
    answer: HttpAnswer, chunks: Iterable[bytes], name: str, options: CheckOptions, spill: bool
) -> FileResult:
    if answer.unchecked is not None:
        # A whole answer is judged only once whole: nothing was. It is read all the same, so
        # that an unreadable body is still an error of its own.
        for _ in chunks:
            pass
        return FileResult(name, 0, [], input_format="json")
    findings = whole_answer_findings(answer, _head_of(chunks, ANSWER_LIMIT), name, options)
    return FileResult(name, 0, findings, input_format="json", profiles=(options.profile or "",))


#: How each kind of answer (:attr:`HttpAnswer.kind`) is re-checked from its saved body.
_BY_KIND: dict[str, Callable[[HttpAnswer, Iterable[bytes], str, CheckOptions, bool], FileResult]] = {
    "stream": _stream,
    "websocket": _session,
    "whole": _whole,
}


def _head_of(chunks: Iterable[bytes], limit: int) -> bytes:
    """The first ``limit`` bytes of ``chunks`` (all of them if fewer), reading no further."""
    held: list[bytes] = []
    size = 0
    for chunk in chunks:
        held.append(chunk[: limit - size])
        size += len(held[-1])
        if size >= limit:
            break
    return b"".join(held)
