"""The AWS event-stream encoding (``application/vnd.amazon.eventstream``): Bedrock's
``InvokeModelWithResponseStream`` body, which carries an Anthropic Messages stream.

Each message is binary: a 12-byte prelude (total length, headers length, CRC32 of those 8 bytes),
the headers, the payload, and a CRC32 of everything before it. A ``chunk`` event's payload is
``{"bytes": base64(<Anthropic event JSON>), "p": padding}``; an exception arrives as a message with
``:message-type: exception`` and a JSON payload ``{"message": ...}``.

:func:`iter_messages` gives the messages one by one, with the byte offset each starts at; a
message whose content is damaged is reported and skipped (its prelude still says where the next one
starts), a damaged prelude or a truncated message ends the reading: past it, nothing can be framed.
:func:`sniff` says whether bytes start with a valid prelude.
Layout reference: the AWS SDKs' event-stream codecs (botocore ``eventstream.py``, smithy).
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from validator.model.events import RawEvent, RawKind
from validator.model.findings import Issue, Position

__all__ = [
    "RULE",
    "EventStreamError",
    "Message",
    "first_value",
    "frame_eventstream",
    "iter_messages",
    "sniff",
]

#: The finding for a message that cannot be framed or decoded. Bedrock's event-stream carries
#: Anthropic Messages streams only, so it is that protocol's rule.
RULE = "AN007"

_PRELUDE = struct.Struct(">III")
_CRC = struct.Struct(">I")
#: A message is at least a prelude and a CRC; AWS caps one at 16 MiB (botocore's _MAX_PAYLOAD_LENGTH).
_MIN_LENGTH = 16
_MAX_LENGTH = 16 * 1024 * 1024 + 128 * 1024
#: Header value types: fixed widths; 6 (bytes) and 7 (string) carry a 2-byte length.
_FIXED = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}
_INTS = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}


class EventStreamError(ValueError):
    """A message that cannot be framed; ``offset`` is where it starts."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Message:
    offset: int
    headers: dict[str, Any]
    payload: bytes

    @property
    def message_type(self) -> str:
        value = self.headers.get(":message-type", "event")
        return value if isinstance(value, str) else "event"


def sniff(head: bytes) -> bool:
    """Do these bytes start with an event-stream prelude (lengths that fit, prelude CRC right)?"""
    if len(head) < 12:
        return False
    total, headers, crc = _PRELUDE.unpack_from(head)
    return (
        _MIN_LENGTH <= total <= _MAX_LENGTH and headers <= total - _MIN_LENGTH and zlib.crc32(head[:8]) == crc
    )


def _headers(data: bytes, start: int, end: int, offset: int) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    i = start
    try:
        while i < end:
            n = data[i]
            name = data[i + 1 : i + 1 + n].decode("utf-8")
            i += 1 + n
            kind = data[i]
            i += 1
            value: Any
            if kind in (0, 1):
                value = kind == 0
            elif kind in (6, 7):
                (length,) = struct.unpack_from(">H", data, i)
                raw = data[i + 2 : i + 2 + length]
                value = raw.decode("utf-8") if kind == 7 else raw
                i += 2 + length
            elif kind in _FIXED:
                width = _FIXED[kind]
                raw = data[i : i + width]
                value = struct.unpack(_INTS[kind], raw)[0] if kind in _INTS else raw
                i += width
            else:
                raise EventStreamError(f"header {name!r} has unknown value type {kind}", offset)
            headers[name] = value
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise EventStreamError(f"headers cannot be read ({exc})", offset) from exc
    if i != end:
        raise EventStreamError("headers overrun their declared length", offset)
    return headers


