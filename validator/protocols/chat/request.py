"""What a Chat Completions request says about its stream: the request-dependent rules' inputs.

Without the request a validator cannot know ``n``, ``stream_options.include_usage`` or a forced
``tool_choice`` (CHAT.md §8.2): those rules are then warnings or silent. The request comes from
``--request FILE`` or from the request a cassette or HAR file recorded with the answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from validator.model.findings import Issue

__all__ = ["SHOWN_CHOICES", "ChatRequest", "answer_choice_issues", "missing_choices"]


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


#: Choices a finding names one by one; past them, how many more.
SHOWN_CHOICES = 5


def missing_choices(n: int, present: Collection[Any], shown: int = SHOWN_CHOICES) -> tuple[list[int], int]:
    """The first ``shown`` of the indexes ``0..n-1`` not in ``present``, and how many are missing
    in all. ``n`` is the client's to set (a million is a valid request): the walk stops after the
    ``shown`` missing ones, so it never takes more than ``len(present) + shown`` steps."""
    first: list[int] = []
    if shown > 0:
        for index in range(n):
            if index not in present:
                first.append(index)
                if len(first) == shown:
                    break
    within = sum(1 for i in present if type(i) is int and 0 <= i < n)
    return first, n - within


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
    counts = Counter(indexes)
    missing, count = missing_choices(n, counts)
    if missing:
        verb = "is" if count == 1 else "are"
        issues.append(
            Issue(
                "CH226",
                f"{_listed(missing, count)} of the n={n} requested {verb} not in the answer "
                f"({len(choices)} given)",
                "/choices",
            )
        )
    extra = sorted(i for i, times in counts.items() if times > 1 or not 0 <= i < n)
    if extra:
        issues.append(
            Issue(
                "CH226",
                f"{_listed(extra[:SHOWN_CHOICES], len(extra))} given, beyond the n={n} requested or repeated",
                "/choices",
            )
        )
    return issues


def _listed(shown: list[int], count: int) -> str:
    """``choice 3``, ``choices 1, 2 and 4``, ``choices 0, 1, 2, 3, 4 (and 95 more)``."""
    if count == 1:
        return f"choice {shown[0]}"
    if count == len(shown):
        return f"choices {', '.join(map(str, shown[:-1]))} and {shown[-1]}"
    return f"choices {', '.join(map(str, shown))} (and {count - len(shown):,} more)"
