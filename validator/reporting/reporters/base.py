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
    #: What the reporter shows of the transcript besides the findings (the command line reads it
    #: into ``Report.excerpts``): "" nothing, "lines" the line at each finding, "events" also its event.
    excerpts: ClassVar[str] = ""
    #: The reporter draws each stream's outline (``CheckOptions.outline``).
    outlines: ClassVar[bool] = False

    def __init__(
        self, *, color: bool = False, quiet: bool = False, width: int = 100, verbose: bool = False
    ) -> None:
        self.color = color
        self.quiet = quiet
        #: Every detail line of every finding (text formats show the first few otherwise).
        self.verbose = verbose
        #: The terminal's width in columns, for reporters that lay out text.
        self.width = width

    @abstractmethod
    def render(self, report: Report) -> str:
        """The complete output for ``report``."""
