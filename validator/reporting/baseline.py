"""Baselines: accept today's findings, fail only on new ones.

A finding is recorded by a key that survives unrelated edits to a transcript:
its path (relative to the baseline file, so the baseline works from any
directory), rule, event type and message, with how many times that key occurs.
Line numbers are deliberately left out, also those a message names (masked as
``line *``): inserting an event above a known problem must not turn it into a
"new" one.

Applying a baseline hides, per key, at most the recorded number of findings
(the first ones in file order); the rest are new. A recorded key that now occurs
fewer times than recorded is *stale*: the problem was fixed, and the baseline
should be rewritten so that it cannot hide a regression later.

Writing one (:func:`write_baseline`) never holds a run's keys all at once: a million findings
with distinct messages are a million keys, over a gigabyte as a ``Counter``. They are counted
:data:`_RUN_KEYS` at a time, each sorted run kept in a temporary file, and the runs merged into
the file, which is byte for byte what :meth:`Baseline.dumps` gives.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from validator.model.findings import Finding, Severity
from validator.model.meta import COMMAND

if TYPE_CHECKING:
    from validator.engine import FileResult

__all__ = ["Baseline", "BaselineError", "Key", "StaleEntry", "without_positions", "write_baseline"]

FORMAT_VERSION = 1

#: A line named inside a message: "(added at line 8)", "body line 9", "(line 12)".
_LINE = re.compile(r"\bline \d+")


def without_positions(message: str) -> str:
    """A message with the lines it names masked (``line *``), for keys that survive edits.

    Some messages point back at where an item was added (RSP228, RSP233, RSP244) or at a line
    inside a cassette's body: one line added above would otherwise make a known finding new.
    """
    return _LINE.sub("line *", message)


class BaselineError(Exception):
    """The baseline file is missing, unreadable or not a baseline."""


@dataclass(frozen=True, order=True)
class Key:
    path: str
    rule: str
    event_type: str
    message: str


@dataclass(frozen=True)
class StaleEntry:
    key: Key
    recorded: int
    found: int

    def describe(self) -> str:
        where = f" on {self.key.event_type}" if self.key.event_type else ""
        return (
            f"{self.key.path}: {self.key.rule}{where}: {self.key.message}"
            f" (recorded {self.recorded}, found {self.found})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self.key), "recorded": self.recorded, "found": self.found}


class Baseline:
    def __init__(self, counts: Counter[Key], root: Path) -> None:
        self.counts = counts
        #: Paths in the keys are relative to this directory (the baseline file's).
        self.root = root
        self._relpaths: dict[str, str] = {}

    # ------------------------------------------------------------------ keys
    def relpath(self, path: str) -> str:
        known = self._relpaths.get(path)
        if known is None:  # (asked once per finding: every finding of a file has the same path)
            known = self._relpaths[path] = self._relpath(path)
        return known

    def _relpath(self, path: str) -> str:
        if path == "-" or path.startswith("<"):
            return path
        return Path(os.path.relpath(Path(path).absolute(), self.root.absolute())).as_posix()

    def key(self, f: Finding) -> Key:
        return Key(self.relpath(f.path), f.rule, f.event_type or "", without_positions(f.message))

    # ------------------------------------------------------------------ I/O
    @classmethod
    def from_results(cls, results: Iterable[FileResult], baseline_file: str | Path) -> Baseline:
        baseline = cls(Counter(), Path(baseline_file).absolute().parent)
        baseline.counts.update(baseline.key(f) for r in results for f in r.findings)
        return baseline

    @classmethod
    def load(cls, baseline_file: str | Path) -> Baseline:
        path = Path(baseline_file)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BaselineError(f"baseline {path} is not JSON: {exc}") from None
        if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
            raise BaselineError(f"{path} is not an {COMMAND} baseline (expected version {FORMAT_VERSION})")
        counts: Counter[Key] = Counter()
        try:
            for entry in doc["findings"]:
                key = Key(entry["path"], entry["rule"], entry.get("event_type") or "", entry["message"])
                counts[key] += int(entry.get("count", 1))
        except (KeyError, TypeError, ValueError) as exc:
            raise BaselineError(f"baseline {path} has a malformed entry ({exc!r})") from None
        return cls(counts, path.absolute().parent)

    def dumps(self) -> str:
        entries = [{**dataclasses.asdict(k), "count": n} for k, n in sorted(self.counts.items())]
        doc = {"version": FORMAT_VERSION, "tool": COMMAND, "findings": entries}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def write(self, baseline_file: str | Path) -> None:
        Path(baseline_file).write_bytes(self.dumps().encode("utf-8", "backslashreplace"))

    # ------------------------------------------------------------------ applying
    def apply(self, results: Sequence[FileResult]) -> tuple[list[FileResult], int, list[StaleEntry]]:
        """Results without the baselined findings, how many were hidden, and the stale entries.

        Only the keys the baseline records are counted (a run's other findings are new whatever
        their key), so a run with a million findings needs no more memory than its baseline.
        A result whose findings are a spilled store gets a view of them (:class:`_Unbaselined`)
        rather than a list.
        """
        found: Counter[Key] = Counter()
        kept_results = []
        hidden = 0
        for result in results:
            view = _Unbaselined(self, result.findings)
            counts = getattr(result.findings, "counts", None)
            if counts is None:  # a list: the kept findings as a list
                kept: Any = list(view.filtered(found))
            else:  # a FindingStore: a view, counted now, read again when written
                kept = view
                view.count(found)
            hidden += len(result.findings) - len(kept)
            kept_results.append(dataclasses.replace(result, findings=kept))
        # Only judge entries for files this run looked at (a run over one file must not
        # call the rest of the baseline stale), plus files that no longer exist at all.
        checked = {self.relpath(r.path) for r in results if r.error is None}
        stale = [
            StaleEntry(key, recorded, found[key])
            for key, recorded in sorted(self.counts.items())
            if found[key] < recorded and (key.path in checked or not self._exists(key.path))
        ]
        return kept_results, hidden, stale

    def _exists(self, relpath: str) -> bool:
        return relpath == "-" or relpath.startswith("<") or (self.root / relpath).exists()


#: Distinct keys counted in memory before they are sorted and moved to a temporary file.
_RUN_KEYS = 100_000
#: Bytes read at once from a run.
_BLOCK = 1 << 16


def write_baseline(results: Iterable[FileResult], baseline_file: str | Path) -> tuple[int, int]:
    """Write the baseline of ``results`` (as ``Baseline.from_results(...).write(...)`` does);
    how many findings it records, and in how many entries.

    Applying it to the same results hides every finding and finds nothing stale, so the caller
    needs no :class:`Baseline` in memory afterwards either.
    """
    import heapq
    import tempfile

    keys = Baseline(Counter(), Path(baseline_file).absolute().parent)
    total = 0
    with tempfile.TemporaryFile(prefix="baseline-") as spill:
        runs: list[tuple[int, int]] = []
        held: Counter[tuple[str, str, str, str]] = Counter()

        def flush() -> None:
            start = spill.tell()
            for key, n in sorted(held.items()):
                line = json.dumps([*key, n], ensure_ascii=False) + "\n"
                spill.write(line.encode("utf-8", "surrogatepass"))
            runs.append((start, spill.tell()))
            held.clear()

        for result in results:
            for f in result.findings:
                k = keys.key(f)
                held[(k.path, k.rule, k.event_type, k.message)] += 1
                total += 1
                if len(held) >= _RUN_KEYS:
                    flush()
        if held or not runs:
            flush()
        spill.flush()
        fd = spill.fileno()
        merged = heapq.merge(*(_run(fd, start, end) for start, end in runs))
        entries = 0
        with open(baseline_file, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as out:
            out.write(f'{{\n  "version": {FORMAT_VERSION},\n  "tool": {json.dumps(COMMAND)},\n')
            out.write('  "findings": [')
            sep = "\n    "
            for key, n in _summed(merged):
                entry = dict(zip(("path", "rule", "event_type", "message"), key, strict=True))
                entry["count"] = n
                out.write(sep + json.dumps(entry, indent=2, ensure_ascii=False).replace("\n", "\n    "))
                sep = ",\n    "
                entries += 1
            out.write("\n  ]\n}\n" if entries else "]\n}\n")
    return total, entries


def _run(fd: int, start: int, end: int) -> Iterator[tuple[tuple[str, str, str, str], int]]:
    """A sorted run's keys and counts, read a block at a time."""
    rest = b""
    while start < end:
        block = os.pread(fd, min(_BLOCK, end - start), start)
        start += len(block)
        *lines, rest = (rest + block).split(b"\n")
        for line in lines:
            *key, n = json.loads(line.decode("utf-8", "surrogatepass"))
            yield tuple(key), n  # type: ignore[misc]


