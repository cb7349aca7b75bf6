"""The ``responses-validator`` command line.

The click commands only parse options into a :class:`CheckRequest`;
:func:`execute` assembles the run from the library (config, walk, engine,
baseline, reporters) and returns the exit code, so it can be tested without
click. Exit codes: 0 nothing failing, 1 failing findings, 2 usage error or
unreadable input.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
import json
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from stat import S_ISFIFO, S_ISREG
from typing import IO, Any, ClassVar

import click

from validator.catalog import (
    DEFAULT_PROTOCOL,
    PROFILE_DOCS,
    PROFILES,
    PROTOCOL_PROFILES,
    REDIRECTS,
    RULES,
    Rule,
)
from validator.config import Config, ConfigError, discover, load_config
from validator.engine import INPUT_FORMATS, FileResult
from validator.engine.batch import run
from validator.engine.exchange import record_options
from validator.model.meta import COMMAND
from validator.reading.discover import STDIN, PathError, collect
from validator.reading.exchange import (
    RECORD_SUFFIX,
    ExchangeRecord,
    is_exchange_record,
    parse_record,
    read_record,
)
from validator.reading.transcript import TranscriptReadError
from validator.reporting.baseline import Baseline, BaselineError, write_baseline
from validator.reporting.outputs import (
    ReportRequest,
    ReportWriteError,
    color_option,
    report_options,
    use_color,
    write_reports,
)
from validator.reporting.report import EXIT_USAGE, Progress, Report, display_uri, plural, write_text
from validator.reporting.reporters import REPORTERS, STATISTICS

__all__ = ["CheckRequest", "cli", "execute", "main"]

PROG = COMMAND
#: Raw events read back per file for the HTML report at most (each is one bounded read).
HTML_EVENTS_PER_FILE = 1000


class UsageError(Exception):
    """A problem with the command line or the configuration (exit 2)."""


@dataclass
class CheckRequest:
    """Everything ``check`` was asked to do; ``None`` means "not given, use the config or default"."""

    paths: tuple[str, ...]
    profile: str | None = None
    #: A protocol name, or "auto": recognise each transcript's.
    protocol: str = "auto"
    #: A file holding the JSON body of the request the transcripts answer.
    request_file: str | None = None
    input_format: str = "auto"
    strict: bool | None = None
    resumed: bool = False
    fragment: bool = False
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None
    #: Which reports, where, and how (``--format``, ``-o``, ``--junit-xml``..., ``-q``, ``-v``, ``--color``).
    report: ReportRequest = dataclasses.field(default_factory=ReportRequest)
    jobs: int = 1
    baseline: str | None = None
    write_baseline: str | None = None
    exit_zero: bool = False
    stdin_filename: str | None = None
    config: str | None = None
    isolated: bool = False
    #: Print the settings and the files, check nothing (``--show-settings``).
    show_settings: bool = False
    #: Counts per rule instead of each finding (``--statistics``).
    statistics: bool = False
    max_line_bytes: int | None = None


# ---------------------------------------------------------------------- helpers
def _err(stderr: IO[str], message: str) -> None:
    stderr.write(f"{PROG}: error: {message}\n")
    stderr.flush()


def _split(values: Sequence[str]) -> tuple[str, ...] | None:
    """Repeatable, comma-separated options; ``None`` when the option was not given."""
    if not values:
        return None
    return tuple(part.strip() for v in values for part in v.split(",") if part.strip())


def _check_selectors(option: str, selectors: Sequence[str]) -> None:
    for s in selectors:
        if not any(r.id.startswith(s.upper()) or r.name == s for r in RULES.values()):
            raise UsageError(
                f"{option}: unknown rule selector {s!r} "
                "(use an id such as RSP203, a prefix such as RSP2, or a rule name;"
                f" see `{COMMAND} rules`)"
            )


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _load_config(request: CheckRequest) -> Config:
    if request.isolated:
        return Config()
    if request.config is not None:
        path = Path(request.config)
        if not path.is_file():
            raise UsageError(f"--config: {request.config}: no such file")
        return load_config(path)
    return discover()


def _options(request: CheckRequest, config: Config) -> tuple[Any, tuple[str, ...], tuple[str, ...] | None]:
    """The engine options, exclude globs and include globs, command line over config."""
    from validator.engine import CheckOptions

    select = request.select if request.select is not None else config.select or ()
    ignore = request.ignore if request.ignore is not None else config.ignore or ()
    # Blame the place the selector came from: the command line, or the configuration file.
    in_config = f"in {config.source}" if config.source is not None else "in the configuration"
    _check_selectors("--select" if request.select is not None else f"select {in_config}", select)
    _check_selectors("--ignore" if request.ignore is not None else f"ignore {in_config}", ignore)
    body, record = _request_body(request.request_file)
    try:
        options = CheckOptions(
            # No profile given: each transcript gets its protocol's default.
            profile=request.profile or config.profile,
            protocol=request.protocol,
            request=body,
            strict=request.strict if request.strict is not None else bool(config.strict),
            resumed=True if request.resumed else None,
            fragment=request.fragment,
            input_format=request.input_format,
            select=select,
            ignore=ignore,
            **_line_limit(request, config),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if record is not None:
        # The proxy's saved record: the transcripts are that exchange's answer, judged by its
        # status, content type and route as the proxy judged it (``check NNNN.exchange`` alike).
        options = record_options(options, record)
    exclude = request.exclude if request.exclude is not None else config.exclude or ()
    include = request.include if request.include is not None else config.include
    return options, exclude, include


def _line_limit(request: CheckRequest, config: Config) -> dict[str, int]:
    """``max_line_bytes`` for the options when the command line or the config sets it."""
    limit = request.max_line_bytes if request.max_line_bytes is not None else config.max_line_bytes
    return {} if limit is None else {"max_line_bytes": limit}


def _request_body(path: str | None) -> tuple[Any, ExchangeRecord | None]:
    """The decoded JSON body of ``--request FILE`` (None without the option), and the proxy's
    saved exchange when FILE is its record (``NNNN.exchange``)."""
    if path is None:
        return None, None
    try:
        body = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise UsageError(f"--request: {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"--request: {path}: not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise UsageError(f"--request: {path}: the request body is not a JSON object")
    if is_exchange_record(body):
        # The body it holds is what the proxy's own check was given; a request without a JSON
        # object body gave it none.
        try:
            record = parse_record(body, path)
        except TranscriptReadError as exc:
            raise UsageError(f"--request: {exc}") from None
        return record.request, record
    return body, None


def _outputs(request: CheckRequest, config: Config) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) for each report to write."""
    return request.report.outputs(config.format or "text")


