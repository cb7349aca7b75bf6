"""Which files to check, and checking them, serially or in parallel processes.

Discovery expands directories into transcripts (sorted, so every run sees the
same order) and applies the include and exclude globs. Running keeps results in
input order whatever the number of processes, so ``-j 2`` reports are
byte-identical to ``-j 1``.

Glob rules: a pattern without ``/`` matches a file or directory *name* (so
``fixtures`` prunes every directory of that name); a pattern with ``/`` matches
the end of the path (``recorded/*.json``). ``include`` applies only to files
found by walking a directory: a file named on the command line is checked
whatever its suffix, unless it is excluded.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from validator.engine.files import check_file
from validator.engine.options import CheckOptions, FileResult
from validator.model.findings import Finding

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


__all__ = ["DEFAULT_EXCLUDE", "DEFAULT_INCLUDE", "PathError", "check_one", "collect", "run"]

DEFAULT_INCLUDE = ("*.sse", "*.jsonl", "*.json", "*.txt")
#: Always skipped while walking: tool and VCS directories, and the corpus's
#: expected-findings sidecars (``*.expected.json``), which are not transcripts.
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "*.expected.json",
)
STDIN = "-"


class PathError(Exception):
    """A path on the command line does not exist, or a directory holds no transcripts."""


def _matches(parts: Sequence[str], patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if "/" in pattern:
            pattern = pattern.strip("/")
            if any(fnmatchcase("/".join(parts[i:]), pattern) for i in range(len(parts))):
                return True
        elif any(fnmatchcase(part, pattern) for part in parts):
            return True
    return False


def _walk(root: Path, include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    found = []
    for directory, dirnames, filenames in os.walk(root):
        rel = Path(directory).relative_to(root).parts
        # Pruning in place keeps os.walk out of excluded trees (a .venv can be huge).
        dirnames[:] = sorted(d for d in dirnames if not _matches((*rel, d), exclude))
        for name in sorted(filenames):
            parts = (*rel, name)
            if _matches((name,), include) and not _matches(parts, exclude):
                found.append(os.path.join(directory, name))
    return found


def collect(
    paths: Iterable[str],
    include: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
) -> list[str]:
    """The transcripts to check, in order, each once.

    Raises :class:`PathError` for a path that does not exist and for a directory
    in which nothing matches ``include``.
    """
    include = tuple(include) if include else DEFAULT_INCLUDE
    walk_exclude = (*DEFAULT_EXCLUDE, *exclude)
    files: dict[str, None] = {}
    for path in paths:
        if path == STDIN:
            files[STDIN] = None
            continue
        p = Path(path)
        if p.is_dir():
            found = _walk(p, include, walk_exclude)
            if not found:
                raise PathError(
                    f"{path}: no transcripts found in this directory (looked for {', '.join(include)})"
                )
            files.update(dict.fromkeys(found))
        elif p.exists():
            if not _matches(p.parts, exclude):
                files[path] = None
        else:
            raise PathError(f"{path}: no such file or directory")
    return list(files)


# ---------------------------------------------------------------------- running
def check_one(path: str, options: CheckOptions, stdin_name: str | None = None) -> tuple[FileResult, float]:
    """Check one file; a crash inside a check becomes that file's error, not a traceback.
    ``stdin_name`` is the name standard input is reported (and recognised) by."""
    name = stdin_name if path == STDIN and stdin_name else path
    start = time.perf_counter()
    try:
        result = check_file(path, options, name=name)
    except Exception as exc:  # a bug in a check must not hide the other files' results
        result = FileResult(name, error=f"internal error: {type(exc).__name__}: {exc} (please report this)")
    return result, time.perf_counter() - start


def _pack(result: FileResult) -> tuple[Any, ...]:
    # Plain tuples cross the process boundary: frozen slotted dataclasses do not
    # unpickle on every supported Python.
    findings = [tuple(getattr(f, n.name) for n in dataclasses.fields(Finding)) for f in result.findings]
    # The outline (plain, unfrozen values) pickles as it is.
    return (result.path, result.events, findings, result.error, result.input_format, result.outline)


def _unpack(packed: tuple[Any, ...]) -> FileResult:

    path, events, findings, error, input_format, outline = packed
    return FileResult(path, events, [Finding(*f) for f in findings], error, input_format, outline)


def _worker(path: str, options: CheckOptions) -> tuple[tuple[Any, ...], float]:
    result, seconds = check_one(path, options)
    return _pack(result), seconds


def run(
    paths: Sequence[str],
    options: CheckOptions,
    jobs: int = 1,
    on_done: Callable[[], None] | None = None,
    stdin_name: str | None = None,
) -> tuple[list[FileResult], list[float]]:
    """Check ``paths``; results and durations come back in the order of ``paths``."""
    results: list[FileResult | None] = [None] * len(paths)
    durations = [0.0] * len(paths)
    # Standard input can only be read by this process, and one file is not worth a pool.
    remote = [i for i, p in enumerate(paths) if p != STDIN] if jobs > 1 else []
    pool: ProcessPoolExecutor | None = None
    if len(remote) >= 2:
        # Imported here: the process machinery costs a serial run memory and start-up time.
        from concurrent.futures import ProcessPoolExecutor

        try:
            pool = ProcessPoolExecutor(max_workers=min(jobs, len(remote)))
        except (OSError, NotImplementedError):  # no process support here (some sandboxes): go serial
            pool = None
    if pool is None:
        remote = []
    local = sorted(set(range(len(paths))) - set(remote))
    for i in local:
        results[i], durations[i] = check_one(paths[i], options, stdin_name)
        if on_done:
            on_done()
    if pool is not None:
        from concurrent.futures import as_completed

        with pool:
            futures = {pool.submit(_worker, paths[i], options): i for i in remote}
            for future in as_completed(futures):
                i = futures[future]
                packed, durations[i] = future.result()
                results[i] = _unpack(packed)
                if on_done:
                    on_done()
    return [r for r in results if r is not None], durations
