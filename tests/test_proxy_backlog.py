"""The checker process falling behind the traffic: the backlog the proxy keeps for it is bounded,
and what happens past the bound is the documented choice (``--when-behind``): the stream slows
down to the checker's pace (``wait``), or the exchange is reported UNCHECKED from the byte it
stopped at (``skip``). Either way the client gets every byte unaltered, and nothing is silent.

The checker is made to fall behind for sure by stopping its process (SIGSTOP) for a while.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from proxy_support import running_proxy

from validator.engine import check_bytes
from validator.tools.probe.replay import SCENARIO_HEADER, ReplayServer, Reply, text_events, to_sse
from validator.tools.proxy.worker import CHECKER_NICE, ProcessChecker

#: A valid stream of about 8 MB, in 200 pieces.
BIG = to_sse(text_events("0123456789abcdef" * (1 << 19), pieces=2000))
LIMIT = 256 << 10


@pytest.fixture(scope="module")
def server() -> ReplayServer:
    with ReplayServer({"big": Reply(BIG, chunks=200), "lumps": Reply(BIG, chunks=5)}) as replay:
        yield replay


class Reader(threading.Thread):
    """Reads one streamed answer, counting the bytes as they come."""

    def __init__(self, url: str, scenario: str = "big") -> None:
        super().__init__(daemon=True)
        self.url = url
        self.scenario = scenario
        self.received = 0
        self.body = b""

    def run(self) -> None:
        pieces = []
        with httpx.stream(
            "POST",
            self.url + "/v1/responses",
            json={"model": "m", "input": "hi", "stream": True},
            headers={SCENARIO_HEADER: self.scenario},
            timeout=60,
        ) as response:
            for piece in response.iter_raw():
                pieces.append(piece)
                self.received += len(piece)
        self.body = b"".join(pieces)


def _checker(proxy: object) -> ProcessChecker:
    checker = proxy.proxy.checker  # type: ignore[attr-defined]
    assert isinstance(checker, ProcessChecker)
    return checker


@contextlib.contextmanager
def _stopped(checker: ProcessChecker) -> Iterator[None]:
    """The checker process stopped (SIGSTOP): it falls behind for sure."""
    os.kill(checker.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(checker.process.pid, signal.SIGCONT)


def test_the_checker_runs_below_the_forwarding(server: ReplayServer) -> None:
    with running_proxy(server.url.removesuffix("/v1")) as proxy:
        pid = _checker(proxy).process.pid
        assert os.getpriority(os.PRIO_PROCESS, pid) >= min(
            19, os.getpriority(os.PRIO_PROCESS, 0) + CHECKER_NICE
        )


def test_past_the_bound_wait_slows_the_stream_and_checks_every_byte(
    server: ReplayServer, tmp_path: Path
) -> None:
    base = server.url.removesuffix("/v1")
    with running_proxy(base, check_backlog=LIMIT, when_behind="wait", save_dir=tmp_path) as proxy:
        checker = _checker(proxy)
        reader = Reader(proxy.url)
        with _stopped(checker):
            reader.start()
            time.sleep(1.5)
            # The proxy stopped reading from the upstream: the client has what the checker's pipe
            # and the bounded backlog hold, far from the whole answer.
            assert 0 < reader.received < len(BIG) // 2
            assert LIMIT < checker.backlog < LIMIT + (1 << 20)
            assert reader.is_alive()
        reader.join(60)
        [result] = proxy.wait_results(1, timeout=60)
    assert reader.body == BIG
    # What the checker process received through the queue and the pipe, byte for byte.
    assert (tmp_path / "0001.sse").read_bytes() == BIG
    assert result.checked and result.error is None
    assert (result.events, result.findings) == (check_bytes(BIG, "x").events, [])


def test_past_the_bound_skip_forwards_at_once_and_reports_the_check_incomplete(server: ReplayServer) -> None:
    with running_proxy(server.url.removesuffix("/v1"), check_backlog=LIMIT, when_behind="skip") as proxy:
        checker = _checker(proxy)
        reader = Reader(proxy.url)
        with _stopped(checker):
            reader.start()
            reader.join(30)
            # Every byte reached the client while the checker was stopped.
            assert not reader.is_alive() and reader.body == BIG
            assert checker.backlog < LIMIT + (1 << 20)
        [result] = proxy.wait_results(1, timeout=60)
    assert not result.checked
    assert result.error is not None and "not checked past byte" in result.error
    assert "more than 0.25 MB behind" in result.error
    # What was checked before it stopped found nothing wrong (the stream is valid).
    assert result.findings == []


def test_pieces_larger_than_the_ring_reach_the_checker_whole_and_in_order(
    server: ReplayServer, tmp_path: Path
) -> None:
    # The smallest ring (64 KB) and pieces of 1.6 MB: each goes in as room comes, split around
    # the ring's end, the frames that follow held behind it.
    base = server.url.removesuffix("/v1")
    with running_proxy(base, check_backlog=64 << 10, when_behind="wait", save_dir=tmp_path) as proxy:
        assert _checker(proxy).ring_size == 64 << 10
        reader = Reader(proxy.url, "lumps")
        reader.start()
        reader.join(60)
        [result] = proxy.wait_results(1, timeout=60)
    assert reader.body == BIG
    assert (tmp_path / "0001.sse").read_bytes() == BIG
    assert result.checked and result.error is None and result.findings == []


def test_the_ring_starts_over_once_the_checker_has_taken_everything(server: ReplayServer) -> None:
    # Light traffic keeps to the ring's first pages: each exchange, checked to its end, leaves the
    # ring empty, and the next one is written from its start again.
    with running_proxy(server.url.removesuffix("/v1")) as proxy:
        checker = _checker(proxy)
        for number in (1, 2):
            reader = Reader(proxy.url)
            reader.start()
            reader.join(60)
            proxy.wait_results(number, timeout=60)
            assert reader.body == BIG
        assert checker.written == 2 * len(BIG) and checker.backlog == 0
        assert checker.head == len(BIG)