def _report_profile(options: Any) -> str:
    """The profile a report names: the one asked for, else the default of the protocol asked for
    (or of the default protocol)."""
    named = options.named_protocol()
    return options.profile or PROTOCOL_PROFILES[named or DEFAULT_PROTOCOL][0]


# ---------------------------------------------------------------------- check
def execute(request: CheckRequest, stderr: IO[str] | None = None) -> int:
    """Run ``check`` as requested; returns the exit code."""
    stderr = stderr or sys.stderr
    try:
        return _execute(request, stderr)
    except (UsageError, ConfigError, PathError, BaselineError) as exc:
        _err(stderr, str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err(stderr, "interrupted")
        return 130


def _execute(request: CheckRequest, stderr: IO[str]) -> int:
    config = _load_config(request)
    options, exclude, include = _options(request, config)
    outputs = _outputs(request, config)
    discovery = collect(request.paths or _implicit_stdin(request, stderr), include, exclude)
    files = discovery.files
    if request.show_settings:
        return _show_settings(request, config, discovery.files, discovery.skipped, outputs[0][0])
    for path, why in discovery.skipped:
        stderr.write(f"{PROG}: note: {path}: skipped: {why}\n")
    # The input is never modified: refuse any output that would overwrite a transcript.
    targets = [t for _, t in outputs if t] + [request.write_baseline] * bool(request.write_baseline)
    inputs = [*files, *_saved_bodies(files)] if targets else files
    for target in targets:
        for path in inputs:
            if path != STDIN and _same_file(target, path):
                raise UsageError(f"refusing to write {target}: it is one of the transcripts being checked")
    baseline = Baseline.load(request.baseline) if request.baseline and not request.write_baseline else None

    writers = [(REPORTERS[fmt], target) for fmt, target in outputs]
    if request.statistics:
        main, target = outputs[0]
        if main not in STATISTICS:
            *first, last = STATISTICS
            raise UsageError(f"--statistics prints {', '.join(first)} or {last}, not --format {main}")
        writers[0] = (STATISTICS[main], target)
    reporters = [cls for cls, _ in writers]
    # The HTML report draws each stream's outline, with its excerpts and the rules' docs.
    outlines = any(cls.outlines for cls in reporters)
    if outlines:
        options = dataclasses.replace(options, outline=True)
    jobs = request.jobs or os.cpu_count() or 1
    progress = _progress(files, request, stderr)
    try:
        # spill: a file's findings past a few thousand wait in a temporary file, not in memory.
        results, durations = run(
            files,
            options,
            jobs,
            on_done=progress.advance,
            stdin_name=request.stdin_filename,
            # One file: its bytes are the progress (and nothing is counted when nothing is drawn).
            on_read=progress.read if progress.enabled and len(files) == 1 else None,
            spill=True,
        )
    finally:
        progress.close()
    # Directories walking could not list: unreadable input, reported like an unreadable file.
    results += [FileResult(path, error=message) for path, message in discovery.errors]
    durations += [0.0] * len(discovery.errors)

    report = Report(results, _report_profile(options), options.strict, durations)
    if request.write_baseline:
        recorded, entries = write_baseline(results, request.write_baseline)
        stderr.write(
            f"Wrote {request.write_baseline}: {plural(recorded, 'finding')}"
            f" ({entries} {'entry' if entries == 1 else 'entries'})"
            " are now the baseline.\n"
        )
        # Applied to the results it was written from, a baseline hides every finding.
        kept = [dataclasses.replace(r, findings=[]) for r in results]
        report = dataclasses.replace(report, results=kept, baselined=recorded, with_baseline=True)
    elif baseline is not None:
        kept, hidden, stale = baseline.apply(results)
        report = dataclasses.replace(report, results=kept, baselined=hidden, stale=stale, with_baseline=True)

    for result in report.unreadable:
        # Read errors already name the file ("cannot read X: ..."): do not say it twice.
        error = result.error or ""
        _err(stderr, error if result.path in error else f"{result.path}: {error}")
    for result in report.results:
        if result.notice is not None:
            stderr.write(f"{PROG}: note: {result.path}: {result.notice}\n")
    wanted = {cls.excerpts for cls in reporters} - {""}
    if wanted:
        # The HTML report's excerpts are read up front, the code frames' as each finding is written.
        known = read_report_excerpts(report, "events" in wanted) if outlines else {}
        report = dataclasses.replace(report, excerpts=lazy_excerpts(report, known))
    if outlines:
        used = {f.rule for r in report.results for f in r.findings}
        docs = {rid: rule_text(RULES[rid], examples_dir()) for rid in sorted(used) if rid in RULES}
        report = dataclasses.replace(report, rule_docs=docs)
    try:
        write_reports(report, writers, request.report, stderr)
    except ReportWriteError as exc:
        raise UsageError(str(exc)) from None
    finally:
        _close(report, results)
    return report.exit_code(request.exit_zero)


def _saved_bodies(files: Sequence[str]) -> list[str]:
    """The body files the proxy's saved records among ``files`` name: checked too, so never
    written over (a record that cannot be read is reported by its check)."""
    bodies = []
    for path in files:
        if path != STDIN and path.endswith(RECORD_SUFFIX):
            with contextlib.suppress(TranscriptReadError):
                body = read_record(path).body_path
                if body is not None:
                    bodies.append(body)
    return bodies


def _close(report: Report, results: list[FileResult]) -> None:
    """The files the reports were read from: excerpts' transcripts, spilled findings."""
    for held in [*report.excerpts.values(), *(r.findings for r in results)]:
        close = getattr(held, "close", None)
        if close is not None:
            close()


#: Seconds a run takes before its progress line appears (tests set 0 to see it at once).
PROGRESS_DELAY_ENV = "RESPONSES_VALIDATOR_PROGRESS_DELAY"


def _progress(files: Sequence[str], request: CheckRequest, stderr: IO[str]) -> Progress:
    """The progress line on standard error: files done, or the bytes of a single file."""
    try:
        delay = max(0.0, float(os.environ.get(PROGRESS_DELAY_ENV, "")))
    except ValueError:
        delay = 1.0
    name, size = "", None
    if len(files) == 1:
        path = files[0]
        name = (request.stdin_filename or "standard input") if path == STDIN else display_uri(path)
        with contextlib.suppress(OSError):
            stat = os.stat(path) if path != STDIN else os.fstat(sys.stdin.fileno())
            # A pipe's size is not its length: only a regular file's is.
            size = stat.st_size if S_ISREG(stat.st_mode) else None
    return Progress(len(files), stderr, enabled=not request.report.quiet, delay=delay, name=name, size=size)


#: Seconds of silence on a pipe before ``check`` with no path says it is waiting for standard input.
STDIN_NOTE_AFTER = 2.0


def _stdin_is_data() -> bool:
    """Is standard input a pipe or a regular file (``cmd | check``, ``check < file``)?

    Not a terminal, and not ``/dev/null`` or another device, nor a socket: a CI runner or a test
    runner often leaves standard input as one of those, and reading it would check nothing (or
    block) where the user forgot a path.
    """
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (AttributeError, OSError, ValueError):  # closed, replaced by an object without a descriptor
        return False
    return S_ISFIFO(mode) or S_ISREG(mode)


def _implicit_stdin(request: CheckRequest, stderr: IO[str]) -> tuple[str, ...]:
    """No path given: standard input, when something is piped or redirected into it (or
    ``--stdin-filename`` names it); otherwise a usage error, as before."""
    if request.stdin_filename is None and not _stdin_is_data():
        raise UsageError(
            "missing argument PATH...: name the files or directories to check, or - to read standard input"
            " (read without - only when it is a pipe or a redirected file)"
        )
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None or not hasattr(buffer, "peek"):
        return (STDIN,)
    with contextlib.suppress(OSError, ValueError):
        import select

        if not select.select([buffer], [], [], STDIN_NOTE_AFTER)[0]:
            stderr.write(
                f"{PROG}: note: no path given: reading the transcript from standard input"
                " (waiting for it to be written and closed)\n"
            )
            stderr.flush()
    try:
        empty = not buffer.peek(1)
    except (OSError, ValueError):
        return (STDIN,)  # reading it will say what is wrong
    if empty:
        # An empty pipe is what a CI step without input gets: never a silent pass.
        raise UsageError(
            "no path given and standard input is empty: name the files or directories to check"
            " (or - to check an empty standard input)"
        )
    return (STDIN,)


def _show_settings(
    request: CheckRequest, config: Config, files: Sequence[str], skipped: Sequence[tuple[str, str]], fmt: str
) -> int:
    from validator.settings import resolve_settings, settings_json, settings_text

    given = {
        "profile": request.profile,
        "protocol": request.protocol,
        "input_format": request.input_format,
        "strict": request.strict,
        "select": request.select,
        "ignore": request.ignore,
        "include": request.include,
        "exclude": request.exclude,
        "format": request.report.format,
        "output": request.report.output,
        "reports": dict(request.report.reports),
        "baseline": request.baseline,
        "jobs": request.jobs,
        "max_line_bytes": request.max_line_bytes,
    }
    settings = resolve_settings(given, config)
    render = settings_json if fmt == "json" else settings_text
    write_text(render(config, settings, files, skipped, isolated=request.isolated), sys.stdout.buffer)
    return 0


def read_report_excerpts(report: Report, all_events: bool) -> dict[str, dict[int, Any]]:
    """The transcript's line at each finding (and the event there: at a finding with a JSON pointer,
    or at every finding when ``all_events``), by path and byte offset, for the code frames and
    the HTML report. Reporters never open files: this is read here, after the check."""
    from validator.reading.excerpt import read_excerpts
    from validator.reporting.reporters.html import FINDINGS_PER_FILE

    found: dict[str, dict[int, Any]] = {}
    for result in report.results:
        if result.findings and result.error is None:
            # Those of the findings the HTML report draws.
            wanted = [
                (f.offset, f.column, bool(f.pointer) or (all_events and i < HTML_EVENTS_PER_FILE))
                for i, f in enumerate(itertools.islice(result.findings, FINDINGS_PER_FILE))
            ]
            found[result.path] = read_excerpts(result.path, wanted)
    return found


def lazy_excerpts(report: Report, known: dict[str, dict[int, Any]]) -> dict[str, Any]:
    """Each file's excerpts: those ``known`` (read up front), the others read one at a time as a
    reporter asks for them (a run can have a million findings, too many to read up front)."""
    shown = [r for r in report.results if r.findings and r.error is None]
    if not shown:
        return {}  # (nothing to show: a clean check does not load the excerpt reader)
    from validator.reading.excerpt import FileExcerpts

    return {r.path: FileExcerpts(r.path, known=known.get(r.path)) for r in shown}


class LazyGroup(click.Group):
    """Commands from other modules, imported only when used.

    ``probe`` needs httpx; ``check`` and ``rules`` should not pay for importing it.
    """

    LAZY: ClassVar[dict[str, str]] = {
        "mutate": "validator.tools.mutate.command:mutate_command",
        "probe": "validator.tools.probe.command:probe_command",
        "proxy": "validator.tools.proxy.command:proxy_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            module, _, attr = self.LAZY[cmd_name].partition(":")
            try:
                self.add_command(getattr(import_module(module), attr), cmd_name)
            except (ImportError, AttributeError):
                # An optional command whose module is not there is simply not offered.
                return None
        return super().get_command(ctx, cmd_name)


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # The version comes from importlib.metadata, which is only worth loading when asked for.
    if value and not ctx.resilient_parsing:
        from validator import __version__

        click.echo(f"{PROG}, version {__version__}")
        ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """Check LLM streaming protocol transcripts for conformance: Responses API event streams
    (POST /v1/responses with stream: true) and the protocols registered beside it."""


# Options ``check`` and ``show`` share (a click option decorator makes a new option each time it is applied).
profile_option = click.option(
    "--profile",
    type=click.Choice(PROFILES),
    help="Which profile of the protocol to check against (and so which protocol).  [default: the"
    " protocol's first: openai for Responses]",
)
protocol_option = click.option(
    "--protocol",
    type=click.Choice(("auto", *PROTOCOL_PROFILES)),
    default="auto",
    show_default=True,
    help="The streams' protocol; auto recognises it from each stream's first events.",
)
input_format_option = click.option(
    "--input-format",
    type=click.Choice(INPUT_FORMATS),
    default="auto",
    show_default=True,
    help="Transcript format; auto detects it from the content.",
)
strict_option = click.option(
    "--strict/--no-strict", default=None, help="Warnings fail too, and strict-only rules report."
)


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@profile_option
@protocol_option
@click.option(
    "--request",
    "request_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="The request the streams answer: its JSON body, or the proxy's saved NNNN.exchange record"
    " (Chat Completions: n, include_usage, tool_choice).",
)
@input_format_option
@strict_option
@click.option(
    "--resumed", is_flag=True, help="The stream was resumed (starting_after): it need not start at the start."
)
@click.option(
    "--fragment", is_flag=True, help="The transcript is a mid-stream excerpt: waive the start and end rules."
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Only these rules: ids, prefixes (RSP2) or names; comma-separated, repeatable.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="RULES",
    help="Skip these rules: ids, prefixes or names; comma-separated, repeatable.",
)
@click.option(
    "--include",
    multiple=True,
    metavar="GLOBS",
    help="Globs of files to check in directories.  [default: *.sse,*.jsonl,*.json,*.txt]",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOBS",
    help="Globs of files or directories to skip; comma-separated, repeatable.",
)
@report_options(tuple(REPORTERS))
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    metavar="N",
    default=1,
    show_default=True,
    help="Parallel processes (0: one per CPU).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Fail only on findings not recorded in FILE.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Record the current findings in FILE.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the check.")
@click.option(
    "--stdin-filename", metavar="NAME", help="The name to report for a transcript read from stdin (-)."
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Read settings from this pyproject.toml.",
)
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
@click.option(
    "--show-settings",
    is_flag=True,
    help="Print the configuration file, each setting with its source, and the files; check nothing.",
)
@click.option(
    "--statistics", is_flag=True, help="Count the findings per rule instead of listing them (text or json)."
)
@click.option(
    "--max-line-bytes",
    type=click.IntRange(min=1),
    metavar="N",
    help="Longest line read from an SSE or JSON Lines transcript, in bytes; a longer one is not read"
    " (RSP017).  [default: 67108864, 64 MiB]",
)
def check(
    paths: tuple[str, ...],
    protocol: str,
    profile: str | None,
    request_file: str | None,
    input_format: str,
    strict: bool | None,
    resumed: bool,
    fragment: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    report: ReportRequest,
    jobs: int,
    baseline: str | None,
    write_baseline: str | None,
    exit_zero: bool,
    stdin_filename: str | None,
    config_file: str | None,
    isolated: bool,
    show_settings: bool,
    statistics: bool,
    max_line_bytes: int | None,
) -> None:
    """Check transcripts: files, directories (searched for transcripts) or - for stdin.

    With no PATH, standard input is read when it is a pipe or a redirected file
    (curl ... | llm-stream-validator check); on a terminal or /dev/null it is a usage error.
    """
    request = CheckRequest(
        paths=paths,
        profile=profile,
        protocol=protocol,
        request_file=request_file,
        input_format=input_format,
        strict=strict,
        resumed=resumed,
        fragment=fragment,
        select=_split(select),
        ignore=_split(ignore),
        include=_split(include),
        exclude=_split(exclude),
        report=report,
        jobs=jobs,
        baseline=baseline,
        write_baseline=write_baseline,
        exit_zero=exit_zero,
        stdin_filename=stdin_filename,
        config=config_file,
        isolated=isolated,
        show_settings=show_settings,
        statistics=statistics,
        max_line_bytes=max_line_bytes,
    )
    sys.exit(_guarded(request))


def _guarded(request: CheckRequest) -> int:
    try:
        return execute(request)
    except Exception as exc:  # a bug of ours: say so in one line, not a traceback
        stderr = sys.stderr
        if os.environ.get("RESPONSES_VALIDATOR_DEBUG"):
            traceback.print_exc(file=stderr)
        _err(
            stderr,
            f"internal error: {type(exc).__name__}: {exc}"
            " (please report this; set RESPONSES_VALIDATOR_DEBUG=1 for a traceback)",
        )
        return EXIT_USAGE


# ---------------------------------------------------------------------- show
@cli.command("show")
@click.argument("path", metavar="FILE")
@profile_option
@protocol_option
@input_format_option
@strict_option
@color_option()
def show_command(
    path: str, profile: str | None, protocol: str, input_format: str, strict: bool | None, color: bool | None
) -> None:
    """Show a transcript's structure (phases, items, parts, deltas, terminal) with its findings inline."""
    from validator.engine import check_file
    from validator.reporting.reporters.show import render_outline

    request = CheckRequest(
        paths=(path,), profile=profile, protocol=protocol, input_format=input_format, strict=strict
    )
    try:
        options, _, _ = _options(request, _load_config(request))
    except (UsageError, ConfigError) as exc:
        _err(sys.stderr, str(exc))
        sys.exit(EXIT_USAGE)
    options = dataclasses.replace(options, outline=True)
    result = check_file(path, options)
    write_text(render_outline(result, color=use_color(color, sys.stdout)), sys.stdout.buffer)
    if result.error is not None:
        _err(sys.stderr, f"{path}: {result.error}")
        sys.exit(EXIT_USAGE)
    sys.exit(Report([result], _report_profile(options), options.strict).exit_code())


# ---------------------------------------------------------------------- rules
def rules_table(rules: Sequence[Rule]) -> str:
    rows = [("ID", "NAME", "SEVERITY", "LAYER")] + [(r.id, r.name, r.severity.value, r.layer) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}\n" for row in rows
    )


