"""The validating proxy, end to end: real clients (the openai SDK, httpx) through the proxy to the
project's replay server and small aiohttp upstreams, everything on 127.0.0.1.

Each test holds the proxy to its two promises: the client sees exactly what it sees without the
proxy, and the proxy reports exactly what ``check`` reports on the saved transcript.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
import time
from pathlib import Path

import httpx
import openai
import pytest
from aiohttp import web
from conftest import CORPUS, SHARED_ANTHROPIC
from proxy_support import aio_upstream, running_proxy, sdk_websocket_turn

from validator.engine import StreamCheck, check_bytes, check_file
from validator.tools.probe.replay import (
    SCENARIO_HEADER,
    ReplayServer,
    Reply,
    function_call_events,
    text_events,
    to_sse,
)
from validator.tools.proxy import exchange as exchange_module

TIMEOUT = httpx.Timeout(20.0)


def _gap() -> bytes:
    events = text_events("a broken stream", pieces=4)
    del events[4]
    return to_sse(events)


def _cut() -> bytes:
    return to_sse(text_events()[:6])


STREAMS = {
    "text": to_sse(text_events()),
    "call": to_sse(function_call_events()),
    "gap": _gap(),
    "cut": _cut(),
    "seed-broken": (CORPUS / "seeds" / "000_e3213cea1afb5a14.sse").read_bytes(),
    "seed-clean": (CORPUS / "seeds" / "004_75bce7c82fd61a67.sse").read_bytes(),
    "reasoning": (CORPUS / "streams" / "function_call.sse").read_bytes(),
}


@pytest.fixture(scope="module")
def replay() -> ReplayServer:
    with ReplayServer({k: Reply.sse(v) for k, v in STREAMS.items()}) as server:
        yield server


def _base(server: ReplayServer) -> str:
    return server.url.removesuffix("/v1")


def _post(url: str, key: str, **headers: str) -> httpx.Response:
    return httpx.post(
        url + "/v1/responses",
        json={"model": "m", "input": "hi", "stream": True},
        headers={SCENARIO_HEADER: key, **headers},
        timeout=TIMEOUT,
    )


# ---------------------------------------------------------------- byte for byte, same findings


@pytest.mark.parametrize("key", list(STREAMS))
def test_raw_client_sees_the_same_bytes_and_the_proxy_reports_what_check_reports(
    replay: ReplayServer, key: str, tmp_path: Path
) -> None:
    direct = _post(_base(replay), key)
    with running_proxy(_base(replay), save_dir=tmp_path) as proxy:
        via = _post(proxy.url, key)
        [result] = proxy.wait_results(1)
    assert via.content == direct.content == STREAMS[key]
    assert via.status_code == direct.status_code
    # The replay server's own headers (close-delimited kept), but the date of a later request.
    assert {**via.headers, "date": ""} == {**direct.headers, "date": ""}
    assert result.checked and result.status == 200
    saved = tmp_path / "0001.sse"
    assert saved.read_bytes() == STREAMS[key]
    assert result.path == str(saved)
    offline = check_file(saved)
    assert (result.events, result.findings) == (offline.events, offline.findings)
    assert bool(result.findings) == (key in ("gap", "cut", "seed-broken"))


def test_openai_sdk_create_stream_through_the_proxy(replay: ReplayServer, tmp_path: Path) -> None:
    def events(base: str) -> list[object]:
        client = openai.OpenAI(base_url=base + "/v1", api_key="sk-test-key", max_retries=0, timeout=20)
        stream = client.responses.create(
            model="m", input="hi", stream=True, extra_headers={SCENARIO_HEADER: "gap"}
        )
        return [e.model_dump() for e in stream]

    direct = events(_base(replay))
    with running_proxy(_base(replay), save_dir=tmp_path) as proxy:
        via = events(proxy.url)
        [result] = proxy.wait_results(1)
    assert via == direct and len(via) == STREAMS["gap"].count(b"\n\n")
    assert {f.rule for f in result.findings} >= {"RSP204"}
    assert result.findings == check_file(tmp_path / "0001.sse").findings


def test_openai_sdk_stream_helper_through_the_proxy(replay: ReplayServer, tmp_path: Path) -> None:
    def final(base: str) -> tuple[list[str], str]:
        client = openai.OpenAI(base_url=base + "/v1", api_key="sk-test-key", max_retries=0, timeout=20)
        with client.responses.stream(
            model="m", input="hi", extra_headers={SCENARIO_HEADER: "text"}
        ) as stream:
            types = [e.type for e in stream]
            return types, stream.get_final_response().output_text

    direct = final(_base(replay))
    with running_proxy(_base(replay), save_dir=tmp_path) as proxy:
        via = final(proxy.url)
        [result] = proxy.wait_results(1)
    assert via == direct and via[1] == "Hello there, friend!"
    assert result.findings == [] and result.events == 11
    assert check_file(tmp_path / "0001.sse").findings == []


def test_proxy_without_save_reports_what_check_bytes_reports(replay: ReplayServer) -> None:
    with running_proxy(_base(replay)) as proxy:
        body = _post(proxy.url, "seed-broken").content
        [result] = proxy.wait_results(1)
    assert result.path == "<POST /v1/responses #1>"
    assert result.findings == check_bytes(body, result.path).findings


# ---------------------------------------------------------------- many at once


def test_sixty_concurrent_streams_keep_their_own_findings(replay: ReplayServer, tmp_path: Path) -> None:
    keys = [list(STREAMS)[i % len(STREAMS)] for i in range(60)]

    async def one(client: httpx.AsyncClient, url: str, i: int) -> tuple[str, bytes]:
        response = await client.post(
            url + "/v1/responses",
            json={"model": "m", "stream": True, "n": i},
            headers={SCENARIO_HEADER: keys[i]},
        )
        return keys[i], response.content

    async def all_at_once(url: str) -> list[tuple[str, bytes]]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(timeout=TIMEOUT, limits=limits) as client:
            return await asyncio.gather(*(one(client, url, i) for i in range(60)))

    with running_proxy(_base(replay), save_dir=tmp_path) as proxy:
        answers = asyncio.run(all_at_once(proxy.url))
        results = proxy.wait_results(60)
    assert all(body == STREAMS[key] for key, body in answers)
    for result in results:
        request = json.loads((tmp_path / f"{result.number:04d}.exchange").read_text())
        key = keys[request["request"]["body"]["n"]]
        assert (tmp_path / f"{result.number:04d}.sse").read_bytes() == STREAMS[key]
        expected = check_bytes(STREAMS[key], result.path)
        assert (result.events, result.findings) == (expected.events, expected.findings), key


# ---------------------------------------------------------------- transport: chunked, failures


async def _chunked_stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "X-Upstream": "yes"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    body = STREAMS["call"]
    for start in range(0, len(body), 97):
        await response.write(body[start : start + 97])
    await response.write_eof()
    return response


async def _reset_mid_stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(STREAMS["text"][:700])
    await asyncio.sleep(0.05)
    assert request.transport is not None
    request.transport.abort()  # a reset: no terminating chunk
    return response


def _slow_events() -> list[bytes]:
    return [to_sse([e]) for e in text_events(pieces=3)]


SLOW_CLOSED = threading.Event()


async def _slow_stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    try:
        for piece in _slow_events() * 100:
            await response.write(piece)
            await asyncio.sleep(0.02)
    except (ConnectionError, asyncio.CancelledError):
        SLOW_CLOSED.set()
        raise
    return response


RELEASE = threading.Event()


async def _held_stream(request: web.Request) -> web.StreamResponse:
    """A stream with a gap early on, then held until the test has seen the finding."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    body = STREAMS["gap"]
    cut = body.index(b"\n\n", body.index(b'"sequence_number":5')) + 2
    await response.write(body[:cut])
    for _ in range(500):
        if RELEASE.is_set():
            break
        await asyncio.sleep(0.01)
    await response.write(body[cut:])
    await response.write_eof()
    return response


