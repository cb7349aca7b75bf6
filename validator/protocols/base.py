"""The protocol boundary: what the engine, the reporters, the CLI and the tools know of a protocol.

A protocol is a subpackage of :mod:`validator.protocols` whose ``PROTOCOL`` is an instance of a
:class:`StreamProtocol` subclass, listed in :data:`validator.protocols.PROTOCOLS`, and whose
rules are catalog entries under :mod:`validator.catalog`. The engine asks it:

* which streams are its own (:meth:`~StreamProtocol.sniff` on the first bytes,
  :meth:`~StreamProtocol.recognises` on the first decoded event, and
  :meth:`~StreamProtocol.is_request` for a recorded or proxied HTTP call);
* which schemas check an event (:meth:`~StreamProtocol.schemas`, a :class:`SchemaSet`);
* which state machine follows the stream (:meth:`~StreamProtocol.machine`, a :class:`Machine`);
* optionally, a fast lane for runs of events framed alike (:meth:`~StreamProtocol.lane`);
* optionally, what a non-streaming answer must be (:meth:`~StreamProtocol.answer_issues`).

Framing (SSE, JSON Lines, JSON arrays, containers) and decoding belong to the reading layer and
are the same for every protocol; what a protocol says about framing (``[DONE]``, ``event:``
names) it says in its machine, from the framed events it is fed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Protocol

from validator.model.events import Event, RawEvent, RawRun
from validator.model.findings import Issue, Position
from validator.model.outline import OutlineBuilder, RunObserver

__all__ = ["Lane", "Machine", "OutlineBuilder", "PassThrough", "SchemaSet", "StreamProtocol"]


class SchemaSet(Protocol):
    """One profile's schemas: the JSON Schema of each event type."""

    #: event type -> a predicate that says "valid" cheaply (filled as types are met); an event
    #: whose type is missing here, or for which the predicate is False, goes to :meth:`check`.
    fast: dict[str, Callable[[Any], bool]]

    def check(self, event: dict[str, Any]) -> list[Issue]:
        """The schema findings of one decoded event (``pointer`` into the event)."""
        ...


class Machine(Protocol):
    """A protocol's state machine over one stream, fed event by event in input order."""

    def feed(self, event: Event) -> list[Issue]:
        """A decoded event (``event.schema_ok`` says whether it passed its schema)."""
        ...

    def feed_done(self, raw: RawEvent) -> list[Issue]:
        """The ``[DONE]`` sentinel."""
        ...

    def feed_undecodable(self, raw: RawEvent) -> None:
        """An event whose JSON could not be decoded (already reported by the decoder)."""
        ...

    def finish(self, end: Position) -> list[Issue]:
        """The end of the input, at ``end``."""
        ...

    def shared_string(self, value: str) -> str:
        """The copy of ``value`` the machine already holds, or ``value`` (for decoding huge events
        without duplicating ids the stream has already carried)."""
        ...


class Lane(Protocol):
    """A fast path over the reader's items: runs of events framed alike handled at once."""

    #: How many events the lane handled itself (the engine counts the others).
    events: int

    def through(self, items: Iterable[RawEvent | RawRun | Issue]) -> Iterator[RawEvent | Issue]: ...

    def observe(self, observer: RunObserver) -> None:
        """Tell ``observer`` of each run the lane handles itself (the outline must see its events)."""
        ...


class PassThrough:
    """The lane of a protocol without one: every run is taken apart into its events."""

    events = 0

    def observe(self, observer: RunObserver) -> None:
        pass  # no run is handled here: every event reaches the engine

    def through(self, items: Iterable[RawEvent | RawRun | Issue]) -> Iterator[RawEvent | Issue]:
        for item in items:
            if isinstance(item, RawRun):
                yield from item.events()
            else:
                yield item


class StreamProtocol(ABC):
    """One streaming protocol, as the engine and the tools see it."""

    #: Short name, as given to ``--protocol``.
    name: ClassVar[str]
    #: What a person calls it.
    title: ClassVar[str]
    #: The prefix of its rule ids in the catalog.
    rule_prefix: ClassVar[str]
    #: Its profiles; the first is the default.
    profiles: ClassVar[tuple[str, ...]]
    #: The reading layer's findings under this protocol's own ids. Framing and decoding are shared
    #: and raise the Responses ids (RSP001 invalid UTF-8, RSP002 broken JSON, ...); a protocol with
    #: its own catalog names its equivalents here, and None drops a finding it does not have.
    reading_rules: ClassVar[Mapping[str, str | None]] = {}

    @property
    def default_profile(self) -> str:
        return self.profiles[0]

    @abstractmethod
    def sniff(self, head: bytes) -> bool:
        """Whether a transcript starting with ``head`` (its first few KB) is of this protocol."""

    @abstractmethod
    def recognises(self, payload: Any) -> bool:
        """Whether a decoded event (the first of a stream) is of this protocol."""

    @abstractmethod
    def is_request(self, method: str, path: str) -> bool:
        """Whether an HTTP call (from a cassette, a HAR file or the proxy) is of this protocol."""

    @abstractmethod
    def schemas(self, profile: str, strict: bool) -> SchemaSet:
        """The schemas of ``profile`` (cached: called once per stream)."""

    @abstractmethod
    def machine(self, profile: str, *, resumed: bool | None, fragment: bool, request: Any = None) -> Machine:
        """A new state machine for one stream; ``request`` is the decoded body of the request the
        stream answers, when known (``--request``, a cassette or HAR file), for the rules that
        depend on it."""

    def lane(self, machine: Machine, schemas: SchemaSet) -> Lane:
        """A fast lane for this stream; the default takes every run apart."""
        return PassThrough()

    def wants_runs(self) -> bool:
        """Whether the reader should frame runs of events framed alike for :meth:`lane`."""
        return False

    def is_answer(self, value: Any) -> bool:
        """Whether ``value`` (a whole decoded JSON document) is this protocol's non-streaming
        answer, as :meth:`answer_issues` checks one, rather than an event: what lets ``check`` on
        a saved answer report what the proxy reported on it live."""
        return False

    def answer_issues(
        self, value: Any, profile: str, strict: bool, request: Any = None
    ) -> list[Issue] | None:
        """The findings of a non-streaming answer: ``value`` is the decoded JSON body of a 2xx
        answer to a request that asked for no stream (``pointer`` into that body), ``request``
        that request's decoded body when known (the rules that depend on it). None: this
        protocol does not say what such an answer must be (it is not checked)."""
        return None

    def outline(self) -> OutlineBuilder | None:
        """A builder of one stream's outline (:mod:`validator.model.outline`), fed like the machine,
        for the HTML report and ``show``; None: this protocol draws no outline yet."""
        return None
