"""Checking a file: a plain transcript, or a container (cassette, HAR, WebSocket session) whose
streams are each checked on their own."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import orjson

from validator.engine.options import CONTAINER_FORMATS, CheckOptions, FileResult
from validator.engine.stream import check_chunks
from validator.protocols import DEFAULT
from validator.reading import transcript

__all__ = ["check_file"]


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
    return check_container(data, name, dataclasses.replace(options, input_format="auto"), kind=kind)


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
