"""``check`` with no path: standard input when it is a pipe or a redirected file, a usage error
otherwise (a terminal, /dev/null), and never a silent pass on an empty pipe.

Run as real processes: what matters is the kind of file descriptor 0 is.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys

import pytest
from conftest import SEEDS

CLEAN = SEEDS / "004_75bce7c82fd61a67.sse"
BROKEN = SEEDS / "000_e3213cea1afb5a14.sse"
COMMAND = [sys.executable, "-m", "validator", "check"]


def _run(*args: str, stdin: int | None = None, data: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        stdin=stdin,
        input=data.decode() if data is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_pipe_is_read_without_a_dash() -> None:
    ok = _run(data=CLEAN.read_bytes())
    assert (ok.returncode, ok.stdout) == (0, "All checks passed: 1 file, 0 findings.\n")
    bad = _run("--format", "concise", data=BROKEN.read_bytes())
    assert bad.returncode == 1 and bad.stdout.startswith("-:20:")


def test_a_redirected_file_is_read_and_named_by_stdin_filename() -> None:
    with BROKEN.open("rb") as fh:
        result = _run("--format", "concise", "--stdin-filename", "captured.sse", stdin=fh.fileno())
    assert result.returncode == 1 and result.stdout.startswith("captured.sse:20:")


def test_dev_null_is_a_usage_error_not_an_empty_pass() -> None:
    result = _run(stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and result.stdout == ""
    assert "missing argument PATH" in result.stderr and "- to read standard input" in result.stderr


def test_an_empty_pipe_is_a_usage_error() -> None:
    result = _run(data=b"")
    assert result.returncode == 2 and "standard input is empty" in result.stderr


def test_an_explicit_dash_on_an_empty_pipe_keeps_checking_it() -> None:
    result = _run("-", data=b"")
    assert result.returncode != 0 and "standard input is empty" not in result.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="pseudo-terminals are POSIX only")
def test_a_terminal_is_a_usage_error_without_reading_it() -> None:
    master, slave = os.openpty()
    try:
        result = _run(stdin=slave)  # would block forever if it read the terminal
    finally:
        os.close(slave)
        os.close(master)
    assert result.returncode == 2 and "missing argument PATH" in result.stderr


def test_a_silent_pipe_gets_a_note_then_is_read() -> None:
    proc = subprocess.Popen(COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin and proc.stdout and proc.stderr
    try:
        # Nothing written yet: after a moment the command says what it waits for.
        ready, _, _ = select.select([proc.stderr], [], [], 60)
        assert ready, "no note on standard error"
        note = os.read(proc.stderr.fileno(), 4096).decode()
        assert "no path given: reading the transcript from standard input" in note
        proc.stdin.write(CLEAN.read_bytes())
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0
        assert proc.stdout.read().decode() == "All checks passed: 1 file, 0 findings.\n"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
