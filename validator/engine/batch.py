"""Checking many files, serially or in parallel processes.

Which files: :mod:`validator.reading.discover`. Running keeps results in input order whatever
the number of processes, so ``-j 2`` reports are byte-identical to ``-j 1``. A worker process is
handed files in batches (:func:`chunks`), not one at a time: a tiny file takes less time to check
than to send to a worker and its result back, so ``-j 2`` was slower than ``-j 1`` on 10,000
of them.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from validator.engine.files import check_file
from validator.engine.options import CheckOptions, FileResult
from validator.model.findings import Finding
from validator.reading.discover import STDIN

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


__all__ = ["STDIN", "check_one", "chunks", "run"]

#: A worker's task holds at most this many files...
CHUNK_FILES = 256
#: ... and, past its first file, at most this many bytes: big files spread over the workers.
CHUNK_BYTES = 8 << 20
#: Each worker gets at least this many tasks when there are files enough, so that one worker
#: left with a slow batch does not keep the other idle for long.
TASKS_PER_WORKER = 4


# ---------------------------------------------------------------------- running
def check_one(
    path: str,
    options: CheckOptions,
    stdin_name: str | None = None,
    on_read: Callable[[int], None] | None = None,
    spill: bool = False,
) -> tuple[FileResult, float]:
    """Check one file; a crash inside a check becomes that file's error, not a traceback.
    ``stdin_name`` is the name standard input is reported (and recognised) by; ``on_read`` is
    told the size of each chunk read; ``spill``: see :func:`~validator.engine.stream.check_chunks`."""
    name = stdin_name if path == STDIN and stdin_name else path
    start = time.perf_counter()
    try:
        result = check_file(path, options, name=name, on_read=on_read, spill=spill)
    except Exception as exc:  # a bug in a check must not hide the other files' results
        result = FileResult(name, error=f"internal error: {type(exc).__name__}: {exc} (please report this)")
    return result, time.perf_counter() - start


def _pack(result: FileResult) -> tuple[Any, ...]:
    # Plain tuples cross the process boundary: frozen slotted dataclasses do not
    # unpickle on every supported Python.
    findings = [tuple(getattr(f, n.name) for n in dataclasses.fields(Finding)) for f in result.findings]
    # The outline (plain, unfrozen values) pickles as it is.
    return (
        result.path,
        result.events,
        findings,
        result.error,
        result.input_format,
        result.outline,
        result.notice,
        result.profiles,
    )


def _unpack(packed: tuple[Any, ...]) -> FileResult:

    path, events, findings, error, input_format, outline, notice, profiles = packed
    return FileResult(
        path, events, [Finding(*f) for f in findings], error, input_format, outline, notice, profiles
    )


def _worker(paths: Sequence[str], options: CheckOptions) -> list[tuple[tuple[Any, ...], float]]:
    out = []
    for path in paths:
        result, seconds = check_one(path, options)
        out.append((_pack(result), seconds))
    return out


def chunks(sizes: Sequence[int], workers: int) -> list[range]:
    """Split files (their sizes in bytes, in input order) into runs of consecutive positions,
    one worker task each: at most :data:`CHUNK_FILES` files and :data:`CHUNK_BYTES` bytes (a
    bigger file alone), and small enough that each of ``workers`` gets :data:`TASKS_PER_WORKER`."""
    most = max(1, min(CHUNK_FILES, math.ceil(len(sizes) / (max(1, workers) * TASKS_PER_WORKER))))
    out: list[range] = []
    start, held = 0, 0
    for i, size in enumerate(sizes):
        if i > start and (i - start >= most or held + size > CHUNK_BYTES):
            out.append(range(start, i))
            start, held = i, 0
        held += size
    if start < len(sizes):
        out.append(range(start, len(sizes)))
    return out


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # the check reports it; here it only weighs nothing
        return 0


def run(
    paths: Sequence[str],
    options: CheckOptions,
    jobs: int = 1,
    on_done: Callable[[], None] | None = None,
    stdin_name: str | None = None,
    on_read: Callable[[int], None] | None = None,
    spill: bool = False,
) -> tuple[list[FileResult], list[float]]:
    """Check ``paths``; results and durations come back in the order of ``paths``. ``on_read``
    hears of every chunk read by this process (not by the pool's workers). ``spill``: the results
    checked in this process keep their findings in a :class:`~validator.engine.store.FindingStore`
    (see :func:`~validator.engine.stream.check_chunks`)."""
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
        results[i], durations[i] = check_one(paths[i], options, stdin_name, on_read, spill)
        if on_done:
            on_done()
    if pool is not None:
        from concurrent.futures import as_completed

        workers = min(jobs, len(remote))
        batches = [[remote[k] for k in run_] for run_ in chunks([_size(paths[i]) for i in remote], workers)]
        with pool:
            futures = {pool.submit(_worker, [paths[i] for i in batch], options): batch for batch in batches}
            for future in as_completed(futures):
                for i, (packed, seconds) in zip(futures[future], future.result(), strict=True):
                    results[i], durations[i] = _unpack(packed), seconds
                    if on_done:
                        on_done()
    return [r for r in results if r is not None], durations
