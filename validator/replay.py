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

__all__ = ["SCENARIO_HEADER", "ReplayServer", "Reply", "function_call_events", "text_events", "to_sse"]

SCENARIO_HEADER = "X-Responses-Validator-Scenario"


@dataclass(frozen=True)
class Reply:
    body: bytes
    status: int = 200
    content_type: str = "text/event-stream; charset=utf-8"
    #: Write the body in this many pieces (flushing each), to exercise incremental reading.
    chunks: int = 4

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
                self.end_headers()
                n = max(1, reply.chunks)
                size = max(1, -(-len(reply.body) // n))
                for start in range(0, len(reply.body), size):
                    self.wfile.write(reply.body[start : start + size])
                    self.wfile.flush()

            do_POST = _handle
            do_GET = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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


def _response(rid: str, status: str, output: list[Any], created_at: int = 1767225740) -> dict[str, Any]:
    done = status == "completed"
    return {
        "id": rid,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": False,
        "completed_at": created_at + 2 if done else None,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": "replay-1",
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 15,
        }
        if done
        else None,
        "user": None,
        "metadata": {},
    }


def _numbered(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"type": e["type"], "sequence_number": i, **{k: v for k, v in e.items() if k != "type"}}
        for i, e in enumerate(events)
    ]


def text_events(
    text: str = "Hello there, friend!", rid: str = "resp_replay_text", pieces: int = 3
) -> list[dict[str, Any]]:
    """A valid stream of one assistant message whose text arrives in ``pieces`` deltas."""
    mid = "msg_" + rid.removeprefix("resp_")
    size = max(1, -(-len(text) // pieces))
    deltas = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    done_part = {**part, "text": text}
    item = {"id": mid, "type": "message", "status": "in_progress", "content": [], "role": "assistant"}
    done_item = {**item, "status": "completed", "content": [done_part]}
    ref = {"item_id": mid, "output_index": 0, "content_index": 0}
    return _numbered(
        [
            {"type": "response.created", "response": _response(rid, "in_progress", [])},
            {"type": "response.in_progress", "response": _response(rid, "in_progress", [])},
            {"type": "response.output_item.added", "output_index": 0, "item": item},
            {"type": "response.content_part.added", **ref, "part": part},
            *({"type": "response.output_text.delta", **ref, "delta": d, "logprobs": []} for d in deltas),
            {"type": "response.output_text.done", **ref, "text": text, "logprobs": []},
            {"type": "response.content_part.done", **ref, "part": done_part},
            {"type": "response.output_item.done", "output_index": 0, "item": done_item},
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
    item = {
        "id": fid,
        "type": "function_call",
        "status": "in_progress",
        "arguments": "",
        "call_id": "call_1",
        "name": name,
    }
    done_item = {**item, "status": "completed", "arguments": arguments}
    half = len(arguments) // 2
    ref = {"item_id": fid, "output_index": 0}
    return _numbered(
        [
            {"type": "response.created", "response": _response(rid, "in_progress", [])},
            {"type": "response.in_progress", "response": _response(rid, "in_progress", [])},
            {"type": "response.output_item.added", "output_index": 0, "item": item},
            {"type": "response.function_call_arguments.delta", **ref, "delta": arguments[:half]},
            {"type": "response.function_call_arguments.delta", **ref, "delta": arguments[half:]},
            {"type": "response.function_call_arguments.done", **ref, "name": name, "arguments": arguments},
            {"type": "response.output_item.done", "output_index": 0, "item": done_item},
            {"type": "response.completed", "response": _response(rid, "completed", [done_item])},
        ]
    )


def to_sse(events: list[dict[str, Any]]) -> bytes:
    """SSE framing as OpenAI sends it: an event line and a data line, then a blank line."""
    return "".join(
        f"event: {e['type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n" for e in events
    ).encode()
