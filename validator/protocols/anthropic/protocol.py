"""The Anthropic Messages protocol as the engine sees it (a
:class:`~validator.protocols.base.StreamProtocol`)."""

from __future__ import annotations

import re
from typing import Any

from validator.catalog import anthropic as catalog
from validator.model.outline import OutlineBuilder
from validator.protocols.anthropic.machine import MessageChecker
from validator.protocols.anthropic.outline import AnthropicOutline
from validator.protocols.anthropic.schemas import AnthropicSchemas
from validator.protocols.anthropic.tables import EVENT_TYPES
from validator.protocols.base import Lane, Machine, SchemaSet, StreamProtocol
from validator.protocols.lane import Lane as DeltaLane
from validator.reading import eventstream

__all__ = ["PROTOCOL", "AnthropicProtocol"]

#: A Messages event as the first bytes show it: an ``event:`` line or a payload ``type`` of the
#: stream's own events (``ping`` and ``error`` alone say nothing: other protocols have them too).
_HEAD = re.compile(
    rb"^event: ?(message_start|content_block_(start|delta|stop)|message_delta|message_stop)\s*$"
    rb'|"type"\s*:\s*"(message_start|content_block_(start|delta|stop)|message_delta|message_stop)"',
    re.M,
)
_OWN = EVENT_TYPES - {"ping", "error"}
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
        return _HEAD.search(head) is not None

    def recognises(self, payload: Any) -> bool:
        kind = payload.get("type") if isinstance(payload, dict) else None
        return kind in _OWN

    def is_request(self, method: str, path: str) -> bool:
        return method.upper() == "POST" and _PATH.search(path.split("?", 1)[0]) is not None

    def schemas(self, profile: str, strict: bool) -> SchemaSet:
        return AnthropicSchemas.for_profile(profile, strict)

    def machine(self, profile: str, *, resumed: bool | None, fragment: bool, request: Any = None) -> Machine:
        return MessageChecker(profile, fragment=fragment)

    def lane(self, machine: Machine, schemas: SchemaSet) -> Lane:
        assert isinstance(machine, MessageChecker) and isinstance(schemas, AnthropicSchemas)
        return DeltaLane(machine, schemas)

    def wants_runs(self) -> bool:
        return True

    def outline(self) -> OutlineBuilder:
        return AnthropicOutline()


PROTOCOL = AnthropicProtocol()