async def _gzip_stream(request: web.Request) -> web.StreamResponse:
    body = gzip.compress(STREAMS["gap"])
    return web.Response(body=body, headers={"Content-Type": "text/event-stream", "Content-Encoding": "gzip"})


async def _json_answers(request: web.Request) -> web.StreamResponse:
    kind = request.headers.get("X-Kind", "")
    final = json.loads(STREAMS["text"].split(b"data: ")[-1])["response"]
    if kind == "good":
        return web.json_response(final)
    if kind == "bad":
        return web.json_response({**final, "status": 7, "output": "nope"})
    if kind == "error":
        return web.json_response(
            {"error": {"message": "no such model", "type": "invalid_request"}}, status=404
        )
    return web.Response(text="Internal Server Error", status=500)


async def _resume(request: web.Request) -> web.StreamResponse:
    assert request.query["starting_after"] == "3"
    events = text_events(pieces=3)[4:]
    return web.Response(body=to_sse(events), headers={"Content-Type": "text/event-stream"})


async def _models(request: web.Request) -> web.StreamResponse:
    return web.json_response({"data": [], "echo": dict(request.headers)})


ROUTES = {
    "/v1/responses": _chunked_stream,
    "/reset/v1/responses": _reset_mid_stream,
    "/slow/v1/responses": _slow_stream,
    "/gzip/v1/responses": _gzip_stream,
    "/held/v1/responses": _held_stream,
    "/json/v1/responses": _json_answers,
    "/v1/responses/{id}": _resume,
    "/v1/models": _models,
}


