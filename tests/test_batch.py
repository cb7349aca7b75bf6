"""Checking many files: worker tasks batch files, and -j 2 gives -j 1's results in its order."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.engine import CheckOptions
from validator.engine.batch import CHUNK_BYTES, CHUNK_FILES, TASKS_PER_WORKER, chunks, run
from validator.tools.probe.replay import text_events, to_sse


def _covers_in_order(runs: list[range], count: int) -> bool:
    return [i for r in runs for i in r] == list(range(count))


@pytest.mark.parametrize("count", [0, 1, 2, 7, 100, 10_000])
@pytest.mark.parametrize("workers", [1, 2, 8])
def test_chunks_cover_every_file_once_in_order(count: int, workers: int) -> None:
    runs = chunks([4000] * count, workers)
    assert _covers_in_order(runs, count)
    assert all(len(r) >= 1 for r in runs)
    assert all(len(r) <= CHUNK_FILES for r in runs)


def test_tiny_files_go_to_workers_in_batches() -> None:
    # 10,000 tiny files were 10,000 tasks, each costing more to send than to check.
    runs = chunks([4000] * 10_000, 2)
    assert len(runs) == 10_000 // CHUNK_FILES + 1
    # Few files still give every worker several tasks.
    runs = chunks([4000] * 40, 2)
    assert len(runs) == 2 * TASKS_PER_WORKER and {len(r) for r in runs} == {5}


def test_big_files_are_spread_over_the_workers() -> None:
    sizes = [CHUNK_BYTES, 10, 10, CHUNK_BYTES // 2, CHUNK_BYTES // 2 + 1, 3 * CHUNK_BYTES]
    runs = chunks(sizes, 1)
    assert _covers_in_order(runs, len(sizes))
    for r in runs:
        assert len(r) == 1 or sum(sizes[i] for i in r) <= CHUNK_BYTES
    assert runs[0] == range(0, 1) and runs[-1] == range(5, 6)


def _corpus(folder: Path, count: int) -> list[str]:
    paths = []
    for i in range(count):
        body = to_sse(text_events(f"Reply {i}."))
        if i % 7 == 3:  # some broken: a gap in the numbering
            body = body.replace(b'"sequence_number":1,', b'"sequence_number":5,')
        if i % 11 == 5:  # some truncated
            body = body[: len(body) // 2]
        path = folder / f"s{i:03d}.sse"
        path.write_bytes(body)
        paths.append(str(path))
    paths.insert(17, str(folder / "missing.sse"))  # an I/O error keeps its place too
    return paths


def test_parallel_results_equal_serial_ones_in_input_order(tmp_path: Path) -> None:
    paths = _corpus(tmp_path, 90)
    options = CheckOptions()
    serial, serial_times = run(paths, options, jobs=1)
    done = []
    parallel, parallel_times = run(paths, options, jobs=2, on_done=lambda: done.append(1))
    assert [r.path for r in parallel] == paths
    assert parallel == serial
    assert len(done) == len(paths) and len(parallel_times) == len(serial_times) == len(paths)
    assert any(r.findings for r in serial) and any(r.error for r in serial)
    assert any(not r.findings and r.error is None for r in serial)