def iter_messages(data: bytes) -> Iterator[Message | EventStreamError]:
    """Every message of ``data`` in order. A message whose content is damaged (message CRC, headers)
    comes as an :class:`EventStreamError` and reading goes on: its prelude says where the next one
    starts. A damaged prelude or a truncated message raises it: nothing after it can be framed."""
    offset = 0
    size = len(data)
    while offset < size:
        if size - offset < 12:
            raise EventStreamError(f"{size - offset} bytes left, less than a prelude (truncated)", offset)
        total, headers_length, prelude_crc = _PRELUDE.unpack_from(data, offset)
        if zlib.crc32(data[offset : offset + 8]) != prelude_crc:
            raise EventStreamError("prelude CRC does not match", offset)
        if not _MIN_LENGTH <= total <= _MAX_LENGTH or headers_length > total - _MIN_LENGTH:
            raise EventStreamError(f"message length {total} (headers {headers_length}) does not fit", offset)
        end = offset + total
        if end > size:
            raise EventStreamError(f"message of {total} bytes, {size - offset} left (truncated)", offset)
        (message_crc,) = _CRC.unpack_from(data, end - 4)
        start = offset + 12
        if zlib.crc32(data[offset : end - 4]) != message_crc:
            yield EventStreamError("message CRC does not match", offset)
        else:
            try:
                headers = _headers(data, start, start + headers_length, offset)
            except EventStreamError as exc:
                yield exc
            else:
                yield Message(offset, headers, data[start + headers_length : end - 4])
        offset = end


def _event_value(message: Message) -> tuple[str | None, Any, str | None]:
    """``(json_text, value, problem)`` for one message: a chunk's Anthropic event JSON text, an
    exception or error message as an ``error`` event value, or the problem that stops either."""
    kind = message.message_type
    if kind in ("exception", "error"):
        name = message.headers.get(":exception-type") or message.headers.get(":error-code") or kind
        text = message.headers.get(":error-message")
        try:
            body = json.loads(message.payload) if message.payload else {}
        except ValueError:
            body = {}
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            text = body["message"]
        error = {"type": str(name), "message": text if isinstance(text, str) else ""}
        return None, {"type": "error", "error": error}, None
    try:
        body = json.loads(message.payload)
    except ValueError as exc:
        return None, None, f"chunk payload is not JSON ({exc})"
    encoded = body.get("bytes") if isinstance(body, dict) else None
    if not isinstance(encoded, str):
        return None, None, 'chunk payload has no "bytes" string'
    try:
        text = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        return None, None, f'chunk "bytes" is not base64 of UTF-8 text ({exc})'
    return text, None, None


def frame_eventstream(
    chunks: Iterable[bytes], base: int, at_end: Callable[[Position], None]
) -> Iterator[RawEvent | Issue]:
    """The events of an event-stream body (read whole: Bedrock answers are small).

    Positions: the line is the message's number (1-based), the column 1, the offset the byte where
    the message starts; a binary body has no lines, and a message is its unit. Payloads are not
    SSE-framed (``framed=False``): the Anthropic event's name is only its ``type``.
    """
    data = b"".join(chunks)
    index = 0
    number = 0
    try:
        for number, message in enumerate(iter_messages(data), start=1):
            if isinstance(message, EventStreamError):
                at = Position(number, 1, base + message.offset)
                yield Issue(
                    RULE, f"event-stream message {number}: {message} (the event is lost)", position=at
                )
                continue
            pos = Position(number, 1, base + message.offset)
            text, value, problem = _event_value(message)
            if problem is not None:
                yield Issue(RULE, f"event-stream message {number}: {problem}", position=pos)
                continue
            if text is not None:
                yield RawEvent(index, RawKind.EVENT, text, pos, (pos,), None, False)
            else:
                yield RawEvent(index, RawKind.EVENT, "", pos, (pos,), None, False, value)
            index += 1
    except EventStreamError as exc:
        number += 1
        yield Issue(
            RULE, f"event-stream message {number}: {exc}", position=Position(number, 1, base + exc.offset)
        )
    at_end(Position(number + 1, 1, base + len(data)))


def first_value(head: bytes) -> Any:
    """The event the first message of ``head`` carries (decoded), or None."""
    try:
        message = next(iter_messages(head[: 12 + _PRELUDE.unpack_from(head)[0]]), None)
    except (EventStreamError, struct.error):
        return None
    if not isinstance(message, Message):
        return None
    text, value, _ = _event_value(message)
    if text is not None:
        try:
            return json.loads(text)
        except ValueError:
            return None
    return value
