"""Checking a file: a plain transcript, or a container (cassette, HAR, WebSocket session) whose
streams are each checked on their own; a saved proxy exchange is routed to its re-check
(:mod:`validator.engine.exchange`)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from os import PathLike
from typing import Any

import orjson

from validator.engine.exchange import check_exchange, check_record
from validator.engine.options import CONTAINER_FORMATS, CheckOptions, FileResult
from validator.engine.stream import check_chunks, resolve
from validator.model.findings import Finding
from validator.protocols import DEFAULT
from validator.reading import reader, transcript
from validator.reading.exchange import RECORD_SUFFIX
from validator.reading.transcript import STDIN

__all__ = ["check_content", "check_file"]

#: How much of an input's head content detection looks at (a cassette's key can follow comments).
_SNIFF = 1 << 16


def _container_kind(name: str, input_format: str) -> str | None:
    """The container a name says (``.har``, ``.yaml``/``.yml``), when the content did not."""
    if input_format in CONTAINER_FORMATS:
        return input_format
    if input_format == "auto":
        lower = name.lower()
        if lower.endswith(".har"):
            return "har"
        if lower.endswith((".yaml", ".yml")):
            return "cassette"
    return None


def _check_container_data(data: bytes, name: str, kind: str, options: CheckOptions) -> FileResult:
    # Imported here, not at the top: they bring in the YAML parser and the container readers,
    # a fifth of the command's start-up, which a plain transcript never needs.
    if kind == "websocket":
        from validator.engine.websocket import check_websocket

        # WebSocket sessions are a Responses transport.
        inner = options.for_protocol(options.named_protocol() or DEFAULT.name)
        return check_websocket(data, name, dataclasses.replace(inner, input_format="auto"))
    from validator.engine.containers import check_container

    # Cassettes and HAR files: each recorded call is checked as its own protocol's (the one the
    # options name, if they name one).
    result = check_container(data, name, dataclasses.replace(options, input_format="auto"), kind=kind)
    if result.input_format == "har" and b'"_webSocketMessages"' in data:
        # Chrome saves a WebSocket connection as a HAR entry holding its frames: a session like
        # any other, so it is checked as one (a HAR of WebSocket traffic alone used to pass
        # unchecked).
        result = _with_websocket_entries(result, data, name, options)
    return result


def _with_websocket_entries(result: FileResult, data: bytes, name: str, options: CheckOptions) -> FileResult:
    from validator.engine.websocket import check_websocket

    named = options.named_protocol()
    if named not in (None, DEFAULT.name):
        return result  # WebSocket sessions are a Responses transport; another protocol was asked for
    inner = dataclasses.replace(options.for_protocol(DEFAULT.name), input_format="auto")
    sessions = check_websocket(data, name, inner, kind="har")
    if sessions.error is not None and not sessions.events and not sessions.findings:
        return result  # entries without text frames: nothing more to check
    findings = sorted([*result.findings, *sessions.findings], key=Finding.sort_key)
    errors = "; ".join(e for e in (result.error, sessions.error) if e) or None
    return dataclasses.replace(
        result, events=result.events + sessions.events, findings=findings, error=errors, notice=None
    )


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


def _check_head(
    first: bytes, rest: Iterator[bytes], name: str, options: CheckOptions, spill: bool = False
) -> FileResult:
    """Check an input whose head is ``first``: a container if its content (or name) says so."""
    kind = _container_kind(name, options.input_format)
    if options.input_format == "auto":
        kind = reader.sniff_container(first) or kind
        if kind is None and _is_websocket_session(first):
            kind = "websocket"
    if kind is not None:
        # Containers are small test fixtures, not multi-GB captures: read them whole.
        return _check_container_data(first + b"".join(rest), name, kind, options)
    return check_chunks(itertools.chain((first,), rest), name, options, spill=spill)


def check_content(data: bytes, name: str, options: CheckOptions) -> FileResult:
    """Check a transcript held in memory as :func:`check_file` checks a file: a cassette, HAR
    file or WebSocket session is recognised from its content (or ``input_format``, or ``name``)."""
    if options.input_format not in ("auto", *CONTAINER_FORMATS):
        return check_chunks([data], name, options)
    return _check_head(data, iter(()), name, options)


def check_file(
    path: str | PathLike[str],
    options: CheckOptions | None = None,
    *,
    name: str | None = None,
    on_read: Callable[[int], None] | None = None,
    spill: bool = False,
    **kwargs: Any,
) -> FileResult:
    """Check one transcript file (``-`` is standard input). I/O errors go in ``FileResult.error``.

    Cassettes (vcrpy, go-vcr, Ruby VCR), HAR files and WebSocket transcripts are recognised
    from their content (or ``input_format``, or failing those a .har/.yaml name); each stream
    inside them is checked. ``name`` is the path to report (and to recognise by), for example
    for standard input. ``on_read`` is told the size of each chunk as it is read (progress).
    ``spill``: a plain transcript's ``findings`` is a :class:`~validator.engine.store.FindingStore`
    (see :func:`check_chunks`).
    """
    if isinstance(path, CheckOptions) or path is None:
        raise TypeError("check_file(): path must be a str or os.PathLike (the options come second)")
    source, options = resolve("check_file", path, options, kwargs, "-")
    name = name or source
    if options.exchange is not None:
        return check_exchange(options.exchange, source, name, options, on_read, spill)
    if source != STDIN and source.endswith(RECORD_SUFFIX):
        # Whatever --input-format says: it is the body's format, the record is always JSON.
        return check_record(source, options, on_read, spill)
    try:
        with transcript.open_input(source) as chunks:
            if on_read is not None:
                chunks = transcript.counted(chunks, on_read)
            if options.input_format not in ("auto", *CONTAINER_FORMATS):
                return check_chunks(chunks, name, options, spill=spill)
            rest = iter(chunks)
            first = next(rest, b"")
            # A pipe gives what has arrived: enough of the head to recognise a container.
            while len(first) < _SNIFF and (more := next(rest, None)) is not None:
                first += more
            return _check_head(first, rest, name, options, spill)
    except transcript.TranscriptReadError as exc:
        return FileResult(name, error=str(exc))
