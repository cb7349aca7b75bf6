"""The reporter contract: a :class:`~validator.reporting.report.Report` in, the whole output text out."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from validator.reporting.report import Report

__all__ = ["Reporter", "escape_controls"]

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    r"""Show control characters as ``\n`` or ``\xNN``.

    Messages quote model output: a newline would break the one-finding-per-line
    format, and an ESC must never reach a terminal.
    """
    return _CONTROLS.sub(lambda m: _NAMED.get(m.group()) or f"\\x{ord(m.group()):02x}", text)


class Reporter(ABC):
    #: The ``--format`` name.
    name: ClassVar[str]
    #: The conventional file suffix, for help texts.
    suffix: ClassVar[str] = ".txt"

    def __init__(self, *, color: bool = False, quiet: bool = False) -> None:
        self.color = color
        self.quiet = quiet

    @abstractmethod
    def render(self, report: Report) -> str:
        """The complete output for ``report``."""
