"""The Anthropic Messages stream as data: the message phases and their transitions, the block
families and which deltas each takes. :mod:`.machine` only interprets these tables.

The stream (ANTHROPIC.md §3)::

    (ping)* message_start ( content_block_start(i=k) content_block_delta(i=k)* content_block_stop(i=k) )*
            message_delta message_stop

with ``ping`` allowed anywhere and ``error`` anywhere as the end.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from validator.protocols.anthropic.kinds import EVENT_TYPES

__all__ = [
    "AFTER_END",
    "BETA_BLOCKS",
    "BETA_DELTAS",
    "BLOCKS",
    "DELTA_KIND",
    "EVENT_TYPES",
    "ID_PREFIXES",
    "TRANSITIONS",
    "BlockSpec",
    "Kind",
    "Phase",
    "Step",
]


class Phase(enum.Enum):
    """Where the message is: the phase a stream is in after each event."""

    BEFORE_START = "before message_start"
    IN_MESSAGE = "in the message"  #: message_start seen: blocks may start
    AFTER_DELTA = "after message_delta"  #: content closed; message_stop next
    STOPPED = "after message_stop"
    FAILED = "after an error event"


class Kind(enum.Enum):
    """What a block's deltas build."""

    TEXT = "text"  #: text_delta, citations_delta
    JSON = "json"  #: input_json_delta fragments, one JSON object at the stop
    THINKING = "thinking"  #: thinking_delta then one signature_delta
    COMPACTION = "compaction"  #: compaction_delta (beta)
    COMPLETE = "complete"  #: arrives whole at content_block_start: no delta at all
    UNKNOWN = "unknown"  #: an unknown type, or a block whose start was lost: anything goes


@dataclass(frozen=True, slots=True)
class BlockSpec:
    kind: Kind
    beta: bool = False
    #: This block is a tool call whose id a result block may name.
    call: bool = False
    #: This block answers a call: its ``tool_use_id`` names one.
    result: bool = False


_C = Kind.COMPLETE
#: Every known content block type (GA: the ContentBlock union of anthropic-python 2.17.0's
#: RawContentBlockStartEvent; beta: what BetaRawContentBlockStartEvent adds).
BLOCKS: dict[str, BlockSpec] = {
    "text": BlockSpec(Kind.TEXT),
    "thinking": BlockSpec(Kind.THINKING),
    "redacted_thinking": BlockSpec(_C),
    "tool_use": BlockSpec(Kind.JSON, call=True),
    "server_tool_use": BlockSpec(Kind.JSON, call=True),
    "web_search_tool_result": BlockSpec(_C, result=True),
    "web_fetch_tool_result": BlockSpec(_C, result=True),
    "code_execution_tool_result": BlockSpec(_C, result=True),
    "bash_code_execution_tool_result": BlockSpec(_C, result=True),
    "text_editor_code_execution_tool_result": BlockSpec(_C, result=True),
    "tool_search_tool_result": BlockSpec(_C, result=True),
    "container_upload": BlockSpec(_C),
    "mcp_tool_use": BlockSpec(Kind.JSON, beta=True, call=True),
    "mcp_tool_result": BlockSpec(_C, beta=True, result=True),
    "mcp_tool_listing": BlockSpec(_C, beta=True),
    "compaction": BlockSpec(Kind.COMPACTION, beta=True),
    "fallback": BlockSpec(_C, beta=True),
    "advisor_tool_result": BlockSpec(_C, beta=True, result=True),
}
BETA_BLOCKS = frozenset(t for t, spec in BLOCKS.items() if spec.beta)

#: Delta type -> the kind of block it belongs to (SDK ``accumulate_event``; compaction_delta from
#: the beta accumulator).
DELTA_KIND: dict[str, Kind] = {
    "text_delta": Kind.TEXT,
    "citations_delta": Kind.TEXT,
    "input_json_delta": Kind.JSON,
    "thinking_delta": Kind.THINKING,
    "signature_delta": Kind.THINKING,
    "compaction_delta": Kind.COMPACTION,
}
BETA_DELTAS = frozenset({"compaction_delta"})

#: Block type (or "message") -> the prefix of its id on api.anthropic.com (AN307).
ID_PREFIXES: dict[str, str] = {
    "message": "msg_",
    "tool_use": "toolu_",
    "server_tool_use": "srvtoolu_",
    "mcp_tool_use": "mcptoolu_",
}


@dataclass(frozen=True, slots=True)
class Step:
    """What an event does in a phase: the phase after it, the finding it raises (if any), and
    whether its handler runs (a duplicate message_start, or anything after the end, changes nothing)."""

    to: Phase
    rule: str | None = None
    handle: bool = True


_B, _M, _D, _S, _F = Phase.BEFORE_START, Phase.IN_MESSAGE, Phase.AFTER_DELTA, Phase.STOPPED, Phase.FAILED
_BLOCK_EVENTS = ("content_block_start", "content_block_delta", "content_block_stop")

TRANSITIONS: dict[tuple[Phase, str], Step] = {
    # Before message_start: a content event is reported once and then read as if the message had
    # started, so that its blocks are still checked (one root cause, one finding).
    (_B, "message_start"): Step(_M),
    **{(_B, t): Step(_M, "AN201") for t in _BLOCK_EVENTS},
    (_B, "message_delta"): Step(_D, "AN201"),
    (_B, "message_stop"): Step(_S, "AN201"),
    # In the message.
    (_M, "message_start"): Step(_M, "AN202", handle=False),
    **{(_M, t): Step(_M) for t in _BLOCK_EVENTS},
    (_M, "message_delta"): Step(_D),
    (_M, "message_stop"): Step(_S, "AN213"),
    # After message_delta: the content is closed.
    (_D, "message_start"): Step(_D, "AN202", handle=False),
    **{(_D, t): Step(_D, "AN216") for t in _BLOCK_EVENTS},
    (_D, "message_delta"): Step(_D, "AN214"),
    (_D, "message_stop"): Step(_S),
    # ping anywhere before the end; error anywhere before the end, as the end.
    **{(p, "ping"): Step(p) for p in (_B, _M, _D)},
    **{(p, "error"): Step(_F) for p in (_B, _M, _D)},
    # After the end, everything is reported once and changes nothing.
    **{(_S, t): Step(_S, "AN217", handle=False) for t in EVENT_TYPES},
    **{(_F, t): Step(_F, "AN220", handle=False) for t in EVENT_TYPES},
}

#: What an event of an unknown type does after the end (before it, it is only reported by the schema layer).
AFTER_END: dict[Phase, str] = {_S: "AN217", _F: "AN220"}
