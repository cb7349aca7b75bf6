"""Output items: one machine per ``output_index``, from added to done (RSP220-RSP232, RSP304, RSP305).

An event finds its item by ``output_index`` and ``item_id`` (:meth:`ItemTracker.resolve`).
An event for an item never added is reported once (RSP220) and the item is opened as a
*phantom* so that its later events are checked normally; such an *unknown* item raises
nothing else (its parts are unknown too, and it does not count in the final output
unless an output_item.done closes it). In a fragment or resumed stream the item may have
been added before the excerpt: it is opened silently.

At output_item.done the item's identity, status, parts and texts are checked against
what was streamed (:mod:`validator.protocols.responses.parts` for the parts and texts), and the item is kept
as a digest for the terminal output comparison. The item's own state, open and closed, is
:mod:`validator.protocols.responses.records`.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from validator.model.values import int_or_none, str_or_none
from validator.protocols.responses.consistency import arguments_issue
from validator.protocols.responses.context import EventContext, mismatched
from validator.protocols.responses.families import FINAL_ITEM_STATUSES, INTERLEAVINGS, ITEMS, EventSpec
from validator.protocols.responses.output import item_digest, output_issues
from validator.protocols.responses.parts import check_item_texts, check_unclosed
from validator.protocols.responses.records import Item, ItemRecord

__all__ = ["Item", "ItemTracker"]

#: Total size of closed items kept whole (as JSON text) for the terminal comparison.
_KEEP_TOTAL_BYTES = 1024 * 1024


class ItemTracker:
    """The items of one stream, by output_index and by id."""

    __slots__ = (
        "added_in_stream",
        "aliases",
        "call_ids",
        "ctx",
        "ids",
        "incomplete",
        "items",
        "kept_bytes",
        "last_added",
        "next_index",
    )

    def __init__(self, ctx: EventContext) -> None:
        self.ctx = ctx
        #: Open items are Items; closed ones mostly ItemRecords (:meth:`_compact`).
        self.items: dict[int, ItemRecord] = {}
        self.ids: dict[str, ItemRecord] = {}
        #: Expected index -> item added under another index (RSP221): later events may use either.
        self.aliases: dict[int, ItemRecord] = {}
        #: Item type -> its call_ids so far (RSP222), each mapped to itself: the terminal event's
        #: decoder asks for these very strings (:meth:`shared_string`), a set could not give them.
        self.call_ids: dict[str, dict[str, str]] = {}
        self.next_index = 0
        #: The item the last output_item.added opened: still open at the next one, items interleave.
        self.last_added: ItemRecord | None = None
        self.kept_bytes = 0
        self.added_in_stream = False
        #: The first item that ended incomplete, with the line of its done (RULES.md C14), until
        #: RSP233 has been reported once.
        self.incomplete: tuple[str, int] | None = None

    # ------------------------------------------------------------------ the end of the response

    def open_items(self) -> list[Item]:
        """Items still open and not yet reported as such, in output_index order."""
        seen: dict[int, ItemRecord] = {id(i): i for i in self.items.values()}
        seen.update((id(i), i) for i in self.ids.values())
        return sorted(
            (
                i
                for i in seen.values()
                if isinstance(i, Item) and i.open and not i.abandoned and not i.unknown
            ),
            key=lambda i: (i.index is None, i.index or 0),
        )

    def abandon(self, terminal: str, report: bool) -> None:
        """RSP228 at the terminal event for each item it leaves open."""
        for item in self.open_items():
            item.abandoned = True
            if report:
                self.ctx.emit(
                    "RSP228",
                    f"{item.label()} (added at line {item.ref.position.line}) is not closed "
                    f"before {terminal}",
                )

    def compare_output(self, output: list[Any]) -> None:
        """RSP305 (which items) and RSP304 (each item) for the terminal response.output."""
        # An unknown item still open at the end is only a reference (RSP220): nothing says it
        # exists. One closed by output_item.done lost only its added: it is a real item.
        streamed = [item for _, item in sorted(self.items.items()) if not (item.unknown and item.open)]
        event = self.ctx.event
        self.ctx.issues.extend(output_issues(streamed, output, event.slips if event is not None else ()))

    def shared_string(self, value: str) -> str:
        """The tracker's own string equal to ``value`` (an item id or call_id), else ``value``.

        The terminal response repeats every item's id and call_id: decoded as these objects
        rather than as copies, they cost nothing more at the peak of a long transcript.
        """
        record = self.ids.get(value)
        if record is not None and record.id == value:
            return record.id
        for seen in self.call_ids.values():
            found = seen.get(value)
            if found is not None:
                return found
        return value

    # ------------------------------------------------------------------ resolution

    def at(self, index: int | None) -> ItemRecord | None:
        if index is None:
            return None
        return self.items.get(index) or self.aliases.get(index)

    def lookup(
        self, spec: EventSpec, data: dict[str, Any]
    ) -> tuple[int | None, str | None, ItemRecord | None, ItemRecord | None, ItemRecord | None]:
        """(output_index, item_id, item at the index, item by id, the item the event targets).

        Pure: no finding, no state change, so the delta run cache can ask it too.
        """
        index = int_or_none(data.get("output_index"))
        item_id = None if spec.index_only else str_or_none(data.get("item_id"))
        at_index = self.at(index)
        by_id = self.ids.get(item_id) if item_id else None
        # When index and id name different items, the open one is the better reading.
        item = (
            by_id
            if by_id is not None and (at_index is None or (by_id.open and not at_index.open))
            else at_index
        )
        return index, item_id, at_index, by_id, item

    def resolve(self, spec: EventSpec, data: dict[str, Any]) -> ItemRecord | None:
        """The item an event targets; unknown items are reported once and opened as phantoms."""
        index, item_id, at_index, by_id, item = self.lookup(spec, data)
        if index is not None and index < 0:
            # Not an index at all: the event is placed by its item_id alone (RSP221 once per item).
            self._negative(index, item)
            index = None
        if item is None:
            if index is None and item_id is None:
                return None
            return self._phantom(index, item_id)
        if mismatched(index, item_id, item, at_index, by_id):
            self.ctx.emit_for(
                item,
                "RSP223",
                f"item_id {item_id!r} does not match the item at output_index {index} "
                f"({at_index.label() if at_index else 'none'})",
                "/item_id",
            )
        self.ctx.touched.append(item)
        return item

    def _negative(self, index: int, item: ItemRecord | None) -> None:
        message = f"output_index {index} is negative: output indices count items from 0"
        if item is not None:
            self.ctx.emit_for(item, "RSP221", message, "/output_index")
        else:
            self.ctx.emit_once("RSP221", message, "/output_index")

    def _phantom(self, index: int | None, item_id: str | None) -> Item:
        ctx = self.ctx
        item = Item(index, {"id": item_id} if item_id else None, ctx.ref(), phantom=True)
        item.silent = ctx.lenient and (index is None or not self.added_in_stream or index < self.next_index)
        if not item.silent:
            what = f"item_id {item_id!r}" if item_id else f"output_index {index}"
            ctx.emit("RSP220", f"{what} refers to no item added by response.output_item.added")
        self._register(item)
        ctx.touched.append(item)
        return item

    def _register(self, item: Item) -> None:
        if item.index is not None:
            self.items[item.index] = item
            self.next_index = max(self.next_index, item.index + 1)
        if item.id:
            self.ids[item.id] = item

    def usable(self, item: ItemRecord, spec: EventSpec, allowed: frozenset[str] | None) -> TypeGuard[Item]:
        """The item is open and of a type the event's family may target (RSP227, RSP224)."""
        if not item.open:
            if not item.abandoned:
                self.ctx.emit_for(item, "RSP227", f"event for {item.label()} after its output_item.done")
            return False
        if allowed is None or item.type is None or item.type not in ITEMS or item.type in allowed:
            return True
        self.ctx.emit_for(
            item,
            "RSP224",
            f"{self.ctx.event_type()} targets {item.label()}; "
            f"it applies to {'/'.join(sorted(allowed))} items",
        )
        return False

    # ------------------------------------------------------------------ output_item.added

    def added(self, spec: EventSpec, data: dict[str, Any]) -> None:
        raw = data.get("item")
        index = int_or_none(data.get("output_index"))
        new = Item(index, raw, self.ctx.ref())
        existing = self.at(index)
        if existing is None and new.id and new.id in self.ids and self.ids[new.id].phantom:
            existing = self.ids[new.id]
        if existing is not None and existing.phantom and existing.open:
            # The late added of an item already reported (RSP220): adopt it quietly.
            assert isinstance(existing, Item)  # a record is never open
            existing.phantom = False
            existing.adopted = True
            existing.identify(raw)
            self._register(existing)
            self.ctx.touched.append(existing)
            return
        expected = self.next_index
        if index is not None and index < 0:
            self.ctx.emit(
                "RSP221",
                f"output_index {index} is negative: output indices count items from 0, "
                f"and the next item's index is {expected}",
                "/output_index",
            )
            index = None
        if index is None:
            index = new.index = expected
        elif existing is not None and new.id and new.id == existing.id:
            self.ctx.emit("RSP222", f"{existing.label()} is added twice", "/item/id")
            return
        elif (
            isinstance(existing, Item)  # a record is never misplaced
            and existing.misplaced is not None
            and existing.misplaced not in self.items
            and self.items.get(index) is existing
        ):
            # The earlier item's index was the wrong one (already reported): move it to the
            # index it should have had, and this item takes its own index without a finding.
            del self.items[index]
            existing.index = existing.misplaced
            self.items[existing.index] = existing
            existing.misplaced = None
        elif index != expected and not (self.ctx.lenient and not self.added_in_stream and index > expected):
            self.ctx.emit(
                "RSP221", f"output_index {index}; the next item's index is {expected}", "/output_index"
            )
            if expected not in self.items:
                new.misplaced = expected
                self.aliases[expected] = new
        self.added_in_stream = True
        self.after_incomplete("an item is added")
        self._interleaved(new)
        self._unique(new)
        self._register(new)
        self.ctx.touched.append(new)

    def _interleaved(self, new: Item) -> None:
        """RSP235 once per stream: an item is added while the one added before it is open (D11)."""
        previous, self.last_added = self.last_added, new
        if previous is None or not previous.open or previous.abandoned:
            return
        assert isinstance(previous, Item)  # a record is never open
        known = INTERLEAVINGS.get((previous.type or "", new.type or ""))
        self.ctx.emit_once(
            "RSP235",
            f"output_item.added for {new.label()} while {previous.label()} (added at line "
            f"{previous.ref.position.line}) is still open: "
            + (known.consequence if known else "items are interleaved"),
            case=known.case if known else None,
        )

    def after_incomplete(self, what: str) -> None:
        """RSP233 once, when the response goes on after an item ended incomplete."""
        if self.incomplete is None or not self.incomplete[0]:
            return
        label, line = self.incomplete
        self.ctx.emit(
            "RSP233",
            f"{what} after {label} ended incomplete (line {line}): an incomplete item must be the last "
            "one, and the response must end incomplete",
        )
        self.incomplete = ("", line)

    def _unique(self, item: Item) -> None:
        if item.id and item.id in self.ids:
            self.ctx.emit("RSP222", f"item id {item.id!r} is already used by an earlier item", "/item/id")
            # Its id is not what later events use: do not report each of them again.
            item.mark("RSP223")
            item.id = None
        if item.call_id and item.spec.unique_call_id:
            seen = self.call_ids.get(item.type or "")
            if seen is None:
                seen = self.call_ids[item.type or ""] = {}
            if item.call_id in seen:
                self.ctx.emit(
                    "RSP222",
                    f"call_id {item.call_id!r} is already used by another {item.type}",
                    "/item/call_id",
                )
            else:
                seen[item.call_id] = item.call_id

    # ------------------------------------------------------------------ output_item.done

    def done(self, spec: EventSpec, data: dict[str, Any]) -> None:
        raw = data.get("item")
        raw = raw if isinstance(raw, dict) else {}
        index = int_or_none(data.get("output_index"))
        done_id = str_or_none(raw.get("id"))
        item = self.at(index)
        if item is None and done_id:
            item = self.ids.get(done_id)
        if index is not None and index < 0:
            self._negative(index, item)
            index = None
        if item is None:
            item = self._phantom(index, done_id)
            item.identify(raw)
        self.ctx.touched.append(item)
        if not (isinstance(item, Item) and item.open):  # a record is a closed item
            if not item.abandoned:
                self.ctx.emit_for(item, "RSP226", f"{item.label()} is closed a second time")
            return
        self._identity(item, raw, index, done_id)
        # The same text as the added id is kept once.
        item.final_id = item.id if done_id == item.id else done_id
        if item.phantom:
            item.identify(raw)
        check_unclosed(self.ctx, item)
        self._item_status(item, raw)
        if raw.get("status") == "incomplete" and self.incomplete is None:
            self.incomplete = (item.label(), self.ctx.ref().position.line)
        if not item.tainted:
            self._never_streamed(item, raw)
            check_item_texts(self.ctx, item, raw)
            if item.type == "function_call":
                issue = arguments_issue(raw.get("arguments"), "/item/arguments")
                if issue is not None:
                    self.ctx.issues.append(issue)
            digest = item_digest(raw, item.spec)
            item.digest = digest.digest
            # Closed items are kept whole (for a precise RSP304 pointer) only within a budget.
            if digest.item is not None:
                self.kept_bytes += digest.size
                if self.kept_bytes <= _KEEP_TOTAL_BYTES:
                    item.kept = digest.item
        item.close()
        self._compact(item)

    def _never_streamed(self, item: Item, raw: dict[str, Any]) -> None:
        """RSP236: a message is done with text no content part or text event ever carried (E1)."""
        if item.type != "message" or item.parts or item.streams or item.silent or item.phantom:
            return
        content = raw.get("content")
        if not isinstance(content, list):
            return
        for k, part in enumerate(content):
            if not isinstance(part, dict):
                continue
            for name in ("text", "refusal"):
                if isinstance(part.get(name), str) and part[name]:
                    self.ctx.emit(
                        "RSP236",
                        f"{item.label()} is done with {name} in content[{k}], but no content_part.added "
                        "or text event was streamed for it: a streaming client shows nothing",
                        f"/item/content/{k}/{name}",
                    )
                    return

    def _compact(self, item: Item) -> None:
        """Replace a closed item by its ItemRecord wherever the tracker and this event refer to it.

        Only an item registered once (by its index and its id) and with no open-only flag set:
        a phantom may sit under an id it no longer has, and a misplaced or abandoned item has
        state a record does not keep. Those few stay whole.
        """
        if item.phantom or item.adopted or item.misplaced is not None or item.abandoned:
            return
        record = ItemRecord.of(item)
        if item.index is not None and self.items.get(item.index) is item:
            self.items[item.index] = record
        if item.id and self.ids.get(item.id) is item:
            self.ids[item.id] = record
        if self.aliases:
            for key, value in self.aliases.items():
                if value is item:
                    self.aliases[key] = record
        # feed() marks the event's items tainted after this handler: the record must get it.
        touched = self.ctx.touched
        for k, value in enumerate(touched):
            if value is item:
                touched[k] = record

    def _identity(self, item: Item, raw: dict[str, Any], index: int | None, done_id: str | None) -> None:
        #: (pointer, what differs)
        diffs: list[tuple[str, str]] = []
        done_type = str_or_none(raw.get("type"))
        if done_type and item.type and done_type != item.type:
            diffs.append(("/item/type", f"type {done_type!r} (added: {item.type!r})"))
        if done_id and item.id and done_id != item.id and "RSP223" not in item.reported:
            diffs.append(("/item/id", f"id {done_id!r} (added: {item.id!r})"))
        call_id = str_or_none(raw.get("call_id"))
        if call_id and item.call_id and call_id != item.call_id:
            diffs.append(("/item/call_id", f"call_id {call_id!r} (added: {item.call_id!r})"))
        if (
            index is not None
            and item.index is not None
            and index != item.index
            and self.at(index) is not item
        ):
            diffs.append(("/output_index", f"output_index {index} (added: {item.index})"))
        if diffs:
            self.ctx.emit_for(
                item,
                "RSP225",
                f"output_item.done for {item.label()} has {', '.join(d for _, d in diffs)}",
                diffs[0][0],
            )

    # ------------------------------------------------------------------ hosted tool statuses

    def _item_status(self, item: Item, raw: dict[str, Any]) -> None:
        status = str_or_none(raw.get("status"))
        if status is not None and status not in FINAL_ITEM_STATUSES:
            self.ctx.emit("RSP229", f"{item.label()} is done with status {status!r}", "/item/status")
        if item.status is None:
            return
        rank, announced = item.status
        if rank < 3:
            self.ctx.emit(
                "RSP231",
                f"{item.label()} is closed after its {announced} status event "
                "without a completed or failed one",
            )
        elif status is not None and status != announced and announced in ("completed", "failed"):
            self.ctx.emit(
                "RSP232",
                f"{item.label()} is done with status {status!r} after its {announced} event",
                "/item/status",
            )

    def status(self, spec: EventSpec, data: dict[str, Any]) -> None:
        """A hosted tool's status event: statuses only go forward (RSP230, RSP309)."""
        item = self.resolve(spec, data)
        step = spec.status
        if item is None or step is None or not self.usable(item, spec, spec.item_types):
            return
        rank = item.status[0] if item.status else 0
        if item.status is not None and step.status == item.status[1] and not step.repeatable:
            # The same status again (api.openai.com repeats mcp_call.in_progress after an approval):
            # nothing contradicts, and the item's status stays.
            self.ctx.emit_for(
                item,
                "RSP237",
                f"{self.ctx.event_type()} repeats the {step.status} status of {item.label()}",
            )
        elif step.rank < rank or (step.rank == rank and not step.repeatable):
            self.ctx.emit_for(
                item,
                "RSP230",
                f"{self.ctx.event_type()} after {item.label()} "
                f"reached {item.status[1] if item.status else ''}",
            )
        else:
            item.status = (step.rank, step.status)
        if spec.counter is not None:
            value = int_or_none(data.get(spec.counter))
            if value is not None and value != item.partial_images:
                self.ctx.emit_for(
                    item,
                    "RSP309",
                    f"{spec.counter} {value}; expected {item.partial_images}",
                    f"/{spec.counter}",
                )
            item.partial_images = (value if value is not None else item.partial_images) + 1