@pytest.fixture(scope="module")
def upstream() -> str:
    with aio_upstream(ROUTES) as url:
        yield url


def test_chunked_answer_stays_chunked_with_its_headers(upstream: str) -> None:
    with running_proxy(upstream) as proxy, httpx.Client(timeout=TIMEOUT) as client:
        direct = client.post(upstream + "/v1/responses", json={"stream": True})
        via = client.post(proxy.url + "/v1/responses", json={"stream": True})
        [result] = proxy.wait_results(1)
    assert via.content == direct.content == STREAMS["call"]
    assert via.headers["transfer-encoding"] == "chunked" == direct.headers["transfer-encoding"]
    assert via.headers["x-upstream"] == "yes"
    assert result.findings == check_bytes(STREAMS["call"], result.path).findings == []


def test_other_traffic_is_passed_through_unchecked_with_every_header(upstream: str) -> None:
    with running_proxy(upstream) as proxy:
        via = httpx.get(
            proxy.url + "/v1/models",
            headers={"Authorization": "Bearer sk-abc", "X-Custom": "1"},
            timeout=TIMEOUT,
        )
        assert proxy.results == []
    echo = via.json()["echo"]
    assert echo["Authorization"] == "Bearer sk-abc" and echo["X-Custom"] == "1"
    assert echo["Host"] == upstream.removeprefix("http://")


def test_upstream_reset_mid_stream_reaches_the_client_and_is_a_finding(upstream: str, tmp_path: Path) -> None:
    def read(url: str) -> tuple[bytes, type[Exception] | None]:
        got = b""
        try:
            with httpx.stream(
                "POST", url + "/reset/v1/responses", json={"stream": True}, timeout=TIMEOUT
            ) as r:
                for chunk in r.iter_raw():
                    got += chunk
        except httpx.HTTPError as exc:
            return got, type(exc)
        return got, None

    direct = read(upstream)
    with running_proxy(upstream, save_dir=tmp_path) as proxy:
        via = read(proxy.url)
        [result] = proxy.wait_results(1)
    assert via == direct == (STREAMS["text"][:700], httpx.RemoteProtocolError)
    assert result.note is not None and "upstream broke off" in result.note
    assert "RSP209" in {f.rule for f in result.findings}
    assert result.findings == check_file(tmp_path / "0001.sse").findings


def test_upstream_refused_is_a_502_and_a_finding() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    with running_proxy(f"http://127.0.0.1:{port}") as proxy:
        via = httpx.post(proxy.url + "/v1/responses", json={"stream": True}, timeout=TIMEOUT)
        [result] = proxy.wait_results(1)
    assert via.status_code == 502
    assert "could not reach the upstream" in via.json()["error"]["message"]
    assert result.status is None and "upstream failed before answering" in (result.note or "")
    assert [f.rule for f in result.findings] == ["RSP012"]


def test_client_leaving_mid_stream_closes_the_upstream_and_keeps_the_proxy_serving(upstream: str) -> None:
    SLOW_CLOSED.clear()
    with running_proxy(upstream) as proxy:
        with httpx.stream(
            "POST", proxy.url + "/slow/v1/responses", json={"stream": True}, timeout=TIMEOUT
        ) as r:
            first = next(r.iter_raw())
        assert first.startswith(b"event: response.created")
        [result] = proxy.wait_results(1)
        assert result.note == "the client went away mid-answer"
        # Only what arrived is judged: the missing end is the client's doing, not the server's.
        assert "RSP209" not in {f.rule for f in result.findings}
        assert SLOW_CLOSED.wait(10)  # the proxy closed its upstream connection too
        after = httpx.post(proxy.url + "/v1/responses", json={"stream": True}, timeout=TIMEOUT)
        assert after.content == STREAMS["call"]


