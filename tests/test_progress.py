"""Progress on standard error: files done of several, bytes read of one large file.

Driven end to end through a pseudo-terminal: the command's standard error is a pty (a
terminal, as at a desk), its standard output a pipe. ``RESPONSES_VALIDATOR_PROGRESS_DELAY``
sets how long a run takes before the line appears (1 s by default), so a test sees it at once
without a transcript big enough to take seconds.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import SEEDS

from validator.reporting.report import Progress

CLEAN = SEEDS / "004_75bce7c82fd61a67.sse"
pty = pytest.importorskip("pty", reason="pseudo-terminals are POSIX only")


@pytest.fixture
def large(tmp_path: Path) -> Path:
    """The clean seed with one delta of 3 MB: a dozen chunks for the reader."""
    text = CLEAN.read_text(encoding="utf-8")
    assert '"delta":"hey"' in text
    path = tmp_path / "large.sse"
    path.write_text(text.replace('"delta":"hey"', '"delta":"' + "hey " * 750_000 + '"', 1), encoding="utf-8")
    return path


def _run_on_a_terminal(*args: str, delay: str | None = "0", stdin: int | None = None) -> tuple[int, str, str]:
    """Run the command with standard error on a pty; (exit code, stdout, what the terminal got)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "RESPONSES_VALIDATOR_PROGRESS_DELAY")}
    if delay is not None:
        env["RESPONSES_VALIDATOR_PROGRESS_DELAY"] = delay
    master, slave = os.openpty()
    with tempfile.TemporaryFile() as out:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "validator", "check", *args],
                stdin=stdin if stdin is not None else subprocess.DEVNULL,
                stdout=out,
                stderr=slave,
                env=env,
            )
        finally:
            os.close(slave)
        terminal = b""
        try:
            while True:  # read as it comes: a pty's buffer is small
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed its end
                    break
                if not data:
                    break
                terminal += data
        finally:
            os.close(master)
        code = proc.wait(timeout=120)
        out.seek(0)
        stdout = out.read()
    return code, stdout.decode(), terminal.decode()


def test_one_large_file_shows_its_bytes_then_erases_the_line(large: Path) -> None:
    code, stdout, terminal = _run_on_a_terminal(str(large))
    assert code == 1  # the 3 MB delta is not the done text: a finding, not a crash
    draws = [d for d in terminal.split("\r\x1b[2K") if d]
    assert draws, repr(terminal)
    assert all(d.startswith(f"Checking {large} [") for d in draws), draws
    assert all(d.endswith(" of 3.0 MB") for d in draws), draws
    assert terminal.endswith("\r\x1b[2K")  # erased: the report's summary line stays last
    assert "\x1b" not in stdout and stdout.rstrip().splitlines()[-1].startswith("Found ")


def test_a_quick_run_leaves_no_trace(large: Path) -> None:
    code, _, terminal = _run_on_a_terminal(str(CLEAN), delay=None)  # the default second
    assert (code, terminal) == (0, "")


def test_quiet_draws_nothing(large: Path) -> None:
    code, _, terminal = _run_on_a_terminal("-q", str(large))
    assert (code, terminal) == (1, "")


def test_standard_input_shows_bytes_read(large: Path) -> None:
    with large.open("rb") as fh:
        code, _, terminal = _run_on_a_terminal("-", stdin=fh.fileno())
    assert code == 1
    draws = [d for d in terminal.split("\r\x1b[2K") if d]
    # A redirected file has a size; the name is standard input's.
    assert draws and all(d.startswith("Checking standard input [") for d in draws), draws


def test_a_piped_standard_error_gets_nothing(large: Path) -> None:
    env = {**os.environ, "RESPONSES_VALIDATOR_PROGRESS_DELAY": "0"}
    proc = subprocess.run(
        [sys.executable, "-m", "validator", "check", str(large)], capture_output=True, env=env, check=False
    )
    assert (proc.returncode, proc.stderr) == (1, b"")


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bytes_without_a_size_and_redraws_at_most_ten_times_a_second() -> None:
    now = [0.0]
    stream = FakeTty()
    progress = Progress(1, stream, delay=1.0, clock=lambda: now[0], name="-")
    progress.read(1 << 20)
    assert stream.getvalue() == ""  # before the delay
    now[0] = 1.0
    progress.read(1 << 20)
    progress.read(1 << 20)  # the same instant: not drawn again
    assert stream.getvalue() == "\r\x1b[2KChecking - 2.1 MB read"
    now[0] = 1.2
    progress.read(10**9)
    assert stream.getvalue().endswith("\r\x1b[2KChecking - 1.0 GB read")
    progress.advance()  # the one file is done: no "1/1 files"
    progress.close()
    assert stream.getvalue().endswith("GB read\r\x1b[2K")


def test_bytes_of_a_known_size_fill_the_bar() -> None:
    stream = FakeTty()
    progress = Progress(1, stream, delay=0, name="big.sse", size=4_000_000)
    progress.read(2_000_000)
    assert stream.getvalue() == "\r\x1b[2KChecking big.sse [" + "#" * 15 + "-" * 15 + "] 2.0 MB of 4.0 MB"
