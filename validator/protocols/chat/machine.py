"""The Chat Completions stream checker: framing, the stream and choice machines, reassembly.

Rule 1: the transitions are the tables of :mod:`validator.protocols.chat.tables`; this module
classifies each payload and each ``choices[]`` entry, looks the transition up, and keeps what
the later checks need (per choice: its state, its finish_reason, flags for content and refusal,
its tool calls and their argument fragments).

Rule 2: nothing here raises on bad input; a payload that failed its schema still moves the
machines, but only the rules about *where* it is are reported for it.

One root cause, one finding: stream-level deviations are reported once per stream, choice-level
ones once per choice, and a failed stream (CH004, CH005) waives the end-of-stream rules.

Where a finding points: at the chunk that shows the defect; a choice never finished, at the
``[DONE]`` line (or the end of the input); the reassembly checks of a choice (CH256, CH257,
CH341, CH343, CH353) at its finish chunk, or at the end for a choice never finished. Usage on a
choice chunk (CH232) is decided at the end, as a running usage (CH233) explains it better.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from validator.model.events import Event, RawEvent
from validator.model.findings import EventRef, Issue, Position, Severity
from validator.model.values import int_or_none
from validator.protocols.chat.kinds import OBJECT, Kind, classify
from validator.protocols.chat.request import ChatRequest, missing_choices
from validator.protocols.chat.tables import (
    CHOICE_TRANSITIONS,
    CONTENT_MEMBERS,
    STREAM_TRANSITIONS,
    ChoiceState,
    Phase,
    Step,
)

__all__ = ["ChatMachine"]

#: What a tool call or choice with no finding shares instead of a set of its own.
NOTHING_REPORTED: frozenset[str] = frozenset()


class _Context:
    """The chunk being fed and the issues raised for it; which rules were reported already."""

    __slots__ = ("cached_ref", "event", "fragment", "issues", "once", "serial")

    def __init__(self, fragment: bool) -> None:
        self.fragment = fragment
        self.once: set[str] = set()
        self.event: Event | None = None
        self.issues: list[Issue] = []
        self.cached_ref: EventRef | None = None
        self.serial = 0

    def ref(self) -> EventRef:
        if self.cached_ref is None:
            e = self.event
            assert e is not None
            self.cached_ref = EventRef(e.index, e.position)
        return self.cached_ref

    def emit(self, rule: str, message: str, pointer: str = "") -> None:
        self.issues.append(Issue(rule, message, pointer=pointer))

    def emit_once(self, rule: str, message: str, pointer: str = "") -> None:
        """A stream-level finding, reported at its first occurrence only."""
        if rule not in self.once:
            self.once.add(rule)
            self.emit(rule, message, pointer)

    def emit_for(self, owner: Choice | ToolCall, rule: str, message: str, pointer: str = "") -> None:
        """A finding reported once per choice or tool call."""
        if rule not in owner.reported:
            if type(owner.reported) is not set:
                owner.reported = set()
            owner.reported.add(rule)
            self.emit(rule, message, pointer)


#: Delta members the usual path takes (text only), and the members of a plain arguments fragment.
_TEXT_MEMBERS = frozenset({"content", "reasoning_content", "reasoning"})
_FRAGMENT_KEYS = frozenset({"index", "function"})
_ARGUMENTS_KEY = frozenset({"arguments"})

#: Integers orjson reads exactly, as ints (past them, as rounded floats).
_EXACT = 1 << 63

#: Rules about where a payload is rather than what it says: kept for a payload that failed its schema.
_KEPT_FOR_INVALID = frozenset({"CH004", "CH005", "CH007", "CH008", "CH063", "CH210", "CH234"})


@dataclass(slots=True)
class ToolCall:
    index: int
    id: str | None
    name: str | None
    arguments: list[str] = field(default_factory=list)
    reported: set[str] | frozenset[str] = NOTHING_REPORTED


@dataclass(slots=True)
class Choice:
    index: int
    ref: EventRef
    role: Any = None
    state: ChoiceState = ChoiceState.OPEN
    finish_reason: str | None = None
    finish_ref: EventRef | None = None
    has_content: bool = False
    has_refusal: bool = False
    #: The first delta opened a refusal (``refusal: ""`` and no content), as OpenAI does.
    refusal_opened: bool = False
    calls: dict[int, ToolCall] = field(default_factory=dict)
    #: A chunk that failed its schema touched it: its reassembly is not checked (one root cause).
    tainted: bool = False
    reported: set[str] | frozenset[str] = NOTHING_REPORTED


def _non_empty(value: Any) -> bool:
    if isinstance(value, (str, list, dict)):
        return bool(value)
    return value is not None


class ChatMachine:
    """Checks the payloads of one Chat Completions stream, in order (the protocol's ``machine``)."""

    def __init__(self, *, fragment: bool = False, request: ChatRequest | None = None) -> None:
        self.ctx = _Context(fragment)
        self.request = request
        self.phase = Phase.START
        self.choices: dict[int, Choice] = {}
        self.chunks = 0
        self.framed: bool | None = None
        self.done: Position | None = None
        self.first: dict[str, Any] | None = None
        self.usage_count = 0
        self.usage_kind_seen = False
        self.usage_on_choice: EventRef | None = None
        #: The choices the chunk being fed refers to.
        self.touched: list[Choice] = []
        #: The stream is in its content phase, its first chunk seen, no [DONE] yet: the usual
        #: chunk may take the short path (:meth:`_usual_prefix`).
        self.streaming = False

    # ------------------------------------------------------------------ the protocol interface

    def feed(self, event: Event) -> list[Issue]:
        if self.streaming and event.schema_ok and event.event_name is None and self._usual(event.data):
            self.chunks += 1
            self.ctx.serial += 1
            return []
        ctx = self.ctx
        ctx.event, ctx.issues, ctx.cached_ref = event, [], None
        ctx.serial += 1
        self.chunks += 1
        if self.framed is None:
            self.framed = event.framed
        data = event.data
        if self.done is not None:
            ctx.emit_once("CH007", "chunk after data: [DONE]; the SDK stopped reading at [DONE]")
        if event.event_name is not None:
            ctx.emit_once(
                "CH008", f"`event: {event.event_name}` line; Chat Completions streams have data: lines only"
            )
        kind = classify(data)
        if kind is Kind.ANNOTATION:
            ctx.emit_once("CH163", 'Azure content-filter annotation chunk (object ""), skipped by the SDK')
        else:
            self._stream_step(kind, data)
            if kind is not Kind.ERROR:
                self._constancy(data)
                self._usage(kind, data)
                if kind is Kind.CHUNK:
                    self._choices(data)
        issues = ctx.issues
        if not event.schema_ok:
            for choice in self.touched:
                choice.tainted = True
            issues = [i for i in issues if i.rule in _KEPT_FOR_INVALID]
        self.touched.clear()
        ctx.event = None
        self.streaming = self.phase is Phase.STREAMING and self.done is None and self.first is not None
        return issues

    def _usual(self, data: dict[str, Any]) -> bool:
        """Does this chunk take the short path (:meth:`_usual_prefix`), which it has then taken?"""
        return self._usual_prefix([data], 0, 1) == 1

    def _usual_prefix(self, events: list[dict[str, Any]], start: int, stop: int) -> int:
        """How many of ``events[start:stop]`` in a row take the short path, which they have then
        taken: the bulk of every stream, without the tables. A chunk of the first chunk's id,
        created and model, no usage or error, one entry for an open choice with no finish_reason
        (the key present, or its absence already reported), whose delta holds only text (content
        or a reasoning extension) or one arguments fragment of a call already started. Whatever
        else arrives goes the general way; the outcome is the same (the tests compare both).
        Called only while :attr:`streaming`, for chunks that passed their schema and have no
        ``event:`` line. Nothing it looks at changes while it runs (the choices, their states,
        their calls, which rules were reported), so it is read once. Written for speed: it runs
        once per chunk, one run of chunks at a time when the lane feeds it."""
        first = self.first
        assert first is not None
        first_id, created, model = first["id"], first["created"], first["model"]
        no_finish_key = "CH122" in self.ctx.once  # its absence already reported
        choices_by_index = self.choices
        is_open = ChoiceState.OPEN
        i = start
        while i < stop:
            data = events[i]
            try:
                if (
                    data["id"] != first_id
                    or data["created"] != created
                    or data["model"] != model
                    or data["object"] != OBJECT
                ):
                    break
                choices = data["choices"]
            except KeyError:
                break
            if type(choices) is not list or len(choices) != 1:
                break
            get = data.get
            if get("usage") is not None or get("error"):
                break
            entry = choices[0]
            if type(entry) is not dict:
                break
            try:
                if entry["finish_reason"] is not None:
                    break
            except KeyError:
                if not no_finish_key:
                    break
            choice = choices_by_index.get(entry.get("index"))  # type: ignore[arg-type]
            delta = entry.get("delta")
            if choice is None or choice.state is not is_open or type(delta) is not dict:
                break
            if "tool_calls" in delta:
                calls = delta["tool_calls"]
                if len(delta) != 1 or type(calls) is not list or len(calls) != 1:
                    break
                fragment = calls[0]
                if type(fragment) is not dict:
                    break
                call = choice.calls.get(fragment.get("index"))  # type: ignore[arg-type]
                function = fragment.get("function")
                if call is None or fragment.keys() - _FRAGMENT_KEYS or type(function) is not dict:
                    break
                arguments = function.get("arguments")
                if function.keys() - _ARGUMENTS_KEY or type(arguments) is not str:
                    break
                call.arguments.append(arguments)
            else:
                for key, value in delta.items():
                    if key not in _TEXT_MEMBERS or (type(value) is not str and value is not None):
                        return i - start
                if delta.get("content"):
                    choice.has_content = True
            i += 1
        return i - start

    def takes_runs(self, etype: str | None) -> bool:
        """Could the lane take events of a run framed ``etype``: data-only chunks (the others are
        CH008's, never the usual path)?"""
        return etype is None

    def feed_prefix(self, etype: str | None, events: list[dict[str, Any]], start: int, stop: int) -> int:
        """Feed ``events[start:stop]`` (decoded, each valid against its schema, framed ``etype``) up
        to the first that would not take :meth:`_usual_prefix`, the short path of :meth:`feed` that
        reports nothing; returns how many were taken. The state is that of feeding them one by
        one: the ordinary path takes each through :meth:`_usual_prefix` as well."""
        if etype is not None or not self.streaming or not self._exact_keys():
            return 0
        taken = self._usual_prefix(events, start, stop)
        self.chunks += taken
        self.ctx.serial += taken
        return taken

    def _exact_keys(self) -> bool:
        """Are the numbers :meth:`_usual_prefix` compares ints orjson reads exactly (within 64 bits)? The
        lane's events are decoded by orjson, which reads a longer integer as a float, where the
        ordinary path keeps it exact (``decode.exact_ints_needed``): 10**20 + 1 would be taken
        for 10**20. A rounded float cannot equal an int within 64 bits."""
        created = self.first.get("created") if self.first is not None else None
        if type(created) is not int or not -_EXACT < created < _EXACT:
            return False
        for index, choice in self.choices.items():
            if not -_EXACT < index < _EXACT:
                return False
            for call in choice.calls:
                if type(call) is not int or not -_EXACT < call < _EXACT:
                    return False
        return True

    def shared_string(self, value: str) -> str:
        return value

    def feed_done(self, raw: RawEvent) -> list[Issue]:
        if self.done is not None:
            return [Issue("CH007", "a second data: [DONE]", position=raw.position)]
        self.done = raw.position
        self.streaming = False
        return []

    def feed_undecodable(self, raw: RawEvent) -> None:
        self.chunks += 1
        if self.framed is None:
            self.framed = raw.framed

    def finish(self, end: Position) -> list[Issue]:
        if self.chunks == 0:
            return [Issue("CH009", "the stream contains no chunks", position=self.done or end)]
        issues: list[Issue] = []
        if self.usage_on_choice is not None and self.usage_count == 1:
            issues.append(
                Issue(
                    "CH232",
                    "usage is carried on a chunk that has choices, not on its own chunk with choices: []",
                    event=self.usage_on_choice,
                )
            )
        if self.phase is Phase.FAILED or self.ctx.fragment:
            return issues
        at = self.done or end
        for choice in self.choices.values():
            if choice.state is ChoiceState.OPEN:
                issues.append(
                    Issue(
                        "CH225",
                        f"choice {choice.index} (first chunk at line {choice.ref.position.line}) "
                        "never gets a finish_reason",
                        position=at,
                    )
                )
                issues.extend(self._reassembly(choice, position=at))
        request = self.request
        if request is not None and request.n is not None:
            # One finding a choice, for the first few: n is the client's, and may be a million.
            missing, count = missing_choices(request.n, self.choices)
            issues.extend(
                Issue("CH225", f"choice {index} of the n={request.n} requested never appears", position=at)
                for index in missing
            )
            if count > len(missing):
                issues.append(
                    Issue(
                        "CH225",
                        f"{count - len(missing):,} more choices of the n={request.n} requested never "
                        f"appear (after choice {missing[-1]})",
                        position=at,
                    )
                )
        if request is not None and request.include_usage and not self.usage_kind_seen:
            issues.append(
                Issue(
                    "CH230",
                    "the request sets stream_options.include_usage, but no usage chunk "
                    "(choices: [], usage) comes",
                    position=at,
                )
            )
        if self.done is None and self.framed:
            issues.append(Issue("CH002", "the stream ends without data: [DONE]", position=end))
        return issues

    # ------------------------------------------------------------------ stream level

    def _stream_step(self, kind: Kind, data: dict[str, Any]) -> None:
        ctx = self.ctx
        phase, rule = STREAM_TRANSITIONS[(self.phase, kind)]
        if rule == "CH234":
            ctx.emit_once("CH234", f"{kind.value} chunk after the {self.phase.value} chunk")
        elif rule == "CH063":
            ctx.emit_once("CH063", "payload after the stream failed; the SDK raised at the error")
        self.phase = phase
        if kind is Kind.ERROR:
            error = data.get("error")
            message = error.get("message") if isinstance(error, dict) else error
            ctx.emit_once("CH004", f"in-band error: {str(message)[:160]}")
        elif data.get("error"):
            ctx.emit("CH005", f"chunk carries a top-level error: {str(data.get('error'))[:160]}")
            self.phase = Phase.FAILED
        elif kind is Kind.CHUNK and data.get("choices") == []:
            ctx.emit_once("CH236", "chunk with choices: [] carries neither usage nor moderation")

    def _constancy(self, data: dict[str, Any]) -> None:
        first = self.first
        if first is None:
            self.first = {k: data.get(k) for k in ("id", "created", "model")}
            return
        ctx = self.ctx
        for key, rule in (("id", "CH210"), ("created", "CH212"), ("model", "CH213")):
            value = data.get(key)
            if value != first[key] and rule not in ctx.once:
                ctx.emit_once(rule, f"{key} is {value!r}, the first chunk's was {first[key]!r}", f"/{key}")

    def _usage(self, kind: Kind, data: dict[str, Any]) -> None:
        usage = data.get("usage")
        if usage is None:
            return
        self.usage_count += 1
        if kind is Kind.USAGE:
            self.usage_kind_seen = True
        elif kind is Kind.CHUNK and data.get("choices") and self.usage_on_choice is None:
            self.usage_on_choice = self.ctx.ref()
        if self.usage_count == 2:
            self.ctx.emit_once(
                "CH233", "a second chunk carries usage: usage is sent on several chunks", "/usage"
            )
        if isinstance(usage, dict):
            prompt, completion, total = (
                int_or_none(usage.get(k)) for k in ("prompt_tokens", "completion_tokens", "total_tokens")
            )
            if None not in (prompt, completion, total) and prompt + completion != total:  # type: ignore[operator]
                self.ctx.emit_once(
                    "CH331",
                    f"usage.total_tokens is {total}, "
                    f"prompt_tokens + completion_tokens is {prompt + completion}",  # type: ignore[operator]
                    "/usage/total_tokens",
                )

    # ------------------------------------------------------------------ choice level

    def _choices(self, data: dict[str, Any]) -> None:
        choices = data.get("choices")
        if not isinstance(choices, list):
            return
        for position, entry in enumerate(choices):
            if not isinstance(entry, dict):
                continue
            index = int_or_none(entry.get("index"))
            if index is None:
                continue
            delta = entry.get("delta")
            if not isinstance(delta, dict):
                delta = {}
            if "finish_reason" not in entry:
                self.ctx.emit_once("CH122", "choices omit the finish_reason key (null until the last chunk)")
            choice = self.choices.get(index)
            if choice is None:
                choice = self._open(index, delta)
            self.touched.append(choice)
            self._entry(choice, entry, delta, f"/choices/{position}")

    def _open(self, index: int, delta: dict[str, Any]) -> Choice:
        ctx = self.ctx
        choice = self.choices[index] = Choice(index, ctx.ref(), role=delta.get("role"))
        if not ctx.fragment:
            expected = len(self.choices) - 1
            n = self.request.n if self.request is not None else None
            if index != expected:
                ctx.emit_once("CH220", f"choice index {index} first seen where {expected} comes next")
            elif n is not None and index >= n:
                ctx.emit_once("CH220", f"choice index {index}, but the request asks for n={n}")
            if "role" not in delta or delta.get("role") is None:
                ctx.emit_for(choice, "CH240", f"choice {index}'s first chunk has no role")
        refusal, content = delta.get("refusal"), delta.get("content")
        choice.refusal_opened = refusal == "" and content is None
        return choice

    def _step(self, choice: Choice, entry: dict[str, Any], delta: dict[str, Any]) -> Step:
        finish = entry.get("finish_reason")
        role = delta.get("role")
        bearing = any(_non_empty(delta.get(m)) for m in CONTENT_MEMBERS) or (
            role is not None and role != choice.role
        )
        if choice.state is ChoiceState.FINISHED and not bearing and finish is not None:
            return Step.SAME_FINISH if finish == choice.finish_reason else Step.OTHER_FINISH
        if finish is not None:
            return Step.FINISH
        return Step.DELTA if bearing else Step.EMPTY

    def _entry(self, choice: Choice, entry: dict[str, Any], delta: dict[str, Any], pointer: str) -> None:
        ctx = self.ctx
        first_entry = choice.ref.index == ctx.event.index if ctx.event is not None else False
        step = self._step(choice, entry, delta)
        state, rule = CHOICE_TRANSITIONS[(choice.state, step)]
        if rule is not None:
            ctx.emit_for(choice, rule, self._message(rule, choice, entry), pointer)
            if rule != "CH224":
                return
        if not first_entry and delta.get("role") is not None and state is ChoiceState.OPEN:
            ctx.emit_for(
                choice,
                "CH242",
                f"choice {choice.index} repeats role {delta.get('role')!r}",
                pointer + "/delta/role",
            )
        if choice.state is ChoiceState.OPEN:
            self._accumulate(choice, delta, pointer)
        if step is Step.FINISH and choice.state is ChoiceState.OPEN:
            choice.state = ChoiceState.FINISHED
            choice.finish_reason = entry.get("finish_reason")
            choice.finish_ref = ctx.ref()
            ctx.issues.extend(self._reassembly(choice))

    @staticmethod
    def _message(rule: str, choice: Choice, entry: dict[str, Any]) -> str:
        finish = entry.get("finish_reason")
        return {
            "CH224": f"choice {choice.index} gets content after its finish_reason {choice.finish_reason!r}",
            "CH227": f"choice {choice.index} appears again with an empty delta after its finish_reason",
            "CH228": f"choice {choice.index} is finished again with {finish!r}",
            "CH229": f"choice {choice.index} finished with {choice.finish_reason!r} "
            f"is finished again with {finish!r}",
        }[rule]

    def _accumulate(self, choice: Choice, delta: dict[str, Any], pointer: str) -> None:
        content = delta.get("content")
        if isinstance(content, list):
            self.ctx.emit_once(
                "CH164", "delta.content is a list of typed parts, not a string", pointer + "/delta/content"
            )
        if _non_empty(content):
            choice.has_content = True
        if _non_empty(delta.get("refusal")):
            choice.has_refusal = True
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            for k, fragment in enumerate(calls):
                if isinstance(fragment, dict):
                    self._tool_fragment(choice, fragment, f"{pointer}/delta/tool_calls/{k}")
        legacy = delta.get("function_call")
        if isinstance(legacy, dict) and _non_empty(legacy):
            # The deprecated functions API: one call, no index.
            self._tool_fragment(
                choice, {"function": legacy, "index": 0, "legacy": True}, pointer + "/delta/function_call"
            )

    def _tool_fragment(self, choice: Choice, fragment: dict[str, Any], pointer: str) -> None:
        ctx = self.ctx
        index = fragment.get("index")
        if type(index) is not int:
            return  # CH150, from the schema
        function = fragment.get("function")
        function = function if isinstance(function, dict) else {}
        name, call_id = function.get("name"), fragment.get("id")
        arguments = function.get("arguments")
        call = choice.calls.get(index)
        legacy = fragment.get("legacy", False)
        if call is None:
            if not ctx.fragment and index != len(choice.calls):
                ctx.emit_for(
                    choice,
                    "CH254",
                    f"tool call index {index} first seen where {len(choice.calls)} comes next",
                    pointer + "/index",
                )
            call = choice.calls[index] = ToolCall(index, call_id, name)
            missing = [
                what
                for what, ok in (
                    ("id", legacy or (isinstance(call_id, str) and call_id)),
                    ('type: "function"', legacy or fragment.get("type") == "function"),
                    ("function.name", isinstance(name, str) and name),
                )
                if not ok
            ]
            if missing and not ctx.fragment:
                ctx.emit_for(
                    call, "CH251", f"tool call {index}'s first fragment lacks {', '.join(missing)}", pointer
                )
        elif not legacy:
            for what, new, old in (("id", call_id, call.id), ("name", name, call.name)):
                if not isinstance(new, str) or not new:
                    continue
                if old is None:
                    setattr(call, what, new)
                elif new == old:
                    ctx.emit_for(
                        choice,
                        "CH252",
                        f"tool call {index} repeats its {what} {new!r} (the SDK concatenates it)",
                        pointer,
                    )
                else:
                    ctx.emit_for(
                        call, "CH258", f"tool call {index}'s {what} changes from {old!r} to {new!r}", pointer
                    )
        if isinstance(arguments, str):
            call.arguments.append(arguments)

    def _reassembly(self, choice: Choice, position: Position | None = None) -> list[Issue]:
        """The checks on a choice's whole message, at its finish (or at the end if it never finished)."""
        issues: list[Issue] = []
        if choice.tainted:
            return issues

        def add(rule: str, message: str, severity: Severity | None = None) -> None:
            issues.append(Issue(rule, message, position=position, severity=severity))

        finish = choice.finish_reason
        forced = self.request is not None and self.request.forced_tool
        if choice.calls and finish == "stop" and not forced:
            add(
                "CH256",
                f"choice {choice.index} streamed {len(choice.calls)} tool call(s) but finished with 'stop'",
            )
        if not choice.calls and finish == "tool_calls":
            add("CH257", f"choice {choice.index} finished with 'tool_calls' but streamed no tool call")
        if choice.has_content and choice.has_refusal:
            add("CH341", f"choice {choice.index} has both content and a refusal")
        if (
            choice.refusal_opened
            and not (choice.has_refusal or choice.has_content or choice.calls)
            and finish is not None
        ):
            add(
                "CH343",
                f'choice {choice.index} opened a refusal (refusal: "") but finished {finish!r} with no text',
            )
        for call in choice.calls.values():
            text = "".join(call.arguments)
            if not text:
                add(
                    "CH353",
                    f"tool call {call.index}'s arguments are empty (expected a JSON object, {{}} for none)",
                    Severity.WARNING,
                )
                continue
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError:
                truncated = finish == "length"
                add(
                    "CH353",
                    f"tool call {call.index}'s arguments are not JSON"
                    f"{' (truncated: finish_reason length)' if truncated else ''}: {text[:80]!r}",
                    Severity.WARNING if truncated else None,
                )
                continue
            if not isinstance(value, dict):
                add(
                    "CH353",
                    f"tool call {call.index}'s arguments are JSON but not an object: {text[:80]!r}",
                    Severity.WARNING,
                )
        return issues
