"""Chat Completions as the engine sees it (:class:`~validator.protocols.base.StreamProtocol`).

As for every protocol, only recognising a stream is loaded with the registry; the schemas, the
state machine and the outline are imported on the first Chat Completions stream.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from validator.catalog import chat as catalog
from validator.model.findings import Issue
from validator.model.outline import OutlineBuilder
from validator.protocols.base import Lane, Machine, SchemaSet, StreamProtocol
from validator.protocols.chat.kinds import is_chat_payload

__all__ = ["PROTOCOL", "ChatProtocol"]

#: The first payload of a Chat Completions stream: a chunk, or Azure's annotation chunk.
_FIRST_PAYLOAD = re.compile(
    rb'"object"\s*:\s*"chat\.completion\.chunk"|"object"\s*:\s*""[^\n]*"prompt_filter_results"'
    rb'|"prompt_filter_results"[^\n]*"object"\s*:\s*""'
)
#: Lines before the first payload: blank lines, SSE comments, event:/id:/retry: fields, a BOM.
_SKIPPED = (b"", b":", b"event:", b"id:", b"retry:")


def first_payload(head: bytes) -> bytes:
    """The first ``data:`` value (SSE), line (JSON Lines) or element start (JSON array) of ``head``."""
    for line in head.removeprefix(b"\xef\xbb\xbf").splitlines():
        text = line.strip()
        if text.startswith(b"data:"):
            return text[5:].lstrip()
        if text.startswith((b"{", b"[")):
            return text.lstrip(b"[ \t")
        if not text.startswith(_SKIPPED[1:]) and text:
            return b""
    return b""


def is_chat_path(method: str, path: str) -> bool:
    """``POST …/chat/completions`` (any base path, any query)."""
    return method.upper() == "POST" and path.split("?", 1)[0].rstrip("/").endswith("/chat/completions")


class ChatProtocol(StreamProtocol):
    name = "chat"
    title = "OpenAI Chat Completions"
    rule_prefix = "CH"
    profiles = catalog.PROFILES
    reading_rules: ClassVar[Mapping[str, str | None]] = {
        "RSP001": "CH001",
        "RSP002": "CH003",
        "RSP003": "CH006",
        "RSP009": "CH062",
        "RSP010": "CH060",
        "RSP011": "CH061",
        # The input itself is an HTTP error body.
        "RSP016": "CH067",
        "RSP017": "CH064",
        # Recorded calls' answers (cassettes, HAR files) and the probe's: the transport's findings.
        "RSP014": "CH068",
        "RSP015": "CH069",
        # The probe's unmet expectation.
        "RSP260": "CH270",
    }

    def sniff(self, head: bytes) -> bool:
        return _FIRST_PAYLOAD.search(first_payload(head)) is not None

    def recognises(self, payload: Any) -> bool:
        return is_chat_payload(payload)

    def is_request(self, method: str, path: str) -> bool:
        return is_chat_path(method, path)

    def schemas(self, profile: str, strict: bool) -> SchemaSet:
        from validator.protocols.chat.schemas import ChatSchemas

        return ChatSchemas.for_profile(profile, strict)

    def machine(self, profile: str, *, resumed: bool | None, fragment: bool, request: Any = None) -> Machine:
        from validator.protocols.chat.machine import ChatMachine
        from validator.protocols.chat.request import ChatRequest

        return ChatMachine(fragment=fragment, request=ChatRequest.from_body(request))

    def lane(self, machine: Machine, schemas: SchemaSet) -> Lane:
        from validator.protocols.chat.machine import ChatMachine
        from validator.protocols.chat.schemas import ChatSchemas
        from validator.protocols.lane import PrefixLane

        assert isinstance(machine, ChatMachine) and isinstance(schemas, ChatSchemas)
        return PrefixLane(machine, schemas)

    def wants_runs(self) -> bool:
        return True

    def is_answer(self, value: Any) -> bool:
        # A chunk is a "chat.completion.chunk".
        return isinstance(value, dict) and value.get("object") == "chat.completion"

    def answer_issues(self, value: Any, profile: str, strict: bool, request: Any = None) -> list[Issue]:
        """A ``chat.completion`` (the body of a request without ``stream: true``) against its schema
        (CH100), and with the request known, its choices against the ``n`` asked for (CH226)."""
        from validator.protocols.chat.request import ChatRequest, answer_choice_issues
        from validator.protocols.chat.schemas import ChatSchemas

        issues = ChatSchemas.for_profile(profile, strict).check_answer(value)
        asked = ChatRequest.from_body(request)
        if asked is not None:
            issues += answer_choice_issues(value, asked)
        return issues

    def outline(self) -> OutlineBuilder:
        from validator.protocols.chat.outline import ChatOutline

        return ChatOutline()


PROTOCOL = ChatProtocol()
