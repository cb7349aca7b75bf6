"""Checking many files, serially or in parallel processes.

Which files: :mod:`validator.reading.discover`. Running keeps results in input order whatever
the number of processes, so ``-j 2`` reports are byte-identical to ``-j 1``. A worker process is
handed files in batches (:func:`chunks`), not one at a time: a tiny file takes less time to check
than to send to a worker and its result back, so ``-j 2`` was slower than ``-j 1`` on 10,000
of them.

With ``spill`` a worker's findings past :data:`~validator.engine.store.SPILL` go to a file in a
temporary folder of this process's (:func:`~validator.engine.store.spill_into`), and what comes
back is the file's index, not the findings: a parallel run holds no more of them in memory than
a serial one. The folder goes when the run ends, however it ends, with any file a worker left.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from validator.engine import store
from validator.engine.files import check_file
from validator.engine.options import CheckOptions, FileResult
from validator.engine.store import FindingStore, spill_into
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
    # unpickle on every supported Python. A spilled store crosses as its file's index.
    handoff = getattr(result.findings, "handoff", None)
    state = handoff() if handoff is not None else None
    if state is not None:
        findings: Any = ("store", state)
    else:
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
    # ("store", state): a spilled store's file and index.
    stored = type(findings) is tuple
    findings = FindingStore.adopt(findings[1]) if stored else [Finding(*f) for f in findings]
    return FileResult(path, events, findings, error, input_format, outline, notice, profiles)


def _worker(paths: Sequence[str], options: CheckOptions, spill: bool) -> list[tuple[tuple[Any, ...], float]]:
    out = []
    for path in paths:
        result, seconds = check_one(path, options, spill=spill)
        out.append((_pack(result), seconds))
        close = getattr(result.findings, "close", None)
        if close is not None:
            close()
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
    folder = None
    if len(remote) >= 2:
        # Imported here: the process machinery costs a serial run memory and start-up time.
        import tempfile
        from concurrent.futures import ProcessPoolExecutor

        if spill:
            folder = tempfile.TemporaryDirectory(prefix="responses-validator-", ignore_cleanup_errors=True)
        try:
            pool = ProcessPoolExecutor(
                max_workers=min(jobs, len(remote)),
                initializer=spill_into if folder is not None else None,
                initargs=(folder.name, store.SPILL) if folder is not None else (),
            )
        except (OSError, NotImplementedError):  # no process support here (some sandboxes): go serial
            pool = None
    if pool is None:
        remote = []
    try:
        local = sorted(set(range(len(paths))) - set(remote))
        for i in local:
            results[i], durations[i] = check_one(paths[i], options, stdin_name, on_read, spill)
            if on_done:
                on_done()
        if pool is not None:
            _run_pool(pool, paths, remote, options, jobs, spill, results, durations, on_done)
    finally:
        # After the pool has shut down (no worker writes any more): what no result took.
        if folder is not None:
            folder.cleanup()
    return [r for r in results if r is not None], durations


def _run_pool(
    pool: ProcessPoolExecutor,
    paths: Sequence[str],
    remote: list[int],
    options: CheckOptions,
    jobs: int,
    spill: bool,
    results: list[FileResult | None],
    durations: list[float],
    on_done: Callable[[], None] | None,
) -> None:
    from concurrent.futures import as_completed

    workers = min(jobs, len(remote))
    batches = [[remote[k] for k in run_] for run_ in chunks([_size(paths[i]) for i in remote], workers)]
    with pool:
        futures = {
            pool.submit(_worker, [paths[i] for i in batch], options, spill): batch for batch in batches
        }
        for future in as_completed(futures):
            for i, (packed, seconds) in zip(futures[future], future.result(), strict=True):
                results[i], durations[i] = _unpack(packed), seconds
                if on_done:
                    on_done()
