"""The proxy's saved exchange records (``NNNN.exchange``, written by ``proxy --save``), read back.

A record holds what the saved body does not: the request (method, path, JSON body, headers with
credentials redacted), the answer's status and headers, the name of the body file beside it, and
what happened to the transport. ``check NNNN.exchange`` (and ``check --request NNNN.exchange
BODY``) re-checks the exchange from these facts as the proxy checked it live.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.reading.transcript import TranscriptReadError, describe_os_error, printable

__all__ = ["RECORD_SUFFIX", "ExchangeRecord", "is_exchange_record", "parse_record", "read_record"]

RECORD_SUFFIX = ".exchange"
#: A record is a few kilobytes (headers and a request body): past this it is not one.
_RECORD_LIMIT = 64 << 20


@dataclass(frozen=True)
class ExchangeRecord:
    """One saved exchange, as far as its re-check needs it."""

    method: str
    #: The path and query as the client sent them (secret query parameters redacted).
    target: str
    #: The request's decoded JSON body when it was a JSON object, else None.
    request: dict[str, Any] | None
    #: The answer's HTTP status; None when the upstream never answered.
    status: int | None
    content_type: str
    #: The body file's path (beside the record); None when no body was saved.
    body_path: str | None
    #: What happened to the transport (the upstream failing, the client leaving).
    note: str | None
    #: The client left mid-answer: the live check judged the stream only by what had arrived.
    client_gone: bool
    #: Why the proxy checked the exchange only in part (its verdict); None: it checked it whole.
    unchecked: str | None = None


def is_exchange_record(value: Any) -> bool:
    """Whether ``value`` (a decoded JSON document) is what ``proxy --save`` writes for an
    exchange: a request body never has this shape (no API's request has a ``response`` member)."""
    if not isinstance(value, dict):
        return False
    request, response = value.get("request"), value.get("response")
    return (
        isinstance(request, dict)
        and isinstance(response, dict)
        and {"headers", "body"} <= request.keys()
        and "status" in response
        and isinstance(value.get("method"), str)
        and isinstance(value.get("path"), str)
    )


def _header(headers: Any, name: str) -> str:
    if not isinstance(headers, list):
        return ""
    for pair in headers:
        if isinstance(pair, list) and len(pair) == 2 and str(pair[0]).lower() == name:
            return str(pair[1])
    return ""


def parse_record(value: Any, path: str) -> ExchangeRecord:
    """The record ``value`` decoded from the file at ``path`` (its body file is named relative to
    it). Raises :class:`TranscriptReadError` when it is not a record or names no plain file."""
    label = printable(path)
    if not is_exchange_record(value):
        raise TranscriptReadError(
            f"{label}: not an exchange record of `proxy --save` (method, path, request, response)"
        )
    response = value["response"]
    status = response.get("status")
    if status is not None and (type(status) is not int or not 100 <= status <= 999):
        raise TranscriptReadError(f"{label}: the record's status {status!r} is not an HTTP status")
    body_file = response.get("body_file")
    body_path: str | None = None
    if body_file is not None:
        # The proxy writes a bare name beside the record; a record that points elsewhere (a path,
        # "..") is not one of its own, and re-checking it must not read files it names.
        if not isinstance(body_file, str) or not body_file or Path(body_file).name != body_file:
            raise TranscriptReadError(
                f"{label}: the record's body_file {body_file!r} is not the name of a file beside it"
            )
        body_path = str(Path(path).parent / body_file)
    body = value["request"].get("body")
    note = value.get("note")
    unchecked = value.get("unchecked")
    return ExchangeRecord(
        method=value["method"],
        target=value["path"],
        request=body if isinstance(body, dict) else None,
        status=status,
        content_type=_header(response.get("headers"), "content-type"),
        body_path=body_path,
        note=note if isinstance(note, str) else None,
        client_gone=response.get("client_gone") is True,
        unchecked=unchecked if isinstance(unchecked, str) else None,
    )


def read_record(path: str) -> ExchangeRecord:
    """The record saved at ``path``; :class:`TranscriptReadError` with a one-line message when it
    cannot be read or is not a record."""
    label = printable(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(_RECORD_LIMIT + 1)
    except OSError as exc:
        raise TranscriptReadError(f"cannot read {label}: {describe_os_error(exc)}") from exc
    except ValueError as exc:  # an embedded NUL in the path
        raise TranscriptReadError(f"cannot read {label}: invalid path ({exc})") from exc
    if len(data) > _RECORD_LIMIT:
        raise TranscriptReadError(f"{label}: too large for an exchange record of `proxy --save`")
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TranscriptReadError(
            f"{label}: not an exchange record of `proxy --save` (not JSON: {exc})"
        ) from None
    return parse_record(value, path)
