"""Conformance validator for Responses API event streams.

The public API: :func:`check_file`, :func:`check_bytes` and :func:`check_events`
return a :class:`FileResult` whose ``findings`` are :class:`Finding` values;
:data:`RULES` is the rule catalog.

The checking functions are imported on first use (PEP 562), so that
``import validator`` and commands such as ``responses-validator rules`` do not
pay for loading the JSON schemas.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .findings import Finding, Issue, Severity
from .rules import RULES

if TYPE_CHECKING:
    from .engine import CheckOptions, FileResult, check_bytes, check_events, check_file

__all__ = [
    "RULES",
    "CheckOptions",
    "FileResult",
    "Finding",
    "Issue",
    "Severity",
    "__version__",
    "check_bytes",
    "check_events",
    "check_file",
]


def _version() -> str:
    # importlib.metadata (and the email package it pulls in) is only loaded when asked for.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("responses-validator")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


_LAZY = {"CheckOptions", "FileResult", "check_bytes", "check_events", "check_file"}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value = globals()["__version__"] = _version()
        return value
    if name in _LAZY:
        value = getattr(import_module(".engine", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY | {"__version__"})
