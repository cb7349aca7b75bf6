"""The event types of a Messages stream: what recognising one needs, without the stream's tables
(:mod:`.tables`, loaded with the machine on the first Messages stream)."""

from __future__ import annotations

__all__ = ["EVENT_TYPES", "OWN_EVENT_TYPES"]

EVENT_TYPES = frozenset(
    {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
    }
)
#: The types only this protocol sends (``ping`` and ``error`` alone say nothing: others have them too).
OWN_EVENT_TYPES = EVENT_TYPES - {"ping", "error"}
