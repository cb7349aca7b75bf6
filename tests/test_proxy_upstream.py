"""The proxy's side toward the upstream, held to the bytes on the wire: a chunked body reaches the
client exactly as the upstream framed it (chunk sizes, extensions, trailers), the checker gets the
data inside the chunks, connections are kept for the next request (and one the upstream closed
meanwhile is retried), and a client that speaks HTTP/1.0 gets the data without chunks.

The upstream here is a raw socket server, so the test decides every byte the proxy reads.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from proxy_support import running_proxy

from validator.engine import check_bytes
from validator.tools.probe.replay import text_events, to_sse
from validator.tools.proxy.upstream import Dechunker, UpstreamBroke

STREAM = to_sse(text_events("hello there", pieces=4))
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Upstream: raw\r\n"
CHUNKED = HEAD + b"Transfer-Encoding: chunked\r\n\r\n"


def _chunked(body: bytes) -> bytes:
    """``body`` in chunks of odd sizes, some with extensions, and a trailer after the last."""
    out, at, size = b"", 0, 7
    while at < len(body):
        piece = body[at : at + size]
        extension = b";name=value" if size % 2 else b""
        out += f"{len(piece):X}".encode() + extension + b"\r\n" + piece + b"\r\n"
        at += size
        size = size * 3 % 101 + 5
    return out + b"0\r\nX-Checksum: abc\r\n\r\n"


def _read_request(conn: socket.socket, buffer: bytes) -> tuple[bytes, bytes] | None:
    """(request head, what came after it) or None when the peer closed."""
    while b"\r\n\r\n" not in buffer:
        data = conn.recv(65536)
        if not data:
            return None
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += conn.recv(65536)
    return head, rest[length:]


Answerer = Callable[[int, int, bytes], "bytes | None"]


class RawUpstream:
    """Serves each connection with ``answer(connection index, request index, request head)``:
    the bytes to send back (the connection closed after them if they say ``Connection: close``),
    or None to close the connection without an answer."""

    def __init__(self, answer: Answerer) -> None:
        self.answer = answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.connections = 0
        self.heads: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            index = self.connections
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, index), daemon=True).start()

    def _serve(self, conn: socket.socket, index: int) -> None:
        with conn:
            buffer, number = b"", 0
            while True:
                got = _read_request(conn, buffer)
                if got is None:
                    return
                head, buffer = got
                self.heads.append(head)
                reply = self.answer(index, number, head)
                number += 1
                if reply is None:
                    return
                conn.sendall(reply)
                if b"\r\nConnection: close\r\n" in reply.partition(b"\r\n\r\n")[0] + b"\r\n":
                    return

    def close(self) -> None:
        self.server.close()


Make = Callable[[Answerer], RawUpstream]


@pytest.fixture
def raw_upstream() -> Iterator[Make]:
    made: list[RawUpstream] = []

    def make(answer: Answerer) -> RawUpstream:
        made.append(RawUpstream(answer))
        return made[-1]

    yield make
    for upstream in made:
        upstream.close()


def _exchange(url: str, request: bytes) -> bytes:
    """Everything the proxy sends back for one request, read until it closes the connection."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as conn:
        conn.sendall(request)
        out = b""
        while data := conn.recv(65536):
            out += data
    return out


