"""Streams where they live: Responses SSE bodies inside VCR cassettes and HAR files.

Bytes in, bytes and mappings out: this module never opens files. :func:`iter_streams` finds
every interaction whose request is a Responses call (``POST …/responses`` or
``GET …/responses/{id}?stream=true``) and whose response is ``text/event-stream``, decodes its
body (base64, ``!!binary``, gzip/deflate) and says, where it can, which container line holds
each body line: a body stored as a YAML literal block (``|``) maps line for line; an encoded body
cannot. The recorded answers that clients cannot use come out of the same walk
(:func:`iter_answer_problems`).

Shapes understood:

* vcrpy / pytest-recording: ``interactions: [{request: {method, uri}, response: {status:
  {code}, headers: {Name: [v]}, body: {string: …}}}]``; ``string`` may be ``!!binary``.
* go-vcr (v1 and v2): ``interactions: [{request: {method, url}, response: {code, headers,
  body: "…"}}]``.
* Ruby VCR: ``http_interactions: [{request: {method, uri}, response: {status: {code}, headers,
  body: {encoding, string | base64_string}}}]``.
* HAR 1.2: ``{"log": {"entries": [{request: {method, url}, response: {status, headers:
  [{name, value}], content: {mimeType, text, encoding?}}}]}}``.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from validator.reading.containers.answers import (
    AnswerProblem,
    asks_for_stream,
    is_event_stream,
    is_responses_request,
    judge_answer,
    status_code,
)
from validator.reading.containers.positions import (
    JSON_BREAKS,
    YAML_BREAKS,
    ContainerError,
    LineTable,
    har_entries,
    har_headers,
    json_member_offsets,
)

KINDS = ("auto", "cassette", "har")

# ---------------------------------------------------------------- the stream values and their bodies


@dataclass(frozen=True)
class EmbeddedStream:
    """One event-stream body found in a container.

    ``line_map(body_line)`` gives the 1-based container line holding that body line, or None
    where the body is stored encoded (base64, gzip, quoted YAML, JSON string). ``line`` is the
    container line of the interaction itself, the fallback for unmapped findings.
    """

    label: str
    index: int
    body: bytes
    line: int
    column: int = 1
    offset: int = 0
    method: str = ""
    url: str = ""
    content_type: str = ""
    #: Body line (1-based) -> container (line, column shift) where the body is stored literally.
    literal: Callable[[int], tuple[int, int] | None] | None = None
    #: Why the body could not be decoded (the stream is then not checked).
    error: str | None = None
    #: The protocol of the call (``Recognise``): the body is checked as one of its streams.
    protocol: str = "responses"
    #: The recorded request body (for the rules that depend on the request), if any.
    request_body: bytes | None = None

    def line_map(self, body_line: int) -> int | None:
        mapped = self.literal(body_line) if self.literal is not None else None
        return mapped[0] if mapped else None


def decode_content(body: bytes, encoding: str) -> bytes:
    """Undo Content-Encoding when the recorder kept the compressed bytes."""
    encoding = encoding.strip().lower()
    if body[:2] == b"\x1f\x8b":  # gzip magic: decode even when the header was dropped
        return gzip.decompress(body)
    if encoding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send
    if encoding == "br":
        try:
            import brotli  # type: ignore[import-not-found]
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ValueError("body is brotli-compressed (install 'brotli' to read it)") from exc
        return bytes(brotli.decompress(body))
    return body


# ---------------------------------------------------------------- YAML cassettes (node level)

_BINARY_TAG = "tag:yaml.org,2002:binary"


def _yaml_get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _yaml_str(node: yaml.Node | None) -> str:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return ""


def _yaml_headers(node: yaml.Node | None) -> dict[str, str]:
    """Header mapping (lower-case names); values are lists (vcrpy, go-vcr, Ruby) or scalars."""
    out: dict[str, str] = {}
    if not isinstance(node, yaml.MappingNode):
        return out
    for k, v in node.value:
        name = _yaml_str(k).lower()
        if isinstance(v, yaml.SequenceNode):
            values = [_yaml_str(x) for x in v.value]
            out[name] = values[0] if values else ""
        else:
            out[name] = _yaml_str(v)
    return out


def _literal_mapper(
    node: yaml.ScalarNode, table: LineTable, body_text: str
) -> Callable[[int], tuple[int, int] | None] | None:
    """For a ``|`` block scalar, map body lines to container lines, verifying each line's text."""
    if node.style != "|":
        return None
    first0 = node.start_mark.line + 1  # the indicator line is followed by the content lines
    body_lines = body_text.split("\n")
    indent = None
    for k, text in enumerate(body_lines):
        if text:
            raw = table.line_text(first0 + k)
            indent = len(raw) - len(raw.lstrip(" "))
            break
    if indent is None:
        return None

    def mapper(body_line: int) -> tuple[int, int] | None:
        k = body_line - 1
        if not 0 <= k < len(body_lines):
            return None
        line0 = first0 + k
        raw = table.line_text(line0)
        expected = body_lines[k]
        # A line holds the body line when it is the indented text (or blank for an empty line).
        if raw[indent:] != expected and not (expected == "" and raw.strip() == ""):
            return None
        return line0 + 1, indent

    return mapper


