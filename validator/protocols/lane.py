"""The fast lane: a run of deltas checked as a whole, with the same verdict as event by event.

Nearly every event of a real transcript is a delta, and deltas come in runs: the tokens of
one text, one after the other, each framed exactly like the one before it. Event by event,
each costs a framing step, a decode, a schema call and a state-machine step, the last three
in Python. The reader hands such a run over as one :class:`~validator.model.events.RawRun`; here
it is decoded with one ``map``, validated with one schema call over the list (the schemas'
``all_fast``), and fed to the state machine at once (the machine's ``feed_run``), which takes it
only when every event is one its usual path would accept with no finding. Any protocol whose
schemas and machine have those (:class:`RunSchemas`, :class:`RunMachine`) can use it: Responses
for its text deltas, Anthropic Messages for the deltas of one content block. Chat Completions,
whose runs mix text, tool-call fragments and the odd chunk the machine must see itself, uses
:class:`PrefixLane`: the machine takes what it can of a run and the rest goes event by event.

Anything else (a decode error, a schema failure, a sequence gap, a delta for another item,
a stream not yet inside a run) sends the run through the ordinary path, event by event,
before any state has changed. So the lane decides nothing: findings, positions and state
are those of the ordinary path, which the tests check on every transcript and mutant with
the lane on and off.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

import orjson

from validator.model.events import RawEvent, RawRun
from validator.model.findings import Issue
from validator.model.outline import RunObserver
from validator.reading import decode

__all__ = ["Lane", "PrefixLane", "PrefixMachine", "RunMachine", "RunSchemas", "RunVerdicts", "decode_run"]


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


_M = TypeVar("_M")
_S = TypeVar("_S")


class _RunLane(Generic[_M, _S]):
    """What every lane holds: the stream's machine and schemas, and who is told of its runs."""

    __slots__ = ("events", "machine", "observer", "schemas")

    def __init__(self, machine: _M, schemas: _S) -> None:
        self.machine = machine
        self.schemas = schemas
        #: Told of each run taken (its name, decoded events and first index): the outline.
        self.observer: RunObserver | None = None
        #: Events checked here (they never reach the consumer).
        self.events = 0

    def observe(self, observer: RunObserver) -> None:
        self.observer = observer


class Lane(_RunLane[RunMachine, RunSchemas]):
    """Takes the runs of a reader's output it can; passes everything else on, in order."""

    __slots__ = ()

    def through(self, items: Iterable[RawEvent | RawRun | Issue]) -> Iterator[RawEvent | Issue]:
        """``items`` with the runs taken out: a run not taken comes as its events.

        The consumer checks each item before asking for the next, so the machine is up to
        date whenever a run is tried.
        """
        for item in items:
            if type(item) is not RawRun:
                yield item
                continue
            if item.name is None:
                # Data-only blocks: the machines of this lane take only runs under one event name.
                yield from item.events()
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
        # (An integer orjson rounds is a float, which the machine's integer checks refuse.)
        events = decode_run(payloads, long)
        # Every event schema is an object with its own ``type`` (a test holds the schemas to it),
        # so the events the schemas pass are dicts of type ``name``.
        if events is not None and self.schemas.all_fast(name, events) and self.machine.feed_run(name, events):
            return events
        return None


def decode_run(payloads: list[bytes], long: bool = True) -> list[Any] | None:
    """The payloads decoded, or None when one is not for a lane: broken JSON, or nested deeper
    than the ordinary path takes (RSP002)."""
    try:
        events: list[Any] = list(map(orjson.loads, payloads))
    except orjson.JSONDecodeError:
        return None
    # ``long``: the reader saw a payload that could nest that deep (RawRun.long).
    if long and max(map(len, payloads)) > decode.SHALLOW and any(map(decode.too_deep, events)):
        return None
    return events


class PrefixMachine(Protocol):
    def takes_runs(self, etype: str | None) -> bool:
        """Could events of a run framed ``etype`` ever take the usual path?"""
        ...

    def feed_prefix(self, etype: str | None, events: list[Any], start: int, stop: int) -> int:
        """Take ``events[start:stop]`` (each valid against its schema) up to the first that
        would not take the usual path with no finding; how many were taken (the state is that
        of feeding those one by one)."""
        ...


class RunVerdicts(Protocol):
    def run_verdicts(self, event_type: str | None, events: list[Any]) -> list[bool] | None:
        """Is each event valid, with nothing else to check (None: every one is)?"""
        ...


class PrefixLane(_RunLane[PrefixMachine, RunVerdicts]):
    """A lane for streams whose runs hold more than one kind of event (a chunk of Chat Completions
    is text, a tool call's arguments or its start, under the one ``data:`` framing): the machine
    takes a run's events as far as it can, the one it refuses goes the ordinary way, and the
    machine tries again from the next. A run is decoded and validated once, whatever it holds."""

    __slots__ = ()

    def through(self, items: Iterable[RawEvent | RawRun | Issue]) -> Iterator[RawEvent | Issue]:
        """``items`` with the events of runs the machine takes taken out, the others one by one.

        The consumer checks each item before asking for the next, so the machine is up to
        date whenever it is offered the rest of a run.
        """
        machine = self.machine
        for item in items:
            if type(item) is not RawRun:
                yield item
                continue
            name = item.name
            events = decode_run(item.payloads, item.long) if machine.takes_runs(name) else None
            if events is None:
                yield from item.events()
                continue
            valid = self.schemas.run_verdicts(name, events)
            count = len(events)
            offsets: list[int] | None = None
            i = 0
            while True:
                stop = count if valid is None else _next_false(valid, i, count)
                taken = machine.feed_prefix(name, events, i, stop) if stop > i else 0
                if taken:
                    self.events += taken
                    if self.observer is not None:
                        self.observer(item, events[i : i + taken], i)
                    i += taken
                if i == count:
                    break
                if offsets is None:
                    offsets = item.offsets()
                yield item.event(i, offsets[i])
                i += 1
                if i == count:
                    break


def _next_false(flags: list[bool], start: int, stop: int) -> int:
    try:
        return flags.index(False, start, stop)
    except ValueError:
        return stop
