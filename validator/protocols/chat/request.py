"""What a Chat Completions request says about its stream: the request-dependent rules' inputs.

Without the request a validator cannot know ``n``, ``stream_options.include_usage`` or a forced
``tool_choice`` (CHAT.md §8.2): those rules are then warnings or silent. The request comes from
``--request FILE`` or from the request a cassette or HAR file recorded with the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ChatRequest"]


@dataclass(frozen=True, slots=True)
class ChatRequest:
    #: ``n`` (choices requested); None when the request does not say (the API's default is 1).
    n: int | None = None
    #: ``stream_options.include_usage``.
    include_usage: bool = False
    #: ``tool_choice`` names one function: OpenAI then finishes with ``stop`` (CH256 waived).
    forced_tool: bool = False

    @classmethod
    def from_body(cls, body: Any) -> ChatRequest | None:
        """The request's facts from its decoded JSON body; None when it is not a chat request body."""
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return None
        n = body.get("n")
        options = body.get("stream_options")
        choice = body.get("tool_choice")
        return cls(
            n=n if type(n) is int and n >= 1 else 1,
            include_usage=isinstance(options, dict) and options.get("include_usage") is True,
            forced_tool=isinstance(choice, dict) and choice.get("type") in ("function", "custom"),
        )
