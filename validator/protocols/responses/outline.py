"""The outline of a Responses stream, filled while the engine checks it.

The builder reads the same decoded events the state machine is fed (and the runs of deltas
the fast lane takes whole) and draws from them what a person looks at: the response's
phases, one lane per output item from ``output_item.added`` to ``output_item.done`` with its
parts as sub-lanes, delta counts per bin of the event axis, hosted-tool status steps, text
done events and annotations as marks, and the terminal event with its status and usage.

It judges nothing: a stream that breaks every rule still gets its picture (an item closed
twice gets a second lane, a delta for an item never added opens a lane with no start), and
the findings are drawn over it. What an event means comes from the tables in
``families`` (which action, which part kind, which text), like for the state machine.
"""

from __future__ import annotations

from typing import Any

from validator.model.events import Event, RawEvent, RawRun
from validator.model.outline import Lane, Mark, Outline, Phase
from validator.model.values import int_or_none, str_or_none
from validator.protocols.responses.families import EVENTS, LIFECYCLE, PART_KINDS, Action, EventSpec

__all__ = ["ResponsesOutline"]

_PHASE_NAMES = {
    "response.created": "created",
    "response.queued": "queued",
    "response.in_progress": "in_progress",
    "error": "error",
}


class ResponsesOutline:
    """Fed like the state machine (:meth:`feed`, :meth:`feed_run`, ...); :meth:`finish` gives the outline."""

    def __init__(self) -> None:
        self.outline = Outline("responses")
        #: The lane an output_index (or an item id) currently stands for: the last one added.
        self.by_index: dict[int, Lane] = {}
        self.by_id: dict[str, Lane] = {}
        #: Lanes for deltas that belong to the response, not to an item (audio).
        self.unscoped: dict[str, Lane] = {}

    # ------------------------------------------------------------------ feeding

    def feed(self, event: Event) -> None:
        data = event.data
        etype = str_or_none(data.get("type"))
        index = event.index
        self.outline.reach(index)
        if etype is None:
            self._other("(no type)")
            return
        spec = EVENTS.get(etype)
        if spec is not None:
            self._item_event(spec, etype, data, index, event.position.line)
            return
        if etype in LIFECYCLE:
            self._lifecycle(etype, data, index, event.position.line)
            return
        self._other(etype)

    def feed_run(self, run: RawRun, events: list[dict[str, Any]], start: int) -> None:
        """A run of deltas the fast lane took whole, from ``start`` on: all for one text of one item."""
        spec = EVENTS[run.name]
        first = run.index + start
        n = len(events)
        self.outline.reach(first + n - 1)
        lane = self._delta_lane(spec, events[0], first, None)
        lane.deltas.add(first, self.outline.width, n)
        lane.chars += sum(len(d) for e in events if type(d := e.get("delta")) is str)

    def feed_done(self, raw: RawEvent) -> None:
        self.outline.marks.append(Mark(raw.index, raw.position.line, "[DONE]"))

    def feed_undecodable(self, raw: RawEvent) -> None:
        self.outline.reach(raw.index)
        self.outline.marks.append(Mark(raw.index, raw.position.line, "undecodable event"))

    def finish(self, events: int) -> Outline:
        self.outline.events = events
        return self.outline

    # ------------------------------------------------------------------ response events

    def _lifecycle(self, etype: str, data: dict[str, Any], index: int, line: int) -> None:
        outline = self.outline
        response = data.get("response")
        status = str_or_none(response.get("status")) if isinstance(response, dict) else None
        if LIFECYCLE[etype].terminal:
            outline.terminal = Mark(index, line, etype)
            outline.status = status or etype.rpartition(".")[2]
            usage = response.get("usage") if isinstance(response, dict) else None
            outline.usage = usage if isinstance(usage, dict) else None
            outline.phases.append(Phase(outline.status, index, line))
            return
        outline.phases.append(Phase(_PHASE_NAMES[etype], index, line))

    def _other(self, etype: str) -> None:
        other = self.outline.other
        other[etype] = other.get(etype, 0) + 1

    # ------------------------------------------------------------------ item events

    def _item(self, data: dict[str, Any], index: int, line: int) -> Lane:
        """The lane an event addresses; a lane with no start when the stream never added it."""
        output_index = int_or_none(data.get("output_index"))
        item_id = str_or_none(data.get("item_id"))
        lane = self.by_index.get(output_index) if output_index is not None else None
        if lane is None and item_id is not None:
            lane = self.by_id.get(item_id)
        if lane is None:
            lane = self._new_item(output_index, item_id, "unknown", index, line, started=False)
        return lane

    def _new_item(
        self,
        output_index: int | None,
        item_id: str | None,
        kind: str,
        index: int,
        line: int,
        *,
        started: bool,
    ) -> Lane:
        where = f"#{output_index}" if output_index is not None else "#?"
        label = " ".join(p for p in (where, kind, item_id) if p)
        lane = Lane(f"item{len(self.outline.lanes)}", kind, label)
        if started:
            lane.start, lane.start_line = index, line
        self.outline.lanes.append(lane)
        if output_index is not None:
            self.by_index[output_index] = lane
        if item_id is not None:
            self.by_id[item_id] = lane
        return lane

    def _item_event(self, spec: EventSpec, etype: str, data: dict[str, Any], index: int, line: int) -> None:
        action = spec.action
        if action is Action.DELTA:
            lane = self._delta_lane(spec, data, index, line)
            lane.deltas.add(index, self.outline.width)
            delta = data.get("delta")
            if type(delta) is str:
                lane.chars += len(delta)
            return
        if spec.unscoped:
            lane = self._unscoped(spec, index, line)
            lane.marks.append(Mark(index, line, etype.rpartition(".")[2]))
            return
        if action is Action.ITEM_ADDED:
            self._added(data, index, line)
        elif action is Action.ITEM_DONE:
            self._done(data, index, line)
        elif action is Action.PART_ADDED or action is Action.PART_DONE:
            item = self._item(data, index, line)
            part = self._part(
                item, spec.part_kind or "content", data, index, line, opening=action is Action.PART_ADDED
            )
            if action is Action.PART_ADDED:
                part.start, part.start_line = index, line
                part.kind = self._part_type(data) or part.kind
            else:
                part.end, part.end_line = index, line
        elif action is Action.TEXT_DONE:
            item = self._item(data, index, line)
            target = self._text_target(spec, item, data, index, line)
            target.marks.append(Mark(index, line, "done"))
            kind = spec.family.part_kind if spec.family else None
            if kind is not None and PART_KINDS[kind].closed_by_text_done and target is not item:
                target.end, target.end_line = index, line
        elif action is Action.ANNOTATION:
            item = self._item(data, index, line)
            self._text_target(spec, item, data, index, line).marks.append(Mark(index, line, "annotation"))
        elif action is Action.STATUS:
            item = self._item(data, index, line)
            item.marks.append(Mark(index, line, etype.rpartition(".")[2]))

    def _added(self, data: dict[str, Any], index: int, line: int) -> None:
        item = data.get("item")
        item = item if isinstance(item, dict) else {}
        kind = str_or_none(item.get("type")) or "item"
        lane = self._new_item(
            int_or_none(data.get("output_index")),
            str_or_none(item.get("id")),
            kind,
            index,
            line,
            started=True,
        )
        lane.status = str_or_none(item.get("status"))

    def _done(self, data: dict[str, Any], index: int, line: int) -> None:
        item = data.get("item")
        item = item if isinstance(item, dict) else {}
        output_index = int_or_none(data.get("output_index"))
        item_id = str_or_none(item.get("id"))
        lane = self.by_index.get(output_index) if output_index is not None else None
        if lane is None and item_id is not None:
            lane = self.by_id.get(item_id)
        if lane is None or lane.end is not None:
            # Never added, or closed already: a lane of its own, so that neither picture lies.
            lane = self._new_item(
                output_index, item_id, str_or_none(item.get("type")) or "item", index, line, started=False
            )
        lane.end, lane.end_line = index, line
        lane.status = str_or_none(item.get("status")) or lane.status
        if lane.kind in ("unknown", "item"):
            lane.kind = str_or_none(item.get("type")) or lane.kind

    # ------------------------------------------------------------------ parts and texts

    @staticmethod
    def _part_type(data: dict[str, Any]) -> str | None:
        part = data.get("part")
        return str_or_none(part.get("type")) if isinstance(part, dict) else None

    def _part(
        self, item: Lane, kind: str, data: dict[str, Any], index: int, line: int, *, opening: bool
    ) -> Lane:
        part_index = int_or_none(data.get(PART_KINDS[kind].index_field))
        key = f"{item.key}.{kind}{'' if part_index is None else part_index}"
        for part in reversed(item.children):
            if part.key == key and not (opening and part.start is not None):
                return part
        where = "?" if part_index is None else part_index
        part = Lane(key, kind, f"{kind} {where}")
        item.children.append(part)
        return part

    def _text_target(self, spec: EventSpec, item: Lane, data: dict[str, Any], index: int, line: int) -> Lane:
        """The part a text event writes to, or the item itself when its text has no part."""
        kind = (spec.family.part_kind if spec.family is not None else None) or spec.part_kind
        if kind is None:
            return item
        return self._part(item, kind, data, index, line, opening=False)

    def _delta_lane(self, spec: EventSpec, data: dict[str, Any], index: int, line: int | None) -> Lane:
        if spec.unscoped:
            return self._unscoped(spec, index, line)
        item = self._item(data, index, line or 0)
        return self._text_target(spec, item, data, index, line or 0)

    def _unscoped(self, spec: EventSpec, index: int, line: int | None) -> Lane:
        name = spec.family.name if spec.family else "response"
        lane = self.unscoped.get(name)
        if lane is None:
            lane = self.unscoped[name] = Lane(f"response.{name}", name, f"response {name}")
            self.outline.lanes.append(lane)
        return lane
