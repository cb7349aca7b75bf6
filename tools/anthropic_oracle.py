"""anthropic-python as an oracle for Messages streams: does the real client fail on a body?

The body is served to ``anthropic.Anthropic().messages.stream(...)`` through an in-process
``httpx.MockTransport`` (no network), so everything the SDK does runs: its SSE decoder, the event
loop of ``Stream.__stream__`` (events without a name and pings skipped, ``event: error`` raised as
``APIStatusError``) and ``MessageStream``'s accumulator (``accumulate_event``: "Unexpected event
order", IndexError, the tool-input JSON parser). Payload-only transcripts (JSON Lines, as Vercel's and
Bedrock's decoded fixtures are) are framed as SSE first, with each payload's ``type`` as its name.

The validator never imports this module: ``anthropic`` is a test dependency (pinned in the
``test`` extra).
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["as_sse", "sdk_outcome"]

SDK_VERSION = "2.17.0"


def as_sse(body: bytes, name: str) -> bytes:
    """An SSE body: ``.jsonl`` payloads get ``event:`` lines (their ``type``); SSE stays as is."""
    if not name.endswith(".jsonl"):
        return body
    out = []
    for line in body.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        kind = value.get("type") if isinstance(value, dict) else None
        out.append((f"event: {kind}\n" if isinstance(kind, str) else "") + f"data: {line}\n\n")
    return "".join(out).encode()


def sdk_outcome(body: bytes, name: str = "stream.sse") -> tuple[str | None, str]:
    """``(error, summary)``: the exception the SDK raised (type and message) or None, and a short
    summary of the final message when there is one."""
    import anthropic
    import httpx2 as httpx  # anthropic 2.x ships its own fork of httpx

    payload = as_sse(body, name)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=payload)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = anthropic.Anthropic(
        api_key="oracle", base_url="http://oracle.invalid", http_client=http, max_retries=0
    )
    try:
        with client.messages.stream(
            model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            for _ in stream:
                pass
            final = stream.get_final_message()
    except Exception as exc:  # the oracle's verdict is whatever the SDK raises
        return f"{type(exc).__name__}: {str(exc)[:160]}", ""
    finally:
        http.close()
    blocks = [b.type for b in final.content]
    return None, f"{len(blocks)} blocks {blocks}, stop {final.stop_reason}"


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:]:
        path = Path(arg)
        print(path.name, *sdk_outcome(path.read_bytes(), path.name))
