"""A small Chat Completions streamer on 127.0.0.1: the upstream model server the LiteLLM proxy
talks to in ``test_litellm.py`` (LiteLLM bridges its Responses endpoint onto it).

It answers ``POST /v1/chat/completions`` with ``stream: true`` as an OpenAI-compatible server
does: ``chat.completion.chunk`` events, then ``data: [DONE]``. The request's ``model`` picks the
scenario (:data:`SCENARIOS`), so one upstream serves every model of the proxy's config. Every
request is recorded (``requests``) for the tests to look at what LiteLLM sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["SCENARIOS", "ChatUpstream"]

CREATED = 1767348000


def _chunk(n: int, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "loopback-model",
        "system_fingerprint": "fp_loopback",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }


def _usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "loopback-model",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def _text(pieces: list[str], finish: str) -> list[dict[str, Any]]:
    chunks = [_chunk(0, {"role": "assistant", "content": ""})]
    chunks += [_chunk(0, {"content": p}) for p in pieces]
    chunks.append(_chunk(0, {}, finish))
    chunks.append(_usage(12, len(pieces)))
    return chunks


def _calls(calls: list[tuple[str, str, list[str]]]) -> list[dict[str, Any]]:
    """Tool calls streamed as OpenAI does: the first chunk of each names it, then argument pieces."""
    chunks = [_chunk(0, {"role": "assistant", "content": None})]
    for index, (call_id, name, pieces) in enumerate(calls):
        first = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        chunks.append(_chunk(0, {"tool_calls": [first]}))
        chunks += [
            _chunk(0, {"tool_calls": [{"index": index, "function": {"arguments": p}}]}) for p in pieces
        ]
    chunks.append(_chunk(0, {}, "tool_calls"))
    chunks.append(_usage(40, 18))
    return chunks


def _reasoning() -> list[dict[str, Any]]:
    chunks = [_chunk(0, {"role": "assistant", "content": ""})]
    chunks += [
        _chunk(0, {"reasoning_content": p}) for p in ["The user wants", " the capital;", " it is Paris."]
    ]
    chunks += [_chunk(0, {"content": p}) for p in ["The capital", " of France", " is Paris."]]
    chunks.append(_chunk(0, {}, "stop"))
    chunks.append(_usage(12, 9))
    return chunks


#: What the upstream error looks like mid-stream: the OpenAI shape some servers (vLLM) send
#: as an event before closing the stream.
UPSTREAM_ERROR = {"error": {"message": "upstream worker died", "type": "server_error", "code": 500}}

#: model name -> the chunks of its answer; None = the error scenario (text, then an error event).
SCENARIOS: dict[str, list[dict[str, Any]] | None] = {
    "text": _text(["The capital", " of France", " is Paris."], "stop"),
    "tool-call": _calls([("call_weather_1", "get_weather", ['{"city":', ' "Paris"}'])]),
    "two-tool-calls": _calls(
        [
            ("call_weather_1", "get_weather", ['{"city":', ' "Paris"}']),
            ("call_weather_2", "get_weather", ['{"city":', ' "Lyon"}']),
        ]
    ),
    "reasoning": _reasoning(),
    "max-tokens": _text(["Here are the", " first three", " steps:"], "length"),
    "error-mid-stream": None,
}


def _frames(model: str) -> Iterator[bytes]:
    chunks = SCENARIOS.get(model)
    if chunks is None:
        for chunk in _text(["The capital", " of"], "stop")[:3]:
            yield f"data: {json.dumps(chunk)}\n\n".encode()
        yield f"data: {json.dumps(UPSTREAM_ERROR)}\n\n".encode()
        return
    for chunk in chunks:
        yield f"data: {json.dumps(chunk)}\n\n".encode()
    yield b"data: [DONE]\n\n"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: the test output is the findings

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        self.server.requests.append({"path": self.path, "body": body})
        model = str(body.get("model", ""))
        if not self.path.endswith("/chat/completions") or model not in SCENARIOS:
            self._json(404, {"error": {"message": f"no such route or model: {self.path} {model}"}})
            return
        if not body.get("stream"):
            self._json(400, {"error": {"message": "this upstream only streams"}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        for frame in _frames(model):
            self.wfile.write(frame)
            self.wfile.flush()
        self.close_connection = True

    def _json(self, status: int, value: Any) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[dict[str, Any]]


class ChatUpstream:
    """``with ChatUpstream() as up: up.base_url`` -> ``http://127.0.0.1:<port>/v1``."""

    def __init__(self) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.requests = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.server.requests

    def __enter__(self) -> ChatUpstream:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