def _post(version: str = "1.1") -> bytes:
    body = b'{"model":"m","stream":true}'
    return (
        f"POST /v1/responses HTTP/{version}\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


@pytest.mark.parametrize("check_process", [True, False], ids=["checker process", "inline checker"])
def test_chunked_body_reaches_the_client_as_framed_and_the_checker_gets_its_data(
    raw_upstream: Make, check_process: bool
) -> None:
    framed = _chunked(STREAM)
    upstream = raw_upstream(lambda i, n, head: CHUNKED + framed)
    with running_proxy(upstream.url, check_process=check_process) as proxy:
        head, _, body = _exchange(proxy.url, _post()).partition(b"\r\n\r\n")
        [result] = proxy.wait_results(1)
    # Chunk sizes, extensions and the trailer, byte for byte: the upstream's framing, not the proxy's.
    assert body == framed
    assert b"\r\nTransfer-Encoding: chunked\r\n" in head + b"\r\n" and b"X-Upstream: raw" in head
    assert result.checked and result.events == check_bytes(STREAM, "x").events
    assert result.findings == check_bytes(STREAM, "x").findings == []


def test_an_http10_client_gets_the_data_without_the_chunks(raw_upstream: Make) -> None:
    upstream = raw_upstream(lambda i, n, head: CHUNKED + _chunked(STREAM))
    with running_proxy(upstream.url) as proxy:
        head, _, body = _exchange(proxy.url, _post("1.0")).partition(b"\r\n\r\n")
        [result] = proxy.wait_results(1)
    assert body == STREAM and b"transfer-encoding" not in head.lower()
    assert result.checked and result.findings == []


def test_connections_are_kept_and_one_closed_meanwhile_is_retried(raw_upstream: Make) -> None:
    framed = _chunked(STREAM)

    def answer(connection: int, number: int, head: bytes) -> bytes | None:
        # The first connection serves two requests, then closes on the third without a word.
        if connection == 0 and number == 2:
            return None
        return CHUNKED + framed

    upstream = raw_upstream(answer)
    with running_proxy(upstream.url) as proxy:
        bodies = [_exchange(proxy.url, _post()).partition(b"\r\n\r\n")[2] for _ in range(4)]
        results = proxy.wait_results(4)
    assert bodies == [framed] * 4
    assert all(r.checked and r.findings == [] for r in results)
    # Requests 1-2 on the first connection, 3 tried there and again on a second, which serves 4.
    assert upstream.connections == 2 and len(upstream.heads) == 5


def test_content_length_and_close_delimited_bodies_are_passed_on_whole(raw_upstream: Make) -> None:
    def answer(connection: int, number: int, head: bytes) -> bytes | None:
        if b"/length/" in head:
            return HEAD + f"Content-Length: {len(STREAM)}\r\n\r\n".encode() + STREAM
        return HEAD + b"Connection: close\r\n\r\n" + STREAM

    upstream = raw_upstream(answer)
    with running_proxy(upstream.url) as proxy:
        by_length = _exchange(proxy.url, _post().replace(b" /v1/", b" /length/v1/"))
        by_close = _exchange(proxy.url, _post())
        results = proxy.wait_results(2)
    assert by_length.partition(b"\r\n\r\n")[2] == STREAM == by_close.partition(b"\r\n\r\n")[2]
    assert f"Content-Length: {len(STREAM)}".encode() in by_length
    assert all(r.checked and r.findings == [] for r in results)


def test_an_answer_that_is_not_http_is_a_502(raw_upstream: Make) -> None:
    upstream = raw_upstream(lambda i, n, head: b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    with running_proxy(upstream.url) as proxy:
        answer = _exchange(proxy.url, _post())
        [result] = proxy.wait_results(1)
    assert answer.startswith(b"HTTP/1.1 502 ")
    assert b"not an HTTP answer" in answer
    assert "upstream failed before answering" in (result.note or "")


@pytest.mark.parametrize(
    "wire",
    [b"5\r\nhello\r\n0\r\n\r\n", b"5;a=b\r\nhello\r\n0;c\r\nT: 1\r\nU: 2\r\n\r\n", b"5\nhello\n0\n\n"],
)
def test_dechunker_gives_the_data_at_any_split(wire: bytes) -> None:
    for cut in range(len(wire) + 1):
        dechunker = Dechunker()
        data = b""
        for part in (wire[:cut], wire[cut:]):
            pieces, used = dechunker.feed(part)
            data += b"".join(pieces)
            assert used == len(part)
        assert dechunker.done and data == b"hello"


def test_dechunker_stops_at_the_end_of_the_body_and_refuses_what_is_not_chunked() -> None:
    dechunker = Dechunker()
    pieces, used = dechunker.feed(b"3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK")
    assert b"".join(pieces) == b"abc" and used == len(b"3\r\nabc\r\n0\r\n\r\n") and dechunker.done
    for bad in (b"0x3\r\nabc\r\n", b"-3\r\nabc\r\n", b"zz\r\n", b"3\r\nabcd\r\n", b"\r\n"):
        with pytest.raises(UpstreamBroke):
            Dechunker().feed(bad)
