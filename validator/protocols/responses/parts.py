"""Parts and text streams of an item (RSP240-RSP249, RSP301-RSP303, RSP306, RSP307, RSP311, RSP313).

A **part** is an indexed sub-object of an item opened and closed by its own events
(content parts, reasoning summary parts, shell commands; :data:`.families.PART_KINDS`).
A **text stream** is the deltas of one text and its done event
(:class:`.consistency.TextStream`), keyed by (family, index) on the item, or on the
response for the unscoped audio families.

An event for a part never added is reported once (RSP240) and the part is opened as a
phantom. The part of an item that is itself unknown (RSP220) is not reported again.

The final text of each closed part or stream is kept on the item (``Item.finals``) until
its output_item.done, which :func:`check_item_texts` compares with it.
"""

from __future__ import annotations

import operator
from itertools import chain
from typing import Any, Protocol, TypeGuard

from validator.model.values import int_or_none, str_or_none
from validator.protocols.responses.consistency import (
    Finals,
    TextStream,
    annotation_issues,
    done_field,
    extract,
    part_count_issue,
    span_issues,
    text_issue,
)
from validator.protocols.responses.context import EventContext, mismatched
from validator.protocols.responses.families import (
    PART_FAMILY,
    PART_KINDS,
    EventSpec,
    TextFamily,
    content_part_item_types,
)
from validator.protocols.responses.records import Item, ItemRecord, Part


class ItemLookup(Protocol):
    """What the part machine asks of the item machine (:class:`.items.ItemTracker`): declared
    here, so that parts need not import the tracker that drives them."""

    def lookup(
        self, spec: EventSpec, data: dict[str, Any]
    ) -> tuple[int | None, str | None, ItemRecord | None, ItemRecord | None, ItemRecord | None]: ...

    def resolve(self, spec: EventSpec, data: dict[str, Any]) -> ItemRecord | None: ...

    def usable(
        self, item: ItemRecord, spec: EventSpec, allowed: frozenset[str] | None
    ) -> TypeGuard[Item]: ...


__all__ = ["Part", "PartTracker", "check_item_texts", "check_unclosed", "stream_index"]

_INT = {int}
_OUTPUT_INDEX = operator.itemgetter("output_index")
_ITEM_ID = operator.itemgetter("item_id")


def stream_index(family: TextFamily, data: dict[str, Any]) -> int | None:
    return int_or_none(data.get(family.index_field)) if family.index_field else None


# --------------------------------------------------------------------------- at output_item.done


def check_unclosed(ctx: EventContext, item: Item) -> None:
    """RSP244 and RSP247: output_item.done closes the item with a part or a text still open."""
    for part in item.parts.values():
        # A part that was never added is already reported (RSP240).
        if part.open and not part.phantom:
            ctx.emit(
                "RSP244",
                f"{part.label()} of {item.label()} (added at line {part.ref.position.line}) is never closed",
            )
    for stream in item.streams.values():
        name = stream.family.name
        if stream.family.part_kind is None and stream.deltas and not stream.done:
            ctx.emit("RSP247", f"{name} of {item.label()} has deltas but no {name}.done event")


def check_item_texts(ctx: EventContext, item: Item, raw: dict[str, Any]) -> None:
    """RSP303: the done item holds every streamed part, each with its streamed text."""
    # A part missing from the done item is one finding, not one per missing text.
    if not _part_counts(ctx, item, raw):
        _texts(ctx, item, raw)


def _part_counts(ctx: EventContext, item: Item, raw: dict[str, Any]) -> bool:
    """RSP303 when the done item holds fewer parts than were added; True if reported."""
    if not item.parts:
        return False
    # Parts never added are already reported (RSP240), so they do not count here.
    counts: dict[str, int] = {}
    for (name, _), part in item.parts.items():
        if not part.phantom:
            counts[name] = counts.get(name, 0) + 1
    for kind in PART_KINDS.values():
        streamed = counts.get(kind.name, 0)
        if kind.item_field is None or not streamed:
            continue
        issue = part_count_issue(kind.name, kind.item_field, raw, streamed)
        if issue is not None:
            item.mark("RSP303")
            ctx.issues.append(issue)
            return True
    return False


