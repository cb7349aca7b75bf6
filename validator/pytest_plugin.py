"""pytest plugin: assert that streams (Responses, Chat Completions) are valid, and collect transcripts.

Registered through the ``pytest11`` entry point, so it loads in every pytest session of an
environment where llm-stream-validator is installed. It therefore imports nothing heavy at import
time: the engine (schemas, jsonschema) is imported on first use. Disable it with
``-p no:llm_stream_validator`` (the plugin's name; it was ``responses_validator`` before 0.2).

* ``assert_valid_stream(source, profile=None, **options)``: ``source`` is a list of event
  dicts, the bytes or text of a transcript, or a path, of any protocol (recognised from its
  content, or named with ``protocol=``; ``profile=None`` is that protocol's default). On failure
  it raises ``AssertionError`` whose message lists the findings as
  ``path:line:col: ID severity: message``, then, for an in-memory transcript, the transcript
  once with line numbers. Its frames are hidden from pytest's tracebacks.
* A ``str`` is the transcript itself when it holds a line break or begins (after blanks) the way
  a stream does: ``{`` or ``[`` (JSON lines, a JSON array), an SSE field (``event:``, ``data:``,
  ``id:``, ``retry:``) or an SSE comment (``:``). Any other ``str`` is a path, and a
  ``pathlib.Path`` (any ``os.PathLike``) is always a path.
* fixtures ``stream_validator`` and ``responses_validator`` (its first name): the same function.
* ini ``responses_validator_paths``: folders whose ``*.sse`` / ``*.jsonl`` files become test
  items (one per file), when pytest collects them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from validator.engine import FileResult

__all__ = ["StreamValidationError", "assert_valid_stream", "format_findings"]

_SUFFIXES = (".sse", ".jsonl")
#: How a ``str`` that is a transcript begins (after blanks); see :func:`is_stream_text`.
_STREAM_STARTS = ("{", "[", ":", "event:", "data:", "id:", "retry:")
#: An in-memory transcript is shown in the failure message up to this many lines.
_SHOWN_LINES = 200


class StreamValidationError(AssertionError):
    """The stream has findings at or above the failing severity."""

    def __init__(self, message: str, result: FileResult) -> None:
        super().__init__(message)
        self.result = result

    @property
    def summary(self) -> str:
        """One line for pytest's short test summary: what failed, how many findings, the first."""
        result = self.result
        if result.error is not None:
            return f"{result.path} could not be read: {result.error}"
        count = len(result.findings)
        first = result.findings[0] if result.findings else None
        head = f"{result.path} is not a valid stream: {count} finding{'s' if count != 1 else ''}"
        if first is None:
            return head
        return f"{head}, first {first.path}:{first.line}:{first.column}: {first.rule} {first.message}"


def format_findings(result: FileResult) -> str:
    """The text-reporter line format, one finding a line (``path:line:col: RSPnnn error: message``)."""
    lines = []
    if result.error is not None:
        lines.append(f"{result.path}: error: {result.error}")
    lines.extend(
        f"{f.path}:{f.line}:{f.column}: {f.rule} {f.severity.value}: {f.message}" for f in result.findings
    )
    return "\n".join(lines)


def is_stream_text(text: str) -> bool:
    """Whether a ``str`` passed as a source is the transcript itself rather than a path.

    A path never holds a line break, and none begins like a stream (``{``, ``[``, ``:`` or an
    SSE field name and its colon), while every transcript of more than one event holds a line
    break and a one-line one begins so.
    """
    return "\n" in text or "\r" in text or text.lstrip().startswith(_STREAM_STARTS)


def check_source(source: Any, profile: str | None = None, **options: Any) -> FileResult:
    """Check a list of event dicts, transcript bytes or text, or a path; returns the FileResult.

    A ``str`` is a transcript or a path as :func:`is_stream_text` says; an ``os.PathLike`` is
    always a path.
    """
    __tracebackhide__ = True
    from validator.engine import CheckOptions, check_events, check_file
    from validator.engine.files import check_content

    path = options.pop("path", None)
    opts = CheckOptions(profile=profile, **options)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return check_content(bytes(source), path or "<bytes>", opts)
    if isinstance(source, str) and is_stream_text(source):
        return check_content(source.encode("utf-8", "surrogatepass"), path or "<str>", opts)
    if isinstance(source, (str, os.PathLike)):
        return check_file(os.fspath(source), opts)
    if isinstance(source, Mapping):
        raise TypeError("assert_valid_stream expects a list of events, not a single event dict")
    if isinstance(source, Iterable):
        return check_events(list(source), path or "<events>", opts)
    raise TypeError(f"cannot check a {type(source).__name__}: pass a list of event dicts, bytes or a path")