def test_findings_are_reported_while_the_stream_still_flows(upstream: str) -> None:
    RELEASE.clear()
    live: list[tuple[int, list[object]]] = []
    with running_proxy(upstream, on_live=lambda n, found: live.append((n, found))) as proxy:
        with httpx.stream(
            "POST", proxy.url + "/held/v1/responses", json={"stream": True}, timeout=TIMEOUT
        ) as r:
            chunks = r.iter_raw()
            got = next(chunks)
            deadline = time.monotonic() + 10
            while not live and time.monotonic() < deadline:
                time.sleep(0.01)
            assert live, "no finding reported before the stream ended"
            assert proxy.results == []  # the exchange is still open
            RELEASE.set()
            got += b"".join(chunks)
        [result] = proxy.wait_results(1)
    assert got == STREAMS["gap"]
    number, found = live[0]  # the first report: the gap, while the stream was held
    assert number == 1 and [f.rule for f in found] == ["RSP204"]
    assert all(f in result.findings for _, batch in live for f in batch)


def test_gzip_answer_is_forwarded_encoded_and_checked_decoded(upstream: str, tmp_path: Path) -> None:
    headers = {"Accept-Encoding": "gzip"}
    with running_proxy(upstream, save_dir=tmp_path) as proxy, httpx.Client(timeout=TIMEOUT) as client:
        with client.stream(
            "POST", proxy.url + "/gzip/v1/responses", json={"stream": True}, headers=headers
        ) as r:
            raw = b"".join(r.iter_raw())
        [result] = proxy.wait_results(1)
    assert raw == gzip.compress(STREAMS["gap"]) or gzip.decompress(raw) == STREAMS["gap"]
    assert (tmp_path / "0001.sse").read_bytes() == STREAMS["gap"]
    assert result.findings == check_file(tmp_path / "0001.sse").findings != []


@pytest.mark.parametrize(
    ("kind", "stream", "rules"),
    [
        ("good", False, []),
        ("bad", False, ["RSP103"]),
        ("error", False, []),
        ("plain500", False, ["RSP015"]),
        ("good", True, ["RSP014"]),
    ],
)
def test_non_streaming_answers(upstream: str, kind: str, stream: bool, rules: list[str]) -> None:
    with running_proxy(upstream) as proxy:
        via = httpx.post(
            proxy.url + "/json/v1/responses",
            json={"stream": stream},
            headers={"X-Kind": kind},
            timeout=TIMEOUT,
        )
        direct = httpx.post(
            upstream + "/json/v1/responses",
            json={"stream": stream},
            headers={"X-Kind": kind},
            timeout=TIMEOUT,
        )
        [result] = proxy.wait_results(1)
    assert via.content == direct.content and via.status_code == direct.status_code
    assert [f.rule for f in result.findings] == rules


def test_resumed_stream_is_recognised_and_checked(upstream: str) -> None:
    with running_proxy(upstream) as proxy:
        via = httpx.get(proxy.url + "/v1/responses/resp_1?stream=true&starting_after=3", timeout=TIMEOUT)
        plain = httpx.get(proxy.url + "/v1/responses/resp_1?starting_after=3", timeout=TIMEOUT)
        [result] = proxy.wait_results(1)
    assert plain.status_code == 200  # a retrieve without stream=true: passed through, not checked
    assert result.target == "/v1/responses/resp_1?stream=true&starting_after=3"
    assert result.findings == check_bytes(via.content, result.path).findings
    assert "RSP209" not in {f.rule for f in result.findings}


def test_a_failing_checker_never_reaches_the_client(
    replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: StreamCheck, chunk: bytes) -> list[object]:
        raise RuntimeError("checker bug")

    monkeypatch.setattr(exchange_module.StreamCheck, "feed", broken)
    with running_proxy(_base(replay), check_process=False) as proxy:
        via = _post(proxy.url, "text")
        [result] = proxy.wait_results(1)
    assert via.content == STREAMS["text"]
    assert not result.checked and "checker bug" in (result.error or "")


def test_a_dead_checker_process_never_reaches_the_client(replay: ReplayServer) -> None:
    with running_proxy(_base(replay)) as proxy:
        assert _post(proxy.url, "gap").content == STREAMS["gap"]
        proxy.wait_results(1)
        proxy.proxy.checker.process.kill()  # type: ignore[union-attr]
        proxy.proxy.checker.process.wait(10)  # type: ignore[union-attr]
        assert _post(proxy.url, "text").content == STREAMS["text"]
        assert _post(proxy.url, "gap").content == STREAMS["gap"]
        first, second, third = proxy.wait_results(3)
    assert first.checked and first.findings
    # The exchange in flight when it died may or may not have been checked; the next one is,
    # by a new checker process.
    assert third.checked
    assert [(f.rule, f.line, f.message) for f in third.findings] == [
        (f.rule, f.line, f.message) for f in first.findings
    ]
    assert second.checked or "checker process ended" in (second.error or "")


