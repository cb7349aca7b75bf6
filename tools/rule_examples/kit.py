"""What every protocol's rule examples share: the example, its registration, its sidecar and files.

An example is a ``bad`` stream with exactly one defect and the ``good`` stream without it, both
built from a protocol's realistic streams (``responses/streams.py``,
:mod:`validator.protocols.chat.builder`, :mod:`validator.tools.probe.messagekit`). A mark on an
event means "a finding for this rule points at this event's ``data:`` line"; an end mark means
"at the end of the input" (the line after the last line break). The renderer knows the line of
every line it writes, so the sidecar's line numbers are computed, never typed by hand.

Each protocol's module registers its examples with :func:`example` and gives a :class:`Format`
(how its streams render, which options its sidecars carry); :func:`build` turns a rule's example
into the files of ``corpus/rules/<ID>/``.
"""

from __future__ import annotations

import copy
import functools
import json
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from validator.catalog import RULES

__all__ = [
    "DELETE",
    "EXAMPLES",
    "FORMATS",
    "Example",
    "Format",
    "Member",
    "Rendered",
    "Variant",
    "build",
    "example",
    "har_example",
    "members",
    "sidecar",
]


@dataclass
class Rendered:
    """A transcript's bytes and the (rule, line) of every finding it should give."""

    data: bytes
    findings: list[tuple[str, int]]


@dataclass
class Variant:
    """A further bad example of a rule, a case or profile of its own (``bad-<name>.<ext>``)."""

    name: str
    about: str
    bad: list[Any]
    options: dict[str, Any] = field(default_factory=dict)
    #: rule -> the severity its findings have under these options (written to the sidecar, tested).
    severities: dict[str, str] = field(default_factory=dict)


@dataclass
class Example:
    rule: str
    about_bad: str
    about_good: str
    #: The streams, as the protocol's builder makes them (events, frames).
    bad: list[Any]
    good: list[Any]
    #: CheckOptions fields of the sidecar; None: the protocol's (:attr:`Format.options`).
    options: dict[str, Any] | None = None
    end_marks: list[str] = field(default_factory=list)
    bad_terminated: bool = True
    #: The transcript's format, for protocols with more than one (``sse``, ``jsonl``, ``eventstream``).
    ext: str = "sse"
    #: Edits the bad example's bytes after rendering (framing defects no builder writes).
    edit: Callable[[bytes], bytes] | None = None
    #: Examples that are not a bare stream come rendered, as (extension, bad, good): a WebSocket
    #: transcript (``jsonl``), a cassette (``yaml``), a HAR file. ``bad`` and ``good`` are then empty.
    files: tuple[str, Rendered, Rendered] | None = None
    #: For a rule only the live probe raises: ``{"scenario": name}``, whose answers bad and good are.
    probe: dict[str, Any] | None = None
    #: Further bad examples (``bad-<name>.<ext>`` with ``bad-<name>.expected.json``); the good
    #: example is clean under their options too.
    variants: list[Variant] = field(default_factory=list)


#: How one protocol's streams render: (events, header comment or None, ext, terminated, end marks).
Render = Callable[[list[Any], str, str, bool, Iterable[str]], Rendered]


@dataclass(frozen=True)
class Format:
    """One protocol's examples: how a stream renders, and the options its sidecars carry."""

    render: Render
    #: The sidecar's options for an example (its own, or the protocol's default).
    options: Callable[[Example], dict[str, Any]]


#: rule id -> the function that builds its example, for every protocol.
EXAMPLES: dict[str, Callable[[], Example]] = {}
#: protocol name -> its format (filled by each protocol's module).
FORMATS: dict[str, Format] = {}


def example(rule: str) -> Callable[[Callable[[], Example]], Callable[[], Example]]:
    def register(fn: Callable[[], Example]) -> Callable[[], Example]:
        EXAMPLES[rule] = fn
        return fn

    return register


#: A :class:`Member` value that deletes the member instead of setting it.
DELETE: Any = object()

#: Which events of a stream: an index, a slice, or a function of the stream giving an index.
At = int | slice | Callable[[list[Any]], int]


def _indices(events: list[Any], at: At) -> range:
    if callable(at):
        at = at(events)
    picked = range(len(events))[at]
    return picked if isinstance(picked, range) else range(picked, picked + 1)


@dataclass(frozen=True)
class Member:
    """An example whose bad stream is the good one with one member of some events set to
    ``value`` (or deleted, :data:`DELETE`), the first of them marked (or the event ``mark``
    names): most schema, constancy and consistency defects are one field a server gets wrong,
    and a table of them says only what differs."""

    #: The rule's (bad, good) streams, built alike.
    streams: Callable[[str], tuple[list[Any], list[Any]]]
    at: At
    #: Keys from the event's body (:attr:`body`) to the member.
    path: tuple[str | int, ...]
    value: Any
    about_bad: str
    about_good: str
    mark: At | None = None
    #: An event's JSON body (the protocols' event classes name it differently).
    body: Callable[[Any], Any] = operator.attrgetter("data")

    def example(self, rule: str) -> Example:
        bad, good = self.streams(rule)
        changed = _indices(bad, self.at)
        *parents, last = self.path
        for i in changed:
            owner = self.body(bad[i])
            for key in parents:
                owner = owner[key]
            if self.value is DELETE:
                del owner[last]
            else:
                owner[last] = copy.deepcopy(self.value)
        marked = changed[0] if self.mark is None else _indices(bad, self.mark)[0]
        bad[marked].mark(rule)
        return Example(rule, self.about_bad, self.about_good, bad, good)


