"""Checking one proxied exchange: its answer's bytes go in as they arrive, one result comes out.

An event stream is checked by the engine's push-style :class:`~validator.engine.StreamCheck`,
the engine ``check`` runs on, so the findings are those ``check`` reports for the saved body.
A non-streaming answer is checked whole when it ends, for every protocol that says what one is
(:meth:`~validator.protocols.base.StreamProtocol.answer_issues`): a Response against the Response
schema, a Message against the Message schema; and an answer clients cannot use is judged as
``check`` judges a recorded call's (an error answer without the error shape, RSP015; a ``stream:
true`` request answered without an event stream, RSP014; under each protocol's own ids).
A WebSocket session is checked as the ``check`` command checks its transcript, message by
message as the session flows.

Nothing here may disturb the traffic: an exception inside the checker is caught, the
exchange is marked unchecked (with the reason) and the bytes keep flowing.
"""

from __future__ import annotations

import dataclasses
import json
import struct
import time
import traceback
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.engine import CheckOptions, FileResult, StreamCheck
from validator.engine.exchange import (
    ANSWER_LIMIT,
    HttpAnswer,
    SessionLines,
    as_arrived,
    no_answer_findings,
    resolved,
    whole_answer_findings,
)
from validator.engine.websocket import NO_WEBSOCKET_MESSAGES, WebSocketStream
from validator.model.findings import Finding, Severity
from validator.tools.proxy.save import BodyFile

__all__ = ["ExchangeCheck", "ExchangeResult", "WebSocketCheck", "ws_message"]


@dataclass
class ExchangeResult(FileResult):
    """A checked exchange: a :class:`FileResult` (every reporter renders it) with its HTTP facts."""

    number: int = 0
    method: str = ""
    target: str = ""
    status: int | None = None
    content_type: str = ""
    seconds: float = 0.0
    #: What happened to the transport: the upstream failing, the client leaving.
    note: str | None = None
    #: False when the checker itself failed: the findings are those found before it did.
    checked: bool = True
    saved: list[str] = field(default_factory=list)
    #: The checker's traceback when it failed (logged, never reported as a finding).
    trace: str | None = None
    #: The upstream the exchange went to (the JUnit suite names it, as the probe's its endpoint).
    url: str = ""

    @property
    def label(self) -> str:
        return f"#{self.number} {self.method} {self.target}"

    @property
    def scenario(self) -> str:
        """The JUnit testcase name (the probe's renderer names a case by ``scenario``)."""
        return self.label

    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