def test_a_ten_megabyte_event_line(tmp_path: Path) -> None:
    events = text_events("x", pieces=1)
    events[4]["delta"] = "y" * (10 << 20)  # the one delta: 10 MB on one line
    body = to_sse(events)
    with (
        ReplayServer({"huge": Reply(body, chunks=40)}) as server,
        running_proxy(_base(server), save_dir=tmp_path) as proxy,
    ):
        via = _post(proxy.url, "huge")
        [result] = proxy.wait_results(1)
    assert via.content == body
    assert result.findings == check_file(tmp_path / "0001.sse").findings
    assert {f.rule for f in result.findings} >= {"RSP301"}  # the done text is "x", not the delta


# ---------------------------------------------------------------- credentials


def test_credentials_never_reach_the_save_folder(replay: ReplayServer, tmp_path: Path) -> None:
    secrets = ["sk-live-SECRET1", "azure-SECRET2", "anthropic-SECRET3", "session=SECRET4", "qp-SECRET5"]
    with running_proxy(_base(replay), save_dir=tmp_path) as proxy:
        httpx.post(
            proxy.url + "/v1/responses?api-key=qp-SECRET5&x=1",
            json={"model": "m", "stream": True, "api_key": "sk-live-SECRET1"},
            headers={
                SCENARIO_HEADER: "text",
                "Authorization": "Bearer sk-live-SECRET1",
                "api-key": "azure-SECRET2",
                "x-api-key": "anthropic-SECRET3",
                "Cookie": "session=SECRET4",
            },
            timeout=TIMEOUT,
        )
        proxy.wait_results(1)
    written = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in secrets:
        assert secret.encode() not in written
    record = json.loads((tmp_path / "0001.exchange").read_text())
    headers = {k.lower(): v for k, v in record["request"]["headers"]}
    assert headers["authorization"] == headers["api-key"] == headers["cookie"] == "[redacted]"
    assert record["path"] == "/v1/responses?api-key=[redacted]&x=1"
    assert record["request"]["body"]["model"] == "m"


# ---------------------------------------------------------------- Bedrock's binary event-stream

BEDROCK = SHARED_ANTHROPIC / "025_bedrock_text.eventstream"


