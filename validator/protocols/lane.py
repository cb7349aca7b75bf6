"""The fast lane: a run of deltas checked as a whole, with the same verdict as event by event.

Nearly every event of a real transcript is a delta, and deltas come in runs: the tokens of
one text, one after the other, each framed exactly like the one before it. Event by event,
each costs a framing step, a decode, a schema call and a state-machine step, the last three
in Python. The reader hands such a run over as one :class:`~validator.model.events.RawRun`; here
it is decoded with one ``map``, validated with one schema call over the list (the schemas'
``all_fast``), and fed to the state machine at once (the machine's ``feed_run``), which takes it
only when every event is one its usual path would accept with no finding. Any protocol whose
schemas and machine have those (:class:`RunSchemas`, :class:`RunMachine`) can use it: Responses
for its text deltas, Anthropic Messages for the deltas of one content block.

Anything else (a decode error, a schema failure, a sequence gap, a delta for another item,
a stream not yet inside a run) sends the run through the ordinary path, event by event,
before any state has changed. So the lane decides nothing: findings, positions and state
are those of the ordinary path, which the tests check on every transcript and mutant with
the lane on and off.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import orjson

from validator.model.events import RawEvent, RawRun
from validator.model.findings import Issue
from validator.model.outline import RunObserver
from validator.reading import decode

__all__ = ["Lane", "RunMachine", "RunSchemas"]


class RunMachine(Protocol):
    def takes_runs(self, etype: str) -> bool:
        """Is the stream where a run of ``etype`` events could go on?"""
        ...

    def feed_run(self, etype: str, events: list[dict[str, Any]]) -> bool:
        """Take the run (True) only if each event would take the usual path with no finding;
        otherwise change nothing (False)."""
        ...


class RunSchemas(Protocol):
    def all_fast(self, event_type: str, events: list[Any]) -> bool:
        """Are all these events of ``event_type`` valid, with nothing else to check?"""
        ...


class Lane:
    """Takes the runs of a reader's output it can; passes everything else on, in order."""

    __slots__ = ("events", "machine", "observer", "schemas")

    def __init__(self, machine: RunMachine, schemas: RunSchemas) -> None:
        self.machine = machine
        self.schemas = schemas
        #: Told of each run taken (its name, decoded events and first index): the outline.
        self.observer: RunObserver | None = None
        #: Events checked here (they never reach the consumer).
        self.events = 0

    def observe(self, observer: RunObserver) -> None:
        self.observer = observer

    def through(self, items: Iterable[RawEvent | RawRun | Issue]) -> Iterator[RawEvent | Issue]:
        """``items`` with the runs taken out: a run not taken comes as its events.

        The consumer checks each item before asking for the next, so the machine is up to
        date whenever a run is tried.
        """
        for item in items:
            if type(item) is not RawRun:
                yield item
                continue
            start = 0
            if not self.machine.takes_runs(item.name):
                # The run's first delta opens the run in the machine (its lookup, its findings).
                yield next(item.events())
                start = 1
            payloads = item.payloads[start:] if start else item.payloads
            events = self._take(item.name, payloads, item.long) if payloads else None
            if events is not None:
                self.events += len(payloads)
                if self.observer is not None:
                    self.observer(item, events, start)
            else:
                yield from item.events(start)

    def _take(self, name: str, payloads: list[bytes], long: bool = True) -> list[Any] | None:
        """The run's events when the machine took them, else None."""
        try:
            events: list[Any] = list(map(orjson.loads, payloads))
        except orjson.JSONDecodeError:
            return None
        # What the ordinary path reports as RSP002 (too deep) is not for the lane to take. (An
        # integer orjson rounds is a float, which the machine's integer checks refuse.)
        if long and max(map(len, payloads)) > decode.SHALLOW and any(map(decode.too_deep, events)):
            return None
        # Every event schema is an object with its own ``type`` (a test holds the schemas to it),
        # so the events the schemas pass are dicts of type ``name``.
        if self.schemas.all_fast(name, events) and self.machine.feed_run(name, events):
            return events
        return None
