"""The outline of a Chat Completions stream, filled while the engine checks it.

One lane per choice (``choices[].index``), from its first chunk to the chunk that gives it a
``finish_reason`` (its status), its content, refusal and reasoning deltas counted on the event
axis with the characters they carried; under it, one sub-lane per tool call (``tool_calls[].index``,
labelled with the function's name), its argument fragments counted the same way, closed with its
choice. The stream's phases as the band (the first chunk, the usage chunk, the moderation chunk,
an in-band error); ``[DONE]`` (or the in-band error) as the terminal event, the choices' finish
reasons as the status, the usage chunk's usage. Like the other outlines it judges nothing: a
chunk for a finished choice is drawn in its lane, a second finish reason is a mark.
"""

from __future__ import annotations

from typing import Any

from validator.model.events import Event, RawEvent, RawRun
from validator.model.outline import Lane, Mark, Outline, Phase
from validator.model.values import int_or_none, str_or_none
from validator.protocols.chat.kinds import Kind, classify

__all__ = ["ChatOutline"]

#: Delta members whose text is streamed content, for the delta count and the characters.
_TEXT = ("content", "refusal", "reasoning_content", "reasoning")
#: The phase each kind of payload opens (content chunks: only the first).
_PHASES = {Kind.USAGE: "usage", Kind.MODERATION: "moderation", Kind.ERROR: "error"}


class ChatOutline:
    """Fed like the state machine; :meth:`finish` gives the outline."""

    def __init__(self) -> None:
        self.outline = Outline("chat", "completion")
        self.choices: dict[int, Lane] = {}
        #: (choice index, tool call index) -> the call's lane.
        self.calls: dict[tuple[int, int], Lane] = {}
        self.streaming = False

    def feed(self, event: Event) -> None:
        self._feed(event.data, event.index, event.position.line)

    def feed_run(self, run: RawRun, events: list[Any], start: int) -> None:
        # Chunks the fast lane took whole: drawn one by one as if fed.
        for k, data in enumerate(events, start):
            self._feed(data, run.index + k, run.line(k))

    def feed_done(self, raw: RawEvent) -> None:
        outline = self.outline
        if outline.terminal is None:
            outline.terminal = Mark(raw.index, raw.position.line, "[DONE]")
        else:
            outline.marks.append(Mark(raw.index, raw.position.line, "[DONE]"))

    def feed_undecodable(self, raw: RawEvent) -> None:
        self.outline.reach(raw.index)
        self.outline.marks.append(Mark(raw.index, raw.position.line, "undecodable event"))

    def finish(self, events: int) -> Outline:
        outline = self.outline
        outline.events = events
        if outline.status is None:
            reasons = list(dict.fromkeys(lane.status for lane in self.choices.values() if lane.status))
            outline.status = ", ".join(reasons) if reasons else None
        return outline

    # ------------------------------------------------------------------ payloads

    def _feed(self, data: dict[str, Any], index: int, line: int) -> None:
        outline = self.outline
        outline.reach(index)
        kind = classify(data)
        if kind is Kind.ANNOTATION:
            outline.other["azure annotation"] = outline.other.get("azure annotation", 0) + 1
            return
        phase = _PHASES.get(kind)
        if phase is None and not self.streaming:
            phase, self.streaming = "chunks", True
        if phase is not None:
            outline.phases.append(Phase(phase, index, line))
        usage = data.get("usage")
        if isinstance(usage, dict):
            outline.usage = dict(usage)
        if kind is Kind.ERROR or (kind is Kind.CHUNK and data.get("error")):
            error = data.get("error")
            message = error.get("type") or error.get("code") if isinstance(error, dict) else None
            outline.terminal = Mark(index, line, f"error {message}" if isinstance(message, str) else "error")
            outline.status = "error"
            return
        choices = data.get("choices")
        if isinstance(choices, list):
            for entry in choices:
                if isinstance(entry, dict):
                    self._entry(entry, index, line)

    def _entry(self, entry: dict[str, Any], index: int, line: int) -> None:
        number = int_or_none(entry.get("index"))
        if number is None:
            return
        delta = entry.get("delta")
        delta = delta if isinstance(delta, dict) else {}
        lane = self.choices.get(number)
        if lane is None:
            role = str_or_none(delta.get("role"))
            label = f"choice {number}" + (f" {role}" if role else "")
            lane = self.choices[number] = Lane(f"choice{number}", "choice", label, index, line)
            self.outline.lanes.append(lane)
        width = self.outline.width
        chars = sum(len(v) for v in map(delta.get, _TEXT) if isinstance(v, str))
        if chars:
            lane.deltas.add(index, width)
            lane.chars += chars
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            for fragment in calls:
                if isinstance(fragment, dict):
                    self._fragment(number, lane, fragment, index, line)
        finish = str_or_none(entry.get("finish_reason"))
        if finish is not None:
            if lane.status is None:
                lane.status, lane.end, lane.end_line = finish, index, line
                for child in lane.children:
                    child.end, child.end_line = index, line
            else:
                lane.marks.append(Mark(index, line, f"finish again: {finish}"))

    def _fragment(self, number: int, choice: Lane, fragment: dict[str, Any], index: int, line: int) -> None:
        k = int_or_none(fragment.get("index"))
        key = (number, k if k is not None else -1)
        function = fragment.get("function")
        function = function if isinstance(function, dict) else {}
        lane = self.calls.get(key)
        if lane is None:
            name = str_or_none(function.get("name"))
            label = f"tool_call {k if k is not None else '?'}" + (f" {name}" if name else "")
            lane = self.calls[key] = Lane(f"choice{number}.call{len(choice.children)}", "tool_call", label)
            lane.start, lane.start_line = index, line
            choice.children.append(lane)
        arguments = function.get("arguments")
        if isinstance(arguments, str) and arguments:
            lane.deltas.add(index, self.outline.width)
            lane.chars += len(arguments)