@pytest.mark.skipif(not BEDROCK.is_file(), reason=f"third-party capture not found at {BEDROCK}")
@pytest.mark.parametrize("cut", [False, True], ids=["whole", "cut"])
def test_bedrock_event_stream_is_checked_as_it_flows(cut: bool, tmp_path: Path) -> None:
    body = BEDROCK.read_bytes()
    if cut:
        body = body[: len(body) * 2 // 3]  # ends mid-message, before message_stop

    async def invoke(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/vnd.amazon.eventstream"})
        await response.prepare(request)
        for start in range(0, len(body), 97):  # pieces that cut the binary frames anywhere
            await response.write(body[start : start + 97])
        await response.write_eof()
        return response

    path = "/model/anthropic.claude-3-5-sonnet/invoke-with-response-stream"
    with aio_upstream({path: invoke}) as url, running_proxy(url, save_dir=tmp_path) as proxy:
        via = httpx.post(proxy.url + path, json={"messages": []}, timeout=TIMEOUT)
        [result] = proxy.wait_results(1)
    assert via.content == body
    saved = tmp_path / "0001.eventstream"
    assert saved.read_bytes() == body
    offline = check_file(saved)
    assert result.checked and result.input_format == offline.input_format == "eventstream"
    assert result.events == offline.events > 0
    assert result.findings == offline.findings
    assert bool(result.findings) == cut


# ---------------------------------------------------------------- WebSocket mode


def _ws_turn(broken: bool) -> list[dict[str, object]]:
    events = text_events("over a socket", pieces=3)
    if broken:
        del events[5]
    return events


async def _ws_upstream(request: web.Request) -> web.StreamResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    assert request.headers["Authorization"] == "Bearer sk-ws-SECRET"
    turns = 0
    async for msg in ws:
        if msg.type != web.WSMsgType.TEXT or json.loads(msg.data).get("type") != "response.create":
            continue
        for event in _ws_turn(broken=turns == 1):
            await ws.send_str(json.dumps(event))
        turns += 1
    return ws


@pytest.fixture(scope="module")
def ws_upstream() -> str:
    with aio_upstream({"/v1/responses": _ws_upstream}) as url:
        yield url


def test_websocket_mode_with_the_openai_sdk(ws_upstream: str, tmp_path: Path) -> None:
    live: list[object] = []
    open_when_found: list[bool] = []

    def session(base: str, wait_live: bool = False) -> list[list[str]]:
        client = openai.OpenAI(base_url=base + "/v1", api_key="sk-ws-SECRET", max_retries=0, timeout=20)
        turns = []
        with client.responses.connect() as connection:
            for _ in range(2):
                turns.append(sdk_websocket_turn(connection))
            if wait_live:
                # Checked message by message: turn 2's defect is reported while the session is open.
                deadline = time.monotonic() + 20
                while not live and time.monotonic() < deadline:
                    time.sleep(0.02)
                open_when_found.append(bool(live))
        return turns

    direct = session(ws_upstream)
    with running_proxy(ws_upstream, on_live=lambda n, found: live.extend(found), save_dir=tmp_path) as proxy:
        via = session(proxy.url, wait_live=True)
        [result] = proxy.wait_results(1)
    assert via == direct and len(via[0]) == 11 and len(via[1]) == 10
    assert open_when_found == [True]
    saved = tmp_path / "0001.jsonl"
    offline = check_file(saved)
    assert offline.input_format == "websocket"
    assert (result.events, result.findings) == (offline.events, offline.findings)
    assert result.findings and all("turn 2" in f.message for f in result.findings)
    assert live and all(f in result.findings for f in live)
    assert b"sk-ws-SECRET" not in b"".join(p.read_bytes() for p in tmp_path.iterdir())


def test_a_secret_in_the_query_of_a_websocket_session_reaches_no_report(
    ws_upstream: str, tmp_path: Path
) -> None:
    from websockets.sync.client import connect

    with running_proxy(ws_upstream, save_dir=tmp_path) as proxy:
        url = proxy.url.replace("http://", "ws://") + "/v1/responses?api_key=ws-SECRET"
        with connect(url, additional_headers={"Authorization": "Bearer sk-ws-SECRET"}) as ws:
            ws.send(json.dumps({"type": "response.create", "model": "m", "input": "hi"}))
            while json.loads(ws.recv(timeout=20))["type"] != "response.completed":
                pass
        [result] = proxy.wait_results(1)
    assert result.checked and result.target == "/v1/responses?api_key=[redacted]"
    shown = result.label + result.target + "".join(f.message for f in result.findings)
    assert "ws-SECRET" not in shown
    assert b"ws-SECRET" not in b"".join(p.read_bytes() for p in tmp_path.iterdir())


# ---------------------------------------------------------------- the console


def test_console_writes_each_finding_once_live_or_at_the_end() -> None:
    import io

    from validator.engine import CheckOptions
    from validator.tools.proxy.console import Console
    from validator.tools.proxy.exchange import ExchangeResult

    found = check_bytes(STREAMS["cut"], "<POST /v1/responses #1>").findings
    assert len(found) >= 2
    out, err = io.StringIO(), io.StringIO()
    console = Console(out, err, "text", CheckOptions())
    console.live(1, found[:1])
    assert out.getvalue().count("\n") == 1 and err.getvalue() == ""
    result = ExchangeResult(found[0].path, 6, list(found), number=1, method="POST", target="/v1/responses")
    result.status, result.content_type = 200, "text/event-stream"
    console.exchange(result)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(found) and len(set(lines)) == len(lines)
    assert err.getvalue().startswith("proxy: #1 POST /v1/responses -> 200 text/event-stream, 6 events, ")
    assert ": FAIL " in err.getvalue()


@pytest.mark.parametrize("verbose", [False, True])
def test_console_shows_every_detail_line_with_verbose(verbose: bool) -> None:
    import io

    from validator.engine import CheckOptions
    from validator.model.findings import Finding, Severity
    from validator.tools.proxy.console import Console

    details = tuple(f"detail {n}" for n in range(6))
    finding = Finding("RSP103", "schema-violation", Severity.ERROR, "bad", "<x>", 1, 1, 0, details=details)
    out = io.StringIO()
    Console(out, io.StringIO(), "text", CheckOptions(), verbose=verbose).live(1, [finding])
    shown = [line.strip() for line in out.getvalue().splitlines()[1:]]
    assert shown == (list(details) if verbose else [*details[:3], "… and 3 more (-v shows every one)"])


def test_github_format_appends_the_step_summary_when_the_proxy_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from validator.engine import CheckOptions
    from validator.tools.proxy.console import Console, report_of
    from validator.tools.proxy.exchange import ExchangeResult

    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    found = check_bytes(STREAMS["cut"], "<POST /v1/responses #1>").findings
    result = ExchangeResult(found[0].path, 6, list(found), number=1, method="POST", target="/v1/responses")
    out = io.StringIO()
    console = Console(out, io.StringIO(), "github", CheckOptions())
    console.exchange(result)
    assert out.getvalue().startswith("::error ")
    assert not summary.exists()  # written once, at the end
    console.summarise(report_of([result], CheckOptions()))
    assert found[0].rule in summary.read_text()


# ---------------------------------------------------------------- other protocols


@pytest.mark.parametrize("name", ["parallel_tool_use.sse", "overloaded_mid_stream.sse"])
def test_anthropic_messages_are_checked_through_the_protocols(name: str, tmp_path: Path) -> None:
    """A call another protocol claims (POST /v1/messages) is checked as that protocol's stream."""
    body = (CORPUS / "anthropic" / name).read_bytes()
    with (
        ReplayServer({"/v1/messages": Reply.sse(body)}) as server,
        running_proxy(_base(server), save_dir=tmp_path) as proxy,
    ):
        via = httpx.post(
            proxy.url + "/v1/messages",
            json={"model": "claude", "max_tokens": 64, "stream": True, "messages": []},
            headers={"x-api-key": "sk-ant-SECRET", "anthropic-version": "2023-06-01"},
            timeout=TIMEOUT,
        )
        [result] = proxy.wait_results(1)
    assert via.content == body
    offline = check_file(tmp_path / "0001.sse")
    assert (result.events, result.findings) == (offline.events, offline.findings)
    assert all(f.rule.startswith("AN") for f in result.findings)
    assert bool(result.findings) == (name == "overloaded_mid_stream.sse")
    assert b"sk-ant-SECRET" not in b"".join(p.read_bytes() for p in tmp_path.iterdir())


# ---------------------------------------------------------------- other protocols: whole answers

MESSAGE = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [
        {"type": "thinking", "thinking": "The user wants the weather.", "signature": "EqQBCgIYAhIM"},
        {"type": "text", "text": "Let me check.", "citations": None},
        {
            "type": "tool_use",
            "id": "toolu_01A09q90qw90lq917835lq9",
            "name": "get_weather",
            "input": {"city": "Paris"},
        },
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {"input_tokens": 12, "output_tokens": 30, "cache_read_input_tokens": 0},
}
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1767348000,
    "model": "gpt-4o-mini",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hi."},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}


async def _whole_answers(request: web.Request) -> web.StreamResponse:
    """A non-streaming answer of the protocol the path names, as ``X-Kind`` asks."""
    kind = request.headers.get("X-Kind", "")
    good = COMPLETION if request.path.endswith("/chat/completions") else MESSAGE
    if kind == "good":
        return web.json_response(good)
    if kind == "bad" and good is COMPLETION:
        return web.json_response(
            {**COMPLETION, "choices": [{**COMPLETION["choices"][0], "finish_reason": "done"}]}
        )
    if kind == "bad":
        content = [{"type": "text", "text": 3}, *MESSAGE["content"][1:]]
        return web.json_response(
            {**MESSAGE, "content": content, "usage": {"input_tokens": -1, "output_tokens": 1}}
        )
    if kind == "not-json":
        return web.Response(body=b'{"id": "msg_01", "type": "mess', content_type="application/json")
    if kind == "error":
        error = {"type": "invalid_request_error", "message": "max_tokens: Field required"}
        return web.json_response({"type": "error", "error": error}, status=400)
    return web.Response(text="Internal Server Error", status=500)


@pytest.fixture(scope="module")
def whole_upstream() -> str:
    with aio_upstream({"/v1/messages": _whole_answers, "/v1/chat/completions": _whole_answers}) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "kind", "stream", "rules"),
    [
        ("/v1/messages", "good", False, []),
        ("/v1/messages", "bad", False, ["AN103", "AN103"]),
        ("/v1/messages", "not-json", False, ["AN002"]),
        ("/v1/messages", "error", False, []),
        ("/v1/messages", "plain500", False, ["AN014"]),
        ("/v1/messages", "good", True, ["AN013"]),
        ("/v1/chat/completions", "good", False, []),
        ("/v1/chat/completions", "bad", False, ["CH100"]),
        ("/v1/chat/completions", "not-json", False, ["CH003"]),
        ("/v1/chat/completions", "error", True, []),
        ("/v1/chat/completions", "plain500", True, ["CH069"]),
        ("/v1/chat/completions", "good", True, ["CH068"]),
    ],
)
def test_other_protocols_answers_get_the_http_level_checks_of_check(
    whole_upstream: str, path: str, kind: str, stream: bool, rules: list[str]
) -> None:
    """Chat Completions and Messages answers are judged as check judges a recorded call's (the
    transport rules under each protocol's ids), and a whole Message against the Message schema."""
    body = {"model": "m", "max_tokens": 64, "messages": [], "stream": stream}
    with running_proxy(whole_upstream) as proxy:
        via = httpx.post(proxy.url + path, json=body, headers={"X-Kind": kind}, timeout=TIMEOUT)
        direct = httpx.post(whole_upstream + path, json=body, headers={"X-Kind": kind}, timeout=TIMEOUT)
        [result] = proxy.wait_results(1)
    assert (via.status_code, via.content) == (direct.status_code, direct.content)
    assert [f.rule for f in result.findings] == rules
    assert result.checked and result.input_format == "json"