def _summed(
    merged: Iterator[tuple[tuple[str, str, str, str], int]],
) -> Iterator[tuple[tuple[str, str, str, str], int]]:
    """Merged runs' counts, a key met in several runs summed."""
    last: tuple[str, str, str, str] | None = None
    count = 0
    for key, n in merged:
        if key == last:
            count += n
            continue
        if last is not None:
            yield last, count
        last, count = key, n
    if last is not None:
        yield last, count


class _Unbaselined:
    """A file's findings less those its baseline hides: the first of each recorded key, as many
    as recorded, in file order. Iterating reads the findings again and hides the same ones."""

    def __init__(self, baseline: Baseline, findings: Any) -> None:
        self.baseline = baseline
        self.findings = findings
        self.counts: dict[Severity, int] = dict.fromkeys(Severity, 0)
        self._len = 0

    def filtered(self, found: Counter[Key]) -> Iterator[Finding]:
        """The kept findings; ``found`` counts the recorded keys met (this file's added to it)."""
        recorded = self.baseline.counts
        key_of = self.baseline.key
        for f in self.findings:
            key = key_of(f)
            if key in recorded:
                found[key] += 1
                if found[key] <= recorded[key]:
                    continue
            yield f

    def count(self, found: Counter[Key]) -> None:
        # What this file adds to ``found``, kept apart so that iterating again starts afresh.
        mine: Counter[Key] = Counter()
        for f in self.filtered(mine):
            self.counts[f.severity] += 1
            self._len += 1
        found.update(mine)

    def __iter__(self) -> Iterator[Finding]:
        return self.filtered(Counter())

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0