def rule_as_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "severity": rule.severity.value,
        "layer": rule.layer,
        "message": rule.message,
        "profiles": {
            p: (s.value if (s := rule.severity_in(p)) else None) for p in PROTOCOL_PROFILES[rule.protocol]
        },
        "strict_only": rule.strict_only,
        # Conditions rated apart per profile (each profile of the protocol, as "profiles" above).
        "cases": {
            case: {
                p: (s.value if (s := rule.severity_in(p, case)) else None)
                for p in PROTOCOL_PROFILES[rule.protocol]
            }
            for case in rule.cases
        },
    }


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--protocol",
    type=click.Choice(("all", *PROTOCOL_PROFILES)),
    default="all",
    show_default=True,
    help="Only the rules of this protocol.",
)
@click.option("--profiles", is_flag=True, help="List the profiles instead: what each accepts, and why.")
def rules_command(fmt: str, protocol: str, profiles: bool) -> None:
    """List every rule: id, name, severity and layer."""
    if profiles:
        # A profile names its protocol's default with "(default)"; --protocol narrows the list.
        shown = {
            name: doc
            for name, doc in PROFILE_DOCS.items()
            if protocol == "all" or name in PROTOCOL_PROFILES[protocol]
        }
        defaults = {p[0] for p in PROTOCOL_PROFILES.values()}
        if fmt == "json":
            click.echo(json.dumps(shown, indent=2))
        else:
            click.echo(
                "".join(
                    f"{name}{' (default)' if name in defaults else ''}\n  {doc}\n\n"
                    for name, doc in shown.items()
                ),
                nl=False,
            )
        return
    rules = [r for r in RULES.values() if protocol in ("all", r.protocol)]
    if fmt == "json":
        click.echo(json.dumps([rule_as_dict(r) for r in rules], indent=2))
    else:
        click.echo(rules_table(rules), nl=False)


