"""Conformance validator for LLM streaming protocols (Responses API event streams first).

The public API: :func:`check_file`, :func:`check_bytes` and :func:`check_events`
return a :class:`FileResult` whose ``findings`` are :class:`Finding` values;
:data:`RULES` is the rule catalog.

The checking functions are imported on first use (PEP 562), so that
``import validator`` and commands such as ``llm-stream-validator rules`` do not
pay for loading the JSON schemas.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from validator.catalog import RULES
from validator.model.findings import Finding, Issue, Severity
from validator.model.meta import version

if TYPE_CHECKING:
    from validator.engine import CheckOptions, FileResult, check_bytes, check_events, check_file

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


_LAZY = {"CheckOptions", "FileResult", "check_bytes", "check_events", "check_file"}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value = globals()["__version__"] = version()
        return value
    if name in _LAZY:
        value = getattr(import_module(".engine", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY | {"__version__"})
