"""The Anthropic Messages protocol as the engine sees it (a
:class:`~validator.protocols.base.StreamProtocol`).

As for every protocol, only recognising a stream is loaded with the registry; the schemas, the
state machine and the outline are imported on the first Messages stream.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from validator.catalog import anthropic as catalog
from validator.model.findings import Issue
from validator.model.outline import OutlineBuilder
from validator.protocols.anthropic.kinds import EVENT_TYPES, OWN_EVENT_TYPES
from validator.protocols.base import Lane, Machine, SchemaSet, StreamProtocol
from validator.reading import eventstream

__all__ = ["PROTOCOL", "AnthropicProtocol"]

#: A Messages event as the first bytes show it: an ``event:`` line or a payload ``type`` of the
#: stream's own events (``ping`` and ``error`` alone say nothing: other protocols have them too).
_HEAD = re.compile(
    rb"^event: ?(message_start|content_block_(start|delta|stop)|message_delta|message_stop)\s*$"
    rb'|"type"\s*:\s*"(message_start|content_block_(start|delta|stop)|message_delta|message_stop)"',
    re.M,
)
#: A head that may hold an ``error`` event (cheap to look for; only then are payloads decoded).
_ERROR_TYPE = re.compile(rb'"type"\s*:\s*"error"')
#: What a Messages error carries (``{"type": "error", "error": {"type", "message", "details"?}}``;
#: ``request_id`` on the HTTP error body). The Responses error events carry more: a
#: ``sequence_number`` (SSE), ``status`` and ``stream_id`` (WebSocket), ``code``/``message``/``param``
#: at the top (flat shape) or ``code``/``param`` in ``error`` (nested shape).
_ERROR_KEYS = frozenset({"type", "error", "request_id"})
_ERROR_BODY_KEYS = frozenset({"type", "message", "details"})
#: The Messages endpoint, Vertex's raw predict and Bedrock's InvokeModelWithResponseStream.
_PATH = re.compile(
    r"(/v1/messages|:streamRawPredict|/model/[^/]+/invoke-with-response-stream)/?$",
)


class AnthropicProtocol(StreamProtocol):
    name = "anthropic"
    title = "Anthropic Messages"
    rule_prefix = "AN"
    profiles = catalog.PROFILES
    reading_rules = catalog.READING_RULES

    def sniff(self, head: bytes) -> bool:
        if eventstream.sniff(head[:12]):
            # Bedrock's binary body: what its first chunk carries (other models stream there too).
            return self.recognises(eventstream.first_value(head))
        # Every event name the pattern looks for holds one of these: a plain search rules out most
        # heads of other protocols far faster than the pattern's scan of every line.
        if (b"message_" in head or b"content_block_" in head) and _HEAD.search(head) is not None:
            return True
        # A stream that fails before message_start (or an HTTP error body given in its place)
        # shows only its error, whose ``type: "error"`` the Responses error events share.
        return _ERROR_TYPE.search(head) is not None and _fails_at_once(head)

    def recognises(self, payload: Any) -> bool:
        kind = payload.get("type") if isinstance(payload, dict) else None
        return kind in OWN_EVENT_TYPES or is_messages_error(payload)

    def is_request(self, method: str, path: str) -> bool:
        return method.upper() == "POST" and _PATH.search(path.split("?", 1)[0]) is not None

    def schemas(self, profile: str, strict: bool) -> SchemaSet:
        from validator.protocols.anthropic.schemas import AnthropicSchemas

        return AnthropicSchemas.for_profile(profile, strict)

    def machine(self, profile: str, *, resumed: bool | None, fragment: bool, request: Any = None) -> Machine:
        from validator.protocols.anthropic.machine import MessageChecker

        return MessageChecker(profile, fragment=fragment)

    def lane(self, machine: Machine, schemas: SchemaSet) -> Lane:
        from validator.protocols.anthropic.machine import MessageChecker
        from validator.protocols.anthropic.schemas import AnthropicSchemas
        from validator.protocols.lane import Lane as DeltaLane

        assert isinstance(machine, MessageChecker) and isinstance(schemas, AnthropicSchemas)
        return DeltaLane(machine, schemas)

    def wants_runs(self) -> bool:
        return True

    def is_answer(self, value: Any) -> bool:
        # No stream event has the type "message": a Message travels inside message_start.
        return isinstance(value, dict) and value.get("type") == "message"

    def answer_issues(self, value: Any, profile: str, strict: bool, request: Any = None) -> list[Issue]:
        """A Message (the body of a request without ``stream: true``), against the schema of the
        Message a stream's ``message_start`` carries, and each of its content blocks against the
        schema of its type, as ``content_block_start`` carries one (AN103)."""
        from validator.protocols.anthropic.schemas import AnthropicSchemas
        from validator.protocols.schema_kit import carried

        schemas = AnthropicSchemas.for_profile(profile, strict)
        what = "non-streaming answer (Message)"
        issues = carried(
            schemas.check({"type": "message_start", "message": value}), "message_start", "/message", what
        )
        content = value.get("content") if isinstance(value, dict) else None
        for index, block in enumerate(content if isinstance(content, list) else ()):
            event = {"type": "content_block_start", "index": index, "content_block": block}
            found = schemas.check(event)
            issues += carried(found, "content_block_start", "/content_block", what, f"/content/{index}")
        return issues

    def outline(self) -> OutlineBuilder:
        from validator.protocols.anthropic.outline import AnthropicOutline

        return AnthropicOutline()


def is_messages_error(payload: Any) -> bool:
    """Whether ``payload`` has the Messages error shape and no field of a Responses error event.

    ``{"type": "error", "error": {"type": str, "message": str}}`` (``details`` and a top-level
    ``request_id`` allowed) is a Messages error; the Responses nested error has the same two
    fields but also a ``sequence_number`` and ``error.code``/``error.param``. What has fields of
    neither shape, or of both (an ``error`` without ``type``, a ``sequence_number`` beside a bare
    ``{type, message}``), is not claimed: detection then falls back to the default protocol
    (Responses), and ``--protocol anthropic`` says otherwise.
    """
    if not isinstance(payload, dict) or payload.get("type") != "error" or not payload.keys() <= _ERROR_KEYS:
        return False
    error = payload.get("error")
    return (
        isinstance(error, dict)
        and error.keys() <= _ERROR_BODY_KEYS
        and isinstance(error.get("type"), str)
        and isinstance(error.get("message"), str)
    )


def _fails_at_once(head: bytes) -> bool:
    """Whether ``head`` reads as a Messages stream that fails before it starts: its first event
    other than a ``ping`` is a Messages error, and no later one is of another protocol's type
    (a Responses ``error`` is followed by ``response.failed``)."""
    events = (e for e in _payloads(head) if not (isinstance(e, dict) and e.get("type") == "ping"))
    if not is_messages_error(next(events, None)):
        return False
    return all(not isinstance(e, dict) or e.get("type") in EVENT_TYPES for e in events)


def _payloads(head: bytes) -> Iterator[Any]:
    """The decoded events of ``head`` (None for one that does not decode): the whole head when
    it is one JSON value (a body laid out on any number of lines, or an array of events), else
    each ``data:`` value (SSE) or line (JSON Lines)."""
    text = head.removeprefix(b"\xef\xbb\xbf").strip()
    if text.startswith((b"{", b"[")):
        try:
            whole = json.loads(text)
        except ValueError:
            pass
        else:
            yield from whole if isinstance(whole, list) else (whole,)
            return
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(b"data:"):
            line = line[5:].lstrip()
        elif not line.startswith(b"{"):
            continue
        try:
            yield json.loads(line)
        except ValueError:
            yield None


PROTOCOL = AnthropicProtocol()
