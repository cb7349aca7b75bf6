"""The checker process falling behind the traffic: the backlog the proxy keeps for it is bounded,
and what happens past the bound is the documented choice (``--when-behind``): the stream slows
down to the checker's pace (``wait``), or the exchange is reported UNCHECKED from the byte it
stopped at (``skip``). Either way the client gets every byte unaltered, and nothing is silent.

The checker is made to fall behind for sure by stopping its process (SIGSTOP) for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest
from aiohttp import web
from proxy_support import aio_upstream, running_proxy

from validator.engine import CheckOptions, check_bytes
from validator.tools.probe.replay import SCENARIO_HEADER, ReplayServer, Reply, text_events, to_sse
from validator.tools.proxy.worker import CHECKER_NICE, ProcessChecker

#: A valid stream of about 8 MB, in 200 pieces, and a short one.
BIG = to_sse(text_events("0123456789abcdef" * (1 << 19), pieces=2000))
SMALL = to_sse(text_events())
LIMIT = 256 << 10


@pytest.fixture(scope="module")
def server() -> ReplayServer:
    with ReplayServer(
        {"big": Reply(BIG, chunks=200), "lumps": Reply(BIG, chunks=5), "small": Reply(SMALL, chunks=10)}
    ) as replay:
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


def test_the_checker_runs_the_proxys_code_whatever_the_working_directory_holds(
    server: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A project of the user's own with a package of the same name, where the proxy is started:
    # ``python -m`` would have the checker process import it (and crash, leaving every exchange
    # unchecked) instead of the code the proxy runs.
    decoy = tmp_path / "validator"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("raise ImportError('the decoy package was imported')\n")
    monkeypatch.chdir(tmp_path)
    with running_proxy(server.url.removesuffix("/v1")) as proxy:
        reader = Reader(proxy.url, "small")
        reader.run()
        [result] = proxy.wait_results(1, timeout=60)
        assert _checker(proxy).dead is None
    assert reader.body == SMALL
    assert result.checked and result.error is None, result.error
    assert (result.events, result.findings) == (check_bytes(SMALL, "x").events, [])


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


def test_skip_drops_what_the_abandoned_exchange_left_waiting_and_the_next_one_is_checked(
    server: ReplayServer, tmp_path: Path
) -> None:
    # The checker stopped: the first stream is abandoned with the ring full of its bytes and more
    # held in the proxy; a second exchange starts while the first's check is still pending. The
    # held bytes are dropped, and the ring's are no backlog (the checker passes over them), so
    # the second is not skipped from its first piece, as it was when the checker had to work
    # through the first's bytes before anything else.
    base = server.url.removesuffix("/v1")
    with running_proxy(base, check_backlog=LIMIT, when_behind="skip", save_dir=tmp_path) as proxy:
        checker = _checker(proxy)
        with _stopped(checker):
            first = Reader(proxy.url)
            first.start()
            first.join(30)
            assert first.body == BIG
            assert checker.held_bytes == 0 and checker.abandoned_bytes == checker.written - checker.taken
            second = Reader(proxy.url, "small")
            second.start()
            second.join(30)
            assert second.body == SMALL
        first_result, second_result = proxy.wait_results(2, timeout=60)
        assert checker.backlog == 0
    assert second_result.checked and second_result.error is None, second_result.error
    assert (second_result.events, second_result.findings) == (check_bytes(SMALL, "x").events, [])
    # The first says up to where it was checked: its findings and its saved transcript are those
    # of its bytes up to there (none wrong: the stream is valid).
    assert not first_result.checked and first_result.findings == []
    match = re.search(r"not checked past byte ([\d,]+) of the answer", first_result.error or "")
    assert match is not None, first_result.error
    checked = int(match.group(1).replace(",", ""))
    path = tmp_path / "0001.sse"
    assert (path.read_bytes() if path.exists() else b"") == BIG[:checked]
    # Told of the abandon before it resumed, the checker passed over every byte of the first
    # that waited for it, those already in the ring too: none cost it a check.
    assert checked == 0


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
        # The second exchange started over at the ring's start (and again whenever the checker
        # had caught up mid-stream): it ends within its own length, not after the first's.
        assert 0 < checker.head <= len(BIG)


def _shared_rss(pid: int) -> int:
    """Bytes of shared memory a process has mapped (its RssShmem)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssShmem:"):
            return int(line.split()[1]) << 10
    raise AssertionError(f"no RssShmem in /proc/{pid}/status")


