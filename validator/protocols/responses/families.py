"""The protocol as data: which events exist, what they target, how their text is checked.

Rule: everything the lifecycle machines know about a specific event type or item
type lives in these tables, never in ``if`` chains in :mod:`.lifecycle` and the machines it
drives (:mod:`.response`, :mod:`.items`, :mod:`.parts`).
Adding an item type or an event family is one table entry (plus its schema).

Vocabulary:

* an **event spec** (:data:`EVENTS`) says what an event does (:class:`Action`),
  which item types it may target, and which text family or part kind it belongs to;
* a **text family** (:class:`TextFamily`) is a delta/done pair whose concatenated
  deltas must equal the done text, the part text and the text in the done item;
* a **part kind** (:class:`PartKind`) is an indexed sub-object of an item that is
  opened and closed by its own events (content parts, summary parts, shell commands);
* a **status ladder** (:data:`STATUS_STEPS`) orders a hosted tool's status events.

Where real, valid captures differ from the letter of the spec, the exception is
documented next to the table entry that encodes it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EVENTS",
    "FINAL_ITEM_STATUSES",
    "INTERLEAVINGS",
    "ITEMS",
    "LIFECYCLE",
    "PART_FAMILY",
    "PART_KINDS",
    "STATUS_STEPS",
    "STEER_OUTCOMES",
    "TRUSTED_FIELDS",
    "Action",
    "EventSpec",
    "Interleaving",
    "ItemSpec",
    "Lifecycle",
    "PartKind",
    "StatusStep",
    "TextFamily",
    "content_part_item_types",
]


#: The server's answers to a ``response.steer`` (the WebSocket mode's steering, :mod:`.connection`):
#: the lifecycle lets them through, the connection machine follows them.
STEER_OUTCOMES = frozenset({"response.steer.accepted", "response.steer.pending", "response.steer.failed"})

# --------------------------------------------------------------------------- response lifecycle


class Lifecycle(enum.Enum):
    """The response-level events, which drive the response machine in ``response.py``."""

    CREATED = "response.created"
    QUEUED = "response.queued"
    IN_PROGRESS = "response.in_progress"
    COMPLETED = "response.completed"
    INCOMPLETE = "response.incomplete"
    FAILED = "response.failed"
    ERROR = "error"
    #: The Codex backend's terminal event (partial payload); not in any spec: RSP110 outside the
    #: codex profile, where it still ends the stream (one departure, not also a missing terminal).
    DONE = "response.done"

    @property
    def terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def statuses(self) -> frozenset[str]:
        """``response.status`` values this event may carry (RULES.md C7)."""
        return _STATUS[self]


_TERMINAL = frozenset({Lifecycle.COMPLETED, Lifecycle.INCOMPLETE, Lifecycle.FAILED, Lifecycle.DONE})
_STATUS: dict[Lifecycle, frozenset[str]] = {
    # Background responses are created already queued (corpus 005, and 069's transformers serve).
    Lifecycle.CREATED: frozenset({"in_progress", "queued"}),
    Lifecycle.QUEUED: frozenset({"queued"}),
    Lifecycle.IN_PROGRESS: frozenset({"in_progress"}),
    Lifecycle.COMPLETED: frozenset({"completed"}),
    Lifecycle.INCOMPLETE: frozenset({"incomplete"}),
    Lifecycle.FAILED: frozenset({"failed"}),
    Lifecycle.ERROR: frozenset(),
    # A partial payload: whatever status the backend put in it (haskell-agent PR #316/#335).
    Lifecycle.DONE: frozenset({"completed", "incomplete", "failed", "in_progress", "cancelled"}),
}

LIFECYCLE: dict[str, Lifecycle] = {m.value: m for m in Lifecycle}


# --------------------------------------------------------------------------- item-scoped events


class Action(enum.Enum):
    ITEM_ADDED = "item-added"
    ITEM_DONE = "item-done"
    PART_ADDED = "part-added"
    PART_DONE = "part-done"
    DELTA = "delta"
    TEXT_DONE = "text-done"
    ANNOTATION = "annotation"
    STATUS = "status"


def _get(obj: Any, key: str | int) -> Any:
    """``obj[key]`` for JSON values, None where the shape does not fit."""
    if isinstance(key, int):
        return obj[key] if isinstance(obj, list) and 0 <= key < len(obj) else None
    return obj.get(key) if isinstance(obj, dict) else None


def _path(*keys: str | int | None) -> Callable[[Any, int | None], Any]:
    """An extractor for ``item.a.b[index].c``; ``None`` in ``keys`` is the part index."""

    def extract(item: Any, index: int | None) -> Any:
        for key in keys:
            if key is None:
                if index is None:
                    return None
                key = index
            item = _get(item, key)
        return item

    return extract


def _joined_output(channel: str) -> Callable[[Any, int | None], Any]:
    # shell_call_output_content.done carries a list of output chunks; the streamed text
    # of a channel is the concatenation of that channel over the list.
    def extract(obj: Any, index: int | None) -> Any:
        chunks = _get(obj, "output")
        if not isinstance(chunks, list):
            return None
        texts = [_get(c, channel) for c in chunks]
        return "".join(t for t in texts if isinstance(t, str))

    return extract


@dataclass(frozen=True, slots=True)
class TextFamily:
    """A streamed text: deltas, a done event, and where the final text must reappear."""

    name: str
    #: Per channel: the event field of a delta's text (a key of ``delta`` when it is an object).
    channels: tuple[str, ...] = ("",)
    #: Field of the done event with the final text, per channel (extractor on the done event).
    done_text: tuple[Callable[[Any, int | None], Any], ...] = ()
    #: Where the final text is in the closed part (``content_part.done.part``), per channel.
    part_text: tuple[Callable[[Any, int | None], Any], ...] | None = None
    #: Where the final text is in ``output_item.done.item``, per channel (None: not compared).
    item_text: tuple[Callable[[Any, int | None], Any], ...] | None = None
    #: Event field holding the part index (None: one stream per item).
    index_field: str | None = None
    #: Part kind that must be open for the stream (None: no part brackets it).
    part_kind: str | None = None
    #: Part types this family may write to (RULES.md E7).
    part_types: frozenset[str] = frozenset()
    #: Whether the done event carries logprobs to compare with the deltas' (RULES.md E10).
    logprobs: bool = False
    #: JSON pointer (``{index}`` = part index) of the text in output_item.done, for messages.
    item_pointer: str = ""


def _text(field: str) -> tuple[Callable[[Any, int | None], Any], ...]:
    return (_path(field),)


OUTPUT_TEXT = TextFamily(
    "output_text",
    done_text=_text("text"),
    part_text=_text("text"),
    item_text=(_path("content", None, "text"),),
    item_pointer="/item/content/{index}/text",
    index_field="content_index",
    part_kind="content",
    part_types=frozenset({"output_text"}),
    logprobs=True,
)
REFUSAL = TextFamily(
    "refusal",
    done_text=_text("refusal"),
    part_text=_text("refusal"),
    item_text=(_path("content", None, "refusal"),),
    item_pointer="/item/content/{index}/refusal",
    index_field="content_index",
    part_kind="content",
    part_types=frozenset({"refusal"}),
)
REASONING_TEXT = TextFamily(
    "reasoning_text",
    done_text=_text("text"),
    part_text=_text("text"),
    item_text=(_path("content", None, "text"),),
    item_pointer="/item/content/{index}/text",
    index_field="content_index",
    part_kind="content",
    part_types=frozenset({"reasoning_text"}),
)
SUMMARY_TEXT = TextFamily(
    "reasoning_summary_text",
    done_text=_text("text"),
    part_text=_text("text"),
    item_text=(_path("summary", None, "text"),),
    item_pointer="/item/summary/{index}/text",
    index_field="summary_index",
    part_kind="summary",
    part_types=frozenset({"summary_text"}),
)
FUNCTION_ARGUMENTS = TextFamily(
    "function_call_arguments",
    done_text=_text("arguments"),
    item_text=(_path("arguments"),),
    item_pointer="/item/arguments",
)
CUSTOM_INPUT = TextFamily(
    "custom_tool_call_input",
    done_text=_text("input"),
    item_text=(_path("input"),),
    item_pointer="/item/input",
)
MCP_ARGUMENTS = TextFamily(
    "mcp_call_arguments",
    done_text=_text("arguments"),
    item_text=(_path("arguments"),),
    item_pointer="/item/arguments",
)
CODE = TextFamily(
    "code_interpreter_call_code",
    done_text=_text("code"),
    item_text=(_path("code"),),
    item_pointer="/item/code",
)
PATCH_DIFF = TextFamily(
    "apply_patch_call_operation_diff",
    done_text=_text("diff"),
    item_text=(_path("operation", "diff"),),
    item_pointer="/item/operation/diff",
)
SHELL_COMMAND = TextFamily(
    "shell_call_command",
    done_text=_text("command"),
    item_text=(_path("action", "commands", None),),
    item_pointer="/item/action/commands/{index}",
    index_field="command_index",
    part_kind="command",
)
SHELL_OUTPUT = TextFamily(
    "shell_call_output_content",
    channels=("stdout", "stderr"),
    done_text=(_joined_output("stdout"), _joined_output("stderr")),
    # The done item's output list is compared only when the item streamed a single command
    # (the one shape seen on the wire, corpus 028): how chunks of several commands are laid
    # out in ``item.output`` is not documented.
    item_text=(_joined_output("stdout"), _joined_output("stderr")),
    index_field="command_index",
)
#: The family that writes to a part of each type.
PART_FAMILY: dict[str, TextFamily] = {
    "output_text": OUTPUT_TEXT,
    "refusal": REFUSAL,
    "reasoning_text": REASONING_TEXT,
    "summary_text": SUMMARY_TEXT,
}

# Audio deltas carry no item; their done events carry no text to compare.
AUDIO = TextFamily("audio")
AUDIO_TRANSCRIPT = TextFamily("audio.transcript")


@dataclass(frozen=True, slots=True)
class PartKind:
    """An indexed sub-object of an item with its own added/done events."""

    name: str
    index_field: str
    #: Field of the item in output_item.done holding the parts (for messages).
    item_field: str | None
    #: Text fields of the added part that must be empty (RULES.md E8, F2).
    empty_fields: tuple[str, ...] = ("text",)
    #: The stream's done event also closes the part (shell commands have no part done).
    closed_by_text_done: bool = False


PART_KINDS: dict[str, PartKind] = {
    "content": PartKind("content", "content_index", "content", ("text", "refusal", "annotations")),
    "summary": PartKind("summary", "summary_index", "summary", ("text",)),
    "command": PartKind("command", "command_index", None, (), closed_by_text_done=True),
}

#: content_part.* targets a reasoning item when the part is reasoning_text, else a message (RULES.md D5).
_CONTENT_PART_ITEMS: dict[str, frozenset[str]] = {
    "output_text": frozenset({"message"}),
    "refusal": frozenset({"message"}),
    "reasoning_text": frozenset({"reasoning"}),
}
_ANY_CONTENT_ITEM = frozenset({"message", "reasoning"})


def content_part_item_types(part_type: object) -> frozenset[str]:
    """Item types a content part of this type may belong to (Open Responses parts: either)."""
    return (
        _CONTENT_PART_ITEMS.get(part_type, _ANY_CONTENT_ITEM)
        if isinstance(part_type, str)
        else _ANY_CONTENT_ITEM
    )


# --------------------------------------------------------------------------- hosted tool statuses


@dataclass(frozen=True, slots=True)
class StatusStep:
    """One status event of a hosted tool: statuses only go forward (RULES.md G5)."""

    rank: int
    #: The item status this event announces.
    status: str
    #: May repeat at the same rank (partial images).
    repeatable: bool = False

    @property
    def final(self) -> bool:
        return self.rank >= _FINAL_RANK


_FINAL_RANK = 3
_STARTED, _WORKING, _DONE = (
    StatusStep(1, "in_progress"),
    {n: StatusStep(2, n) for n in ("searching", "interpreting", "generating")},
    StatusStep(_FINAL_RANK, "completed"),
)
_FAILED = StatusStep(_FINAL_RANK, "failed")

#: event type -> step; the item type it targets is in :data:`EVENTS`.
STATUS_STEPS: dict[str, StatusStep] = {
    "response.file_search_call.in_progress": _STARTED,
    "response.file_search_call.searching": _WORKING["searching"],
    "response.file_search_call.completed": _DONE,
    "response.web_search_call.in_progress": _STARTED,
    "response.web_search_call.searching": _WORKING["searching"],
    "response.web_search_call.completed": _DONE,
    "response.code_interpreter_call.in_progress": _STARTED,
    "response.code_interpreter_call.interpreting": _WORKING["interpreting"],
    "response.code_interpreter_call.completed": _DONE,
    "response.image_generation_call.in_progress": _STARTED,
    "response.image_generation_call.generating": _WORKING["generating"],
    "response.image_generation_call.partial_image": StatusStep(2, "generating", repeatable=True),
    "response.image_generation_call.completed": _DONE,
    "response.mcp_call.in_progress": _STARTED,
    "response.mcp_call.completed": _DONE,
    "response.mcp_call.failed": _FAILED,
    "response.mcp_list_tools.in_progress": _STARTED,
    "response.mcp_list_tools.completed": _DONE,
    "response.mcp_list_tools.failed": _FAILED,
}

#: Statuses an item may have in output_item.done (RULES.md D9).
FINAL_ITEM_STATUSES = frozenset({"completed", "incomplete", "failed"})


# --------------------------------------------------------------------------- item types


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """What the machine needs to know about one output item type."""

    #: call_id must be unique among items of this type (RULES.md D3).
    unique_call_id: bool = False
    #: Paths (``a.b``, ``*`` = every list element) left out when the terminal output is
    #: compared with output_item.done (RULES.md D12, D13): include-only fields, and opaque
    #: encrypted tokens that are re-encrypted for every snapshot.
    volatile: tuple[tuple[str, ...], ...] = ()


def _volatile(*paths: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split(".")) for p in paths)


_PLAIN = ItemSpec()

#: Known item types. A type not listed here (a future type or a ``slug:`` extension) is
#: accepted with added/done only and never gets a family finding.
ITEMS: dict[str, ItemSpec] = {
    # logprobs on output_text parts are include-only (message.output_text.logprobs).
    "message": ItemSpec(volatile=_volatile("content.*.logprobs")),
    # encrypted_content may be partial until the item is done, and is include-only (D12).
    "reasoning": ItemSpec(volatile=_volatile("encrypted_content")),
    # Fernet tokens differ in every snapshot (corpus 035 and 045 compaction, 037 program).
    "compaction": ItemSpec(volatile=_volatile("encrypted_content")),
    "program": ItemSpec(volatile=_volatile("fingerprint")),
    "function_call": ItemSpec(unique_call_id=True),
    "custom_tool_call": ItemSpec(unique_call_id=True),
    "shell_call": ItemSpec(unique_call_id=True),
    "shell_call_output": ItemSpec(unique_call_id=True),
    # Include-only: file_search_call.results, code_interpreter_call.outputs,
    # web_search_call.action.sources (xAI fills the terminal copy differently, corpus 054).
    "file_search_call": ItemSpec(volatile=_volatile("results")),
    "code_interpreter_call": ItemSpec(volatile=_volatile("outputs")),
    "web_search_call": ItemSpec(volatile=_volatile("action.sources")),
    "image_generation_call": _PLAIN,
    "mcp_call": _PLAIN,
    "mcp_list_tools": _PLAIN,
    "apply_patch_call": _PLAIN,
    # Item types with no events of their own: only output_item.added/done.
    "function_call_output": _PLAIN,
    "computer_call": _PLAIN,
    "computer_call_output": _PLAIN,
    "tool_search_call": _PLAIN,
    "tool_search_output": _PLAIN,
    "additional_tools": _PLAIN,
    "program_output": _PLAIN,
    "local_shell_call": _PLAIN,
    "local_shell_call_output": _PLAIN,
    "apply_patch_call_output": _PLAIN,
    "mcp_approval_request": _PLAIN,
    "mcp_approval_response": _PLAIN,
    "custom_tool_call_output": _PLAIN,
}
UNKNOWN_ITEM = _PLAIN


# --------------------------------------------------------------------------- event table


@dataclass(frozen=True, slots=True)
class EventSpec:
    action: Action
    #: Item types the event may target; None: any (added/done) or decided by the part type.
    item_types: frozenset[str] | None = None
    family: TextFamily | None = None
    #: Part kind opened or closed (PART_ADDED / PART_DONE), or addressed (ANNOTATION).
    part_kind: str | None = None
    status: StatusStep | None = None
    #: The event has no item_id; it is addressed by output_index only (shell commands).
    index_only: bool = False
    #: The event belongs to the response, not to an item (``response.audio.*``).
    unscoped: bool = False
    #: Field that counts 0, 1, 2 ... per item (RULES.md H1).
    counter: str | None = None


def _fs(*names: str) -> frozenset[str]:
    return frozenset(names)


def _stream(family: TextFamily, items: frozenset[str], *, index_only: bool = False) -> dict[str, EventSpec]:
    prefix = f"response.{family.name}"
    return {
        f"{prefix}.delta": EventSpec(Action.DELTA, items, family, index_only=index_only),
        f"{prefix}.done": EventSpec(Action.TEXT_DONE, items, family, index_only=index_only),
    }


_MESSAGE, _REASONING = _fs("message"), _fs("reasoning")

EVENTS: dict[str, EventSpec] = {
    "response.output_item.added": EventSpec(Action.ITEM_ADDED),
    "response.output_item.done": EventSpec(Action.ITEM_DONE),
    # content_part.*: the item type follows from the part type (content_part_item_types).
    "response.content_part.added": EventSpec(Action.PART_ADDED, part_kind="content"),
    "response.content_part.done": EventSpec(Action.PART_DONE, part_kind="content"),
    "response.reasoning_summary_part.added": EventSpec(Action.PART_ADDED, _REASONING, part_kind="summary"),
    "response.reasoning_summary_part.done": EventSpec(Action.PART_DONE, _REASONING, part_kind="summary"),
    "response.output_text.annotation.added": EventSpec(Action.ANNOTATION, _MESSAGE, OUTPUT_TEXT, "content"),
    **_stream(OUTPUT_TEXT, _MESSAGE),
    **_stream(REFUSAL, _MESSAGE),
    **_stream(REASONING_TEXT, _REASONING),
    # Open Responses names raw reasoning text response.reasoning.* (RULES.md F6).
    "response.reasoning.delta": EventSpec(Action.DELTA, _REASONING, REASONING_TEXT),
    "response.reasoning.done": EventSpec(Action.TEXT_DONE, _REASONING, REASONING_TEXT),
    **_stream(SUMMARY_TEXT, _REASONING),
    **_stream(FUNCTION_ARGUMENTS, _fs("function_call")),
    **_stream(CUSTOM_INPUT, _fs("custom_tool_call")),
    **_stream(MCP_ARGUMENTS, _fs("mcp_call")),
    **_stream(CODE, _fs("code_interpreter_call")),
    **_stream(PATCH_DIFF, _fs("apply_patch_call")),
    **_stream(SHELL_OUTPUT, _fs("shell_call_output")),
    **_stream(SHELL_COMMAND, _fs("shell_call"), index_only=True),
    "response.shell_call_command.added": EventSpec(
        Action.PART_ADDED, _fs("shell_call"), SHELL_COMMAND, "command", index_only=True
    ),
    **{
        name: EventSpec(Action.STATUS, _fs(name.split(".")[1]), status=step)
        for name, step in STATUS_STEPS.items()
    },
    "response.image_generation_call.partial_image": EventSpec(
        Action.STATUS,
        _fs("image_generation_call"),
        status=STATUS_STEPS["response.image_generation_call.partial_image"],
        counter="partial_image_index",
    ),
    "response.audio.delta": EventSpec(Action.DELTA, family=AUDIO, unscoped=True),
    "response.audio.done": EventSpec(Action.TEXT_DONE, family=AUDIO, unscoped=True),
    "response.audio.transcript.delta": EventSpec(Action.DELTA, family=AUDIO_TRANSCRIPT, unscoped=True),
    "response.audio.transcript.done": EventSpec(Action.TEXT_DONE, family=AUDIO_TRANSCRIPT, unscoped=True),
}


def _trusted(spec: EventSpec) -> tuple[str, ...]:
    """The fields of an event whose values the machines carry forward into an item's state.

    When the schema rejects one of them, what the stream later says about the item cannot be
    compared with it: the items the event touched are exempt from consistency findings. Any
    other schema error of the event (a missing nullable field) leaves them checked.
    """
    fields = ["/output_index"]
    if not spec.index_only:
        fields.append("/item_id")
    kind = PART_KINDS.get(spec.part_kind or "")
    index_field = kind.index_field if kind else spec.family.index_field if spec.family else None
    if index_field:
        fields.append(f"/{index_field}")
    if spec.action is Action.DELTA:
        fields.append("/delta")
    elif spec.action in (Action.ITEM_ADDED, Action.ITEM_DONE):
        fields.remove("/item_id")
        fields.extend(("/item/id", "/item/type", "/item/call_id", "/item/name"))
    return tuple(fields)


#: event type -> its fields the item state is built from (:func:`_trusted`).
TRUSTED_FIELDS: dict[str, tuple[str, ...]] = {name: _trusted(spec) for name, spec in EVENTS.items()}


# --------------------------------------------------------------------------- interleaved items


@dataclass(frozen=True, slots=True)
class Interleaving:
    """An item added while another is open (RSP235) that some clients are known to break on."""

    #: The case of RSP235 it is (``Rule.cases``: its severity per profile).
    case: str
    #: What happens to those clients, and the source.
    consequence: str


#: (open item's type, added item's type) -> what that interleaving breaks. Other pairs are the
#: rule's generic case (hosted tools side by side, which clients rendering by index cope with).
INTERLEAVINGS: dict[tuple[str, str], Interleaving] = {
    ("reasoning", "message"): Interleaving(
        "message-during-reasoning",
        "Codex clients track one active item and drop the message's text (LiteLLM PR #38654); send the "
        "reasoning item's output_item.done before the message's output_item.added",
    ),
}