def _yaml_body(response: yaml.Node | None) -> tuple[yaml.ScalarNode | None, bool]:
    """The body scalar node and whether it is base64 text (Ruby ``base64_string``)."""
    body = _yaml_get(response, "body")
    if isinstance(body, yaml.ScalarNode):  # go-vcr
        return body, False
    if isinstance(body, yaml.MappingNode):
        string = _yaml_get(body, "string")
        if isinstance(string, yaml.ScalarNode):
            return string, False
        b64 = _yaml_get(body, "base64_string")  # Ruby VCR, binary bodies
        if isinstance(b64, yaml.ScalarNode):
            return b64, True
    return None, False


def _yaml_status(response: yaml.Node | None) -> str:
    status = _yaml_get(response, "status")
    if isinstance(status, yaml.MappingNode):
        return _yaml_str(_yaml_get(status, "code"))
    code = _yaml_get(response, "code")  # go-vcr
    return _yaml_str(code) or _yaml_str(status).split(" ")[0]


def _yaml_request_body(request: yaml.Node | None) -> bytes | None:
    """The request body: a scalar (vcrpy, go-vcr; ``!!binary`` too) or ``{string | base64_string}``."""
    node, is_b64 = _yaml_body(request)
    if node is None or node.tag == "tag:yaml.org,2002:null":
        return None
    try:
        if node.tag == _BINARY_TAG or is_b64:
            return base64.b64decode(node.value)
    except (ValueError, binascii.Error):
        return None
    return str(node.value).encode("utf-8", "surrogatepass")


def _walk_cassette(
    text: str, root: yaml.Node, recognise: Recognise
) -> Iterator[EmbeddedStream | AnswerProblem]:
    table = LineTable(text, YAML_BREAKS)
    items = _yaml_get(root, "interactions") or _yaml_get(root, "http_interactions")
    if not isinstance(items, yaml.SequenceNode):
        raise ContainerError("cassette has no list of interactions")
    for number, item in enumerate(items.value, start=1):
        request = _yaml_get(item, "request")
        response = _yaml_get(item, "response")
        method = _yaml_str(_yaml_get(request, "method"))
        url = _yaml_str(_yaml_get(request, "uri")) or _yaml_str(_yaml_get(request, "url"))
        protocol = recognise(method, url)
        if protocol is None:
            continue
        headers = _yaml_headers(_yaml_get(response, "headers"))
        node, is_b64 = _yaml_body(response)
        mark = item.start_mark
        line0, col0 = mark.line, mark.column
        base = {
            "label": f"interaction {number}",
            "index": number,
            "line": line0 + 1,
            "column": col0 + 1,
            "offset": table.byte_offset(line0, col0),
            "method": method.upper(),
            "url": url,
            "content_type": headers.get("content-type", ""),
            "protocol": protocol,
        }
        if node is None:
            continue
        literal = None
        try:
            if node.tag == _BINARY_TAG or is_b64:
                raw = base64.b64decode(node.value)
            else:
                raw = str(node.value).encode("utf-8", "surrogatepass")
                literal = _literal_mapper(node, table, str(node.value))
            body = decode_content(raw, headers.get("content-encoding", ""))
        except (ValueError, binascii.Error, OSError, EOFError, zlib.error) as exc:
            if is_event_stream(base["content_type"], b"data:"):
                yield EmbeddedStream(body=b"", error=f"cannot decode the body: {exc}", **base)
            continue
        request_body = _yaml_request_body(request)
        problem = judge_answer(
            base, status_code(_yaml_status(response)), asks_for_stream(method, request_body), body
        )
        if problem is not None:
            yield problem
        if body != raw:
            literal = None  # decoded bytes no longer match the stored text line for line
        if is_event_stream(base["content_type"], body):
            yield EmbeddedStream(body=body, literal=literal, request_body=request_body, **base)


# ---------------------------------------------------------------- HAR entries


def _har_request_body(request: dict[str, Any]) -> bytes | None:
    post = request.get("postData")
    text = post.get("text") if isinstance(post, dict) else None
    return text.encode("utf-8", "surrogatepass") if isinstance(text, str) else None


