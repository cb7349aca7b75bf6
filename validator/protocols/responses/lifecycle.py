"""The lifecycle state machine of one Responses stream (RSP004-RSP008, RSP012, RSP2xx).

Theory of operation
-------------------

Rule 1: what a specific event type or item type means lives in the tables of
:mod:`validator.protocols.responses.families` (which family targets which item, which text goes where,
how a hosted tool's statuses are ordered). The machines only know the *shapes*:
a response, items, parts and text streams.

Rule 2: no machine raises on bad input. Every violation is an
:class:`~validator.model.findings.Issue`, and the machines keep going with their best
understanding of the stream.

:class:`StreamChecker` drives five machines that share one
:class:`~validator.protocols.responses.context.EventContext` (the event being fed and its findings):

* :mod:`validator.protocols.responses.sequence`: sequence numbers and SSE framing;
* :mod:`validator.protocols.responses.response`: the **response** machine (``Phase``,
  ``RESPONSE_TRANSITIONS``), driven by ``response.*`` lifecycle events and ``error``;
* :mod:`validator.protocols.responses.items`: one **item** machine per ``output_index`` (open, then done),
  created by ``response.output_item.added``;
* :mod:`validator.protocols.responses.parts`: one **part** machine per (item, kind, index): content parts,
  reasoning summary parts and shell commands; and one **text stream** per (item,
  family, index), whose text is compared in :mod:`validator.protocols.responses.consistency`.

Every item-scoped event is dispatched through :data:`validator.protocols.responses.families.EVENTS`
to one handler per :class:`~validator.protocols.responses.families.Action` (a dict of bound methods,
built once per stream).

One root cause, one finding: an event that refers to an unknown item or part is
reported once, and the item or part is then opened *as a phantom* so that the
rest of its events are checked normally instead of repeating the finding. Per
item and per part, each rule fires at most once (``reported``). After a
disagreement in a text, the consistency chain accepts either version
(:mod:`validator.protocols.responses.consistency`). An event that failed its schema still updates the
state; a finding of its own is dropped only when a schema error covers the value the finding
is about (``Event.slips``), and the items it touched are exempt from later consistency
findings only when the fields the item state is built from failed (``TRUSTED_FIELDS``).

Where a finding points (docs/ARCHITECTURE.md): where the defect first becomes
visible. An item never closed is reported at the terminal event, or at the end of
the input; a part never closed at its item's output_item.done; each message names
the line where it was added.

Memory: the machines keep open items and parts with an ``EventRef`` each, the
text of open streams, and per closed item its id, type and a digest for the final
output comparison. Nothing grows with the number of deltas.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from validator.model.events import Event, RawEvent
from validator.model.findings import Issue, Position, covered
from validator.protocols.responses.context import EventContext
from validator.protocols.responses.families import (
    EVENTS,
    LIFECYCLE,
    STEER_OUTCOMES,
    TRUSTED_FIELDS,
    Action,
    EventSpec,
    Lifecycle,
)
from validator.protocols.responses.items import ItemTracker
from validator.protocols.responses.parts import PartTracker
from validator.protocols.responses.response import RESPONSE_TRANSITIONS, Phase, ResponseMachine
from validator.protocols.responses.sequence import SequenceTracker

__all__ = ["RESPONSE_TRANSITIONS", "CodexStreamChecker", "Phase", "StreamChecker", "stream_checker"]

#: Rules never masked by a schema finding on their own field: a negative output_index breaks
#: the schema's ``minimum`` and is an index error as well (RULES.md D2), reported as both.
_NOT_MASKED = frozenset({"RSP221"})

_ITEM_DONE = "response.output_item.done"
_SEQUENCE_NUMBER = operator.itemgetter("sequence_number")

Handler = Callable[[EventSpec, dict[str, Any]], None]
Route = tuple[Lifecycle | None, EventSpec | None, Handler | None]
_NO_ROUTE: Route = (None, None, None)


class StreamChecker:
    """Checks the events of one stream, in order; see the module docstring."""

    __slots__ = ("ctx", "handlers", "items", "parts", "profile", "response", "routes", "sequence")

    def __init__(self, profile: str, *, resumed: bool | None = None, fragment: bool = False) -> None:
        self.profile = profile
        self.ctx = ctx = EventContext(fragment=fragment, resumed=resumed)
        self.sequence = SequenceTracker(ctx)
        self.items = items = ItemTracker(ctx)
        self.parts = parts = PartTracker(ctx, items)
        self.response = ResponseMachine(ctx, items)
        #: What each item-scoped event does, by its Action (bound once: the hot path is a lookup).
        self.handlers: dict[Action, Handler] = {
            Action.ITEM_ADDED: items.added,
            Action.ITEM_DONE: items.done,
            Action.PART_ADDED: parts.added,
            Action.PART_DONE: parts.done,
            Action.DELTA: parts.delta,
            Action.TEXT_DONE: parts.text_done,
            Action.ANNOTATION: parts.annotation,
            Action.STATUS: items.status,
        }
        #: event type -> (lifecycle, spec, handler): one lookup per event instead of three.
        self.routes: dict[str, Route] = {t: (life, None, None) for t, life in LIFECYCLE.items()}
        self.routes.update((t, (None, spec, self.handlers[spec.action])) for t, spec in EVENTS.items())

    @property
    def fragment(self) -> bool:
        return self.ctx.fragment

    @property
    def phase(self) -> Phase:
        return self.response.phase

    @property
    def resumed(self) -> bool | None:
        """True once the stream is known to be resumed (given, or detected: RSP217)."""
        return self.ctx.resumed

    # ------------------------------------------------------------------ public API

    def feed(self, event: Event) -> list[Issue]:
        ctx = self.ctx
        # A fresh context per event (the caller keeps the returned list); inlined, as this
        # runs once per event, deltas included.
        ctx.event, ctx.issues, ctx.cached_ref, ctx.touched = event, [], None, []
        ctx.serial += 1
        etype = event.data.get("type")
        if not isinstance(etype, str):
            etype = None
            route = _NO_ROUTE
        else:
            route = self.routes.get(etype, _NO_ROUTE)
            if route is _NO_ROUTE and etype.startswith("codex."):
                ctx.event = None
                return self.foreign(event)  # not an event of the response (RSP110)
        self.sequence.feed(event, etype)
        if etype is not None:
            response = self.response
            if response.phase is Phase.IN_PROGRESS and response.started:
                # The usual case, inlined: an output event while the response is in progress.
                _, spec, handler = route
                if handler is not None:
                    handler(spec, event.data)  # type: ignore[arg-type]
                else:
                    self._dispatch(etype, event)
            else:
                self._dispatch(etype, event)
        issues = ctx.issues
        slips = event.slips
        if slips:
            issues = self._unmasked(etype, issues, slips)
        ctx.event = None
        return issues

    def foreign(self, event: Event) -> list[Issue]:
        """An event that is not part of the response (a Codex backend ``codex.*`` event, RSP110).

        It changes no state; only where it stands is judged: before response.created the SDK
        raises on it (RSP206, once), as on any first event other than response.created.
        """
        response = self.response
        once = self.ctx.once
        if self.profile == "codex" or response.started or response.phase is not Phase.START:
            return []
        if self.ctx.lenient or "RSP206" in once:
            return []
        once.add("RSP206")
        etype = event.data.get("type")
        return [
            Issue(
                "RSP206",
                f"{etype} comes before response.created (openai-python raises 'Expected to have received "
                f"response.created before {etype}'); it is a Codex backend event: check Codex traffic with "
                "--profile codex",
            )
        ]

    def _unmasked(self, etype: str | None, issues: list[Issue], slips: tuple[str, ...]) -> list[Issue]:
        """The findings of an event that failed its schema which stem from another defect.

        A finding is dropped when a schema error covers the value it is about (its pointer), or
        the value it depends on cannot be trusted: the items the event touched are *tainted*
        (exempt from later consistency findings) when the event's item-locating or text fields
        are among the schema errors (:data:`validator.families.TRUSTED_FIELDS`).
        """
        touched = self.ctx.touched
        if touched and etype is not None:
            if any(covered(f, slips) for f in TRUSTED_FIELDS.get(etype, ())):
                for item in touched:
                    item.tainted = True
            if etype == _ITEM_DONE:
                # The done item's own slips: the terminal output differing there is the same defect.
                own = tuple(s[len("/item") :] for s in slips if covered(s, ("/item",)))
                for item in touched:
                    item.slips = own
        # A finding with no pointer is about where the event is in the stream, not about a value.
        return [i for i in issues if not i.pointer or i.rule in _NOT_MASKED or not covered(i.pointer, slips)]

    def takes_runs(self, etype: str) -> bool:
        """Is the stream where a run of ``etype`` deltas could go on: the last event fed was one?"""
        spec = self.routes.get(etype, _NO_ROUTE)[1]
        return spec is not None and self.parts.continues(spec)

    def feed_run(self, etype: str, events: list[dict[str, Any]]) -> bool:
        """Feed a run of deltas at once: events each framed with the name ``etype`` and valid
        against its schema (so, objects of that ``type``). True when each would have taken the
        usual path of :meth:`feed` with no finding, so that the state is the same as after
        feeding them one by one; otherwise False, and nothing has changed."""
        response = self.response
        if response.phase is not Phase.IN_PROGRESS or not response.started:
            return False
        spec = self.routes.get(etype, _NO_ROUTE)[1]
        if spec is None or spec.action is not Action.DELTA:
            return False
        try:
            # C-level field access: a missing field (KeyError) is not the usual path either.
            numbers = list(map(_SEQUENCE_NUMBER, events))
            if not self.sequence.run_ok(numbers) or not self.parts.run_ok(spec, events, numbers):
                return False
        except KeyError:
            return False
        self.ctx.serial += len(events)
        self.sequence.advance(numbers)
        self.parts.take_run(events)
        return True

    def shared_string(self, value: str) -> str:
        """An equal string the machines already hold (ids, call_ids), for decoding huge events."""
        return self.items.shared_string(value)

    def feed_done(self, raw: RawEvent) -> list[Issue]:
        return self.sequence.done_sentinel()

    def feed_undecodable(self, raw: RawEvent) -> None:
        self.sequence.undecodable()
        if not self.response.started:
            self.response.unreadable_start = True

    def finish(self, end: Position) -> list[Issue]:
        if self.sequence.events == 0:
            return [Issue("RSP012", "the stream contains no events", position=end)]
        issues: list[Issue] = []
        unnumbered = self.sequence.unnumbered()
        if unnumbered is not None:
            issues.append(unnumbered)
        if self.ctx.fragment:
            return issues
        phase = self.response.phase
        if phase is not Phase.TERMINAL:
            issues.append(
                Issue(
                    "RSP209",
                    f"the stream ends in phase {phase.value} without response.completed, "
                    "response.incomplete or response.failed",
                    position=end,
                )
            )
            for item in self.items.open_items():
                issues.append(
                    Issue(
                        "RSP228",
                        f"{item.label()} (added at line {item.ref.position.line}) is never closed: "
                        "the stream ends before its output_item.done",
                        position=end,
                    )
                )
        no_done = self.sequence.no_done_sentinel(end)
        if no_done is not None:
            issues.append(no_done)
        return issues

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self, etype: str, event: Event) -> None:
        if etype in STEER_OUTCOMES and event.framed:
            # Not part of the response: the event answers a steer only a WebSocket client can send.
            self.ctx.emit(
                "RSP111",
                f"{etype} on an SSE stream: steering outcomes are WebSocket server events (they answer the "
                "client's response.steer message, which only the WebSocket mode has); the SSE event union "
                "has no such type",
                "/type",
            )
            return
        life, spec, handler = self.routes.get(etype, _NO_ROUTE)
        response = self.response
        if not response.started:
            response.start(etype, life)
        phase = response.phase
        if phase is Phase.TERMINAL:
            self.ctx.emit_once(
                "RSP208", f"{etype} after the terminal event; clients stop at the terminal event"
            )
            return
        if life is not None:
            response.lifecycle(life, event.data)
        elif spec is not None and handler is not None:
            # Output events are in phase in_progress, except in broken streams.
            if phase is not Phase.IN_PROGRESS:
                response.output_phase(etype)
            handler(spec, event.data)
        elif phase is Phase.ERRORED:
            self.ctx.emit_once("RSP214", f"{etype} after an error event; only response.failed may follow")


class CodexStreamChecker(StreamChecker):
    """The ``codex`` profile: what the Codex backend (chatgpt.com) sends its clients.

    Its ``codex.*`` metadata and timing events (``codex.rate_limits`` before response.created
    too) are not part of the response: :meth:`StreamChecker.foreign` skips them, numbered or
    not (elsewhere it judges only where they stand). Its frames may lack
    ``output_index``: the index is read from the item the frame names by ``item_id`` (or, for
    an added item, the next index), so the item machines judge the rest as usual. Its terminal
    ``response.done`` (partial payload) is a terminal event in every profile (families.py).
    Sources: haskell-agent PR #316/#335, Soju06/codex-lb#473 (CHANGES-2026-12.md §1.5, §4).
    """

    __slots__ = ()

    def feed(self, event: Event) -> list[Issue]:
        data = event.data
        etype = data.get("type")
        if isinstance(etype, str) and "output_index" not in data and etype in EVENTS:
            if etype == "response.output_item.added":
                data["output_index"] = self.items.next_index
            else:
                item = (
                    self.items.ids.get(data.get("item_id")) if isinstance(data.get("item_id"), str) else None
                )
                if item is not None and item.index is not None:
                    data["output_index"] = item.index
        return super().feed(event)


def stream_checker(profile: str, *, resumed: bool | None = None, fragment: bool = False) -> StreamChecker:
    """The machine for a profile: the codex profile reads its departures first."""
    cls = CodexStreamChecker if profile == "codex" else StreamChecker
    return cls(profile, resumed=resumed, fragment=fragment)
