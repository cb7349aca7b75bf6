"""What a Chat Completions payload is: its kind, decided from a few members before any schema.

A stream carries five kinds of payload (``schemas/chat/chunks/<kind>.json``): content chunks
(one or more choices), the usage chunk and the moderation chunk (``choices: []``), Azure's
content-filter annotation chunks (``object: ""``) and in-band errors (``{"error": ...}``, no
choices). A chunk with ``choices: []`` and neither usage nor moderation is a content chunk
whose emptiness the lifecycle reports (CH236).
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["OBJECT", "Kind", "classify", "is_chat_payload"]

OBJECT = "chat.completion.chunk"


class Kind(enum.Enum):
    CHUNK = "chunk"
    USAGE = "usage"
    MODERATION = "moderation"
    ANNOTATION = "azure-annotation"
    ERROR = "error"


def _is_annotation(data: dict[str, Any]) -> bool:
    if data.get("object") != "":
        return False
    if "prompt_filter_results" in data:
        return True
    choices = data.get("choices")
    return isinstance(choices, list) and any(
        isinstance(c, dict) and "content_filter_results" in c and "delta" not in c for c in choices
    )


def classify(data: dict[str, Any]) -> Kind:
    """The kind of a decoded payload (an object)."""
    choices = data.get("choices")
    if "error" in data and choices is None and "object" not in data:
        return Kind.ERROR
    if _is_annotation(data):
        return Kind.ANNOTATION
    if choices == []:
        if data.get("moderation") is not None:
            return Kind.MODERATION
        if data.get("usage") is not None:
            return Kind.USAGE
    return Kind.CHUNK


def is_chat_payload(data: Any) -> bool:
    """Does this decoded payload look like a Chat Completions chunk (for protocol detection)?"""
    if not isinstance(data, dict) or "type" in data:
        return False
    if data.get("object") == OBJECT or _is_annotation(data):
        return True
    choices = data.get("choices")
    return (
        isinstance(choices, list) and bool(choices) and isinstance(choices[0], dict) and "delta" in choices[0]
    )
