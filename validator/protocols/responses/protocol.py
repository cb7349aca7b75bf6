"""The Responses protocol as the engine sees it (:class:`~validator.protocols.base.StreamProtocol`).

Recognising a stream is all that every check asks of every protocol; the schemas, the state
machine and the outline are imported by the methods that make them, on the first stream of this
protocol, so that a check of another protocol's stream (and every command's start-up) does not
load them.
"""

from __future__ import annotations

import re
from typing import Any

from validator.catalog import responses as catalog
from validator.model.findings import Issue
from validator.model.outline import OutlineBuilder
from validator.protocols.base import Lane, Machine, SchemaSet, StreamProtocol

__all__ = ["PROTOCOL", "ResponsesProtocol"]

#: An event type of the Responses stream, as its first bytes show it (SSE or JSON).
_HEAD = re.compile(rb'"type"\s*:\s*"(response\.|error")|^event: ?response\.', re.M)


class ResponsesProtocol(StreamProtocol):
    name = "responses"
    title = "OpenAI Responses / Open Responses"
    rule_prefix = "RSP"
    profiles = catalog.PROFILES

    def sniff(self, head: bytes) -> bool:
        return _HEAD.search(head) is not None

    def recognises(self, payload: Any) -> bool:
        kind = payload.get("type") if isinstance(payload, dict) else None
        return isinstance(kind, str) and (kind.startswith("response.") or kind == "error")

    def is_request(self, method: str, path: str) -> bool:
        from validator.reading.containers.answers import is_responses_request

        return is_responses_request(method, path)

    def schemas(self, profile: str, strict: bool) -> SchemaSet:
        from validator.protocols.responses.schemas import SchemaChecker

        return SchemaChecker.for_profile(profile, strict=strict)

    def machine(self, profile: str, *, resumed: bool | None, fragment: bool, request: Any = None) -> Machine:
        from validator.protocols.responses.lifecycle import stream_checker

        return stream_checker(profile, resumed=resumed, fragment=fragment)

    def lane(self, machine: Machine, schemas: SchemaSet) -> Lane:
        from validator.protocols.lane import Lane as DeltaLane
        from validator.protocols.responses.lifecycle import StreamChecker
        from validator.protocols.responses.schemas import SchemaChecker

        assert isinstance(machine, StreamChecker) and isinstance(schemas, SchemaChecker)
        return DeltaLane(machine, schemas)

    def wants_runs(self) -> bool:
        return True

    def is_answer(self, value: Any) -> bool:
        # A Response names itself; an event has a ``type`` instead.
        return isinstance(value, dict) and value.get("object") == "response" and "type" not in value

    def answer_issues(self, value: Any, profile: str, strict: bool, request: Any = None) -> list[Issue]:
        """A Response object, against the schema a stream's terminal ``response`` is held to (RSP103)."""
        if not isinstance(value, dict):
            value = {"": value}  # reported by the schema as a Response that is not an object
        from validator.protocols.responses.schemas import SchemaChecker
        from validator.protocols.schema_kit import carried

        event = {"type": "response.completed", "sequence_number": 0, "response": value}
        issues = SchemaChecker.for_profile(profile, strict=strict).check(event)
        return carried(issues, "response.completed", "/response", "non-streaming answer (Response)")

    def outline(self) -> OutlineBuilder:
        from validator.protocols.responses.outline import ResponsesOutline

        return ResponsesOutline()


PROTOCOL = ResponsesProtocol()
