"""``--save DIR``: each checked exchange as a transcript ``check`` accepts, and its request.

For exchange number N: ``N.sse`` (an event stream), ``N.json`` (any other answer) or
``N.jsonl`` (a WebSocket session, one message a line) holds the body exactly as it arrived
(after its Content-Encoding is undone); ``N.exchange`` holds the request and the answer's head
as JSON: method, path, headers, the request's JSON body, status, how the transport ended.
``check N.exchange`` re-checks the exchange from it as the proxy checked it live
(:mod:`validator.reading.exchange` reads it back); the ``.exchange`` suffix keeps it out of
``check DIR``, which checks the bodies alone. Credentials never reach the disk: the headers and
query parameters that carry them are replaced by ``[redacted]`` before anything is written.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["REDACTED", "BodyFile", "Saver", "redact_headers", "redact_target"]

REDACTED = "[redacted]"
#: Headers that carry credentials (OpenAI, Azure, Anthropic and generic gateways), and cookies.
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie", "set-cookie", "x-goog-api-key"}
)
#: Any other header or query parameter whose name says it holds a secret.
_SECRET_NAME = re.compile(
    r"(?i)(api[-_]?key|secret|password|passwd|authorization|(^|[-_])(access[-_]?)?token$|^x-auth)"
)


def _secret(name: str) -> bool:
    return name.lower() in _SECRET_HEADERS or bool(_SECRET_NAME.search(name))


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[list[str]]:
    return [[k, REDACTED if _secret(k) else v] for k, v in headers]


def redact_target(target: str) -> str:
    """The path with the values of secret-looking query parameters replaced."""
    parts = urlsplit(target)
    if not parts.query:
        return target
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(_secret(k) for k, _ in pairs):
        return target
    query = urlencode([(k, REDACTED if _secret(k) else v) for k, v in pairs], safe="[]")
    return urlunsplit(parts._replace(query=query))


def _redact_value(value: Any) -> Any:
    """A JSON body with the values of secret-named members replaced (LiteLLM-style gateways
    accept an ``api_key`` in the body)."""
    if isinstance(value, dict):
        return {k: REDACTED if _secret(str(k)) else _redact_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    return value


def _request_body(body: bytes) -> Any:
    if not body:
        return None
    try:
        return _redact_value(json.loads(body))
    except (ValueError, UnicodeDecodeError):
        # Not JSON: not shown, since secrets in it could not be found and redacted.
        return f"({len(body)} bytes, not JSON: not saved)"


class BodyFile:
    """A saved body, written as it arrives. A write that fails (a full disk) stops the saving
    of this body, never the traffic: :attr:`error` says why."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: str | None = None
        self._file: IO[bytes] | None = None
        try:
            self._file = path.open("wb")
        except OSError as exc:
            self.error = exc.strerror or str(exc)

    def write(self, data: bytes) -> None:
        if self._file is None or not data:
            return
        try:
            self._file.write(data)
        except OSError as exc:
            self.error = exc.strerror or str(exc)
            self.close()

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None


class Saver:
    """Writes the exchanges of one proxy run into ``directory`` (created if missing)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def body_path(self, number: int, suffix: str) -> Path:
        return self.directory / f"{number:04d}{suffix}"

    def open_body(self, number: int, suffix: str) -> BodyFile:
        return BodyFile(self.body_path(number, suffix))

    def write_exchange(
        self,
        number: int,
        *,
        method: str,
        target: str,
        request_headers: Iterable[tuple[str, str]],
        request_body: bytes,
        status: int | None,
        response_headers: Iterable[tuple[str, str]],
        body_file: str | None,
        note: str | None,
        client_gone: bool = False,
        unchecked: str | None = None,
    ) -> Path:
        record = {
            "method": method,
            "path": redact_target(target),
            "request": {"headers": redact_headers(request_headers), "body": _request_body(request_body)},
            "response": {
                "status": status,
                "headers": redact_headers(response_headers),
                "body_file": body_file,
                # The client left mid-answer: the live check judged only what had arrived.
                "client_gone": client_gone,
            },
            "note": note,
            # Why the proxy checked the exchange only in part (it fell behind, a checker failure,
            # a Content-Encoding it cannot undo): the body saved ends where its check did.
            "unchecked": unchecked,
        }
        path = self.directory / f"{number:04d}.exchange"
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path