def assert_valid_stream(source: Any, profile: str | None = None, **options: Any) -> FileResult:
    """Raise AssertionError listing the findings unless ``source`` is a valid stream.

    ``options`` are :class:`validator.engine.CheckOptions` fields (``protocol``, ``strict``,
    ``fragment``, ``resumed``, ``input_format``, ``select``, ``ignore``, ``request``) plus ``path``
    to name an in-memory source in messages. Without a ``profile`` (or ``protocol``) the protocol
    is recognised from the stream (Responses, Chat Completions) and its default profile used.
    Returns the result when the stream passes, for further assertions.
    """
    __tracebackhide__ = True
    strict = bool(options.get("strict", False))
    result = check_source(source, profile, **options)
    if result.failed(strict):
        what = "could not be read" if result.error is not None else "is not a valid stream"
        message = f"{result.path} {what}:\n{format_findings(result)}"
        text = _in_memory_text(source)
        if text is not None:
            message += "\n" + _numbered(result.path, text)
        raise StreamValidationError(message, result)
    return result


def _in_memory_text(source: Any) -> str | None:
    """The transcript's text when ``source`` holds it (bytes or a stream ``str``), else None."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source).decode("utf-8", "replace")
    if isinstance(source, str) and is_stream_text(source):
        return source
    return None


def _numbered(name: str, text: str) -> str:
    """The transcript once, each line with its number, so a finding's ``line:col`` can be read."""
    lines = text.splitlines()
    width = len(str(min(len(lines), _SHOWN_LINES)))
    shown = [f"{n:>{width}} | {line}" for n, line in enumerate(lines[:_SHOWN_LINES], 1)]
    if len(lines) > _SHOWN_LINES:
        shown.append(f"... {len(lines) - _SHOWN_LINES} more lines")
    return f"{name}, {len(lines)} lines:\n" + "\n".join(shown)


@pytest.fixture
def stream_validator() -> Any:
    """``assert_valid_stream`` as a fixture."""
    return assert_valid_stream


@pytest.fixture
def responses_validator() -> Any:
    """``assert_valid_stream`` as a fixture (the fixture's first name)."""
    return assert_valid_stream


# ---------------------------------------------------------------- collection of transcript files


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "responses_validator_paths",
        "folders whose *.sse and *.jsonl files are collected as Responses stream tests",
        type="paths",
        default=[],
    )
    parser.addini(
        "responses_validator_profile",
        "profile for collected streams (empty: each stream's protocol's default)",
        default="",
    )
    parser.addini(
        "responses_validator_strict", "fail collected streams on warnings too", type="bool", default=False
    )


def _configured_folders(config: pytest.Config) -> list[Path]:
    return [Path(p).resolve() for p in config.getini("responses_validator_paths")]


def _is_under(path: Path, folders: Iterable[Path]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in _SUFFIXES:
        return None
    folders = _configured_folders(parent.config)
    if not folders or not _is_under(file_path.resolve(), folders):
        return None
    return StreamFile.from_parent(parent, path=file_path)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # On CI (and with -vv) pytest's short test summary repeats a failure's whole message; ours holds
    # the transcript, which would then be printed twice. The summary gets one line instead.
    report = yield
    error = call.excinfo.value if call.excinfo is not None else None
    crash = getattr(report.longrepr, "reprcrash", None)
    if isinstance(error, StreamValidationError) and crash is not None:
        crash.message = f"{type(error).__name__}: {error.summary}"
    return report


class StreamFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield StreamItem.from_parent(self, name=self.path.name)


class StreamItem(pytest.Item):
    def runtest(self) -> None:
        config = self.config
        assert_valid_stream(
            self.path,
            profile=str(config.getini("responses_validator_profile")) or None,
            strict=bool(config.getini("responses_validator_strict")),
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, AssertionError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"responses stream {self.name}"
