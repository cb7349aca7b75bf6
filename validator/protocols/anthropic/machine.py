"""The state machine of one Anthropic Messages stream (AN004-AN006, AN012, AN1xx beta/unknown
content types, AN2xx, AN3xx).

Theory of operation: :data:`.tables.TRANSITIONS` says what each event type does in each
:class:`~.tables.Phase` (the phase after it, the finding it raises, whether its handler runs);
:data:`.tables.BLOCKS` and :data:`.tables.DELTA_KIND` say which deltas each block takes. The
handlers below only track blocks (open, by index), what their deltas built, the usage counts and
the stop reason.

No check raises on bad input: every violation is an :class:`~validator.findings.Issue`, and the
machine keeps its best understanding of the stream. One root cause, one finding: content before
message_start is reported once and then read as if the message had started; after an ``error``
event, what it leaves unfinished is not reported again; a block whose ``content_block_start`` did
not decode accepts whatever follows.

Where a finding points: at the event where the defect becomes visible. A block never stopped is
reported at the message_delta (or message_stop) that needed it stopped, naming the line where it
started; a tool input that is not JSON at its content_block_stop, with its severity settled once
the stop reason is known (a warning when the message stopped for max_tokens).

Memory: the open blocks (a handful), each tool block's input fragments until its stop, the ids of
tool calls (to pair results with them) and a few counters. Text is never kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from validator.model.events import Event, RawEvent
from validator.model.findings import EventRef, Issue, Position, Severity
from validator.model.values import int_or_none
from validator.protocols.anthropic.tables import (
    AFTER_END,
    BETA_BLOCKS,
    BETA_DELTAS,
    BLOCKS,
    DELTA_KIND,
    ID_PREFIXES,
    TRANSITIONS,
    BlockSpec,
    Kind,
    Phase,
)

__all__ = ["MessageChecker"]

#: Findings that stand even for an event that failed its schema: they are about where the event is,
#: not what its payload says.
_KEPT_FOR_INVALID_EVENTS = frozenset(
    {"AN004", "AN005", "AN201", "AN202", "AN205", "AN206", "AN213", "AN214", "AN216", "AN217", "AN220"}
)
_USAGE_COUNTS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
#: Stop reasons with which a tool_use block may come without stop_reason tool_use (AN305).
_TOOL_STOP_EXEMPT = frozenset(
    {"tool_use", "max_tokens", "pause_turn", "refusal", "model_context_window_exceeded"}
)
_UNKNOWN = BlockSpec(Kind.UNKNOWN)


class _Block:
    __slots__ = ("deltas", "index", "kind", "parts", "ref", "signed", "text", "type")

    def __init__(self, index: int, type_: str, kind: Kind, ref: EventRef) -> None:
        self.index = index
        self.type = type_
        self.kind = kind
        self.ref = ref
        self.deltas = 0
        #: input_json_delta fragments (tool blocks only).
        self.parts: list[str] = []
        #: The block has content: non-empty text at start or a text/citations delta.
        self.text = False
        #: A signature arrived (signature_delta, or a non-empty one at start).
        self.signed = False

    def label(self) -> str:
        return f"{self.type} block {self.index} (started at line {self.ref.position.line})"


class MessageChecker:
    """Checks the events of one Messages stream, in order; see the module docstring."""

    def __init__(self, profile: str = "anthropic", *, fragment: bool = False) -> None:
        self.profile = profile
        self.fragment = fragment
        self.phase = Phase.BEFORE_START
        self.events = 0
        self.issues: list[Issue] = []
        self.event: Event | None = None
        self._ref: EventRef | None = None
        #: Stream-level findings already reported, by (rule, key).
        self.once: set[tuple[str, str]] = set()
        self.open: dict[int, _Block] = {}
        self.started = 0  #: blocks started: the next block's index
        self.block_types: set[str] = set()  #: types of the blocks started, for the stop reason
        self.call_ids: set[str] = set()
        self.usage: dict[str, int] = {}
        self.start_input_tokens: int | None = None
        self.stop_reason: str | None = None
        #: The message_delta that set the stop reason: its consistency with the blocks is judged at
        #: the end, so that a block sent after it (AN216) is not also a missing block.
        self.stop_ref: EventRef | None = None
        self.stop_delta: dict[str, Any] = {}
        #: The open block the last event was a delta of (None otherwise): where a run may go on.
        self.last_delta: _Block | None = None
        #: Content came before message_start (AN201): the late message_start is not a second one.
        self.implicit_start = False
        #: The stream did not start with message_start: blocks may have started before it.
        self.headless = fragment
        #: Tool inputs that are not JSON, waiting for the stop reason to settle their severity.
        self.pending_inputs: list[tuple[EventRef, str]] = []
        self.handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "message_start": self._message_start,
            "content_block_start": self._block_start,
            "content_block_delta": self._block_delta,
            "content_block_stop": self._block_stop,
            "message_delta": self._message_delta,
            "message_stop": self._message_stop,
            "error": self._error,
        }

    # ------------------------------------------------------------------ public API

    def feed(self, event: Event) -> list[Issue]:
        self.events += 1
        self.event, self.issues, self._ref = event, [], None
        self.last_delta = None
        data = event.data
        etype = data.get("type")
        if type(etype) is not str:
            etype = None
        if event.framed:
            name = event.event_name
            if name is None:
                self._once(
                    "AN005", "", "SSE events carry no event: line (anthropic-python skips such events)"
                )
            elif etype is not None and name != etype:
                self.emit("AN004", f"SSE event name {name!r} differs from the payload's type {etype!r}")
        if etype is not None:
            step = TRANSITIONS.get((self.phase, etype))
            if step is None:
                after = AFTER_END.get(self.phase)
                if after is not None:
                    self._after_end(after, etype)
            else:
                handle = step.handle
                if step.rule == "AN202" and self.implicit_start:
                    # The message_start that content came before (AN201): the root cause is reported.
                    self.implicit_start, handle = False, True
                elif step.rule is not None:
                    self._transition_finding(step.rule, etype)
                self.phase = step.to
                if handle:
                    handler = self.handlers.get(etype)
                    if handler is not None:
                        handler(data)
        issues = self.issues
        if not event.schema_ok:
            issues = [i for i in issues if i.rule in _KEPT_FOR_INVALID_EVENTS]
        self.event = None
        return issues

    def takes_runs(self, etype: str) -> bool:
        """Could a run of ``etype`` events go on where the stream is: the last event fed was a
        delta into a block that is still open?"""
        return (
            etype == "content_block_delta" and self.last_delta is not None and self.phase is Phase.IN_MESSAGE
        )

    def feed_run(self, etype: str, events: list[dict[str, Any]]) -> bool:
        """Feed a run of deltas at once (each valid against its schema, framed ``etype``). True when
        each would have taken the usual path of :meth:`feed` with no finding, so that the state is
        the same as after feeding them one by one; otherwise False, and nothing has changed."""
        block = self.last_delta
        if block is None or self.phase is not Phase.IN_MESSAGE or etype != "content_block_delta":
            return False
        kind = block.kind
        index = block.index
        if kind is Kind.JSON:
            key, wanted = "partial_json", "input_json_delta"
        elif kind is Kind.TEXT:
            key, wanted = "text", "text_delta"
        elif kind is Kind.THINKING and not block.signed:
            key, wanted = "thinking", "thinking_delta"
        else:
            return False
        # A thinking run usually ends with the block's signature: the one delta of another type
        # a run may hold, last (after it, thinking_delta would be AN211).
        signs = kind is Kind.THINKING and events[-1].get("delta", {}).get("type") == "signature_delta"
        body = events[:-1] if signs else events
        try:
            for e in body:
                delta = e["delta"]
                if e["index"] != index or delta["type"] != wanted:
                    return False
            parts = [e["delta"][key] for e in body]
            if signs and events[-1]["index"] != index:
                return False
        except (KeyError, TypeError, AttributeError):
            return False
        n = len(events)
        self.events += n
        block.deltas += n
        if kind is Kind.JSON:
            block.parts.extend(parts)
        elif kind is Kind.TEXT:
            block.text = True
        elif signs:
            block.signed = True
        return True

    def shared_string(self, value: str) -> str:
        return value  # Messages events are small: nothing is worth sharing

    def feed_done(self, raw: RawEvent) -> list[Issue]:
        self.issues = []
        self._once("AN006", "", "data: [DONE] sentinel: Messages streams end with message_stop", raw.position)
        return self.issues

    def feed_undecodable(self, raw: RawEvent) -> None:
        """An event whose JSON failed (already reported): move on as its ``event:`` name says."""
        self.events += 1
        name = raw.event_name
        if name is None:
            return
        step = TRANSITIONS.get((self.phase, name))
        if step is not None:
            self.phase = step.to
        if name == "content_block_start" and self.phase is not Phase.STOPPED:
            # Its index is unknown: whatever names the next index belongs to it.
            ref = EventRef(raw.index, raw.position, None, name)
            self.open[self.started] = _Block(self.started, "unknown", Kind.UNKNOWN, ref)
            self.started += 1

    def finish(self, end: Position) -> list[Issue]:
        self.issues = []
        if self.events == 0:
            return [Issue("AN012", "the stream contains no events", position=end)]
        self._flush_inputs(None)
        if self.phase is not Phase.STOPPED:
            self._check_stop_reason()
        if not self.fragment and self.phase in (Phase.BEFORE_START, Phase.IN_MESSAGE, Phase.AFTER_DELTA):
            self.issues.append(
                Issue(
                    "AN218",
                    f"the stream ends {self.phase.value} without message_stop or an error event (truncated)",
                    position=end,
                )
            )
        return self.issues

    # ------------------------------------------------------------------ reporting

    def ref(self) -> EventRef:
        if self._ref is None:
            e = self.event
            assert e is not None
            self._ref = EventRef(e.index, e.position, None, e.type)
        return self._ref

    def emit(
        self, rule: str, message: str, *, event: EventRef | None = None, severity: Severity | None = None
    ) -> None:
        self.issues.append(Issue(rule, message, event=event, severity=severity))

    def _once(self, rule: str, key: str, message: str, position: Position | None = None) -> None:
        if (rule, key) not in self.once:
            self.once.add((rule, key))
            self.issues.append(Issue(rule, message, position=position))

    def _transition_finding(self, rule: str, etype: str) -> None:
        if rule == "AN201":
            self.implicit_start = self.headless = True
            if not self.fragment:
                self._once(
                    rule, "", f"{etype} before message_start (the SDK raises 'Unexpected event order')"
                )
        elif rule == "AN202":
            self.emit(rule, "second message_start: a stream has exactly one")
        elif rule == "AN213":
            self.emit(rule, "message_stop without a message_delta: the message has no stop_reason")
            self._close_open("message_stop")
            self._flush_inputs(None)
        elif rule == "AN214":
            self.emit(rule, "another message_delta: a stream has one")
        elif rule == "AN216":
            self._once(rule, "", f"{etype} after message_delta: the content is already closed")
        else:
            self._after_end(rule, etype)

    def _after_end(self, rule: str, etype: str) -> None:
        if rule == "AN217":
            self._once(rule, "", f"{etype} after message_stop: clients stop reading at message_stop")
        else:
            self._once(rule, "", f"{etype} after an error event: the stream ended there")

    # ------------------------------------------------------------------ handlers

    def _message_start(self, data: dict[str, Any]) -> None:
        message = data.get("message")
        if not isinstance(message, dict):
            return
        content = message.get("content")
        if isinstance(content, list) and content:
            self.emit("AN203", f"message_start carries {len(content)} content block(s); it must be empty")
        if message.get("stop_reason") is not None:
            self.emit(
                "AN204", f"message_start carries stop_reason {message.get('stop_reason')!r}; it is null there"
            )
        self._check_id("message", message.get("id"))
        usage = message.get("usage")
        if isinstance(usage, dict):
            for key in _USAGE_COUNTS:
                value = int_or_none(usage.get(key))
                if value is not None:
                    self.usage[key] = value
            self.start_input_tokens = int_or_none(usage.get("input_tokens"))

    def _block_start(self, data: dict[str, Any]) -> None:
        index = int_or_none(data.get("index"))
        block = data.get("content_block")
        btype = block.get("type") if isinstance(block, dict) else None
        if not isinstance(btype, str) or index is None:
            return  # the schema layer reports it
        if self.headless and self.started == 0 and not self.open:
            self.started = index  # blocks before the excerpt are unknown
        if index != self.started:
            self.emit(
                "AN205",
                f"content_block_start index {index}, expected {self.started} (blocks are numbered 0, 1, 2 "
                f"… in start order)",
            )
        if self.open:
            others = ", ".join(b.label() for b in self.open.values())
            self.emit("AN207", f"{btype} block {index} starts while {others} is still open")
        spec = BLOCKS.get(btype)
        if spec is None:
            self._once("AN105", btype, f"unknown content block type {btype!r}")
            spec = _UNKNOWN
        elif btype in BETA_BLOCKS:
            self._once(
                "AN104", btype, f"beta content block type {btype!r} (accepted; unknown to the GA types)"
            )
        assert isinstance(block, dict)
        b = _Block(index, btype, spec.kind, self.ref())
        if spec.kind is Kind.TEXT:
            b.text = bool(block.get("text"))
        elif spec.kind is Kind.THINKING:
            b.signed = bool(block.get("signature"))
        if spec.call:
            call_id = block.get("id")
            if isinstance(call_id, str):
                self.call_ids.add(call_id)
            self._check_id(btype, call_id)
        if spec.result:
            use_id = block.get("tool_use_id")
            if isinstance(use_id, str) and use_id not in self.call_ids:
                self.emit(
                    "AN306",
                    f"{btype} block {index} answers tool_use_id {use_id!r}, which no earlier call has",
                )
        self.block_types.add(btype)
        self.open[index] = b
        self.started = max(self.started, index) + 1

    def _block_delta(self, data: dict[str, Any]) -> None:
        index = int_or_none(data.get("index"))
        delta = data.get("delta")
        dtype = delta.get("type") if isinstance(delta, dict) else None
        if index is None or not isinstance(dtype, str):
            return
        assert isinstance(delta, dict)
        block = self.open.get(index)
        if block is None:
            block = self._missing_block(index, "content_block_delta")
            if block is None:
                return
        block.deltas += 1
        kind = DELTA_KIND.get(dtype)
        if kind is None:
            self._once("AN105", dtype, f"unknown delta type {dtype!r} (the SDK drops it)")
            return
        if dtype in BETA_DELTAS:
            self._once("AN104", dtype, f"beta delta type {dtype!r} (accepted; unknown to the GA types)")
        if kind is not block.kind:
            if block.kind is not Kind.UNKNOWN:
                self.emit("AN209", f"{dtype} on {block.label()}: the SDK drops it, Claude Code fails")
            return
        if not self.issues and self.event is not None and self.event.schema_ok:
            self.last_delta = block  # a run of the same deltas may follow (feed_run)
        if kind is Kind.TEXT:
            block.text = True
        elif kind is Kind.JSON:
            part = delta.get("partial_json")
            if isinstance(part, str):
                block.parts.append(part)
        elif kind is Kind.THINKING:
            if block.signed and (dtype == "thinking_delta" or block.deltas > 1):
                what = "thinking_delta" if dtype == "thinking_delta" else "a second signature_delta"
                self.emit("AN211", f"{what} after the signature of {block.label()}")
            if dtype == "signature_delta":
                block.signed = True

    def _block_stop(self, data: dict[str, Any]) -> None:
        index = int_or_none(data.get("index"))
        if index is None:
            return
        block = self.open.pop(index, None)
        if block is None:
            self._missing_block(index, "content_block_stop")
            self.open.pop(index, None)
            return
        kind = block.kind
        if kind is Kind.JSON:
            self._check_input(block)
        elif kind is Kind.TEXT:
            if not block.text:
                self.emit("AN212", f"{block.label()} has no text: no delta, and empty at its start")
        elif kind is Kind.THINKING and not block.signed:
            self.emit("AN210", f"{block.label()} ends without a signature_delta")

    def _message_delta(self, data: dict[str, Any]) -> None:
        self._close_open("message_delta")
        delta = data.get("delta")
        if isinstance(delta, dict):
            reason = delta.get("stop_reason")
            if reason is None:
                self.emit("AN215", "message_delta has no stop_reason")
            elif isinstance(reason, str):
                self.stop_reason, self.stop_ref, self.stop_delta = reason, self.ref(), delta
            if "stop_sequence" not in delta:
                self._once("AN221", "", "message_delta.delta has no stop_sequence key (the API sends null)")
        usage = data.get("usage")
        if isinstance(usage, dict):
            self._check_usage(usage)
        self._flush_inputs(self.stop_reason)

    def _message_stop(self, data: dict[str, Any]) -> None:
        self._flush_inputs(self.stop_reason)
        self._check_stop_reason()

    def _error(self, data: dict[str, Any]) -> None:
        error = data.get("error")
        what = ""
        if isinstance(error, dict):
            what = ": " + ", ".join(
                str(error[k]) for k in ("type", "message") if isinstance(error.get(k), str)
            )
        self.emit("AN219", f"the stream failed with an error event{what}")
        # Tool inputs already stopped still stand; open blocks are the error's doing.
        self._flush_inputs(None)
        self.open.clear()

    # ------------------------------------------------------------------ checks

    def _missing_block(self, index: int, etype: str) -> _Block | None:
        """A delta or stop for a block that is not open: reported, unless the stream is an excerpt
        that may have started the block before it (then a phantom takes it)."""
        if self.headless and index >= self.started:
            block = _Block(index, "unknown", Kind.UNKNOWN, self.ref())
            self.open[index] = block
            self.started = index + 1
            return block
        state = "was already stopped" if index < self.started else "was never started"
        self.emit("AN206", f"{etype} for block {index}, which {state}")
        return None

    def _close_open(self, etype: str) -> None:
        for block in self.open.values():
            self.emit("AN208", f"{block.label()} is still open at {etype}: it is never stopped")
        self.open.clear()

    def _check_input(self, block: _Block) -> None:
        text = "".join(block.parts)
        block.parts = []
        if not text:
            return  # no fragment, or only empty ones: the input is {}
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            shown = text if len(text) <= 80 else text[:77] + "…"
            problem = f"is not valid JSON ({exc}): {shown!r}"
        else:
            if isinstance(value, dict):
                return
            problem = f"is JSON but not an object: {text[:80]!r}"
        self.pending_inputs.append(
            (self.ref(), f"the input_json_delta fragments of {block.label()} {problem}")
        )

    def _flush_inputs(self, stop_reason: str | None) -> None:
        severity = Severity.WARNING if stop_reason == "max_tokens" else None
        for ref, message in self.pending_inputs:
            if severity is not None:
                message += " (cut by max_tokens)"
            self.issues.append(Issue("AN301", message, event=ref, severity=severity))
        self.pending_inputs = []

    def _check_stop_reason(self) -> None:
        """The stop reason against the blocks, once the message is over (reported at its message_delta)."""
        reason, ref, delta = self.stop_reason, self.stop_ref, self.stop_delta
        if reason is None or ref is None:
            return
        self.stop_ref = None  # judged once
        has_tool = "tool_use" in self.block_types
        if reason == "tool_use" and not has_tool and not self.headless:
            self.emit("AN304", "stop_reason tool_use, but the message has no tool_use block", event=ref)
        elif has_tool and reason not in _TOOL_STOP_EXEMPT:
            message = f"the message has a tool_use block but stop_reason {reason!r}: the call is dropped"
            self.emit("AN305", message, event=ref)
        sequence = delta.get("stop_sequence")
        if (reason == "stop_sequence") != isinstance(sequence, str) and "stop_sequence" in delta:
            self.emit("AN308", f"stop_reason {reason!r} with stop_sequence {sequence!r}", event=ref)

    def _check_usage(self, usage: dict[str, Any]) -> None:
        # With server-side compaction (beta ``iterations``), the top-level input and cache counts are
        # the last iteration's, not the message's (corpus-anthropic 006): only output_tokens accumulates.
        keys = ("output_tokens",) if usage.get("iterations") else _USAGE_COUNTS
        for key in keys:
            value = int_or_none(usage.get(key))
            if value is None:
                continue
            before = self.usage.get(key)
            if before is not None and value < before:
                self._once(
                    "AN302",
                    key,
                    f"usage.{key} {value} is less than the earlier {before} (counts are cumulative)",
                )
            self.usage[key] = value
        given = int_or_none(usage.get("input_tokens"))
        if self.start_input_tokens == 0 and given:
            self._once("AN303", "", f"message_start reported 0 input tokens, message_delta reports {given}")

    def _check_id(self, kind: str, value: Any) -> None:
        prefix = ID_PREFIXES.get(kind)
        if prefix is not None and isinstance(value, str) and not value.startswith(prefix):
            self._once("AN307", kind, f"{kind} id {value[:40]!r} does not start with {prefix!r}")