def members(table: Mapping[str, Member]) -> None:
    """Registers each :class:`Member` of ``table`` as its rule's example."""
    for rule, member in table.items():
        example(rule)(functools.partial(member.example, rule))


def sidecar(
    options: dict[str, Any], findings: Iterable[tuple[str, int]], probe: dict[str, Any] | None = None
) -> bytes:
    """``bad.expected.json``: the options, the probe scenario if any, and the findings by line."""
    data: dict[str, Any] = {"options": options}
    if probe is not None:
        data["probe"] = probe
    data["findings"] = [{"rule": r, "line": n} for r, n in sorted(findings, key=lambda f: (f[1], f[0]))]
    return (json.dumps(data, indent=2) + "\n").encode()


def header(rule: str, which: str, about: str) -> str:
    """The comment that opens an example: what it shows."""
    return f"{rule} {RULES[rule].name} - {which}: {about}"


def build(rule: str) -> dict[str, bytes]:
    """The files of ``corpus/rules/<rule>/``: bad, good, the sidecar, and any variants."""
    ex = EXAMPLES[rule]()
    fmt = FORMATS[RULES[rule].protocol]
    if ex.files is not None:
        ext, bad, good = ex.files
    else:
        ext = ex.ext
        bad = fmt.render(ex.bad, header(rule, "bad", ex.about_bad), ext, ex.bad_terminated, ex.end_marks)
        good = fmt.render(ex.good, header(rule, "good", ex.about_good), ext, True, ())
        if ex.edit is not None:
            bad = Rendered(ex.edit(bad.data), bad.findings)
    assert not good.findings, f"{rule}: marks in the good example"
    out = {
        f"bad.{ext}": bad.data,
        f"good.{ext}": good.data,
        "bad.expected.json": sidecar(fmt.options(ex), bad.findings, ex.probe),
    }
    for v in ex.variants:
        more = fmt.render(v.bad, f"{rule} {RULES[rule].name} - bad ({v.name}): {v.about}", ext, True, ())
        findings = [
            {"rule": r, "line": line, **({"severity": v.severities[r]} if r in v.severities else {})}
            for r, line in sorted(more.findings, key=lambda f: (f[1], f[0]))
        ]
        out[f"bad-{v.name}.{ext}"] = more.data
        out[f"bad-{v.name}.expected.json"] = (
            json.dumps({"options": v.options, "findings": findings}, indent=2) + "\n"
        ).encode()
    return out


def har_file(
    call: dict[str, Any],
    status: int,
    content_type: str,
    body: bytes,
    rule: str | None = None,
) -> tuple[bytes, list[tuple[str, int]]]:
    """A HAR file recording one streamed call and its answer; the (rule, line) of the entry when
    ``rule`` is given (findings about an answer point at its entry).

    ``call`` says what differs between protocols: ``url``, request ``headers``, the request body
    (``request``), the entry's ``time`` and the ``creator`` name the file carries.
    """
    entry = {
        "startedDateTime": "2026-01-02T10:00:00.000Z",
        "time": call["time"],
        "request": {
            "method": "POST",
            "url": call["url"],
            "httpVersion": "HTTP/1.1",
            "headers": call["headers"],
            "postData": {"mimeType": "application/json", "text": json.dumps(call["request"])},
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "content-type", "value": content_type}],
            "content": {"size": len(body), "mimeType": content_type, "text": body.decode()},
        },
    }
    doc = {
        "log": {
            "version": "1.2",
            "creator": {"name": call["creator"], "version": "1"},
            "entries": [entry],
        }
    }
    text = json.dumps(doc, indent=2) + "\n"
    line = text.split("\n").index('    "entries": [') + 2
    return text.encode(), [(rule, line)] if rule else []


#: An HTTP answer: status, content type, body.
Answer = tuple[int, str, bytes]


def har_example(
    call: dict[str, Any], rule: str, about_bad: str, about_good: str, bad: Answer, good: Answer, **kw: Any
) -> Example:
    """An example about how a streamed call is answered: a HAR file of ``call`` (:func:`har_file`)
    answered ``bad``, its finding at the entry, and one answered ``good``; ``kw``: more
    :class:`Example` fields."""
    data, marks = har_file(call, *bad, rule)
    fixed, _ = har_file(call, *good)
    return Example(
        rule, about_bad, about_good, [], [], files=("har", Rendered(data, marks), Rendered(fixed, [])), **kw
    )