def test_bad_message_findings_point_into_the_message(whole_upstream: str) -> None:
    with running_proxy(whole_upstream) as proxy:
        httpx.post(proxy.url + "/v1/messages", json={}, headers={"X-Kind": "bad"}, timeout=TIMEOUT)
        [result] = proxy.wait_results(1)
    by_pointer = {f.pointer: f.message for f in result.findings}
    assert set(by_pointer) == {"/usage/input_tokens", "/content/0/text"}
    assert by_pointer["/content/0/text"].startswith(
        "non-streaming answer (Message): type: /content/0/text: 3 "
    )


def test_openai_sdk_non_streaming_chat_completion_through_the_proxy(whole_upstream: str) -> None:
    with (
        running_proxy(whole_upstream) as proxy,
        openai.OpenAI(base_url=proxy.url + "/v1", api_key="sk-SECRET", max_retries=0, timeout=20) as client,
    ):
        for kind in ("good", "bad"):
            completion = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "Hi"}],
                extra_headers={"X-Kind": kind},
            )
            assert completion.choices[0].message.content == "Hi."
        good, bad = proxy.wait_results(2)
    assert good.checked and good.findings == []
    [finding] = bad.findings
    assert (finding.rule, finding.pointer) == ("CH100", "/choices/0/finish_reason")