def _until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_ring_gives_its_pages_back_once_the_proxy_is_idle(server: ReplayServer, tmp_path: Path) -> None:
    with running_proxy(server.url.removesuffix("/v1"), ring_release_after=0.2, save_dir=tmp_path) as proxy:
        checker = _checker(proxy)
        pid = checker.process.pid
        with _stopped(checker):
            # The whole stream waits in the ring (the checker stopped): its pages are taken.
            reader = Reader(proxy.url)
            reader.start()
            reader.join(60)
            assert reader.body == BIG
            assert checker.memory_in_use >= len(BIG)
        [first] = proxy.wait_results(1, timeout=60)
        # Once the checker has taken everything and nothing is written for the delay, the pages
        # are freed: the memfd holds nothing but its control page, the checker maps none of them.
        assert _until(lambda: checker.memory_in_use < 64 << 10), checker.memory_in_use
        assert _shared_rss(pid) < 64 << 10
        # The ring works on, from fresh pages: the next stream reaches the checker whole.
        reader = Reader(proxy.url)
        reader.start()
        reader.join(60)
        _, second = proxy.wait_results(2, timeout=60)
    assert reader.body == BIG and (tmp_path / "0002.sse").read_bytes() == BIG
    for result in (first, second):
        assert result.checked and result.error is None and result.findings == []
        assert result.events == check_bytes(BIG, "x").events


# ---------------------------------------------------------------- the WebSocket mode

#: A turn of about 4 MB (1,000 deltas of 1 KB, then the text whole in the done events) and a small one.
WS_TURNS = {
    "big": [json.dumps(e) for e in text_events("0123456789abcdef" * (1 << 16), pieces=1000)],
    "small": [json.dumps(e) for e in text_events()],
}


def _create(size: str) -> str:
    return json.dumps({"type": "response.create", "model": "m", "input": size})


async def _ws_upstream(request: web.Request) -> web.StreamResponse:
    ws = web.WebSocketResponse(max_msg_size=0)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == web.WSMsgType.TEXT and json.loads(msg.data).get("type") == "response.create":
            for event in WS_TURNS[json.loads(msg.data)["input"]]:
                await ws.send_str(event)
    return ws


async def _ws_session(url: str, turns: list[str]) -> list[list[str]]:
    """One connection, a response.create per turn (``big`` or ``small``): each turn's messages."""
    received: list[list[str]] = []
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url + "/v1/responses", max_msg_size=0) as ws,
    ):
        for size in turns:
            await ws.send_str(_create(size))
            messages = []
            while len(messages) < len(WS_TURNS[size]):
                messages.append((await ws.receive(timeout=30)).data)
            received.append(messages)
    return received


