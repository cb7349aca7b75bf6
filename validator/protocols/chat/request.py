"""What a Chat Completions request says about its stream: the request-dependent rules' inputs.

Without the request a validator cannot know ``n``, ``stream_options.include_usage`` or a forced
``tool_choice`` (CHAT.md §8.2): those rules are then warnings or silent. The request comes from
``--request FILE`` or from the request a cassette or HAR file recorded with the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validator.model.findings import Issue

__all__ = ["ChatRequest", "answer_choice_issues"]


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


def answer_choice_issues(answer: Any, request: ChatRequest) -> list[Issue]:
    """CH226: a ``chat.completion``'s choices are the ``n`` the request asked for, indexed
    ``0..n-1`` once each. Entries without an integer ``index`` are the schema's (CH100): with one,
    which choice is missing cannot be said, so nothing is. One finding for the choices missing,
    one for those that should not be there."""
    choices = answer.get("choices") if isinstance(answer, dict) else None
    if not isinstance(choices, list):
        return []
    n = request.n or 1
    indexes = [c.get("index") if isinstance(c, dict) else None for c in choices]
    if any(type(i) is not int for i in indexes):
        return []
    issues = []
    missing = [i for i in range(n) if i not in indexes]
    if missing:
        which = _listed(missing)
        verb = "is" if len(missing) == 1 else "are"
        issues.append(
            Issue(
                "CH226",
                f"{which} of the n={n} requested {verb} not in the answer ({len(choices)} given)",
                "/choices",
            )
        )
    extra = sorted({i for i in indexes if not 0 <= i < n} | {i for i in indexes if indexes.count(i) > 1})
    if extra:
        issues.append(
            Issue("CH226", f"{_listed(extra)} given, beyond the n={n} requested or repeated", "/choices")
        )
    return issues


def _listed(indexes: list[int]) -> str:
    if len(indexes) == 1:
        return f"choice {indexes[0]}"
    return f"choices {', '.join(map(str, indexes[:-1]))} and {indexes[-1]}"
