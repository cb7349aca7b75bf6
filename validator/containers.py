"""Streams where they live: Responses SSE bodies inside VCR cassettes and HAR files.

Bytes in, bytes and mappings out: this module never opens files. :func:`iter_streams` finds
every interaction whose request is a Responses call (``POST …/responses`` or
``GET …/responses/{id}?stream=true``) and whose response is ``text/event-stream``, decodes its
body (base64, ``!!binary``, gzip/deflate) and says, where it can, which container line holds
each body line. :func:`check_container` runs the engine on each body and puts the findings back
in the container: a body stored as a YAML literal block (``|``) maps line for line; an encoded
body cannot, so its findings point at the interaction.

The recorded answer itself is judged too, as the live probe judges it: a ``stream: true``
request answered 2xx with something other than an event stream is RSP014, and a Responses call
answered 4xx/5xx without a JSON ``{"error": {...}}`` body is RSP015 (:class:`AnswerProblem`,
found by :func:`iter_answer_problems`).

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
import dataclasses
import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from .findings import Finding
from .rules import RULES, Rule

__all__ = [
    "KINDS",
    "AnswerProblem",
    "ContainerError",
    "EmbeddedStream",
    "LineTable",
    "check_container",
    "detect_kind",
    "is_responses_request",
    "iter_answer_problems",
    "iter_streams",
    "json_member_offsets",
]

KINDS = ("auto", "cassette", "har")


class ContainerError(ValueError):
    """The input is not a cassette or HAR file this module can read."""


# ---------------------------------------------------------------- positions


YAML_BREAKS = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")  # what PyYAML counts as a line break
JSON_BREAKS = re.compile(r"\r\n|[\n\r]")


class LineTable:
    """Character index -> (line, column, byte offset) for a decoded text, 1-based lines/columns."""

    def __init__(self, text: str, breaks: re.Pattern[str] = YAML_BREAKS) -> None:
        self.text = text
        starts = [0]
        starts.extend(m.end() for m in breaks.finditer(text))
        self.starts = starts
        self._byte_starts: list[int] | None = None

    def _bytes_before_line(self, line0: int) -> int:
        if self._byte_starts is None:
            acc, out = 0, [0]
            for a, b in zip(self.starts, self.starts[1:], strict=False):
                acc += len(self.text[a:b].encode("utf-8", "surrogatepass"))
                out.append(acc)
            self._byte_starts = out
        return self._byte_starts[line0]

    def line_text(self, line0: int) -> str:
        """The text of a 0-based line, without its line break."""
        if line0 >= len(self.starts):
            return ""
        start = self.starts[line0]
        end = self.starts[line0 + 1] if line0 + 1 < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n\x85\u2028\u2029")

    def byte_offset(self, line0: int, col0: int) -> int:
        start = self.starts[line0]
        return self._bytes_before_line(line0) + len(
            self.text[start : start + col0].encode("utf-8", "surrogatepass")
        )

    def locate(self, index: int) -> tuple[int, int, int]:
        """(1-based line, 1-based column, byte offset) of a character index."""
        import bisect

        line0 = bisect.bisect_right(self.starts, index) - 1
        col0 = index - self.starts[line0]
        return line0 + 1, col0 + 1, self.byte_offset(line0, col0)


# ---------------------------------------------------------------- the stream values


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

    def line_map(self, body_line: int) -> int | None:
        mapped = self.literal(body_line) if self.literal is not None else None
        return mapped[0] if mapped else None


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


def _is_event_stream(content_type: str, body: bytes) -> bool:
    if content_type:
        return content_type.split(";")[0].strip().lower() == "text/event-stream"
    # No Content-Type recorded (some go-vcr files drop headers): sniff the first field name.
    head = body.lstrip()[:16]
    return head.startswith((b"event:", b"data:", b":"))


def _preview(body: bytes, limit: int = 80) -> str:
    """The first bytes of a body, on one line, for a message."""
    text = body[:limit].decode("utf-8", "backslashreplace").replace("\r", "\\r").replace("\n", "\\n")
    return text + ("…" if len(body) > limit else "")


def _asks_for_stream(method: str, request_body: bytes | None) -> bool:
    """Whether the request wants an event stream: a GET resume (``?stream=true``, checked by
    :func:`is_responses_request`) or a JSON body with ``"stream": true``."""
    if method.upper() == "GET":
        return True
    if not request_body:
        return False
    try:
        value = json.loads(request_body)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(value, dict) and value.get("stream") is True


def _status_code(status: Any) -> int | None:
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


def _judge_answer(
    base: dict[str, Any], status: int | None, request_body: bytes | None, body: bytes
) -> AnswerProblem | None:
    """RSP014 / RSP015 for one recorded answer to a Responses call, or None."""
    if status is None:
        return None
    content_type = str(base["content_type"])
    shown = content_type or "no content type recorded"
    where = {k: base[k] for k in ("label", "index", "line", "column", "offset")}
    if 400 <= status < 600:
        if _is_json_error(body):
            return None
        return AnswerProblem(
            "RSP015",
            f'{base["label"]}: HTTP {status} ({shown}) without a JSON {{"error": {{"message": …}}}} body: '
            f"{_preview(body) or '(empty body)'}",
            **where,
        )
    if not 200 <= status < 300 or not _asks_for_stream(str(base["method"]), request_body):
        return None
    if _is_event_stream(content_type, body) or (not content_type and not body.strip()):
        # No content type and no body: the recorder kept nothing to judge (some drop both).
        return None
    return AnswerProblem(
        "RSP014",
        f"{base['label']}: stream: true request answered with HTTP {status} ({shown}), "
        f"not text/event-stream: {_preview(body) or '(empty body)'}",
        **where,
    )


def _decode_content(body: bytes, encoding: str) -> bytes:
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


def _walk_cassette(text: str, root: yaml.Node) -> Iterator[EmbeddedStream | AnswerProblem]:
    table = LineTable(text, YAML_BREAKS)
    items = _yaml_get(root, "interactions") or _yaml_get(root, "http_interactions")
    if not isinstance(items, yaml.SequenceNode):
        raise ContainerError("cassette has no list of interactions")
    for number, item in enumerate(items.value, start=1):
        request = _yaml_get(item, "request")
        response = _yaml_get(item, "response")
        method = _yaml_str(_yaml_get(request, "method"))
        url = _yaml_str(_yaml_get(request, "uri")) or _yaml_str(_yaml_get(request, "url"))
        if not is_responses_request(method, url):
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
            body = _decode_content(raw, headers.get("content-encoding", ""))
        except (ValueError, binascii.Error, OSError, EOFError, zlib.error) as exc:
            if _is_event_stream(base["content_type"], b"data:"):
                yield EmbeddedStream(body=b"", error=f"cannot decode the body: {exc}", **base)
            continue
        problem = _judge_answer(base, _status_code(_yaml_status(response)), _yaml_request_body(request), body)
        if problem is not None:
            yield problem
        if body != raw:
            literal = None  # decoded bytes no longer match the stored text line for line
        if _is_event_stream(base["content_type"], body):
            yield EmbeddedStream(body=body, literal=literal, **base)


# ---------------------------------------------------------------- HAR (JSON with positions)


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


_DECODER = json.JSONDecoder()


def json_member_offsets(text: str, start: int) -> dict[str, tuple[int, int]]:
    """For the JSON object at ``start``: member name -> (value start, value end) character indices.

    Each value is skipped with the C decoder (``raw_decode``), so this costs one parse of the
    object, and gives the positions that ``json.loads`` throws away.
    """
    i = _skip_ws(text, start)
    if i >= len(text) or text[i] != "{":
        raise ContainerError("expected a JSON object")
    out: dict[str, tuple[int, int]] = {}
    i = _skip_ws(text, i + 1)
    if text[i : i + 1] == "}":
        return out
    while True:
        key, i = _DECODER.raw_decode(text, i)
        i = _skip_ws(text, i)
        if text[i : i + 1] != ":":
            raise ContainerError(f"expected ':' at character {i}")
        vstart = _skip_ws(text, i + 1)
        _, vend = _DECODER.raw_decode(text, vstart)
        out[str(key)] = (vstart, vend)
        i = _skip_ws(text, vend)
        if text[i : i + 1] == ",":
            i = _skip_ws(text, i + 1)
            continue
        if text[i : i + 1] == "}":
            return out
        raise ContainerError(f"expected ',' or '}}' at character {i}")


def json_array_offsets(text: str, start: int) -> list[tuple[int, int]]:
    """For the JSON array at ``start``: (start, end) character indices of each element."""
    i = _skip_ws(text, start)
    if text[i : i + 1] != "[":
        raise ContainerError("expected a JSON array")
    out: list[tuple[int, int]] = []
    i = _skip_ws(text, i + 1)
    if text[i : i + 1] == "]":
        return out
    while True:
        _, end = _DECODER.raw_decode(text, i)
        out.append((i, end))
        i = _skip_ws(text, end)
        if text[i : i + 1] == ",":
            i = _skip_ws(text, i + 1)
            continue
        if text[i : i + 1] == "]":
            return out
        raise ContainerError(f"expected ',' or ']' at character {i}")


def har_entries(text: str) -> list[tuple[int, dict[str, Any]]]:
    """(start character index, entry) for each ``log.entries`` element of a HAR text."""
    try:
        top = json_member_offsets(text, 0)
        log = top.get("log")
        if log is None:
            raise ContainerError("HAR has no 'log' object")
        entries = json_member_offsets(text, log[0]).get("entries")
        if entries is None:
            raise ContainerError("HAR has no 'log.entries' list")
        out = []
        for s, e in json_array_offsets(text, entries[0]):
            entry = json.loads(text[s:e])
            if isinstance(entry, dict):
                out.append((s, entry))
        return out
    except json.JSONDecodeError as exc:
        raise ContainerError(f"not valid JSON: {exc}") from exc


def har_headers(headers: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(headers, list):
        for h in headers:
            if isinstance(h, dict) and isinstance(h.get("name"), str):
                out.setdefault(h["name"].lower(), str(h.get("value", "")))
    return out


def _har_request_body(request: dict[str, Any]) -> bytes | None:
    post = request.get("postData")
    text = post.get("text") if isinstance(post, dict) else None
    return text.encode("utf-8", "surrogatepass") if isinstance(text, str) else None


def _walk_har(text: str) -> Iterator[EmbeddedStream | AnswerProblem]:
    table = LineTable(text, JSON_BREAKS)
    for number, (start, entry) in enumerate(har_entries(text), start=1):
        request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
        response = entry.get("response") if isinstance(entry.get("response"), dict) else {}
        method, url = str(request.get("method", "")), str(request.get("url", ""))
        if not is_responses_request(method, url):
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
            body = _decode_content(raw, headers.get("content-encoding", ""))
        except (ValueError, binascii.Error, OSError, EOFError, zlib.error) as exc:
            if _is_event_stream(content_type, b"data:"):
                yield EmbeddedStream(body=b"", error=f"cannot decode the body: {exc}", **base)
            continue
        problem = _judge_answer(base, _status_code(response.get("status")), _har_request_body(request), body)
        if problem is not None:
            yield problem
        if _is_event_stream(content_type, body):
            yield EmbeddedStream(body=body, **base)


# ---------------------------------------------------------------- detection and entry points


def _text(data: bytes) -> str:
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


def _walk(data: bytes, kind: str = "auto") -> Iterator[EmbeddedStream | AnswerProblem]:
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
    text = _text(data)
    if kind == "har":
        yield from _walk_har(text)
    else:
        yield from _walk_cassette(text, _load_yaml(text))


def iter_streams(data: bytes, kind: str = "auto") -> Iterator[EmbeddedStream]:
    """Every Responses event stream in a cassette or HAR file, in file order.

    Raises :class:`ContainerError` when the input is not a container of the given kind.
    """
    for found in _walk(data, kind):
        if isinstance(found, EmbeddedStream):
            yield found


def iter_answer_problems(data: bytes, kind: str = "auto") -> Iterator[AnswerProblem]:
    """Every recorded answer that is not what a Responses client can use (RSP014, RSP015)."""
    for found in _walk(data, kind):
        if isinstance(found, AnswerProblem):
            yield found


def relocate(finding: Finding, stream: EmbeddedStream, path: str, prefix: str | None = None) -> Finding:
    """Put a finding about a body back in its container, naming the interaction and body line."""
    mapped = stream.literal(finding.line) if stream.literal is not None else None
    where = prefix or stream.label
    message = f"{where}, body line {finding.line}: {finding.message}"
    if mapped is not None:
        line, shift = mapped
        return dataclasses.replace(
            finding,
            path=path,
            line=line,
            column=finding.column + shift,
            offset=-1,
            message=message,
            details=(*finding.details, f"body line {finding.line}, column {finding.column}"),
        )
    return dataclasses.replace(
        finding,
        path=path,
        line=stream.line,
        column=stream.column,
        offset=stream.offset,
        message=message,
        details=(*finding.details, f"body line {finding.line}, column {finding.column}"),
    )


def _fix_offsets(findings: Sequence[Finding], table: LineTable) -> list[Finding]:
    """Mapped findings carry offset -1 until the container's line table gives the byte offset."""
    out = []
    for f in findings:
        if f.offset == -1:
            line0 = min(f.line - 1, len(table.starts) - 1)
            f = dataclasses.replace(f, offset=table.byte_offset(line0, max(f.column - 1, 0)))
        out.append(f)
    return out