def test_websocket_past_the_bound_skip_forwards_every_message_and_says_where_the_check_stopped(
    tmp_path: Path,
) -> None:
    big, small = WS_TURNS["big"], WS_TURNS["small"]
    with (
        aio_upstream({"/v1/responses": _ws_upstream}) as upstream,
        running_proxy(upstream, check_backlog=LIMIT, when_behind="skip", save_dir=tmp_path) as proxy,
    ):
        checker = _checker(proxy)
        with _stopped(checker):
            # Every message reaches the client while the checker is stopped, and the session goes
            # on after the check stopped: the client's next turn is forwarded, and its answer.
            first = asyncio.run(asyncio.wait_for(_ws_session(proxy.url, ["big", "small"]), 60))
            assert checker.backlog < LIMIT + (1 << 20)
        # A session that stays within the bound is checked whole, though the first session's
        # messages may still be in the ring: the checker passes over an abandoned exchange's.
        second = asyncio.run(asyncio.wait_for(_ws_session(proxy.url, ["small", "small"]), 60))
        first_result, second_result = proxy.wait_results(2, timeout=60)
    assert first == [big, small] and second == [small, small]
    assert not first_result.checked and first_result.findings == []  # valid up to where it stopped
    error = first_result.error or ""
    match = re.search(r"not checked past message ([\d,]+) of the session", error)
    assert match is not None and "more than 0.25 MB behind" in error, error
    # The saved transcript ends where the check stopped (the checker, told of the abandon, may
    # have passed over every message still waiting for it): the client's message, the answer's.
    path = tmp_path / "0001.jsonl"
    saved = path.read_bytes().splitlines() if path.exists() else []
    assert len(saved) == int(match.group(1).replace(",", "")) < 1 + len(big)
    assert saved == [m.encode() for m in [_create("big"), *big][: len(saved)]]
    assert second_result.checked and second_result.error is None, second_result.error
    assert second_result.events == 2 * len(small) and second_result.findings == []


def test_the_ring_gives_its_pages_back_while_a_websocket_session_stays_open() -> None:
    # The checker says how far it has taken every step and at an exchange's end; a session that
    # stays open after a big turn ends nothing: the proxy, idle, asks it.
    big, small = WS_TURNS["big"], WS_TURNS["small"]

    async def session(url: str, checker: ProcessChecker) -> list[list[str]]:
        received = []
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(url + "/v1/responses", max_msg_size=0) as ws,
        ):
            for turn, size in enumerate(("big", "small", "small")):
                await ws.send_str(_create(size))
                received.append([(await ws.receive(timeout=30)).data for _ in WS_TURNS[size]])
                if turn == 1:  # the small turn's bytes: taken, less than a step, not said yet
                    assert checker.memory_in_use > 1 << 20
                    deadline = time.monotonic() + 30
                    while checker.memory_in_use >= 64 << 10 and time.monotonic() < deadline:
                        await asyncio.sleep(0.02)
                    assert checker.memory_in_use < 64 << 10, checker.memory_in_use
        return received

    with (
        aio_upstream({"/v1/responses": _ws_upstream}) as upstream,
        running_proxy(upstream, ring_release_after=0.2) as proxy,
    ):
        checker = _checker(proxy)
        assert asyncio.run(asyncio.wait_for(session(proxy.url, checker), 90)) == [big, small, small]
        [result] = proxy.wait_results(1, timeout=60)
    assert result.checked and result.error is None, result.error
    assert result.events == len(big) + 2 * len(small) and result.findings == []


def test_an_exchange_still_in_flight_when_the_checker_is_stopped_is_reported_unchecked() -> None:
    # The proxy stopping (its wait for the exchanges in flight timed out) ends the checker: an
    # exchange that goes on must not have its pieces copied into the ring now gone (an error on
    # the forwarding path, reaching the client), and its result says it was not checked.
    async def scenario() -> tuple[str | None, bool]:
        checker = ProcessChecker(asyncio.get_running_loop(), lambda number, found: None, 1 << 20)
        checker.open(1, "POST", "/v1/responses", b"{}", CheckOptions(), None)
        checker.start(1, 200, "text/event-stream", "")
        checker.feed(1, SMALL[:100])
        waiting = checker.finish(1, None, False)
        checker.open(2, "POST", "/v1/responses", b"{}", CheckOptions(), None)
        checker.kill()
        checker.feed(2, SMALL[100:])  # after the ring is unmapped: dropped, not an error
        await checker.drained(0)  # does not wait for a checker that is gone
        late = await checker.finish(2, None, False)
        first = await waiting
        return late.error, first.checked or late.checked

    error, checked = asyncio.run(scenario())
    assert not checked
    assert error is not None and "stopped before the exchange ended" in error
