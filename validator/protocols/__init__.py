"""The protocols the engine checks, and recognising which one a stream speaks.

Each protocol is a subpackage implementing :class:`validator.protocols.base.StreamProtocol`
(how to recognise its streams, its schemas, its state machine, its profiles); adding one is
adding its package, its entry in :data:`PROTOCOLS` and its rules in :mod:`validator.catalog`.

The registry holds every protocol, but loading it loads only what recognising a stream takes
(each ``protocol.py`` module): a protocol's schemas and state machine are imported by its
methods when its first stream is checked, so that a check pays for the protocol it checks only.
"""

from __future__ import annotations

from typing import Any

from validator.catalog import DEFAULT_PROTOCOL
from validator.protocols.anthropic.protocol import PROTOCOL as ANTHROPIC
from validator.protocols.base import StreamProtocol
from validator.protocols.chat.protocol import PROTOCOL as CHAT
from validator.protocols.responses.protocol import PROTOCOL as RESPONSES

__all__ = ["DEFAULT", "HEAD_BYTES", "PROTOCOLS", "StreamProtocol", "by_name", "detect", "detect_payload"]

#: name -> protocol. Detection asks them in this order; the default answers when none does.
PROTOCOLS: dict[str, StreamProtocol] = {p.name: p for p in (RESPONSES, CHAT, ANTHROPIC)}
DEFAULT: StreamProtocol = PROTOCOLS[DEFAULT_PROTOCOL]
#: How many bytes of a transcript detection looks at.
HEAD_BYTES = 16 * 1024


def by_name(name: str) -> StreamProtocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ValueError(f"unknown protocol {name!r} (choose from {', '.join(PROTOCOLS)})") from None


def detect(head: bytes) -> StreamProtocol:
    """The protocol a transcript starting with ``head`` speaks (the default when none claims it)."""
    return next((p for p in PROTOCOLS.values() if p is not DEFAULT and p.sniff(head)), DEFAULT)


def detect_payload(payload: Any) -> StreamProtocol:
    """The protocol whose stream starts with the decoded event ``payload``."""
    return next((p for p in PROTOCOLS.values() if p is not DEFAULT and p.recognises(payload)), DEFAULT)