def check_container(data: bytes, path: str, options: Any = None, kind: str = "auto") -> Any:
    """Check every Responses stream in a cassette or HAR file; findings point into the container.

    Returns an engine ``FileResult`` (``input_format`` is the container kind). A container that
    cannot be read gives ``FileResult.error``; one without Responses streams gives no findings
    and ``events == 0``.
    """
    from .engine import CheckOptions, FileResult, check_bytes

    options = options or CheckOptions()
    body_options = dataclasses.replace(options, input_format="sse")
    try:
        detected = detect_kind(data) if kind == "auto" else kind
        found = list(_walk(data, detected or kind))
    except ContainerError as exc:
        return FileResult(path, error=str(exc), input_format=kind if kind != "auto" else None)
    # A cassette without Responses streams is not an error: checking a folder of cassettes
    # meets many that record other calls (model listings, non-streaming requests).
    result = FileResult(path, input_format=detected)
    errors = []
    table = LineTable(_text(data), JSON_BREAKS if detected == "har" else YAML_BREAKS)
    for stream in found:
        if isinstance(stream, AnswerProblem):
            finding = make_finding(
                stream.rule, stream.message, path, (stream.line, stream.column, stream.offset), options
            )
            if finding is not None:
                result.findings.append(finding)
            continue
        if stream.error is not None:
            errors.append(f"{stream.label} (line {stream.line}): {stream.error}")
            continue
        sub = check_bytes(stream.body, path, body_options)
        result.events += sub.events
        result.findings.extend(relocate(f, stream, path) for f in sub.findings)
    result.findings = _fix_offsets(result.findings, table)
    result.findings.sort(key=Finding.sort_key)
    if errors:
        result.error = "; ".join(errors)
    return result


# ---------------------------------------------------------------- findings made outside the engine
#
# WebSocket and probe checks are about the transport around a stream, so they stamp their own
# findings, with rules from the catalog like every other layer.


def _matches(rule: Rule, patterns: Sequence[str]) -> bool:
    return any(rule.id.startswith(p.upper()) or rule.name == p for p in patterns)


def make_finding(
    rule_id: str,
    message: str,
    path: str,
    position: tuple[int, int, int],
    options: Any,
    **fields: Any,
) -> Finding | None:
    """A finding for a transport rule, honouring the profile and --select/--ignore; None if off."""
    rule = RULES[rule_id]
    if (options.select and not _matches(rule, options.select)) or _matches(rule, options.ignore):
        return None
    if rule.strict_only and not options.strict:
        return None
    severity = fields.pop("severity", None) or rule.severity_in(options.profile)
    if severity is None:
        return None
    line, column, offset = position
    return Finding(
        rule.id, rule.name, severity, message or rule.message, path, line, column, offset, **fields
    )
