"""`-j 2` over the whole corpus gives byte-identical reports to `-j 1`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, SHARED_CORPUS, needs_shared


def _check(jobs: int, fmt: str, *paths: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "validator", "check", "--format", fmt, "-j", str(jobs), *map(str, paths)],
        capture_output=True,
        timeout=600,
    )


@needs_shared
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_parallel_reports_are_byte_identical_over_the_whole_corpus(fmt: str) -> None:
    serial = _check(1, fmt, CORPUS, SHARED_CORPUS)
    parallel = _check(2, fmt, CORPUS, SHARED_CORPUS)
    # The corpus holds broken transcripts on purpose, so the run fails (1), but must not crash (2).
    assert serial.returncode == parallel.returncode == 1, serial.stderr.decode()[-2000:]
    assert serial.stdout == parallel.stdout
    assert len(serial.stdout) > 10_000