def test_anthropic_sdk_non_streaming_message_through_the_proxy(whole_upstream: str, tmp_path: Path) -> None:
    import anthropic

    with running_proxy(whole_upstream, save_dir=tmp_path) as proxy:
        with anthropic.Anthropic(
            base_url=proxy.url, api_key="sk-ant-SECRET", max_retries=0, timeout=20
        ) as client:
            message = client.messages.create(
                model="claude-sonnet-4-5",
                max_tokens=64,
                messages=[{"role": "user", "content": "Weather in Paris?"}],
                extra_headers={"X-Kind": "good"},
            )
        [result] = proxy.wait_results(1)
    assert message.content[2].type == "tool_use" and message.content[2].input == {"city": "Paris"}
    assert result.checked and result.findings == []
    assert json.loads((tmp_path / "0001.json").read_bytes()) == MESSAGE


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_websocket_messages_cut_anywhere_on_their_way_to_the_check_stay_whole(size: int) -> None:
    """The checker process's hand-off splits a piece where its ring ends: a message cut in two
    is still one message (one transcript line), not two broken ones."""
    from validator.engine import CheckOptions
    from validator.tools.proxy.exchange import WebSocketCheck, ws_message

    messages = [json.dumps({"type": "response.create", "model": "m", "input": "hi"})]
    messages += [json.dumps(e) for e in _ws_turn(broken=False)]
    framed = b"".join(ws_message(m) for m in messages)
    whole, cut = (WebSocketCheck(1, "/v1/responses", CheckOptions()) for _ in range(2))
    lines = whole.feed(framed)
    assert lines == b"".join(m.encode() + b"\n" for m in messages)
    assert b"".join(cut.feed(framed[i : i + size]) for i in range(0, len(framed), size)) == lines
    one, two = whole.finish(), cut.finish()
    assert (two.events, two.findings) == (one.events, one.findings) == (len(messages) - 1, [])