def _texts(ctx: EventContext, item: Item, raw: dict[str, Any]) -> None:
    for (name, index), stream in item.streams.items():
        if stream.family.part_kind is None and (name, index) not in item.finals:
            item.finals[(name, index)] = (stream.family, stream.current())
    for (_, index), (family, finals) in item.finals.items():
        if family.item_text is None or (family.name == "shell_call_output_content" and len(item.finals) > 1):
            continue
        value = extract(family.item_text, raw, index)
        if value is None or not finals or value in finals:
            continue  # (what text_issue passes, tested before its pointer and name are made)
        pointer = family.item_pointer.format(index=index)
        _, issue = text_issue(
            "RSP303",
            lambda pointer=pointer: f"the text in output_item.done{' at ' + pointer if pointer else ''}",
            value,
            finals,
            pointer,
        )
        if issue is not None:
            item.mark("RSP303")
            ctx.issues.append(issue)


# --------------------------------------------------------------------------- the events


class PartTracker:
    """Handlers of the part and text events; the items come from an :class:`ItemTracker`."""

    __slots__ = ("ctx", "hot", "items", "streams")

    def __init__(self, ctx: EventContext, items: ItemLookup) -> None:
        self.ctx = ctx
        self.items = items
        #: Unscoped text streams (``response.audio.*``), by family name.
        self.streams: dict[str, TextStream] = {}
        #: The last delta's lookup: (serial, spec, output_index, item_id, part index, its field,
        #: item, stream), kept while a run of deltas to one stream goes on (:meth:`delta`).
        self.hot: tuple[Any, ...] | None = None

    # ------------------------------------------------------------------ parts

    def _allowed(self, spec: EventSpec, data: dict[str, Any]) -> frozenset[str] | None:
        if spec.part_kind == "content":
            part = data.get("part")
            return content_part_item_types(part.get("type") if isinstance(part, dict) else None)
        return spec.item_types

    def added(self, spec: EventSpec, data: dict[str, Any]) -> None:
        item = self.items.resolve(spec, data)
        if item is None or not self.items.usable(item, spec, self._allowed(spec, data)):
            return
        kind = PART_KINDS[spec.part_kind or "content"]
        index = int_or_none(data.get(kind.index_field))
        if index is None:
            return
        raw = data.get("part")
        ptype = str_or_none(raw.get("type")) if isinstance(raw, dict) else None
        existing = item.parts.get((kind.name, index))
        if existing is not None:
            if existing.phantom and existing.open:
                existing.phantom = False
                existing.type = ptype or existing.type
            else:
                self.ctx.emit(
                    "RSP242", f"{existing.label()} of {item.label()} is added twice", f"/{kind.index_field}"
                )
            return
        expected = item.next_part.get(kind.name, 0)
        if index != expected:
            self.ctx.emit(
                "RSP241",
                f"{kind.index_field} {index} of {item.label()}; the next {kind.name} part is {expected}",
                f"/{kind.index_field}",
            )
        part = Part(kind.name, index, ptype, self.ctx.ref())
        item.parts[(kind.name, index)] = part
        item.next_part[kind.name] = max(expected, index + 1)
        filled = None
        if isinstance(raw, dict):
            filled = next((f for f in kind.empty_fields if raw.get(f)), None)
        if filled is not None:
            self.ctx.emit(
                "RSP248", f"{part.label()} of {item.label()} is added with content", f"/part/{filled}"
            )
        if spec.family is not None:
            # shell_call_command.added starts the command's text.
            initial = extract(spec.family.done_text, data, None)
            part.stream = item.streams[(spec.family.name, index)] = TextStream(spec.family, initial)

    def _part(self, item: Item, kind: str, index: int) -> Part:
        """The open-or-closed part at (kind, index); unknown parts are reported once (RSP240)."""
        part = item.parts.get((kind, index))
        if part is not None:
            return part
        silent = item.silent and not any(k == kind for k, _ in item.parts)
        part = Part(kind, index, None, self.ctx.ref(), phantom=not silent)
        # The parts of an item never added were never added either: RSP220 is the root cause.
        if not silent and not item.unknown:
            self.ctx.emit(
                "RSP240",
                f"{kind} part {index} of {item.label()} was never added",
                f"/{PART_KINDS[kind].index_field}",
            )
        item.parts[(kind, index)] = part
        item.next_part[kind] = max(item.next_part.get(kind, 0), index + 1)
        return part

    def done(self, spec: EventSpec, data: dict[str, Any]) -> None:
        item = self.items.resolve(spec, data)
        if item is None or not self.items.usable(item, spec, self._allowed(spec, data)):
            return
        ctx = self.ctx
        kind = PART_KINDS[spec.part_kind or "content"]
        index = int_or_none(data.get(kind.index_field))
        if index is None:
            return
        part = self._part(item, kind.name, index)
        if not part.open:
            ctx.emit_for(part, "RSP243", f"{part.label()} of {item.label()} is closed a second time")
            return
        raw = data.get("part")
        ptype = str_or_none(raw.get("type")) if isinstance(raw, dict) else None
        if ptype and part.type and ptype != part.type:
            ctx.emit_for(
                part, "RSP245", f"{part.label()} is done as {ptype!r}, added as {part.type!r}", "/part/type"
            )
        part.type = part.type or ptype
        stream = part.stream
        if stream is not None and stream.deltas and not stream.done:
            ctx.emit(
                "RSP247",
                f"{stream.family.name} of {part.label()} has deltas but no {stream.family.name}.done event",
            )
        family = stream.family if stream is not None else PART_FAMILY.get(part.type or "")
        part.open = False
        if family is None:
            return
        finals: Finals = stream.current() if stream is not None else ()
        check = not item.tainted
        if family.part_text is not None:
            value = extract(family.part_text, raw, None)
            finals, issue = text_issue(
                "RSP302",
                lambda: f"the text of {part.label()} in {ctx.event_type()}",
                value,
                finals,
                "/part" + done_field(family),
            )
            if not finals and value is not None:
                finals = (value,)
            if issue is not None and check:
                ctx.issues.append(issue)
        if check and part.annotations:
            ctx.issues.extend(annotation_issues(part.annotations, raw, "/part"))
        if check and family.name == "output_text":
            ctx.issues.extend(span_issues(raw, "/part"))
        item.finals[(family.name, index)] = (family, finals)

    # ------------------------------------------------------------------ text streams

    def _stream_for(
        self, spec: EventSpec, data: dict[str, Any]
    ) -> tuple[Item | None, Part | None, TextStream | None]:
        family = spec.family
        assert family is not None
        if spec.unscoped:
            stream = self.streams.get(family.name)
            if stream is None:
                stream = self.streams[family.name] = TextStream(family)
            return None, None, stream
        item = self.items.resolve(spec, data)
        if item is None or not self.items.usable(item, spec, spec.item_types):
            return None, None, None
        index = int_or_none(data.get(family.index_field)) if family.index_field else None
        if family.index_field and index is None:
            return item, None, None
        part = None
        if family.part_kind is not None and index is not None:
            part = self._part(item, family.part_kind, index)
            if not part.open:
                self.ctx.emit_for(
                    part,
                    "RSP243",
                    f"{self.ctx.event_type()} for {part.label()} of {item.label()} after its done",
                )
                return item, part, None
            if part.type is None and family.part_types:
                part.type = next(iter(family.part_types))
            if family.part_types and part.type not in family.part_types:
                self.ctx.emit_for(
                    part,
                    "RSP245",
                    f"{self.ctx.event_type()} targets {part.label()} of type {part.type!r}",
                    f"/{family.index_field}",
                )
                return item, part, None
        key = (family.name, index)
        stream = item.streams.get(key)
        if stream is None:
            stream = item.streams[key] = TextStream(family)
            if part is not None:
                part.stream = stream
        return item, part, stream

    def delta(self, spec: EventSpec, data: dict[str, Any]) -> None:
        # The hot path: a run of deltas to the same stream. The last delta left a state on which
        # the same lookup finds the same item and stream with no finding and no change
        # (:meth:`_steady`); if nothing was fed since (``serial``) and this delta names the same
        # spec, output_index, item_id and part index, the lookup is skipped.
        ctx = self.ctx
        hot = self.hot
        if hot is not None and hot[0] == ctx.serial - 1 and hot[1] is spec:
            index_field = hot[5]
            oi = data.get("output_index")
            ci = data.get(index_field) if index_field else None
            if (
                type(oi) is int
                and oi == hot[2]
                and data.get("item_id") == hot[3]
                and (index_field is None or (type(ci) is int and ci == hot[4]))
            ):
                item, stream = hot[6], hot[7]
                ctx.touched.append(item)
                self.hot = (ctx.serial, *hot[1:])
                stream.add(data)
                return
        self.hot = None
        item, _, stream = self._stream_for(spec, data)
        if stream is None:
            return
        if stream.done:
            message = f"{self.ctx.event_type()} after the {stream.family.name}.done event"
            if item is not None:
                self.ctx.emit_for(item, "RSP246", message)
            else:
                self.ctx.emit_once("RSP246", message)
            return
        stream.add(data)
        if item is not None and self._steady(spec, data, item):
            family = stream.family
            oi, ci = data.get("output_index"), data.get(family.index_field) if family.index_field else None
            if type(oi) is int and (family.index_field is None or type(ci) is int):
                self.hot = (ctx.serial, spec, oi, data.get("item_id"), ci, family.index_field, item, stream)

    def continues(self, spec: EventSpec) -> bool:
        """Was the last event fed a delta of ``spec`` that took (or set up) the hot path?"""
        hot = self.hot
        return hot is not None and hot[0] == self.ctx.serial and hot[1] is spec

    def run_ok(self, spec: EventSpec, events: list[dict[str, Any]], numbers: list[Any]) -> bool:
        """Would each delta of a run take :meth:`delta`'s hot path: the last event fed was a
        delta of ``spec`` and each of these names its item and part? ``numbers`` (the
        sequence numbers) must be ints too: their type is checked here with the indices'."""
        if not self.continues(spec):
            return False
        hot = self.hot
        assert hot is not None
        count = len(events)
        # ``count`` compares with ``==``, which takes 1.0 and True for 1: hence the type check. A
        # missing field (KeyError, for the caller) is not the hot path.
        indices = list(map(_OUTPUT_INDEX, events))
        if indices.count(hot[2]) != count or list(map(_ITEM_ID, events)).count(hot[3]) != count:
            return False
        field = hot[5]
        if field is None:
            return set(map(type, chain(indices, numbers))) == _INT
        parts = list(map(operator.itemgetter(field), events))
        return parts.count(hot[4]) == count and set(map(type, chain(indices, numbers, parts))) == _INT

    def take_run(self, events: list[dict[str, Any]]) -> None:
        """Feed the run :meth:`run_ok` accepted (after the context's ``serial`` moved past it)."""
        hot = self.hot
        assert hot is not None
        self.hot = (self.ctx.serial, *hot[1:])
        hot[7].add_run(events)

    def _steady(self, spec: EventSpec, data: dict[str, Any], item: Item) -> bool:
        """Would the same delta, on the state this one left, resolve ``item`` silently and unchanged?

        The rest of the lookup is then idempotent: the item passed :meth:`ItemTracker.usable`
        (its type does not change), and its part and stream now exist, open, of the right type.
        """
        index, item_id, at_index, by_id, found = self.items.lookup(spec, data)
        if found is not item:
            return False
        if index is not None and index < 0 and "RSP221" not in item.reported:
            return False
        return not (mismatched(index, item_id, item, at_index, by_id) and "RSP223" not in item.reported)

    def text_done(self, spec: EventSpec, data: dict[str, Any]) -> None:
        item, part, stream = self._stream_for(spec, data)
        if stream is None:
            return
        if stream.done:
            self.ctx.emit("RSP249", f"a second {self.ctx.event_type()} for the same text")
            return
        self.ctx.issues.extend(stream.finish(data, check=item is None or not item.tainted))
        family = stream.family
        if item is None:
            return
        if family.name == "function_call_arguments":
            self._function_name(item, data)
        if part is None:
            item.finals[(family.name, stream_index(family, data))] = (family, stream.finals)
        elif PART_KINDS[part.kind].closed_by_text_done:
            part.open = False
            item.finals[(family.name, part.index)] = (family, stream.finals)

    def _function_name(self, item: Item, data: dict[str, Any]) -> None:
        name = str_or_none(data.get("name"))
        if name is None or item.tainted:
            return
        expected = item.name
        if expected is not None and name != expected:
            self.ctx.emit(
                "RSP311", f"function_call_arguments.done names {name!r}, the item {expected!r}", "/name"
            )

    # ------------------------------------------------------------------ annotations

    def annotation(self, spec: EventSpec, data: dict[str, Any]) -> None:
        item, part, _ = self._stream_for(spec, data)
        if item is None or part is None or not part.open:
            return
        index = int_or_none(data.get("annotation_index"))
        if index is None:
            return
        count = len(part.annotations)
        if index > count:
            self.ctx.emit_for(
                part,
                "RSP306",
                f"annotation_index {index} of {part.label()}; the next is {count}",
                "/annotation_index",
            )
        part.annotations[index] = data.get("annotation")
