"""One HTTP exchange's answer, judged from its HTTP facts and its body: live in the proxy, and
again from the record ``proxy --save`` wrote (:func:`validator.engine.files.check_file` on a
``NNNN.exchange``), with the same functions so that the two report the same findings.

The body alone does not say how to judge it: an event stream is a transcript, but a body that is
not one is judged by the status and the request it answers (an error answer against the error
shape, a ``stream: true`` request answered without a stream, a non-streaming answer against its
protocol's answer schema). :class:`HttpAnswer` holds those facts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from validator.engine.options import CheckOptions
from validator.engine.stream import answer_findings, check_bytes
from validator.model.findings import Finding
from validator.protocols import PROTOCOLS
from validator.reading.containers.answers import judge_answer, wants_stream
from validator.reading.exchange import ExchangeRecord

if TYPE_CHECKING:
    from validator.engine.websocket import WebSocketStream  # loaded only for a WebSocket session

__all__ = [
    "ANSWER_LIMIT",
    "AWS_EVENT_STREAM",
    "HttpAnswer",
    "SessionLines",
    "exchange_options",
    "for_route",
    "no_answer_findings",
    "record_options",
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


def exchange_options(options: CheckOptions, answer: HttpAnswer, request: Any) -> CheckOptions:
    """The options a saved exchange is re-checked with, as the proxy checked it: the protocol of
    its route (unless ``options`` name one), the profile resolved, the request's decoded body
    (the rules that depend on it: Chat Completions' ``n``, ``include_usage``, ``tool_choice``),
    and the answer's HTTP facts."""
    if options.named_protocol() is None:
        named = route_protocol(answer.method, answer.target, answer.websocket)
        if named is not None:
            options = for_route(options, named)
    options = options.for_protocol(options.named_protocol() or "responses")
    return dataclasses.replace(
        options, request=request if isinstance(request, dict) else None, exchange=answer
    )


def record_options(options: CheckOptions, record: ExchangeRecord) -> CheckOptions:
    """:func:`exchange_options` for the exchange a saved record describes."""
    answer = HttpAnswer(
        record.method,
        record.target,
        record.status,
        record.content_type,
        record.note,
        record.client_gone,
        record.unchecked,
    )
    return exchange_options(options, answer, record.request)


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


class SessionLines:
    """A WebSocket session's transcript (one message a line, both directions, as the proxy saves
    it) fed to its check line by line as its bytes come, cut anywhere: live, the line of each
    message as the proxy passes it on; re-checked, the saved transcript as it is read. A line
    not ended yet waits for its end (a transcript cut short ends with no message half-checked)."""

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
