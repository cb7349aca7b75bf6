"""The Chat Completions state machines as data (h11's ``_state.py`` style).

Two machines, each a transition table: what happens to the **stream** when a payload of a
given kind arrives in a given phase, and what happens to one **choice** (a ``choices[]``
index) when a step arrives in a given state. A transition names the rule it breaks, if any;
the machines (:mod:`validator.protocols.chat.machine`) only look the pair up.

Stream: ``START → STREAMING (content chunks) → USAGE (the usage chunk) → MODERATION (the
moderation chunk) → [DONE]``; an in-band error (or a chunk carrying one) goes to ``FAILED``
from anywhere. Azure annotation chunks change nothing.

Choice: ``OPEN`` from its first chunk (role, then content / refusal / reasoning / tool-call
fragments in any order) ``→ FINISHED`` at its non-null ``finish_reason``. After that only an
empty entry or the same finish_reason may come (warnings), never content or another reason.
"""

from __future__ import annotations

import enum

from validator.protocols.chat.kinds import Kind

__all__ = ["CHOICE_TRANSITIONS", "STREAM_TRANSITIONS", "ChoiceState", "Phase", "Step"]


class Phase(enum.Enum):
    START = "start"
    STREAMING = "streaming"
    USAGE = "usage"
    MODERATION = "moderation"
    FAILED = "failed"


#: (phase, kind) -> (next phase, rule broken or None). Annotation chunks never change the phase.
STREAM_TRANSITIONS: dict[tuple[Phase, Kind], tuple[Phase, str | None]] = {
    (Phase.START, Kind.CHUNK): (Phase.STREAMING, None),
    (Phase.START, Kind.USAGE): (Phase.USAGE, None),
    (Phase.START, Kind.MODERATION): (Phase.MODERATION, None),
    (Phase.START, Kind.ERROR): (Phase.FAILED, None),
    (Phase.STREAMING, Kind.CHUNK): (Phase.STREAMING, None),
    (Phase.STREAMING, Kind.USAGE): (Phase.USAGE, None),
    (Phase.STREAMING, Kind.MODERATION): (Phase.MODERATION, None),
    (Phase.STREAMING, Kind.ERROR): (Phase.FAILED, None),
    (Phase.USAGE, Kind.CHUNK): (Phase.USAGE, "CH234"),
    (Phase.USAGE, Kind.USAGE): (Phase.USAGE, None),  # a second usage object: CH233, counted apart
    (Phase.USAGE, Kind.MODERATION): (Phase.MODERATION, None),
    (Phase.USAGE, Kind.ERROR): (Phase.FAILED, None),
    (Phase.MODERATION, Kind.CHUNK): (Phase.MODERATION, "CH234"),
    (Phase.MODERATION, Kind.USAGE): (Phase.MODERATION, "CH234"),
    (Phase.MODERATION, Kind.MODERATION): (Phase.MODERATION, "CH234"),
    (Phase.MODERATION, Kind.ERROR): (Phase.FAILED, None),
    (Phase.FAILED, Kind.CHUNK): (Phase.FAILED, "CH063"),
    (Phase.FAILED, Kind.USAGE): (Phase.FAILED, "CH063"),
    (Phase.FAILED, Kind.MODERATION): (Phase.FAILED, "CH063"),
    (Phase.FAILED, Kind.ERROR): (Phase.FAILED, "CH063"),
}


class ChoiceState(enum.Enum):
    OPEN = "open"
    FINISHED = "finished"


class Step(enum.Enum):
    """What one ``choices[]`` entry does to its choice."""

    DELTA = "delta"  #: content, refusal, reasoning, tool calls or a new role (no finish_reason)
    EMPTY = "empty"  #: nothing but a repeated role or empty strings, no finish_reason
    FINISH = "finish"  #: a non-null finish_reason (with or without content)
    SAME_FINISH = "same-finish"  #: the finish_reason the choice already has, nothing else
    OTHER_FINISH = "other-finish"  #: another finish_reason, nothing else


#: (state, step) -> (next state, rule broken or None).
CHOICE_TRANSITIONS: dict[tuple[ChoiceState, Step], tuple[ChoiceState, str | None]] = {
    (ChoiceState.OPEN, Step.DELTA): (ChoiceState.OPEN, None),
    (ChoiceState.OPEN, Step.EMPTY): (ChoiceState.OPEN, None),
    (ChoiceState.OPEN, Step.FINISH): (ChoiceState.FINISHED, None),
    (ChoiceState.FINISHED, Step.DELTA): (ChoiceState.FINISHED, "CH224"),
    (ChoiceState.FINISHED, Step.FINISH): (ChoiceState.FINISHED, "CH224"),
    (ChoiceState.FINISHED, Step.EMPTY): (ChoiceState.FINISHED, "CH227"),
    (ChoiceState.FINISHED, Step.SAME_FINISH): (ChoiceState.FINISHED, "CH228"),
    (ChoiceState.FINISHED, Step.OTHER_FINISH): (ChoiceState.FINISHED, "CH229"),
}

#: Delta members whose non-empty value is content of the message (the SDK accumulates them).
CONTENT_MEMBERS = (
    "content",
    "refusal",
    "tool_calls",
    "function_call",
    "audio",
    "reasoning_content",
    "reasoning",
    "reasoning_details",
)
