"""The outline of an Anthropic Messages stream, filled while the engine checks it.

One lane per content block, from ``content_block_start`` to ``content_block_stop`` (its type, and
the tool's name or id), its deltas counted on the event axis (with the characters of text,
thinking or tool input they carried), ``signature_delta`` and ``citations_delta`` as marks; the
message's phases (``message_start``, ``message_delta`` with its stop reason, ``error``) as the
band; ``message_stop`` as the terminal event, the stop reason as the status and the usage of
``message_start`` updated by ``message_delta``. Like the Responses outline it judges nothing:
a block started twice gets a second lane, a delta for a block never started opens a lane with
no start.
"""

from __future__ import annotations

from typing import Any

from validator.model.events import Event, RawEvent, RawRun
from validator.model.outline import Lane, Mark, Outline, Phase
from validator.model.values import int_or_none, str_or_none

__all__ = ["AnthropicOutline"]

#: The delta field that carries each delta type's text, for the character count.
_DELTA_TEXT = {
    "text_delta": "text",
    "input_json_delta": "partial_json",
    "thinking_delta": "thinking",
    "citations_delta": None,
    "signature_delta": None,
}
#: Delta types drawn as marks rather than counted as streamed text.
_MARKS = {"signature_delta": "signature", "citations_delta": "citation"}


class AnthropicOutline:
    """Fed like the state machine; :meth:`finish` gives the outline."""

    def __init__(self) -> None:
        self.outline = Outline("anthropic", "message")
        #: The lane each block index currently stands for: the last one started.
        self.blocks: dict[int, Lane] = {}
        self.stop_reason: str | None = None

    def feed(self, event: Event) -> None:
        self._feed(event.data, event.index, event.position.line)

    def feed_run(self, run: RawRun, events: list[Any], start: int) -> None:
        # A run the fast lane took whole: deltas of one block, drawn one by one as if fed.
        for k, data in enumerate(events, start):
            self._feed(data, run.index + k, run.line(k))

    def _feed(self, data: dict[str, Any], index: int, line: int) -> None:
        etype = str_or_none(data.get("type"))
        self.outline.reach(index)
        handler = _HANDLERS.get(etype or "")
        if handler is None:
            other = self.outline.other
            key = etype or "(no type)"
            other[key] = other.get(key, 0) + 1
            return
        handler(self, data, index, line)

    def feed_done(self, raw: RawEvent) -> None:
        self.outline.marks.append(Mark(raw.index, raw.position.line, "[DONE]"))

    def feed_undecodable(self, raw: RawEvent) -> None:
        self.outline.reach(raw.index)
        self.outline.marks.append(Mark(raw.index, raw.position.line, "undecodable event"))

    def finish(self, events: int) -> Outline:
        self.outline.events = events
        if self.outline.status is None:
            self.outline.status = self.stop_reason
        return self.outline

    # ------------------------------------------------------------------ events

    def _message_start(self, data: dict[str, Any], index: int, line: int) -> None:
        self.outline.phases.append(Phase("message_start", index, line))
        message = data.get("message")
        usage = message.get("usage") if isinstance(message, dict) else None
        if isinstance(usage, dict):
            self.outline.usage = dict(usage)

    def _message_delta(self, data: dict[str, Any], index: int, line: int) -> None:
        delta = data.get("delta")
        reason = str_or_none(delta.get("stop_reason")) if isinstance(delta, dict) else None
        self.stop_reason = reason or self.stop_reason
        self.outline.phases.append(Phase(f"stop: {reason}" if reason else "message_delta", index, line))
        usage = data.get("usage")
        if isinstance(usage, dict):
            self.outline.usage = {**(self.outline.usage or {}), **usage}

    def _message_stop(self, data: dict[str, Any], index: int, line: int) -> None:
        self.outline.terminal = Mark(index, line, "message_stop")
        self.outline.status = self.stop_reason or "stopped"
        self.outline.phases.append(Phase("message_stop", index, line))

    def _error(self, data: dict[str, Any], index: int, line: int) -> None:
        error = data.get("error")
        kind = str_or_none(error.get("type")) if isinstance(error, dict) else None
        self.outline.phases.append(Phase("error", index, line))
        self.outline.terminal = Mark(index, line, f"error {kind}" if kind else "error")
        self.outline.status = "error"

    def _block_start(self, data: dict[str, Any], index: int, line: int) -> None:
        block = data.get("content_block")
        block = block if isinstance(block, dict) else {}
        lane = self._new(int_or_none(data.get("index")), str_or_none(block.get("type")) or "block", block)
        lane.start, lane.start_line = index, line

    def _block_delta(self, data: dict[str, Any], index: int, line: int) -> None:
        lane = self._block(data)
        delta = data.get("delta")
        delta = delta if isinstance(delta, dict) else {}
        kind = str_or_none(delta.get("type")) or "delta"
        mark = _MARKS.get(kind)
        if mark is not None:
            lane.marks.append(Mark(index, line, mark))
            return
        lane.deltas.add(index, self.outline.width)
        text = delta.get(_DELTA_TEXT.get(kind) or "text")
        if isinstance(text, str):
            lane.chars += len(text)

    def _block_stop(self, data: dict[str, Any], index: int, line: int) -> None:
        lane = self._block(data)
        if lane.end is not None:
            lane = self._new(int_or_none(data.get("index")), lane.kind, {})
        lane.end, lane.end_line = index, line

    def _ping(self, data: dict[str, Any], index: int, line: int) -> None:
        other = self.outline.other
        other["ping"] = other.get("ping", 0) + 1

    # ------------------------------------------------------------------ lanes

    def _block(self, data: dict[str, Any]) -> Lane:
        block = int_or_none(data.get("index"))
        lane = self.blocks.get(block) if block is not None else None
        return lane if lane is not None else self._new(block, "unknown", {})

    def _new(self, block: int | None, kind: str, content: dict[str, Any]) -> Lane:
        name = str_or_none(content.get("name")) or str_or_none(content.get("id"))
        where = f"#{block}" if block is not None else "#?"
        lane = Lane(f"block{len(self.outline.lanes)}", kind, " ".join(p for p in (where, kind, name) if p))
        self.outline.lanes.append(lane)
        if block is not None:
            self.blocks[block] = lane
        return lane


_HANDLERS = {
    "message_start": AnthropicOutline._message_start,
    "message_delta": AnthropicOutline._message_delta,
    "message_stop": AnthropicOutline._message_stop,
    "error": AnthropicOutline._error,
    "content_block_start": AnthropicOutline._block_start,
    "content_block_delta": AnthropicOutline._block_delta,
    "content_block_stop": AnthropicOutline._block_stop,
    "ping": AnthropicOutline._ping,
}
