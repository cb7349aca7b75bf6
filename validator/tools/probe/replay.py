"""A local HTTP server that answers Responses requests with recorded bodies (for tests and demos).

It binds 127.0.0.1 on a free port, runs in a thread, and picks the reply for each request by
the ``X-Responses-Validator-Scenario`` header the probe sends (or by request path), so one
server can stand in for an endpoint through a whole probe run. Bodies are written in several
chunks and the connection is closed after each reply (close-delimited body), like a streaming
server that flushes as it goes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from validator.tools.probe.streamkit import function_call_events as _call_events
from validator.tools.probe.streamkit import message_events, response_snapshot, sequenced, sse_frame, usage

__all__ = ["SCENARIO_HEADER", "ReplayServer", "Reply", "function_call_events", "text_events", "to_sse"]

SCENARIO_HEADER = "X-Responses-Validator-Scenario"


class _Listener(ThreadingHTTPServer):
    """A threading HTTP server whose listen backlog holds a burst of clients.

    socketserver's default backlog is 5: with sixty clients connecting at once (the proxy's
    concurrency test) the kernel drops the surplus SYNs, and their retries back off 1, 2, 4, 8 s
    and beyond, past a client's timeout on a busy machine.
    """

    request_queue_size = 128


@dataclass(frozen=True)
class Reply:
    body: bytes
    status: int = 200
    content_type: str = "text/event-stream; charset=utf-8"
    #: Write the body in this many pieces (flushing each), to exercise incremental reading.
    chunks: int = 4
    #: Further response headers (``Retry-After``, ...).
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def sse(cls, body: bytes) -> Reply:
        return cls(body)

    @classmethod
    def json(cls, value: Any, status: int = 200) -> Reply:
        return cls(json.dumps(value).encode(), status, "application/json")


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class ReplayServer:
    """``with ReplayServer({"basic-text": Reply.sse(b"...")}) as server: server.url``."""

    replies: Mapping[str, Reply]
    default: Reply | None = None
    requests: list[Recorded] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL in the API's shape: POST {url}/responses."""
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def reply_for(self, path: str, headers: Mapping[str, str]) -> Reply | None:
        key = headers.get(SCENARIO_HEADER.lower())
        if key is not None and key in self.replies:
            return self.replies[key]
        return self.replies.get(path, self.default)

    def __enter__(self) -> ReplayServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # close-delimited bodies: no Content-Length needed

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                headers = {k.lower(): v for k, v in self.headers.items()}
                owner.requests.append(Recorded(self.command, self.path, headers, body))
                reply = owner.reply_for(self.path, headers)
                if reply is None:
                    reply = Reply.json({"error": {"message": "no reply recorded", "type": "not_found"}}, 404)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Connection", "close")
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                n = max(1, reply.chunks)
                size = max(1, -(-len(reply.body) // n))
                for start in range(0, len(reply.body), size):
                    self.wfile.write(reply.body[start : start + size])
                    self.wfile.flush()

            do_POST = _handle
            do_GET = _handle

        self._server = _Listener(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()


# ---------------------------------------------------------------- small valid streams to serve


# The replay streams send the smaller snapshot they were written with: these keys of the 2026
# wire stay out (and ``text`` has no verbosity), so what the probe tests serve stays the same.
_NOT_IN_REPLAY = (
    "frequency_penalty",
    "presence_penalty",
    "prompt_cache_key",
    "prompt_cache_retention",
    "safety_identifier",
    "service_tier",
    "top_logprobs",
)


def _response(rid: str, status: str, output: list[Any], created_at: int = 1767225740) -> dict[str, Any]:
    done = status == "completed"
    return response_snapshot(
        rid,
        status,
        created_at=created_at,
        model="replay-1",
        omit=_NOT_IN_REPLAY,
        completed_at=created_at + 2 if done else None,
        output=output,
        text={"format": {"type": "text"}},
        usage=usage(10, 5) if done else None,
    )


def _numbered(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [sequenced(e, i) for i, e in enumerate(events)]


def text_events(
    text: str = "Hello there, friend!", rid: str = "resp_replay_text", pieces: int = 3
) -> list[dict[str, Any]]:
    """A valid stream of one assistant message whose text arrives in ``pieces`` deltas."""
    mid = "msg_" + rid.removeprefix("resp_")
    size = max(1, -(-len(text) // pieces))
    deltas = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    events = message_events(mid, 0, deltas)
    done_item = events[-1]["item"]
    return _numbered(
        [
            {"type": "response.created", "response": _response(rid, "in_progress", [])},
            {"type": "response.in_progress", "response": _response(rid, "in_progress", [])},
            *events,
            {"type": "response.completed", "response": _response(rid, "completed", [done_item])},
        ]
    )


def function_call_events(
    name: str = "get_weather",
    arguments: str = '{"location":"San Francisco, CA"}',
    rid: str = "resp_replay_call",
) -> list[dict[str, Any]]:
    """A valid stream of one function_call item whose arguments arrive in two deltas."""
    fid = "fc_" + rid.removeprefix("resp_")
    half = len(arguments) // 2
    events = _call_events(fid, "call_1", 0, [arguments[:half], arguments[half:]], name=name)
    done_item = events[-1]["item"]
    return _numbered(
        [
            {"type": "response.created", "response": _response(rid, "in_progress", [])},
            {"type": "response.in_progress", "response": _response(rid, "in_progress", [])},
            *events,
            {"type": "response.completed", "response": _response(rid, "completed", [done_item])},
        ]
    )


def to_sse(events: list[dict[str, Any]]) -> bytes:
    """SSE framing as OpenAI sends it: an event line and a data line, then a blank line."""
    return "".join(sse_frame(e) for e in events).encode()
