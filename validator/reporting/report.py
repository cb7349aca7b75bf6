"""A run's results as one value, and the wording every reporter shares.

:class:`Report` holds the per-file results of one ``check`` run (in input order),
the options that shape their meaning (profile, ``--strict``) and, when a baseline
was applied, what it hid and which of its entries no longer occur. Reporters
render a ``Report``; none of them looks at files or options directly.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from validator.catalog import PROTOCOL_PROFILES
from validator.model.findings import Finding, Severity

if TYPE_CHECKING:
    from validator.engine import FileResult
    from validator.reading.excerpt import Excerpt
    from validator.reporting.baseline import StaleEntry

__all__ = ["Progress", "Report", "display_uri", "plural", "write_text"]

#: Exit codes: the contract users script against (see docs/USAGE.md).
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class Report:
    results: Sequence[FileResult]
    #: The profile asked for (or the default protocol's): what the report names when no result
    #: says which profile it was checked against (:attr:`profiles`).
    profile: str = "openai"
    strict: bool = False
    #: Seconds spent on each result, same order as ``results`` (JUnit times).
    durations: Sequence[float] = ()
    #: Findings hidden because the baseline records them.
    baselined: int = 0
    #: Baseline entries that no longer occur.
    stale: Sequence[StaleEntry] = ()
    #: True when a baseline was applied (changes the summary wording).
    with_baseline: bool = False
    #: path -> byte offset -> the transcript's line there (code frames, the HTML report's events).
    excerpts: Mapping[str, Mapping[int, Excerpt]] = field(default_factory=dict)
    #: rule id -> its documentation with examples (the text of ``rule RSPnnn``), for the HTML report.
    rule_docs: Mapping[str, str] = field(default_factory=dict)

    def excerpt(self, finding: Finding) -> Excerpt | None:
        found = self.excerpts.get(finding.path)
        if found is None:
            return None
        read = getattr(found, "read", None)
        if read is not None:  # excerpts read as the reporter asks for them (FileExcerpts)
            return read(finding)  # type: ignore[no-any-return]
        return found.get(finding.offset)

    @property
    def profiles(self) -> list[str]:
        """The profiles the results were checked against, each once in input order (a run over
        Chat Completions files names ``chat``, not the default protocol's ``openai``); the profile
        asked for when no result names one (nothing readable was checked)."""
        seen = list(dict.fromkeys(p for r in self.results for p in r.profiles))
        return seen or ([self.profile] if self.profile else [])

    def profile_for(self, protocol: str) -> str:
        """The profile ``protocol``'s rules were (or would be) reported under in this run: the one
        its results were checked against, else the one asked for if it is ``protocol``'s, else
        ``protocol``'s default."""
        own = PROTOCOL_PROFILES[protocol]
        return next((p for p in (*self.profiles, self.profile) if p in own), own[0])

    @property
    def threshold(self) -> Severity:
        return Severity.WARNING if self.strict else Severity.ERROR

    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    def counts(self) -> dict[Severity, int]:
        counts = dict.fromkeys(Severity, 0)
        for r in self.results:
            for severity, n in r.severity_counts().items():
                counts[severity] += n
        return counts

    @property
    def unreadable(self) -> list[FileResult]:
        return [r for r in self.results if r.error is not None]

    def failed_file(self, result: FileResult) -> bool:
        return result.failed(self.strict)

    @property
    def passed(self) -> bool:
        return not any(r.failed(self.strict) for r in self.results)

    def exit_code(self, exit_zero: bool = False) -> int:
        # Unreadable input is our side of the contract failing, so it outranks findings
        # and is not silenced by --exit-zero.
        if self.unreadable:
            return EXIT_USAGE
        if exit_zero or self.passed:
            return EXIT_OK
        return EXIT_FINDINGS

    def duration(self, index: int) -> float:
        return self.durations[index] if index < len(self.durations) else 0.0

    def summary_line(self) -> str:
        """The one-line verdict that ends the text output."""
        total = len(self.results)
        if total == 0:
            return "No transcripts to check."
        counts = self.counts()
        n_findings = sum(counts.values())
        files = plural(total, "file")
        empty = [r for r in self.results if r.notice is not None]
        if n_findings == 0:
            noun = "new findings" if self.with_baseline else "findings"
            checked = total - len(empty) - len(self.unreadable)
            if not checked and not self.unreadable:
                return f"Nothing checked: {plural(len(empty), 'file')} held no stream to check."
            if self.unreadable:
                line = f"Checked {files}."
            else:
                line = f"All checks passed: {plural(checked, 'file')}, 0 {noun}."
        else:
            parts = [plural(counts[s], s.value) for s in Severity if counts[s]]
            with_findings = sum(1 for r in self.results if r.findings)
            of = f"{with_findings} of {total} file" + ("" if total == 1 else "s")
            line = f"Found {', '.join(parts)} in {of}."
            if self.passed:
                # Warnings alone do not fail a run unless --strict; say so, or the
                # reader of a green CI log wonders why "Found" did not fail it.
                line += " No errors" + ("" if self.strict else " (warnings fail only with --strict)") + "."
        if empty:
            # Never a pass: a container that records no stream was read, not checked.
            line += f" {plural(len(empty), 'file')} held no stream to check."
        if self.unreadable:
            line += f" {plural(len(self.unreadable), 'file')} could not be read."
        if self.baselined:
            line += f" {plural(self.baselined, 'finding')} hidden by the baseline."
        if self.stale:
            n = len(self.stale)
            line += (
                f" {n} baseline {'entry' if n == 1 else 'entries'} no longer occur{'s' if n == 1 else ''}"
                " (rewrite the baseline with --write-baseline)."
            )
        return line


def display_uri(path: str) -> str:
    """A path as a relative POSIX path when it lies under the current directory."""
    if path == "-" or path.startswith("<"):
        return path
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            return p.as_posix()
    return Path(os.path.normpath(p)).as_posix()


def write_text(text: str, stream: IO[bytes]) -> None:
    """Write report text as UTF-8 without ever failing on what a transcript contained.

    Messages quote model output, which can hold lone surrogates (a JSON ``"\\ud800"``).
    ``backslashreplace`` turns one into the six characters ``\\ud800``: readable in
    text and, inside a JSON string, the same escape the transcript used.
    """
    stream.write(text.encode("utf-8", "backslashreplace"))
    stream.flush()


class Progress:
    """A one-line progress bar on a terminal, drawn only once a run has taken a while.

    Silent unless ``stream`` is a terminal; nothing is drawn before ``delay``
    seconds so that quick runs leave no trace. ``close()`` erases the line, so
    the report that follows (and its summary line) stays last.

    Several files: files done of the total (:meth:`advance`). One file: bytes read of its
    size (:meth:`read`), so a long check of one large transcript shows it is moving; ``size``
    is None when it cannot be known (standard input), and then the bytes read so far are shown.
    """

    WIDTH = 30
    #: Seconds between redraws while one file is read (a chunk is read every few milliseconds).
    INTERVAL = 0.1

    def __init__(
        self,
        total: int,
        stream: IO[str] | None = None,
        *,
        enabled: bool = True,
        delay: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = "",
        size: int | None = None,
    ) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total > 0 and _isatty(self.stream)
        self.delay = delay
        self.clock = clock
        self.start = clock()
        self.done = 0
        self.drawn = False
        #: The single file's name as shown, its size, and the bytes of it read so far.
        self.name = name
        self.size = size
        self.bytes = 0
        self.last = float("-inf")

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.enabled and self.total > 1 and self.clock() - self.start >= self.delay:
            self._draw(f"Checking {self._bar(self.done, self.total)} {self.done}/{self.total} files")

    def read(self, n: int) -> None:
        """``n`` more bytes of the single file were read."""
        self.bytes += n
        now = self.clock()
        if not self.enabled or now - self.start < self.delay or now - self.last < self.INTERVAL:
            return
        self.last = now
        done = _bytes(self.bytes)
        if self.size:
            line = f"{self._bar(min(self.bytes, self.size), self.size)} {done} of {_bytes(self.size)}"
        else:
            line = f"{done} read"
        self._draw(f"Checking {self.name} {line}" if self.name else f"Checking {line}")

    def _bar(self, done: int, total: int) -> str:
        filled = self.WIDTH * done // total
        return "[" + "#" * filled + "-" * (self.WIDTH - filled) + "]"

    def _draw(self, line: str) -> None:
        self.stream.write(f"\r\x1b[2K{line}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.drawn = False


def _bytes(n: int) -> str:
    """A byte count for people, in decimal units as file managers and curl show sizes."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
