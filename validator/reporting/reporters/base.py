"""The reporter contract: a :class:`~validator.reporting.report.Report` in, the output text out:
whole (:meth:`Reporter.render`), or written to a stream as it is made (:meth:`Reporter.write`)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from validator.reporting.report import Report

__all__ = ["Reporter", "StreamingReporter", "escape_controls"]

#: Characters of output gathered before they are encoded and written.
_WRITE_BATCH = 1 << 16

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

    def write(self, report: Report, stream: IO[bytes]) -> None:
        """Write the output to ``stream`` as UTF-8 (a lone surrogate from model text as ``\\udxxx``)."""
        stream.write(self.render(report).encode("utf-8", "backslashreplace"))
        stream.flush()


class StreamingReporter(Reporter):
    """A reporter that makes its output in pieces (:meth:`chunks`), so that :meth:`write` never
    holds the whole of it: a run with a million findings is written as they are read back."""

    @abstractmethod
    def chunks(self, report: Report) -> Iterator[str]:
        """The output, piece by piece; joined, it is :meth:`render`'s."""

    def render(self, report: Report) -> str:
        return "".join(self.chunks(report))

    def write(self, report: Report, stream: IO[bytes]) -> None:
        if type(self).render is not StreamingReporter.render:
            # A subclass that makes its whole output its own way (the probe's text): written whole.
            super().write(report, stream)
            return
        # Encoding piece by piece gives the same bytes as encoding the whole (pieces split between
        # code points), a few tens of kB at a time.
        batch: list[str] = []
        size = 0
        for piece in self.chunks(report):
            batch.append(piece)
            size += len(piece)
            if size >= _WRITE_BATCH:
                stream.write("".join(batch).encode("utf-8", "backslashreplace"))
                batch.clear()
                size = 0
        stream.write("".join(batch).encode("utf-8", "backslashreplace"))
        stream.flush()
