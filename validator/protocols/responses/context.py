"""The event being checked and the findings raised for it, shared by the stream's machines.

:class:`~validator.protocols.responses.lifecycle.StreamChecker` drives several machines (sequence numbers,
the response, items, parts and text streams). They share one :class:`EventContext`:
the event being fed, the list its findings go to, the items it touched (exempt from
consistency findings if the event failed its schema) and what is known about the
start of the stream (fragment, resumed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from validator.model.findings import EventRef, Issue

if TYPE_CHECKING:
    from validator.model.events import Event
    from validator.protocols.responses.records import ItemRecord

__all__ = ["EventContext", "Reporting", "mismatched"]


def mismatched(
    index: int | None,
    item_id: str | None,
    item: ItemRecord,
    at_index: ItemRecord | None,
    by_id: ItemRecord | None,
) -> bool:
    """Do the event's output_index and item_id name different items (RSP223)? Only when it has
    both, each usable: an index that is missing or negative names no item to disagree with."""
    return bool(item_id and item.id and index is not None and index >= 0 and at_index is not by_id)


class Reporting(Protocol):
    """An item or part: each rule fires at most once for it."""

    reported: set[str] | frozenset[str]


class EventContext:
    """Per stream: the start-of-stream flags; per event: the event, its findings, its items."""

    __slots__ = ("cached_ref", "event", "fragment", "issues", "once", "resumed", "serial", "touched")

    def __init__(self, *, fragment: bool, resumed: bool | None) -> None:
        self.fragment = fragment
        #: None until detected (RSP217) or known from the caller.
        self.resumed = resumed
        #: Stream-level rules already reported (:meth:`emit_once`).
        self.once: set[str] = set()
        self.event: Event | None = None
        self.issues: list[Issue] = []
        self.touched: list[ItemRecord] = []
        #: The event as an EventRef, built on first use (most events never need one).
        self.cached_ref: EventRef | None = None
        #: Events fed so far: a cache may tell whether nothing happened since it was filled.
        self.serial = 0

    @property
    def lenient(self) -> bool:
        """The start of the stream is missing (fragment or resumed): earlier state is unknown."""
        return self.fragment or bool(self.resumed)

    def ref(self) -> EventRef:
        """The event being fed, as a reference kept by state that outlives it (built once)."""
        if self.cached_ref is None:
            e = self.event
            assert e is not None
            self.cached_ref = EventRef(e.index, e.position, e.sequence_number, e.type)
        return self.cached_ref

    def event_type(self) -> str:
        return (self.event.type if self.event else None) or "event"

    def emit(
        self,
        rule: str,
        message: str,
        pointer: str = "",
        event: EventRef | None = None,
        case: str | None = None,
    ) -> None:
        self.issues.append(Issue(rule, message, pointer=pointer, event=event, case=case))

    def emit_once(self, rule: str, message: str, pointer: str = "", case: str | None = None) -> None:
        """A stream-level finding reported at its first occurrence only (each case of the rule once:
        a case the catalog rates apart is a different defect, which an earlier one must not hide)."""
        key = rule if case is None else f"{rule}:{case}"
        if key not in self.once:
            self.once.add(key)
            self.emit(rule, message, pointer, case=case)

    def emit_for(self, owner: Reporting, rule: str, message: str, pointer: str = "") -> None:
        """A finding reported once per item or part."""
        reported = owner.reported
        if rule not in reported:
            if type(reported) is not set:  # NOTHING_REPORTED, shared: this owner gets its own set
                owner.reported = reported = set()
            reported.add(rule)
            self.emit(rule, message, pointer)
