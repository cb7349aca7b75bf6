"""The lifecycle state machine of one Responses stream (RSP004-RSP008, RSP012, RSP2xx).

Theory of operation
-------------------

Rule 1: what a specific event type or item type means lives in the tables of
:mod:`validator.families` (which family targets which item, which text goes where,
how a hosted tool's statuses are ordered). This module only knows the *shapes*:
a response, items, parts and text streams.

Rule 2: this module never raises on bad input. Every violation is an
:class:`~validator.findings.Issue`, and the machine keeps going with its best
understanding of the stream.

The stream is four kinds of machine:

* the **response** machine (:class:`Phase`, :data:`RESPONSE_TRANSITIONS`), driven by
  ``response.*`` lifecycle events and ``error``. A transition is a dict lookup; a
  missing entry is the finding (:data:`_REFUSED` names its rule);
* one **item** machine per ``output_index`` (open, then done), created by
  ``response.output_item.added``;
* one **part** machine per (item, kind, index): content parts, reasoning summary
  parts and shell commands (open, then done);
* one **text stream** per (item, family, index), in :mod:`validator.consistency`.

Every item-scoped event is dispatched through :data:`validator.families.EVENTS`
to one handler per :class:`~validator.families.Action`.

One root cause, one finding: an event that refers to an unknown item or part is
reported once, and the item or part is then opened *as a phantom* so that the
rest of its events are checked normally instead of repeating the finding. Per
item and per part, each rule fires at most once (``reported``). After a
disagreement in a text, the consistency chain accepts either version
(:mod:`validator.consistency`). An event that failed its schema still updates the
state, but its own lifecycle findings are dropped and the items it touched are
exempt from consistency findings (the schema finding is the one root cause).

Memory: the machine keeps open items and parts with an ``EventRef`` each, the
text of open streams, and per closed item its id, type and a digest for the final
output comparison. Nothing grows with the number of deltas.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from .consistency import (
    Finals,
    ItemDigest,
    TextStream,
    annotation_issues,
    arguments_issue,
    extract,
    first_difference,
    item_digest,
    normalize,
    same_item,
    span_issues,
    text_issue,
    usage_issue,
)
from .events import Event, RawEvent
from .families import (
    EVENTS,
    FINAL_ITEM_STATUSES,
    ITEMS,
    LIFECYCLE,
    PART_FAMILY,
    PART_KINDS,
    UNKNOWN_ITEM,
    Action,
    EventSpec,
    ItemSpec,
    Lifecycle,
    TextFamily,
    content_part_item_types,
)
from .findings import EventRef, Issue, Position

__all__ = ["RESPONSE_TRANSITIONS", "Phase", "StreamChecker"]


class Phase(enum.Enum):
    START = "start"
    #: response.queued came before response.created (tolerated, RULES.md C2).
    QUEUED_FIRST = "queued-first"
    CREATED = "created"
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    #: An ``error`` event arrived: only response.failed may follow (RULES.md C11, J2).
    ERRORED = "errored"
    TERMINAL = "terminal"


_P, _L = Phase, Lifecycle

RESPONSE_TRANSITIONS: dict[tuple[Phase, Lifecycle], Phase] = {
    (_P.START, _L.CREATED): _P.CREATED,
    (_P.START, _L.QUEUED): _P.QUEUED_FIRST,
    (_P.QUEUED_FIRST, _L.CREATED): _P.QUEUED,
    (_P.CREATED, _L.QUEUED): _P.QUEUED,
    (_P.CREATED, _L.IN_PROGRESS): _P.IN_PROGRESS,
    (_P.QUEUED, _L.IN_PROGRESS): _P.IN_PROGRESS,
    # created -> failed directly: an immediate failure (OR-SM; OpenAI capture 023).
    (_P.CREATED, _L.FAILED): _P.TERMINAL,
    (_P.QUEUED, _L.FAILED): _P.TERMINAL,
    (_P.IN_PROGRESS, _L.COMPLETED): _P.TERMINAL,
    (_P.IN_PROGRESS, _L.INCOMPLETE): _P.TERMINAL,
    (_P.IN_PROGRESS, _L.FAILED): _P.TERMINAL,
    (_P.ERRORED, _L.FAILED): _P.TERMINAL,
    **{(p, _L.ERROR): _P.ERRORED for p in (_P.START, _P.QUEUED_FIRST, _P.CREATED, _P.QUEUED, _P.IN_PROGRESS)},
}

#: The rule a refused transition breaks, by the phase it was refused in (default RSP207).
_REFUSED: dict[Phase, str] = {_P.TERMINAL: "RSP208", _P.ERRORED: "RSP214"}

#: Where a stream that does not start at the beginning (resumed, fragment, or missing its
#: response.created) is taken to be just before its first event, so that event is accepted.
_START_BEFORE: dict[Lifecycle, Phase] = {
    _L.CREATED: _P.START,
    _L.QUEUED: _P.CREATED,
    _L.IN_PROGRESS: _P.QUEUED,
}

#: Phases in which output events are early (RULES.md C13).
_BEFORE_IN_PROGRESS = frozenset({_P.START, _P.QUEUED_FIRST, _P.CREATED, _P.QUEUED})

#: Rules about *where* an event is, not what its payload says: they stand even for an event
#: that failed its schema (RSP228 at a terminal event whose snapshot is malformed, corpus 052).
_KEPT_FOR_INVALID_EVENTS = frozenset(
    {
        *("RSP004", "RSP005", "RSP008"),
        *("RSP201", "RSP203", "RSP204", "RSP205", "RSP206", "RSP207", "RSP208", "RSP214", "RSP215", "RSP217"),
        *("RSP228", "RSP244", "RSP247"),
    }
)


#: Total size of closed items kept whole for the terminal comparison.
_KEEP_TOTAL_BYTES = 8 * 1024 * 1024

#: Findings at output_item.done that already explain a difference in the terminal output.
_SHOWN_AT_DONE = frozenset({"RSP225", "RSP303"})


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class Part:
    """One content part, summary part or shell command of an open item."""

    __slots__ = ("annotations", "index", "kind", "open", "phantom", "ref", "reported", "stream", "type")

    def __init__(
        self, kind: str, index: int, type_: str | None, ref: EventRef, phantom: bool = False
    ) -> None:
        self.kind = kind
        self.index = index
        self.type = type_
        self.ref = ref
        self.phantom = phantom
        self.open = True
        self.stream: TextStream | None = None
        self.reported: set[str] = set()
        #: annotation_index -> annotation, announced by output_text.annotation.added.
        self.annotations: dict[int, Any] = {}

    def label(self) -> str:
        return f"{self.kind} part {self.index}"


class Item:
    """One output item, from its output_item.added (or first reference) to its done."""

    __slots__ = (
        "abandoned",
        "call_id",
        "digest",
        "final_id",
        "finals",
        "id",
        "index",
        "misplaced",
        "name",
        "next_part",
        "open",
        "partial_images",
        "parts",
        "phantom",
        "ref",
        "reported",
        "silent",
        "spec",
        "status",
        "streams",
        "tainted",
        "type",
    )

    def __init__(self, index: int | None, item: Any, ref: EventRef, phantom: bool = False) -> None:
        self.index = index
        self.ref = ref
        self.phantom = phantom
        #: Opened without a finding (fragment or resumed stream: its added came earlier).
        self.silent = False
        self.open = True
        #: Left open at the terminal event or end of stream (already reported).
        self.abandoned = False
        self.id: str | None = None
        self.type: str | None = None
        self.call_id: str | None = None
        self.name: str | None = None
        #: The id in output_item.done (what the terminal output should carry).
        self.final_id: str | None = None
        #: The index the item should have had, when it was added under another (RSP221).
        self.misplaced: int | None = None
        self.spec: ItemSpec = UNKNOWN_ITEM
        self.identify(item)
        self.parts: dict[tuple[str, int], Part] = {}
        self.next_part: dict[str, int] = {}
        self.streams: dict[tuple[str, int | None], TextStream] = {}
        #: Final texts of closed parts and streams, for the output_item.done comparison.
        self.finals: dict[tuple[str, int | None], tuple[TextFamily, Finals]] = {}
        self.status: tuple[int, str] | None = None
        self.partial_images = 0
        self.reported: set[str] = set()
        self.tainted = False
        self.digest: ItemDigest | None = None

    def identify(self, item: Any) -> None:
        if not isinstance(item, dict):
            return
        self.id = _str(item.get("id")) or self.id
        self.type = _str(item.get("type")) or self.type
        self.call_id = _str(item.get("call_id")) or self.call_id
        self.name = _str(item.get("name")) or self.name
        self.spec = ITEMS.get(self.type or "", UNKNOWN_ITEM)

    def label(self) -> str:
        what = self.type or "item"
        return f"{what} {self.id}" if self.id else f"{what} at output_index {self.index}"

    def close(self) -> None:
        # A closed item keeps only what later checks need: identity, flags and the digest.
        self.open = False
        self.parts = {}
        self.streams = {}
        self.finals = {}


class StreamChecker:
    """Checks the events of one stream, in order; see the module docstring."""

    def __init__(self, profile: str, *, resumed: bool | None = None, fragment: bool = False) -> None:
        self.profile = profile
        self.fragment = fragment
        self.resumed = resumed
        self.phase = Phase.START
        self.events = 0
        self.first: EventRef | None = None
        self.started = False
        # sequence numbers
        self.last_seq: int | None = None
        self.numbered = False
        self.skipped = 0
        #: First event of the run of unnumbered events before the first numbered one.
        self.pending: EventRef | None = None
        self.in_gap = False
        self.gap_length = 0
        # framing
        self.done_sentinels = 0
        self.once: set[str] = set()
        # response
        self.response_id: str | None = None
        self.error_seen = False
        # items
        self.items: dict[int, Item] = {}
        self.ids: dict[str, Item] = {}
        #: Expected index -> item added under another index (RSP221): later events may use either.
        self.aliases: dict[int, Item] = {}
        self.call_ids: set[tuple[str, str]] = set()
        self.next_index = 0
        self.kept_bytes = 0
        self.added_in_stream = False
        self.streams: dict[str, TextStream] = {}
        # per event
        self._event: Event | None = None
        self._issues: list[Issue] = []
        self._ref: EventRef | None = None
        self._touched: list[Item] = []

    # ------------------------------------------------------------------ public API

    def feed(self, event: Event) -> list[Issue]:
        self._event, self._issues, self._ref, self._touched = event, [], None, []
        self.events += 1
        self._sequence(event)
        self._framing(event)
        etype = event.type
        if etype is not None:
            self._dispatch(etype, event)
        issues = self._issues
        if not event.schema_ok:
            for item in self._touched:
                item.tainted = True
            issues = [i for i in issues if i.rule in _KEPT_FOR_INVALID_EVENTS]
        self._event = None
        return issues

    def feed_done(self, raw: RawEvent) -> list[Issue]:
        self.done_sentinels += 1
        if self.done_sentinels == 1:
            return [
                Issue("RSP006", "data: [DONE] sentinel (Chat Completions style; OpenAI Responses sends none)")
            ]
        return [Issue("RSP008", "a second data: [DONE] sentinel")]

    def feed_undecodable(self, raw: RawEvent) -> None:
        # It occupied a sequence number we cannot read: accept one more step in the next one.
        self.events += 1
        self.skipped += 1

    def finish(self, end: Position) -> list[Issue]:
        issues: list[Issue] = []
        if self.events == 0:
            return [Issue("RSP012", "the stream contains no events", position=end)]
        if not self.numbered and self.first is not None:
            issues.append(
                Issue("RSP202", "no event carries a sequence_number (pre-May-2025 API)", event=self.first)
            )
        if self.fragment:
            return issues
        if self.phase is not Phase.TERMINAL:
            issues.append(
                Issue(
                    "RSP209",
                    f"the stream ends in phase {self.phase.value} without response.completed, "
                    "response.incomplete or response.failed",
                    position=end,
                )
            )
            for item in self._open_items():
                issues.append(
                    Issue(
                        "RSP228",
                        f"{item.label()} (added at line {item.ref.position.line}) is never closed: "
                        "the stream ends before its output_item.done",
                        position=end,
                    )
                )
        if not self.done_sentinels:
            issues.append(Issue("RSP007", "the stream does not end with data: [DONE]", position=end))
        return issues

    # ------------------------------------------------------------------ helpers

    @property
    def lenient(self) -> bool:
        """The start of the stream is missing (fragment or resumed): earlier state is unknown."""
        return self.fragment or bool(self.resumed)

    def ref(self) -> EventRef:
        if self._ref is None:
            e = self._event
            assert e is not None
            self._ref = EventRef(e.index, e.position, e.sequence_number, e.type)
        return self._ref

    def emit(self, rule: str, message: str, pointer: str = "", event: EventRef | None = None) -> None:
        self._issues.append(Issue(rule, message, pointer=pointer, event=event))

    def emit_once(self, rule: str, message: str, pointer: str = "") -> None:
        """A stream-level finding reported at its first occurrence only."""
        if rule not in self.once:
            self.once.add(rule)
            self.emit(rule, message, pointer)

    def emit_for(self, owner: Item | Part, rule: str, message: str, pointer: str = "") -> None:
        """A finding reported once per item or part."""
        if rule not in owner.reported:
            owner.reported.add(rule)
            self.emit(rule, message, pointer)

    def _open_items(self) -> list[Item]:
        seen: dict[int, Item] = {id(i): i for i in self.items.values()}
        seen.update((id(i), i) for i in self.ids.values())
        return sorted(
            (i for i in seen.values() if i.open and not i.abandoned and not (i.phantom and not i.silent)),
            key=lambda i: (i.index is None, i.index or 0),
        )

    # ------------------------------------------------------------------ framing and numbering

    def _framing(self, event: Event) -> None:
        if self.done_sentinels:
            self.emit_once("RSP008", "event after the data: [DONE] sentinel; clients stop reading at [DONE]")
        if not event.framed:
            return
        name, etype = event.event_name, event.type
        if name is None:
            self.emit_once("RSP005", "SSE events carry no event: line")
        elif etype is not None and name != etype:
            self.emit("RSP004", f"SSE event name {name!r} differs from the payload type {etype!r}", "/type")

    def _sequence(self, event: Event) -> None:
        raw = event.data.get("sequence_number")
        if self.first is None:
            self.first = self.ref()
        if raw is None:
            self._missing_sequence()
            return
        seq = _int(raw)
        if seq is None:
            # Not an integer: the schema reports it; resynchronise on the next good number.
            self.last_seq = None
            return
        if not self.numbered:
            self.numbered = True
            self._flush_pending()
        self.in_gap = False
        last, skipped = self.last_seq, self.skipped
        self.skipped = 0
        if last is None:
            self._first_sequence(event, seq, skipped)
        elif seq <= last:
            self.emit("RSP205", f"sequence_number {seq} after {last}", "/sequence_number")
            seq = last
        elif seq > last + 1 + skipped:
            self.emit(
                "RSP204", f"sequence_number {seq} after {last}: {seq - last - 1} missing", "/sequence_number"
            )
        self.last_seq = seq

    def _first_sequence(self, event: Event, seq: int, skipped: int) -> None:
        if self.lenient or self._detect_resumed(event, seq):
            return
        prior = self.events - 1
        # Undecodable events may or may not have been numbered: accept either reading.
        low = prior - skipped
        if prior == skipped and not low <= seq <= prior:
            self.emit("RSP203", f"the first sequence_number is {seq}, not 0", "/sequence_number")
        elif seq < low:
            self.emit(
                "RSP205", f"sequence_number {seq}, but {prior} events came before it", "/sequence_number"
            )
        elif seq > prior:
            self.emit(
                "RSP204", f"sequence_number {seq}, but only {prior} events came before it", "/sequence_number"
            )

    def _detect_resumed(self, event: Event, seq: int) -> bool:
        if self.resumed is not None or self.events != 1 + self.skipped or event.type == "response.created":
            return bool(self.resumed)
        if seq > 0 and event.type is not None:
            self.resumed = True
            self.emit(
                "RSP217", f"resumed stream (starting_after={seq - 1}): checked from sequence_number {seq}"
            )
            return True
        return False

    def _missing_sequence(self) -> None:
        # One finding per run of unnumbered events: a bridge that numbers only some event
        # types has one defect, not one per event.
        if self.in_gap:
            self.gap_length += 1
            return
        self.in_gap, self.gap_length = True, 1
        if self.numbered:
            self.emit(
                "RSP201", "event has no sequence_number, unlike the rest of the stream", "/sequence_number"
            )
        else:
            self.pending = self.ref()

    def _flush_pending(self) -> None:
        if self.pending is not None:
            more = f" (nor do the {self.gap_length - 1} events after it)" if self.gap_length > 1 else ""
            self.emit(
                "RSP201",
                f"event has no sequence_number{more}, unlike the rest of the stream",
                event=self.pending,
            )
        self.pending = None

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self, etype: str, event: Event) -> None:
        life = LIFECYCLE.get(etype)
        spec = EVENTS.get(etype)
        if not self.started:
            self._start(etype, life)
        if self.phase is Phase.TERMINAL:
            self.emit_once("RSP208", f"{etype} after the terminal event; clients stop at the terminal event")
            return
        if life is not None:
            self._lifecycle(life, event.data)
        elif spec is not None:
            self._output_phase(etype)
            _HANDLERS[spec.action](self, spec, event.data)
        elif self.phase is Phase.ERRORED:
            self.emit_once("RSP214", f"{etype} after an error event; only response.failed may follow")

    def _start(self, etype: str, life: Lifecycle | None) -> None:
        """Until response.created has come, or is certain to be missing (RULES.md C1)."""
        if self.phase is Phase.QUEUED_FIRST:
            # C2 tolerates queued before created, not created missing: what follows queued
            # must be created, so this event is where the missing created becomes certain.
            self.started = True
            if life is not Lifecycle.CREATED:
                self.emit("RSP206", f"response.created never comes: {etype} follows response.queued")
                # Best understanding: created was lost after queued; go on from there.
                self.phase = Phase.QUEUED
            return
        if life is Lifecycle.QUEUED and not self.lenient:
            # Not yet decided: created may still follow (the next event settles it).
            return
        self.started = True
        if life is Lifecycle.CREATED:
            return
        if not self.lenient:
            self.emit("RSP206", "the stream does not start with response.created")
        self.phase = _START_BEFORE.get(life, Phase.IN_PROGRESS) if life is not None else Phase.IN_PROGRESS

    def _output_phase(self, etype: str) -> None:
        if self.phase is Phase.ERRORED:
            self.emit_once("RSP214", f"{etype} after an error event; only response.failed may follow")
        elif self.phase in _BEFORE_IN_PROGRESS:
            self.emit_once("RSP215", f"{etype} before response.in_progress")

    # ------------------------------------------------------------------ response machine

    def _lifecycle(self, life: Lifecycle, data: dict[str, Any]) -> None:
        target = RESPONSE_TRANSITIONS.get((self.phase, life))
        if target is None:
            rule = _REFUSED.get(self.phase, "RSP207")
            self.emit(rule, f"{life.value} in phase {self.phase.value}")
            # Best understanding: the event happened; follow it unless it would go backwards.
            target = Phase.TERMINAL if life.terminal else (Phase.ERRORED if life is _L.ERROR else self.phase)
        self.phase = target
        if life is _L.ERROR:
            self.error_seen = True
            return
        response = data.get("response")
        if isinstance(response, dict):
            self._snapshot(life, response)
            if life.terminal:
                self._terminal(life, response)
        elif life.terminal:
            self._abandon_open_items(life)

    def _snapshot(self, life: Lifecycle, response: dict[str, Any]) -> None:
        status = _str(response.get("status"))
        if status is not None and status not in life.statuses:
            self.emit("RSP210", f"{life.value} carries response.status {status!r}", "/response/status")
        rid = _str(response.get("id"))
        if rid is not None:
            if self.response_id is not None and rid != self.response_id:
                self.emit("RSP211", f"response id {rid!r} differs from {self.response_id!r}", "/response/id")
            self.response_id = rid
        if response.get("completed_at") is not None and status is not None and status != "completed":
            self.emit("RSP216", f"completed_at is set on a {status} response", "/response/completed_at")
        _SNAPSHOT_CHECKS.get(life, _no_check)(self, response)

    def _check_incomplete(self, response: dict[str, Any]) -> None:
        details = response.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, dict) else None
        if not (isinstance(reason, str) and reason):
            self.emit(
                "RSP212",
                "response.incomplete without incomplete_details.reason",
                "/response/incomplete_details",
            )

    def _check_failed(self, response: dict[str, Any]) -> None:
        error = response.get("error")
        if not (isinstance(error, dict) and (error.get("message") or error.get("code"))):
            self.emit("RSP213", "response.failed without an error (code, message)", "/response/error")

    def _terminal(self, life: Lifecycle, response: dict[str, Any]) -> None:
        self._abandon_open_items(life)
        usage = usage_issue(response)
        if usage is not None:
            self._issues.append(usage)
        output = response.get("output")
        if isinstance(output, list) and not (life is _L.FAILED and not output):
            self._compare_output(output)

    def _abandon_open_items(self, life: Lifecycle) -> None:
        # After an error event the failure is the root cause of whatever was left open.
        report = not (life is _L.FAILED and self.error_seen)
        for item in self._open_items():
            item.abandoned = True
            if report:
                self.emit(
                    "RSP228",
                    f"{item.label()} (added at line {item.ref.position.line}) is not closed "
                    f"before {life.value}",
                )

    def _compare_output(self, output: list[Any]) -> None:
        streamed = [self.items[i] for i in sorted(self.items)]
        # The done item's id, unless it was reported as differing from the added one (RSP225).
        ids = [i.id if "RSP225" in i.reported else (i.final_id or i.id) for i in streamed]
        out_ids = [_str(o.get("id")) if isinstance(o, dict) else None for o in output]
        if len(output) != len(streamed) or any(
            a and b and a != b for a, b in zip(ids, out_ids, strict=False)
        ):
            self.emit(
                "RSP305",
                f"response.output has {len(output)} items {out_ids}, the stream added {len(streamed)} {ids}",
                "/response/output",
            )
            by_id = {oid: k for k, oid in enumerate(out_ids) if oid}
            pairs = [(by_id[oid], i) for oid, i in zip(ids, streamed, strict=True) if oid in by_id]
        else:
            pairs = list(enumerate(streamed))
        for k, item in pairs:
            final = output[k]
            if (
                item.digest is None
                or item.tainted
                or item.reported & _SHOWN_AT_DONE
                or not isinstance(final, dict)
            ):
                continue
            if same_item(item.digest, final, item.spec):
                continue
            where = (
                first_difference(item.digest.item, normalize(final, item.spec)) if item.digest.item else ""
            )
            self.emit(
                "RSP304",
                f"response.output[{k}] ({item.label()}) differs from its output_item.done"
                + (f" at {where}" if where else ""),
                f"/response/output/{k}{where}",
            )

    # ------------------------------------------------------------------ item resolution

    def _at(self, index: int | None) -> Item | None:
        if index is None:
            return None
        return self.items.get(index) or self.aliases.get(index)

    def _resolve(self, spec: EventSpec, data: dict[str, Any]) -> Item | None:
        """The item an event targets; unknown items are reported once and opened as phantoms."""
        index = _int(data.get("output_index"))
        item_id = None if spec.index_only else _str(data.get("item_id"))
        at_index = self._at(index)
        by_id = self.ids.get(item_id) if item_id else None
        # When index and id name different items, the open one is the better reading.
        item = (
            by_id
            if by_id is not None and (at_index is None or (by_id.open and not at_index.open))
            else at_index
        )
        if item is None:
            if index is None and item_id is None:
                return None
            return self._phantom(index, item_id)
        if item_id and item.id and (at_index is not by_id):
            self.emit_for(
                item,
                "RSP223",
                f"item_id {item_id!r} does not match the item at output_index {index} "
                f"({at_index.label() if at_index else 'none'})",
                "/item_id",
            )
        self._touched.append(item)
        return item

    def _phantom(self, index: int | None, item_id: str | None) -> Item:
        item = Item(index, {"id": item_id} if item_id else None, self.ref(), phantom=True)
        item.silent = self.lenient and (index is None or not self.added_in_stream or index < self.next_index)
        if not item.silent:
            what = f"item_id {item_id!r}" if item_id else f"output_index {index}"
            self.emit("RSP220", f"{what} refers to no item added by response.output_item.added")
        self._register(item)
        self._touched.append(item)
        return item

    def _register(self, item: Item) -> None:
        if item.index is not None:
            self.items[item.index] = item
            self.next_index = max(self.next_index, item.index + 1)
        if item.id:
            self.ids[item.id] = item

    def _usable(self, item: Item, spec: EventSpec, allowed: frozenset[str] | None) -> bool:
        """The item is open and of a type the event's family may target (RSP227, RSP224)."""
        if not item.open:
            if not item.abandoned:
                self.emit_for(item, "RSP227", f"event for {item.label()} after its output_item.done")
            return False
        if allowed is None or item.type is None or item.type not in ITEMS or item.type in allowed:
            return True
        self.emit_for(
            item,
            "RSP224",
            f"{self._event.type if self._event else 'event'} targets {item.label()}; "
            f"it applies to {'/'.join(sorted(allowed))} items",
        )
        return False

    # ------------------------------------------------------------------ item events

    def _item_added(self, spec: EventSpec, data: dict[str, Any]) -> None:
        raw = data.get("item")
        index = _int(data.get("output_index"))
        new = Item(index, raw, self.ref())
        existing = self._at(index)
        if existing is None and new.id and new.id in self.ids and self.ids[new.id].phantom:
            existing = self.ids[new.id]
        if existing is not None and existing.phantom and existing.open:
            # The late added of an item already reported (RSP220): adopt it quietly.
            existing.phantom = False
            existing.identify(raw)
            self._register(existing)
            self._touched.append(existing)
            return
        expected = self.next_index
        if index is None:
            index = new.index = expected
        elif existing is not None and new.id and new.id == existing.id:
            self.emit("RSP222", f"{existing.label()} is added twice", "/item/id")
            return
        elif (
            existing is not None
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
        elif index != expected and not (self.lenient and not self.added_in_stream and index > expected):
            self.emit("RSP221", f"output_index {index}; the next item's index is {expected}", "/output_index")
            if expected not in self.items:
                new.misplaced = expected
                self.aliases[expected] = new
        self.added_in_stream = True
        self._unique(new)
        self._register(new)
        self._touched.append(new)

    def _unique(self, item: Item) -> None:
        if item.id and item.id in self.ids:
            self.emit("RSP222", f"item id {item.id!r} is already used by an earlier item", "/item/id")
            # Its id is not what later events use: do not report each of them again.
            item.reported.add("RSP223")
            item.id = None
        if item.call_id and item.spec.unique_call_id:
            key = (item.type or "", item.call_id)
            if key in self.call_ids:
                self.emit(
                    "RSP222",
                    f"call_id {item.call_id!r} is already used by another {item.type}",
                    "/item/call_id",
                )
            self.call_ids.add(key)

    def _item_done(self, spec: EventSpec, data: dict[str, Any]) -> None:
        raw = data.get("item")
        raw = raw if isinstance(raw, dict) else {}
        index = _int(data.get("output_index"))
        done_id = _str(raw.get("id"))
        item = self._at(index)
        if item is None and done_id:
            item = self.ids.get(done_id)
        if item is None:
            item = self._phantom(index, done_id)
            item.identify(raw)
        self._touched.append(item)
        if not item.open:
            if not item.abandoned:
                self.emit_for(item, "RSP226", f"{item.label()} is closed a second time")
            return
        self._identity(item, raw, index, done_id)
        item.final_id = done_id
        if item.phantom:
            item.identify(raw)
        for part in item.parts.values():
            # A part that was never added is already reported (RSP240).
            if part.open and not part.phantom:
                self.emit(
                    "RSP244",
                    f"{part.label()} of {item.label()} (added at line {part.ref.position.line}) "
                    "is never closed",
                )
        for stream in item.streams.values():
            name = stream.family.name
            if stream.family.part_kind is None and stream.deltas and not stream.done:
                self.emit("RSP247", f"{name} of {item.label()} has deltas but no {name}.done event")
        self._item_status(item, raw)
        if not item.tainted:
            self._item_texts(item, raw)
            if item.type == "function_call":
                issue = arguments_issue(raw.get("arguments"), "/item/arguments")
                if issue is not None:
                    self._issues.append(issue)
            item.digest = item_digest(raw, item.spec)
            self._keep(item.digest)
        item.close()

    def _keep(self, digest: ItemDigest) -> None:
        # Closed items are kept whole (for a precise RSP304 pointer) only within a budget.
        if digest.item is not None:
            self.kept_bytes += digest.size
            if self.kept_bytes > _KEEP_TOTAL_BYTES:
                digest.forget()

    def _identity(self, item: Item, raw: dict[str, Any], index: int | None, done_id: str | None) -> None:
        diffs = []
        done_type = _str(raw.get("type"))
        if done_type and item.type and done_type != item.type:
            diffs.append(f"type {done_type!r} (added: {item.type!r})")
        if done_id and item.id and done_id != item.id and "RSP223" not in item.reported:
            diffs.append(f"id {done_id!r} (added: {item.id!r})")
        call_id = _str(raw.get("call_id"))
        if call_id and item.call_id and call_id != item.call_id:
            diffs.append(f"call_id {call_id!r} (added: {item.call_id!r})")
        if (
            index is not None
            and item.index is not None
            and index != item.index
            and self._at(index) is not item
        ):
            diffs.append(f"output_index {index} (added: {item.index})")
        if diffs:
            self.emit_for(
                item, "RSP225", f"output_item.done for {item.label()} has {', '.join(diffs)}", "/item"
            )

    def _item_status(self, item: Item, raw: dict[str, Any]) -> None:
        status = _str(raw.get("status"))
        if status is not None and status not in FINAL_ITEM_STATUSES:
            self.emit("RSP229", f"{item.label()} is done with status {status!r}", "/item/status")
        if item.status is None:
            return
        rank, announced = item.status
        if rank < 3:
            self.emit(
                "RSP231",
                f"{item.label()} is closed after its {announced} status event "
                "without a completed or failed one",
            )
        elif status is not None and status != announced and announced in ("completed", "failed"):
            self.emit(
                "RSP232",
                f"{item.label()} is done with status {status!r} after its {announced} event",
                "/item/status",
            )

    def _item_texts(self, item: Item, raw: dict[str, Any]) -> None:
        for (name, index), stream in item.streams.items():
            if stream.family.part_kind is None and (name, index) not in item.finals:
                item.finals[(name, index)] = (stream.family, stream.current())
        for (_, index), (family, finals) in item.finals.items():
            if family.item_text is None or (
                family.name == "shell_call_output_content" and len(item.finals) > 1
            ):
                continue
            value = extract(family.item_text, raw, index)
            pointer = family.item_pointer.format(index=index)
            _, issue = text_issue(
                "RSP303",
                f"the text in output_item.done{' at ' + pointer if pointer else ''}",
                value,
                finals,
                pointer,
            )
            if issue is not None:
                item.reported.add("RSP303")
                self._issues.append(issue)

    # ------------------------------------------------------------------ parts

    def _part_allowed(self, spec: EventSpec, data: dict[str, Any]) -> frozenset[str] | None:
        if spec.part_kind == "content":
            part = data.get("part")
            return content_part_item_types(part.get("type") if isinstance(part, dict) else None)
        return spec.item_types

    def _part_added(self, spec: EventSpec, data: dict[str, Any]) -> None:
        item = self._resolve(spec, data)
        if item is None or not self._usable(item, spec, self._part_allowed(spec, data)):
            return
        kind = PART_KINDS[spec.part_kind or "content"]
        index = _int(data.get(kind.index_field))
        if index is None:
            return
        raw = data.get("part")
        ptype = _str(raw.get("type")) if isinstance(raw, dict) else None
        existing = item.parts.get((kind.name, index))
        if existing is not None:
            if existing.phantom and existing.open:
                existing.phantom = False
                existing.type = ptype or existing.type
            else:
                self.emit(
                    "RSP242", f"{existing.label()} of {item.label()} is added twice", f"/{kind.index_field}"
                )
            return
        expected = item.next_part.get(kind.name, 0)
        if index != expected:
            self.emit(
                "RSP241",
                f"{kind.index_field} {index} of {item.label()}; the next {kind.name} part is {expected}",
                f"/{kind.index_field}",
            )
        part = Part(kind.name, index, ptype, self.ref())
        item.parts[(kind.name, index)] = part
        item.next_part[kind.name] = max(expected, index + 1)
        if isinstance(raw, dict) and any(raw.get(f) for f in kind.empty_fields):
            self.emit("RSP248", f"{part.label()} of {item.label()} is added with content", "/part")
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
        part = Part(kind, index, None, self.ref(), phantom=not silent)
        if not silent:
            self.emit(
                "RSP240",
                f"{kind} part {index} of {item.label()} was never added",
                f"/{PART_KINDS[kind].index_field}",
            )
        item.parts[(kind, index)] = part
        item.next_part[kind] = max(item.next_part.get(kind, 0), index + 1)
        return part

    def _part_done(self, spec: EventSpec, data: dict[str, Any]) -> None:
        item = self._resolve(spec, data)
        if item is None or not self._usable(item, spec, self._part_allowed(spec, data)):
            return
        kind = PART_KINDS[spec.part_kind or "content"]
        index = _int(data.get(kind.index_field))
        if index is None:
            return
        part = self._part(item, kind.name, index)
        if not part.open:
            self.emit_for(part, "RSP243", f"{part.label()} of {item.label()} is closed a second time")
            return
        raw = data.get("part")
        ptype = _str(raw.get("type")) if isinstance(raw, dict) else None
        if ptype and part.type and ptype != part.type:
            self.emit_for(
                part, "RSP245", f"{part.label()} is done as {ptype!r}, added as {part.type!r}", "/part/type"
            )
        part.type = part.type or ptype
        stream = part.stream
        if stream is not None and stream.deltas and not stream.done:
            self.emit(
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
                "RSP302", f"the text of {part.label()} in {self._event_type()}", value, finals, "/part"
            )
            if not finals and value is not None:
                finals = (value,)
            if issue is not None and check:
                self._issues.append(issue)
        if check and part.annotations:
            self._issues.extend(annotation_issues(part.annotations, raw, "/part"))
        if check and family.name == "output_text":
            self._issues.extend(span_issues(raw, "/part"))
        item.finals[(family.name, index)] = (family, finals)

    def _event_type(self) -> str:
        return (self._event.type if self._event else None) or "event"

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
        item = self._resolve(spec, data)
        if item is None or not self._usable(item, spec, spec.item_types):
            return None, None, None
        index = _int(data.get(family.index_field)) if family.index_field else None
        if family.index_field and index is None:
            return item, None, None
        part = None
        if family.part_kind is not None and index is not None:
            part = self._part(item, family.part_kind, index)
            if not part.open:
                self.emit_for(
                    part,
                    "RSP243",
                    f"{self._event_type()} for {part.label()} of {item.label()} after its done",
                )
                return item, part, None
            if part.type is None and family.part_types:
                part.type = next(iter(family.part_types))
            if family.part_types and part.type not in family.part_types:
                self.emit_for(
                    part,
                    "RSP245",
                    f"{self._event_type()} targets {part.label()} of type {part.type!r}",
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

    def _delta(self, spec: EventSpec, data: dict[str, Any]) -> None:
        item, _, stream = self._stream_for(spec, data)
        if stream is None:
            return
        if stream.done:
            owner: Any = item or stream
            if isinstance(owner, Item):
                self.emit_for(
                    owner, "RSP246", f"{self._event_type()} after the {stream.family.name}.done event"
                )
            else:
                self.emit_once("RSP246", f"{self._event_type()} after the {stream.family.name}.done event")
            return
        stream.add(data)

    def _text_done(self, spec: EventSpec, data: dict[str, Any]) -> None:
        item, part, stream = self._stream_for(spec, data)
        if stream is None:
            return
        if stream.done:
            self.emit("RSP249", f"a second {self._event_type()} for the same text")
            return
        issues = stream.finish(data, check=item is None or not item.tainted)
        self._issues.extend(issues)
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
        name = _str(data.get("name"))
        if name is None or item.tainted:
            return
        expected = item.name
        if expected is not None and name != expected:
            self.emit(
                "RSP311", f"function_call_arguments.done names {name!r}, the item {expected!r}", "/name"
            )

    # ------------------------------------------------------------------ annotations, statuses

    def _annotation(self, spec: EventSpec, data: dict[str, Any]) -> None:
        item, part, _ = self._stream_for(spec, data)
        if item is None or part is None or not part.open:
            return
        index = _int(data.get("annotation_index"))
        if index is None:
            return
        count = len(part.annotations)
        if index > count:
            self.emit_for(
                part,
                "RSP306",
                f"annotation_index {index} of {part.label()}; the next is {count}",
                "/annotation_index",
            )
        part.annotations[index] = data.get("annotation")

    def _status(self, spec: EventSpec, data: dict[str, Any]) -> None:
        item = self._resolve(spec, data)
        step = spec.status
        if item is None or step is None or not self._usable(item, spec, spec.item_types):
            return
        rank = item.status[0] if item.status else 0
        if step.rank < rank or (step.rank == rank and not step.repeatable):
            self.emit_for(
                item,
                "RSP230",
                f"{self._event_type()} after {item.label()} reached {item.status[1] if item.status else ''}",
            )
        else:
            item.status = (step.rank, step.status)
        if spec.counter is not None:
            value = _int(data.get(spec.counter))
            if value is not None and value != item.partial_images:
                self.emit_for(
                    item,
                    "RSP309",
                    f"{spec.counter} {value}; expected {item.partial_images}",
                    f"/{spec.counter}",
                )
            item.partial_images = (value if value is not None else item.partial_images) + 1


def stream_index(family: TextFamily, data: dict[str, Any]) -> int | None:
    return _int(data.get(family.index_field)) if family.index_field else None


def _no_check(checker: StreamChecker, response: dict[str, Any]) -> None:
    return None


_SNAPSHOT_CHECKS: dict[Lifecycle, Callable[[StreamChecker, dict[str, Any]], None]] = {
    _L.INCOMPLETE: StreamChecker._check_incomplete,
    _L.FAILED: StreamChecker._check_failed,
}

_HANDLERS: dict[Action, Callable[[StreamChecker, EventSpec, dict[str, Any]], None]] = {
    Action.ITEM_ADDED: StreamChecker._item_added,
    Action.ITEM_DONE: StreamChecker._item_done,
    Action.PART_ADDED: StreamChecker._part_added,
    Action.PART_DONE: StreamChecker._part_done,
    Action.DELTA: StreamChecker._delta,
    Action.TEXT_DONE: StreamChecker._text_done,
    Action.ANNOTATION: StreamChecker._annotation,
    Action.STATUS: StreamChecker._status,
}
