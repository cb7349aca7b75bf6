"""How a recorded Responses call is judged: is it one, did it stream, and is its answer usable.

A ``stream: true`` request answered 2xx with something other than an event stream is RSP014, and
a Responses call answered 4xx/5xx without a JSON ``{"error": {...}}`` body is RSP015, as the live
probe judges them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class AnswerProblem:
    """A recorded answer to a Responses call that clients cannot use (RSP014, RSP015).

    It points at the interaction (or HAR entry): the defect is the whole answer, not a line of it.
    """

    rule: str
    message: str
    label: str
    index: int
    line: int
    column: int = 1
    offset: int = 0
    #: The protocol of the call (its catalog names the rule: RSP014 is AN013 for Messages).
    protocol: str = "responses"


# ---------------------------------------------------------------- request and response tests


def is_responses_request(method: str, url: str) -> bool:
    """POST …/responses, or GET …/responses/{id} with stream=true (a resumed stream)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    method = method.upper()
    if method == "POST":
        return path.endswith("/responses") or path == "responses"
    if method == "GET":
        segments = path.split("/")
        if len(segments) >= 2 and segments[-2] == "responses" and segments[-1]:
            stream = parse_qs(parts.query).get("stream", [""])[-1].lower()
            return stream == "true"
    return False


def is_event_stream(content_type: str, body: bytes) -> bool:
    if content_type:
        return content_type.split(";")[0].strip().lower() == "text/event-stream"
    # No Content-Type recorded (some go-vcr files drop headers): sniff the first field name.
    head = body.lstrip()[:16]
    return head.startswith((b"event:", b"data:", b":"))


def _preview(body: bytes, limit: int = 80) -> str:
    """The first bytes of a body, on one line, for a message."""
    text = body[:limit].decode("utf-8", "backslashreplace").replace("\r", "\\r").replace("\n", "\\n")
    return text + ("…" if len(body) > limit else "")


def asks_for_stream(method: str, request_body: bytes | None) -> bool:
    """Whether the request wants an event stream: a GET resume (``?stream=true``, checked by
    :func:`is_responses_request`) or a JSON body with ``"stream": true``."""
    value = None
    if request_body:
        try:
            value = json.loads(request_body)
        except (ValueError, UnicodeDecodeError):
            value = None
    return wants_stream(method, value)


def wants_stream(method: str, request: Any) -> bool:
    """:func:`asks_for_stream` for a request body already decoded (a saved exchange's)."""
    return method.upper() == "GET" or (isinstance(request, dict) and request.get("stream") is True)


def status_code(status: Any) -> int | None:
    try:
        return int(str(status).strip().split(" ")[0])
    except ValueError:
        return None


def _is_json_error(body: bytes) -> bool:
    """``{"error": {"message": "…", …}}``: what the SDKs turn into a typed error (as the probe asks)."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    err = value.get("error") if isinstance(value, dict) else None
    return isinstance(err, dict) and isinstance(err.get("message"), str)


def judge_answer(
    base: dict[str, Any], status: int | None, streaming: bool, body: bytes
) -> AnswerProblem | None:
    """RSP014 / RSP015 for one recorded answer to a Responses call, or None. ``streaming``: the
    request asked for an event stream (:func:`asks_for_stream`)."""
    if status is None:
        return None
    content_type = str(base["content_type"])
    shown = content_type or "no content type recorded"
    where = {k: base[k] for k in ("label", "index", "line", "column", "offset")}
    where["protocol"] = base.get("protocol", "responses")
    if 400 <= status < 600:
        if _is_json_error(body):
            return None
        return AnswerProblem(
            "RSP015",
            f'{base["label"]}: HTTP {status} ({shown}) without a JSON {{"error": {{"message": …}}}} body: '
            f"{_preview(body) or '(empty body)'}",
            **where,
        )
    if not 200 <= status < 300 or not streaming:
        return None
    if is_event_stream(content_type, body) or (not content_type and not body.strip()):
        # No content type and no body: the recorder kept nothing to judge (some drop both).
        return None
    return AnswerProblem(
        "RSP014",
        f"{base['label']}: stream: true request answered with HTTP {status} ({shown}), "
        f"not text/event-stream: {_preview(body) or '(empty body)'}",
        **where,
    )