def examples_dir() -> Path:
    """Rule examples: packaged in the wheel, or corpus/rules in a source tree."""
    here = Path(__file__).resolve().parent
    packaged = here / "_rule_examples"
    if packaged.is_dir():
        return packaged
    return here.parent / "corpus" / "rules"


def find_rules(ref: str, protocol: str | None = None) -> list[Rule]:
    """The rules ``ref`` names: an id (or a redirected one) names one; a name may name one per
    protocol (``invalid-json`` is RSP002, CH003 and AN002), unless ``protocol`` picks one."""
    rule_id = REDIRECTS.get(ref.upper(), ref.upper())
    if rule_id in RULES:
        return [RULES[rule_id]]
    return [r for r in RULES.values() if r.name == ref and protocol in (None, r.protocol)]


def rule_text(rule: Rule, examples: Path) -> str:
    """The text of ``rule``: its doc, its reported example checked live, its conforming one."""
    from validator.explain import explain_rule

    return explain_rule(rule, examples)


@cli.command("rule")
@click.argument("rule_ref", metavar="RULE")
@click.option(
    "--protocol",
    type=click.Choice(list(PROTOCOL_PROFILES)),
    default=None,
    help="The protocol whose rule a name means (a name may be a rule of each protocol).",
)
def rule_command(rule_ref: str, protocol: str | None) -> None:
    """Explain one rule (by id such as RSP203, or name) with its example transcripts."""
    found = find_rules(rule_ref, protocol)
    if len(found) > 1:
        # As for any ambiguous argument: a usage error that lists what the name could mean.
        choices = ", ".join(f"{r.id} ({r.protocol})" for r in found)
        _err(
            sys.stderr,
            f"rule name {rule_ref!r} is a rule of several protocols: {choices}; give the id, or "
            "--protocol to pick one",
        )
        sys.exit(EXIT_USAGE)
    if found and protocol is not None and found[0].protocol != protocol:
        _err(sys.stderr, f"{found[0].id} is a {found[0].protocol} rule, not a {protocol} one")
        sys.exit(EXIT_USAGE)
    if not found:
        elsewhere = find_rules(rule_ref)
        if elsewhere:
            ids = ", ".join(f"{r.id} ({r.protocol})" for r in elsewhere)
            _err(sys.stderr, f"no {protocol} rule is named {rule_ref!r} (the name is {ids})")
            sys.exit(EXIT_USAGE)
        import difflib  # only for this hint: not loaded by every command's start-up

        close = difflib.get_close_matches(
            rule_ref.upper() if rule_ref[:1].isalpha() and rule_ref[-1:].isdigit() else rule_ref,
            [*RULES, *(r.name for r in RULES.values())],
            n=1,
            cutoff=0.8,
        )
        hint = f"did you mean {close[0]}? " if close else ""
        _err(sys.stderr, f"unknown rule {rule_ref!r} ({hint}see `{COMMAND} rules`)")
        sys.exit(EXIT_USAGE)
    write_text(rule_text(found[0], examples_dir()), sys.stdout.buffer)


