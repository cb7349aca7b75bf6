"""The report options of every command that ends in a report, defined once, and writing the reports.

``check`` and ``probe`` take the same ``--format``, ``-o``, ``--junit-xml``, ``--sarif``,
``--json-report``, ``-q``, ``-v`` and ``--color``: :func:`report_options` applies them from one
table (:data:`EXTRA_REPORTS` for the reports written besides the main one) and hands the command
one :class:`ReportRequest`. :func:`write_reports` renders a :class:`Report` with reporters from a
name→class table and writes each where it was asked for. It lives here, below the commands,
because ``probe`` (a tool) may not import the command line.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

import click

from validator.model.meta import COMMAND
from validator.reporting.report import Report, write_text
from validator.reporting.reporters.base import Reporter

__all__ = [
    "EXTRA_REPORTS",
    "ReportRequest",
    "ReportWriteError",
    "append_step_summary",
    "color_option",
    "report_options",
    "terminal_width",
    "use_color",
    "write_reports",
]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ExtraReport:
    """A report written besides the main one, to a file: its format and its option."""

    format: str
    option: str
    help: str


#: Reports a run can write besides the one on standard output (or ``-o``), by format.
EXTRA_REPORTS: dict[str, ExtraReport] = {
    r.format: r
    for r in (
        ExtraReport("junit", "--junit-xml", "Also write a JUnit XML report."),
        ExtraReport("sarif", "--sarif", "Also write a SARIF 2.1.0 report."),
        ExtraReport("json", "--json-report", "Also write a JSON report."),
        ExtraReport(
            "html",
            "--html",
            "Also write an HTML report (one self-contained file: timelines, findings, events).",
        ),
    )
}


class ReportWriteError(Exception):
    """A report could not be written (exit 2): the message names the file."""


@dataclass(frozen=True)
class ReportRequest:
    """What the report options asked for; ``format`` None means "not given" (a config may say)."""

    format: str | None = None
    output: str | None = None
    #: format -> file, for reports written besides the main one.
    reports: Mapping[str, str] = field(default_factory=dict)
    quiet: bool = False
    verbose: bool = False
    color: bool | None = None

    def outputs(self, default_format: str = "text") -> list[tuple[str, str | None]]:
        """(format, file or None for standard output) of each report to write, the main one first."""
        return [(self.format or default_format, self.output), *self.reports.items()]


def use_color(flag: bool | None, stream: IO[Any]) -> bool:
    """``--color`` forces colour, ``--no-color`` refuses it; NO_COLOR (https://no-color.org) always wins."""
    if os.environ.get("NO_COLOR"):
        return False
    if flag is not None:
        return flag
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def color_option(name: str = "color") -> Callable[[F], F]:
    """``--color/--no-color`` (None when not given: :func:`use_color` decides), into ``name``."""
    return click.option(
        "--color/--no-color",
        name,
        default=None,
        help="Force or refuse colour (default: on a terminal, unless NO_COLOR is set).",
    )


def report_options(
    formats: Sequence[str], *, extra: Sequence[str] = tuple(EXTRA_REPORTS), default: str | None = None
) -> Callable[[F], F]:
    """Add the report options to a click command; it receives them as one ``report: ReportRequest``.

    ``formats`` are the ``--format`` choices, ``extra`` the further reports it can write (keys of
    :data:`EXTRA_REPORTS`), ``default`` the format shown as default (None: the command decides,
    for example from a configuration file).
    """
    options = [
        click.option(
            "--format",
            "report_format",
            type=click.Choice(tuple(formats)),
            default=default,
            show_default=default is not None,
            help="Output format." + ("" if default is not None else "  [default: text]"),
        ),
        click.option(
            "-o",
            "--output",
            "report_output",
            type=click.Path(dir_okay=False),
            metavar="FILE",
            help="Write the report to FILE instead of standard output.",
        ),
        *(
            click.option(
                EXTRA_REPORTS[fmt].option,
                f"report_{fmt}",
                type=click.Path(dir_okay=False),
                metavar="FILE",
                help=EXTRA_REPORTS[fmt].help,
            )
            for fmt in extra
        ),
        click.option(
            "-q", "--quiet", "report_quiet", is_flag=True, help="Findings only: no summary, no progress."
        ),
        click.option(
            "-v",
            "--verbose",
            "report_verbose",
            is_flag=True,
            help="Text output: every detail line under a finding, not the first few.",
        ),
        color_option("report_color"),
    ]

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            files = {fmt: kwargs.pop(f"report_{fmt}") for fmt in extra}
            kwargs["report"] = ReportRequest(
                format=kwargs.pop("report_format"),
                output=kwargs.pop("report_output"),
                reports={fmt: path for fmt, path in files.items() if path},
                quiet=kwargs.pop("report_quiet"),
                verbose=kwargs.pop("report_verbose"),
                color=kwargs.pop("report_color"),
            )
            return command(*args, **kwargs)

        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate


def terminal_width(default: int = 100) -> int:
    """The terminal's columns as :func:`shutil.get_terminal_size` finds them (``COLUMNS`` first,
    then standard output's terminal), without importing shutil (and the bz2 and lzma modules it
    loads) into every check."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or default


def write_reports(
    report: Report,
    outputs: Sequence[tuple[type[Reporter], str | None]],
    request: ReportRequest,
    stderr: IO[str] | None = None,
) -> None:
    """Render ``report`` with each (reporter class, file or None for standard output) of
    ``outputs``, the classes taken from a command's name→class table; a ``github`` report also
    appends its step summary."""
    stderr = stderr or sys.stderr
    stdout_color = use_color(request.color, sys.stdout)
    width = terminal_width()
    for cls, target in outputs:
        reporter = cls(
            color=stdout_color and target is None,
            quiet=request.quiet,
            verbose=request.verbose,
            width=width if target is None else 100,
        )
        try:
            _write(reporter, report, target)
        except OSError as exc:
            raise ReportWriteError(
                f"cannot write {target or 'standard output'}: {exc.strerror or exc}"
            ) from None
        append_step_summary(reporter, report, stderr)


def _write(reporter: Reporter, report: Report, target: str | None) -> None:
    """The report, written as the reporter makes it (a streaming reporter never holds it whole)."""
    if target is None:
        sys.stdout.flush()  # anything already written as text goes first
        reporter.write(report, sys.stdout.buffer)
    else:
        with open(target, "wb") as fh:
            reporter.write(report, fh)


def append_step_summary(reporter: Reporter, report: Report, stderr: IO[str] | None = None) -> None:
    """A ``github`` report's step summary, appended to ``$GITHUB_STEP_SUMMARY`` (when set)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    stderr = stderr or sys.stderr
    from validator.reporting.reporters.github import GithubReporter

    if not isinstance(reporter, GithubReporter):
        return
    try:
        with open(target, "ab") as fh:
            write_text(reporter.step_summary(report), fh)
    except OSError as exc:
        # The annotations are already out; a missing summary file is not worth failing the check.
        stderr.write(f"{COMMAND}: warning: cannot append to GITHUB_STEP_SUMMARY ({target}): {exc.strerror}\n")