def _decoder(encoding: str) -> Any:
    """An incremental decoder for a Content-Encoding the checker can read, else None."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return _Identity()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None


class _Identity:
    def decompress(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


class ExchangeCheck:
    """One HTTP exchange: :meth:`start` with the answer's head, :meth:`feed` its body bytes,
    :meth:`finish` once it ends (normally, or with the upstream or the client failing)."""

    def __init__(
        self,
        number: int,
        method: str,
        target: str,
        request_body: bytes,
        options: CheckOptions,
        *,
        save_dir: Path | None = None,
    ) -> None:
        # ``target`` as reports show it: the proxy redacted a secret in its query where it came in.
        self.result = ExchangeResult(f"<{method} {target} #{number}>", number=number)
        self.result.method, self.result.target = method, target
        # The rules that depend on the request (Chat Completions' n, include_usage, a forced
        # tool_choice) get its body, as ``check --request`` gives them the saved one.
        self.options = dataclasses.replace(resolved(options), request=request_json(request_body))
        self.save_dir = save_dir
        self.saved: BodyFile | None = None
        self.started = time.monotonic()
        self.stream: StreamCheck | None = None
        self.answer: list[bytes] | None = None
        self.answer_size = 0
        #: The answer's HTTP facts (its head), as a saved exchange's re-check has them.
        self.head = HttpAnswer(method, target, None)
        self.decoder: Any = None
        #: Findings as they were found (live), for the console.
        self.live: list[Finding] = []
        self._taken = 0
        #: The answer's bytes given to :meth:`feed` (as forwarded, before any Content-Encoding is
        #: undone): where the check stops when it is abandoned.
        self.fed = 0

    # ------------------------------------------------------------ the answer's head and body

    def start(self, status: int, content_type: str, content_encoding: str = "") -> bool:
        """Decide how the answer is checked; False: the body needs no copy (nothing to check)."""
        self.result.status = status
        self.result.content_type = content_type
        return self._guard(self._start, status, content_type, content_encoding) or False

    def _start(self, status: int, content_type: str, content_encoding: str) -> bool:
        self.decoder = _decoder(content_encoding)
        if self.decoder is None:
            self._unchecked(
                f"the answer's Content-Encoding {content_encoding!r} cannot be decoded for checking"
            )
            return False
        head = self.head = dataclasses.replace(self.head, status=status, content_type=content_type)
        suffix = head.body_suffix
        if self.save_dir is not None:
            # Findings name the saved transcript, as ``check`` on it names it.
            path = self.save_dir / f"{self.result.number:04d}{suffix}"
            self.saved = BodyFile(path)
            self.result.path = str(path)
            self.result.saved.append(str(path))
        if head.streams:
            self.stream = StreamCheck(self.result.path, self.options)
            self.result.input_format = head.input_format
        else:
            self.answer = []
        return True

    def feed(self, chunk: bytes) -> bytes:
        """Check a piece of the body; returns it with its Content-Encoding undone (b"" when the
        exchange is not checked): the bytes a saved transcript holds."""
        if not self.result.checked or not chunk:
            return b""
        self.fed += len(chunk)
        return self._guard(self._feed, chunk) or b""

    def _feed(self, chunk: bytes) -> bytes:
        data: bytes = self.decoder.decompress(chunk)
        if self.saved is not None:
            self.saved.write(data)
        self._take(data)
        return data

    def _take(self, data: bytes) -> None:
        if self.stream is not None:
            if data:
                self.live.extend(self.stream.feed(data))
        elif self.answer is not None and self.answer_size < ANSWER_LIMIT:
            # Cut at the limit itself, not at a piece's end: a re-check reads the same bytes.
            kept = data[: ANSWER_LIMIT - self.answer_size]
            self.answer.append(kept)
            self.answer_size += len(kept)

    def abandon(self, limit: int) -> None:
        """The rest of the body will not reach the check (the checker fell more than ``limit``
        bytes behind the traffic): the result says so, and where, with the findings found until
        then (those of the bytes fed so far, the only ones checked)."""
        if self.result.checked:
            self._unchecked(_fell_behind(f"byte {self.fed:,} of the answer", "stream", limit))

    def take_live(self) -> list[Finding]:
        """The findings found since the last call (while the stream flows)."""
        found = self.live[self._taken :]
        self._taken = len(self.live)
        return found

    def end_body(self) -> bytes:
        """The body has ended: what the content decoder still held, checked and returned."""
        if not self.result.checked or self.decoder is None:
            return b""
        return self._guard(self._end_body) or b""

    def _end_body(self) -> bytes:
        tail: bytes = self.decoder.flush()
        self.decoder = None  # the body is over: a second call has nothing to add
        if self.saved is not None:
            self.saved.write(tail)
        self._take(tail)
        return tail

    def finish(self, note: str | None = None, *, client_gone: bool = False) -> ExchangeResult:
        """The result. ``note`` says how the transport failed; a stream the client left is judged
        only by what arrived (its end is not the server's doing)."""
        result = self.result
        result.seconds = time.monotonic() - self.started
        result.note = note
        if self.saved is not None:
            self.end_body()
            self.saved.close()
            if self.saved.error:
                result.note = "; ".join(filter(None, [note, f"saving failed: {self.saved.error}"]))
        if result.checked and result.status is None:
            # No answer at all (refused, timed out before the head): nothing the client could use.
            self._guard(self._no_answer, note or "no answer")
        elif result.checked:
            self._guard(self._finish, client_gone)
        if not result.checked:
            result.findings = sorted(self.live, key=Finding.sort_key)
        return result

    def _finish(self, client_gone: bool) -> None:
        result = self.result
        if self.stream is not None:
            if client_gone:
                left = as_arrived(result.path, self.stream, self.live, result.input_format or "")
                result.events, result.findings = left.events, left.findings
                return
            done = self.stream.close()
            result.events, result.findings, result.profiles = done.events, done.findings, done.profiles
            result.input_format = done.input_format or result.input_format
        elif self.answer is not None:
            body = b"".join(self.answer)
            result.findings = whole_answer_findings(self.head, body, result.path, self.options)
            result.input_format = "json"

    def _no_answer(self, note: str) -> None:
        if self.save_dir is not None:
            # Nothing but the record is saved: the findings name it, as its re-check does.
            self.result.path = str(self.save_dir / f"{self.result.number:04d}.exchange")
        self.result.findings = no_answer_findings(note, self.result.path, self.options)

    # ------------------------------------------------------------ failures of our own

    def _guard(self, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except Exception as exc:  # a checker bug must never reach the traffic
            self._unchecked(f"checker failed: {type(exc).__name__}: {exc}", traceback.format_exc())
            return None

    def _unchecked(self, reason: str, trace: str | None = None) -> None:
        self.result.checked = False
        self.result.error = f"not checked: {reason}"
        self.stream = None
        self.answer = None
        self.result.trace = trace


def _fell_behind(where: str, what: str, limit: int) -> str:
    """Why an exchange is not checked past ``where``: the checker fell more than ``limit`` bytes
    behind (``--check-backlog``, ``--when-behind skip``); ``what`` the wait option would slow down."""
    return (
        f"not checked past {where}: the checker fell more than {limit / (1 << 20):g} MB behind the "
        f"traffic (--check-backlog; --when-behind wait slows the {what} down instead); the saved "
        "transcript, if any, ends there too"
    )


def request_json(body: bytes) -> Any:
    """A request's decoded JSON body (what ``CheckOptions.request`` holds); None when it has
    none or it is not a JSON object."""
    if not body:
        return None
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


class WebSocketCheck:
    """One WebSocket session, checked message by message as it flows (both directions, in the
    order the proxy passed them on): each text message becomes a transcript line (what is saved,
    and what ``check`` reads back), checked at once by :class:`WebSocketStream`. Same calls as
    :class:`ExchangeCheck`: :meth:`feed` (messages framed by :func:`ws_message`, in pieces cut
    anywhere), :meth:`abandon`, :meth:`finish`."""

    def __init__(
        self, number: int, target: str, options: CheckOptions, *, save_dir: Path | None = None
    ) -> None:
        path = save_dir / f"{number:04d}.jsonl" if save_dir is not None else None
        self.result = ExchangeResult(
            str(path) if path is not None else f"<WebSocket {target} #{number}>",
            number=number,
            input_format="websocket",
        )
        self.result.method, self.result.target = "WebSocket", target
        self.result.status = 101
        self.options = resolved(options)
        self.started = time.monotonic()
        self.saved = BodyFile(path) if path is not None else None
        if path is not None:
            self.result.saved.append(str(path))
        self.stream: WebSocketStream | None = WebSocketStream(self.result.path, self.options)
        self._lines = SessionLines(self.stream)
        self.messages = 0
        self.live: list[Finding] = []
        self._taken = 0
        #: The bytes of a message not whole yet.
        self._pending = bytearray()

    def feed(self, data: bytes) -> bytes:
        """Bytes of the session's messages, each as :func:`ws_message` frames it, cut anywhere
        (the checker's hand-off may split a message); returns the transcript lines of the messages
        they complete (also what is saved)."""
        self._pending += data
        lines = []
        pending = self._pending
        while len(pending) >= _WS_LENGTH.size:
            (size,) = _WS_LENGTH.unpack_from(pending)
            end = _WS_LENGTH.size + size
            if len(pending) < end:
                break
            lines.append(self._message(bytes(pending[_WS_LENGTH.size : end])))
            del pending[:end]
        return b"".join(lines)

    def _message(self, text: bytes) -> bytes:
        line = transcript_line(text.decode("utf-8", "surrogatepass"))
        self.messages += 1
        if self.saved is not None:
            self.saved.write(line)
        if self.stream is not None:
            try:
                self.live.extend(self._lines.feed(line))
            except Exception as exc:  # a checker bug must never reach the traffic
                self._unchecked(f"checker failed: {type(exc).__name__}: {exc}", traceback.format_exc())
        return line

    def take_live(self) -> list[Finding]:
        found = self.live[self._taken :]
        self._taken = len(self.live)
        return found

    def abandon(self, limit: int) -> None:
        """As :meth:`ExchangeCheck.abandon`; where it stops counts the whole messages fed (both
        directions: the lines of the saved transcript)."""
        if self.result.checked:
            where = f"message {self.messages:,} of the session (both directions)"
            self._unchecked(_fell_behind(where, "session", limit))

    def _unchecked(self, reason: str, trace: str | None = None) -> None:
        self.result.checked = False
        self.result.error = f"not checked: {reason}"
        self.result.trace = trace
        self.stream = None

    def finish(self, note: str | None = None, *, client_gone: bool = False) -> ExchangeResult:
        result = self.result
        result.seconds = time.monotonic() - self.started
        result.note = note
        if self.saved is not None:
            self.saved.close()
            if self.saved.error:
                result.note = "; ".join(filter(None, [note, f"saving failed: {self.saved.error}"]))
        if self.stream is None:
            result.findings = sorted(self.live, key=Finding.sort_key)
            return result
        if not self.messages:
            return result
        try:
            done = self.stream.close()
        except Exception as exc:  # a checker bug must never reach the traffic
            self._unchecked(f"checker failed: {type(exc).__name__}: {exc}", traceback.format_exc())
            result.findings = sorted(self.live, key=Finding.sort_key)
            return result
        result.events, result.findings, result.profiles = done.events, done.findings, done.profiles
        if done.error is not None and done.error != NO_WEBSOCKET_MESSAGES:
            result.error = done.error
        return result


#: The length before each message's text in what a :class:`WebSocketCheck` is fed.
_WS_LENGTH = struct.Struct(">I")


def ws_message(text: str) -> bytes:
    """One text message as a :class:`WebSocketCheck` takes it: its UTF-8 length, then its UTF-8.
    The length keeps the message whole however the bytes are cut on their way to the check (the
    checker process's hand-off splits a piece where its ring ends)."""
    data = text.encode("utf-8", "surrogatepass")
    return _WS_LENGTH.pack(len(data)) + data


def transcript_line(text: str) -> bytes:
    """One message as a line of a WebSocket transcript (one message a line)."""
    if "\n" in text or "\r" in text:
        # One message a line is the transcript format; a pretty-printed frame is re-serialised.
        try:
            text = json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            text = text.replace("\r", " ").replace("\n", " ")
    return text.encode("utf-8", "surrogatepass") + b"\n"