def main() -> None:
    """The console command (and ``python -m validator``): the click group, then a quick exit."""
    code: Any = 0
    # A check allocates a few containers per event (the decoded JSON), nearly all freed by reference
    # counting once the event is checked, and none in a cycle; at the default pace (a collection
    # every 700 allocations) the cyclic collector walks them anyway: a tenth of a 100 MB Chat
    # Completions check's CPU time (bench/bench.py --protocol chat). The command's own objects
    # are few: collected 140 times less often (mypy tunes its collector the same way).
    gc.set_threshold(100_000, 20, 100)
    try:
        cli(prog_name=PROG)  # standalone mode: it ends in SystemExit
    except SystemExit as stop:
        code = stop.code
    if not isinstance(code, int):  # sys.exit("message") or sys.exit(None), as Python reads them
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    # Everything is written and every file closed: what is left is the interpreter's teardown,
    # freeing each object the check made (20-50 ms after a 100 MB transcript). Skip it.
    os._exit(_flushed(code))


def _flushed(code: int) -> int:
    """Flush standard output and error; the exit code, or EXIT_USAGE if output could not be written."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            pass  # the reader (``| head``) has gone: nobody is left to tell
        except (OSError, ValueError) as exc:  # a full disk; a closed stream
            if stream is sys.stdout:
                code = EXIT_USAGE
                with contextlib.suppress(OSError, ValueError):
                    _err(sys.stderr, f"cannot write standard output: {getattr(exc, 'strerror', None) or exc}")
    return code
