"""Where an event sits in the stream: sequence numbers and SSE framing (RSP004-RSP008, RSP2xx).

Sequence numbers (RULES.md B): consecutive from 0, or from the resume point of a
resumed stream (RSP217, detected from the first number). A run of unnumbered events
is one finding (RSP201), reported at its first event once the stream shows it is
numbered. An undecodable event occupied a number we cannot read, so the next one may
be one step further (``skipped``).

Framing: the SSE ``event:`` name agrees with the payload type, and nothing follows the
``[DONE]`` sentinel.
"""

from __future__ import annotations

from typing import Any

from validator.model.events import Event
from validator.model.findings import EventRef, Issue, Position
from validator.model.values import int_or_none
from validator.protocols.responses.context import EventContext

__all__ = ["SequenceTracker"]


#: Who breaks on a required field that is missing (CHANGES-2026-12.md §4, Sub2API#7128).
STRICT_CLIENTS = (
    "strict clients fail on the missing field (Codex's Rust parser; grok-build: \"missing field "
    '`sequence_number`")'
)


class SequenceTracker:
    """Sequence numbers and framing of one stream's events."""

    __slots__ = (
        "ctx",
        "done_sentinels",
        "events",
        "first",
        "gap_length",
        "in_gap",
        "last_seq",
        "numbered",
        "pending",
        "skipped",
    )

    def __init__(self, ctx: EventContext) -> None:
        self.ctx = ctx
        #: Events seen, decodable or not.
        self.events = 0
        self.first: EventRef | None = None
        self.last_seq: int | None = None
        self.numbered = False
        #: Undecodable events since the last number: each may have taken one.
        self.skipped = 0
        #: First event of the run of unnumbered events before the first numbered one.
        self.pending: EventRef | None = None
        self.in_gap = False
        self.gap_length = 0
        self.done_sentinels = 0

    # ------------------------------------------------------------------ per event

    def feed(self, event: Event, etype: str | None) -> None:
        """One decoded event; ``etype`` is its type (None when it has no string type)."""
        self.events += 1
        raw = event.data.get("sequence_number")
        last = self.last_seq
        if type(raw) is int and self.numbered and last is not None and last < raw <= last + 1 + self.skipped:
            # The usual case, inlined (once per event): the next number of a numbered stream.
            self.in_gap = False
            self.skipped = 0
            self.last_seq = raw
        else:
            self._sequence(event, raw)
        # Framing, inlined: nothing to report for a named SSE event before any [DONE].
        if event.framed:
            name = event.event_name
            if name != etype or name is None or self.done_sentinels:
                self._framing(event, etype)
        elif self.done_sentinels:
            self._framing(event, etype)

    def run_ok(self, numbers: list[Any]) -> bool:
        """Would each event of a run, with these sequence numbers, take :meth:`feed`'s usual path:
        the next number of a numbered stream, before any ``[DONE]``? (Its framing is the
        caller's: each is named with its own type.)"""
        last = self.last_seq
        if last is None or not self.numbered or self.skipped or self.done_sentinels:
            return False
        # ``==`` takes 5.0 for 5: that the numbers are ints is left to the caller, which checks
        # all the integer fields of the run in one pass.
        return numbers == list(range(last + 1, last + 1 + len(numbers)))

    def advance(self, numbers: list[Any]) -> None:
        """Feed the run :meth:`run_ok` accepted: the state each event would leave."""
        self.events += len(numbers)
        self.in_gap = False
        self.last_seq = numbers[-1]

    def undecodable(self) -> None:
        # It occupied a sequence number we cannot read: accept one more step in the next one.
        self.events += 1
        self.skipped += 1

    def done_sentinel(self) -> list[Issue]:
        self.done_sentinels += 1
        if self.done_sentinels == 1:
            return [
                Issue("RSP006", "data: [DONE] sentinel (Chat Completions style; OpenAI Responses sends none)")
            ]
        return [Issue("RSP008", "a second data: [DONE] sentinel")]

    # ------------------------------------------------------------------ at the end

    def unnumbered(self) -> Issue | None:
        if not self.numbered and self.first is not None:
            return Issue("RSP202", "no event carries a sequence_number (pre-May-2025 API)", event=self.first)
        return None

    def no_done_sentinel(self, end: Position) -> Issue | None:
        if not self.done_sentinels:
            return Issue("RSP007", "the stream does not end with data: [DONE]", position=end)
        return None

    # ------------------------------------------------------------------ framing

    def _framing(self, event: Event, etype: str | None) -> None:
        ctx = self.ctx
        if self.done_sentinels:
            ctx.emit_once("RSP008", "event after the data: [DONE] sentinel; clients stop reading at [DONE]")
        if not event.framed:
            return
        name = event.event_name
        if name is None:
            ctx.emit_once("RSP005", "SSE events carry no event: line")
        elif etype is not None and name != etype:
            ctx.emit("RSP004", f"SSE event name {name!r} differs from the payload type {etype!r}", "/type")

    # ------------------------------------------------------------------ numbering

    def _sequence(self, event: Event, raw: object) -> None:
        if self.first is None:
            self.first = self.ctx.ref()
        if raw is None:
            self._missing_sequence()
            return
        seq = int_or_none(raw)
        if seq is None:
            # Not an integer: the schema reports it; resynchronise on the next good number.
            self.last_seq = None
            return
        if not self.numbered:
            self.numbered = True
            self._flush_pending(seq)
        self.in_gap = False
        last, skipped = self.last_seq, self.skipped
        self.skipped = 0
        if last is None:
            self._first_sequence(event, seq, skipped)
        elif seq <= last:
            self.ctx.emit("RSP205", f"sequence_number {seq} after {last}", "/sequence_number")
            seq = last
        elif seq > last + 1 + skipped:
            self.ctx.emit(
                "RSP204", f"sequence_number {seq} after {last}: {seq - last - 1} missing", "/sequence_number"
            )
        self.last_seq = seq

    def _first_sequence(self, event: Event, seq: int, skipped: int) -> None:
        if self.ctx.lenient or self._detect_resumed(event, seq):
            return
        prior = self.events - 1
        # Undecodable events may or may not have been numbered: accept either reading.
        low = prior - skipped
        if prior == skipped and not low <= seq <= prior:
            self.ctx.emit("RSP203", f"the first sequence_number is {seq}, not 0", "/sequence_number")
        elif seq < low:
            self.ctx.emit(
                "RSP205", f"sequence_number {seq}, but {prior} events came before it", "/sequence_number"
            )
        elif seq > prior:
            self.ctx.emit(
                "RSP204", f"sequence_number {seq}, but only {prior} events came before it", "/sequence_number"
            )

    def _detect_resumed(self, event: Event, seq: int) -> bool:
        ctx = self.ctx
        if ctx.resumed is not None or self.events != 1 + self.skipped or event.type == "response.created":
            return bool(ctx.resumed)
        if seq > 0 and event.type is not None:
            ctx.resumed = True
            ctx.emit(
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
            self.ctx.emit(
                "RSP201",
                f"event has no sequence_number, unlike the rest of the stream; {STRICT_CLIENTS}",
                "/sequence_number",
            )
        else:
            self.pending = self.ctx.ref()

    def _flush_pending(self, seq: int | None = None) -> None:
        if self.pending is not None:
            more = f" (nor do the {self.gap_length - 1} events after it)" if self.gap_length > 1 else ""
            zero = (
                " where 0 belongs: a serializer that omits zero values (Go omitempty, exclude_defaults) "
                "dropped it"
                if self.gap_length == 1 and seq == 1 and self.events == 2
                else ", unlike the rest of the stream"
            )
            self.ctx.emit(
                "RSP201",
                f"event has no sequence_number{more}{zero}; {STRICT_CLIENTS}",
                event=self.pending,
            )
        self.pending = None
