"""Positions inside a container's text: lines and byte offsets, and where each JSON member starts.

``json.loads`` and PyYAML's constructed values forget where things were; findings relocated into a
cassette or HAR file need the line, column and byte offset of the interaction or body line, so
this module keeps them (WebSocket HAR input uses the same readers).
"""

from __future__ import annotations

import json
import re
from typing import Any

from validator.reading.jsonarray import skip_ws


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


# ---------------------------------------------------------------- HAR (JSON with positions)


_DECODER = json.JSONDecoder()


def _after_member(text: str, i: int, close: str) -> int | None:
    """Past a member ending at ``i``: where the next one starts, or None at the ``close`` bracket."""
    i = skip_ws(text, i)
    if text[i : i + 1] == ",":
        return skip_ws(text, i + 1)
    if text[i : i + 1] == close:
        return None
    raise ContainerError(f"expected ',' or '{close}' at character {i}")


def json_member_offsets(text: str, start: int) -> dict[str, tuple[int, int]]:
    """For the JSON object at ``start``: member name -> (value start, value end) character indices.

    Each value is skipped with the C decoder (``raw_decode``), so this costs one parse of the
    object, and gives the positions that ``json.loads`` throws away.
    """
    i = skip_ws(text, start)
    if i >= len(text) or text[i] != "{":
        raise ContainerError("expected a JSON object")
    out: dict[str, tuple[int, int]] = {}
    i = skip_ws(text, i + 1)
    if text[i : i + 1] == "}":
        return out
    while True:
        key, i = _DECODER.raw_decode(text, i)
        i = skip_ws(text, i)
        if text[i : i + 1] != ":":
            raise ContainerError(f"expected ':' at character {i}")
        vstart = skip_ws(text, i + 1)
        _, vend = _DECODER.raw_decode(text, vstart)
        out[str(key)] = (vstart, vend)
        after = _after_member(text, vend, "}")
        if after is None:
            return out
        i = after


def json_array_offsets(text: str, start: int) -> list[tuple[int, int]]:
    """For the JSON array at ``start``: (start, end) character indices of each element."""
    i = skip_ws(text, start)
    if text[i : i + 1] != "[":
        raise ContainerError("expected a JSON array")
    out: list[tuple[int, int]] = []
    i = skip_ws(text, i + 1)
    if text[i : i + 1] == "]":
        return out
    while True:
        _, end = _DECODER.raw_decode(text, i)
        out.append((i, end))
        after = _after_member(text, end, "]")
        if after is None:
            return out
        i = after


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
