"""What a check is asked to do (:class:`CheckOptions`) and what it found (:class:`FileResult`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from validator.catalog import PROFILES, PROTOCOL_PROFILES
from validator.model.findings import Finding, Severity
from validator.model.outline import Outline
from validator.reading import reader

__all__ = ["CONTAINER_FORMATS", "INPUT_FORMATS", "MAX_LINE_BYTES", "CheckOptions", "FileResult"]

#: The default line limit: far beyond any real event (the largest terminal response seen is
#: ~30 MB), small enough that a transcript without line ends cannot exhaust memory.
MAX_LINE_BYTES = 64 << 20

#: Inputs that hold streams rather than being one: each embedded stream is checked on its own.
CONTAINER_FORMATS = ("cassette", "har", "websocket")
INPUT_FORMATS = (*reader.FORMATS, *CONTAINER_FORMATS)


@dataclass(frozen=True)
class CheckOptions:
    #: A profile of the stream's protocol; None: the protocol's default. Naming a profile names
    #: its protocol too.
    profile: str | None = None
    strict: bool = False
    #: True: the stream is resumed (``starting_after``); None: detect it.
    resumed: bool | None = None
    #: Check a mid-stream excerpt: waive the start and end rules.
    fragment: bool = False
    input_format: str = "auto"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: A protocol name (:data:`validator.protocols.PROTOCOLS`), or "auto": recognise it.
    protocol: str = "auto"
    #: Also draw the stream's outline (``FileResult.outline``) for the HTML report and ``show``.
    outline: bool = False
    #: The decoded JSON body of the request the stream answers, when known: the rules that depend
    #: on it (Chat Completions' ``n``, ``stream_options.include_usage``, ``tool_choice``) use it.
    request: Any = None
    #: The HTTP exchange the transcript is the body of, when known (an
    #: :class:`~validator.engine.exchange.HttpAnswer`: a saved proxy exchange's status, content
    #: type and request line): an answer that is not an event stream is then judged by them, as
    #: the proxy judged it live, rather than from the body alone.
    exchange: Any = None
    #: The longest line read from an ``sse`` or ``jsonl`` transcript, in bytes: a longer one is
    #: not held in memory but reported (RSP017) and its event counted as unreadable.
    max_line_bytes: int = MAX_LINE_BYTES

    def __post_init__(self) -> None:
        if self.profile is not None and self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r} (choose from {', '.join(PROFILES)})")
        if self.protocol != "auto" and self.protocol not in PROTOCOL_PROFILES:
            raise ValueError(
                f"unknown protocol {self.protocol!r} (choose from auto, {', '.join(PROTOCOL_PROFILES)})"
            )
        if self.profile is not None and self.protocol != "auto" and self.profile not in self.profiles():
            raise ValueError(
                f"profile {self.profile!r} is not a profile of the {self.protocol} protocol"
                f" (choose from {', '.join(self.profiles())})"
            )
        if (
            isinstance(self.max_line_bytes, bool)
            or not isinstance(self.max_line_bytes, int)
            or self.max_line_bytes < 1
        ):
            raise ValueError(f"max_line_bytes must be a positive integer, not {self.max_line_bytes!r}")
        if self.input_format not in INPUT_FORMATS:
            raise ValueError(
                f"unknown input format {self.input_format!r} (choose from {', '.join(INPUT_FORMATS)})"
            )

    @classmethod
    def from_json(cls, options: dict[str, Any] | None) -> CheckOptions:
        """Options written as JSON (an example's or a sidecar's ``options``): JSON has no tuples."""
        fields = dict(options or {})
        for key in ("select", "ignore"):
            if key in fields:
                fields[key] = tuple(fields[key])
        return cls(**fields)

    def profiles(self) -> tuple[str, ...]:
        return PROTOCOL_PROFILES[self.protocol]

    def named_protocol(self) -> str | None:
        """The protocol these options name (explicitly, or through the profile), if any."""
        if self.protocol != "auto":
            return self.protocol
        if self.profile is not None:
            return next(name for name, profiles in PROTOCOL_PROFILES.items() if self.profile in profiles)
        return None

    def for_protocol(self, protocol: str) -> CheckOptions:
        """These options for a stream of ``protocol``: the protocol named, the profile resolved."""
        return dataclasses.replace(
            self, protocol=protocol, profile=self.profile or PROTOCOL_PROFILES[protocol][0]
        )


@dataclass
class FileResult:
    path: str
    events: int = 0
    #: In report order. A list; from a check with ``spill`` (the command line's), a read-only
    #: :class:`~validator.engine.store.FindingStore`.
    findings: list[Finding] = field(default_factory=list)
    #: Set when the input could not be read at all (exit code 2).
    error: str | None = None
    input_format: str | None = None
    #: The stream's structure, when asked for (``CheckOptions.outline``) and the input is one stream.
    outline: Outline | None = None
    #: Set when the input was read but held nothing to check (a cassette or HAR file without a
    #: stream or WebSocket message): why. Such a file does not fail, and it does not pass either.
    notice: str | None = None
    #: The profiles its streams were checked against, each once (a cassette can record calls of
    #: several protocols); empty when nothing was checked. What the reports name.
    profiles: tuple[str, ...] = ()

    def failed(self, strict: bool = False) -> bool:
        threshold = Severity.WARNING if strict else Severity.ERROR
        if self.error is not None:
            return True
        return any(n for s, n in self.severity_counts().items() if s.rank >= threshold.rank)

    def severity_counts(self) -> dict[Severity, int]:
        """How many findings of each severity (every severity a key)."""
        stored = getattr(self.findings, "counts", None)
        if stored is not None:  # a FindingStore: counted as it was filled, not read again
            return {s: stored.get(s, 0) for s in Severity}
        counts = dict.fromkeys(Severity, 0)
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    @property
    def valid(self) -> bool:
        return not self.failed()