def _walk_har(text: str, recognise: Recognise) -> Iterator[EmbeddedStream | AnswerProblem]:
    table = LineTable(text, JSON_BREAKS)
    for number, (start, entry) in enumerate(har_entries(text), start=1):
        request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
        response = entry.get("response") if isinstance(entry.get("response"), dict) else {}
        method, url = str(request.get("method", "")), str(request.get("url", ""))
        protocol = recognise(method, url)
        if protocol is None:
            continue
        content = response.get("content") if isinstance(response.get("content"), dict) else {}
        headers = har_headers(response.get("headers"))
        content_type = headers.get("content-type") or str(content.get("mimeType", ""))
        line, column, offset = table.locate(start)
        base = {
            "label": f"entry {number}",
            "index": number,
            "line": line,
            "column": column,
            "offset": offset,
            "method": method.upper(),
            "url": url,
            "content_type": content_type,
            "protocol": protocol,
        }
        body_text = content.get("text")
        if not isinstance(body_text, str):
            # HAR writers leave out text they did not capture: nothing to judge or check.
            continue
        try:
            if content.get("encoding") == "base64":
                raw = base64.b64decode(body_text)
            else:
                raw = body_text.encode("utf-8", "surrogatepass")
            body = decode_content(raw, headers.get("content-encoding", ""))
        except (ValueError, binascii.Error, OSError, EOFError, zlib.error) as exc:
            if is_event_stream(content_type, b"data:"):
                yield EmbeddedStream(body=b"", error=f"cannot decode the body: {exc}", **base)
            continue
        request_body = _har_request_body(request)
        problem = judge_answer(
            base, status_code(response.get("status")), asks_for_stream(method, request_body), body
        )
        if problem is not None:
            yield problem
        if is_event_stream(content_type, body):
            yield EmbeddedStream(body=body, request_body=request_body, **base)


# ---------------------------------------------------------------- detection and entry points


def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContainerError(f"container is not valid UTF-8 (byte {exc.start})") from exc


def _load_yaml(text: str) -> yaml.Node:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise ContainerError(f"not a readable YAML cassette: {' '.join(str(exc).split())}") from exc
    if root is None:
        raise ContainerError("empty cassette")
    return root


def detect_kind(data: bytes) -> str | None:
    """'har' for JSON with log.entries, 'cassette' for YAML with (http_)interactions, else None."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"{":
        text = data.decode("utf-8-sig", "replace")
        try:
            top = json_member_offsets(text, 0)
            log = top.get("log")
            if log and "entries" in json_member_offsets(text, log[0]):
                return "har"
            if "interactions" in top or "http_interactions" in top:
                return "cassette"  # vcrpy's JSON serializer; JSON is YAML, so it reads the same way
        except (ContainerError, ValueError):
            # Broken JSON that names a log: call it HAR so the reader says where the JSON breaks.
            if b'"log"' in data[:4096]:
                return "har"
        return None
    if re.search(rb"(?m)^(http_)?interactions:", data[:1_000_000]):
        return "cassette"
    return None


#: ``(method, url) -> protocol name``, or None for a call of no protocol checked here.
Recognise = Callable[[str, str], "str | None"]


def responses_calls(method: str, url: str) -> str | None:
    """The reading layer's own default: Responses calls only (the engine passes every protocol's)."""
    return "responses" if is_responses_request(method, url) else None


def walk_container(
    data: bytes, kind: str = "auto", recognise: Recognise = responses_calls
) -> Iterator[EmbeddedStream | AnswerProblem]:
    if kind not in KINDS:
        raise ContainerError(f"unknown container kind {kind!r} (choose from {', '.join(KINDS)})")
    if kind == "auto":
        detected = detect_kind(data)
        if detected is None:
            raise ContainerError(
                "not a cassette (YAML with 'interactions:' or 'http_interactions:') "
                "or a HAR file (JSON with log.entries)"
            )
        kind = detected
    text = decode_text(data)
    if kind == "har":
        yield from _walk_har(text, recognise)
    else:
        yield from _walk_cassette(text, _load_yaml(text), recognise)


def iter_streams(data: bytes, kind: str = "auto") -> Iterator[EmbeddedStream]:
    """Every Responses event stream in a cassette or HAR file, in file order.

    Raises :class:`ContainerError` when the input is not a container of the given kind.
    """
    for found in walk_container(data, kind):
        if isinstance(found, EmbeddedStream):
            yield found


def iter_answer_problems(data: bytes, kind: str = "auto") -> Iterator[AnswerProblem]:
    """Every recorded answer that is not what a Responses client can use (RSP014, RSP015)."""
    for found in walk_container(data, kind):
        if isinstance(found, AnswerProblem):
            yield found
